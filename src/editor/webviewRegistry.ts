import * as vscode from 'vscode';
import { Channel } from '../protocol/channel';
import type { FromWebview, ToWebview } from '../protocol/messages';
import { Disposable } from '../util/dispose';
import type { OnnxDocument } from './onnxDocument';

export type HostChannel = Channel<ToWebview, FromWebview>;

/**
 * One open panel of a document: its typed channel, and whether its page is loaded and listening
 * (it says `ready`). Panels do not retain their context when hidden, so readiness is lost when the
 * panel is hidden and comes back with the next `ready`.
 */
export class WebviewEntry {
  readonly channel: HostChannel;
  private _ready = false;
  private readyWaiters: (() => void)[] = [];
  private pendingReveal: string | undefined;

  constructor(
    readonly document: OnnxDocument,
    readonly panel: vscode.WebviewPanel,
  ) {
    this.channel = new Channel<ToWebview, FromWebview>((message) => panel.webview.postMessage(message));
  }

  get ready(): boolean {
    return this._ready;
  }

  markReady(): void {
    this._ready = true;
    const waiters = this.readyWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  markNotReady(): void {
    this._ready = false;
  }

  /** Resolves when the page is ready; rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this._ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new Error(`The webview of ${this.document.uri.toString(true)} did not become ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  /**
   * Selects and centres `name` in this panel's graph: now when the page listens, and again after
   * its next `ready` (a hidden page is re-created when shown, and would miss the message).
   */
  revealNode(name: string): void {
    this.pendingReveal = name;
    if (this._ready) this.channel.post({ type: 'revealNode', name });
  }

  /** The reveal to repeat after `ready`, once. */
  takePendingReveal(): string | undefined {
    const name = this.pendingReveal;
    this.pendingReveal = undefined;
    return name;
  }

  /** Posts to this panel if its page is listening; a page that is not ready asks again with `ready`. */
  post(message: ToWebview): void {
    if (this._ready) this.channel.post(message);
  }
}

/** Document -> open panels, plus which QDQ Studio panel is active. */
export class WebviewRegistry extends Disposable {
  private readonly entries = new Set<WebviewEntry>();
  private activeEntry: WebviewEntry | undefined;

  private readonly _onDidChangeActive = this._register(new vscode.EventEmitter<WebviewEntry | undefined>());
  readonly onDidChangeActive = this._onDidChangeActive.event;

  /** Tracks `panel` until it is disposed. */
  add(document: OnnxDocument, panel: vscode.WebviewPanel): WebviewEntry {
    const entry = new WebviewEntry(document, panel);
    this.entries.add(entry);
    const subscriptions: vscode.Disposable[] = [];
    subscriptions.push(
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) entry.markNotReady();
        if (e.webviewPanel.active) {
          this.setActive(entry);
        } else if (this.activeEntry === entry) {
          this.setActive(undefined);
        }
      }),
      panel.onDidDispose(() => {
        this.entries.delete(entry);
        entry.channel.close('the panel was closed');
        if (this.activeEntry === entry) this.setActive(undefined);
        for (const s of subscriptions) s.dispose();
      }),
    );
    if (panel.active) this.setActive(entry);
    return entry;
  }

  /** The panel of a QDQ Studio editor that has focus, if any. */
  get active(): WebviewEntry | undefined {
    if (this.activeEntry && !this.activeEntry.panel.active) {
      // The view-state event may lag; trust the panel.
      this.activeEntry = this.findActive();
    }
    return this.activeEntry ?? this.findActive();
  }

  entriesFor(document: OnnxDocument): WebviewEntry[] {
    return [...this.entries].filter((e) => e.document === document);
  }

  /** The best panel showing `uri`: the active one, else a visible one, else any. */
  findByUri(uri: vscode.Uri | string): WebviewEntry | undefined {
    const key = typeof uri === 'string' ? uri : uri.toString();
    const matches = [...this.entries].filter((e) => e.document.uri.toString() === key);
    return matches.find((e) => e.panel.active) ?? matches.find((e) => e.panel.visible) ?? matches[0];
  }

  /** Every panel showing the document with this URI. */
  entriesForUri(uri: vscode.Uri | string): WebviewEntry[] {
    const key = typeof uri === 'string' ? uri : uri.toString();
    return [...this.entries].filter((e) => e.document.uri.toString() === key);
  }

  /** Sends `message` to every ready panel of `document`. */
  broadcast(document: OnnxDocument, message: ToWebview): void {
    for (const entry of this.entriesFor(document)) entry.post(message);
  }

  private findActive(): WebviewEntry | undefined {
    return [...this.entries].find((e) => e.panel.active);
  }

  private setActive(entry: WebviewEntry | undefined): void {
    if (this.activeEntry === entry) return;
    this.activeEntry = entry;
    this._onDidChangeActive.fire(entry);
  }

  override dispose(): void {
    for (const entry of this.entries) entry.channel.close('the extension is shutting down');
    this.entries.clear();
    super.dispose();
  }
}
