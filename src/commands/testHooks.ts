import * as vscode from 'vscode';
import type { WarningPrompt } from '../editor/onnxDocument';
import type { OpenDocuments } from '../editor/openDocuments';
import { timelineOf } from '../editor/openTimeline';
import type { OverlayService } from '../editor/overlays';
import type { WebviewRegistry } from '../editor/webviewRegistry';
import { isGraphOverlay } from '../protocol/overlay';
import type { WebviewReport } from '../protocol/messages';

/** What `qdqStudio.internal.queryWebview` returns. */
export interface WebviewQueryResult {
  /** The document URI of the queried panel. */
  readonly uri: string;
  /** What the webview rendered, read back from its DOM. */
  readonly report: WebviewReport;
}

export interface ActivationStats {
  /** From the first line of the bundle to the end of `activate()`, ms. */
  readonly activationMs: number;
}

export interface TestHookServices {
  readonly registry: WebviewRegistry;
  /** Open documents (`qdqStudio.internal.openTimeline` reads their opening steps). */
  readonly documents?: OpenDocuments;
  /** Graph overlays (`qdqStudio.internal.setOverlay` puts test overlays there). */
  readonly overlays?: OverlayService;
  /** Read when the command runs (activate() fills it in as its last step). */
  readonly activationStats: () => ActivationStats;
}

const queryTimeoutMs = 10_000;

/**
 * Asks the active QDQ Studio panel (or, given a URI, a panel of that document) what it shows.
 * Resolves undefined when there is no such panel; rejects when it does not answer within 10 s.
 */
async function queryWebview(registry: WebviewRegistry, uri?: vscode.Uri | string): Promise<WebviewQueryResult | undefined> {
  const entry = uri !== undefined ? registry.findByUri(uri) : registry.active;
  if (!entry) return undefined;
  const deadline = Date.now() + queryTimeoutMs;
  await entry.whenReady(queryTimeoutMs);
  const reply = await entry.channel.request({ type: 'query' }, 'queryResult', Math.max(1, deadline - Date.now()));
  return { uri: entry.document.uri.toString(), report: reply.report };
}

/** Commands the integration and end-to-end tests use; hidden from the palette in package.json. */
export function registerTestHooks(context: vscode.ExtensionContext, services: TestHookServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('qdqStudio.internal.queryWebview', (uri?: unknown) =>
      queryWebview(services.registry, uri instanceof vscode.Uri || typeof uri === 'string' ? uri : undefined),
    ),
    vscode.commands.registerCommand('qdqStudio.internal.activationStats', () => services.activationStats()),
    // openTimeline(uri): when each step of opening that document happened (ms, performance.now()).
    vscode.commands.registerCommand('qdqStudio.internal.openTimeline', (uri: unknown) => {
      const document = typeof uri === 'string' || uri instanceof vscode.Uri ? services.documents?.find(uri) : undefined;
      if (!document) return undefined;
      const t = timelineOf(document);
      return { steps: { ...t.steps }, prefetchHit: t.prefetchHit, state: document.state.kind };
    }),
    // setOverlay(uri, source, overlay | undefined): exercises the overlay mechanism other features use.
    vscode.commands.registerCommand('qdqStudio.internal.setOverlay', (uri: unknown, source: unknown, overlay: unknown) => {
      if (!services.overlays || typeof uri !== 'string' || typeof source !== 'string') return false;
      if (overlay !== undefined && !isGraphOverlay(overlay)) return false;
      services.overlays.set(uri, source, overlay);
      return true;
    }),
    // getOverlay(uri, source): what a feature put on the graph of a document.
    vscode.commands.registerCommand('qdqStudio.internal.getOverlay', (uri: unknown, source: unknown) =>
      services.overlays && typeof uri === 'string' && typeof source === 'string' ? services.overlays.get(uri, source) : undefined,
    ),
  );
  // Only in the extension host of the integration tests (the end-to-end tests drive the packaged
  // extension, and nothing of this reaches users): it takes a function, which only code in the
  // same extension host can pass.
  if (context.extensionMode !== vscode.ExtensionMode.Test) return;
  context.subscriptions.push(
    // saveAs(uri, targetPath, prompt): the document's Save As to `targetPath` (what VS Code runs once
    // its file dialog has a target), with `prompt` showing and answering its warning about data
    // files in place of the notification. Resolves once that offer is answered and its copies done.
    vscode.commands.registerCommand('qdqStudio.internal.saveAs', async (uri: unknown, target: unknown, prompt: unknown) => {
      const document = typeof uri === 'string' ? services.documents?.find(uri) : undefined;
      if (!document || typeof target !== 'string' || typeof prompt !== 'function') return false;
      const saved = await document.saveAs(vscode.Uri.file(target), new vscode.CancellationTokenSource().token, prompt as WarningPrompt);
      await saved.dataFiles;
      return true;
    }),
  );
}
