import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import { Gate } from '../util/gate';
import type { OnnxDocument } from './onnxDocument';

/**
 * The `.onnx` documents VS Code has open in QDQ Studio (one per URI, however many panels show
 * it). Features that follow models (Problems-panel diagnostics, the findings view, sensitivity)
 * subscribe here instead of to the editor provider.
 */
export class OpenDocuments extends Disposable {
  private readonly documents = new Map<string, OnnxDocument>();
  /** Documents whose first load is still running, by URI (listed in `documents` once loaded). */
  private readonly loading = new Map<string, OnnxDocument>();
  private readonly gates = new WeakMap<OnnxDocument, Gate>();
  /** Documents with a resolved editor / a panel that said `ready` (how long the gate waits once loaded). */
  private readonly resolvedEditors = new WeakSet<OnnxDocument>();
  private readonly readyPanels = new WeakSet<OnnxDocument>();

  private readonly _onDidOpen = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** A document was opened (its first load has finished, successfully or not). */
  readonly onDidOpen = this._onDidOpen.event;

  private readonly _onDidClose = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** A document was closed (its last editor closed) and disposed. */
  readonly onDidClose = this._onDidClose.event;

  /**
   * Called by the editor provider as soon as it creates a document, while its first load is still
   * running (VS Code creates the webview meanwhile): the document's gate starts here.
   */
  begin(document: OnnxDocument): void {
    if (this.gates.has(document)) return;
    // No timer while the model loads (that can take longer than any of the waits): `add` arms it.
    const gate = new Gate();
    this.gates.set(document, gate);
    const key = document.uri.toString();
    this.loading.set(key, document);
    document.onDidDispose(() => {
      gate.open();
      if (this.loading.get(key) === document) this.loading.delete(key);
    });
  }

  /**
   * Called by the editor provider once a document's first load has finished (successfully or
   * not): from here on it is listed and followed.
   */
  add(document: OnnxDocument): void {
    if (document.isDisposed) return;
    this.begin(document);
    const gate = this.gates.get(document)!;
    if (document.state.kind !== 'loaded') gate.open(); // nothing to paint, nothing to hold
    else gate.extend(this.readyPanels.has(document) ? READY_WAIT_MS : this.resolvedEditors.has(document) ? SHOW_WAIT_MS : RESOLVE_WAIT_MS);
    const key = document.uri.toString();
    if (this.loading.get(key) === document) this.loading.delete(key);
    this.documents.set(key, document);
    document.onDidDispose(() => {
      if (this.documents.get(key) === document) this.documents.delete(key);
      if (!this.isDisposed) this._onDidClose.fire(document);
    });
    this._onDidOpen.fire(document);
  }

  /**
   * Resolves once the document's graph has first been painted in one of its panels, so work that can
   * wait (the analysis: its colours and findings arrive as an overlay) does not hold up the first
   * paint: the extension host has one thread, and opening a 6,000-node model would otherwise spend
   * its ~0.2 s of analysis between `openCustomDocument` and `resolveCustomEditor`. Never waits
   * long: `RESOLVE_WAIT_MS` when no editor shows the document, `SHOW_WAIT_MS` after one resolved
   * (VS Code can take seconds to create a webview), `READY_WAIT_MS` once its webview is ready (a
   * panel showing the summary tab asks for no graph); and not at all once someone waits for the
   * held work (`release`, e.g. by a command that needs the analysis now).
   */
  whenFirstShown(document: OnnxDocument): Promise<void> {
    return this.gates.get(document)?.opened ?? Promise.resolve();
  }

  /** The editor provider resolved a panel for `document`: its first graph request is on the way. */
  noteEditorResolved(document: OnnxDocument): void {
    this.resolvedEditors.add(document);
    if (this.isListed(document)) this.gates.get(document)?.extend(SHOW_WAIT_MS); // else `add` arms it
  }

  /** A panel of `document` is ready: it asks for its graph right away, if it shows the graph tab. */
  noteWebviewReady(document: OnnxDocument): void {
    this.readyPanels.add(document);
    if (this.isListed(document)) this.gates.get(document)?.extend(READY_WAIT_MS);
  }

  private isListed(document: OnnxDocument): boolean {
    return this.documents.get(document.uri.toString()) === document;
  }

  /**
   * Lets the work held for the first paint start now: a panel of `document` painted its first
   * graph (or cannot show one), or a caller needs that work now.
   */
  release(document: OnnxDocument): void {
    this.gates.get(document)?.open();
  }

  get(uri: vscode.Uri | string): OnnxDocument | undefined {
    return this.documents.get(keyOf(uri));
  }

  all(): OnnxDocument[] {
    return [...this.documents.values()];
  }

  /** The document of `uri`, listed or still loading (test hooks: the opening timeline). */
  find(uri: vscode.Uri | string): OnnxDocument | undefined {
    const key = keyOf(uri);
    return this.documents.get(key) ?? this.loading.get(key);
  }

  /**
   * The document of `uri` once it is listed: at once when it is, after its first load when that is
   * still running (undefined if it is closed first), undefined when VS Code has not opened it.
   */
  async whenOpen(uri: vscode.Uri | string): Promise<OnnxDocument | undefined> {
    const key = keyOf(uri);
    const listed = this.documents.get(key);
    if (listed) return listed;
    const pending = this.loading.get(key);
    if (!pending) return undefined;
    await pending.whenLoaded();
    return this.documents.get(key);
  }
}

/** The map key of a document's URI (a string is parsed, so any spelling of the same URI matches). */
function keyOf(uri: vscode.Uri | string): string {
  return typeof uri === 'string' ? vscode.Uri.parse(uri).toString() : uri.toString();
}

/**
 * How long a freshly opened document waits for an editor to resolve before the gate opens anyway
 * (every document here gets an editor; the resolve call is a renderer round trip away, which a
 * loaded machine can stretch).
 */
const RESOLVE_WAIT_MS = 3000;
/** How long, once an editor resolved, the gate waits for its webview to be ready. */
const SHOW_WAIT_MS = 8000;
/** How long, once the webview is ready, the gate waits for the first graph to be painted. */
const READY_WAIT_MS = 3000;
