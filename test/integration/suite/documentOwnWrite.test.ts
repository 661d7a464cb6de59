import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, editState, openReady, poll, requireModel, revertCloseAndClean, sleep, waitEditState, type EditOutcome, savesByHand } from './support';
import { MemoryFs } from './memoryFs';

const CONV = '/model.2/cv1/conv/Conv';
const SCHEME = 'qdq-own-write';

suite('Document watch and our own save: a look at the file in flight while we write it', function () {
  this.timeout(120_000);
  const memFs = new MemoryFs(SCHEME);
  let registration: vscode.Disposable | undefined;

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    registration = vscode.workspace.registerFileSystemProvider(SCHEME, memFs, { isCaseSensitive: true });
  });
  suiteTeardown(async () => {
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
