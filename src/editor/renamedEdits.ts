import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { displayPath } from './modelLoader';
import type { CarriedEdits } from './modelLoan';
import type { OnnxDocument } from './onnxDocument';

/** How long the edits of a renamed file wait for its editor to open at the new name. */
const KEEP_MS = 60_000;

interface Carried {
  readonly edits: CarriedEdits;
  readonly from: vscode.Uri;
  readonly to: vscode.Uri;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Carries unsaved edits over a rename or move of the file (or of a folder holding it). VS Code
 * backs a dirty custom document up before the move, but its editor reopens at the new name
 * without that backup (VS Code 1.100: `CustomEditorInput.rename` returns a plain `{ resource }`, so
 * the backup kept for the old name is never found), and the edits were lost. So, when a rename is
 * about to run (`workspace.onWillRenameFiles`: the Explorer's F2 and drag, a `WorkspaceEdit`),
 * the edit log of every dirty document it moves is kept under its new URI; the editor provider
 * takes it when that URI opens without a backup and the document applies it as edits (dirty tab).
 * A document whose edits cannot be written as a log (EditSession.backupLog refuses) lends its
 * model and history instead, which the document at the new name takes over as they are (the file
 * moved, so the model's open file is still the right one). Entries nobody takes (the rename failed,
 * the editor was not reopened) go after a minute; a lent model goes back to its document, or, if
 * that was closed, is closed and the loss of its edits said.
 */
export class RenamedEdits extends Disposable {
  private readonly carried = new Map<string, Carried>();

  constructor(
    private readonly documents: { all(): OnnxDocument[] },
    private readonly log: Logger,
  ) {
    super();
    this._register(vscode.workspace.onWillRenameFiles((e) => this.remember(e.files)));
  }

  /** The dirty documents that `files` moves: their edit logs, under their new URIs. */
  remember(files: readonly { readonly oldUri: vscode.Uri; readonly newUri: vscode.Uri }[]): void {
    for (const document of this.documents.all()) {
      if (!document.isDirty) continue;
      for (const { oldUri, newUri } of files) {
        const moved = movedTo(document.uri, oldUri, newUri);
        if (!moved) continue;
        const edits = document.carryOver();
        if (!edits) continue;
        const key = moved.toString();
        this.drop(key);
        const timer = setTimeout(() => this.drop(key), KEEP_MS);
        this.carried.set(key, { edits, from: document.uri, to: moved, timer });
        const what = edits.kind === 'log' ? `its ${edits.edits.length} unsaved edits` : 'its model and unsaved edits';
        this.log.info(`${displayPath(document.uri)} is being renamed to ${displayPath(moved)}: keeping ${what} for the editor there`);
      }
    }
  }

  /** The edits carried to `uri` by a rename, once (undefined when none). */
  take(uri: vscode.Uri): CarriedEdits | undefined {
    const key = uri.toString();
    const entry = this.carried.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.carried.delete(key);
    const what = entry.edits.kind === 'log' ? `re-applying the ${entry.edits.edits.length} unsaved edits` : 'taking over the model and unsaved edits';
    this.log.info(`${displayPath(uri)}: ${what} of ${displayPath(entry.from)} (renamed)`);
    return entry.edits;
  }

  /** Forgets the entry of `key`; a model lent there goes back (see ModelLoan.release). */
  private drop(key: string): void {
    const entry = this.carried.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.carried.delete(key);
    if (entry.edits.kind === 'model') entry.edits.loan.release(entry.to, undefined); // no editor opened there
  }

  override dispose(): void {
    for (const key of [...this.carried.keys()]) this.drop(key);
    super.dispose();
  }
}

/** Where `uri` ends up when `from` (the file itself, or a folder holding it) is renamed to `to`; undefined when it does not move. */
export function movedTo(uri: vscode.Uri, from: vscode.Uri, to: vscode.Uri): vscode.Uri | undefined {
  if (uri.scheme !== from.scheme || uri.authority !== from.authority) return undefined;
  const base = from.path.endsWith('/') ? from.path.slice(0, -1) : from.path;
  if (uri.path === base) return to;
  if (!uri.path.startsWith(`${base}/`)) return undefined;
  return to.with({ path: `${to.path.replace(/\/$/, '')}${uri.path.slice(base.length)}` });
}
