import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import { linkedConcats } from '../../support/linkedConcats';
import { VIEW_TYPE, closeAllEditors, copyToScratch, editState, openReady, poll, queryWebview, requireModel, waitEditState, workbench, workspaceFile, type EditState } from './support';

interface EditOutcome {
  applied: boolean;
  message: string;
  nodes: string[];
}
const CONV = '/model.2/cv1/conv/Conv';

/** Waits until the document and its tab are both dirty (or both clean). */
const waitDirty = (uri: vscode.Uri, dirty: boolean, what: string): Promise<EditState> => waitEditState(uri, dirty, what, undefined, 15_000);

/** The webview shows `count` nodes (it refreshes after edits, undo and redo). */
async function waitWebviewNodes(uri: vscode.Uri, count: number): Promise<void> {
  await poll(`the webview to show ${count} nodes`, 15_000, async () => {
    const q = await queryWebview();
    return q && vscode.Uri.parse(q.uri).path === uri.path && q.report.nodeCount === count ? true : undefined;
  });
}

function decodeFile(uri: vscode.Uri): onnx.ModelProto {
  return onnx.ModelProto.decode(fs.readFileSync(uri.fsPath));
}

/** What `qdqStudio.fixAll` returns (src/commands/editCommands.ts FixAllCommandOutcome). */
type FixAllResult = { applied: boolean; message: string; fixes?: { applied: { ruleId: string }[] }; choices?: { ruleId: string; label: string; description: string }[] };

suite('Editing: undoable Q/DQ edits, save, backup', function () {
  this.timeout(120_000);
  const scratch: vscode.Uri[] = [];

  const scratchCopy = (model: string, name: string): Promise<vscode.Uri> => copyToScratch(model, name, scratch);
  const open = openReady;

  // code-server saves dirty editors a second after each change (files.autoSave: afterDelay);
  // these tests save by hand, so that must not happen behind their back.
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
  });

  teardown(async () => {
    // Leave no dirty editor behind (closing would prompt): revert, then close.
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
    await closeAllEditors();
    for (const uri of scratch.splice(0)) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  test('an edit command with no model named edits the only open model when a text editor is in front; with two open it says to bring one forward', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-editing-front.onnx');
    await open(uri);
    // A text editor in front (the model's tab is not the active one).
    // A text file, not an untitled one (closing that would ask to save).
    const notes = workspaceFile('models/scratch-editing-notes.txt');
    scratch.push(notes);
    await vscode.workspace.fs.writeFile(notes, new TextEncoder().encode('notes'));
    await vscode.window.showTextDocument(notes, { preview: false });
    const outcome = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { target: CONV });
    assert.equal(outcome.applied, true, outcome.message);
    await waitDirty(uri, true, 'the model edited');
    await open(uri); // to the front, so that revert reverts it
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitDirty(uri, false, 'the model reverted');
    const other = await scratchCopy('tiny-qat-good.onnx', 'scratch-editing-front-2.onnx');
    await open(other);
    await vscode.window.showTextDocument(notes, { preview: false });
    const two = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { target: CONV });
    assert.equal(two.applied, false);
    assert.equal(two.message, '2 models are open: bring the one to edit to the front.');
  });

  test('disableQuantization → dirty → undo → clean → redo → save → the saved file has the edit', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-editing.onnx');
    const original = fs.readFileSync(uri.fsPath);
    const originalCount = await open(uri);
    const outcome = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: CONV });
    assert.equal(outcome.applied, true, outcome.message);
    assert.deepEqual(outcome.nodes, [CONV]);
    const edited = await waitDirty(uri, true, 'the document to become dirty');
    assert.ok(edited.nodeCount! < originalCount, `${edited.nodeCount} nodes after removing two Q/DQ pairs, ${originalCount} before`);
    assert.deepEqual(edited.edits, [`Disable quantization of ${CONV}`]);
    await waitWebviewNodes(uri, edited.nodeCount!);

    await workbench('undo');
    const undone = await waitDirty(uri, false, 'undo to make the document clean');
    assert.equal(undone.nodeCount, originalCount);
    await waitWebviewNodes(uri, originalCount);

    await workbench('redo');
    const redone = await waitDirty(uri, true, 'redo to make it dirty again');
    assert.equal(redone.nodeCount, edited.nodeCount);

    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitDirty(uri, false, 'save to make it clean');
    const saved = decodeFile(uri);
    assert.equal(saved.graph!.node!.length, edited.nodeCount);
    const conv = saved.graph!.node!.find((n) => n.name === CONV)!;
    assert.equal(conv.input![1], 'model.2.cv1.conv.weight', 'the conv reads its float weight');
    assert.ok(!fs.readFileSync(uri.fsPath).equals(original));
    // Our own save does not reload the document: undo still works after it, and saving again restores the original bytes.
    await workbench('undo');
    await waitDirty(uri, true, 'undo after save to make it dirty');
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitDirty(uri, false, 'the second save');
    assert.ok(fs.readFileSync(uri.fsPath).equals(original), 'apply + undo + save gives the original file back, byte for byte');

    // Reopen: the saved state (the original here) is what shows.
    await closeAllEditors();
    assert.equal(await open(uri), originalCount);
  });

  test('an unnamed layer (a model exported without node names): the node menu keeps it in higher precision and quantizes it again by its label', async () => {
    const source = await requireModel('models/tiny-qat-good.onnx');
    const m = onnx.ModelProto.decode(fs.readFileSync(source.fsPath));
    for (const n of m.graph!.node!) n.name = '';
    const uri = workspaceFile('models/scratch-editing-unnamed.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, onnx.ModelProto.encode(m).finish());
    const count = await open(uri);
    const nodes = m.graph!.node!;
    const index = nodes.findIndex((n) => n.opType === 'Conv' && nodes.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === n.input![0]));
    assert.ok(index >= 0, 'a quantized Conv');
    const label = `Conv#${index}`;
    // As the graph's node menu calls it: the webview names an unnamed node by its label.
    const off = await vscode.commands.executeCommand<EditOutcome | undefined>(
      'qdqStudio.graph.keepInHigherPrecision',
      { webview: VIEW_TYPE, webviewSection: 'graphNode', qdqNode: label, qdqUri: uri.toString() },
    );
    assert.ok(off && off.applied, JSON.stringify(off));
    assert.equal(off.nodes.length, 1);
    assert.match(off.nodes[0]!, /^Conv#\d+$/);
    assert.notEqual(off.nodes[0], label, 'the Q/DQ before it went, so its label moved');
    const edited = await waitDirty(uri, true, 'dirty after keeping the unnamed conv in higher precision');
    assert.ok(edited.nodeCount! < count);
    const on = await vscode.commands.executeCommand<EditOutcome | undefined>(
      'qdqStudio.graph.quantize',
      { webview: VIEW_TYPE, webviewSection: 'graphNode', qdqNode: off.nodes[0], qdqUri: uri.toString() },
    );
    assert.ok(on && on.applied, JSON.stringify(on));
    assert.equal(on.nodes.length, 1);
    assert.ok((await waitDirty(uri, true, 'two edits')).nodeCount! > edited.nodeCount!, 'the Q/DQ pairs are back');
    // Saved, the label the result gives names a Conv whose activation and weight are read through DQs again.
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitDirty(uri, false, 'save to make it clean');
    const saved = decodeFile(uri).graph!.node!;
    const conv = saved[Number(/^Conv#(\d+)$/.exec(on.nodes[0]!)![1])]!;
    assert.equal(conv.opType, 'Conv', on.nodes[0]);
    for (const i of [0, 1]) assert.ok(saved.some((p) => p.opType === 'DequantizeLinear' && p.output![0] === conv.input![i]), `input ${i} of ${on.nodes[0]} is a DQ output`);
  });

  test('a refused edit changes nothing and says why; enable re-inserts the remembered quantizers', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-editing-2.onnx');
    const count = await open(uri);
    const bad = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: 'model.99' });
    assert.equal(bad.applied, false);
    assert.match(bad.message, /no node matches "model\.99"/);
    assert.equal((await editState(uri))!.isDirty, false);
    const off = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: 'model.2.m' });
    assert.equal(off.applied, true, off.message);
    // As the graph's node menu calls it (qdqStudio.graph.keepInHigherPrecision).
    const menu = await vscode.commands.executeCommand<EditOutcome | undefined>(
      'qdqStudio.graph.keepInHigherPrecision',
      { webview: VIEW_TYPE, webviewSection: 'graphNode', qdqNode: CONV, qdqUri: uri.toString() },
    );
    assert.ok(menu && menu.applied, JSON.stringify(menu));
    assert.deepEqual(menu.nodes, [CONV]);
    assert.deepEqual((await editState(uri))!.edits.length, 2);
    await workbench('undo');
    let seen: string[] = [];
    await poll('undo of the node-menu edit', 15_000, async () => {
      seen = (await editState(uri))!.edits;
      return seen.length === 1 ? true : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; edits ${JSON.stringify(seen)}; active tab ${vscode.window.tabGroups.activeTabGroup.activeTab?.label}`);
    });
    const on = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.enableQuantization', { uri: uri.toString(), target: 'model.2.m' });
    assert.equal(on.applied, true, on.message);
    assert.match(on.message, /4 Q\/DQ pairs inserted/);
    const s = await waitDirty(uri, true, 'dirty after two edits');
    assert.equal(s.edits.length, 2);
    // Re-inserted pairs keep scales as initializers: only the four scale Constant nodes of the two inputs are gone.
    assert.ok(s.nodeCount! <= count && s.nodeCount! >= count - 8, `${s.nodeCount} vs ${count}`);
  });

  test('a change on disk keeps unsaved edits; revert reads the file again and the view follows', async () => {
    const uri = await scratchCopy('tiny-qat-good.onnx', 'scratch-editing-revert.onnx');
    await open(uri);
    const off = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: CONV });
    assert.equal(off.applied, true, off.message);
    const dirty = await waitDirty(uri, true, 'dirty after the edit');
    // Someone else replaces the file (another model, a different node count).
    const other = await requireModel('models/tiny-qat-defects.onnx');
    const otherCount = decodeFile(other).graph!.node!.length;
    fs.copyFileSync(other.fsPath, uri.fsPath);
    await new Promise((r) => setTimeout(r, 1500)); // past the watcher's debounce
    const kept = await editState(uri);
    assert.equal(kept!.isDirty, true, 'the unsaved edit is kept');
    assert.equal(kept!.nodeCount, dirty.nodeCount);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    const reverted = await waitDirty(uri, false, 'revert to make it clean');
    assert.equal(reverted.nodeCount, otherCount, 'revert shows the file as it is on disk now');
    assert.deepEqual(reverted.edits, []);
    await waitWebviewNodes(uri, otherCount);
  });

  test('applyFix applies an analysis fix by finding id; the edit log survives a backup round trip', async () => {
    const uri = await scratchCopy('tiny-qat-defects.onnx', 'scratch-editing-fix.onnx');
    await open(uri);
    const r25 = (): vscode.Diagnostic[] =>
      vscode.languages.getDiagnostics(uri).filter((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)) === 'R25');
    await poll('the R25 diagnostic of the dangling Q', 30_000, async () => (r25().length > 0 ? true : undefined));
    const fixed = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.applyFix', {
      uri: uri.toString(),
      findingId: 'R25:/model.3/cv1/conv/_dangling_quantizer/QuantizeLinear',
    });
    assert.equal(fixed.applied, true, fixed.message);
    // The findings follow the edit: the dangling Q's diagnostic goes.
    await poll('the R25 diagnostic to go after the fix', 30_000, async () => (r25().length === 0 ? true : undefined));
    await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target: '/model.1/' });
    const state = await waitDirty(uri, true, 'dirty after the fix');
    assert.deepEqual(state.backupLog.map((e) => e.kind), ['applyFix', 'disableQuantization']);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-backup-'));
    try {
      const restored = await vscode.commands.executeCommand<{ isDirty: boolean; edits: string[]; nodeCount: number; backupBytes: number }>(
        'qdqStudio.internal.backupRoundTrip',
        uri.toString(),
        folder,
      );
      assert.ok(restored, 'the round trip ran');
      assert.equal(restored.isDirty, true);
      assert.equal(restored.edits.length, 2);
      assert.equal(restored.nodeCount, state.nodeCount, 'the restored document has the unsaved edits');
      assert.ok(restored.backupBytes > 0 && restored.backupBytes < 64 * 1024, `the backup is an edit log, not a model (${restored.backupBytes} bytes)`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('Fix All: every R22 fix of a model as one edit, from the Findings row; one undo takes them all back', async () => {
    const uri = await scratchCopy('tiny-qat-defects.onnx', 'scratch-editing-fix-all.onnx');
    const originalCount = await open(uri);
    const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
    const count = (rule: string): number => vscode.languages.getDiagnostics(uri).filter((d) => codeOf(d) === rule).length;
    await poll('the R22 diagnostics', 30_000, async () => (count('R22') >= 2 ? true : undefined));
    const r22 = count('R22');
    const r1 = count('R1');
    assert.ok(r1 > 0, 'the model also has R1 findings (left alone)');
    type Row = { kind: string; ruleId?: string; node?: string; children?: Row[] };
    const rows = await vscode.commands.executeCommand<Row[]>('qdqStudio.internal.findings', uri.toString());
    const row = rows.flatMap((m) => m.children ?? []).find((r) => r.kind === 'finding' && r.ruleId === 'R22');
    assert.ok(row?.node, 'an R22 row in the Findings view');
    const out = await vscode.commands.executeCommand<{ applied: boolean; message: string; fixes?: { applied: { ruleId: string }[]; remaining: number } }>(
      'qdqStudio.internal.applyFindingFixByRow', uri.toString(), 'R22', row.node, 'all',
    );
    assert.equal(out.applied, true, out.message);
    assert.equal(out.fixes!.applied.length, r22, out.message);
    assert.ok(out.fixes!.applied.every((a) => a.ruleId === 'R22'));
    assert.match(out.message, new RegExp(`^Applied ${r22} fixes of R22 as one edit`));
    await poll('the R22 diagnostics to go', 30_000, async () => (count('R22') === 0 ? true : undefined));
    assert.equal(count('R1'), r1, 'other rules untouched');
    const state = await waitDirty(uri, true, 'dirty after Fix All');
    assert.equal(state.edits.length, 1, `one edit: ${JSON.stringify(state.edits)}`);
    assert.ok(state.nodeCount! < originalCount);
    await workbench('undo');
    await waitDirty(uri, false, 'one undo to make the document clean');
    await poll('the R22 diagnostics back after undo', 30_000, async () => (count('R22') === r22 ? true : undefined));
  });
  test('Fix All Findings… from the view title (an argument without a model) asks which rules; all ticked fixes every rule, also those whose findings appear as fixes apply', async () => {
    const uri = await scratchCopy('tiny-qat-defects.onnx', 'scratch-editing-fix-all-title.onnx');
    await open(uri);
    const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
    await poll('the diagnostics', 30_000, async () => (vscode.languages.getDiagnostics(uri).length > 0 ? true : undefined));
    type Row = { kind: string; ruleId?: string; children?: Row[] };
    const rows = await vscode.commands.executeCommand<Row[]>('qdqStudio.internal.findings', uri.toString());
    const before = new Set(vscode.languages.getDiagnostics(uri).map(codeOf));
    assert.ok(rows.length > 0 && before.size > 0);
    const r22 = vscode.languages.getDiagnostics(uri).filter((d) => codeOf(d) === 'R22').length;
    assert.ok(r22 >= 2, 'R22 findings, each with its own fix');
    // What a view/title button passes: the view's context, no model. It asks: dismissing changes nothing
    // (before, such a call counted as a script's: every fix applied at once, nothing asked or said).
    const dismissed = vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.fixAll', { $treeViewId: 'qdqStudio.findings' });
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const none = await dismissed;
    assert.equal(none.applied, false, none.message);
    assert.equal((await editState(uri))?.isDirty, false);
    const pending = vscode.commands.executeCommand<FixAllResult>('qdqStudio.fixAll', { $treeViewId: 'qdqStudio.findings' });
    await new Promise((r) => setTimeout(r, 1500)); // the pick of rules, every one ticked
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const out = await pending;
    assert.equal(out.applied, true, out.message);
    assert.match(out.message, /^Applied \d+ fixes as one edit \(/, 'every rule: no "of <rules>" scope');
    // The pick said, per rule, how many findings carry a fix and how many fixes they are (here each
    // R22 finding has its own fix; before, it said "4 with a fix").
    assert.ok(out.choices?.length && out.choices.every((c) => /^\d+ findings? · \d+ fix(es)?$/.test(c.description)), JSON.stringify(out.choices));
    assert.equal(out.choices.find((c) => c.ruleId === 'R22')?.description, `${r22} findings · ${r22} fixes`, JSON.stringify(out.choices));
    const rules = new Set(out.fixes!.applied.map((a) => a.ruleId));
    // R19's fixes here change quantizers around a Concat: R15/R16 findings with fixes appear, and
    // are fixed too (before, ticking every rule passed the ticked list, which did not name them).
    const later = [...rules].filter((r) => !before.has(r));
    assert.ok(later.length > 0, `rules fixed that had no finding at first: ${later.join(', ') || 'none'} (fixed: ${[...rules].join(', ')})`);
    await waitDirty(uri, true, 'dirty after Fix All');
  });
  test('Fix All Findings…: the pick counts fixes apart from findings (two linked Concats, one unify: "2 findings · 1 fix")', async () => {
    const uri = workspaceFile('models/scratch-editing-fix-all-linked.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, linkedConcats());
    await open(uri);
    await poll('the R16 diagnostics', 30_000, async () => (vscode.languages.getDiagnostics(uri).filter((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)) === 'R16').length === 2 ? true : undefined));
    const pending = vscode.commands.executeCommand<FixAllResult>('qdqStudio.fixAll', { $treeViewId: 'qdqStudio.findings' });
    await new Promise((r) => setTimeout(r, 1500)); // the pick of rules, every one ticked
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const out = await pending;
    assert.equal(out.applied, true, out.message);
    const r16 = out.choices?.find((c) => c.ruleId === 'R16');
    assert.deepEqual(r16 && { label: r16.label, description: r16.description }, { label: 'R16 QDQ-CONCAT-SCALE', description: '2 findings · 1 fix' }, JSON.stringify(out.choices));
    assert.equal(out.fixes!.applied.filter((a) => a.ruleId === 'R16').length, 1, 'Fix All applies the one fix');
    await waitDirty(uri, true, 'dirty after Fix All');
  });
});

