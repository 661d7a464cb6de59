import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { makeTempDir, removeTempDirs } from '../../support/tempDir';
import { EXTENSION_ID, VIEW_TYPE, copyToScratch, editState, openReady, poll, requireModel, waitEditState, waitForOurEditor, workbench, workspaceFile, type Notice, type EditOutcome, nodesOf, readsFloatWeight, revertCloseAndClean, disable, save, savesByHand } from './support';

/** What the documents showed the user (src/editor/notices.ts Notice), seen by the test hook in place of VS Code. */
const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';
const REAPPLY = 'Reload and Re-apply Edits';

const waitState = waitEditState;



suite('Document lifecycle: files changed, renamed, saved elsewhere, reverted', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];
  const seen: Notice[] = [];
  let answer: (n: Notice) => string | undefined | Promise<string | undefined> = () => undefined;

  const scratchCopy = (model: string, name: string): Promise<vscode.Uri> => copyToScratch(model, name, scratch);
  const open = openReady;

  /** VS Code's save of the editor of `uri` (a failed save resolves too: VS Code shows the failure). */
  function noticesLike(pattern: RegExp): Notice[] {
    return seen.filter((n) => pattern.test(n.message));
  }

  async function waitNotice(pattern: RegExp, what: string): Promise<Notice> {
    try {
      return await poll(what, 20_000, async () => noticesLike(pattern)[0]);
    } catch (e) {
      throw new Error(`${(e as Error).message}; notices seen: ${JSON.stringify(seen)}`);
    }
  }

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    // The notice hook is registered at activation (it is no palette command that would activate us).
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  suiteTeardown(async () => {
    removeTempDirs();
  });
  setup(async () => {
    seen.length = 0;
    answer = () => undefined;
    const hooked = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.answerNotices', (n: Notice) => {
      seen.push(n);
      return answer(n);
    });
    assert.equal(hooked, true, 'the test hook qdqStudio.internal.answerNotices is missing (is the extension host in test mode?)');
  });
  teardown(async () => {
    await revertCloseAndClean(scratch);
  });

  test('a file rewritten in place under unsaved edits: said once; the save offers "Reload and Re-apply Edits", after which the document is dirty and the next save writes the new model plus the edit', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-inplace.onnx');
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');

    // Another tool writes another model over the same file (same inode: cp, onnx.save).
    const other = await requireModel('models/tiny-qat-defects.onnx');
    const otherBytes = fs.readFileSync(other.fsPath);
    const inode = fs.statSync(uri.fsPath).ino;
    fs.writeFileSync(uri.fsPath, otherBytes);
    assert.equal(fs.statSync(uri.fsPath).ino, inode, 'the test rewrites the file in place');

    const said = await waitNotice(/rewritten on disk while it has unsaved edits/, 'the warning that the file was rewritten under the edits');
    assert.equal(said.kind, 'warning');
    assert.ok(said.message.includes(uri.fsPath), said.message);
    assert.deepEqual(said.actions, [REAPPLY, 'Export Plan…']);

    // The save cannot use the file any more: it writes nothing and offers the re-apply, which is taken.
    answer = (n) => (/cannot be saved/.test(n.message) ? REAPPLY : undefined);
    await save(uri);
    const offer = await waitNotice(/cannot be saved/, 'the save to offer "Reload and Re-apply Edits"');
    assert.ok(offer.message.includes(uri.fsPath), offer.message);
    assert.deepEqual(offer.actions, [REAPPLY, 'Export Plan…']);
    assert.equal(noticesLike(/overwrite/i).length, 0, `the save asked to overwrite: ${JSON.stringify(seen)}`);

    // Re-applied on the new contents: dirty, the edit in effect, the model is the other one.
    const otherCount = nodesOf(other.fsPath).length;
    const reapplied = await waitState(uri, true, 'the edit re-applied on the new contents', (s) => s.edits.length === 1 && s.nodeCount! < otherCount);
    assert.deepEqual(reapplied.edits, [`Disable quantization of ${CONV}`]);
    assert.ok(fs.readFileSync(uri.fsPath).equals(otherBytes), 'the failed save or the reload wrote the file');

    await save(uri);
    await waitState(uri, false, 'the second save to make it clean');
    const saved = nodesOf(uri.fsPath);
    assert.equal(saved.length, reapplied.nodeCount);
    assert.ok(saved.some((n) => n.name === '/model.3/cv1/conv/_dangling_quantizer/QuantizeLinear'), 'the saved file is not the new model (its dangling quantizer is missing)');
    assert.ok(readsFloatWeight(uri.fsPath, CONV), 'the edit is not in the saved file');
    assert.equal(noticesLike(/rewritten on disk while it has unsaved edits/).length, 1, `said more than once: ${JSON.stringify(seen)}`);
  });

  test('saves failing one after another over a file rewritten in place (auto save) show one offer at a time, not a stack of them', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-offers.onnx');
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');
    const other = await requireModel('models/tiny-qat-defects.onnx');
    fs.writeFileSync(uri.fsPath, fs.readFileSync(other.fsPath));
    await waitNotice(/rewritten on disk while it has unsaved edits/, 'the watcher\'s warning');
    // The user has not answered the offer yet (it stays open) while more saves fail.
    answer = (n) => (/cannot be saved/.test(n.message) ? new Promise<undefined>(() => undefined) : undefined);
    for (let i = 0; i < 3; i++) await save(uri);
    await waitNotice(/cannot be saved/, 'the offer');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(noticesLike(/cannot be saved/).length, 1, `offers stacked: ${JSON.stringify(seen)}`);
  });

  test('re-applying onto a file that cannot be read (still being written, gone) keeps the edits: said, nothing reloaded, the tab stays dirty', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-unreadable.onnx');
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');
    // The exporter has written only the start of the new model so far (in place).
    const good = fs.readFileSync(uri.fsPath);
    fs.writeFileSync(uri.fsPath, good.subarray(0, 100));
    // The offer is taken; the notice that the edits are kept stays open (not answered yet).
    answer = (n) => (/cannot be saved/.test(n.message) ? REAPPLY : /are kept/.test(n.message) ? new Promise<undefined>(() => undefined) : undefined);
    await save(uri);
    const kept = await waitNotice(/unsaved edits are kept: the file cannot be read now/, 'the re-apply to say the edits are kept');
    // More saves failing meanwhile (auto save) add no offer while that one is open.
    for (let i = 0; i < 2; i++) await save(uri);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(noticesLike(/cannot be saved|are kept/).length, 2, `offers stacked: ${JSON.stringify(seen)}`);
    assert.ok(kept.message.includes(uri.fsPath), kept.message);
    assert.deepEqual(kept.actions, [REAPPLY, 'Export Plan…']);
    const state = await waitState(uri, true, 'still dirty, with its edit');
    assert.deepEqual(state.edits, [`Disable quantization of ${CONV}`]);
    assert.equal(noticesLike(/could not be re-applied and (was|were) dropped/).length, 0, `edits dropped: ${JSON.stringify(seen)}`);
  });

  test('re-applied edits that no longer fit are said (file named, the refusal, "Show Log"), and with none left the tab is clean and nothing is written', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-dropped.onnx');
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');
    const fp32 = fs.readFileSync((await requireModel('models/tiny-fp32.onnx')).fsPath); // no Q/DQ to disable
    fs.writeFileSync(uri.fsPath, fp32);
    await waitNotice(/rewritten on disk while it has unsaved edits/, 'the warning that the file was rewritten');

    answer = (n) => (/cannot be saved/.test(n.message) ? REAPPLY : undefined);
    await save(uri);
    const dropped = await waitNotice(/could not be re-applied/, 'the warning naming the edits that did not apply');
    assert.equal(dropped.kind, 'warning');
    assert.ok(dropped.message.includes(uri.fsPath), dropped.message);
    assert.match(dropped.message, /The unsaved edit could not be re-applied and was dropped: .+/);
    assert.deepEqual(dropped.actions, ['Show Log']);
    const state = await waitState(uri, false, 'the tab clean: nothing is unsaved', (s) => s.edits.length === 0);
    assert.equal(state.nodeCount, nodesOf(uri.fsPath).length);
    assert.ok(fs.readFileSync(uri.fsPath).equals(fp32), 'the file was written');
  });

  test('a dirty model renamed (WorkspaceEdit.renameFile, as the Explorer does): the editor at the new name keeps the edits, dirty, and saves them there', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-rename.onnx');
    const renamed = workspaceFile('models/scratch-lifecycle-renamed.onnx');
    scratch.push(renamed);
    const count = await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');

    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    const state = await waitState(renamed, true, 'the renamed editor dirty with the edit', (s) => s.edits.length === 1);
    assert.deepEqual(state.edits, [`Disable quantization of ${CONV}`]);
    assert.ok(state.nodeCount! < count);
    assert.equal(seen.length, 0, JSON.stringify(seen));

    await save(renamed);
    await waitState(renamed, false, 'the save to make it clean');
    assert.ok(readsFloatWeight(renamed.fsPath, CONV), 'the edit is not in the renamed file');
  });

  test('a rename that fails (its target exists) carries nothing: the file already at that name opens clean, without the other file\'s edits', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-rename-fails.onnx');
    const existing = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-rename-taken.onnx');
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, existing, { overwrite: false });
    assert.equal(await vscode.workspace.applyEdit(edit), false, 'the rename onto an existing file should fail');
    assert.ok(fs.existsSync(uri.fsPath), 'the file was not renamed');
    await open(existing);
    await new Promise((r) => setTimeout(r, 1000));
    const state = await editState(existing);
    assert.equal(state?.isDirty, false, `the file at the target name took the edits of the file that was not renamed: ${JSON.stringify(state)}`);
    assert.deepEqual(state?.edits, []);
  });

  test('a dirty model in a renamed folder keeps its edits too', async () => {
    const folder = workspaceFile('models/scratch-lifecycle-folder');
    const moved = workspaceFile('models/scratch-lifecycle-folder-moved');
    scratch.push(folder, moved);
    const uri = vscode.Uri.joinPath(folder, 'model.onnx');
    await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
    await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');

    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(folder, moved);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    const target = vscode.Uri.joinPath(moved, 'model.onnx');
    await waitState(target, true, 'the moved editor dirty with the edit', (s) => s.edits.length === 1);
    await save(target);
    await waitState(target, false, 'the save to make it clean');
    assert.ok(readsFloatWeight(target.fsPath, CONV), 'the edit is not in the moved file');
  });

  test('Save As another file takes the edits there; the source goes back to its file on disk, and its next save does not write them into it', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-source.onnx');
    const copy = workspaceFile('models/scratch-lifecycle-copy.onnx');
    scratch.push(copy);
    const count = await open(uri);
    await disable(uri, CONV);
    await waitState(uri, true, 'dirty after the edit');

    const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', uri.toString(), copy.fsPath, async () => undefined);
    assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save');
    assert.ok(readsFloatWeight(copy.fsPath, CONV), 'the copy lacks the edit');
    const source = await poll('the source document back to its file', 20_000, async () => {
      const s = await editState(uri);
      return s && !s.isDirty && s.edits.length === 0 && s.nodeCount === count ? s : undefined;
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}; the source document: ${JSON.stringify(await editState(uri))}`);
    });
    assert.equal(source.nodeCount, count);

    // Another edit, saved: the file gets that one only.
    await disable(uri, OTHER_CONV);
    await save(uri);
    await waitState(uri, false, 'the save to make it clean');
    assert.ok(readsFloatWeight(uri.fsPath, OTHER_CONV), 'the new edit is not in the file');
    assert.ok(!readsFloatWeight(uri.fsPath, CONV), 'the edit saved to the copy was written into the source too');
  });

  test('revert of a file unchanged since its save goes back to the save point: Ctrl+Z then undoes the saved edit, Ctrl+Y redoes it', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-revert.onnx');
    const original = await open(uri);
    await disable(uri, CONV);
    const edited = await waitState(uri, true, 'dirty after the first edit');
    await save(uri);
    await waitState(uri, false, 'clean after the save');
    await disable(uri, OTHER_CONV);
    const twice = await waitState(uri, true, 'dirty after the second edit', (s) => s.edits.length === 2);
    assert.ok(twice.nodeCount! < edited.nodeCount!);

    await vscode.commands.executeCommand('workbench.action.files.revert');
    const reverted = await waitState(uri, false, 'revert to the saved state', (s) => s.nodeCount === edited.nodeCount);
    assert.deepEqual(reverted.edits, [`Disable quantization of ${CONV}`]);

    await workbench('undo');
    await waitState(uri, true, 'Ctrl+Z after revert to undo the saved edit', (s) => s.nodeCount === original && s.edits.length === 0);
    await workbench('redo');
    await waitState(uri, false, 'Ctrl+Y to redo it: the saved state, clean', (s) => s.nodeCount === edited.nodeCount);
  });

  test('"Copy Data File" after Save As into another folder: the copy\'s editor stops reporting the data file missing', async () => {
    const root = makeTempDir('qdq-lifecycle-data');
    const written = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).writeFile(path.join(root, 'original', 'model.onnx'), { external: { location: 'w.bin' } });
    fs.mkdirSync(path.join(root, 'copy'));
    const model = vscode.Uri.file(written.modelPath);
    const target = vscode.Uri.file(path.join(root, 'copy', 'model.onnx'));
    await open(model);
    const missing = (): vscode.Diagnostic[] =>
      vscode.languages.getDiagnostics(target).filter((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)) === 'external-data');

    // Before answering the offer, the copy is open (as VS Code opens it after Save As) and says w.bin is missing.
    const prompt = async (_message: string, ...actions: string[]): Promise<string | undefined> => {
      await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
      await waitForOurEditor(target);
      await poll('the copy to report w.bin missing', 30_000, async () => (missing().length > 0 ? true : undefined));
      return actions[0];
    };
    const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', model.toString(), target.fsPath, prompt);
    assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save');
    assert.ok(fs.existsSync(path.join(root, 'copy', 'w.bin')), 'w.bin was not copied');
    await poll('the copy\'s "external-data" problem to go', 30_000, async () => (missing().length === 0 ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}; still: ${missing().map((d) => d.message).join(' | ')}`);
    });
  });

  test('saving a model opened through a link says the link was replaced by a file and the linked file is unchanged', async function () {
    if (process.platform === 'win32') return this.skip(); // symbolic links need extra rights there
    const real = await scratchCopy('tiny-qat-good.onnx', 'scratch-lifecycle-real.onnx');
    const link = workspaceFile('models/scratch-lifecycle-link.onnx');
    scratch.push(link);
    fs.rmSync(link.fsPath, { force: true });
    fs.symlinkSync(path.basename(real.fsPath), link.fsPath);
    const before = fs.readFileSync(real.fsPath);
    await open(link);
    await disable(link, CONV);
    await waitState(link, true, 'dirty after the edit');
    await save(link);
    await waitState(link, false, 'clean after the save');
    const said = await waitNotice(/replaced the link/, 'the message that the save replaced the link');
    assert.equal(said.kind, 'info');
    assert.ok(said.message.includes(link.fsPath), said.message);
    assert.ok(said.message.includes(real.fsPath) || said.message.includes(path.basename(real.fsPath)), said.message);
    assert.ok(!fs.lstatSync(link.fsPath).isSymbolicLink(), 'the link is still a link');
    assert.ok(fs.readFileSync(real.fsPath).equals(before), 'the linked file changed');
    assert.ok(readsFloatWeight(link.fsPath, CONV));
    assert.equal(noticesLike(/replaced the link/).length, 1);
  });

  test('unsaved edits that cannot be written as an edit log (for hot exit) are said once, with Export Plan, not only logged', async () => {
    // An unnamed model; a saved disable undone past the save point, then a pair removal naming the
    // very Q/DQ the undo brought back: the log's inverse re-creates them under new names, so the
    // log cannot name them (core: EditSession.backupLog refuses rather than edit other nodes).
    const source = await requireModel('models/tiny-qat-good.onnx');
    const m = onnx.ModelProto.decode(fs.readFileSync(source.fsPath));
    for (const n of m.graph!.node!) n.name = '';
    const uri = workspaceFile('models/scratch-lifecycle-unwritable-log.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, onnx.ModelProto.encode(m).finish());
    const nodes = m.graph!.node!;
    const isQuantizedConv = (n: onnx.INodeProto) => n.opType === 'Conv' && nodes.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === n.input![0]);
    const convIndex = nodes.findIndex(isQuantizedConv);
    const conv = nodes[convIndex]!;
    const dq = nodes.findIndex((n) => n.output![0] === conv.input![0]);
    const q = nodes.findIndex((n) => n.output![0] === nodes[dq]!.input![0]);
    assert.equal(nodes[q]!.opType, 'QuantizeLinear');
    await open(uri);
    await disable(uri, `Conv#${convIndex}`);
    await waitState(uri, true, 'dirty after the disable');
    await save(uri);
    await waitState(uri, false, 'clean after the save');
    await workbench('undo');
    await waitState(uri, true, 'dirty after undoing the saved edit');
    const removed = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.removeQdq', { uri: uri.toString(), quantize: `QuantizeLinear#${q}`, dequantize: `DequantizeLinear#${dq}` });
    assert.equal(removed.applied, true, removed.message);
    // What a backup writes (the edit log), read twice: said once, with what keeps the edits.
    for (let i = 0; i < 2; i++) {
      const state = await vscode.commands.executeCommand<{ backupLog: unknown[] }>('qdqStudio.internal.editState', uri.toString());
      assert.deepEqual(state.backupLog, []);
    }
    const notice = await waitNotice(/cannot be kept for a restart of the window/, 'the unwritable edit log said');
    assert.match(notice.message, /scratch-lifecycle-unwritable-log\.onnx/);
    assert.deepEqual(notice.actions, ['Export Plan…']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(noticesLike(/cannot be kept for a restart/).length, 1, 'said once, not at every backup');
  });
});
