import * as vscode from 'vscode';
import type { AnalysisState } from '../diagnostics/analysisService';
import type { GraphIndex } from '../core/graph/index';
import type { DecodedModel } from '../core/onnx/index';
import type { GraphViewMessage, RequestGraphViewMessage } from '../protocol/graphView';
import type { GraphUiStateDto } from '../protocol/messages';
import type { OverlaysMessage } from '../protocol/overlay';
import type { PropertiesMessage, RequestPropertiesMessage } from '../protocol/properties';
import type { Logger } from '../util/logger';
import { ANALYSIS_SOURCE, analysisOverlay } from './analysisOverlay';
import type { LoadResult } from './modelLoader';
import type { OnnxDocument } from './onnxDocument';
import type { OverlayService } from './overlays';

type GraphViewModule = typeof import('../core/graphView/index.js');
type GraphModule = typeof import('../core/graph/index.js');

/** What the host keeps per document for its graph views: cached per model state. */
interface DocRecord {
  state: LoadResult;
  index?: GraphIndex;
  /** Last few `graphView` answers by request key (ref + mode + font). */
  views: Map<string, Omit<GraphViewMessage, 'inReplyTo'>>;
}

const VIEW_CACHE = 4;
const STATE_KEY = 'qdqStudio.graphState';

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
  private modules: Promise<[GraphViewModule, GraphModule]> | undefined;
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

  private core(): Promise<[GraphViewModule, GraphModule]> {
    this.modules ??= Promise.all([import('../core/graphView/index.js'), import('../core/graph/index.js')]);
    return this.modules;
  }

  private record(document: OnnxDocument): DocRecord {
    let r = this.docs.get(document);
    if (!r || r.state !== document.state) {
      r = { state: document.state, views: new Map() };
      this.docs.set(document, r);
    }
    return r;
  }

  /** Forget cached views of `document` (its model changed in place). */
  invalidate(document: OnnxDocument): void {
    this.docs.delete(document);
  }

  private mainIndex(graph: GraphModule, decoded: DecodedModel, r: DocRecord): GraphIndex | undefined {
    if (!decoded.model.graph) return undefined;
    r.index ??= graph.buildGraphIndex(decoded.model.graph);
    return r.index;
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
    const state = document.state;
    if (state.kind !== 'loaded') return { type: 'graphView', inReplyTo: message.requestId, error: state.error.message };
    const r = this.record(document);
    const key = JSON.stringify([message.ref, message.mode, message.font ?? null]);
    const cached = r.views.get(key);
    if (cached) return { ...cached, inReplyTo: message.requestId };
    const [gv, graph] = await this.core();
    let reply: Omit<GraphViewMessage, 'inReplyTo'>;
    try {
      const t0 = performance.now();
      const view = gv.buildViewGraph(state.decoded, { ref: message.ref, mode: message.mode, index: this.mainIndex(graph, state.decoded, r) });
      const t1 = performance.now();
      const sizes = gv.viewNodeSizes(view, message.font ? { charWidth: message.font.charWidth, lineHeight: message.font.lineHeight } : {});
      const layout = gv.layoutToJson(gv.layoutViewGraph(view, { sizes }), sizes);
      const t2 = performance.now();
      reply = { type: 'graphView', view, layout, timing: { buildMs: t1 - t0, layoutMs: t2 - t1 } };
      this.services.log.info(
        `Graph view of ${document.uri.toString(true)} (${message.mode}): ${view.nodes.length} nodes, ${view.edges.length} edges; build ${(t1 - t0).toFixed(1)} ms, layout ${(t2 - t1).toFixed(1)} ms`,
      );
    } catch (e) {
      if (!(e instanceof gv.GraphRefError)) this.services.log.error(`Building the graph view of ${document.uri.toString(true)} failed`, e);
      reply = { type: 'graphView', error: `${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!reply.error) {
      r.views.set(key, reply);
      while (r.views.size > VIEW_CACHE) r.views.delete(r.views.keys().next().value as string);
    }
    return { ...reply, inReplyTo: message.requestId };
  }

  async properties(document: OnnxDocument, message: RequestPropertiesMessage): Promise<PropertiesMessage> {
    const state = document.state;
    if (state.kind !== 'loaded') return { type: 'properties', inReplyTo: message.requestId, error: state.error.message };
    const [gv, graph] = await this.core();
    try {
      const properties = gv.nodeProperties(state.decoded, message.ref, message.node, { index: this.mainIndex(graph, state.decoded, this.record(document)) });
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
