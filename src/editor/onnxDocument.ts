import * as vscode from 'vscode';
import type { AppliedEdit, EditErrorCode, EditRequest, EditSession } from '../core/editing/index';
import type { DecodedModel, DetachedDataFile } from '../core/onnx/index';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { readBackup, writeBackup } from './backup';
import { closeQuietly, displayPath, indexAndSummary, type LoadedModel, type LoadResult, type ModelLoader } from './modelLoader';
import { Notices } from './notices';

/** A document's state: its first load still running, or how it ended (the model or the error). */
export type DocumentState = LoadResult | { readonly kind: 'loading' };

/** Why a document has no model to work on, for messages: the load error, or that it is still loading. */
export function unavailable(uri: vscode.Uri, state: Exclude<DocumentState, { kind: 'loaded' }>): string {
  return state.kind === 'loading' ? `${displayPath(uri)} is still loading; try again in a moment` : `${displayPath(uri)} could not be read: ${state.error.message}`;
}

/** What a rename carries to the document that opens at the new name (see RenamedEdits and `OnnxDocument.carryOver`). */
export type CarriedEdits = { readonly kind: 'log'; readonly edits: readonly EditRequest[] } | { readonly kind: 'model'; readonly loan: ModelLoan };

/**
 * A dirty document's model and edit history, lent over a rename because its edits cannot be
 * written as an edit log: the document that opens at the new name takes them over as they are.
 */
export interface ModelLoan {
  /**
   * The model and history, once: when they are still what was lent (not saved, reverted or read
   * again since) and the file at `to` is the one the model was read from (moved there: gone from the
   * old name, same size and mtime). Else undefined, and the lender keeps them.
   */
  take(to: vscode.Uri): Promise<LentModel | undefined>;
  /** Nobody took it: the lender keeps its model, or, closed meanwhile, the model is closed now. */
  release(): void;
}

interface LentModel {
  readonly state: LoadedModel;
  readonly session: EditSession;
  readonly savedAt: number | undefined;
}

/**
 * What a document tells VS Code: an edit (with undo/redo), or a change that makes the tab dirty
 * until the next save or revert whatever undo and redo do.
 */
export type DocumentChange = vscode.CustomDocumentEditEvent<OnnxDocument> | vscode.CustomDocumentContentChangeEvent<OnnxDocument>;

/** The view type of QDQ Studio's custom editor (package.json `customEditors`). */
export const ONNX_VIEW_TYPE = 'qdqStudio.onnxEditor';

/**
 * True when a tab shows `uri` in an editor other than QDQ Studio's (the text editor, another custom
 * editor, a diff, a notebook): `workspace.save(uri)` would save it too.
 */
function otherEditorsOf(uri: vscode.Uri): boolean {
  const key = uri.toString();
  const same = (u: vscode.Uri | undefined): boolean => u?.toString() === key;
  return vscode.window.tabGroups.all.some((group) =>
    group.tabs.some(({ input }) => {
      if (input instanceof vscode.TabInputCustom) return input.viewType !== ONNX_VIEW_TYPE && same(input.uri);
      if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook) return same(input.uri);
      if (input instanceof vscode.TabInputTextDiff || input instanceof vscode.TabInputNotebookDiff) return same(input.modified) || same(input.original);
      return false;
    }),
  );
}

/** How long a new document waits for an editor to resolve before it loads anyway. */
const LOAD_FALLBACK_MS = 1000;

/** Delay between a change on disk and the reload, so a burst of writes reloads once. */
const reloadDelayMs = 250;

export interface DocumentServices {
  readonly loader: ModelLoader;
  readonly log: Logger;
  /** Where messages and questions go (VS Code's, unless given: the editor provider's, which tests can answer). */
  readonly notices?: Notices;
  /** The open documents, to refresh another one (the copy a Save As made) when its data files arrive. */
  readonly documents?: { find(uri: vscode.Uri): OnnxDocument | undefined };
}

/** The actions offered when the file was rewritten in place under unsaved edits. */
export const REAPPLY_EDITS = 'Reload and Re-apply Edits';
export const EXPORT_PLAN = 'Export Plan…';
const SHOW_LOG = 'Show Log';

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
  static open(uri: vscode.Uri, backupId: string | undefined, services: DocumentServices, carried?: CarriedEdits): OnnxDocument {
    const document = new OnnxDocument(uri, { kind: 'loading' }, services);
    const generation = ++document.loadGeneration; // now: a revert before the load starts overtakes it
    document.pendingLoad = () => void document.firstLoad(generation, backupId, carried);
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
   * Decode, stamp, then the backup's edits (hot exit), or the edits a rename carried over (`carried`,
   * see RenamedEdits: applied as VS Code edits, so the tab is dirty; or, when they could not be
   * written as a log, the renamed document's model and history, taken over with no decode). A `revert`/retry reload may
   * overtake it (the reload's result wins and the backup's edits are dropped, as a revert drops
   * edits); changes on disk wait for it (see watchForChanges). Settles `whenLoaded()` in every case.
   */
  private async firstLoad(generation: number, backupId: string | undefined, carried: CarriedEdits | undefined): Promise<void> {
    // Overtaken (closed, or reverted before it started): whoever overtook it settles.
    const current = (): boolean => !this.isDisposed && generation === this.loadGeneration;
    if (!current()) return;
    try {
      if (backupId === undefined && carried?.kind === 'model') {
        const lent = await carried.loan.take(this.uri);
        if (lent && (await this.adopt(lent, current))) return;
        if (!current()) return;
        // Not taken (the renamed document changed since, or this is another file): read the file.
      }
      const stamp = this.currentStamp(); // the file as it is before the read (a write during it then shows)
      const result = await this.loadOnce();
      if (!current()) {
        if (result.kind === 'loaded') closeQuietly(result.decoded); // closed, or a reload overtook it
        return;
      }
      this._state = result;
      this.stamp = await stamp;
      if (!current()) return;
      if (backupId === undefined) {
        if (carried?.kind === 'log' && carried.edits.length > 0) await this.reapply(carried.edits, 'rename');
        return;
      }
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

  /**
   * Takes over the model and history a rename handed over (see `lend`): no decode; the edits in
   * effect reach VS Code as edits, so the tab is dirty and Ctrl+Z undoes them. False (the model
   * closed) when this document was closed or reverted meanwhile.
   */
  private async adopt(lent: LentModel, current: () => boolean): Promise<boolean> {
    const decoded = lent.state.decoded;
    const [, graph] = await this.core();
    if (!current()) {
      closeQuietly(decoded);
      return false;
    }
    // Messages, and external data files found from the model's new folder.
    if (this.uri.scheme === 'file') decoded.file = this.uri.fsPath;
    this._state = { kind: 'loaded', decoded, loadMs: lent.state.loadMs, ...indexAndSummary(graph, decoded, this.uri) };
    this.session = lent.session;
    this.savedAt = lent.savedAt;
    this.stamp = await this.currentStamp();
    if (!current()) return true; // dispose closed it
    for (const applied of lent.session.applied) this.announce(applied);
    this.services.log.info(`${displayPath(this.uri)}: took over the model and ${lent.session.applied.length} edits in effect of the renamed file (its unsaved edits cannot be written as an edit log)`);
    this._onDidChangeModel.fire();
    return true;
  }

  /**
   * What carries this document's unsaved edits over a rename to the document that opens at the new
   * name (RenamedEdits): the edit log, or, when it cannot be written (see EditSession.backupLog), a
   * loan of the model and its history themselves. Undefined when nothing is unsaved.
   */
  carryOver(): CarriedEdits | undefined {
    const session = this.session;
    const state = this._state;
    if (!session?.isDirty || state.kind !== 'loaded') return undefined;
    let edits: EditRequest[];
    try {
      edits = session.backupLog();
    } catch (e) {
      this.services.log.info(`${displayPath(this.uri)}: its unsaved edits cannot be written as an edit log (${e instanceof Error ? e.message : String(e)}); the model and its history go to the renamed file's editor as they are`);
      return { kind: 'model', loan: this.lend(state.decoded) };
    }
    return edits.length > 0 ? { kind: 'log', edits } : undefined;
  }

  /** The loan of this document's model not taken or released yet (dispose leaves the model open for it). */
  private loan: ModelLoan | undefined;

  private lend(decoded: DecodedModel): ModelLoan {
    let open = true;
    const stillLent = (): boolean => open && this.loan === loan && this._state.kind === 'loaded' && this._state.decoded === decoded && this.session?.isDirty === true;
    const loan: ModelLoan = {
      take: async (to) => {
        if (!stillLent()) return undefined;
        const session = this.session!;
        const [there, here] = await Promise.all([statOf(to), statOf(this.uri)]);
        if (!stillLent() || this.session !== session) return undefined;
        const stamp = this.stamp;
        if (here !== undefined || there === undefined || stamp === undefined || there.mtime !== stamp.mtime || there.size !== stamp.size) return undefined;
        open = false;
        this.loan = undefined;
        const lent: LentModel = { state: this._state as LoadedModel, session, savedAt: this.savedAt };
        // This document lets go of them: it keeps no model, and its undo closures do nothing.
        this.historyGeneration++;
        this.session = undefined;
        this.savedAt = 0;
        this._state = { kind: 'error', error: { file: displayPath(this.uri), message: `${displayPath(this.uri)} was renamed to ${displayPath(to)}: its model and unsaved edits are in the editor there` } };
        if (!this.isDisposed) this._onDidChangeModel.fire();
        return lent;
      },
      release: () => {
        if (!open) return;
        open = false;
        if (this.loan !== loan) return; // a later rename's loan holds it now
        this.loan = undefined;
        if (this.isDisposed && this._state.kind === 'loaded' && this._state.decoded === decoded) closeQuietly(decoded); // dispose left it open for the loan
      },
    };
    this.loan = loan;
    return loan;
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
  /** The watcher has said the file was rewritten in place under unsaved edits (once per reading of the file). */
  private rewrittenSaid = false;
  /** An offer to reload and re-apply is showing (not answered yet). */
  private recoveryOpen = false;
  /**
   * How many edits of the history are in the file on disk (`session.applied.length` at the last
   * save; 0 for the file as read), or undefined when that state left the history (an edit after
   * undoing past it). Revert rewinds to it (see `rewindToSavePoint`).
   */
  private savedAt: number | undefined = 0;

  private readonly _onDidChangeModel = this._register(new vscode.EventEmitter<void>());
  /** Fires after every reload, edit, undo, redo and revert: the model (or its load state) changed. */
  readonly onDidChangeModel = this._onDidChangeModel.event;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<DocumentChange>());
  /**
   * Fires when an edit is made, with the undo/redo closures VS Code keeps on its stack; or, without
   * them, when the state the file holds left the history (see `applyToSession`).
   */
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
    this.notices = services.notices ?? new Notices();
    this.watchForChanges();
  }

  private readonly notices: Notices;

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
      const why = e instanceof Error ? e.message : String(e);
      this.services.log.warn(`${displayPath(this.uri)}: ${why}`);
      // Backups run every few seconds: say it once per reason, with what keeps the edits.
      if (this.unwritableLogSaid !== why) {
        this.unwritableLogSaid = why;
        void this.notices.show('warning', `${displayPath(this.uri)}: the unsaved edits cannot be kept for a restart of the window (${why}). Save them, or export them as a plan.`, {}, EXPORT_PLAN).then((answer) => {
          if (answer === EXPORT_PLAN) void vscode.commands.executeCommand('qdqStudio.exportPlan', { uri: this.uri.toString() });
        });
      }
      return [];
    }
  }

  /** The reason last given for an edit log that cannot be written (said once, not at every backup). */
  private unwritableLogSaid: string | undefined;

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
      applied = this.applyToSession(this.session, request);
    } catch (e) {
      if (e instanceof editing.EditError) return { applied: false, message: e.message, nodes: [], ...(e.code ? { code: e.code } : {}) };
      throw e;
    }
    this.announce(applied);
    await this.modelChanged();
    this.services.log.info(`${displayPath(this.uri)}: ${applied.message}`);
    return { applied: true, message: applied.message, nodes: applied.nodes, ...(applied.notes ? { notes: applied.notes } : {}) };
  }

  /**
   * `session.apply`, keeping `savedAt`: a save point in the redo tail the edit drops is gone from the
   * history. VS Code must then show the tab dirty until a save or revert, whatever undo and redo
   * do: its save point is an index into its own edit stack, and the new edit takes the place of the
   * dropped ones there (edit A, save, Ctrl+Z, edit B: the index points at B, and the tab would show
   * clean with the file holding A). A content change (an event without undo/redo) marks it so.
   */
  private applyToSession(session: EditSession, request: EditRequest): AppliedEdit {
    const before = session.applied.length;
    const applied = session.apply(request);
    if (this.savedAt !== undefined && this.savedAt > before) {
      this.savedAt = undefined;
      this._onDidChange.fire({ document: this });
    }
    return applied;
  }

  /** Tells VS Code about an applied edit (its undo stack, the dirty marker), with undo/redo closures. */
  private announce(applied: AppliedEdit): void {
    const generation = this.historyGeneration;
    this._onDidChange.fire({
      document: this,
      label: applied.label,
      undo: () => this.replayStep('undo', generation, applied.label),
      redo: () => this.replayStep('redo', generation, applied.label),
    });
  }

  /**
   * VS Code's undo/redo of one edit; a closure from before a reload or revert does nothing. One that
   * arrives while a revert runs waits for it: VS Code does not wait for our revert (it moves its own
   * stack to the save point at once), so Ctrl+Z straight after Revert would otherwise undo on the
   * history before it is rewound.
   */
  private replayStep(step: 'undo' | 'redo', generation: number, label: string): void | Promise<void> {
    const reverting = this.reverting;
    if (reverting) return reverting.then(() => this.replayStep(step, generation, label));
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
    while (this.reverting) await this.reverting;
    if (!this.session?.undo()) return false;
    await this.modelChanged();
    return true;
  }

  async redo(): Promise<boolean> {
    while (this.reverting) await this.reverting;
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
    await this.refreshSummary();
    this.services.log.info(`Restored ${edits.length - problems.length} unsaved edits of ${displayPath(this.uri)}`);
    this.reportDropped('restore', edits.length, problems);
    // VS Code shows a document opened from a backup as dirty: with nothing restored it is not.
    if (problems.length === edits.length) void this.whenLoaded().then(() => this.markTabClean());
  }

  /**
   * Applies `requests` (the unsaved edits of this file as it was: carried over a rename, or kept
   * through a reload of a file rewritten under them) to the model as it is now, each as an undoable
   * VS Code edit, so the tab is dirty. Those that no longer apply are dropped and said (see
   * `reportDropped`). Resolves with how many applied.
   */
  private async reapply(requests: readonly EditRequest[], why: 'rename' | 'reapply'): Promise<number> {
    const state = this._state;
    if (state.kind !== 'loaded') {
      this.reportDropped(why, requests.length, requests.map(() => unavailable(this.uri, state)));
      return 0;
    }
    const [editing] = await this.core();
    if (this._state !== state || this.isDisposed) return 0; // reverted or closed meanwhile
    const session = (this.session ??= new editing.EditSession(state.decoded));
    const problems: string[] = [];
    for (const request of requests) {
      try {
        this.announce(this.applyToSession(session, request));
      } catch (e) {
        if (!(e instanceof editing.EditError)) this.services.log.error(`Re-applying an edit to ${displayPath(this.uri)} failed`, e);
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    await this.modelChanged();
    this.services.log.info(`${displayPath(this.uri)}: re-applied ${requests.length - problems.length} of ${requests.length} unsaved edits`);
    this.reportDropped(why, requests.length, problems);
    return requests.length - problems.length;
  }

  /**
   * Says which unsaved edits could not be applied again (hot exit, a rename, a reload under
   * edits): a warning naming the file and the edits' refusals, with the log a click away.
   */
  private reportDropped(why: 'restore' | 'rename' | 'reapply', total: number, problems: readonly string[]): void {
    if (problems.length === 0) return;
    const file = displayPath(this.uri);
    const done = why === 'restore' ? 'restored' : why === 'rename' ? 'carried over to the renamed file' : 're-applied';
    for (const p of problems) this.services.log.warn(`${file}: an unsaved edit could not be ${done}: ${p}`);
    const listed = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
    const count = problems.length === total ? (total === 1 ? 'The unsaved edit' : `All ${total} unsaved edits`) : `${problems.length} of ${total} unsaved edits`;
    const message = `${file}: ${count} could not be ${done} and ${problems.length === 1 ? 'was' : 'were'} dropped: ${listed}`;
    void this.notices.show('warning', message, {}, SHOW_LOG).then((answer) => {
      if (answer === SHOW_LOG) this.services.log.show();
    });
  }

  /**
   * Makes VS Code show the tab clean when the document has nothing unsaved (a hot-exit backup or a
   * re-apply of which nothing applied): a save, which writes nothing then (see `save`). VS Code's
   * `workspace.save(uri)` saves every editor of the file, though, forced, clean or not: the file
   * opened as text beside (its typing, or its text of the binary) would be written over the model.
   * So while another editor of the file is open the tab stays marked (saving it writes nothing),
   * and is made clean once those editors are closed.
   */
  private async markTabClean(): Promise<void> {
    if (this.isDisposed || this.isDirty) return;
    if (otherEditorsOf(this.uri)) {
      if (this.cleanWhenAlone) return;
      this.services.log.info(`${displayPath(this.uri)}: nothing is unsaved, but the tab stays marked while another editor of the file is open (saving would save that one too); saving it writes nothing`);
      const waiting = vscode.window.tabGroups.onDidChangeTabs(() => {
        if (otherEditorsOf(this.uri)) return;
        waiting.dispose();
        this.cleanWhenAlone = undefined;
        void this.markTabClean();
      });
      this.cleanWhenAlone = this._register(waiting);
      return;
    }
    try {
      await vscode.workspace.save(this.uri);
    } catch (e) {
      this.services.log.warn(`${displayPath(this.uri)}: could not mark the tab clean: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Waits for the other editors of the file to close before `markTabClean` saves (see there). */
  private cleanWhenAlone: vscode.Disposable | undefined;

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
  async reload(preloaded?: { result: LoadResult; stamp: Promise<DiskStamp | undefined> }): Promise<LoadResult> {
    const generation = ++this.loadGeneration;
    const stamp = preloaded?.stamp ?? this.currentStamp();
    const result = preloaded?.result ?? (await this.loadOnce());
    if (this.isDisposed || generation !== this.loadGeneration) {
      if (result.kind === 'loaded') closeQuietly(result.decoded);
      return this.whenLoaded();
    }
    const previous = this._state;
    this._state = result;
    this.historyGeneration++;
    this.session = undefined;
    this.savedAt = 0;
    this.changedOnDisk = false;
    this.rewrittenSaid = false;
    this.stamp = await stamp;
    if (previous.kind === 'loaded') closeQuietly(previous.decoded);
    this.settle(); // a reload during the first load ends that wait too
    this._onDidChangeModel.fire();
    return result;
  }

  /**
   * Saves to the document's own file, asking first when someone else changed it since we read it.
   * A file rewritten in place under the edits cannot be saved over (the untouched parts of the
   * model would come from the other contents): the save fails and offers to reload and re-apply
   * the edits. With nothing unsaved and the file as we read it, nothing is written.
   */
  async save(cancellation: vscode.CancellationToken): Promise<void> {
    await this.whenLoaded(); // the stamp and the backup's edits first
    const changed = this.changedOnDisk || (await this.changedSinceStamp()) === true;
    if (!changed && !this.isDirty) {
      this.services.log.info(`${displayPath(this.uri)}: nothing to save`);
      return;
    }
    if (changed) {
      if (await this.rewrittenInPlace()) throw this.rewritten(this.uri);
      const overwrite = 'Overwrite';
      const answer = await this.notices.show('warning', `${displayPath(this.uri)} changed on disk since it was opened. Overwrite it with your edits?`, { modal: true }, overwrite);
      if (answer !== overwrite) throw new Error(`Not saved: ${displayPath(this.uri)} changed on disk (revert to load it, or save again to overwrite)`);
    }
    await this.saveAs(this.uri, cancellation); // the offer to copy data files runs on, unawaited
  }

  /** True when the model's file was rewritten in place since it was read (its unedited bytes are gone). */
  private async rewrittenInPlace(): Promise<boolean> {
    const state = this._state;
    if (state.kind !== 'loaded') return false;
    const onnx = await import('../core/onnx/index.js');
    try {
      state.decoded.source.checkUnchanged?.();
      return false;
    } catch (e) {
      return e instanceof onnx.ModelChangedError;
    }
  }

  /**
   * A save to `target` cannot be done because the file was rewritten in place: offers to reload
   * and re-apply the edits (not awaited: VS Code shows the save's failure meanwhile) and returns
   * the error the save fails with.
   */
  private rewritten(target: vscode.Uri): Error {
    const file = displayPath(this.uri);
    void this.offerRecovery(
      `${file} was rewritten on disk since it was opened, so your edits cannot be saved${target.toString() === this.uri.toString() ? '' : ` to ${displayPath(target)}`}: ` +
        'the parts of the model they leave alone would come from the new contents. Reload the file and re-apply your edits to it?',
    );
    return new Error(`Not saved: ${file} was rewritten on disk since it was opened (reload it and re-apply your edits, or revert)`);
  }

  /** Offers what can be done with unsaved edits over a file rewritten in place, and does what is picked. */
  private async offerRecovery(message: string): Promise<void> {
    // One offer at a time: with auto save on, every second's failed save would stack another.
    if (this.recoveryOpen) return;
    this.recoveryOpen = true;
    let answer: string | undefined;
    try {
      answer = await this.notices.show('warning', message, {}, REAPPLY_EDITS, EXPORT_PLAN);
    } finally {
      this.recoveryOpen = false;
    }
    if (this.isDisposed) return;
    try {
      if (answer === REAPPLY_EDITS) {
        await this.reloadAndReapply();
      } else if (answer === EXPORT_PLAN) {
        const written = await vscode.commands.executeCommand<{ path: string } | undefined>('qdqStudio.exportPlan', { uri: this.uri.toString() });
        if (written) void this.notices.show('info', `Your edits of ${displayPath(this.uri)} are in the plan ${vscode.Uri.parse(written.path).fsPath} (Apply Plan puts them on a model).`);
      }
    } catch (e) {
      this.services.log.error(`${displayPath(this.uri)}: ${answer ?? 'the offer'} failed`, e);
      void this.notices.show('warning', `${displayPath(this.uri)}: ${answer} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Reads the file again and applies the unsaved edits (the backup log: what turned the file as it
   * was into the document) to what is there now, each as an undoable edit, so the document stays
   * dirty; edits that no longer apply are said. Used when the file was rewritten under the edits.
   */
  async reloadAndReapply(): Promise<{ applied: number; dropped: number }> {
    await this.whenLoaded();
    let edits: EditRequest[];
    try {
      edits = this.session?.backupLog() ?? [];
    } catch (e) {
      const message = `${displayPath(this.uri)}: cannot re-apply the unsaved edits: ${e instanceof Error ? e.message : String(e)}`;
      this.services.log.warn(message);
      void this.notices.show('warning', message);
      return { applied: 0, dropped: 0 };
    }
    // Read the file first and install it only when it reads: a file still being written (the
    // notice comes while torch.onnx.export writes) or gone must not cost the edits.
    const stamp = this.currentStamp();
    const fresh = await this.loadOnce();
    if (this.isDisposed) {
      if (fresh.kind === 'loaded') closeQuietly(fresh.decoded);
      return { applied: 0, dropped: 0 };
    }
    if (fresh.kind !== 'loaded') {
      const message = `${displayPath(this.uri)}: the unsaved edits are kept: the file cannot be read now (${fresh.error.message}). Try again once it is written, or export the edits as a plan.`;
      this.services.log.warn(message);
      // The same offer as the failed save's (one at a time): try again later, or export a plan.
      void this.offerRecovery(message);
      return { applied: 0, dropped: 0 };
    }
    const result = await this.reload({ result: fresh, stamp });
    if (this.isDisposed || this._state !== result) return { applied: 0, dropped: edits.length };
    const applied = edits.length > 0 ? await this.reapply(edits, 'reapply') : 0;
    // VS Code still counts the edits from before the reload: with none re-applied nothing is unsaved.
    if (applied === 0) await this.markTabClean();
    return { applied, dropped: edits.length - applied };
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
    let replacedLink: string | undefined;
    try {
      if (target.scheme === 'file') {
        replacedLink = onnx.saveModelFile(state.decoded, target.fsPath).replacedLink;
      } else {
        await vscode.workspace.fs.writeFile(target, onnx.encodeModelToBytes(state.decoded));
      }
    } catch (e) {
      if (e instanceof onnx.ModelChangedError) {
        this.services.log.warn(`Saving ${displayPath(this.uri)} to ${displayPath(target)} failed: ${e.message}`);
        throw this.rewritten(target);
      }
      const message = e instanceof Error ? e.message : String(e);
      this.services.log.error(`Saving ${displayPath(this.uri)} to ${displayPath(target)} failed`, e);
      throw new Error(message.includes(displayPath(target)) ? message : `${displayPath(target)}: ${message}`);
    }
    if (replacedLink !== undefined) {
      const message = `${displayPath(target)} was a link to ${replacedLink}: the save replaced the link with a file holding the saved model, and ${replacedLink} is unchanged.`;
      this.services.log.info(message);
      void this.notices.show('info', message);
    }
    if (target.toString() === this.uri.toString()) {
      this.session?.markSaved();
      this.savedAt = this.session?.applied.length ?? 0;
      this.changedOnDisk = false;
      await this.readStamp();
      // The save replaced a linked model file, and some data files are no longer usable from it:
      // the summary and the Problems panel say so now, not at the next open.
      if (detached.length > 0) await this.modelChanged();
    } else if (this.isDirty) {
      // VS Code now shows this document clean (its editor moves to the copy); its edits went to the
      // copy, so it goes back to its file as it is on disk, as a text editor does. Else another
      // editor of it would look saved and write the edits into this file at its next save. When
      // the file is as we read or saved it, the history goes back to that point in memory, with no
      // second decode of the model while VS Code opens (and decodes) the copy; else it is read again.
      if (await this.rewindToSavePoint(true)) {
        this.services.log.info(`${displayPath(this.uri)}: its edits were saved to ${displayPath(target)}; it is back to its file's state`);
      } else {
        this.services.log.info(`${displayPath(this.uri)}: its edits were saved to ${displayPath(target)}; reading it again from disk`);
        await this.reload();
      }
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
    let copied = 0;
    for (const f of copyable) {
      try {
        await vscode.workspace.fs.copy(vscode.Uri.file(f.from), vscode.Uri.file(f.to), { overwrite: false });
        this.services.log.info(`Copied ${f.from} to ${f.to}`);
        copied++;
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not copy ${f.from} to ${f.to}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // The copy's editor (VS Code opens it after Save As) read its data files' state before they
    // arrived: its summary and Problems follow now.
    const copyDocument = copied > 0 ? this.services.documents?.find(target) : undefined;
    if (copyDocument) await copyDocument.refresh();
  }

  /** Computes the summary again (the external data files' state with it) and tells the listeners. */
  async refresh(): Promise<void> {
    await this.whenLoaded();
    if (!this.isDisposed) await this.modelChanged();
  }

  /**
   * Drops unsaved edits. When the file is as we last read or wrote it, the history goes back to its
   * save point (undoing, or redoing what was undone past it), as VS Code moves its own undo stack
   * there: Ctrl+Z after the revert then undoes the saved edits, as it does in a text editor. Else
   * (the file changed, or the save point left the history) the file is read again.
   */
  async revert(_cancellation: vscode.CancellationToken): Promise<void> {
    const previous = this.reverting;
    const run = (async () => {
      if (previous) await previous; // one revert at a time
      if (await this.rewindToSavePoint()) return;
      await this.reload();
    })();
    // Set before the first await: VS Code's undo/redo that follow wait for it (see replayStep).
    this.reverting = run.then(
      () => undefined,
      () => undefined,
    );
    const marker = this.reverting;
    try {
      await run;
    } finally {
      if (this.reverting === marker) this.reverting = undefined;
    }
  }

  /** Settles when the running revert (if any) has ended, successfully or not. */
  private reverting: Promise<void> | undefined;

  /**
   * Undoes (or redoes) the history to the state of the file on disk, when the file is as we last
   * read or wrote it; false (nothing changed) when it is not, or the save point left the history.
   * `startAgain`: the history then starts from there, as after a reload (VS Code's undo stack of
   * the edits before is dropped: a Save As to another file moved them to the copy).
   */
  private async rewindToSavePoint(startAgain = false): Promise<boolean> {
    const session = this.session;
    const savedAt = this.savedAt;
    if (this.firstLoading || !session || this._state.kind !== 'loaded' || savedAt === undefined || this.changedOnDisk) return false;
    if ((await this.changedSinceStamp()) !== false || this.session !== session || this.isDisposed) return false;
    while (session.applied.length > savedAt && session.undo());
    while (session.applied.length < savedAt && session.redo());
    if (session.isDirty) return false; // not where the file is: read it again
    if (startAgain) {
      // The model now holds exactly the file's state (journals put the very objects back), so a
      // new history over it is what a reload would give.
      this.historyGeneration++;
      this.session = undefined;
      this.savedAt = 0;
    }
    this.services.log.info(`${displayPath(this.uri)}: back to the saved state (${savedAt} edits in effect)`);
    await this.modelChanged();
    return true;
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
    // A model lent over a rename stays open for the document at the new name (the loan closes it if not taken).
    if (this._state.kind === 'loaded' && !this.loan) closeQuietly(this._state.decoded);
    this.settle(true);
    this._onDidDispose.fire();
    this._onDidDispose.dispose();
    super.dispose();
  }

  private currentStamp(): Promise<DiskStamp | undefined> {
    return statOf(this.uri);
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
            void this.rewrittenInPlace().then((inPlace) => {
              if (this.isDisposed) return;
              if (!inPlace) {
                this.services.log.info(`${displayPath(this.uri)} changed on disk; keeping the unsaved edits (saving will ask before overwriting)`);
                return;
              }
              // Saving cannot work any more: say so now, once, rather than at the save.
              this.services.log.warn(`${displayPath(this.uri)} was rewritten in place on disk under unsaved edits`);
              if (this.rewrittenSaid) return;
              this.rewrittenSaid = true;
              void this.offerRecovery(
                `${displayPath(this.uri)} was rewritten on disk while it has unsaved edits, so they can no longer be saved over it. Reload the file and re-apply your edits to it?`,
              );
            });
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

/** The size and mtime of the file at `uri`; undefined when it cannot be read (gone). */
async function statOf(uri: vscode.Uri): Promise<DiskStamp | undefined> {
  try {
    const st = await vscode.workspace.fs.stat(uri);
    return { mtime: st.mtime, size: st.size };
  } catch {
    return undefined;
  }
}
