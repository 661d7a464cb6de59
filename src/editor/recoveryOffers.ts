import * as vscode from 'vscode';
import type { EditRequest } from '../core/editing/index';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import type { DiskStamp } from './diskStamp';
import { otherEditorsOf } from './editorTabs';
import { closeQuietly, displayPath, type LoadResult } from './modelLoader';
import type { Notices } from './notices';
import type { DocumentState } from './onnxDocument';

/** The actions offered when the file was rewritten in place under unsaved edits. */
export const REAPPLY_EDITS = 'Reload and Re-apply Edits';
export const EXPORT_PLAN = 'Export Plan…';
const SHOW_LOG = 'Show Log';

/** The document whose unsaved edits the offers are about (OnnxDocument). */
export interface OfferingDocument {
  readonly uri: vscode.Uri;
  readonly isDisposed: boolean;
  readonly isDirty: boolean;
  readonly state: DocumentState;
  whenLoaded(): Promise<LoadResult>;
  /** Installs a model read again (`preloaded`), the history starting again. */
  reload(preloaded: { result: LoadResult; stamp: Promise<DiskStamp | undefined> }): Promise<LoadResult>;
}

/** What "Reload and Re-apply Edits" needs of the document's insides (OnnxDocument). */
export interface ReapplyHooks {
  /** The unsaved edits as an edit log (EditSession.backupLog: throws when it cannot be written). */
  backupLog(): EditRequest[];
  /** The file's size and mtime now. */
  stamp(): Promise<DiskStamp | undefined>;
  /** Reads and decodes the file (installs nothing). */
  load(): Promise<LoadResult>;
  /** Applies `edits` to the model as it is now, each as an undoable VS Code edit; resolves with how many applied. */
  reapply(edits: readonly EditRequest[]): Promise<number>;
}

/**
 * What a document says and offers when its unsaved edits are at risk: the file was rewritten in
 * place under them ("Reload and Re-apply Edits", "Export Plan…", one offer at a time), edits that
 * could not be applied again, an edit log that cannot be written for hot exit; and the tab made
 * clean when nothing is left unsaved. Disposed with its document.
 */
export class RecoveryOffers extends Disposable {
  constructor(
    private readonly document: OfferingDocument,
    private readonly hooks: ReapplyHooks,
    private readonly notices: Notices,
    private readonly log: Logger,
  ) {
    super();
  }

  /** An offer to reload and re-apply is showing (not answered yet). */
  private open = false;
  /** The reason last given for an edit log that cannot be written (said once, not at every backup). */
  private unwritableLogSaid: string | undefined;
  /** Waits for the other editors of the file to close before `markTabClean` saves (see there). */
  private cleanWhenAlone: vscode.Disposable | undefined;
  /** `markTabClean`'s saves in progress (see `takeCleanSave`). */
  private cleanSaves = 0;
  /** How many of those VS Code has not called the document's save for yet (one call each). */
  private cleanSavesUncalled = 0;
  /** Saves asked for by someone else (Ctrl+S, auto save) while one of those ran. */
  private savesAskedMeanwhile = 0;

  /**
   * Called by the document's save as it starts: true for the save `markTabClean` asked for, which
   * then writes nothing and asks nothing (VS Code calls it a round trip later; an edit or a change
   * on disk may come first). Each of those is one call of the document's save, the first while it
   * runs. A further call meanwhile is a save someone asked for (Ctrl+S, auto save), and false: VS
   * Code does not join two saves of one document, it cancels the earlier call and takes the later
   * one's outcome (its save point, the tab clean), so the later call saves as any save does and
   * writes the edits, whichever of the two it is (code-server 4.100's
   * `MainThreadCustomEditorModel.saveCustomEditor`).
   */
  takeCleanSave(): boolean {
    if (this.cleanSavesUncalled > 0) {
      this.cleanSavesUncalled--;
      return true;
    }
    if (this.cleanSaves > 0) {
      this.savesAskedMeanwhile++;
      this.log.info(`${displayPath(this.document.uri)}: a save asked for while its tab was being marked clean: it saves as usual`);
    }
    return false;
  }

  /**
   * A save to `target` cannot be done because the file was rewritten in place: offers to reload
   * and re-apply the edits (not awaited: VS Code shows the save's failure meanwhile) and returns
   * the error the save fails with.
   */
  rewritten(target: vscode.Uri): Error {
    const uri = this.document.uri;
    const file = displayPath(uri);
    void this.offer(
      `${file} was rewritten on disk since it was opened, so your edits cannot be saved${target.toString() === uri.toString() ? '' : ` to ${displayPath(target)}`}: ` +
        'the parts of the model they leave alone would come from the new contents. Reload the file and re-apply your edits to it?',
    );
    return new Error(`Not saved: ${file} was rewritten on disk since it was opened (reload it and re-apply your edits, or revert)`);
  }

  /** Offers what can be done with unsaved edits over a file rewritten in place, and does what is picked. */
  async offer(message: string): Promise<void> {
    // One offer at a time: with auto save on, every second's failed save would stack another.
    if (this.open) return;
    this.open = true;
    let answer: string | undefined;
    try {
      answer = await this.notices.show('warning', message, {}, REAPPLY_EDITS, EXPORT_PLAN);
    } finally {
      this.open = false;
    }
    const document = this.document;
    if (document.isDisposed) return;
    try {
      if (answer === REAPPLY_EDITS) {
        await this.reloadAndReapply();
      } else if (answer === EXPORT_PLAN) {
        const written = await vscode.commands.executeCommand<{ path: string } | undefined>('qdqStudio.exportPlan', { uri: document.uri.toString() });
        if (written) void this.notices.show('info', `Your edits of ${displayPath(document.uri)} are in the plan ${vscode.Uri.parse(written.path).fsPath} (Apply Plan puts them on a model).`);
      }
    } catch (e) {
      this.log.error(`${displayPath(document.uri)}: ${answer ?? 'the offer'} failed`, e);
      void this.notices.show('warning', `${displayPath(document.uri)}: ${answer} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Reads the file again and applies the unsaved edits (the backup log: what turned the file as it
   * was into the document) to what is there now, each as an undoable edit, so the document stays
   * dirty; edits that no longer apply are said. Used when the file was rewritten under the edits.
   */
  async reloadAndReapply(): Promise<{ applied: number; dropped: number }> {
    const { document, hooks } = this;
    await document.whenLoaded();
    let edits: EditRequest[];
    try {
      edits = hooks.backupLog();
    } catch (e) {
      const message = `${displayPath(document.uri)}: cannot re-apply the unsaved edits: ${e instanceof Error ? e.message : String(e)}`;
      this.log.warn(message);
      void this.notices.show('warning', message);
      return { applied: 0, dropped: 0 };
    }
    // Read the file first and install it only when it reads: a file still being written (the
    // notice comes while torch.onnx.export writes) or gone must not cost the edits.
    const stamp = hooks.stamp();
    const fresh = await hooks.load();
    if (document.isDisposed) {
      if (fresh.kind === 'loaded') closeQuietly(fresh.decoded);
      return { applied: 0, dropped: 0 };
    }
    if (fresh.kind !== 'loaded') {
      const message = `${displayPath(document.uri)}: the unsaved edits are kept: the file cannot be read now (${fresh.error.message}). Try again once it is written, or export the edits as a plan.`;
      this.log.warn(message);
      // The same offer as the failed save's (one at a time): try again later, or export a plan.
      void this.offer(message);
      return { applied: 0, dropped: 0 };
    }
    const result = await document.reload({ result: fresh, stamp });
    if (document.isDisposed || document.state !== result) return { applied: 0, dropped: edits.length };
    const applied = edits.length > 0 ? await hooks.reapply(edits) : 0;
    // VS Code still counts the edits from before the reload: with none re-applied nothing is unsaved.
    if (applied === 0) await this.markTabClean();
    return { applied, dropped: edits.length - applied };
  }

  /**
   * The unsaved edits cannot be written as an edit log (`why`: EditSession.backupLog's refusal):
   * logged at every backup, and said once per reason, with "Export Plan…", as a hot exit would lose them.
   */
  unwritableLog(why: string): void {
    const uri = this.document.uri;
    this.log.warn(`${displayPath(uri)}: ${why}`);
    // Backups run every few seconds: say it once per reason, with what keeps the edits.
    if (this.unwritableLogSaid === why) return;
    this.unwritableLogSaid = why;
    void this.notices.show('warning', `${displayPath(uri)}: the unsaved edits cannot be kept for a restart of the window (${why}). Save them, or export them as a plan.`, {}, EXPORT_PLAN).then((answer) => {
      if (answer === EXPORT_PLAN) void vscode.commands.executeCommand('qdqStudio.exportPlan', { uri: uri.toString() });
    });
  }

  /** Unsaved edits are gone (`message` says which and why): logged, and said in a warning. */
  lost(message: string): void {
    this.log.warn(message);
    void this.notices.show('warning', message);
  }

  /**
   * Says which unsaved edits could not be applied again (hot exit, a rename, a reload under
   * edits): a warning naming the file and the edits' refusals, with the log a click away.
   */
  reportDropped(why: 'restore' | 'rename' | 'reapply', total: number, problems: readonly string[]): void {
    if (problems.length === 0) return;
    const file = displayPath(this.document.uri);
    const done = why === 'restore' ? 'restored' : why === 'rename' ? 'carried over to the renamed file' : 're-applied';
    for (const p of problems) this.log.warn(`${file}: an unsaved edit could not be ${done}: ${p}`);
    const listed = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
    const count = problems.length === total ? (total === 1 ? 'The unsaved edit' : `All ${total} unsaved edits`) : `${problems.length} of ${total} unsaved edits`;
    const message = `${file}: ${count} could not be ${done} and ${problems.length === 1 ? 'was' : 'were'} dropped: ${listed}`;
    void this.notices.show('warning', message, {}, SHOW_LOG).then((answer) => {
      if (answer === SHOW_LOG) this.log.show();
    });
  }

  /**
   * Makes VS Code show the tab clean when the document has nothing unsaved (a hot-exit backup or a
   * re-apply of which nothing applied, a Save As): a save that writes nothing (`takeCleanSave`; an
   * edit that came meanwhile makes it fail, the tab dirty with it: see `OnnxDocument.save`; a save
   * the user asks for meanwhile writes the edits).
   * VS Code's `workspace.save(uri)` saves every editor of the file, though, forced, clean or not:
   * the file opened as text beside (its typing, or its text of the binary) would be written over
   * the model. So while another editor of the file is open the tab stays marked (saving it writes
   * nothing), and is made clean once those editors are closed.
   */
  async markTabClean(): Promise<void> {
    const { uri, isDisposed, isDirty } = this.document;
    if (isDisposed || isDirty) return;
    if (otherEditorsOf(uri)) {
      if (this.cleanWhenAlone) return;
      this.log.info(`${displayPath(uri)}: nothing is unsaved, but the tab stays marked while another editor of the file is open (saving would save that one too); saving it writes nothing`);
      const waiting = vscode.window.tabGroups.onDidChangeTabs(() => {
        if (otherEditorsOf(uri)) return;
        waiting.dispose();
        this.cleanWhenAlone = undefined;
        void this.markTabClean();
      });
      this.cleanWhenAlone = this._register(waiting);
      return;
    }
    this.cleanSaves++;
    this.cleanSavesUncalled++;
    const asked = this.savesAskedMeanwhile;
    try {
      await vscode.workspace.save(uri);
    } catch (e) {
      // VS Code cancels this save when another one (Ctrl+S) comes before it ends: that one saved.
      if (this.savesAskedMeanwhile !== asked) this.log.info(`${displayPath(uri)}: the save that marks the tab clean gave way to a save asked for meanwhile`);
      else this.log.warn(`${displayPath(uri)}: could not mark the tab clean: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (--this.cleanSaves === 0) {
        this.cleanSavesUncalled = 0; // a clean-up save VS Code never called save for (the editor closed)
        this.savesAskedMeanwhile = 0;
      }
    }
  }
}
