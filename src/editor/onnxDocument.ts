import * as vscode from 'vscode';
import type { AppliedEdit, EditErrorCode, EditRequest, EditSession } from '../core/editing/index';
import type { DecodedModel } from '../core/onnx/index';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { readBackup, writeBackup } from './backup';
import { nothingOffered, offerDataFiles, showWarning, type SaveOutcome, type WarningPrompt } from './dataFileOffer';
import type { DiskStamp } from './diskStamp';
import { FileOnDisk } from './fileOnDisk';
import { lendModel, type CarriedEdits, type LentModel, type ModelLoan } from './modelLoan';
import { closeQuietly, displayPath, indexAndSummary, type LoadResult, type ModelLoader } from './modelLoader';
import { Notices } from './notices';
import { RecoveryOffers, type ReapplyHooks } from './recoveryOffers';

export type { SaveOutcome, WarningPrompt } from './dataFileOffer';

/** A document's state: its first load still running, or how it ended (the model or the error). */
export type DocumentState = LoadResult | { readonly kind: 'loading' };

/** Why a document has no model to work on, for messages: the load error, or that it is still loading. */
export function unavailable(uri: vscode.Uri, state: Exclude<DocumentState, { kind: 'loaded' }>): string {
  return state.kind === 'loading' ? `${displayPath(uri)} is still loading; try again in a moment` : `${displayPath(uri)} could not be read: ${state.error.message}`;
}

/**
 * What a document tells VS Code: an edit (with undo/redo), or a change that makes the tab dirty
 * until the next save or revert whatever undo and redo do.
 */
export type DocumentChange = vscode.CustomDocumentEditEvent<OnnxDocument> | vscode.CustomDocumentContentChangeEvent<OnnxDocument>;

/** How long a new document waits for an editor to resolve before it loads anyway. */
const LOAD_FALLBACK_MS = 1000;

export interface DocumentServices {
  readonly loader: ModelLoader;
  readonly log: Logger;
  /** Where messages and questions go (VS Code's, unless given: the editor provider's, which tests can answer). */
  readonly notices?: Notices;
  /** The open documents, to refresh another one (the copy a Save As made) when its data files arrive. */
  readonly documents?: { find(uri: vscode.Uri): OnnxDocument | undefined };
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

type EditingModule = typeof import('../core/editing/index.js');
type GraphModule = typeof import('../core/graph/index.js');

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
    document.tabMarked = backupId !== undefined; // VS Code shows a document opened from a backup dirty
    const generation = ++document.loadGeneration; // now: a revert before the load starts overtakes it
    document.pendingLoad = () => void document.firstLoad(generation, backupId, carried);
    if (carried?.kind === 'model') document.pendingLoan = carried.loan;
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
  /** A model lent over a rename that the first load, not started yet, is to take (given back if this closes first). */
  private pendingLoan: ModelLoan | undefined;
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
    this.pendingLoan = undefined; // firstLoad has it now
    clearTimeout(this.loadFallback);
    setTimeout(load, 0);
  }

  /**
   * Decode, stamp, then the backup's edits (hot exit), or the edits a rename carried over (`carried`,
   * see RenamedEdits: applied as VS Code edits, so the tab is dirty; or, when they could not be
   * written as a log, the renamed document's model and history, taken over with no decode). A `revert`/retry reload may
   * overtake it (the reload's result wins and the backup's edits are dropped, as a revert drops
   * edits); changes on disk wait for it (see FileOnDisk). Settles `whenLoaded()` in every case.
   */
  private async firstLoad(generation: number, backupId: string | undefined, carried: CarriedEdits | undefined): Promise<void> {
    // Overtaken (closed, or reverted before it started): whoever overtook it settles.
    const current = (): boolean => !this.isDisposed && generation === this.loadGeneration;
    // A lent model this document does not take goes back (or, its document closed, is closed), in every case.
    const loan = carried?.kind === 'model' ? carried.loan : undefined;
    const overtaken = (): string => `the editor there was ${this.isDisposed ? 'closed' : 'reverted'} before it loaded`;
    if (!current()) return loan?.release(this.uri, overtaken());
    try {
      if (backupId === undefined && loan) {
        const lent = await loan.take(this.uri);
        if (typeof lent !== 'string' && (await this.adopt(lent, current))) return;
        if (typeof lent === 'string') this.services.log.info(`${displayPath(this.uri)}: not taking over the model of the renamed file: ${lent}`);
        loan.release(this.uri, typeof lent === 'string' ? lent : overtaken());
        if (!current()) return;
        // Not taken (the renamed document changed since, or this is another file): read the file.
      }
      const stamp = this.disk.current(); // the file as it is before the read (a write during it then shows)
      const result = await this.loadOnce();
      if (!current()) {
        if (result.kind === 'loaded') closeQuietly(result.decoded); // closed, or a reload overtook it
        return;
      }
      this._state = result;
      this.disk.stamp = await stamp;
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
    const [onnx, [, graph]] = await Promise.all([import('../core/onnx/index.js'), this.core()]);
    if (!current()) {
      closeQuietly(decoded);
      this.services.log.warn(`${displayPath(this.uri)}: ${this.isDisposed ? 'closed' : 'reverted'} before it took over the model of the renamed file: its unsaved edits are dropped`);
      return false;
    }
    // Messages (the file's errors name it), and external data files found from the model's new folder.
    if (this.uri.scheme === 'file') {
      decoded.file = this.uri.fsPath;
      if (decoded.source instanceof onnx.FileSource) decoded.source.name = this.uri.fsPath;
    }
    this._state = { kind: 'loaded', decoded, loadMs: lent.state.loadMs, ...indexAndSummary(graph, decoded, this.uri) };
    this.session = lent.session;
    this.savedAt = lent.savedAt;
    this.disk.stamp = await this.disk.current();
    if (!current()) return true; // dispose closed it
    for (const applied of lent.session.applied) this.announce(applied);
    // VS Code's stack starts here, its save point at no edits: unless the file is that state, the
    // tab must stay dirty until a save or revert, whatever undo and redo do (see applyToSession).
    if (lent.savedAt !== 0) this.markTab();
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

  /** The loan of this document's model not taken or released yet, and that model (dispose leaves it open for the loan). */
  private loan: { readonly loan: ModelLoan; readonly decoded: DecodedModel } | undefined;
  /** The unsaved edits a rename could not carry (the document at the new name did not take the loan): said if this closes with them. */
  private notCarried: { readonly message: string; readonly session: EditSession } | undefined;

  private lend(decoded: DecodedModel): ModelLoan {
    const loan = lendModel({
      uri: this.uri,
      lent: (l) => {
        const state = this._state;
        const session = this.session;
        if (this.loan?.loan !== l || state.kind !== 'loaded' || state.decoded !== decoded || session?.isDirty !== true) return undefined;
        return { state, session, savedAt: this.savedAt };
      },
      stamp: () => this.disk.stamp,
      end: (l) => {
        if (this.loan?.loan !== l) return false;
        this.loan = undefined;
        return true;
      },
      letGo: (to) => {
        // This document lets go of them: it keeps no model, and its undo closures do nothing.
        this.historyGeneration++;
        this.session = undefined;
        this.savedAt = 0;
        this._state = { kind: 'error', error: { file: displayPath(this.uri), message: `${displayPath(this.uri)} was renamed to ${displayPath(to)}: its model and unsaved edits are in the editor there` } };
        if (!this.isDisposed) this._onDidChangeModel.fire();
      },
      giveBack: (lost, openedThere) => {
        const state = this._state;
        if (!this.isDisposed) {
          if (openedThere && this.session) this.notCarried = { message: lost, session: this.session }; // said when the rename closes this
          return;
        }
        if (state.kind !== 'loaded' || state.decoded !== decoded) return; // read again since: dispose closed that model
        closeQuietly(decoded); // dispose left it open for the loan
        if (this.session?.isDirty) this.offers.lost(lost);
      },
    });
    this.loan = { loan, decoded };
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
  private session: EditSession | undefined;
  /** Bumped when the history starts again (revert, reload): older undo/redo closures do nothing. */
  private historyGeneration = 0;
  private editing: Promise<[EditingModule, GraphModule]> | undefined;
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
    const hooks: ReapplyHooks = {
      backupLog: () => this.session?.backupLog() ?? [],
      stamp: () => this.disk.current(),
      load: () => this.loadOnce(),
      reapply: (edits) => this.reapply(edits, 'reapply'),
    };
    this.offers = this._register(new RecoveryOffers(this, hooks, this.notices, services.log));
    this.disk = this._register(new FileOnDisk(this, { firstLoading: () => this.firstLoading, offer: (message) => void this.offers.offer(message) }, services.log));
  }

  private readonly notices: Notices;
  /** The offers and notices about unsaved edits at risk, and the tab made clean (recoveryOffers.ts). */
  private readonly offers: RecoveryOffers;
  /** The file's stamp, changes to it by others, and the watch on it (fileOnDisk.ts). */
  private readonly disk: FileOnDisk;

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
      this.offers.unwritableLog(e instanceof Error ? e.message : String(e));
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
      this.markTab();
    }
    return applied;
  }

  /**
   * VS Code shows the tab dirty until a save or revert whatever undo and redo do (a content change:
   * an event without undo/redo; see `applyToSession`).
   */
  private markTab(): void {
    this.tabMarked = true;
    this._onDidChange.fire({ document: this });
  }

  /**
   * VS Code keeps the tab dirty until a save or revert whatever its undo stack says: a content
   * change was fired (`markTab`), or the document was opened from a hot-exit backup. Its Save As
   * does not clear that (it only moves its save point), so after one the tab is made clean here.
   */
  private tabMarked = false;

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
    this.offers.reportDropped('restore', edits.length, problems);
    // VS Code shows a document opened from a backup as dirty: with nothing restored it is not.
    if (problems.length === edits.length) void this.whenLoaded().then(() => this.offers.markTabClean());
  }

  /**
   * Applies `requests` (the unsaved edits of this file as it was: carried over a rename, or kept
   * through a reload of a file rewritten under them) to the model as it is now, each as an undoable
   * VS Code edit, so the tab is dirty. Those that no longer apply are dropped and said (see
   * `RecoveryOffers.reportDropped`). Resolves with how many applied.
   */
  private async reapply(requests: readonly EditRequest[], why: 'rename' | 'reapply'): Promise<number> {
    const state = this._state;
    if (state.kind !== 'loaded') {
      this.offers.reportDropped(why, requests.length, requests.map(() => unavailable(this.uri, state)));
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
    // VS Code keeps the edits from before the reload on its stack, and its save point may be the index
    // these land at (edit, save, Ctrl+Z, re-apply): the tab stays dirty until a save or revert.
    if (why === 'reapply' && problems.length < requests.length) this.markTab();
    await this.modelChanged();
    this.services.log.info(`${displayPath(this.uri)}: re-applied ${requests.length - problems.length} of ${requests.length} unsaved edits`);
    this.offers.reportDropped(why, requests.length, problems);
    return requests.length - problems.length;
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
  async reload(preloaded?: { result: LoadResult; stamp: Promise<DiskStamp | undefined> }): Promise<LoadResult> {
    const generation = ++this.loadGeneration;
    const stamp = preloaded?.stamp ?? this.disk.current();
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
    this.disk.changedOnDisk = false;
    this.disk.rewrittenSaid = false;
    this.disk.stamp = await stamp;
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
    const markingClean = this.offers.takeCleanSave(); // asked for by markTabClean, before any edit since
    await this.whenLoaded(); // the stamp and the backup's edits first
    if (markingClean) {
      // Only to make VS Code show the tab clean: never writes or asks. An edit that came meanwhile
      // is not written unasked: the save fails and the tab stays dirty with it.
      if (this.isDirty) throw new Error(`Not saved: ${displayPath(this.uri)} was edited while its tab was being marked clean (save again to write the edits)`);
      this.services.log.info(`${displayPath(this.uri)}: nothing to save (the tab is marked clean)`);
      this.tabMarked = false; // VS Code's save clears its mark
      return;
    }
    const changed = this.disk.changedOnDisk || (await this.disk.changedSinceStamp()) === true;
    if (!changed && !this.isDirty) {
      this.services.log.info(`${displayPath(this.uri)}: nothing to save`);
      this.tabMarked = false; // VS Code's save clears its mark
      return;
    }
    if (changed) {
      if (await this.disk.rewrittenInPlace()) throw this.offers.rewritten(this.uri);
      const overwrite = 'Overwrite';
      const answer = await this.notices.show('warning', `${displayPath(this.uri)} changed on disk since it was opened. Overwrite it with your edits?`, { modal: true }, overwrite);
      if (answer !== overwrite) throw new Error(`Not saved: ${displayPath(this.uri)} changed on disk (revert to load it, or save again to overwrite)`);
    }
    await this.write(this.uri, cancellation); // the offer to copy data files runs on, unawaited
    this.tabMarked = false; // VS Code's save clears its mark
  }

  /**
   * Writes the model to `target`: a lossless encode of the decoded model with its edits (untouched
   * bytes copied verbatim), written atomically for local files (a temporary file renamed over the
   * target; on failure the target is untouched). A document that failed to decode has no edits,
   * so its file is copied byte for byte. Data files the saved model cannot find are told through
   * `prompt` (VS Code's warning), with an offer to copy them.
   */
  async saveAs(target: vscode.Uri, cancellation: vscode.CancellationToken, prompt: WarningPrompt = showWarning): Promise<SaveOutcome> {
    const outcome = await this.write(target, cancellation, prompt);
    // VS Code's Save As, to this file or another, moves its save point but keeps its mark
    // (`tabMarked`): the tab, or another editor of this file, would stay dirty over a file that
    // holds what it shows. A save that writes nothing clears it (not awaited: VS Code finishes the
    // Save As meanwhile).
    if (this.tabMarked) void this.offers.markTabClean();
    return outcome;
  }

  /** The write of `save` and `saveAs` (see there); to this file, the watch's looks wait for it (`FileOnDisk.whileWriting`). */
  private write(target: vscode.Uri, cancellation: vscode.CancellationToken, prompt: WarningPrompt = showWarning): Promise<SaveOutcome> {
    const write = (): Promise<SaveOutcome> => this.writeTo(target, cancellation, prompt);
    return target.toString() === this.uri.toString() ? this.disk.whileWriting(write) : write();
  }

  private async writeTo(target: vscode.Uri, cancellation: vscode.CancellationToken, prompt: WarningPrompt): Promise<SaveOutcome> {
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
        throw this.offers.rewritten(target);
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
      this.disk.changedOnDisk = false;
      await this.disk.read();
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
    const dataFiles = offerDataFiles(detached, target, prompt, this.services);
    this.services.log.info(`Saved ${displayPath(this.uri)} to ${displayPath(target)}`);
    return { dataFiles };
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
    this.tabMarked = false; // VS Code's revert clears its mark
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
    if (this.firstLoading || !session || this._state.kind !== 'loaded' || savedAt === undefined || this.disk.changedOnDisk) return false;
    if ((await this.disk.changedSinceStamp()) !== false || this.session !== session || this.isDisposed) return false;
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
    clearTimeout(this.loadFallback);
    this.pendingLoad = undefined;
    this.loadGeneration++; // a load still in flight closes its result when it lands
    this.historyGeneration++;
    // A model lent over a rename stays open for the document at the new name (the loan closes it if
    // not taken); a model read since (a revert) is this document's alone.
    const state = this._state;
    if (state.kind === 'loaded' && state.decoded !== this.loan?.decoded) closeQuietly(state.decoded);
    const lost = this.notCarried;
    if (lost && lost.session === this.session && lost.session.isDirty) this.offers.lost(lost.message);
    this.pendingLoan?.release(this.uri, 'the editor there was closed before it loaded');
    this.settle(true);
    this._onDidDispose.fire();
    this._onDidDispose.dispose();
    super.dispose();
  }
}
