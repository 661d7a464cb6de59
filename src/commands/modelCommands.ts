import * as vscode from 'vscode';
import { displayPath, type ModelLoader } from '../editor/modelLoader';
import { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import type { WebviewRegistry } from '../editor/webviewRegistry';
import type { Logger } from '../util/logger';

export interface ModelCommandServices {
  readonly log: Logger;
  readonly loader: ModelLoader;
  readonly registry: WebviewRegistry;
}

function isOnnx(uri: vscode.Uri): boolean {
  return uri.path.toLowerCase().endsWith('.onnx');
}

/**
 * `qdqStudio.openModel`: from the explorer context menu (the clicked file, or every selected
 * `.onnx`), or from the palette (a file picker). Opens each with the QDQ Studio editor.
 */
async function openModel(uri?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
  let targets = (selected && selected.length > 0 ? selected : uri ? [uri] : []).filter(isOnnx);
  if (targets.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Open in QDQ Studio',
      filters: { 'ONNX models': ['onnx'] },
    });
    targets = picked ?? [];
  }
  for (const target of targets) {
    await vscode.commands.executeCommand('vscode.openWith', target, OnnxEditorProvider.viewType);
  }
}

/**
 * `qdqStudio.showModelInfo`: the summary of the active QDQ Studio model (or of the given file) as
 * JSON in an untitled editor beside it.
 */
async function showModelInfo(services: ModelCommandServices, uri?: vscode.Uri): Promise<void> {
  const entry = uri ? services.registry.findByUri(uri) : services.registry.active;
  let json: string;
  let file: string;
  if (entry) {
    const state = await entry.document.loadedState();
    file = displayPath(entry.document.uri);
    if (state.kind === 'error') {
      void vscode.window.showErrorMessage(state.error.message);
      return;
    }
    json = JSON.stringify(state.summary, null, 2);
  } else if (uri && isOnnx(uri)) {
    // Not open in an editor: read it just for this.
    const result = await services.loader.load(uri);
    file = displayPath(uri);
    if (result.kind === 'error') {
      void vscode.window.showErrorMessage(result.error.message);
      return;
    }
    json = JSON.stringify(result.summary, null, 2);
    result.decoded.source.close?.();
  } else {
    const choice = await vscode.window.showInformationMessage('QDQ Studio: open an ONNX model first.', 'Open Model…');
    if (choice) await openModel();
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: json });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  services.log.info(`Showed the summary of ${file}`);
}

export function registerModelCommands(context: vscode.ExtensionContext, services: ModelCommandServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('qdqStudio.openModel', (uri?: unknown, selected?: unknown) =>
      openModel(uri instanceof vscode.Uri ? uri : undefined, Array.isArray(selected) ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : undefined),
    ),
    vscode.commands.registerCommand('qdqStudio.showModelInfo', (uri?: unknown) =>
      showModelInfo(services, uri instanceof vscode.Uri ? uri : undefined),
    ),
  );
}
