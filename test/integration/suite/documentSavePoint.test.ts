import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import { EXTENSION_ID, copyToScratch, editState, openReady, poll, requireModel, tabOf, waitEditState, workbench, workspaceFile, type Notice, type EditOutcome, nodesOf, readsFloatWeight, revertCloseAndClean, disable, save, savesByHand, editSaveUndo } from './support';

/** What the documents showed the user (src/editor/notices.ts Notice), seen by the test hook in place of VS Code. */
const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';



/**
 * VS Code 1.100 keeps a custom editor's save point as an index into its edit stack: after edit A,
 * save, undo, a new edit B takes A's place on the stack, so the index points at B and the tab
 * would show clean while the file still holds A and the document does not (closing it would not
 * ask to save). These tests follow that sequence to the tab and to the file.
 */
suite('Document save point: a new edit after undoing past the save', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];

  /**
   * Edit A (disable CONV), save, Ctrl+Z, edit B (disable OTHER_CONV), then Ctrl+Z and Ctrl+Y of B:
   * the tab is dirty at each step. The round trip also makes sure VS Code has taken B onto its
   * stack before the last look (its undo reaches B), so a tab seen dirty only because VS Code had
   * not got B yet does not pass. Returns the node counts of the file and of the document with B.
   */
  async function undoSavedThenEdit(uri: vscode.Uri): Promise<{ saved: number; withB: number }> {
    const original = await openReady(uri);
    await disable(uri, CONV);
    const saved = (await waitEditState(uri, true, 'dirty after edit A')).nodeCount!;
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    assert.ok(readsFloatWeight(uri.fsPath, CONV), 'the save did not write edit A');
    await workbench('undo');
    await waitEditState(uri, true, 'Ctrl+Z of the saved edit A: dirty', (s) => s.edits.length === 0 && s.nodeCount === original);

    await disable(uri, OTHER_CONV);
    const b = [`Disable quantization of ${OTHER_CONV}`];
    const withB = await waitEditState(uri, true, 'edit B after undoing the saved edit: dirty (the file has A, the document has B)', (s) => s.edits.join() === b.join());
    await workbench('undo');
    await waitEditState(uri, true, 'Ctrl+Z of B: dirty (the file has A)', (s) => s.edits.length === 0 && s.nodeCount === original);
    await workbench('redo');
    await waitEditState(uri, true, 'Ctrl+Y of B: dirty (the file has A, the document has B)', (s) => s.edits.join() === b.join() && s.nodeCount === withB.nodeCount);
    return { saved, withB: withB.nodeCount! };
  }

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  teardown(async () => {
    await revertCloseAndClean(scratch);
  });

  test('edit, save, Ctrl+Z, another edit: the tab stays dirty, and the save writes the new state (the other edit, not the undone one)', async () => {
    const uri = await copyToScratch('tiny-qat-good.onnx', 'scratch-savepoint-save.onnx', scratch);
    const { withB } = await undoSavedThenEdit(uri);
    await save(uri);
    await waitEditState(uri, false, 'clean after saving B', (s) => s.nodeCount === withB);
    assert.ok(readsFloatWeight(uri.fsPath, OTHER_CONV), 'the file lacks edit B');
    assert.ok(!readsFloatWeight(uri.fsPath, CONV), 'the file still holds the undone edit A');
  });

  test('edit, save, Ctrl+Z, another edit: Revert goes back to the file (edit A in effect), clean', async () => {
    const uri = await copyToScratch('tiny-qat-good.onnx', 'scratch-savepoint-revert.onnx', scratch);
    const { saved } = await undoSavedThenEdit(uri);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitEditState(uri, false, 'Revert: back to the file, clean', (s) => s.nodeCount === saved);
    const state = await editState(uri);
    assert.deepEqual(state?.backupLog, [], 'the document still has unsaved edits after the revert');
    assert.ok(readsFloatWeight(uri.fsPath, CONV) && !readsFloatWeight(uri.fsPath, OTHER_CONV), 'the revert wrote the file');
  });

  test('a model whose edits cannot be written as an edit log, renamed after edit, save, Ctrl+Z, another edit: at the new name, Ctrl+Z of that edit leaves the tab dirty (the file still has the first edit)', async () => {
    // The recipe of documentEdges' unwritable log: an unnamed model, a saved disable undone past
    // the save point, then a removal of the very pair the undo brought back. The rename lends the
    // model and history to the editor at the new name, whose VS Code stack starts empty: its save
    // point is "no edits", which is not the state of the file there.
    const source = await requireModel('models/tiny-qat-good.onnx');
    const m = onnx.ModelProto.decode(fs.readFileSync(source.fsPath));
    for (const n of m.graph!.node!) n.name = '';
    const uri = workspaceFile('models/scratch-savepoint-unwritable.onnx');
    const renamed = workspaceFile('models/scratch-savepoint-unwritable-renamed.onnx');
    scratch.push(uri, renamed);
    await vscode.workspace.fs.writeFile(uri, onnx.ModelProto.encode(m).finish());
    const nodes = m.graph!.node!;
    const convIndex = nodes.findIndex((n) => n.opType === 'Conv' && nodes.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === n.input![0]));
    const dq = nodes.findIndex((n) => n.output![0] === nodes[convIndex]!.input![0]);
    const q = nodes.findIndex((n) => n.output![0] === nodes[dq]!.input![0]);
    assert.equal(nodes[q]!.opType, 'QuantizeLinear');
    const original = await openReady(uri);
    await disable(uri, `Conv#${convIndex}`);
    await waitEditState(uri, true, 'dirty after the disable');
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    const saved = nodesOf(uri.fsPath).length;
    await workbench('undo');
    await waitEditState(uri, true, 'dirty after undoing the saved edit', (s) => s.nodeCount === original);
    const removed = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.removeQdq', { uri: uri.toString(), quantize: `QuantizeLinear#${q}`, dequantize: `DequantizeLinear#${dq}` });
    assert.equal(removed.applied, true, removed.message);
    const before = await waitEditState(uri, true, 'dirty with the removal', (s) => s.edits.length === 1);
    assert.deepEqual(before.backupLog, [], 'the edit log can be written: the test does not reach the case');

    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    await waitEditState(renamed, true, 'the renamed editor dirty with the removal', (s) => s.edits.length === 1 && s.nodeCount === before.nodeCount);
    assert.equal(nodesOf(renamed.fsPath).length, saved, 'the renamed file is not the saved one');
    await workbench('undo');
    await waitEditState(renamed, true, 'Ctrl+Z of the removal: dirty (the file has the disable, the document neither)', (s) => s.edits.length === 0 && s.nodeCount === original);
    await save(renamed);
    await waitEditState(renamed, false, 'clean after the save');
    assert.equal(nodesOf(renamed.fsPath).length, original, 'the save did not write the state without the disable');
  });

  test('edit, save, Ctrl+Z, then the file the model reads is rewritten: Reload and Re-apply Edits keeps the tab dirty, and the save writes the re-applied state', async () => {
    // After the save the model reads the file it replaced, which a hard link keeps: a rewrite of that
    // one (its mtime) makes the next save fail and offer to reload and re-apply the edits.
    const uri = await copyToScratch('tiny-qat-good.onnx', 'scratch-savepoint-reapply.onnx', scratch);
    const kept = workspaceFile('models/scratch-savepoint-reapply-kept.onnx');
    scratch.push(kept);
    fs.linkSync(uri.fsPath, kept.fsPath);
    const seen: Notice[] = [];
    const hooked = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.answerNotices', (n: Notice) => {
      seen.push(n);
      return n.actions.includes('Reload and Re-apply Edits') ? 'Reload and Re-apply Edits' : undefined;
    });
    assert.equal(hooked, true, 'the test hook qdqStudio.internal.answerNotices is missing (is the extension host in test mode?)');
    const original = await openReady(uri);
    await editSaveUndo(uri, original, CONV);

    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(kept.fsPath, past, past);
    await save(uri); // fails: the model's file was rewritten; the offer is taken
    const withUndo = await poll('the re-applied undo of A (the file has A)', 20_000, async () => {
      const s = await editState(uri);
      return s?.isDirty && s.edits.length === 1 ? s : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; notices seen: ${JSON.stringify(seen)}`);
    });
    assert.deepEqual(withUndo.edits, [`Enable quantization of ${CONV}`], 'the re-applied edit is not the undo of A');
    // Ctrl+Z and Ctrl+Y of the re-applied edit: VS Code has it on its stack before the look.
    await workbench('undo');
    await poll('Ctrl+Z of the re-applied edit', 20_000, async () => ((await editState(uri))?.edits.length === 0 ? true : undefined));
    await workbench('redo');
    await waitEditState(uri, true, 'Ctrl+Y of the re-applied edit: dirty (the file has A, the document does not)', (s) => s.edits.length === 1 && s.nodeCount === withUndo.nodeCount);
    assert.equal(tabOf(uri)?.isDirty, true);
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    assert.ok(!readsFloatWeight(uri.fsPath, CONV), 'the save did not write the state without A');
  });
});
