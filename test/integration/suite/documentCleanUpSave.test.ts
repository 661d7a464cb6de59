import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, copyToScratch, openReady, readsFloatWeight, revertCloseAndClean, tabOf, waitEditState, workspaceFile, disable, savesByHand, markedByContentChange } from './support';

const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';

/**
 * After a Save As with the tab marked dirty (a content change), QDQ Studio asks VS Code for a save
 * that only makes the tab clean (RecoveryOffers.markTabClean); VS Code calls the document's save
 * for it a round trip later. A save the user asks for within that round trip reaches the document
 * as a second call (VS Code cancels the first and takes the second's outcome): it must write the
 * edits, not be taken for the clean-up save.
 */
suite('Document clean-up save after a Save As: a Ctrl+S during it', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];

  const logLines = async (): Promise<string[]> => ((await vscode.commands.executeCommand<{ message: string }[]>('qdqStudio.internal.logLines')) ?? []).map((l) => l.message);

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  teardown(async () => {
    await revertCloseAndClean(scratch);
  });

  /** Runs `steps`; a failure comes with the log lines (since `start`) about the scratch files. */
  async function withLog(steps: () => Promise<void>): Promise<void> {
    const start = (await logLines()).length;
    try {
      await steps();
    } catch (e) {
      const lines = (await logLines()).slice(start).filter((l) => l.includes('scratch-clean-up-save'));
      throw new Error(`${(e as Error).message}\nlog:\n${lines.join('\n')}`);
    }
  }

  for (const target of ['the file itself', 'another file'] as const) {
    test(`Save As onto ${target}, then an edit and Ctrl+S before VS Code calls the clean-up save: the edit is written and the tab is clean`, () =>
      withLog(async () => {
        const onto = target === 'the file itself';
        const uri = await copyToScratch('tiny-qat-good.onnx', `scratch-clean-up-save-${onto ? 'onto' : 'source'}.onnx`, scratch);
        const copy = workspaceFile('models/scratch-clean-up-save-copy.onnx');
        scratch.push(copy);
        const original = await openReady(uri);
        // Edit A, save, Ctrl+Z, edit B: VS Code keeps the tab dirty by a content change, which the
        // Save As clears with a save that writes nothing.
        await markedByContentChange(uri, original, CONV, OTHER_CONV);
        const active = vscode.window.tabGroups.activeTabGroup.activeTab;
        assert.ok(active && active === tabOf(uri), 'the model is not the active editor (Ctrl+S saves the active one)');
        const before = (await logLines()).length;

        // The document's Save As (what VS Code calls once its dialog has a target; onto the file it
        // writes edit B there; to another file the source goes back to its file, which holds edit
        // A), then, in this turn of the extension host (before VS Code's call of the clean-up save
        // can arrive), edit C and Ctrl+S.
        const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', uri.toString(), onto ? uri.fsPath : copy.fsPath, async () => undefined);
        assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save');
        const editC = onto ? CONV : OTHER_CONV;
        await disable(uri, editC, 'edit C after the Save As');
        await vscode.commands.executeCommand('workbench.action.files.save'); // Ctrl+S; ends when the save has (a failure is a notification)

        assert.ok(readsFloatWeight(uri.fsPath, editC), 'Ctrl+S did not write the edit made after the Save As');
        assert.ok(readsFloatWeight(uri.fsPath, onto ? OTHER_CONV : CONV), 'the file lost the edit it held before');
        // The history kept: onto the file, edits B and C; to another file the source was read again, then edit C.
        await waitEditState(uri, false, 'the document and its tab clean after Ctrl+S, its history kept', (s) => s.edits.length === (onto ? 2 : 1));
        // The case this test is about: Ctrl+S reached the document while the clean-up save ran.
        const lines = (await logLines()).slice(before);
        assert.ok(lines.some((l) => /a save asked for while its tab was being marked clean/.test(l)), 'Ctrl+S did not come while the clean-up save ran (the case was not exercised)');
        if (!onto) assert.ok(readsFloatWeight(copy.fsPath, OTHER_CONV) && !readsFloatWeight(copy.fsPath, CONV), 'the copy does not hold the Save As state (edit B alone)');
      }));
  }
});
