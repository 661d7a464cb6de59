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
import type { FromWebview, ToWebview } from '../src/protocol/messages';
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
  const view = new ModelView(root, store, (command) => post({ type: 'command', command }), {
    requestGraph: (ref, mode, font) => host.request({ type: 'requestGraphView', ref, mode, font }, 'graphView'),
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
}

main();
