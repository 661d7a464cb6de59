import * as vscode from 'vscode';
import { isFromWebview } from '../protocol/messages';
import type { Logger } from '../util/logger';
import { createMessageHandlers, dispatchMessage, type HandlerServices, type MessageHandlers } from './messageHandlers';
import type { ModelLoader } from './modelLoader';
import { Notices, type NoticeAnswerer } from './notices';
import { ONNX_VIEW_TYPE } from './editorTabs';
import { OnnxDocument, type DocumentChange, type DocumentServices } from './onnxDocument';
import type { OpenDocuments } from './openDocuments';
import { markStep } from './openTimeline';
import { RenamedEdits } from './renamedEdits';
import { stateMessage } from './stateMessage';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';
import type { WebviewRegistry } from './webviewRegistry';

export interface EditorServices extends HandlerServices {
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  readonly loader: ModelLoader;
  readonly registry: WebviewRegistry;
  readonly documents: OpenDocuments;
}

/**
 * The `.onnx` custom editor (hex editor style): VS Code owns the document lifecycle, the document
 * owns the model, and each panel is a webview program talking the typed protocol.
 */
export class OnnxEditorProvider implements vscode.CustomEditorProvider<OnnxDocument> {
  static readonly viewType = ONNX_VIEW_TYPE;

  static register(context: vscode.ExtensionContext, services: EditorServices): void {
    const notices = new Notices();
    const renames = new RenamedEdits(services.documents, services.log);
    const provider = new OnnxEditorProvider(services, notices, renames);
    context.subscriptions.push(
      provider._onDidChangeCustomDocument,
      renames,
      vscode.window.registerCustomEditorProvider(OnnxEditorProvider.viewType, provider, {
        // State lives in the document and in the webview's getState/setState, not in a hidden page.
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
    // Only in the extension host of the integration tests (a function can only be passed from
    // there): answerNotices(answerer | undefined) sees and answers the documents' messages and
    // questions in place of the notifications and dialogs (undefined: show them again).
    if (context.extensionMode === vscode.ExtensionMode.Test) {
      const backups = new Map<string, string>();
      provider.backupsWritten = backups;
      context.subscriptions.push(
        vscode.commands.registerCommand('qdqStudio.internal.answerNotices', (answerer: unknown) => {
          if (answerer !== undefined && typeof answerer !== 'function') return false;
          notices.answerWith(answerer as NoticeAnswerer | undefined);
          return true;
        }),
        // lastBackup(uri): the id (a file URI) of the last hot-exit backup written for that
        // document in this extension host, once VS Code has asked for one; a window restart
        // before then would restore the tab dirty with nothing to restore from.
        vscode.commands.registerCommand('qdqStudio.internal.lastBackup', (uri: unknown) => (typeof uri === 'string' ? backups.get(uri) : undefined)),
      );
    }
  }

  /** Test mode only: the id of the last backup written, per document URI (`qdqStudio.internal.lastBackup`). */
  private backupsWritten: Map<string, string> | undefined;

  private readonly _onDidChangeCustomDocument = new vscode.EventEmitter<DocumentChange>();
  // Edits and content changes both: VS Code tells them apart by their undo/redo.
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;

  private readonly handlers: MessageHandlers;
  /** What the documents get: the editor's services, its notices and the open documents. */
  private readonly documentServices: DocumentServices;

  private constructor(
    private readonly services: EditorServices,
    notices: Notices,
    private readonly renames: RenamedEdits,
  ) {
    this.handlers = createMessageHandlers(services);
    this.documentServices = { loader: services.loader, log: services.log, notices, documents: services.documents };
  }

  /**
   * Returns at once with the document still loading (`OnnxDocument.open`); its decode starts once
   * `resolveCustomEditor` has set the HTML, so VS Code creates the webview (a few hundred ms in
   * another process) while the extension host decodes, instead of after. Never throws for a bad
   * file: the document then holds the error and the webview shows it.
   */
  openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext, _token: vscode.CancellationToken): OnnxDocument {
    const t0 = performance.now();
    // Edits a rename carried here (VS Code reopens a renamed file's editor without its backup;
    // with one, the backup has them, and a model lent over the rename goes back).
    let carried = this.renames.take(uri);
    if (openContext.backupId !== undefined && carried) {
      if (carried.kind === 'model') carried.loan.release(uri, 'the editor there was restored from a backup');
      carried = undefined;
    }
    const document = OnnxDocument.open(uri, openContext.backupId, this.documentServices, carried);
    markStep(document, 'opened');
    const { documents, log } = this.services;
    documents.begin(document);
    void document.whenLoaded().then(() => {
      if (document.isDisposed) return;
      markStep(document, 'loaded');
      // A file that could not be read was logged (warn, with the reason) by the loader.
      if (document.state.kind === 'loaded') log.debug(`Loaded ${uri.toString(true)} ${(performance.now() - t0).toFixed(1)} ms after openCustomDocument`);
      else log.debug(`Opening ${uri.toString(true)} ended without a model ${(performance.now() - t0).toFixed(1)} ms after openCustomDocument`);
      documents.add(document);
    });
    const subscriptions = [
      document.onDidChange((e) => this._onDidChangeCustomDocument.fire(e)),
      document.onDidChangeModel(() => {
        const message = stateMessage(document);
        if (message) this.services.registry.broadcast(document, message);
      }),
    ];
    document.onDidDispose(() => subscriptions.forEach((s) => s.dispose()));
    return document;
  }

  async resolveCustomEditor(document: OnnxDocument, panel: vscode.WebviewPanel, _token: vscode.CancellationToken): Promise<void> {
    const { extensionUri, registry, log, documents, graph } = this.services;
    const resolvedAt = performance.now();
    documents.noteEditorResolved(document);
    markStep(document, 'resolved');
    const entry = registry.add(document, panel);
    void entry.whenReady(60_000).then(
      () => log.debug(`Webview of ${document.uri.toString(true)} ready ${(performance.now() - resolvedAt).toFixed(0)} ms after resolve`),
      () => undefined,
    );
    panel.webview.options = webviewOptions(extensionUri);
    const subscription = panel.webview.onDidReceiveMessage((raw: unknown) => {
      if (!isFromWebview(raw)) {
        log.warn(`Ignoring a malformed message from the webview of ${document.uri.toString(true)}`);
        return;
      }
      if (entry.channel.receive(raw)) return;
      void dispatchMessage(this.handlers, raw, { document, entry }, log);
    });
    panel.onDidDispose(() => subscription.dispose());
    panel.webview.html = buildWebviewHtml(panel.webview, extensionUri, document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1));
    // VS Code now spends a few hundred ms creating the webview (in another process): decode the
    // model and build the graph it will ask for meanwhile (both after the HTML has gone out).
    document.startLoading();
    if (graph) {
      void document.whenLoaded().then(() => setTimeout(() => graph.prefetch(document), 0));
    }
  }

  saveCustomDocument(document: OnnxDocument, cancellation: vscode.CancellationToken): Thenable<void> {
    return document.save(cancellation);
  }

  async saveCustomDocumentAs(document: OnnxDocument, destination: vscode.Uri, cancellation: vscode.CancellationToken): Promise<void> {
    await document.saveAs(destination, cancellation); // the offer to copy data files runs on, unawaited
  }

  revertCustomDocument(document: OnnxDocument, cancellation: vscode.CancellationToken): Thenable<void> {
    return document.revert(cancellation);
  }

  async backupCustomDocument(document: OnnxDocument, context: vscode.CustomDocumentBackupContext, cancellation: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    const backup = await document.backup(context.destination, cancellation);
    this.backupsWritten?.set(document.uri.toString(), backup.id);
    return backup;
  }
}

/** The model whose QDQ Studio editor is the active tab (of the active group), if one is. */
export function activeModelUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === OnnxEditorProvider.viewType ? input.uri : undefined;
}
