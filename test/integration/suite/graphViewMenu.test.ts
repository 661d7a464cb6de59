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
    // The scratch model's own tab. Its dirty flag reaches the extension host from the workbench
    // (a round trip after the edit event), while diagnostics are local: poll for it.
    const scratchTab = () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === scratch.toString());
    assert.ok(scratchTab(), 'the scratch model has a tab');
    await poll('the edit to make the model dirty', 10_000, async () => (scratchTab()?.isDirty ? true : undefined));
  });
});

suite('Graph edge menu: remove a Q/DQ pair', function () {
  this.timeout(90_000);
  const scratch = workspaceFile('models/scratch-remove-pair.onnx');

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('vscode.openWith', scratch, VIEW_TYPE);
    await waitForOurEditor(scratch);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await closeAllEditors();
    await vscode.workspace.fs.delete(scratch).then(undefined, () => undefined);
  });

  test('"Remove This Q/DQ Pair" on a badge removes exactly that pair, and the saved model has one pair fewer', async () => {
    const good = await requireModel('models/tiny-qat-good.onnx');
    await vscode.workspace.fs.copy(good, scratch, { overwrite: true });
    const decoded = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(scratch), scratch.fsPath), { file: scratch.fsPath });
    const count = (d: typeof decoded, op: string) => d.model.graph!.node.filter((n) => n.opType === op).length;
    const graph = decoded.model.graph!;
    const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    // An activation pair: a DequantizeLinear fed by a QuantizeLinear of a computed tensor.
    const dq = graph.node.find((n) => n.opType === 'DequantizeLinear' && producer.get(n.input[0]!)?.opType === 'QuantizeLinear');
    assert.ok(dq);
    const q = producer.get(dq.input[0]!)!;

    await vscode.commands.executeCommand('vscode.openWith', scratch, VIEW_TYPE);
    await waitForOurEditor(scratch);
    // What the menu item runs, with the context the webview sets on a right-clicked edge.
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string; nodes: string[] }>('qdqStudio.graph.removeQdqPair', {
      webviewSection: 'graphEdge',
      qdqUri: scratch.toString(),
      qdqQuantize: q.name,
      qdqDequantize: dq.name,
      qdqHasPair: true,
    });
    assert.ok(outcome?.applied, outcome?.message);
    await poll('the model to become dirty', 10_000, async () => (vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.files.save');
    await poll('the save', 10_000, async () => (vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty ? undefined : true));
    const saved = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(scratch), scratch.fsPath), { file: scratch.fsPath });
    assert.equal(count(saved, 'QuantizeLinear'), count(decoded, 'QuantizeLinear') - 1);
    assert.equal(count(saved, 'DequantizeLinear'), count(decoded, 'DequantizeLinear') - 1);
    assert.ok(!saved.model.graph!.node.some((n) => n.name === q.name || n.name === dq.name), 'that pair is gone');
  });

  test('the node and edge menus edit the main graph only: a call from a subgraph or function body (qdqMainGraph false) is refused and changes nothing', async () => {
    // The label an unnamed node of a body carries indexes the body's node list; sent as a target it
    // would name whichever main-graph node has that index. Here it does name a quantized main Conv.
    const good = await requireModel('models/tiny-qat-good.onnx');
    await vscode.workspace.fs.copy(good, scratch, { overwrite: true });
    const decoded = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(scratch), scratch.fsPath), { file: scratch.fsPath });
    const conv = decoded.model.graph!.node.find((n) => n.opType === 'Conv')!;
    await vscode.commands.executeCommand('vscode.openWith', scratch, VIEW_TYPE);
    await waitForOurEditor(scratch);
    const fromBody = { webview: VIEW_TYPE, webviewSection: 'graphNode', qdqUri: scratch.toString(), qdqNode: conv.name, qdqMainGraph: false };
    for (const command of ['qdqStudio.graph.keepInHigherPrecision', 'qdqStudio.graph.quantize', 'qdqStudio.graph.unifyScales']) {
      const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string } | undefined>(command, fromBody);
      assert.equal(outcome?.applied, false, `${command}: ${JSON.stringify(outcome)}`);
      assert.match(outcome!.message, /main graph only/);
    }
    const edge = await vscode.commands.executeCommand<{ applied: boolean } | undefined>('qdqStudio.graph.removeQdqPair', {
      webviewSection: 'graphEdge', qdqUri: scratch.toString(), qdqQuantize: 'q', qdqDequantize: 'dq', qdqHasPair: true, qdqMainGraph: false,
    });
    assert.equal(edge?.applied, false);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty, false, 'nothing changed');
    // The same call from the main graph applies.
    const main = await vscode.commands.executeCommand<{ applied: boolean; message: string } | undefined>('qdqStudio.graph.keepInHigherPrecision', { ...fromBody, qdqMainGraph: true });
    assert.ok(main?.applied, main?.message);
  });
});
