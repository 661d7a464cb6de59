import * as vscode from 'vscode';
import type { ModuleIndex, SensitivityReport, SensitivityResult } from '../core/sensitivity/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import type { OpenDocuments } from '../editor/openDocuments';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { sensitivityCore, type ResultFile, type SensitivityCore, type SensitivityResults } from './results';

/** What the views show: which result, for which model, mapped and with the model's current Q/DQ state. */
export type SessionState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'error'; readonly file: ResultFile; readonly message: string }
  | { readonly kind: 'noModel'; readonly file: ResultFile; readonly result: SensitivityResult }
  | { readonly kind: 'ambiguous'; readonly file: ResultFile; readonly result: SensitivityResult; readonly candidates: readonly OnnxDocument[] }
  /** None of the result's names maps to a node of any open model: not bound until the user picks a model. */
  | { readonly kind: 'noMatch'; readonly file: ResultFile; readonly result: SensitivityResult; readonly candidates: readonly OnnxDocument[] }
  | {
      readonly kind: 'ready';
      readonly file: ResultFile;
      readonly result: SensitivityResult;
      readonly document: OnnxDocument;
      readonly report: SensitivityReport;
      readonly index: ModuleIndex;
      /** Compute nodes that have Q/DQ in the model as it is now. */
      readonly quantized: ReadonlySet<string>;
      /** Layers (node names) whose removed quantizers the edits in effect remember: "enable" can put them back. */
      readonly scaleKnown: ReadonlySet<string>;
      readonly core: SensitivityCore;
    };

const ACTIVE_KEY = 'qdqStudio.sensitivity.activeResult';
const MODELS_KEY = 'qdqStudio.sensitivity.modelForResult';
const METRIC_KEY = 'qdqStudio.sensitivity.metric';

interface ModelFacts {
  readonly index: ModuleIndex;
  readonly quantized: ReadonlySet<string>;
  readonly scaleKnown: ReadonlySet<string>;
}

/**
 * The current sensitivity session: the active result file (the one the user chose, remembered per
 * workspace; else the newest that maps a name in an open model, once the workspace scan has read
 * them all; else the one shown), the open model it applies to (remembered per result; else the one
 * it is already shown for, while open; else the open model where most of the result's names map,
 * never one where none does; else the user picks), the mapped
 * report, and which compute nodes of that model still have Q/DQ: re-derived from the model after
 * every change (`onDidChangeModel`: edit, undo, redo, reload), never from the clicks.
 */
export class SensitivitySession extends Disposable {
  private readonly facts = new WeakMap<OnnxDocument, ModelFacts>();
  private readonly tracked = new WeakSet<OnnxDocument>();
  private _state: SessionState = { kind: 'empty' };
  private generation = 0;
  private pending: Promise<void> = Promise.resolve();

  private readonly _onDidChange = this._register(new vscode.EventEmitter<SessionState>());
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly results: SensitivityResults,
    private readonly documents: OpenDocuments,
    private readonly memento: vscode.Memento,
    private readonly log: Logger,
  ) {
    super();
    this._register(results.onDidChange(() => this.schedule()));
    this._register(documents.onDidOpen((d) => this.track(d)));
    this._register(documents.onDidClose(() => this.schedule()));
    for (const d of documents.all()) this.track(d);
    this.schedule();
  }

  get state(): SessionState {
    return this._state;
  }

  /** Resolves once the recomputation scheduled so far has finished. */
  async settled(): Promise<SessionState> {
    for (;;) {
      const g = this.generation;
      await this.pending;
      if (g === this.generation) return this._state;
    }
  }

  activeResultUri(): string | undefined {
    return this.memento.get<string>(ACTIVE_KEY);
  }

  async setActiveResult(uri: vscode.Uri): Promise<void> {
    await this.memento.update(ACTIVE_KEY, uri.toString());
    this.schedule();
  }

  async setModelFor(result: vscode.Uri, model: vscode.Uri): Promise<void> {
    const map = { ...this.memento.get<Record<string, string>>(MODELS_KEY, {}) };
    map[result.toString()] = model.toString();
    await this.memento.update(MODELS_KEY, map);
    this.schedule();
  }

  metric(): string | undefined {
    return this.memento.get<string>(METRIC_KEY);
  }

  async setMetric(name: string | undefined): Promise<void> {
    await this.memento.update(METRIC_KEY, name);
    this.schedule();
  }

  /** Recompute now (or after the running recomputation). */
  schedule(): void {
    const g = ++this.generation;
    this.pending = this.pending.then(() => (g === this.generation ? this.compute() : undefined)).catch((e) => this.log.error('Sensitivity view update failed', e));
  }

  private track(document: OnnxDocument): void {
    if (this.tracked.has(document)) return;
    this.tracked.add(document);
    // Reload, edit, undo, redo, revert.
    const sub = document.onDidChangeModel(() => {
      this.facts.delete(document);
      this.schedule();
    });
    document.onDidDispose(() => sub.dispose());
    this.schedule();
  }

  private factsOf(document: OnnxDocument, core: SensitivityCore): ModelFacts | undefined {
    const state = document.state;
    if (state.kind !== 'loaded' || !state.decoded.model.graph) return undefined;
    let f = this.facts.get(document);
    if (!f) {
      const nodes = state.decoded.model.graph.node;
      const scaleKnown = new Set(document.appliedEdits.flatMap((e) => (e.replaced.removed ?? []).map((r) => r.node)));
      f = { index: core.ModuleIndex.fromNodes(nodes), quantized: core.quantizedComputeNodes(nodes), scaleKnown };
      this.facts.set(document, f);
    }
    return f;
  }

  /** How many of the result's names map to a node of `document` (0 when it is not loaded). */
  private score(result: SensitivityResult, document: OnnxDocument, core: SensitivityCore): number {
    const f = this.factsOf(document, core);
    return f ? result.layers.filter((l) => f.index.resolve(l.name, l.kind)).length : 0;
  }

  /**
   * The chosen result; else the newest loaded result that maps a name in an open model (a result
   * measured on another model, arriving while the user works with one that maps, does not take the
   * view and the graph's colouring away from it); else the one shown, while it is loaded; else the
   * newest loaded file, else the newest file (to show its error).
   */
  private activeFile(models: readonly OnnxDocument[], core: SensitivityCore): ResultFile | undefined {
    const files = this.results.all();
    const chosen = this.activeResultUri();
    const pick = chosen ? files.find((f) => f.uri.toString() === chosen) : undefined;
    if (pick) return pick;
    const byAge = (list: ResultFile[]) => list.sort((a, b) => b.mtime - a.mtime || b.readAt - a.readAt);
    const loaded = byAge(files.filter((f) => f.state.kind === 'loaded'));
    if (models.length) {
      const maps = loaded.find((f) => {
        const st = f.state;
        return st.kind === 'loaded' && models.some((d) => this.score(st.result, d, core) > 0);
      });
      if (maps) return maps;
      const shown = this._state.kind === 'ready' ? this._state.file.uri.toString() : undefined;
      const stay = shown ? loaded.find((f) => f.uri.toString() === shown) : undefined;
      if (stay) return stay;
    }
    return loaded[0] ?? byAge(files)[0];
  }

  private async compute(): Promise<void> {
    // Without a chosen result, the newest is shown: wait for the workspace scan to have read them
    // all, or the view shows the first one read and switches a moment later on its own.
    if (!this.activeResultUri()) await this.results.scan();
    const core = this.results.all().length ? await sensitivityCore() : undefined;
    // After the await: a model closed meanwhile is not bound.
    const models = this.documents.all().filter((d) => d.state.kind === 'loaded');
    const file = core && this.activeFile(models, core);
    if (!file || !core) return this.set({ kind: 'empty' });
    if (file.state.kind === 'error') return this.set({ kind: 'error', file, message: file.state.message });
    const result = file.state.result;
    if (!models.length) return this.set({ kind: 'noModel', file, result });
    const remembered = this.memento.get<Record<string, string>>(MODELS_KEY, {})[file.uri.toString()];
    let document = remembered ? models.find((d) => d.uri.toString() === remembered) : undefined;
    // The model this result is already shown for stays while it is open: opening another model
    // must not take the result (and the graph's sensitivity colouring) away from it.
    const shown = this._state.kind === 'ready' && this._state.file.uri.toString() === file.uri.toString() ? this._state.document : undefined;
    if (!document && shown && models.includes(shown)) document = shown;
    if (!document) {
      // Not remembered: bind to a model only where some of the result's names map (a result of
      // another model would show nothing but "Not in this model" and blank the graph's colouring).
      const scored = models.map((d) => ({ d, score: this.score(result, d, core) })).sort((a, b) => b.score - a.score);
      if (scored[0]!.score === 0) return this.set({ kind: 'noMatch', file, result, candidates: models });
      if (models.length === 1 || scored[0]!.score > scored[1]!.score) document = scored[0]!.d;
      else return this.set({ kind: 'ambiguous', file, result, candidates: models });
    }
    const facts = this.factsOf(document, core);
    if (!facts) return this.set({ kind: 'noModel', file, result });
    let report: SensitivityReport;
    const metric = this.metric();
    try {
      report = core.buildSensitivityReport(result, facts.index, metric && result.metrics.some((m) => m.name === metric) ? { metric } : {});
    } catch (e) {
      return this.set({ kind: 'error', file, message: e instanceof Error ? e.message : String(e) });
    }
    this.set({ kind: 'ready', file, result, document, report, index: facts.index, quantized: facts.quantized, scaleKnown: facts.scaleKnown, core });
  }

  private set(state: SessionState): void {
    this._state = state;
    this._onDidChange.fire(state);
  }
}
