import * as vscode from 'vscode';

/**
 * An in-memory file system (a non-`file:` scheme, as a remote or virtual workspace has) for the
 * document tests: it counts the reads of each file, answers a stat with the file as it is when
 * answered, and can hold the stats of files and let them go all at once or one by one. What a
 * document does between two messages of VS Code, a look at the file in flight while the document
 * writes it, and how often a file is decoded become the test's.
 */
export class MemoryFs implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly reads = new Map<string, number>();
  private readonly waiting: (() => void)[] = [];
  private holding = false;
  private clock = Date.now();
  /** Files written so far. */
  writes = 0;
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;

  constructor(private readonly scheme: string) {}

  put(path: string, data: Uint8Array): vscode.Uri {
    this.files.set(path, { data, mtime: ++this.clock });
    return vscode.Uri.from({ scheme: this.scheme, path });
  }

  readsOf(uri: vscode.Uri): number {
    return this.reads.get(uri.path) ?? 0;
  }

  /** From now on a stat of a file (not of a folder) waits until it is let go. */
  hold(): void {
    this.holding = true;
  }

  /** How many stats wait. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Lets the stats after the first `kept` go, newest last; the first `kept` keep waiting. */
  releaseAfter(kept: number): void {
    for (const go of this.waiting.splice(kept)) go();
  }

  /** Stops holding and lets every waiting stat go, oldest first. */
  releaseAll(): void {
    this.holding = false;
    for (const go of this.waiting.splice(0)) go();
  }

  /** Says the file changed (as a touch would) without changing it. */
  touch(uri: vscode.Uri): void {
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    if (this.holding && this.files.has(uri.path)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const file = this.files.get(uri.path);
    if (file) return { type: vscode.FileType.File, ctime: 0, mtime: file.mtime, size: file.data.length };
    const prefix = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    if ([...this.files.keys()].some((p) => p.startsWith(prefix))) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const prefix = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    const names = new Map<string, vscode.FileType>();
    for (const p of this.files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? vscode.FileType.File : vscode.FileType.Directory);
    }
    return [...names];
  }

  createDirectory(): void {}

  readFile(uri: vscode.Uri): Uint8Array {
    const file = this.files.get(uri.path);
    if (!file) throw vscode.FileSystemError.FileNotFound(uri);
    this.reads.set(uri.path, (this.reads.get(uri.path) ?? 0) + 1);
    return file.data;
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    const existed = this.files.has(uri.path);
    this.files.set(uri.path, { data: content, mtime: ++this.clock });
    this.writes++;
    this.changes.fire([{ type: existed ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
  }

  delete(uri: vscode.Uri): void {
    this.files.delete(uri.path);
    this.changes.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  rename(oldUri: vscode.Uri, newUri: vscode.Uri): void {
    const file = this.files.get(oldUri.path);
    if (!file) throw vscode.FileSystemError.FileNotFound(oldUri);
    this.files.delete(oldUri.path);
    this.files.set(newUri.path, file);
  }
}
