import * as vscode from 'vscode';
import type { AnalysisState } from '../diagnostics/analysisService';
import type { GraphViewMessage, RequestGraphViewMessage, GraphViewDto } from '../protocol/graphView';
import type { GraphUiStateDto } from '../protocol/messages';
import type { OverlaysMessage } from '../protocol/overlay';
import type { PropertiesMessage, RequestPropertiesMessage } from '../protocol/properties';
import type { Logger } from '../util/logger';
import { ANALYSIS_SOURCE, analysisOverlay } from './analysisOverlay';
import { unavailable, type DocumentState, type OnnxDocument } from './onnxDocument';
import { markStep, timelineOf } from './openTimeline';
import type { OverlayService } from './overlays';

/** What a panel is told when there is no model to answer from: the load error as the panel shows it. */
function noModel(document: OnnxDocument, state: Exclude<DocumentState, { kind: 'loaded' }>): string {
  return state.kind === 'error' ? state.error.message : unavailable(document.uri, state);
}

type GraphViewModule = typeof import('../core/graphView/index.js');

type GraphViewReply = Omit<GraphViewMessage, 'inReplyTo'>;
type FontMetrics = NonNullable<RequestGraphViewMessage['font']>;

/** What the host keeps per document for its graph views: cached per model state. */
interface DocRecord {
  state: DocumentState;
  /** Last few `graphView` answers (or answers being computed) by request key (ref + mode + font). */
  views: Map<string, Promise<GraphViewReply>>;
  /** View graphs (font-independent) by ref + mode, so a new font only re-runs the layout. */
  built: Map<string, { view: GraphViewDto; buildMs: number }>;
}

const VIEW_CACHE = 4;
const STATE_KEY = 'qdqStudio.graphState';
/** The font metrics of the last graph request: what the next webview will most likely ask with. */
const FONT_KEY = 'qdqStudio.lastGraphFont';
/** Just the two metrics, in one property order (a request's `font` may carry them in any order). */
function metrics(font: FontMetrics): FontMetrics {
  return { charWidth: font.charWidth, lineHeight: font.lineHeight };
}

function viewKey(ref: RequestGraphViewMessage['ref'], mode: RequestGraphViewMessage['mode'], font: FontMetrics | undefined): string {
  return JSON.stringify([ref, mode, font ? metrics(font) : null]);
}

function builtKey(ref: RequestGraphViewMessage['ref'], mode: RequestGraphViewMessage['mode']): string {
  return JSON.stringify([ref, mode]);
}

/** The main graph, as the webview names it. */
const MAIN_REF: RequestGraphViewMessage['ref'] = { path: [] };

/** Where analysis reports come from: the AnalysisService that also feeds the Problems panel. */
export interface GraphAnalysisSource {
  get(document: OnnxDocument): AnalysisState | undefined;
  readonly onDidChange: vscode.Event<OnnxDocument>;
}

export interface GraphHostServices {
  readonly log: Logger;
  readonly overlays?: OverlayService;
  /**
   * The shared analysis (src/diagnostics/analysisService.ts): each model is analysed once, for the
   * Problems panel and the graph alike; the 'analysis' overlay is made from its reports.
   */
  readonly analysis: GraphAnalysisSource;
  /** Where the selection and mode per document are remembered for a reopened editor. */
  readonly memento?: vscode.Memento;
}

/**
 * The host side of the graph view: builds view graphs and their layouts (off the webview's UI
 * thread; the core is imported on first use), answers property requests, and keeps the
 * 'analysis' overlay of each open document (predicted precision and findings) up to date with the
 * model and the `qdqStudio.analysis` settings.
 */
export class GraphHost implements vscode.Disposable {
  private readonly docs = new WeakMap<OnnxDocument, DocRecord>();
  private readonly watched = new WeakSet<OnnxDocument>();
  /** The report each document's 'analysis' overlay was last made from (shared analysis). */
  private readonly overlaidReports = new WeakMap<OnnxDocument, AnalysisState>();
  private modules: Promise<GraphViewModule> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly services: GraphHostServices) {
    this.subscriptions.push(
      services.analysis.onDidChange((document) => {
        if (this.watched.has(document)) this.overlayFromAnalysis(document);
      }),
    );
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }

  /**
   * The 'analysis' overlay of `document` from the shared analysis: set when a report is there,
   * removed when the analysis is disabled or failed, left as it is while a new one is pending (the
   * old one still names mostly the same nodes).
   */
  private overlayFromAnalysis(document: OnnxDocument): void {
    const overlays = this.services.overlays;
    const state = this.services.analysis.get(document);
    if (!overlays || !state || state.kind === 'pending' || document.isDisposed) return;
    if (this.overlaidReports.get(document) === state) return;
    this.overlaidReports.set(document, state);
    overlays.set(document.uri, ANALYSIS_SOURCE, state.kind === 'analysed' ? analysisOverlay(state.report) : undefined);
  }

  private core(): Promise<GraphViewModule> {
    this.modules ??= import('../core/graphView/index.js');
    return this.modules;
  }

  private record(document: OnnxDocument): DocRecord {
    let r = this.docs.get(document);
    if (!r || r.state !== document.state) {
      r = { state: document.state, views: new Map(), built: new Map() };
      this.docs.set(document, r);
    }
    return r;
  }

  /** Forget cached views of `document` (its model changed in place). */
  invalidate(document: OnnxDocument): void {
    this.docs.delete(document);
  }

  /** Subscribes once per document: model changes refresh the views; close drops its overlays. */
  watch(document: OnnxDocument, onChange: () => void): void {
    if (this.watched.has(document)) return;
    this.watched.add(document);
    const subscription = document.onDidChangeModel(() => {
      this.invalidate(document);
      onChange();
    });
    this.overlayFromAnalysis(document);
    document.onDidDispose(() => {
      subscription.dispose();
      this.services.overlays?.clear(document.uri);
    });
  }

  async graphView(document: OnnxDocument, message: RequestGraphViewMessage): Promise<GraphViewMessage> {
    await document.whenLoaded(); // a panel can ask before the first load has finished
    const state = document.state;
    if (state.kind !== 'loaded') return { type: 'graphView', inReplyTo: message.requestId, error: noModel(document, state) };
    if (message.font) void this.rememberFont(message.font).catch(() => undefined); // only a hint for the next prefetch
    const mode = message.mode ?? this.rememberedState(document)?.mode ?? 'folded';
    const timeline = timelineOf(document);
    if (timeline.steps.graphRequested === undefined) {
      markStep(document, 'graphRequested');
      const r = this.record(document);
      timeline.prefetchHit = r.views.has(viewKey(message.ref, mode, message.font)) ? 'layout' : r.built.has(builtKey(message.ref, mode)) ? 'view' : false;
    }
    const reply = await this.cachedView(document, message.ref, mode, message.font);
    return { ...reply, inReplyTo: message.requestId };
  }

  /**
   * Starts building the graph the new panel of `document` is about to ask for (the main graph in
   * its remembered mode, laid out for the font metrics of the last request), while VS Code is still
   * creating the webview, so the request finds it ready. Without known metrics only the view graph
   * (the font-independent part) is built.
   */
  prefetch(document: OnnxDocument): void {
    if (document.isDisposed || document.state.kind !== 'loaded') return;
    const mode = this.rememberedState(document)?.mode ?? 'folded';
    const font = this.services.memento?.get<FontMetrics>(FONT_KEY);
    markStep(document, 'prefetchStarted');
    const done = font ? this.cachedView(document, MAIN_REF, mode, font) : this.core().then((gv) => this.builtView(gv, this.record(document), MAIN_REF, mode));
    void done.then(
      () => markStep(document, 'prefetchDone'),
      () => undefined, // a failure is reported when the panel asks
    );
  }

  private async rememberFont(font: FontMetrics): Promise<void> {
    const memento = this.services.memento;
    const known = memento?.get<FontMetrics>(FONT_KEY);
    if (!memento || (known?.charWidth === font.charWidth && known.lineHeight === font.lineHeight)) return;
    await memento.update(FONT_KEY, metrics(font));
  }

  /** The answer for (ref, mode, font): from the cache, joining one being computed, or computed now. */
  private cachedView(document: OnnxDocument, ref: RequestGraphViewMessage['ref'], mode: RequestGraphViewMessage['mode'], font: FontMetrics | undefined): Promise<GraphViewReply> {
    const r = this.record(document);
    const key = viewKey(ref, mode, font);
    const cached = r.views.get(key);
    if (cached) return cached;
    const pending = this.computeView(document, r, ref, mode, font);
    r.views.set(key, pending);
    while (r.views.size > VIEW_CACHE) r.views.delete(r.views.keys().next().value as string);
    const forget = (): void => {
      if (r.views.get(key) === pending) r.views.delete(key); // errors are not kept
    };
    void pending.then((reply) => reply.error && forget(), forget);
    return pending;
  }

  private builtView(gv: GraphViewModule, r: DocRecord, ref: RequestGraphViewMessage['ref'], mode: RequestGraphViewMessage['mode']): { view: GraphViewDto; buildMs: number } {
    const key = builtKey(ref, mode);
    let built = r.built.get(key);
    if (!built) {
      const state = r.state;
      if (state.kind !== 'loaded') throw new Error(state.kind === 'error' ? state.error.message : 'the model is still loading');
      const t0 = performance.now();
      const view = gv.buildViewGraph(state.decoded, { ref, mode, index: state.index }); // the document's own index
      built = { view, buildMs: performance.now() - t0 };
      r.built.set(key, built);
      while (r.built.size > VIEW_CACHE) r.built.delete(r.built.keys().next().value as string);
    }
    return built;
  }

  private async computeView(document: OnnxDocument, r: DocRecord, ref: RequestGraphViewMessage['ref'], mode: RequestGraphViewMessage['mode'], font: FontMetrics | undefined): Promise<GraphViewReply> {
    let gv: GraphViewModule;
    try {
      gv = await this.core();
    } catch (e) {
      this.modules = undefined; // try again next time
      this.services.log.error('Loading the graph view core failed', e);
      return { type: 'graphView', error: `internal error loading the graph view: ${e instanceof Error ? e.message : String(e)}` };
    }
    try {
      const { view, buildMs } = this.builtView(gv, r, ref, mode);
      const t1 = performance.now();
      const sizes = gv.viewNodeSizes(view, font ? metrics(font) : {});
      const layout = gv.layoutToJson(gv.layoutViewGraph(view, { sizes }), sizes);
      const layoutMs = performance.now() - t1;
      this.services.log.debug(
        `Graph view of ${document.uri.toString(true)} (${mode}): ${view.nodes.length} nodes, ${view.edges.length} edges; build ${buildMs.toFixed(1)} ms, layout ${layoutMs.toFixed(1)} ms`,
      );
      return { type: 'graphView', view, layout, timing: { buildMs, layoutMs } };
    } catch (e) {
      if (!(e instanceof gv.GraphRefError)) this.services.log.error(`Building the graph view of ${document.uri.toString(true)} failed`, e);
      return { type: 'graphView', error: `${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  async properties(document: OnnxDocument, message: RequestPropertiesMessage): Promise<PropertiesMessage> {
    await document.whenLoaded();
    const state = document.state;
    if (state.kind !== 'loaded') return { type: 'properties', inReplyTo: message.requestId, error: noModel(document, state) };
    const gv = await this.core();
    try {
      const properties = gv.nodeProperties(state.decoded, message.ref, message.node, { index: state.index });
      return { type: 'properties', inReplyTo: message.requestId, properties };
    } catch (e) {
      return { type: 'properties', inReplyTo: message.requestId, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The overlays of `document` as a message for its panels. */
  overlaysMessage(document: OnnxDocument): OverlaysMessage {
    return this.services.overlays?.message(document.uri) ?? { type: 'overlays', overlays: {} };
  }

  /** The remembered graph state of a document (for `init`). */
  rememberedState(document: OnnxDocument): GraphUiStateDto | undefined {
    const all = this.services.memento?.get<Record<string, GraphUiStateDto>>(STATE_KEY);
    return all?.[document.uri.toString()];
  }

  remember(document: OnnxDocument, state: GraphUiStateDto): void {
    const memento = this.services.memento;
    if (!memento) return;
    const all = { ...(memento.get<Record<string, GraphUiStateDto>>(STATE_KEY) ?? {}) };
    const key = document.uri.toString();
    delete all[key];
    all[key] = state;
    // Keep the 200 most recent documents.
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - 200))) delete all[k];
    void memento.update(STATE_KEY, all);
  }
}
