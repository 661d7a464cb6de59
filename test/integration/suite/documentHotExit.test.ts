import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, editState, nodesOf, openReady, poll, readsFloatWeight, requireModel, revertCloseAndClean, saveAsInDialog, tabsOf, waitEditState, waitForOurEditor, waitForReport, workspaceFile, type EditState, disable, savesByHand } from './support';
import { acrossRestart } from './windowRestart';

const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';

/** What a test carries over the restart: the model and its unsaved state as the window left it. */
interface BeforeRestart {
  readonly uri: string;
  /** Scratch files and folders to delete after the test. */
  readonly scratch: string[];
  /** The node count of the file (no edits). */
  readonly original: number;
  /** The convs whose quantization the edits disabled. */
  readonly targets: string[];
  /** The document's unsaved state when the window restarted (edit labels, edit log, node count). */
  readonly state: EditState;
}

/**
 * Hot exit, for real: the window restarts (windowRestart.ts) with a model edited and not saved;
 * VS Code backs the document up (our backup is its edit log, backup.ts) and, after the restart,
 * opens it again with that backup (`openCustomDocument` with a backup id): the tab is dirty from
 * the start, whatever VS Code's undo stack (empty) says, until a save or revert.
 */
suite('Hot exit: a model restored from its backup after a window restart', function () {
  this.timeout(180_000);
  const scratch: vscode.Uri[] = [];

  /** Edits `uri` (open: disables the quantization of `targets`) and says what the window leaves unsaved. */
  async function editUnsaved(uri: vscode.Uri, targets: string[], scratchPaths: vscode.Uri[]): Promise<BeforeRestart> {
    const original = (await editState(uri))?.nodeCount;
    assert.ok(original !== undefined, `${uri.path} is not open`);
    for (const target of targets) await disable(uri, target);
    const state = await waitEditState(uri, true, 'dirty with the edits before the restart', (s) => s.edits.length === targets.length);
    assert.ok(state.backupLog.length > 0, 'the edits cannot be written as an edit log: a backup would not keep them');
    // VS Code backs a dirty editor up a second or more after its last change. A restart before
    // that (the browser does not hold the reload for it without a user's gesture) would show the
    // tab dirty with no backup to restore: wait for the backup with these edits.
    await poll('VS Code to back the edits up', 30_000, async () => {
      const id = await vscode.commands.executeCommand<string | undefined>('qdqStudio.internal.lastBackup', uri.toString());
      if (id === undefined) return undefined;
      const backup = JSON.parse(fs.readFileSync(vscode.Uri.parse(id).fsPath, 'utf8')) as { edits: unknown[] };
      return JSON.stringify(backup.edits) === JSON.stringify(state.backupLog) ? true : undefined;
    });
    return { uri: uri.toString(), scratch: scratchPaths.map((u) => u.toString()), original, targets, state };
  }

  /** After the restart: the document open from its backup, dirty, with the edits, edit log and nodes it had; its file untouched. */
  async function restored(before: BeforeRestart): Promise<vscode.Uri> {
    const uri = vscode.Uri.parse(before.uri);
    scratch.push(...before.scratch.map((s) => vscode.Uri.parse(s)));
    await poll(`the editor of ${uri.path} restored`, 60_000, async () => (tabsOf(uri).length > 0 ? true : undefined));
    const state = await waitEditState(uri, true, 'restored from the backup: the tab and the document dirty, with the edits', (s) => s.edits.length === before.state.edits.length, 60_000);
    assert.deepEqual(state.edits, before.state.edits, 'the restored edits are not those of the backup');
    assert.deepEqual(state.backupLog, before.state.backupLog, 'the restored edit log is not the one backed up');
    assert.equal(state.nodeCount, before.state.nodeCount, 'the restored model does not have the edited nodes');
    assert.equal(nodesOf(uri.fsPath).length, before.original, 'the restore wrote the file');
    assert.ok(before.targets.every((t) => !readsFloatWeight(uri.fsPath, t)), 'the restore wrote the file');
    return uri;
  }

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    // The harness turns hot exit off (test/vscode-host/host.mjs); an application setting: user settings only.
    await vscode.workspace.getConfiguration('files').update('hotExit', 'onExit', vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('hotExit', 'off', vscode.ConfigurationTarget.Global);
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await revertCloseAndClean(scratch);
  });

  test('the restored document has the backup\'s edits (its nodes, shown in the graph), and a plain Save writes them', async () => {
    const before = await acrossRestart('hot-exit-save', async () => {
      const uri = workspaceFile('models/scratch-hotexit-save.onnx');
      await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
      await openReady(uri);
      return editUnsaved(uri, [CONV, OTHER_CONV], [uri]);
    });
    const uri = await restored(before);
    await waitForOurEditor(uri);
    const shown = await waitForReport(uri);
    assert.equal(shown.nodeCount, before.state.nodeCount, 'the graph does not show the restored nodes');

    await vscode.workspace.save(uri);
    await waitEditState(uri, false, 'clean after the save');
    assert.ok(readsFloatWeight(uri.fsPath, CONV) && readsFloatWeight(uri.fsPath, OTHER_CONV), 'the save did not write the restored edits');
    assert.equal(nodesOf(uri.fsPath).length, before.state.nodeCount, 'the saved file is not the restored model');
  });

  test('Save As to another file through VS Code\'s dialog, the source open in two groups: the copy holds the edits and opens clean, the source\'s tab left open is clean, its file unchanged', async () => {
    const before = await acrossRestart('hot-exit-save-as', async () => {
      const folder = workspaceFile('models/scratch-hotexit-saveas');
      const uri = vscode.Uri.joinPath(folder, 'source.onnx');
      const copy = vscode.Uri.joinPath(folder, 'z-copy.onnx');
      await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
      await vscode.workspace.fs.writeFile(copy, new TextEncoder().encode('to be overwritten'));
      await openReady(uri);
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, vscode.ViewColumn.Two);
      await poll('the source in two groups', 15_000, async () => (tabsOf(uri).length === 2 ? true : undefined));
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, vscode.ViewColumn.One);
      await waitForOurEditor(uri);
      return editUnsaved(uri, [CONV], [folder]);
    });
    const uri = await restored(before);
    const copy = vscode.Uri.joinPath(uri, '..', 'z-copy.onnx');
    await poll('both editors of the source restored, dirty', 30_000, async () => (tabsOf(uri).length === 2 && tabsOf(uri).every((t) => t.isDirty) ? true : undefined));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, vscode.ViewColumn.One);
    await waitForOurEditor(uri);
    const bytes = fs.readFileSync(uri.fsPath);

    await saveAsInDialog(copy, uri);
    assert.ok(readsFloatWeight(copy.fsPath, CONV), 'the copy lacks the restored edit');
    assert.equal(nodesOf(copy.fsPath).length, before.state.nodeCount, 'the copy is not the restored model');
    await waitForOurEditor(copy);
    await waitEditState(copy, false, 'the copy open, clean');
    await poll('the source left in the second group', 10_000, async () => (tabsOf(uri).length === 1 ? true : undefined));
    await poll('the source tab clean', 20_000, async () => (tabsOf(uri).every((t) => !t.isDirty) ? true : undefined)).catch(async (e: Error) => {
      throw new Error(`${e.message}; the source tab dirty ${tabsOf(uri)[0]?.isDirty}, the document ${JSON.stringify(await editState(uri))}`);
    });
    assert.equal((await editState(uri))?.isDirty, false, 'the source document has unsaved edits');
    assert.deepEqual(fs.readFileSync(uri.fsPath), bytes, 'the source file changed');
  });

  test('Save As onto the file itself through VS Code\'s dialog: the file holds the restored edits, the tab is clean', async () => {
    const before = await acrossRestart('hot-exit-save-as-onto-itself', async () => {
      const uri = workspaceFile('models/scratch-hotexit-onto-itself.onnx');
      await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
      await openReady(uri);
      return editUnsaved(uri, [OTHER_CONV], [uri]);
    });
    const uri = await restored(before);
    await waitForOurEditor(uri);

    await saveAsInDialog(uri, uri);
    assert.ok(readsFloatWeight(uri.fsPath, OTHER_CONV), 'the Save As did not write the restored edit');
    assert.equal(nodesOf(uri.fsPath).length, before.state.nodeCount, 'the file is not the restored model');
    await waitEditState(uri, false, 'the tab and the document clean after the Save As onto the file', (s) => s.edits.length === before.state.edits.length);
  });
});
