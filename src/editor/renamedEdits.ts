import * as vscode from 'vscode';
import type { EditRequest } from '../core/editing/index';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { displayPath } from './modelLoader';
import type { OnnxDocument } from './onnxDocument';

/** How long the edits of a renamed file wait for its editor to open at the new name. */
const KEEP_MS = 60_000;

interface Carried {
  readonly edits: readonly EditRequest[];
  readonly from: vscode.Uri;
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
 * Entries nobody takes (the rename failed, the editor was not reopened) go after a minute.
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
        const edits = document.edits;
        if (edits.length === 0) continue;
        const key = moved.toString();
        const previous = this.carried.get(key);
        if (previous) clearTimeout(previous.timer);
        const timer = setTimeout(() => this.carried.delete(key), KEEP_MS);
        this.carried.set(key, { edits, from: document.uri, timer });
        this.log.info(`${displayPath(document.uri)} is being renamed to ${displayPath(moved)}: keeping its ${edits.length} unsaved edits for the editor there`);
      }
    }
  }

  /** The edits carried to `uri` by a rename, once (undefined when none). */
  take(uri: vscode.Uri): readonly EditRequest[] | undefined {
    const key = uri.toString();
    const entry = this.carried.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.carried.delete(key);
    this.log.info(`${displayPath(uri)}: re-applying the ${entry.edits.length} unsaved edits of ${displayPath(entry.from)} (renamed)`);
    return entry.edits;
  }

  override dispose(): void {
    for (const entry of this.carried.values()) clearTimeout(entry.timer);
    this.carried.clear();
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
