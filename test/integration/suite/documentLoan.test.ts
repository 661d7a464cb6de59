import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import { EXTENSION_ID, closeAllEditors, editState, openReady, poll, requireModel, waitEditState, workbench, workspaceFile, type EditState, type Notice, type EditOutcome, revertCloseAndClean } from './support';

/** What the documents showed the user (src/editor/notices.ts Notice), seen by the test hook in place of VS Code. */

/**
 * The open file descriptors of this process (the extension host, where the tests and the
 * documents' FileSources both live) on `file`, also once it was deleted or replaced (a save by
 * rename leaves the model reading the old file, which Linux then shows as "<path> (deleted)").
 */
function handlesOn(file: string): number {
  const wanted = [file, `${file} (deleted)`];
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (wanted.includes(fs.readlinkSync(`/proc/self/fd/${fd}`))) count++;
    } catch {
      // closed between the listing and the look
    }
  }
  return count;
}

/**
 * A model whose rename lends its model and history (RenamedEdits, ModelLoan): the unsaved edits of
 * an editor on an unnamed model cannot be written as an edit log. These tests follow the lent model
 * to where it is closed (its file descriptor, seen in /proc/self/fd) and what the user is told.
 */
suite('Document rename loan: a lent model not taken, a revert while lent, the taken model\'s file name', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];
  const seen: Notice[] = [];

  /** The recipe of documentEdges' unwritable log: an unnamed model, a saved disable undone past the save point, then a removal of the very pair the undo brought back. */
  async function dirtyWithUnwritableLog(uri: vscode.Uri, afterWrite?: () => void): Promise<{ original: number; before: EditState }> {
    const source = await requireModel('models/tiny-qat-good.onnx');
    const m = onnx.ModelProto.decode(fs.readFileSync(source.fsPath));
    for (const n of m.graph!.node!) n.name = '';
    await vscode.workspace.fs.writeFile(uri, onnx.ModelProto.encode(m).finish());
    afterWrite?.();
    const nodes = m.graph!.node!;
    const convIndex = nodes.findIndex((n) => n.opType === 'Conv' && nodes.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === n.input![0]));
    const dq = nodes.findIndex((n) => n.output![0] === nodes[convIndex]!.input![0]);
    const q = nodes.findIndex((n) => n.output![0] === nodes[dq]!.input![0]);
    assert.equal(nodes[q]!.opType, 'QuantizeLinear');
    const original = await openReady(uri);
    const disabled = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: `Conv#${convIndex}` });
    assert.equal(disabled.applied, true, disabled.message);
    await waitEditState(uri, true, 'dirty after the disable');
    await vscode.workspace.save(uri).then(undefined, () => undefined);
    await waitEditState(uri, false, 'clean after the save');
    await workbench('undo');
    await waitEditState(uri, true, 'dirty after undoing the saved edit', (s) => s.nodeCount === original);
    const removed = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.removeQdq', { uri: uri.toString(), quantize: `QuantizeLinear#${q}`, dequantize: `DequantizeLinear#${dq}` });
    assert.equal(removed.applied, true, removed.message);
    const before = await waitEditState(uri, true, 'dirty with the removal', (s) => s.edits.length === 1);
    assert.deepEqual(before.backupLog, [], 'the edit log can be written: the test does not reach the case');
    return { original, before };
  }

  async function waitHandles(file: string, count: number, what: string): Promise<void> {
    await poll(what, 20_000, async () => (handlesOn(file) === count ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}: ${handlesOn(file)} open descriptors on ${file}`);
    });
  }

  suiteSetup(async function () {
    if (process.platform !== 'linux') return this.skip(); // the descriptors are read from /proc/self/fd
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
  });
  setup(async () => {
    seen.length = 0;
    const hooked = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.answerNotices', (n: Notice) => {
      seen.push(n);
      return undefined;
    });
    assert.equal(hooked, true, 'the test hook qdqStudio.internal.answerNotices is missing (is the extension host in test mode?)');
  });
  teardown(async () => {
    await revertCloseAndClean(scratch);
  });

  test('renamed, but the file at the new name is not the one the model was read from: the editor there reads it, the lent model is closed, and the user is told the edits are lost', async () => {
    const uri = workspaceFile('models/scratch-loan-touched.onnx');
    const renamed = workspaceFile('models/scratch-loan-touched-renamed.onnx');
    scratch.push(uri, renamed);
    await dirtyWithUnwritableLog(uri);
    const file = fs.realpathSync(uri.fsPath);
    assert.equal(handlesOn(file), 1, 'the document does not read its model through one descriptor');
    // The file changes on disk under the edits (its mtime: a copy+delete move, another tool's
    // write): the editor at the new name cannot take the model read from what was there before.
    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(uri.fsPath, past, past);

    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    await waitEditState(renamed, false, 'the editor at the new name showing its file, clean', (s) => s.edits.length === 0 && s.nodeCount !== undefined);
    const notice = await poll('the warning that the unsaved edits could not be carried over', 20_000, async () => seen.find((n) => /could not be carried/.test(n.message))).catch((e: Error) => {
      throw new Error(`${e.message}; notices seen: ${JSON.stringify(seen)}`);
    });
    assert.equal(notice.kind, 'warning');
    assert.ok(notice.message.includes(uri.fsPath) && notice.message.includes(renamed.fsPath), notice.message);
    // The model read from the old name (its descriptor shows that name: the save replaced the file) is closed.
    await waitHandles(file, 0, 'the lent model to be closed');
  });

  test('a rename that fails after the model was lent, then Revert and close: the model the revert read is closed with the document', async () => {
    const uri = workspaceFile('models/scratch-loan-failed-rename.onnx');
    const notAFolder = workspaceFile('models/scratch-loan-not-a-folder');
    scratch.push(uri, notAFolder);
    fs.writeFileSync(notAFolder.fsPath, 'a file where the rename wants a folder');
    await dirtyWithUnwritableLog(uri);
    const file = fs.realpathSync(uri.fsPath);

    // workspace.onWillRenameFiles runs (the model is lent for a minute), then the move fails.
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, vscode.Uri.joinPath(notAFolder, 'moved.onnx'));
    assert.equal(await vscode.workspace.applyEdit(edit), false, 'the rename into a file did not fail');
    assert.ok(fs.existsSync(uri.fsPath), 'the model moved');
    // VS Code marked the tab clean before the move (a soft revert of its dirty working copies):
    // Ctrl+Z of the removal marks it again (the document is dirty: the file has the disable).
    await workbench('undo');
    await waitEditState(uri, true, 'dirty after Ctrl+Z of the removal', (s) => s.edits.length === 0);

    // Revert: the save point left the history, so the file is read again (a new model, a new descriptor).
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitEditState(uri, false, 'clean after the revert', (s) => s.edits.length === 0);
    await waitHandles(file, 1, 'the revert to close the model it replaced');
    await closeAllEditors();
    await poll('the document to close', 20_000, async () => ((await editState(uri)) === undefined ? true : undefined));
    await waitHandles(file, 0, 'the model read by the revert to be closed with its document');
  });

  test('a taken-over model names the file by its new path (a read that finds the file rewritten says where)', async () => {
    const uri = workspaceFile('models/scratch-loan-name.onnx');
    const renamed = workspaceFile('models/scratch-loan-name-renamed.onnx');
    // The file the model reads after the save (which replaces the file by rename), kept by a hard link.
    const kept = workspaceFile('models/scratch-loan-name-kept.onnx');
    scratch.push(uri, renamed, kept);
    await dirtyWithUnwritableLog(uri, () => fs.linkSync(uri.fsPath, kept.fsPath));
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    await waitEditState(renamed, true, 'the renamed editor dirty with the removal', (s) => s.edits.length === 1);

    // The file the model reads is rewritten (its mtime): the scales no longer read, and the
    // analysis after the next change says so in the Problems panel, naming the file.
    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(kept.fsPath, past, past);
    await workbench('undo');
    const messages = await poll('a finding that a scale could not be read', 20_000, async () => {
      const found = vscode.languages.getDiagnostics(renamed).map((d) => d.message).filter((m) => /could not be read/.test(m));
      return found.length > 0 ? found : undefined;
    });
    for (const m of messages) {
      assert.ok(m.includes(renamed.fsPath), `the message does not name the file at its new path: ${m}`);
      assert.ok(!m.includes(uri.fsPath), `the message names the file at its old path: ${m}`);
    }
  });
});
