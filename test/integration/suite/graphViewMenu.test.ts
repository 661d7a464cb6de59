import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { applyEdit } from '../../../src/core/editing/index';
import { decodeModel, encodeModelToBytes, MemorySource } from '../../../src/core/onnx/index';
import { VIEW_TYPE, closeAllEditors, poll, requireModel, waitForOurEditor, workspaceFile } from './support';

const ruleOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

suite('Graph node menu: unify scales', function () {
  this.timeout(90_000);
  const scratch = workspaceFile('models/scratch-unify.onnx');

  suiteTeardown(async () => {
    // Drop the unsaved edit without a save prompt, then make sure it is gone before moving on.
    await vscode.commands.executeCommand('vscode.openWith', scratch, VIEW_TYPE);
    await waitForOurEditor(scratch);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await poll('the scratch model closed', 10_000, async () =>
      vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.path === scratch.path)) ? undefined : true,
    );
    await closeAllEditors();
    await vscode.workspace.fs.delete(scratch).then(undefined, () => undefined);
  });

  test('"Unify Q/DQ Scales Around This Node" on a Concat with mismatched input scales clears its R16 finding', async () => {
    // A copy of the good model in which one Concat input's quantizer got its own scale.
    const good = await requireModel('models/tiny-qat-good.onnx');
    const decoded = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(good), good.fsPath), { file: good.fsPath });
    const graph = decoded.model.graph!;
    const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const concat = graph.node.find((n) => n.opType === 'Concat' && n.input.length > 1 && n.input.every((t) => producer.get(t)?.opType === 'DequantizeLinear'));
    assert.ok(concat, 'the good model has a Concat fed by DequantizeLinear nodes');
    applyEdit(decoded, { kind: 'setScales', scales: [{ node: producer.get(concat.input[0]!)!.name, scale: 0.5 }] });
    await vscode.workspace.fs.writeFile(scratch, encodeModelToBytes(decoded));

    await vscode.commands.executeCommand('vscode.openWith', scratch, VIEW_TYPE);
    await waitForOurEditor(scratch);
    const r16 = (d: vscode.Diagnostic[]) => d.some((x) => ruleOf(x) === 'R16' && x.message.includes(concat.name));
    await poll('R16 on the mismatched Concat', 20_000, async () => (r16(vscode.languages.getDiagnostics(scratch)) ? true : undefined));

    // What the menu item runs, with the context the webview sets on a right-clicked node.
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.graph.unifyScales', {
      webviewSection: 'graphNode',
      qdqUri: scratch.toString(),
      qdqNode: concat.name,
      qdqOpType: 'Concat',
    });
    assert.ok(outcome?.applied, outcome?.message);
    assert.match(outcome.message, /now use scale/);
    await poll('R16 to clear after unifying', 20_000, async () => (r16(vscode.languages.getDiagnostics(scratch)) ? undefined : true));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.isDirty, 'the edit made the model dirty');
  });
});
