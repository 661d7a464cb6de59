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

/** Scheme of the read-only model-info documents (not untitled ones: closing those asked to save them). */
export const MODEL_INFO_SCHEME = 'qdq-info';

/**
 * The read-only documents "Show Model Info" opens: one per model (`qdq-info:/<name>.info.json?<model uri>`),
 * its text set before the document is opened and refreshed when the command runs again.
 */
class ModelInfoDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  show(model: vscode.Uri, text: string): vscode.Uri {
    const name = model.path.slice(model.path.lastIndexOf('/') + 1);
    const uri = vscode.Uri.from({ scheme: MODEL_INFO_SCHEME, path: `/${name}.info.json`, query: model.toString() });
    const key = uri.toString();
    const had = this.texts.has(key);
    this.texts.set(key, text);
    if (had) this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * `qdqStudio.showModelInfo`: the summary of the active QDQ Studio model (or of the given file) as
 * JSON in a read-only editor beside it.
 */
async function showModelInfo(services: ModelCommandServices, infos: ModelInfoDocuments, uri?: vscode.Uri): Promise<void> {
  const entry = uri ? services.registry.findByUri(uri) : services.registry.active;
  let json: string;
  let file: string;
  let model: vscode.Uri;
  if (entry) {
    model = entry.document.uri;
    const state = await entry.document.loadedState();
    file = displayPath(entry.document.uri);
    if (state.kind === 'error') {
      void vscode.window.showErrorMessage(state.error.message);
      return;
    }
    json = JSON.stringify(state.summary, null, 2);
  } else if (uri && isOnnx(uri)) {
    // Not open in an editor: read it just for this.
    model = uri;
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
  const doc = await vscode.workspace.openTextDocument(infos.show(model, json));
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  services.log.info(`Showed the summary of ${file}`);
}

export function registerModelCommands(context: vscode.ExtensionContext, services: ModelCommandServices): void {
  const infos = new ModelInfoDocuments();
  context.subscriptions.push(
    infos,
    vscode.workspace.registerTextDocumentContentProvider(MODEL_INFO_SCHEME, infos),
    vscode.commands.registerCommand('qdqStudio.openModel', (uri?: unknown, selected?: unknown) =>
      openModel(uri instanceof vscode.Uri ? uri : undefined, Array.isArray(selected) ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : undefined),
    ),
    vscode.commands.registerCommand('qdqStudio.showModelInfo', (uri?: unknown) =>
      showModelInfo(services, infos, uri instanceof vscode.Uri ? uri : undefined),
    ),
  );
}
