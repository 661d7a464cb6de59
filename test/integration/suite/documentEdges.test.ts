import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import { EXTENSION_ID, copyToScratch, editState, openReady, poll, requireModel, tabOf, waitEditState, workbench, workspaceFile, type Notice, type EditOutcome, nodesOf, readsFloatWeight, revertCloseAndClean, disable, save, savesByHand, markedByContentChange } from './support';
import { MemoryFs } from './memoryFs';

/** What the documents showed the user (src/editor/notices.ts Notice), seen by the test hook in place of VS Code. */
const CONV = '/model.2/cv1/conv/Conv';
const OTHER_CONV = '/model.1/conv/Conv';
const REAPPLY = 'Reload and Re-apply Edits';
const SCHEME = 'qdq-edges';

function describeText(d: vscode.TextDocument): string {
  return `text document ${d.uri.toString()}: ${d.lineCount} lines, closed ${d.isClosed}, dirty ${d.isDirty}, language ${d.languageId}`;
}

suite('Document edges: other editors of the file, undo during revert, Save As, renames without an edit log', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];
  const seen: Notice[] = [];
  let answer: (n: Notice) => string | undefined | Promise<string | undefined> = () => undefined;
  const memFs = new MemoryFs(SCHEME);
  let registration: vscode.Disposable | undefined;

  /** VS Code's save of the editors of `uri` (a failed save resolves too: VS Code shows the failure). */
  async function waitNotice(pattern: RegExp, what: string): Promise<Notice> {
    try {
      return await poll(what, 20_000, async () => seen.find((n) => pattern.test(n.message)));
    } catch (e) {
      throw new Error(`${(e as Error).message}; notices seen: ${JSON.stringify(seen)}`);
    }
  }

  savesByHand(); // code-server saves dirty editors a second after each change: these tests save by hand
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    registration = vscode.workspace.registerFileSystemProvider(SCHEME, memFs, { isCaseSensitive: true });
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('editor').update('unusualLineTerminators', undefined, vscode.ConfigurationTarget.Workspace);
    registration?.dispose();
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
    memFs.releaseAll();
    await revertCloseAndClean(scratch);
  });

  test('a tab made clean after a re-apply of which nothing applied does not save another editor of the file (the model opened as text and typed into)', async () => {
    const uri = await copyToScratch('tiny-qat-good.onnx', 'scratch-edges-other-editor.onnx', scratch);
    await openReady(uri);
    await disable(uri, CONV);
    await waitEditState(uri, true, 'dirty after the edit');
    // Another model with nothing to disable is written over it (in place), one that VS Code agrees to
    // show as text: no zero byte in its first 512 bytes (a long producer name comes first).
    const fp32 = onnx.ModelProto.decode(fs.readFileSync((await requireModel('models/tiny-fp32.onnx')).fsPath));
    fp32.producerName = 'x'.repeat(600);
    const rewritten = Buffer.from(onnx.ModelProto.encode(fp32).finish());
    assert.ok(!rewritten.subarray(0, 512).includes(0), 'the model would not open as text');
    let reapply: (answer: string) => void = () => undefined;
    answer = (n) => (/rewritten on disk while it has unsaved edits/.test(n.message) ? new Promise<string>((r) => (reapply = r)) : undefined);
    fs.writeFileSync(uri.fsPath, rewritten);
    await waitNotice(/rewritten on disk while it has unsaved edits/, 'the warning that the file was rewritten');

    // The user reopens the file with the text editor beside, and types into it. (VS Code would
    // itself remove the unusual line terminators the binary holds, an edit of its own: not here.)
    await vscode.workspace.getConfiguration('editor').update('unusualLineTerminators', 'off', vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'default', vscode.ViewColumn.Beside);
    const text = await poll('the text editor of the model', 15_000, async () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()));
    assert.equal(text.document.isDirty, false, describeText(text.document));
    const typing = new vscode.WorkspaceEdit();
    typing.insert(uri, new vscode.Position(0, 0), 'typed ');
    assert.equal(await vscode.workspace.applyEdit(typing), true, `the text edit failed (${describeText(text.document)})`);
    assert.equal(text.document.isDirty, true, describeText(text.document));

    // Now the offer is taken: the edit does not apply to the new contents, so nothing is unsaved.
    reapply(REAPPLY);
    await waitNotice(/could not be re-applied/, 'the warning that the edit was dropped');
    await poll('the document back to the file, with no edit', 20_000, async () => {
      const s = await editState(uri);
      return s && !s.isDirty && s.edits.length === 0 ? s : undefined;
    });
    // The text editor's changes are the user's to save or drop: revert it and close it.
    const textTab = (): vscode.Tab | undefined =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
    const tab = textTab();
    assert.ok(tab, 'the text editor\'s tab is gone');
    assert.equal(tab.isDirty, true, 'the text editor\'s changes were saved');
    await vscode.window.showTextDocument(text.document, { viewColumn: tab.group.viewColumn, preserveFocus: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await poll('the text editor reverted', 15_000, async () => (text.document.isDirty ? undefined : true));
    await vscode.window.tabGroups.close(textTab()!);
    await poll('the text editor closed', 15_000, async () => (textTab() ? undefined : true));
    // With no other editor of the file left, QDQ Studio's tab shows what is unsaved: nothing.
    await waitEditState(uri, false, 'the QDQ Studio tab clean');
    assert.ok(fs.readFileSync(uri.fsPath).equals(rewritten), 'the file was written: the text editor\'s unsaved changes were saved into the model');
  });

  test('Ctrl+Z arriving while a revert is still running waits for it: it undoes the saved edit, and Ctrl+Y redoes it', async () => {
    const tiny = fs.readFileSync((await requireModel('models/tiny-qat-good.onnx')).fsPath);
    const uri = memFs.put('/edges/revert-race.onnx', tiny);
    const original = await openReady(uri);
    await disable(uri, CONV);
    const edited = await waitEditState(uri, true, 'dirty after the first edit');
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    await disable(uri, OTHER_CONV);
    await waitEditState(uri, true, 'dirty after the second edit', (s) => s.edits.length === 2);

    // The revert asks whether the file changed (a stat), and Ctrl+Z comes before the answer.
    memFs.hold();
    await vscode.commands.executeCommand('workbench.action.files.revert');
    const undone = vscode.commands.executeCommand('undo');
    // Give the undo time to reach the document (it changes the history there at once, unless it waits).
    await poll('the undo to reach the document', 1500, async () => ((await editState(uri))?.edits.length !== 2 ? true : undefined)).catch(() => undefined);
    memFs.releaseAll();
    await undone;
    await waitEditState(uri, true, 'Ctrl+Z after the revert to undo the saved edit', (s) => s.nodeCount === original && s.edits.length === 0);
    await workbench('redo');
    await waitEditState(uri, false, 'Ctrl+Y to redo it: the saved state, clean', (s) => s.nodeCount === edited.nodeCount && s.edits.length === 1);
  });

  test('Save As another file: the source goes back to its file without reading it again (no second decode while the copy opens), and its next save does not write the edits', async () => {
    const tiny = fs.readFileSync((await requireModel('models/tiny-qat-good.onnx')).fsPath);
    const uri = memFs.put('/edges/save-as-source.onnx', tiny);
    const copy = workspaceFile('models/scratch-edges-save-as-copy.onnx');
    scratch.push(copy);
    const count = await openReady(uri);
    assert.equal(memFs.readsOf(uri), 1, 'opening read the file more than once');
    await disable(uri, CONV);
    await waitEditState(uri, true, 'dirty after the edit');

    const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', uri.toString(), copy.fsPath, async () => undefined);
    assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save');
    assert.ok(readsFloatWeight(copy.fsPath, CONV), 'the copy lacks the edit');
    await poll('the source document back to its file', 20_000, async () => {
      const s = await editState(uri);
      return s && !s.isDirty && s.edits.length === 0 && s.nodeCount === count ? s : undefined;
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}; the source document: ${JSON.stringify(await editState(uri))}`);
    });
    assert.equal(memFs.readsOf(uri), 1, 'the source was read (and decoded) again after the Save As');

    // Another edit, saved: the file gets that one only.
    await disable(uri, OTHER_CONV);
    await save(uri);
    await waitEditState(uri, false, 'the save to make it clean');
    const saved = onnx.ModelProto.decode(await vscode.workspace.fs.readFile(uri));
    const weightOf = (conv: string): string => saved.graph!.node!.find((n) => n.name === conv)!.input![1]!;
    assert.ok(!weightOf(OTHER_CONV).includes('DequantizeLinear'), 'the new edit is not in the file');
    assert.ok(weightOf(CONV).includes('DequantizeLinear'), 'the edit saved to the copy was written into the source too');
  });

  for (const meanwhile of ['edit', 'file replaced'] as const) {
    test(`the save that makes the tab clean after a Save As writes nothing and asks nothing: ${meanwhile === 'edit' ? 'an edit that comes before it is not written (the tab stays dirty with it)' : 'the file replaced on disk before it brings no "Overwrite?" question'}`, async () => {
      const uri = await copyToScratch('tiny-qat-good.onnx', `scratch-edges-clean-save-${meanwhile === 'edit' ? 'edit' : 'disk'}.onnx`, scratch);
      const copy = workspaceFile('models/scratch-edges-clean-save-copy.onnx');
      scratch.push(copy);
      const original = await openReady(uri);
      // Edit A, save, Ctrl+Z, edit B: VS Code keeps the tab dirty by a content change, which the
      // Save As clears with a save that writes nothing; VS Code asks for it a round trip later.
      await markedByContentChange(uri, original, CONV, OTHER_CONV);
      const bytes = fs.readFileSync(uri.fsPath);
      const fp32 = await requireModel('models/tiny-fp32.onnx');
      const logLines = async (): Promise<{ message: string }[]> => (await vscode.commands.executeCommand<{ message: string }[]>('qdqStudio.internal.logLines')) ?? [];

      // The document's Save As (what VS Code calls once its dialog has a target), then at once, in
      // this turn of the extension host (before VS Code's call of that save can arrive):
      const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', uri.toString(), copy.fsPath, async () => undefined);
      assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save');
      if (meanwhile === 'edit') {
        await disable(uri, OTHER_CONV);
        await poll('the save that marks the tab clean', 20_000, async () =>
          !fs.readFileSync(uri.fsPath).equals(bytes) || (await logLines()).some((l) => /could not mark the tab clean/.test(l.message)) ? true : undefined,
        );
        assert.ok(fs.readFileSync(uri.fsPath).equals(bytes), 'the edit that came meanwhile was written into the file unasked');
        await waitEditState(uri, true, 'the edit kept unsaved, the tab dirty', (s) => s.edits.length === 1);
      } else {
        const replacement = `${uri.fsPath}.new`;
        fs.copyFileSync(fp32.fsPath, replacement);
        fs.renameSync(replacement, uri.fsPath);
        await poll('the tab clean and the document read again from the new file', 20_000, async () => {
          const asked = seen.find((n) => /Overwrite/.test(n.message));
          if (asked) throw new Error(`asked: ${asked.message}`);
          const s = await editState(uri);
          return s && !s.isDirty && !tabOf(uri)?.isDirty && s.nodeCount === nodesOf(fp32.fsPath).length ? true : undefined;
        }).catch((e: Error) => {
          const asked = seen.find((n) => /Overwrite/.test(n.message));
          throw new Error(asked ? `the save that marks the tab clean asked: ${asked.message}` : e.message);
        });
        assert.ok(fs.readFileSync(uri.fsPath).equals(fs.readFileSync(fp32.fsPath)), 'the new file was written over');
      }
    });
  }

  test('a dirty model whose edit log cannot be written, renamed: the editor at the new name keeps the edits (carried in memory), dirty, and saves them there', async () => {
    // The recipe of the lifecycle suite's unwritable log: an unnamed model, a saved disable undone
    // past the save point, then a removal of the very pair the undo brought back.
    const source = await requireModel('models/tiny-qat-good.onnx');
    const m = onnx.ModelProto.decode(fs.readFileSync(source.fsPath));
    for (const n of m.graph!.node!) n.name = '';
    const uri = workspaceFile('models/scratch-edges-unwritable.onnx');
    const renamed = workspaceFile('models/scratch-edges-unwritable-renamed.onnx');
    scratch.push(uri, renamed);
    await vscode.workspace.fs.writeFile(uri, onnx.ModelProto.encode(m).finish());
    const nodes = m.graph!.node!;
    const convIndex = nodes.findIndex((n) => n.opType === 'Conv' && nodes.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === n.input![0]));
    const dq = nodes.findIndex((n) => n.output![0] === nodes[convIndex]!.input![0]);
    const q = nodes.findIndex((n) => n.output![0] === nodes[dq]!.input![0]);
    assert.equal(nodes[q]!.opType, 'QuantizeLinear');
    await openReady(uri);
    await disable(uri, `Conv#${convIndex}`);
    await waitEditState(uri, true, 'dirty after the disable');
    await save(uri);
    await waitEditState(uri, false, 'clean after the save');
    await workbench('undo');
    await waitEditState(uri, true, 'dirty after undoing the saved edit');
    const removed = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.removeQdq', { uri: uri.toString(), quantize: `QuantizeLinear#${q}`, dequantize: `DequantizeLinear#${dq}` });
    assert.equal(removed.applied, true, removed.message);
    const before = await poll('the document dirty with the removal', 15_000, async () => {
      const s = await editState(uri);
      return s?.isDirty && s.edits.length === 1 ? s : undefined;
    });
    assert.deepEqual(before.backupLog, [], 'the edit log can be written: the test does not reach the case');

    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.equal(await vscode.workspace.applyEdit(edit), true, 'the rename failed');
    const state = await waitEditState(renamed, true, 'the renamed editor dirty with the edit', (s) => s.nodeCount === before.nodeCount && s.edits.length === 1);
    assert.deepEqual(state.edits, before.edits);

    await save(renamed);
    await waitEditState(renamed, false, 'the save to make it clean');
    assert.equal(nodesOf(renamed.fsPath).length, before.nodeCount, 'the renamed file does not hold the edited model');
  });
});
