import * as vscode from 'vscode';
import type { SensitivityResult } from '../core/sensitivity/index';
import { displayPath } from '../editor/modelLoader';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { type ReadStamp, changedSince, contentHash, readStamp } from './readStamp';

export type SensitivityCore = typeof import('../core/sensitivity/index.js');

let corePromise: Promise<SensitivityCore> | undefined;
/** The sensitivity core (and ajv) are imported on first use, never at activation. */
export function sensitivityCore(): Promise<SensitivityCore> {
  corePromise ??= import('../core/sensitivity/index.js');
  return corePromise;
}

/** Globs of the files found automatically (yolov9-qat's summary, our own format). */
export const RESULT_GLOBS = ['**/summary-sensitive-analysis.json', '**/*.qdq-sensitivity.json'] as const;
const EXCLUDE = '{**/node_modules/**,**/.git/**}';
/** Result files are small; a long run's console log is a few MB. */
const MAX_BYTES = 64 * 1024 * 1024;
/** How long after a read a file is looked at again (see `verifySoon`): well past a batch of file events. */
const VERIFY_DELAY_MS = 2000;

export type ResultFileState =
  | { readonly kind: 'loaded'; readonly result: SensitivityResult }
  | { readonly kind: 'error'; readonly message: string; readonly line?: number; readonly column?: number };

export interface ResultFile {
  readonly uri: vscode.Uri;
  /** When it was (re)read; the newest file is the default result. */
  readonly readAt: number;
  /** Modification time, ms (0 when unknown). */
  readonly mtime: number;
  /** Found by a watcher/scan, or opened by the user (a console log, a file outside the globs). */
  readonly origin: 'found' | 'opened';
  readonly state: ResultFileState;
}

/**
 * Every sensitivity result of the workspace: found by FileSystemWatchers on
 * `**\/summary-sensitive-analysis.json` and `**\/*.qdq-sensitivity.json` (plus one scan after
 * activation), or opened by command. A file that does not parse never throws: it is kept as an
 * error (shown in the view), gets a diagnostic at its line/column when the parser knows it, and
 * one warning notification naming the file per distinct problem.
 */
export class SensitivityResults extends Disposable {
  private readonly files = new Map<string, ResultFile>();
  private readonly notified = new Map<string, string>();
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('qdq-sensitivity'));
  private readonly generations = new Map<string, number>();
  private scanned: Promise<void> | undefined;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly log: Logger) {
    super();
    for (const glob of RESULT_GLOBS) {
      const watcher = this._register(vscode.workspace.createFileSystemWatcher(glob));
      this._register(watcher.onDidCreate((uri) => void this.read(uri, 'found')));
      this._register(watcher.onDidChange((uri) => this.reread(uri)));
      this._register(watcher.onDidDelete((uri) => this.forget(uri)));
    }
    // A run writes its result into folders it has just made (`runs/qat_sentive/<name>/`); a recursive
    // watcher can miss a file created right after its folder, so a new folder is searched too.
    // A deleted folder is reported alone, not the result files inside it: those go with it.
    const folders = this._register(vscode.workspace.createFileSystemWatcher('**/*', false, true, false));
    this._register(folders.onDidCreate((uri) => !/\.[^/]*$/.test(uri.path.slice(uri.path.lastIndexOf('/') + 1)) && this.rescan(uri)));
    this._register(folders.onDidDelete((uri) => this.forgetUnder(uri)));
    this._register({ dispose: () => this.rescanTimer !== undefined && clearTimeout(this.rescanTimer) });
    this._register({ dispose: () => this.verifyTimers.forEach((t) => clearTimeout(t)) });
  }

  /** The look due at each file read (see `verifySoon`), by URI. */
  private readonly verifyTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Reads a known file again, as its change event does. */
  private reread(uri: vscode.Uri): void {
    void this.read(uri, this.files.get(uri.toString())?.origin ?? 'found');
  }

  /**
   * VS Code's file events drop a create and a delete of one file that fall in one batch: a file
   * read in between (opened by command, found by a scan) would stay known, and shown, with no
   * delete event to come, or keep its old contents when it was replaced (deleted and written
   * again, or rewritten with its change event lost). So a moment after a read that found the file,
   * past any batch it could share, it is looked at once more (one stat): gone, it is forgotten as
   * its delete event would; changed (mtime, size or creation time not those of the read), it is read
   * again as its change event would. When the stat cannot tell (`statCanTell`: an mtime within a
   * tick of the read or ahead of our clock), the bytes are read and their hash compared.
   */
  private verifySoon(uri: vscode.Uri, generation: number, seen: ReadStamp): void {
    const key = uri.toString();
    clearTimeout(this.verifyTimers.get(key));
    const timer = setTimeout(() => {
      this.verifyTimers.delete(key);
      void this.verify(uri, generation, seen);
    }, VERIFY_DELAY_MS);
    this.verifyTimers.set(key, timer);
  }

  private async verify(uri: vscode.Uri, generation: number, seen: ReadStamp): Promise<void> {
    const key = uri.toString();
    // Read or forgotten again since: that one is looked at on its own.
    const current = () => !this.isDisposed && this.generations.get(key) === generation;
    let changed: boolean | undefined;
    try {
      changed = changedSince(seen, await vscode.workspace.fs.stat(uri));
      if (changed === undefined && current()) changed = contentHash(await vscode.workspace.fs.readFile(uri)) !== seen.hash;
    } catch (e) {
      if (!current() || !(e instanceof vscode.FileSystemError) || e.code !== 'FileNotFound') return;
      this.log.info(`Sensitivity result ${displayPath(uri)} is gone (no delete event came)`);
      this.forget(uri);
      return;
    }
    if (!changed || !current()) return;
    this.log.info(`Sensitivity result ${displayPath(uri)} changed (no change event came): reading it again`);
    this.reread(uri);
  }

  private rescanTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rescanFolders = new Set<string>();
  private rescanAll = false;

  /** Searches `folder` (or the whole workspace) for result files again, after a short delay. */
  rescan(folder?: vscode.Uri): void {
    if (folder) this.rescanFolders.add(folder.toString());
    else this.rescanAll = true;
    if (this.rescanTimer !== undefined) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = undefined;
      const all = this.rescanAll;
      const folders = [...this.rescanFolders].map((f) => vscode.Uri.parse(f));
      this.rescanAll = false;
      this.rescanFolders.clear();
      const patterns: vscode.GlobPattern[] = all ? [...RESULT_GLOBS] : folders.map((f) => new vscode.RelativePattern(f, '**/{summary-sensitive-analysis.json,*.qdq-sensitivity.json}'));
      void Promise.all(
        patterns.map((p) =>
          vscode.workspace.findFiles(p, EXCLUDE, 200).then(
            (uris) => Promise.all(uris.filter((u) => !this.files.has(u.toString())).map((u) => this.read(u, 'found'))),
            () => undefined,
          ),
        ),
      );
    }, 300);
  }

  /** The initial workspace scan (started on first call, after activation). */
  scan(): Promise<void> {
    this.scanned ??= (async () => {
      for (const glob of RESULT_GLOBS) {
        let uris: vscode.Uri[] = [];
        try {
          uris = await vscode.workspace.findFiles(glob, EXCLUDE, 200);
        } catch (e) {
          this.log.warn(`Searching the workspace for ${glob} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        await Promise.all(uris.map((u) => this.read(u, 'found')));
      }
    })();
    return this.scanned;
  }

  all(): ResultFile[] {
    return [...this.files.values()];
  }

  get(uri: vscode.Uri | string): ResultFile | undefined {
    return this.files.get(uri.toString());
  }

  /** Reads and parses `uri` (never throws) and returns what it holds now. */
  read(uri: vscode.Uri, origin: ResultFile['origin']): Promise<ResultFile> {
    const key = uri.toString();
    // A read overtaken by a newer one (a watcher event and a command at once) answers with the newest.
    const p: Promise<ResultFile> = this.readNow(uri, origin).then((entry) => {
      const newer = this.inflight.get(key);
      return newer && newer !== p ? newer : (this.files.get(key) ?? entry);
    });
    this.inflight.set(key, p);
    void p.finally(() => this.inflight.get(key) === p && this.inflight.delete(key));
    return p;
  }

  private readonly inflight = new Map<string, Promise<ResultFile>>();

  private async readNow(uri: vscode.Uri, origin: ResultFile['origin']): Promise<ResultFile> {
    const key = uri.toString();
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const file = displayPath(uri);
    let state: ResultFileState;
    let seen: ReadStamp | undefined;
    try {
      const statAt = Date.now();
      const stat = await vscode.workspace.fs.stat(uri);
      seen = readStamp(stat, statAt);
      // A named pipe or a device would leave the read pending until a writer came.
      if (!(stat.type & vscode.FileType.File)) throw new Error(`${file}: not a regular file`);
      if (stat.size > MAX_BYTES) throw new Error(`${file}: too large for a sensitivity result (${stat.size} bytes)`);
      const bytes = await vscode.workspace.fs.readFile(uri);
      seen = readStamp(stat, statAt, bytes);
      const core = await sensitivityCore();
      try {
        state = { kind: 'loaded', result: core.parseSensitivityText(core.decodeResultBytes(bytes), file) };
      } catch (e) {
        if (!core.isSensitivityError(e)) throw e;
        state = { kind: 'error', message: e.message, ...(e.position ? { line: e.position.line, column: e.position.column } : {}) };
      }
    } catch (e) {
      const message = e instanceof vscode.FileSystemError ? `${file}: cannot read: ${e.message}` : e instanceof Error ? (e.message.startsWith(file) ? e.message : `${file}: ${e.message}`) : `${file}: ${String(e)}`;
      state = { kind: 'error', message };
    }
    const mtime = seen?.mtime ?? 0;
    if (this.isDisposed || this.generations.get(key) !== generation) return this.files.get(key) ?? { uri, readAt: Date.now(), mtime, origin, state };
    const entry: ResultFile = { uri, readAt: Date.now(), mtime, origin, state };
    this.files.set(key, entry);
    if (seen) this.verifySoon(uri, generation, seen);
    this.report(entry);
    this._onDidChange.fire();
    return entry;
  }

  /** Forgets every known result file inside the folder `uri` (which was deleted). */
  private forgetUnder(uri: vscode.Uri): void {
    const prefix = `${uri.toString()}/`;
    for (const key of [...this.files.keys()]) if (key.startsWith(prefix)) this.forget(vscode.Uri.parse(key));
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    if (!this.files.delete(key)) return;
    this.diagnostics.delete(uri);
    this.notified.delete(key);
    this._onDidChange.fire();
  }

  private report(entry: ResultFile): void {
    const key = entry.uri.toString();
    if (entry.state.kind === 'loaded') {
      this.diagnostics.delete(entry.uri);
      this.notified.delete(key);
      for (const w of entry.state.result.warnings) this.log.warn(w);
      this.log.info(`Read sensitivity result ${displayPath(entry.uri)}: ${entry.state.result.layers.length} layers (${entry.state.result.format})`);
      return;
    }
    const s = entry.state;
    this.log.warn(`Cannot use sensitivity result: ${s.message}`);
    if (s.line !== undefined) {
      const pos = new vscode.Position(Math.max(0, s.line - 1), Math.max(0, (s.column ?? 1) - 1));
      const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), s.message.replace(/^.*?:\d+:\d+: /, ''), vscode.DiagnosticSeverity.Error);
      d.source = 'QDQ Studio';
      this.diagnostics.set(entry.uri, [d]);
    } else {
      this.diagnostics.delete(entry.uri);
    }
    if (this.notified.get(key) !== s.message) {
      this.notified.set(key, s.message);
      void vscode.window.showWarningMessage(`QDQ Studio cannot use this sensitivity result: ${s.message}`);
    }
  }

  /** Diagnostics currently set (test hook). */
  diagnosticsOf(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }
}
