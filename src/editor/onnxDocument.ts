import * as vscode from 'vscode';
import type { AppliedEdit, EditErrorCode, EditRequest, EditSession } from '../core/editing/index';
import type { DetachedDataFile } from '../core/onnx/index';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { readBackup, writeBackup } from './backup';
import { closeQuietly, displayPath, indexAndSummary, type LoadResult, type ModelLoader } from './modelLoader';

/** A document's state: its first load still running, or how it ended (the model or the error). */
export type DocumentState = LoadResult | { readonly kind: 'loading' };

/** Why a document has no model to work on, for messages: the load error, or that it is still loading. */
export function unavailable(uri: vscode.Uri, state: Exclude<DocumentState, { kind: 'loaded' }>): string {
  return state.kind === 'loading' ? `${displayPath(uri)} is still loading; try again in a moment` : `${displayPath(uri)} could not be read: ${state.error.message}`;
}

/** How long a new document waits for an editor to resolve before it loads anyway. */
const LOAD_FALLBACK_MS = 1000;

/** Delay between a change on disk and the reload, so a burst of writes reloads once. */
const reloadDelayMs = 250;

export interface DocumentServices {
  readonly loader: ModelLoader;
  readonly log: Logger;
}

/** What `applyEdit` (and the edit commands) report. */
export interface EditOutcome {
  readonly applied: boolean;
  /** What changed, or why nothing did (the editing layer's refusal message). */
  readonly message: string;
  /** For a refusal the caller may act on: the editing layer's `EditError.code` (e.g. 'noActivationScale'). */
  readonly code?: EditErrorCode;
  /** The layer / Q/DQ nodes concerned. */
  readonly nodes: string[];
  /** What did not stop the edit but is worth saying (a part an earlier part already did, layers an enable left alone); also in `message`. */
  readonly notes?: string[];
}

/**
 * Shows a warning with actions and resolves with the one picked (undefined: dismissed). A save's
 * warning about data files goes to VS Code's notification; the integration tests answer it in its
 * place through the test hook `qdqStudio.internal.saveAs`.
 */
export type WarningPrompt = (message: string, ...actions: string[]) => Thenable<string | undefined>;

const showWarning: WarningPrompt = (message, ...actions) => vscode.window.showWarningMessage(message, ...actions);

/** What a save leaves running after the model is written. */
export interface SaveOutcome {
  /**
   * The offer to copy the data files the saved model cannot find: settles once it is answered
   * (at once when there is none) and the copies asked for are done. Saves do not wait for it.
   */
  readonly dataFiles: Promise<void>;
}

const nothingOffered: SaveOutcome = { dataFiles: Promise.resolve() };

type EditingModule = typeof import('../core/editing/index.js');
type GraphModule = typeof import('../core/graph/index.js');

/** A file's identity on disk, to tell our own saves from someone else's change. */
interface DiskStamp {
  readonly mtime: number;
  readonly size: number;
}

/**
 * The custom document of an `.onnx` file (hex editor style): the decoded model (or why it could
 * not be decoded) plus its edit history (`core/editing`'s `EditSession`: edits as data, exact
 * undo/redo through journals, a save point). Every edit reaches VS Code as a
 * `CustomDocumentEditEvent` whose undo/redo closures call back into the history, so Ctrl+Z, the
 * Edit menu, the dirty marker and hot exit work as in any editor. A decode failure is a state of
 * the document, not an exception, so the editor can show it and offer a retry.
 *
 * Save encodes the model losslessly (untouched bytes copied from the file) and writes it
 * atomically; the in-memory model keeps reading the old file's bytes (POSIX keeps the open inode),
 * so undo after save still works. Our own save does not trigger a reload; a change by someone
 * else reloads a clean document and, for a dirty one, makes save ask before overwriting.
 */
export class OnnxDocument extends Disposable implements vscode.CustomDocument {
  /**
   * A document whose first load (decode, summary, backup replay) runs in the background: the
   * editor provider returns it to VS Code at once, so VS Code creates the webview while the model
   * decodes. Its state is `loading` until then; `whenLoaded()` says when that ends.
   */
  static open(uri: vscode.Uri, backupId: string | undefined, services: DocumentServices): OnnxDocument {
    const document = new OnnxDocument(uri, { kind: 'loading' }, services);
    const generation = ++document.loadGeneration; // now: a revert before the load starts overtakes it
    document.pendingLoad = () => void document.firstLoad(generation, backupId);
    // Normally `startLoading()` (the editor resolved) comes first; this is for a document no editor shows.
    document.loadFallback = setTimeout(() => document.startLoading(), LOAD_FALLBACK_MS);
    return document;
  }

  /** A document with its first load done (used where nothing waits for a webview). */
  static async create(uri: vscode.Uri, backupId: string | undefined, services: DocumentServices): Promise<OnnxDocument> {
    const document = OnnxDocument.open(uri, backupId, services);
    document.startLoading();
    await document.whenLoaded();
    return document;
  }

  private pendingLoad: (() => void) | undefined;
  private loadFallback: ReturnType<typeof setTimeout> | undefined;

  /**
   * Starts the first load, once; called by the editor provider right after it set the webview's
   * HTML. Not earlier: the extension host handles one message at a time, and a decode running when
   * VS Code asks to resolve the editor holds that call (and so the webview) for the whole decode.
   * The load runs on the next timer turn: the extension host writes its messages (the HTML, the
   * reply to resolve) from a 0 ms timer queued before ours.
   */
  startLoading(): void {
    const load = this.pendingLoad;
    if (!load) return;
    this.pendingLoad = undefined;
    clearTimeout(this.loadFallback);
    setTimeout(load, 0);
  }

  /**
   * Decode, stamp, then the backup's edits (hot exit). A `revert`/retry reload may overtake it (the
   * reload's result wins and the backup's edits are dropped, as a revert drops edits); changes on
   * disk wait for it (see watchForChanges). Settles `whenLoaded()` in every case.
   */
  private async firstLoad(generation: number, backupId: string | undefined): Promise<void> {
    // Overtaken (closed, or reverted before it started): whoever overtook it settles.
    const current = (): boolean => !this.isDisposed && generation === this.loadGeneration;
    if (!current()) return;
    try {
      const stamp = this.currentStamp(); // the file as it is before the read (a write during it then shows)
      const result = await this.loadOnce();
      if (!current()) {
        if (result.kind === 'loaded') closeQuietly(result.decoded); // closed, or a reload overtook it
        return;
      }
      this._state = result;
      this.stamp = await stamp;
      if (backupId === undefined || !current()) return;
      const { backup, problem } = await readBackup(backupId);
      if (!current()) return;
      if (problem !== undefined) {
        this.services.log.warn(`Ignoring backup ${backupId} of ${displayPath(this.uri)}: ${problem}`);
      } else if (backup && backup.edits.length > 0) {
        await this.restore(backup.edits as EditRequest[]);
      }
    } catch (e) {
      if (current()) this.services.log.error(`Restoring the unsaved edits of ${displayPath(this.uri)} failed`, e);
    } finally {
      if (current()) this.settle(); // else the reload that overtook it (or dispose) settles
    }
  }

  /** `ModelLoader.load`, which does not throw; if it ever did (a bug), the document shows the error. */
  private async loadOnce(): Promise<LoadResult> {
    try {
      return await this.services.loader.load(this.uri);
    } catch (e) {
      return { kind: 'error', error: { file: displayPath(this.uri), message: `${displayPath(this.uri)}: ${e instanceof Error ? e.message : String(e)}` } };
    }
  }

  /** True until the first load has ended (`whenLoaded()` settled). */
  private firstLoading = true;

  /** Ends the `loading` state's wait (first load done, a reload overtook it, or `closed`); once. */
  private settle(closed = false): void {
    if (!this.firstLoading) return;
    this.firstLoading = false;
    const state = this._state;
    if (state.kind !== 'loading' && !closed) this.settleLoad(state);
    else this.settleLoad({ kind: 'error', error: { file: displayPath(this.uri), message: `${displayPath(this.uri)} was closed before it finished loading` } });
  }

  private settleLoad!: (state: LoadResult) => void;
  private readonly loaded = new Promise<LoadResult>((resolve) => (this.settleLoad = resolve));

  /** Resolves once the first load has ended: with the model, or why it could not be read. */
  whenLoaded(): Promise<LoadResult> {
    return this.loaded;
  }

  /**
   * The state once the first load has ended: the current one (a reload may have followed), or,
   * for a document closed before its load ended, why there is none.
   */
  async loadedState(): Promise<LoadResult> {
    const settled = await this.loaded;
    const now = this._state;
    return now.kind === 'loading' || this.isDisposed ? settled : now;
  }

  private _state: DocumentState;
  private loadGeneration = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private session: EditSession | undefined;
  /** Bumped when the history starts again (revert, reload): older undo/redo closures do nothing. */
  private historyGeneration = 0;
  private editing: Promise<[EditingModule, GraphModule]> | undefined;
  /** The file as we last read or wrote it. */
  private stamp: DiskStamp | undefined;
  /** The file changed on disk (not by us) while there were unsaved edits. */
  private changedOnDisk = false;

  private readonly _onDidChangeModel = this._register(new vscode.EventEmitter<void>());
  /** Fires after every reload, edit, undo, redo and revert: the model (or its load state) changed. */
  readonly onDidChangeModel = this._onDidChangeModel.event;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>());
  /** Fires when an edit is made, with the undo/redo closures VS Code keeps on its stack. */
  readonly onDidChange = this._onDidChange.event;

  private readonly _onDidDispose = new vscode.EventEmitter<void>();
  /** Fires once, when the document is disposed (all its editors closed). */
  readonly onDidDispose = this._onDidDispose.event;

  private constructor(
    readonly uri: vscode.Uri,
    initial: DocumentState,
    private readonly services: DocumentServices,
  ) {
    super();
    this._state = initial;
    this.watchForChanges();
  }

  /** The decoded model and its summary, the load error, or `loading` (first load still running). */
  get state(): DocumentState {
    return this._state;
  }

  /** True when there are unsaved edits. */
  get isDirty(): boolean {
    return this.session?.isDirty ?? false;
  }

  /** The edit requests that turn the file on disk into the current model (what a backup stores). */
  get edits(): readonly EditRequest[] {
    try {
      return this.session?.backupLog() ?? [];
    } catch (e) {
      this.services.log.warn(`${displayPath(this.uri)}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /** The edits in effect, oldest first (for exporting a plan). */
  get appliedEdits(): readonly AppliedEdit[] {
    return this.session?.applied ?? [];
  }

  private core(): Promise<[EditingModule, GraphModule]> {
    this.editing ??= Promise.all([import('../core/editing/index.js'), import('../core/graph/index.js')]);
    return this.editing;
  }

  /**
   * Validates and applies an edit as one undoable VS Code edit. A refusal (bad target, the graph
   * would become invalid, nothing to change) comes back as `applied: false` with the reason; the
   * model is then unchanged.
   */
  async applyEdit(request: EditRequest): Promise<EditOutcome> {
    const state = this._state;
    if (state.kind !== 'loaded') return { applied: false, message: unavailable(this.uri, state), nodes: [] };
    const [editing] = await this.core();
    if (this._state !== state || this.isDisposed) return { applied: false, message: `${displayPath(this.uri)} was reloaded; try again`, nodes: [] };
    this.session ??= new editing.EditSession(state.decoded);
    let applied: AppliedEdit;
    try {
      applied = this.session.apply(request);
    } catch (e) {
      if (e instanceof editing.EditError) return { applied: false, message: e.message, nodes: [], ...(e.code ? { code: e.code } : {}) };
      throw e;
    }
    const generation = this.historyGeneration;
    this._onDidChange.fire({
      document: this,
      label: applied.label,
      undo: () => this.replayStep('undo', generation, applied.label),
      redo: () => this.replayStep('redo', generation, applied.label),
    });
    await this.modelChanged();
    this.services.log.info(`${displayPath(this.uri)}: ${applied.message}`);
    return { applied: true, message: applied.message, nodes: applied.nodes, ...(applied.notes ? { notes: applied.notes } : {}) };
  }

  /** VS Code's undo/redo of one edit; a closure from before a reload or revert does nothing. */
  private replayStep(step: 'undo' | 'redo', generation: number, label: string): void {
    if (generation !== this.historyGeneration) {
      this.services.log.warn(`${displayPath(this.uri)}: ${step} of "${label}" ignored: the model was read again from disk since that edit`);
      return;
    }
    const done = step === 'undo' ? this.session?.undo() : this.session?.redo();
    if (!done) {
      this.services.log.warn(`${displayPath(this.uri)}: nothing to ${step} for "${label}"`);
      return;
    }
    this.services.log.info(`${displayPath(this.uri)}: ${step} ${label}`);
    void this.modelChanged();
  }

  /** Undo / redo the last edit of this document directly (tests, commands); VS Code's stack stays as it is. */
  async undo(): Promise<boolean> {
    if (!this.session?.undo()) return false;
    await this.modelChanged();
    return true;
  }

  async redo(): Promise<boolean> {
    if (!this.session?.redo()) return false;
    await this.modelChanged();
    return true;
  }

  /** Replays a backup's edit log over the freshly read file (hot exit). */
  private async restore(edits: EditRequest[]): Promise<void> {
    const state = this._state;
    if (state.kind !== 'loaded') {
      this.services.log.warn(`Cannot restore ${edits.length} unsaved edits of ${displayPath(this.uri)}: the file could not be read`);
      return;
    }
    const [editing] = await this.core();
    if (this._state !== state || this.isDisposed) return; // reverted or closed meanwhile
    this.session ??= new editing.EditSession(state.decoded);
    const problems = this.session.replay(edits);
    for (const p of problems) this.services.log.warn(`Restoring an unsaved edit of ${displayPath(this.uri)} failed: ${p}`);
    await this.refreshSummary();
    this.services.log.info(`Restored ${edits.length - problems.length} unsaved edits of ${displayPath(this.uri)}`);
  }

  /** The summary follows the edited model; then listeners hear about it. */
  private async modelChanged(): Promise<void> {
    await this.refreshSummary();
    if (!this.isDisposed) this._onDidChangeModel.fire();
  }

  private async refreshSummary(): Promise<void> {
    const state = this._state;
    if (state.kind !== 'loaded') return;
    const [, graph] = await this.core();
    if (this._state !== state) return;
    this._state = { kind: 'loaded', decoded: state.decoded, loadMs: state.loadMs, ...indexAndSummary(graph, state.decoded, this.uri) };
  }

  /** Reads and decodes the file again; the newest call wins when calls overlap. The edit history starts again. */
  async reload(): Promise<LoadResult> {
    const generation = ++this.loadGeneration;
    const stamp = this.currentStamp();
    const result = await this.loadOnce();
    if (this.isDisposed || generation !== this.loadGeneration) {
      if (result.kind === 'loaded') closeQuietly(result.decoded);
      return this.whenLoaded();
    }
    const previous = this._state;
    this._state = result;
    this.historyGeneration++;
    this.session = undefined;
    this.changedOnDisk = false;
    this.stamp = await stamp;
    if (previous.kind === 'loaded') closeQuietly(previous.decoded);
    this.settle(); // a reload during the first load ends that wait too
    this._onDidChangeModel.fire();
    return result;
  }

  /** Saves to the document's own file, asking first when someone else changed it since we read it. */
  async save(cancellation: vscode.CancellationToken): Promise<void> {
    await this.whenLoaded(); // the stamp and the backup's edits first
    if (this.changedOnDisk || (await this.changedSinceStamp()) === true) {
      const overwrite = 'Overwrite';
      const answer = await vscode.window.showWarningMessage(
        `${displayPath(this.uri)} changed on disk since it was opened. Overwrite it with your edits?`,
        { modal: true },
        overwrite,
      );
      if (answer !== overwrite) throw new Error(`Not saved: ${displayPath(this.uri)} changed on disk (revert to load it, or save again to overwrite)`);
    }
    await this.saveAs(this.uri, cancellation); // the offer to copy data files runs on, unawaited
  }

  /**
   * Writes the model to `target`: a lossless encode of the decoded model with its edits (untouched
   * bytes copied verbatim), written atomically for local files (a temporary file renamed over the
   * target; on failure the target is untouched). A document that failed to decode has no edits,
   * so its file is copied byte for byte. Data files the saved model cannot find are told through
   * `prompt` (VS Code's warning), with an offer to copy them.
   */
  async saveAs(target: vscode.Uri, cancellation: vscode.CancellationToken, prompt: WarningPrompt = showWarning): Promise<SaveOutcome> {
    await this.whenLoaded(); // decoded and the backup's edits replayed
    const state = this._state;
    if (cancellation.isCancellationRequested) return nothingOffered;
    if (state.kind === 'loading') throw new Error(unavailable(this.uri, state));
    if (state.kind === 'error') {
      if (target.toString() !== this.uri.toString()) {
        await vscode.workspace.fs.copy(this.uri, target, { overwrite: true });
      }
      return nothingOffered;
    }
    const onnx = await import('../core/onnx/index.js');
    if (cancellation.isCancellationRequested) return nothingOffered;
    // Data files the saved model will not be able to use (saves never copy them): beside a copy in
    // another folder, or beside a linked model file the save replaces. Told before the save.
    const local = target.scheme === 'file' && this.uri.scheme === 'file';
    const detached = local ? onnx.detachedDataFiles(state.decoded.model, this.uri.fsPath, target.fsPath) : [];
    try {
      if (target.scheme === 'file') {
        onnx.saveModelFile(state.decoded, target.fsPath);
      } else {
        await vscode.workspace.fs.writeFile(target, onnx.encodeModelToBytes(state.decoded));
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.services.log.error(`Saving ${displayPath(this.uri)} to ${displayPath(target)} failed`, e);
      throw new Error(message.includes(displayPath(target)) ? message : `${displayPath(target)}: ${message}`);
    }
    if (target.toString() === this.uri.toString()) {
      this.session?.markSaved();
      this.changedOnDisk = false;
      await this.readStamp();
      // The save replaced a linked model file, and some data files are no longer usable from it:
      // the summary and the Problems panel say so now, not at the next open.
      if (detached.length > 0) await this.modelChanged();
    }
    const dataFiles = this.offerDataFiles(detached, target, prompt);
    this.services.log.info(`Saved ${displayPath(this.uri)} to ${displayPath(target)}`);
    return { dataFiles };
  }

  /**
   * After a save: the external data files the saved model names but cannot use from its folder (a
   * copy elsewhere, or a linked model file the save replaced; saves never copy data files). Says
   * so, and copies missing ones there when asked (the data itself, not a link to it), never over
   * an existing file.
   */
  private async offerDataFiles(files: readonly DetachedDataFile[], target: vscode.Uri, prompt: WarningPrompt): Promise<void> {
    if (files.length === 0) return;
    const names = files.map((f) => `'${f.location}'`).join(', ');
    const why = [...new Set(files.map((f) => (f.problem === 'refused' ? 'a link leading out of its folder' : f.problem === 'short' ? 'cut short there' : 'not there')))].join('; ');
    const message = `${displayPath(target)} reads its weights from ${names}, which ${files.length === 1 ? 'is' : 'are'} not usable from its folder (${why}). Put a copy of the data there (in place of a link) for the saved model to be complete.`;
    this.services.log.warn(message);
    // Offered only where nothing is in the way: a short file or a link on the copy's side is the user's to sort out.
    const copyable = files.filter((f) => f.problem === 'missing');
    const copy = copyable.length === 1 ? 'Copy Data File' : 'Copy Data Files';
    const answer = await prompt(message, ...(copyable.length ? [copy] : []));
    if (answer !== copy) return;
    for (const f of copyable) {
      try {
        await vscode.workspace.fs.copy(vscode.Uri.file(f.from), vscode.Uri.file(f.to), { overwrite: false });
        this.services.log.info(`Copied ${f.from} to ${f.to}`);
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not copy ${f.from} to ${f.to}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Drops unsaved edits by reading the file again. */
  async revert(_cancellation: vscode.CancellationToken): Promise<void> {
    await this.reload();
  }

  /** Writes the edit log (not the model) for hot exit, once the backup it was opened from is replayed. */
  async backup(destination: vscode.Uri, _cancellation: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    await this.whenLoaded();
    return writeBackup(destination, this.uri, this.edits);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
    clearTimeout(this.loadFallback);
    this.pendingLoad = undefined;
    this.loadGeneration++; // a load still in flight closes its result when it lands
    this.historyGeneration++;
    if (this._state.kind === 'loaded') closeQuietly(this._state.decoded);
    this.settle(true);
    this._onDidDispose.fire();
    this._onDidDispose.dispose();
    super.dispose();
  }

  private async currentStamp(): Promise<DiskStamp | undefined> {
    try {
      const st = await vscode.workspace.fs.stat(this.uri);
      return { mtime: st.mtime, size: st.size };
    } catch {
      return undefined;
    }
  }

  private async readStamp(): Promise<void> {
    this.stamp = await this.currentStamp();
  }

  /** True when the file differs from what we last read or wrote; undefined when either side is unknown. */
  private async changedSinceStamp(): Promise<boolean | undefined> {
    const now = await this.currentStamp();
    if (this.stamp === undefined || now === undefined) return undefined;
    return now.mtime !== this.stamp.mtime || now.size !== this.stamp.size;
  }

  /** Reloads when the file changes on disk (not by our own save) and there are no unsaved edits. */
  private watchForChanges(): void {
    const name = this.uri.path.slice(this.uri.path.lastIndexOf('/') + 1);
    const folder = vscode.Uri.joinPath(this.uri, '..');
    let watcher: vscode.FileSystemWatcher;
    try {
      watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name), false, false, true));
    } catch (e) {
      this.services.log.warn(`Cannot watch ${displayPath(this.uri)} for changes: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const schedule = (changed: vscode.Uri): void => {
      if (changed.toString() !== this.uri.toString()) return;
      if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = undefined;
        if (this.isDisposed) return;
        if (this.firstLoading) {
          // No stamp or history yet: look again once the first load (and its backup replay) is done.
          void this.whenLoaded().then(() => {
            if (!this.isDisposed) schedule(changed);
          });
          return;
        }
        void this.changedSinceStamp().then((changedByOthers) => {
          if (this.isDisposed || changedByOthers === false) return; // our own save, or nothing new
          if (this.isDirty) {
            this.changedOnDisk = true;
            this.services.log.info(`${displayPath(this.uri)} changed on disk; keeping the unsaved edits (saving will ask before overwriting)`);
            return;
          }
          this.services.log.info(`${displayPath(this.uri)} changed on disk; reloading`);
          void this.reload();
        });
      }, reloadDelayMs);
    };
    this._register(watcher.onDidChange(schedule));
    this._register(watcher.onDidCreate(schedule));
  }
}
