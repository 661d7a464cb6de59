import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, editState, openReady, poll, requireModel, revertCloseAndClean, sleep, waitEditState, type EditOutcome } from './support';

const CONV = '/model.2/cv1/conv/Conv';
const SCHEME = 'qdq-own-write';

/**
 * An in-memory file system whose stats of a file can be held and let go one by one, and which
 * answers a stat with the file as it is when answered: a look at the file that is in flight while
 * the document writes it, the order of answers, and how often the file is read become the test's.
 */
class HeldStatFs implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly reads = new Map<string, number>();
  private readonly waiting: (() => void)[] = [];
  private holding = false;
  private clock = Date.now();
  writes = 0;
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;

  put(path: string, data: Uint8Array): vscode.Uri {
    this.files.set(path, { data, mtime: ++this.clock });
    return vscode.Uri.from({ scheme: SCHEME, path });
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
    return [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => [p.slice(prefix.length), vscode.FileType.File]);
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

suite('Document watch and our own save: a look at the file in flight while we write it', function () {
  this.timeout(120_000);
  const memFs = new HeldStatFs();
  let registration: vscode.Disposable | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    // code-server saves after a delay by default: the edit would be saved before the test's own save.
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    registration = vscode.workspace.registerFileSystemProvider(SCHEME, memFs, { isCaseSensitive: true });
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
    registration?.dispose();
  });
  teardown(async () => {
    memFs.releaseAll();
    await revertCloseAndClean([]);
  });

  test('is not taken for a change by someone else: no reload after the save, the file not read again, the history kept', async () => {
    const tiny = fs.readFileSync((await requireModel('models/tiny-qat-good.onnx')).fsPath);
    const uri = memFs.put('/own/model.onnx', tiny);
    await openReady(uri);
    assert.equal(memFs.readsOf(uri), 1, 'opening read the file more than once');
    const outcome = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: CONV });
    assert.equal(outcome.applied, true, outcome.message);
    await waitEditState(uri, true, 'dirty after the edit');
    await sleep(1000); // the watch's looks after the open are over

    // A change on disk the watch looks at: its stat of the file is held.
    memFs.hold();
    memFs.touch(uri);
    await poll('the watch to look at the file', 10_000, async () => (memFs.pending > 0 ? true : undefined));
    await sleep(500); // any other stat of the file that came with it
    const kept = memFs.pending;

    // The save: its own look before writing goes (held, then let go), it writes, and the read of the
    // new stamp is held; then every stat goes, the watch's first: it sees the file we wrote.
    const writesBefore = memFs.writes;
    const saving = vscode.workspace.save(uri);
    await poll('the save to write the file', 10_000, async () => {
      if (memFs.writes > writesBefore) return true;
      memFs.releaseAfter(kept);
      await sleep(50);
      return undefined;
    });
    await poll('the save to read the stamp of the file it wrote', 10_000, async () => (memFs.pending > kept ? true : undefined));
    memFs.releaseAll();
    await saving;

    await waitEditState(uri, false, 'clean after the save');
    await sleep(1500); // the watch looks again after the write (250 ms), and would reload
    const lines = ((await vscode.commands.executeCommand<{ message: string }[]>('qdqStudio.internal.logLines')) ?? []).map((l) => l.message).filter((m) => m.includes('/own/model.onnx'));
    assert.ok(!lines.some((l) => /changed on disk/.test(l)), `our own save was taken for a change on disk: ${JSON.stringify(lines.slice(-6))}`);
    assert.equal(memFs.readsOf(uri), 1, 'the file was read again after our own save');
    const state = await editState(uri);
    assert.deepEqual(state?.edits.length, 1, `the history was dropped: ${JSON.stringify(state)}`);
  });
});
