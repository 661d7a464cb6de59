import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, editState, openReady, poll, readsFloatWeight, requireModel, revertCloseAndClean, saveAsInDialog, tabsOf, waitEditState, waitForOurEditor, workbench, workspaceFile, disable, save, savesByHand, markedByContentChange } from './support';

const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';

/**
 * Save As through VS Code, with the source also open in a second group: that editor stays on the
 * source (the first moves to the copy) and shows the state VS Code keeps for the source's model.
 */
suite('Document Save As through VS Code: the source and the copy', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];

  /** A folder with the model `source.onnx` and an older file `z-copy.onnx` that sorts after it; the source open in two groups (unless `oneGroup`), the first active. */
  async function sourceInTwoGroups(name: string, oneGroup = false): Promise<{ uri: vscode.Uri; copy: vscode.Uri; original: number }> {
    const folder = workspaceFile(`models/${name}`);
    scratch.push(folder);
    const uri = vscode.Uri.joinPath(folder, 'source.onnx');
    const copy = vscode.Uri.joinPath(folder, 'z-copy.onnx');
    await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
    await vscode.workspace.fs.writeFile(copy, new TextEncoder().encode('to be overwritten'));
    const original = await openReady(uri);
    if (oneGroup) return { uri, copy, original };
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, vscode.ViewColumn.Two);
    await poll('the source in two groups', 15_000, async () => (tabsOf(uri).length === 2 ? true : undefined));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, vscode.ViewColumn.One);
    await waitForOurEditor(uri);
    return { uri, copy, original };
  }


  /** After the Save As: the copy open and clean with `edits`, the source's remaining tab and document clean, its file as `bytes`. */
  async function checkAfter(uri: vscode.Uri, copy: vscode.Uri, bytes: Buffer): Promise<void> {
    await waitForOurEditor(copy);
    await waitEditState(copy, false, 'the copy open, clean');
    await poll('the source left in the second group', 10_000, async () => (tabsOf(uri).length === 1 ? true : undefined));
    const tab = await poll('the source tab clean', 10_000, async () => tabsOf(uri).find((t) => !t.isDirty)).catch(async (e: Error) => {
      throw new Error(`${e.message}; the source tab dirty ${tabsOf(uri)[0]?.isDirty}, the document ${JSON.stringify(await editState(uri))}`);
    });
    assert.ok(tab);
    const source = await editState(uri);
    assert.equal(source?.isDirty, false, 'the source document has unsaved edits');
    assert.deepEqual(fs.readFileSync(uri.fsPath), bytes, 'the source file changed');
  }

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await revertCloseAndClean(scratch);
  });

  test('from the save point (edit, save, another edit, Ctrl+Z): the copy holds the saved edit and opens clean; the source stays clean, its file unchanged', async () => {
    const { uri, copy } = await sourceInTwoGroups('scratch-saveas-savepoint');
    await disable(uri, CONV);
    await waitEditState(uri, true, 'dirty after the edit');
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    await disable(uri, OTHER_CONV);
    await waitEditState(uri, true, 'dirty after the second edit', (s) => s.edits.length === 2);
    await workbench('undo');
    await waitEditState(uri, false, 'Ctrl+Z: back at the save point, clean', (s) => s.edits.length === 1);
    const bytes = fs.readFileSync(uri.fsPath);

    await saveAsInDialog(copy, uri);
    assert.ok(readsFloatWeight(copy.fsPath, CONV) && !readsFloatWeight(copy.fsPath, OTHER_CONV), 'the copy is not the saved state');
    await checkAfter(uri, copy, bytes);
  });

  for (const oneGroup of [false, true]) {
    test(`after edit, save, Ctrl+Z, another edit (the tab kept dirty by a content change): ${oneGroup ? 'with the source in one editor, the copy opens clean and the source is closed dirty-free' : 'the source left open is clean after the Save As'}, its file unchanged`, async () => {
      const { uri, copy, original } = await sourceInTwoGroups(`scratch-saveas-marked${oneGroup ? '-one' : ''}`, oneGroup);
      await markedByContentChange(uri, original, CONV, OTHER_CONV);
      const bytes = fs.readFileSync(uri.fsPath);

      await saveAsInDialog(copy, uri);
      assert.ok(readsFloatWeight(copy.fsPath, OTHER_CONV) && !readsFloatWeight(copy.fsPath, CONV), 'the copy is not the state with B');
      if (oneGroup) {
        await waitForOurEditor(copy);
        await waitEditState(copy, false, 'the copy open, clean');
        await poll('the source editor gone', 10_000, async () => (tabsOf(uri).length === 0 ? true : undefined));
        assert.deepEqual(vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.isDirty).map((t) => t.label), [], 'a dirty tab is left');
        assert.deepEqual(fs.readFileSync(uri.fsPath), bytes, 'the source file changed');
      } else {
        await checkAfter(uri, copy, bytes);
      }
      assert.ok(readsFloatWeight(uri.fsPath, CONV), 'the source file lost edit A');
    });
  }

  test('Save As onto the file itself after edit, save, Ctrl+Z, another edit (the tab kept dirty by a content change): the tab is clean after it, the file holds the new edit', async () => {
    const { uri, original } = await sourceInTwoGroups('scratch-saveas-onto-itself', true);
    await markedByContentChange(uri, original, CONV, OTHER_CONV);

    await saveAsInDialog(uri, uri);
    assert.ok(readsFloatWeight(uri.fsPath, OTHER_CONV) && !readsFloatWeight(uri.fsPath, CONV), 'the file is not the state with B');
    await waitEditState(uri, false, 'the tab and the document clean after the Save As onto the file', (s) => s.edits.length === 1);
  });
});
