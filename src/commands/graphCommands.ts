import * as vscode from 'vscode';
import { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import type { OverlayService } from '../editor/overlays';
import type { WebviewEntry, WebviewRegistry } from '../editor/webviewRegistry';
import type { GraphCommand } from '../protocol/messages';
import type { Logger } from '../util/logger';

export interface GraphCommandServices {
  readonly log: Logger;
  readonly registry: WebviewRegistry;
  readonly overlays: OverlayService;
}

const openTimeoutMs = 30_000;

function toUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value !== '') return value.includes('://') || value.startsWith('file:') ? vscode.Uri.parse(value) : vscode.Uri.file(value);
  return undefined;
}

/** The panel of `uri`, opening the model in QDQ Studio (or bringing its tab forward) first. */
async function openPanel(registry: WebviewRegistry, uri: vscode.Uri): Promise<WebviewEntry> {
  const existing = registry.findByUri(uri);
  if (existing) {
    if (!existing.panel.active) existing.panel.reveal(existing.panel.viewColumn, false);
    return existing;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, OnnxEditorProvider.viewType);
  const deadline = Date.now() + openTimeoutMs;
  for (;;) {
    const entry = registry.findByUri(uri);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error(`QDQ Studio did not open ${uri.toString(true)} within ${openTimeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `qdqStudio.revealNode(uri, nodeName)`: opens the model in the QDQ Studio editor if needed, then
 * selects and centres the node in its graph view (a folded Q/DQ node: the edge or node carrying its
 * badge). Used by diagnostics (Problems panel) and other views.
 */
async function revealNode(registry: WebviewRegistry, uriArg: unknown, nameArg: unknown): Promise<boolean> {
  const uri = toUri(uriArg) ?? registry.active?.document.uri;
  if (!uri) {
    void vscode.window.showErrorMessage('QDQ Studio: reveal node needs a model (open one first)');
    return false;
  }
  let name = typeof nameArg === 'string' ? nameArg : undefined;
  if (name === undefined) {
    name = await vscode.window.showInputBox({ title: 'Reveal node', prompt: 'Node name, op type or tensor name' });
    if (!name) return false;
  }
  const entry = await openPanel(registry, uri);
  entry.revealNode(name);
  return true;
}

/** Sends a graph command to the active QDQ Studio panel (or the panel of `uri`). */
function graphCommand(registry: WebviewRegistry, command: GraphCommand, uriArg?: unknown, text?: string): boolean {
  const uri = toUri(uriArg);
  const entry = uri ? registry.findByUri(uri) : registry.active;
  if (!entry) {
    void vscode.window.showInformationMessage('QDQ Studio: open a model in the QDQ Studio editor first');
    return false;
  }
  entry.post({ type: 'graphCommand', command, ...(text !== undefined ? { text } : {}) });
  return true;
}

/** What VS Code passes a `webview/context` command: the page's `data-vscode-context` (webview/graph/graphPanel.ts). */
export interface GraphNodeContext {
  readonly webview?: string;
  readonly webviewSection?: string;
  readonly qdqUri?: string;
  readonly qdqNode?: string;
  readonly qdqQuantized?: boolean;
  /** False when the panel shows a subgraph (an If/Loop/Scan body) or a function body, not the main graph. */
  readonly qdqMainGraph?: boolean;
}

/**
 * Edits name nodes of the main graph (names, and `Op#index` labels of unnamed nodes, indexed in the
 * main graph's node list), so the node and edge menus offer them only there (package.json `when`:
 * `qdqMainGraph`). A call from elsewhere (a keybinding, an older page) is refused saying why: an
 * unnamed node's label from a body would name whichever main-graph node has that index.
 */
function refuseOutsideMainGraph(context: unknown): { applied: false; message: string } | undefined {
  if ((context as GraphNodeContext | undefined)?.qdqMainGraph !== false) return undefined;
  const message = 'QDQ Studio edits the main graph only: this node is inside a subgraph or function body.';
  void vscode.window.showInformationMessage(message);
  return { applied: false, message };
}

function nodeContext(value: unknown): { uri: string; node: string } | undefined {
  const c = value as GraphNodeContext | undefined;
  return c && typeof c.qdqUri === 'string' && typeof c.qdqNode === 'string' ? { uri: c.qdqUri, node: c.qdqNode } : undefined;
}

/**
 * The graph's node menu → the editing commands (`qdqStudio.disableQuantization` /
 * `enableQuantization` with `{ uri, target, interactive }`, src/commands/editCommands.ts): the user
 * sees what changed or why nothing did. Returns what the editing command returned.
 */
async function editFromGraph(command: 'qdqStudio.disableQuantization' | 'qdqStudio.enableQuantization', context: unknown): Promise<unknown> {
  const c = nodeContext(context);
  if (!c) return undefined;
  return refuseOutsideMainGraph(context) ?? vscode.commands.executeCommand(command, { uri: c.uri, target: c.node, interactive: true });
}

/** Graph view commands and the overlay broadcast to open panels (the shared analysis follows the settings). */
export function registerGraphCommands(context: vscode.ExtensionContext, services: GraphCommandServices): void {
  const { registry, overlays } = services;
  context.subscriptions.push(
    vscode.commands.registerCommand('qdqStudio.revealNode', (uri?: unknown, name?: unknown) => revealNode(registry, uri, name)),
    vscode.commands.registerCommand('qdqStudio.toggleQdqFolding', (uri?: unknown) => graphCommand(registry, 'toggleFolding', uri)),
    vscode.commands.registerCommand('qdqStudio.fitGraph', (uri?: unknown) => graphCommand(registry, 'fit', uri)),
    vscode.commands.registerCommand('qdqStudio.zoomToSelection', (uri?: unknown) => graphCommand(registry, 'zoomToSelection', uri)),
    vscode.commands.registerCommand('qdqStudio.findInGraph', (uri?: unknown, text?: unknown) =>
      graphCommand(registry, 'find', uri, typeof text === 'string' ? text : undefined),
    ),
    vscode.commands.registerCommand('qdqStudio.showModelSummary', (uri?: unknown) => graphCommand(registry, 'showSummary', uri)),
    vscode.commands.registerCommand('qdqStudio.showGraph', (uri?: unknown) => graphCommand(registry, 'showGraph', uri)),
    vscode.commands.registerCommand('qdqStudio.graph.keepInHigherPrecision', (context?: unknown) => editFromGraph('qdqStudio.disableQuantization', context)),
    vscode.commands.registerCommand('qdqStudio.graph.quantize', (context?: unknown) => editFromGraph('qdqStudio.enableQuantization', context)),
    vscode.commands.registerCommand('qdqStudio.graph.copyNodeName', async (context?: unknown) => {
      const c = nodeContext(context);
      if (!c) return false;
      await vscode.env.clipboard.writeText(c.node);
      vscode.window.setStatusBarMessage(`QDQ Studio: copied ${c.node}`, 3000);
      return true;
    }),
    vscode.commands.registerCommand('qdqStudio.graph.unifyScales', async (context?: unknown) => {
      const c = nodeContext(context);
      if (!c) return undefined;
      return refuseOutsideMainGraph(context) ?? vscode.commands.executeCommand('qdqStudio.unifyScales', { uri: c.uri, node: c.node, interactive: true });
    }),
    vscode.commands.registerCommand('qdqStudio.graph.removeQdqPair', async (context?: unknown) => {
      const c = context as { qdqUri?: unknown; qdqQuantize?: unknown; qdqDequantize?: unknown } | undefined;
      if (typeof c?.qdqUri !== 'string' || typeof c.qdqQuantize !== 'string' || typeof c.qdqDequantize !== 'string') return undefined;
      return refuseOutsideMainGraph(context) ?? vscode.commands.executeCommand('qdqStudio.removeQdq', { uri: c.qdqUri, quantize: c.qdqQuantize, dequantize: c.qdqDequantize, interactive: true });
    }),
    vscode.commands.registerCommand('qdqStudio.graph.showFindings', async (context?: unknown) => {
      const c = nodeContext(context);
      if (c) return vscode.commands.executeCommand('qdqStudio.showFindingsForNode', c.uri, c.node);
      await vscode.commands.executeCommand('qdqStudio.findings.focus');
      return false;
    }),
    overlays.onDidChange(({ uri }) => {
      const message = overlays.message(uri);
      for (const entry of registry.entriesForUri(uri)) entry.post(message);
    }),
  );
}
