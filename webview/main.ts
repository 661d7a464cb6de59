/**
 * Entry of the model-view webview (a browser program of its own; see webview/tsconfig.json).
 * Acquires the VS Code API once, opens the typed channel to the host, mounts the view and says
 * `ready`. The host answers with `init` or `loadError`.
 */
import './cspMonitor'; // first: count CSP violations from the very start
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import './main.css';
import type { GraphRefDto, GraphViewMessage, ViewModeDto } from '../src/protocol/graphView';
import type { FromWebview, ToWebview } from '../src/protocol/messages';
import { measureFontMetrics, type FontMetrics } from './graph/fontMetrics';
import { HostChannel } from './hostChannel';
import { ModelView } from './modelView';
import { ViewStateStore } from './state';
import { acquireApi } from './vscodeApi';

function main(): void {
  performance.mark('qdq:script');
  const root = document.getElementById('app');
  if (!root) throw new Error('#app is missing from the webview HTML');

  const api = acquireApi();
  const store = new ViewStateStore(api);
  // Messages arrive asynchronously, after `view` below exists.
  const host = new HostChannel(api, (message) => onMessage(message), window, (message, at) => {
    if (message.type === 'graphView') view.noteGraphReceived(at);
    if (message.type === 'init' || message.type === 'graphView') performance.mark(`qdq:${message.type}-received`, { startTime: at });
  });
  const post = (message: FromWebview): void => host.post(message);
  const requestGraph = (ref: GraphRefDto, mode: ViewModeDto | undefined, font: FontMetrics): Promise<GraphViewMessage> =>
    host.request({ type: 'requestGraphView', ref, ...(mode ? { mode } : {}), font }, 'graphView');
  // The first graph the panel will want (the main graph for its font, in the mode the page
  // restored, else the one the host remembers for the document), asked for right after `ready`
  // instead of after `init` arrives and the view is built: one host round trip earlier. The panel
  // takes the answer when it asks for that graph and the answer is a graph in its mode; otherwise
  // (an error, a timeout, another mode or graph) it asks again.
  let early: { mode: ViewModeDto | undefined; font: FontMetrics; reply?: Promise<GraphViewMessage | undefined> } | undefined = {
    mode: store.current.graph?.mode,
    font: measureFontMetrics(),
  };
  const takeEarly = async (ref: GraphRefDto, mode: ViewModeDto, font: FontMetrics): Promise<GraphViewMessage | undefined> => {
    const first = early;
    early = undefined;
    if (!first?.reply || ref.function || ref.path.length > 0 || (first.mode !== undefined && first.mode !== mode)) return undefined;
    if (font.charWidth !== first.font.charWidth || font.lineHeight !== first.font.lineHeight) return undefined;
    const reply = await first.reply;
    return reply && !reply.error && reply.view?.mode === mode ? reply : undefined;
  };
  const view = new ModelView(root, store, (command) => post({ type: 'command', command }), {
    requestGraph: async (ref, mode, font) => (await takeEarly(ref, mode, font)) ?? requestGraph(ref, mode, font),
    requestProperties: (ref, node) => host.request({ type: 'requestProperties', ref, node }, 'properties'),
    postState: (state) => post({ type: 'graphState', state }),
    postPainted: (firstPaintMs) => post({ type: 'graphPainted', firstPaintMs }),
  });

  function onMessage(message: ToWebview): void {
    switch (message.type) {
      case 'init':
        view.showSummary(message);
        break;
      case 'loadError':
        early = undefined; // its answer is an error too; a later `init` (retry, reload) asks afresh
        view.showError(message);
        break;
      case 'query':
        post({ type: 'queryResult', inReplyTo: message.requestId, report: view.report() });
        break;
      case 'overlays':
        view.setOverlays({ ...message.overlays });
        break;
      case 'revealNode':
        view.revealNode(message.name);
        break;
      case 'graphCommand':
        view.graphCommand(message.command, message.text);
        break;
      case 'graphView':
      case 'properties':
        break; // replies: a late one (its request timed out) is dropped
    }
  }

  window.addEventListener('error', (event) => {
    post({ type: 'webviewError', message: String(event.message), stack: event.error instanceof Error ? event.error.stack : undefined });
  });
  window.addEventListener('unhandledrejection', (event) => {
    const reason: unknown = event.reason;
    post({
      type: 'webviewError',
      message: reason instanceof Error ? reason.message : String(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  });

  view.showLoading();
  post({ type: 'ready' });
  performance.mark('qdq:ready-posted');
  if (early) {
    early.reply = requestGraph({ path: [] }, early.mode, early.font).catch(() => undefined); // failed: the panel asks again
    performance.mark('qdq:graph-requested');
  }
}

main();
