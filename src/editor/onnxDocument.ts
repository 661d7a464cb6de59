import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { readBackup, writeBackup } from './backup';
import { closeQuietly, displayPath, type LoadResult, type ModelLoader } from './modelLoader';

/** Delay between a change on disk and the reload, so a burst of writes reloads once. */
const reloadDelayMs = 250;

export interface DocumentServices {
  readonly loader: ModelLoader;
  readonly log: Logger;
}

/**
 * The custom document of an `.onnx` file: the decoded model (or why it could not be decoded),
 * kept in step with the file on disk. A decode failure is a state of the document, not an
 * exception, so the editor can show it and offer a retry.
 *
 * Edits do not exist yet; `isDirty` is always false and the edit log is empty. Save, save as,
 * revert and backup are nevertheless real: save as writes a lossless copy, revert re-reads,
 * backup writes the (empty) edit log.
 */
export class OnnxDocument extends Disposable implements vscode.CustomDocument {
  static async create(uri: vscode.Uri, backupId: string | undefined, services: DocumentServices): Promise<OnnxDocument> {
    const initial = await services.loader.load(uri);
    const document = new OnnxDocument(uri, initial, services);
    if (backupId !== undefined) {
      const { backup, problem } = await readBackup(backupId);
      if (problem !== undefined) {
        services.log.warn(`Ignoring backup ${backupId} of ${displayPath(uri)}: ${problem}`);
      } else if (backup && backup.edits.length > 0) {
        services.log.warn(`Backup of ${displayPath(uri)} holds ${backup.edits.length} edits; replaying edits is not supported yet`);
      }
    }
    return document;
  }

  private _state: LoadResult;
  private loadGeneration = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly _onDidReload = this._register(new vscode.EventEmitter<LoadResult>());
  /** Fires after the model was read again (retry, revert, change on disk), with the new state. */
  readonly onDidReload = this._onDidReload.event;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>());
  /** Fires when an edit is made (undo/redo closures for VS Code). Unused until edits exist. */
  readonly onDidChange = this._onDidChange.event;

  private readonly _onDidDispose = new vscode.EventEmitter<void>();
  /** Fires once, when the document is disposed (all its editors closed). */
  readonly onDidDispose = this._onDidDispose.event;

  private constructor(
    readonly uri: vscode.Uri,
    initial: LoadResult,
    private readonly services: DocumentServices,
  ) {
    super();
    this._state = initial;
    this.watchForChanges();
  }

  /** The decoded model and its summary, or the load error. */
  get state(): LoadResult {
    return this._state;
  }

  /** True when there are unsaved edits. Always false until editing exists. */
  get isDirty(): boolean {
    return false;
  }

  /** The edits since the last save, oldest first (what a backup stores). Empty until editing exists. */
  get edits(): readonly unknown[] {
    return [];
  }

  /** Reads and decodes the file again; the newest call wins when calls overlap. */
  async reload(): Promise<LoadResult> {
    const generation = ++this.loadGeneration;
    const result = await this.services.loader.load(this.uri);
    if (this.isDisposed || generation !== this.loadGeneration) {
      if (result.kind === 'loaded') closeQuietly(result.decoded);
      return this._state;
    }
    const previous = this._state;
    this._state = result;
    if (previous.kind === 'loaded') closeQuietly(previous.decoded);
    this._onDidReload.fire(result);
    return result;
  }

  /** Saves edits to the document's own file; nothing to do when there are none. */
  async save(cancellation: vscode.CancellationToken): Promise<void> {
    if (!this.isDirty) return;
    await this.saveAs(this.uri, cancellation);
  }

  /**
   * Writes the model to `target`: a lossless encode of the decoded model (untouched bytes copied
   * verbatim), written atomically for local files. A document that failed to decode has no edits,
   * so its file is copied byte for byte.
   */
  async saveAs(target: vscode.Uri, cancellation: vscode.CancellationToken): Promise<void> {
    const state = this._state;
    if (cancellation.isCancellationRequested) return;
    if (state.kind === 'error') {
      if (target.toString() !== this.uri.toString()) {
        await vscode.workspace.fs.copy(this.uri, target, { overwrite: true });
      }
      return;
    }
    const onnx = await import('../core/onnx/index.js');
    if (cancellation.isCancellationRequested) return;
    if (target.scheme === 'file') {
      onnx.saveModelFile(state.decoded, target.fsPath);
    } else {
      await vscode.workspace.fs.writeFile(target, onnx.encodeModelToBytes(state.decoded));
    }
    this.services.log.info(`Saved ${displayPath(this.uri)} to ${displayPath(target)}`);
  }

  /** Drops unsaved edits by reading the file again. */
  async revert(_cancellation: vscode.CancellationToken): Promise<void> {
    await this.reload();
  }

  /** Writes the edit log (not the model) for hot exit. */
  backup(destination: vscode.Uri, _cancellation: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    return writeBackup(destination, this.uri, this.edits);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
    this.loadGeneration++; // a load still in flight closes its result when it lands
    if (this._state.kind === 'loaded') closeQuietly(this._state.decoded);
    this._onDidDispose.fire();
    this._onDidDispose.dispose();
    super.dispose();
  }

  /** Reloads when the file changes on disk and there are no unsaved edits. */
  private watchForChanges(): void {
    const name = this.uri.path.slice(this.uri.path.lastIndexOf('/') + 1);
    const folder = vscode.Uri.joinPath(this.uri, '..');
    let watcher: vscode.FileSystemWatcher;
    try {
      watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name), false, false, true));
    } catch (e) {
      this.services.log.warn(`Cannot watch ${displayPath(this.uri)} for changes: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const schedule = (changed: vscode.Uri): void => {
      if (changed.toString() !== this.uri.toString()) return;
      if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = undefined;
        if (this.isDisposed) return;
        if (this.isDirty) {
          this.services.log.info(`${displayPath(this.uri)} changed on disk; keeping the unsaved edits`);
          return;
        }
        this.services.log.info(`${displayPath(this.uri)} changed on disk; reloading`);
        void this.reload();
      }, reloadDelayMs);
    };
    this._register(watcher.onDidChange(schedule));
    this._register(watcher.onDidCreate(schedule));
  }
}
