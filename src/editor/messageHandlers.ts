import * as vscode from 'vscode';
import { packGraphView } from '../protocol/graphView';
import type { FromWebview, WebviewCommand } from '../protocol/messages';
import type { Logger } from '../util/logger';
import type { GraphHost } from './graphHost';
import type { OnnxDocument } from './onnxDocument';
import type { OpenDocuments } from './openDocuments';
import { describeTimeline, markStep, timelineOf } from './openTimeline';
import { stateMessage } from './stateMessage';
import type { WebviewEntry } from './webviewRegistry';

export interface HandlerContext {
  readonly document: OnnxDocument;
  readonly entry: WebviewEntry;
}

export type MessageHandlers = {
  readonly [K in FromWebview['type']]: (message: Extract<FromWebview, { type: K }>, context: HandlerContext) => void | Promise<void>;
};

export interface HandlerServices {
  readonly log: Logger;
  /** The graph view's host side (view graphs, properties, overlays); absent in minimal setups. */
  readonly graph?: GraphHost;
  /** Told when a panel got its first graph (deferred work such as the analysis waits for it). */
  readonly documents?: Pick<OpenDocuments, 'release' | 'noteWebviewReady'>;
}

/** Runs one of the webview's buttons. */
async function runCommand(command: WebviewCommand, { document }: HandlerContext, services: HandlerServices): Promise<void> {
  switch (command) {
    case 'reopenAsText':
      await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default');
      return;
    case 'retry':
      // reload() broadcasts the new state (init or loadError) to every panel of the document.
      await document.reload();
      return;
    case 'copySummary': {
      const state = await document.loadedState();
      const text = state.kind === 'loaded' ? JSON.stringify(state.summary, null, 2) : state.error.message;
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage(state.kind === 'loaded' ? 'QDQ Studio: model summary copied' : 'QDQ Studio: error copied', 3000);
      return;
    }
    default: {
      const unknown: never = command;
      services.log.warn(`Unknown webview command ${String(unknown)}`);
    }
  }
}

/** FromWebview message type -> handler. Replies to host requests never get here (the channel takes them). */
export function createMessageHandlers(services: HandlerServices): MessageHandlers {
  return {
    ready: async (_message, { document, entry }) => {
      entry.markReady();
      services.documents?.noteWebviewReady(document);
      const graph = services.graph;
      await document.whenLoaded(); // the panel may be up before the model is decoded
      const state = stateMessage(document, graph?.rememberedState(document));
      if (!state || document.isDisposed) return;
      entry.post(state);
      if (graph) {
        graph.watch(document, () => undefined);
        entry.post(graph.overlaysMessage(document));
      }
      const reveal = entry.takePendingReveal();
      if (reveal !== undefined) entry.post({ type: 'revealNode', name: reveal });
    },
    requestGraphView: async (message, { document, entry }) => {
      const graph = services.graph;
      const reply = graph ? await graph.graphView(document, message) : { type: 'graphView' as const, inReplyTo: message.requestId, error: 'The graph view is not available' };
      entry.post(packGraphView(reply)); // one JSON text (see packGraphView)
      markStep(document, 'graphPosted');
      if (reply.error) services.documents?.release(document); // nothing will be painted
    },
    graphPainted: (message, { document }) => {
      const timeline = timelineOf(document);
      if (timeline.steps.graphPainted !== undefined) return;
      markStep(document, 'graphPainted');
      services.log.info(
        `Opening ${document.uri.toString(true)}: ${describeTimeline(timeline)}${timeline.prefetchHit === 'layout' ? ' (graph prefetched)' : timeline.prefetchHit === 'view' ? ' (view graph prefetched, laid out on request)' : ''}; first paint ${message.firstPaintMs} ms in the webview`,
      );
      services.documents?.release(document);
    },
    requestProperties: async (message, { document, entry }) => {
      const graph = services.graph;
      entry.post(graph ? await graph.properties(document, message) : { type: 'properties', inReplyTo: message.requestId, error: 'Properties are not available' });
    },
    graphState: (message, { document }) => {
      services.graph?.remember(document, message.state);
    },
    queryResult: (message) => {
      services.log.info(`Ignoring a late reply to request ${message.inReplyTo}`);
    },
    command: (message, context) => runCommand(message.command, context, services),
    webviewError: (message, { document }) => {
      services.log.error(`Webview of ${document.uri.toString(true)}: ${message.message}${message.stack ? `\n${message.stack}` : ''}`);
    },
  };
}

/** Calls the handler for `message`, logging (not throwing) failures. */
export async function dispatchMessage(handlers: MessageHandlers, message: FromWebview, context: HandlerContext, log: Logger): Promise<void> {
  try {
    const handler = handlers[message.type] as (m: FromWebview, c: HandlerContext) => void | Promise<void>;
    await handler(message, context);
  } catch (e) {
    log.error(`Handling '${message.type}' from the webview failed`, e);
    void vscode.window.showErrorMessage(`QDQ Studio: ${e instanceof Error ? e.message : String(e)}`);
  }
}
