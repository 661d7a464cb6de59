import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { OnnxDocument } from './onnxDocument';

/**
 * The `.onnx` documents VS Code has open in QDQ Studio (one per URI, however many panels show
 * it). Features that follow models (Problems-panel diagnostics, the findings view, sensitivity)
 * subscribe here instead of to the editor provider.
 */
export class OpenDocuments extends Disposable {
  private readonly documents = new Map<string, OnnxDocument>();

  private readonly _onDidOpen = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** A document was opened (its first load has finished, successfully or not). */
  readonly onDidOpen = this._onDidOpen.event;

  private readonly _onDidClose = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** A document was closed (its last editor closed) and disposed. */
  readonly onDidClose = this._onDidClose.event;

  /** Called by the editor provider for every document it creates. */
  add(document: OnnxDocument): void {
    const key = document.uri.toString();
    this.documents.set(key, document);
    document.onDidDispose(() => {
      if (this.documents.get(key) === document) this.documents.delete(key);
      if (!this.isDisposed) this._onDidClose.fire(document);
    });
    this._onDidOpen.fire(document);
  }

  get(uri: vscode.Uri | string): OnnxDocument | undefined {
    return this.documents.get(typeof uri === 'string' ? vscode.Uri.parse(uri).toString() : uri.toString());
  }

  all(): OnnxDocument[] {
    return [...this.documents.values()];
  }
}
