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
  const requestGraph = (ref: GraphRefDto, mode: ViewModeDto, font: FontMetrics): Promise<GraphViewMessage> =>
    host.request({ type: 'requestGraphView', ref, mode, font }, 'graphView');
  // The first graph the panel will want (the main graph in the mode the page restored, else
  // folded, for its font), asked for right after `ready` instead of after `init` arrives and the
  // view is built: one host round trip earlier. The panel takes the answer if it asks for exactly
  // that (a mode remembered by the host and not by the page makes it ask again).
  let early: { mode: ViewModeDto; font: FontMetrics; reply?: Promise<GraphViewMessage> } | undefined = {
    mode: store.current.graph?.mode ?? 'folded',
    font: measureFontMetrics(),
  };
  const view = new ModelView(root, store, (command) => post({ type: 'command', command }), {
    requestGraph: (ref, mode, font) => {
      const first = early;
      early = undefined;
      const same = first?.reply && !ref.function && ref.path.length === 0 && mode === first.mode && font.charWidth === first.font.charWidth && font.lineHeight === first.font.lineHeight;
      return same ? first.reply! : requestGraph(ref, mode, font);
    },
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
    early.reply = requestGraph({ path: [] }, early.mode, early.font);
    early.reply.catch(() => undefined); // a failure reaches the panel when it takes the answer
    performance.mark('qdq:graph-requested');
  }
}

main();
