import type * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { statOf, type DiskStamp } from './diskStamp';
import { watchFile } from './fileWatch';
import { displayPath, type LoadResult } from './modelLoader';
import type { DocumentState } from './onnxDocument';

/** Delay between a change on disk and the reload, so a burst of writes reloads once. */
const reloadDelayMs = 250;

/** The document whose file is watched (OnnxDocument). */
export interface WatchedDocument {
  readonly uri: vscode.Uri;
  readonly isDisposed: boolean;
  readonly isDirty: boolean;
  readonly state: DocumentState;
  whenLoaded(): Promise<LoadResult>;
  /** Reads and decodes the file again; the edit history starts again. */
  reload(): Promise<LoadResult>;
}

/** What the watch needs of the document's insides (OnnxDocument). */
export interface WatchHooks {
  /** True until the first load (and its backup replay) has ended. */
  firstLoading(): boolean;
  /** Offers what can be done with unsaved edits over a file rewritten in place (RecoveryOffers.offer). */
  offer(message: string): void;
}

/**
 * What a document knows of its file on disk: its size and mtime as we last read or wrote it (so our
 * own saves are not taken for someone else's change), whether someone else changed it under unsaved
 * edits, and the watch on it: a change by someone else reloads a clean document and, for a dirty
 * one, makes save ask before overwriting (or, for a file rewritten in place, says that the edits
 * can no longer be saved over it). Disposed with its document: the watch stops.
 */
export class FileOnDisk extends Disposable {
  private _stamp: DiskStamp | undefined;
  /** Bumped when the stamp is set and when one of our writes starts (see `changedSinceStamp`). */
  private epoch = 0;
  /** Our own writes of the file running, until their stamp is read (see `whileWriting`). */
  private writing: Promise<void> | undefined;

  /** The file as we last read or wrote it. */
  get stamp(): DiskStamp | undefined {
    return this._stamp;
  }

  set stamp(stamp: DiskStamp | undefined) {
    this._stamp = stamp;
    this.epoch++;
  }

  /** The file changed on disk (not by us) while there were unsaved edits. */
  changedOnDisk = false;
  /** The watcher has said the file was rewritten in place under unsaved edits (once per reading of the file). */
  rewrittenSaid = false;

  constructor(
    private readonly document: WatchedDocument,
    private readonly hooks: WatchHooks,
    private readonly log: Logger,
  ) {
    super();
    this.watchForChanges();
  }

  /** The file's size and mtime now; undefined when it cannot be read (gone). */
  current(): Promise<DiskStamp | undefined> {
    return statOf(this.document.uri);
  }

  /** Remembers the file as it is now (after our own write). */
  async read(): Promise<void> {
    this.stamp = await this.current();
  }

  /**
   * Runs `write`, our own write of the file up to the read of its new stamp. A look at the file
   * meanwhile would take that write for someone else's (the file new, the stamp still the old one):
   * `changedSinceStamp` waits for it.
   */
  async whileWriting<T>(write: () => Promise<T>): Promise<T> {
    this.epoch++;
    const run = write();
    const running = Promise.all([this.writing, run.then(undefined, () => undefined)]).then(() => undefined);
    this.writing = running;
    try {
      return await run;
    } finally {
      if (this.writing === running) this.writing = undefined;
    }
  }

  /**
   * True when the file differs from what we last read or wrote; undefined when either side is
   * unknown. Waits for our own write running (`whileWriting`), and looks again when one started, or
   * the stamp was set, while it looked: the size and mtime it got may be of that write, and the
   * stamp from before it (a save would then ask before overwriting our own save, a watch reload
   * the document and drop its history).
   */
  async changedSinceStamp(): Promise<boolean | undefined> {
    for (;;) {
      await this.writing;
      const epoch = this.epoch;
      const now = await this.current();
      if (epoch !== this.epoch) continue;
      if (this.stamp === undefined || now === undefined) return undefined;
      return now.mtime !== this.stamp.mtime || now.size !== this.stamp.size;
    }
  }

  /** True when the model's file was rewritten in place since it was read (its unedited bytes are gone). */
  async rewrittenInPlace(): Promise<boolean> {
    const state = this.document.state;
    if (state.kind !== 'loaded') return false;
    const onnx = await import('../core/onnx/index.js');
    try {
      state.decoded.source.checkUnchanged?.();
      return false;
    } catch (e) {
      return e instanceof onnx.ModelChangedError;
    }
  }

  /** Reloads when the file changes on disk (not by our own save) and there are no unsaved edits. */
  private watchForChanges(): void {
    const document = this.document;
    const watch = watchFile(document.uri, reloadDelayMs, this.log, () => {
      if (document.isDisposed) return;
      if (this.hooks.firstLoading()) {
        // No stamp or history yet: look again once the first load (and its backup replay) is done.
        void document.whenLoaded().then(() => {
          if (!document.isDisposed) watch?.schedule();
        });
        return;
      }
      void this.changedSinceStamp().then((changedByOthers) => {
        if (document.isDisposed || changedByOthers === false) return; // our own save, or nothing new
        if (document.isDirty) {
          this.changedOnDisk = true;
          void this.rewrittenInPlace().then((inPlace) => {
            if (document.isDisposed) return;
            if (!inPlace) {
              this.log.info(`${displayPath(document.uri)} changed on disk; keeping the unsaved edits (saving will ask before overwriting)`);
              return;
            }
            // Saving cannot work any more: say so now, once, rather than at the save.
            this.log.warn(`${displayPath(document.uri)} was rewritten in place on disk under unsaved edits`);
            if (this.rewrittenSaid) return;
            this.rewrittenSaid = true;
            this.hooks.offer(
              `${displayPath(document.uri)} was rewritten on disk while it has unsaved edits, so they can no longer be saved over it. Reload the file and re-apply your edits to it?`,
            );
          });
          return;
        }
        this.log.info(`${displayPath(document.uri)} changed on disk; reloading`);
        void document.reload();
      });
    });
    // Disposed with the document: the watcher stops, and so does a pending look.
    if (watch) this._register(watch);
  }
}
