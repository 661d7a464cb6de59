import * as vscode from 'vscode';
import type { Logger } from '../util/logger';
import { displayPath } from './modelLoader';

/** A watch of one file (see `watchFile`). */
export interface FileWatch extends vscode.Disposable {
  /** (Re)starts the wait: `settled` runs `delayMs` from now, unless another change comes first. */
  schedule(): void;
}

/**
 * Calls `settled` once a burst of changes to the file at `uri` (or its creation) has been quiet for
 * `delayMs`: a watcher on its folder for that name, so a file replaced by rename is seen too.
 * Disposing stops the watcher and a pending call. Undefined, and logged, when the file cannot be
 * watched.
 */
export function watchFile(uri: vscode.Uri, delayMs: number, log: Logger, settled: () => void): FileWatch | undefined {
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  const folder = vscode.Uri.joinPath(uri, '..');
  let watcher: vscode.FileSystemWatcher;
  try {
    watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name), false, false, true);
  } catch (e) {
    log.warn(`Cannot watch ${displayPath(uri)} for changes: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      settled();
    }, delayMs);
  };
  const onChange = (changed: vscode.Uri): void => {
    if (changed.toString() === uri.toString()) schedule();
  };
  const subscriptions = [watcher, watcher.onDidChange(onChange), watcher.onDidCreate(onChange)];
  return {
    schedule,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const s of subscriptions.reverse()) s.dispose();
    },
  };
}
