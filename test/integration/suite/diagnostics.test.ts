import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { DataLocation, decodeModel, encodeModelToBytes, markDirty, MemorySource, readTensorBytes, tensorByteLength } from '../../../src/core/onnx/index';
import { VIEW_TYPE, closeAllEditors, poll, requireModel, sleep, waitForGraph, waitForOurEditor, workspaceFile } from './support';
import { standInLayerInfo as layerInfoFor } from '../../support/standInLayerInfo';

interface Row {
  kind: string;
  label: string;
  description?: string;
  ruleId?: string;
  node?: string;
  children?: Row[];
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'QDQ Studio');
const ruleOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

/** The analysis the extension should report, computed here from the file's bytes. */
async function expectedFindings(uri: vscode.Uri, trt: 8 | 10) {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const decoded = decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath });
  return analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), { trt, precision: 'int8', stronglyTyped: false, refit: false }).findings;
}

/** Whether a Problems message is about the finding with these nodes (it names them, or they are appended). */
function problemMessageIncludes(message: string, nodes: readonly string[]): boolean {
  return nodes.length > 0 && nodes.every((n) => message.includes(n));
}

async function waitForDiagnostics(uri: vscode.Uri, what: string, ok: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 20_000) {
  return poll(what, timeoutMs, async () => {
    const d = ours(uri);
    return ok(d) ? d : undefined;
  });
}

/** The stand-in layer info (test/support/standInLayerInfo.ts) for the model at `uri`. */
async function standInLayerInfo(uri: vscode.Uri, asHalf: readonly string[]): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return layerInfoFor(decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath }), asHalf);
}

async function findingsRows(uri: vscode.Uri): Promise<Row[]> {
  return vscode.commands.executeCommand<Row[]>('qdqStudio.internal.findings', uri.toString());
}

suite('Problems panel and Findings view (TensorRT Q/DQ analysis)', function () {
  this.timeout(90_000);
  const scratch: vscode.Uri[] = [];

  teardown(async () => {
    await closeAllEditors();
    await vscode.workspace.getConfiguration('qdqStudio.analysis').update('tensorrtVersion', undefined, vscode.ConfigurationTarget.Workspace);
    for (const uri of scratch.splice(0)) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
  });

  /** Two scratch copies of tiny-qat-good.onnx in models/, removed after the test. */
  async function twoCopies(first: string, second: string): Promise<[vscode.Uri, vscode.Uri]> {
    const copies: [vscode.Uri, vscode.Uri] = [workspaceFile(`models/${first}`), workspaceFile(`models/${second}`)];
    scratch.push(...copies);
    for (const uri of copies) await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), uri, { overwrite: true });
    return copies;
  }

  /** Waits until the Findings view lists the model `label` first (rows read once `settled`'s analysis is done). */
  async function waitListedFirst(label: string, settled: vscode.Uri): Promise<void> {
    await poll(`${label} listed first`, 10_000, async () => ((await findingsRows(settled)).find((r) => r.kind === 'model')?.label === label ? true : undefined));
  }

  test('findings of an open model appear with source, rule code, rule page link and severity', async () => {
    const uri = await requireModel('models/tiny-qat-defects.onnx');
    const expected = await expectedFindings(uri, 10);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const diags = await waitForDiagnostics(uri, 'QDQ Studio diagnostics on tiny-qat-defects.onnx', (d) => d.length > 0);
    assert.equal(diags.length, expected.length, 'one diagnostic per finding');
    // The defects the builder planted (manifest.defects) are each reported by their rule.
    const rules = new Set(diags.map(ruleOf));
    for (const r of ['R1', 'R2', 'R18', 'R21', 'R25']) assert.ok(rules.has(r), `${r} missing from ${[...rules].join(', ')}`);
    const r1 = diags.find((d) => ruleOf(d) === 'R1')!;
    assert.equal(r1.severity, vscode.DiagnosticSeverity.Error);
    assert.match(r1.message, /zero point \d+/);
    // The code (R1) links to the finding's first node in the graph: a command link, the one part of
    // a Problems row that can run one (microsoft/vscode#205209); the rule page is the related information.
    const code = r1.code as { value: string; target: vscode.Uri };
    const r1Node = expected.find((f) => f.ruleId === 'R1' && problemMessageIncludes(r1.message, f.nodes))!.nodes[0]!;
    assert.equal(code.target.scheme, 'command', code.target.toString());
    assert.equal(code.target.path, 'qdqStudio.revealFindingNode');
    assert.deepEqual(JSON.parse(code.target.query), [uri.toString(), r1Node]);
    const page = r1.relatedInformation?.[0]?.location.uri;
    assert.ok(page?.path.endsWith('/docs/rules/R1.md'), page?.toString());
    assert.match(r1.relatedInformation![0]!.message, /^R1 \S+: what TensorRT does and how to fix it$/);
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(page!)), /^# R1 /m, 'the rule page the related information opens exists in the extension');
    // What the Problems panel runs when the code is clicked: it reveals the node in the graph.
    assert.equal(await vscode.commands.executeCommand(code.target.path, ...(JSON.parse(code.target.query) as unknown[])), true);
    const bySeverity = (s: vscode.DiagnosticSeverity) => diags.filter((d) => d.severity === s).length;
    assert.equal(bySeverity(vscode.DiagnosticSeverity.Error), expected.filter((f) => f.severity === 'error').length);
    assert.equal(bySeverity(vscode.DiagnosticSeverity.Warning), expected.filter((f) => f.severity === 'warning').length);

    // The Findings view lists the same findings under the model, errors first, each with its node.
    const rows = await findingsRows(uri);
    const model = rows.find((r) => r.kind === 'model' && r.label === 'tiny-qat-defects.onnx');
    assert.ok(model, JSON.stringify(rows));
    assert.match(model.description ?? '', /TensorRT 10\.x INT8 · \d+ errors?, \d+ warnings?/);
    const findings = model.children!.filter((r) => r.kind === 'finding');
    assert.equal(findings.length, expected.length);
    assert.equal(findings[0]!.ruleId, 'R1');
    const firstWarning = findings.findIndex((r) => expected.find((f) => f.ruleId === r.ruleId)?.severity !== 'error');
    assert.ok(findings.slice(firstWarning).every((r) => !['R1', 'R2'].includes(r.ruleId!)), 'errors sort first');
    // Selecting a finding goes to its node (the graph's reveal command, or the model editor).
    await vscode.commands.executeCommand('qdqStudio.revealFindingNode', uri.toString(), findings[0]!.node);
    await waitForOurEditor(uri);

    // The other way: from a node (the graph's "Show Findings") to its findings in the view.
    const r2 = diags.find((d) => ruleOf(d) === 'R2')!;
    const r2Node = /^(\S+) quantizes to UINT8/.exec(r2.message)?.[1];
    assert.ok(r2Node, r2.message);
    assert.equal(await vscode.commands.executeCommand('qdqStudio.graph.showFindings', { qdqUri: uri.toString(), qdqNode: r2Node }), true);
    const selected = await vscode.commands.executeCommand<{ ruleId?: string; nodes?: string[] }[]>('qdqStudio.internal.findingsSelection');
    assert.equal(selected.length, 1);
    assert.ok(selected[0]!.nodes?.includes(r2Node), JSON.stringify(selected));
    assert.equal(selected[0]!.ruleId, 'R1', 'errors first: the R1 finding on the same node comes before R2');
    assert.equal(await vscode.commands.executeCommand('qdqStudio.showFindingsForNode', uri.toString(), '/no/such/node'), false);
  });

  test('a node name with %, %xx, unicode, quotes, spaces, #, ? or & reaches the graph from its Problems code link, in a model whose file name has them too', async () => {
    // tiny-qat-good with the convs its findings start at renamed (each finding's code links to its first node).
    const good = await requireModel('models/tiny-qat-good.onnx');
    const d = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(good), good.fsPath), { file: good.fsPath });
    const graph = d.model.graph!;
    const odd = ['/model.0/conv%20x/Conv', 'a%2Fb', '100%', '%', '%25', '%zz', '%E2%9C%93 done', '/model.2/ünïcödé/卷积/Conv 🙂', '"quoted" and \'single\'', 'with  two spaces', 'hash#tag', 'what?now', 'a&b=c', 'back\\slash \\u0025'];
    const firstNodes = new Set((await expectedFindings(good, 10)).map((f) => f.nodes[0]));
    const convs = graph.node.filter((n) => n.opType === 'Conv' && firstNodes.has(n.name));
    assert.ok(convs.length >= odd.length, `${convs.length} convs start a finding`);
    const renamed = new Set<string>();
    convs.slice(0, odd.length).forEach((n, i) => {
      n.name = odd[i]!;
      markDirty(n);
      renamed.add(n.name);
    });
    const uri = workspaceFile('models/scratch link %41 ü.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, encodeModelToBytes(d));
    const expected = await expectedFindings(uri, 10);
    const linked = new Set(expected.flatMap((f) => (f.nodes[0] !== undefined && renamed.has(f.nodes[0]) ? [f.nodes[0]] : [])));
    assert.equal(linked.size, odd.length, 'every odd name starts a finding');

    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const diags = await waitForDiagnostics(uri, 'QDQ Studio diagnostics on the renamed copy', (x) => x.length === expected.length);
    // What the CommandOpener of VS Code 1.100 runs: JSON.parse(decodeURIComponent(query)), else JSON.parse(query).
    const opener = (query: string): unknown[] => {
      let args: unknown = [];
      try {
        args = JSON.parse(decodeURIComponent(query));
      } catch {
        try {
          args = JSON.parse(query);
        } catch {
          // ignored, as VS Code does
        }
      }
      return Array.isArray(args) ? args : [args];
    };
    const reached = new Set<string>();
    for (const diag of diags) {
      const target = (diag.code as { target?: vscode.Uri }).target;
      if (target?.scheme !== 'command') continue;
      // The Problems panel opens the link as the string target.toString(true), which the opener parses
      // back into a URI; an editor hover opens the URI itself. Both reach the command with the same arguments.
      const fromPanel = vscode.Uri.parse(target.toString(true));
      const args = opener(fromPanel.query);
      assert.deepEqual(opener(target.query), args, target.toString(true));
      assert.equal(fromPanel.path, 'qdqStudio.revealFindingNode');
      assert.equal(args[0], uri.toString(), `the model, from ${target.toString(true)}`);
      assert.ok(expected.some((f) => f.nodes[0] === args[1]), `the link of "${diag.message}" names ${JSON.stringify(args[1])}, the first node of no finding`);
      const name = args[1] as string;
      if (!renamed.has(name) || reached.has(name)) continue;
      reached.add(name);
      // Run it as the opener does; the graph selects that node.
      assert.equal(await vscode.commands.executeCommand(fromPanel.path, ...args), true);
      await waitForGraph(uri, `${JSON.stringify(name)} selected from its Problems link`, (g) => g.state === 'ready' && g.selected === name);
    }
    assert.deepEqual([...reached].sort(), [...linked].sort());
  });

  test('an external data file that is missing is a warning in the Problems panel, naming it, beside the findings', async () => {
    const good = await requireModel('models/tiny-qat-good.onnx');
    // The same model with one conv weight moved to an external data file that is not there.
    const d = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(good), good.fsPath), { file: good.fsPath });
    const weight = d.model.graph!.initializer.find((t) => t.rawData && t.dims.length === 4)!;
    const length = tensorByteLength(weight)!;
    weight.rawData = undefined;
    weight.dataLocation = DataLocation.EXTERNAL;
    weight.externalData = [{ key: 'location', value: 'gone.bin' }, { key: 'length', value: String(length) }];
    markDirty(weight);
    const uri = workspaceFile('models/scratch-external.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, encodeModelToBytes(d));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const diags = await waitForDiagnostics(uri, 'the external-data warning', (x) => x.some((y) => ruleOf(y) === 'external-data'));
    const data = diags.filter((x) => ruleOf(x) === 'external-data');
    assert.equal(data.length, 1);
    assert.equal(data[0]!.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(data[0]!.message.startsWith(`${uri.fsPath}: external data file 'gone.bin'`), data[0]!.message);
    assert.match(data[0]!.message, /does not exist or cannot be read; 1 tensor stored in it cannot be read/);
    // The analysis findings are still reported next to it, one diagnostic each.
    const findings = await expectedFindings(uri, 10);
    assert.ok(findings.length > 0);
    await waitForDiagnostics(uri, 'the findings beside the warning', (x) => x.length === findings.length + 1);
  });

  test('a graph TensorRT\'s parser refuses (a dangling input) is a G1 error in the Problems panel, linking to the node, as qdq lint says it', async () => {
    const good = await requireModel('models/tiny-qat-good.onnx');
    const d = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(good), good.fsPath), { file: good.fsPath });
    const node = d.model.graph!.node.find((n) => n.opType === 'Conv' && n.name)!;
    node.input = ['nowhere', ...node.input.slice(1)];
    markDirty(node);
    const uri = workspaceFile('models/scratch-dangling.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.writeFile(uri, encodeModelToBytes(d));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const diags = await waitForDiagnostics(uri, 'the G1 error', (x) => x.some((y) => ruleOf(y) === 'G1'));
    const g1 = diags.filter((x) => ruleOf(x) === 'G1');
    assert.equal(g1.length, 1, JSON.stringify(g1.map((x) => x.message)));
    assert.equal(g1[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.match(g1[0]!.message, /nowhere/);
    const code = g1[0]!.code as { value: string; target: vscode.Uri };
    assert.equal(code.target.scheme, 'command', 'the code link reveals the node');
    assert.ok(decodeURIComponent(code.target.query).includes(node.name), code.target.query);
    assert.ok(g1[0]!.relatedInformation?.[0]?.location.uri.path.endsWith('/docs/rules/G1.md'));
  });

  test('saving over a linked model file (a Hugging Face cache snapshot) brings up the warning for its data link, which now leads out', async function () {
    if (process.platform === 'win32') return this.skip(); // symbolic links need extra rights there
    const good = await requireModel('models/tiny-qat-good.onnx');
    // The cache layout: blobs/<hash> hold the model and its data; snapshots/rev links to them.
    const d = decodeModel(new MemorySource(await vscode.workspace.fs.readFile(good), good.fsPath), { file: good.fsPath });
    const weight = d.model.graph!.initializer.find((t) => t.rawData && t.dims.length === 4)!;
    const data = readTensorBytes(d, weight);
    weight.rawData = undefined;
    weight.dataLocation = DataLocation.EXTERNAL;
    weight.externalData = [{ key: 'location', value: 'model.onnx_data' }, { key: 'length', value: String(data.length) }];
    markDirty(weight);
    const root = workspaceFile('models/scratch-hf').fsPath;
    scratch.push(vscode.Uri.file(root));
    fs.mkdirSync(path.join(root, 'blobs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'snapshots', 'rev'), { recursive: true });
    fs.writeFileSync(path.join(root, 'blobs', 'sha-model'), encodeModelToBytes(d));
    fs.writeFileSync(path.join(root, 'blobs', 'sha-data'), data);
    fs.symlinkSync('../../blobs/sha-model', path.join(root, 'snapshots', 'rev', 'model.onnx'));
    fs.symlinkSync('../../blobs/sha-data', path.join(root, 'snapshots', 'rev', 'model.onnx_data'));
    const uri = vscode.Uri.file(path.join(root, 'snapshots', 'rev', 'model.onnx'));

    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const dataWarnings = (x: vscode.Diagnostic[]) => x.filter((y) => ruleOf(y) === 'external-data');
    const before = await waitForDiagnostics(uri, 'the findings of the linked model', (x) => x.length > 0);
    assert.deepEqual(dataWarnings(before).map((x) => x.message), [], 'usable while the model file is a link beside its data');
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.disableQuantization', { uri: uri.toString(), target: '/model.0/conv/Conv' });
    assert.ok(outcome?.applied, outcome?.message);
    await waitForOurEditor(uri);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await poll('the save to replace the link', 20_000, async () => (fs.lstatSync(uri.fsPath).isSymbolicLink() ? undefined : true));
    const after = await waitForDiagnostics(uri, 'the external-data warning after the save', (x) => dataWarnings(x).length === 1);
    assert.match(dataWarnings(after)[0]!.message, /'model\.onnx_data' leads through a symbolic link out of the model's folder/);
  });

  test('where the Q/DQ build disagrees with the prediction, Problems and Findings say so per node; cleared by an agreeing build and by a change of the model', async () => {
    const good = await requireModel('models/tiny-qat-good.onnx');
    const uri = workspaceFile('models/scratch-engine.onnx');
    const buildDir = workspaceFile('models/scratch-engine.trtexec');
    scratch.push(uri, buildDir);
    await vscode.workspace.fs.copy(good, uri, { overwrite: true });
    // Two convs the analysis predicts INT8 that the engine ran in FP16 (the audit's case).
    const bytes = await vscode.workspace.fs.readFile(uri);
    const decoded = decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath });
    const predicted = analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), { trt: 10, precision: 'int8', stronglyTyped: false, refit: false });
    const halfConvs = predicted.layers.filter((l) => l.opType === 'Conv' && l.precision === 'INT8').slice(1, 3).map((l) => l.node);
    assert.equal(halfConvs.length, 2);
    const layerInfo = vscode.Uri.joinPath(buildDir, 'qdq.layer.json');
    await vscode.workspace.fs.writeFile(layerInfo, new TextEncoder().encode(await standInLayerInfo(uri, halfConvs)));

    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const mismatches = (d: vscode.Diagnostic[]) => d.filter((x) => ruleOf(x) === 'engine-mismatch');
    const diags = mismatches(await waitForDiagnostics(uri, 'two engine-mismatch warnings', (d) => mismatches(d).length === 2));
    assert.deepEqual(diags.map((d) => /Engine built (\S+) /.exec(d.message)?.[1]).sort(), [...halfConvs].sort());
    for (const d of diags) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(d.message, /\(Conv\) in FP16, the analysis predicted INT8 \(TensorRT 10\.x INT8\): layer ".+" of scratch-engine\.trtexec\/qdq\.layer\.json/);
      // The code links to the node in the graph; the related information is the layer's entry in the layer info.
      const code = d.code as { value: string; target: vscode.Uri };
      assert.equal(code.target.scheme, 'command');
      assert.equal(code.target.path, 'qdqStudio.revealFindingNode');
      assert.deepEqual(JSON.parse(code.target.query), [uri.toString(), /Engine built (\S+) /.exec(d.message)![1]]);
      const related = d.relatedInformation?.[0];
      assert.ok(related, 'related information');
      assert.equal(related.location.uri.fsPath, layerInfo.fsPath);
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(layerInfo)).split('\n');
      const node = /Engine built (\S+) /.exec(d.message)![1]!;
      assert.ok(text[related.location.range.start.line]!.includes(`"Name": "${node} [layer`), `line ${related.location.range.start.line}: ${text[related.location.range.start.line]}`);
    }
    // Clicking the code shows the node selected in the graph.
    const link = (diags[0]!.code as { target: vscode.Uri }).target;
    await vscode.commands.executeCommand(link.path, ...(JSON.parse(link.query) as unknown[]));
    const linked = /Engine built (\S+) /.exec(diags[0]!.message)![1]!;
    await waitForGraph(uri, `${linked} selected from its Problems link`, (g) => g.state === 'ready' && g.selected === linked);
    // The rule findings are still all there beside them.
    const expected = await expectedFindings(uri, 10);
    assert.equal(ours(uri).length, expected.length + 2);
    // The Findings view lists them under the model, after the findings, each going to its node.
    const rows = await findingsRows(uri);
    const model = rows.find((r) => r.kind === 'model' && r.label === 'scratch-engine.onnx');
    assert.ok(model, JSON.stringify(rows));
    assert.match(model.description ?? '', / · engine: \d+ of \d+ as predicted/);
    const rowsOfEngine = model.children!.filter((r) => r.kind === 'mismatch');
    assert.deepEqual(rowsOfEngine.map((r) => r.node).sort(), [...halfConvs].sort());
    assert.equal(rowsOfEngine[0]!.label, 'engine: FP16, predicted INT8');
    const check = await vscode.commands.executeCommand<{ compared: number; agree: number; disagreements: unknown[] }>('qdqStudio.internal.engineCheck', uri.toString());
    assert.equal(check.disagreements.length, 2);
    assert.equal(check.agree, check.compared - 2);

    // A new build that agrees clears them (the layer info is written again; a watcher sees it).
    await vscode.workspace.fs.writeFile(layerInfo, new TextEncoder().encode(await standInLayerInfo(uri, [])));
    await waitForDiagnostics(uri, 'the engine-mismatch warnings to go after an agreeing build', (d) => d.length === expected.length && mismatches(d).length === 0);
    assert.equal((await vscode.commands.executeCommand<{ disagreements: unknown[] }>('qdqStudio.internal.engineCheck', uri.toString())).disagreements.length, 0);

    // They come back with a disagreeing build, and go when the model changes: an edit (unsaved), and
    // a new model file on disk (the build is now older than it, so it is not this model's engine).
    await vscode.workspace.fs.writeFile(layerInfo, new TextEncoder().encode(await standInLayerInfo(uri, halfConvs)));
    await waitForDiagnostics(uri, 'the engine-mismatch warnings back', (d) => mismatches(d).length === 2);
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.disableQuantization', { uri: uri.toString(), target: '/model.0/conv/Conv' });
    assert.ok(outcome?.applied, outcome?.message);
    await waitForDiagnostics(uri, 'no engine-mismatch warning while the model has unsaved edits', (d) => d.length > 0 && mismatches(d).length === 0);
    await vscode.commands.executeCommand('undo');
    await waitForDiagnostics(uri, 'the engine-mismatch warnings back after undo', (d) => mismatches(d).length === 2);
    await sleep(50); // a later modification time than the layer info's
    await vscode.workspace.fs.writeFile(uri, bytes);
    await waitForDiagnostics(uri, 'no engine-mismatch warning once the model file is newer than its build', (d) => d.length === expected.length && mismatches(d).length === 0);
    assert.equal(await vscode.commands.executeCommand('qdqStudio.internal.engineCheck', uri.toString()), undefined);
  });

  test('a settings change re-runs the analysis for the new TensorRT target', async () => {
    const uri = await requireModel('models/tiny-qat-defects.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForDiagnostics(uri, 'diagnostics for 10.x', (d) => d.length > 0);
    await vscode.workspace.getConfiguration('qdqStudio.analysis').update('tensorrtVersion', '8', vscode.ConfigurationTarget.Workspace);
    const expected8 = await expectedFindings(uri, 8);
    const model = await poll('the Findings view to show TensorRT 8.x', 20_000, async () => {
      const m = (await findingsRows(uri)).find((r) => r.kind === 'model');
      return m?.description?.startsWith('TensorRT 8.x') ? m : undefined;
    });
    assert.equal(model.children!.filter((r) => r.kind === 'finding').length, expected8.length);
    await waitForDiagnostics(uri, `${expected8.length} diagnostics for 8.x`, (d) => d.length === expected8.length);
  });

  test('diagnostics follow the file when it changes on disk, and go when the model is closed', async () => {
    const defects = await requireModel('models/tiny-qat-defects.onnx');
    const good = await requireModel('models/tiny-qat-good.onnx');
    const uri = workspaceFile('models/scratch-diagnostics.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.copy(defects, uri, { overwrite: true });
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await waitForDiagnostics(uri, 'R1 on the scratch copy', (d) => d.some((x) => ruleOf(x) === 'R1'));
    const expectedGood = await expectedFindings(good, 10);
    await vscode.workspace.fs.writeFile(uri, await vscode.workspace.fs.readFile(good));
    const after = await waitForDiagnostics(uri, 'the diagnostics of the good model after the file changed', (d) => !d.some((x) => ruleOf(x) === 'R1'));
    assert.equal(after.length, expectedGood.length);
    await closeAllEditors();
    await waitForDiagnostics(uri, 'no diagnostics once the model is closed', (d) => d.length === 0);
  });

  test('an edit re-runs the analysis: the finding it fixes goes, and comes back on undo', async () => {
    const defects = await requireModel('models/tiny-qat-defects.onnx');
    const uri = workspaceFile('models/scratch-diagnostics-edit.onnx');
    scratch.push(uri);
    await vscode.workspace.fs.copy(defects, uri, { overwrite: true });
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    // The builder gave the input quantizer of the first conv zero point 3: R1 on its Q and its DQ.
    const r1OnFirstConv = (d: vscode.Diagnostic[]) => d.filter((x) => ruleOf(x) === 'R1' && x.message.includes('/model.0/conv/_input_quantizer/')).length;
    const before = await waitForDiagnostics(uri, 'R1 on the first conv of the scratch copy', (d) => r1OnFirstConv(d) === 2);
    // Keeping that conv in higher precision removes the pair, and with it both findings.
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.disableQuantization', { uri: uri.toString(), target: '/model.0/conv/Conv' });
    assert.ok(outcome?.applied, outcome?.message);
    const after = await waitForDiagnostics(uri, 'R1 to go once the conv runs in higher precision', (d) => d.length > 0 && r1OnFirstConv(d) === 0);
    assert.ok(after.length <= before.length - 2, `${after.length} findings after the edit, ${before.length} before`);
    await vscode.commands.executeCommand('undo');
    const undone = await waitForDiagnostics(uri, 'R1 to come back after undo', (d) => r1OnFirstConv(d) === 2);
    assert.equal(undone.length, before.length);
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
  });

  test('with two models open, the one in front is listed first; a fix applied from the other brings its editor to the front', async () => {
    const [a, b] = await twoCopies('scratch-findings-a.onnx', 'scratch-findings-b.onnx');
    const activeTab = () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom ? input.uri.path : undefined;
    };
    // a sorts before b by name; b opened last is in front, so b comes first.
    await vscode.commands.executeCommand('vscode.openWith', a, VIEW_TYPE);
    await waitForOurEditor(a);
    await vscode.commands.executeCommand('vscode.openWith', b, VIEW_TYPE);
    await waitForOurEditor(b);
    await findingsRows(b);
    await waitListedFirst('scratch-findings-b.onnx', a);
    // Bringing a to the front reorders.
    await vscode.commands.executeCommand('vscode.openWith', a, VIEW_TYPE);
    await waitListedFirst('scratch-findings-a.onnx', a);
    // Apply Fix on b's R22 finding (b in the background): b comes to the front and is the one edited.
    await vscode.commands.executeCommand('vscode.openWith', a, VIEW_TYPE);
    const rows = await findingsRows(b);
    const bRow = rows.find((r) => r.kind === 'model' && r.label === 'scratch-findings-b.onnx')!;
    const r22 = bRow.children!.find((r) => r.ruleId === 'R22');
    assert.ok(r22, JSON.stringify(bRow.children?.map((r) => r.ruleId)));
    assert.ok(activeTab()?.endsWith('/scratch-findings-a.onnx'));
    await vscode.commands.executeCommand('qdqStudio.internal.applyFindingFixByRow', b.toString(), r22.ruleId, r22.node);
    assert.ok(activeTab()?.endsWith('/scratch-findings-b.onnx'), `active tab after the fix: ${activeTab()}`);
    const edited = await vscode.commands.executeCommand<{ isDirty: boolean }>('qdqStudio.internal.editState', b.toString());
    const untouched = await vscode.commands.executeCommand<{ isDirty: boolean }>('qdqStudio.internal.editState', a.toString());
    assert.equal(edited.isDirty, true);
    assert.equal(untouched.isDirty, false);
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
  });

  test('models side by side: focus moving between groups reorders; Apply Fix reveals the model in its own group (no second editor)', async () => {
    const [a, b] = await twoCopies('scratch-findings-left.onnx', 'scratch-findings-right.onnx');
    const tabsOf = (uri: vscode.Uri) => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.path === uri.path);
    await vscode.commands.executeCommand('vscode.openWith', a, VIEW_TYPE, { viewColumn: vscode.ViewColumn.One });
    await waitForOurEditor(a);
    await vscode.commands.executeCommand('vscode.openWith', b, VIEW_TYPE, { viewColumn: vscode.ViewColumn.Two });
    await waitForOurEditor(b);
    await findingsRows(b);
    await waitListedFirst('scratch-findings-right.onnx', a);
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup'); // no tab changes, only the active group
    await waitListedFirst('scratch-findings-left.onnx', a);
    await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
    await waitListedFirst('scratch-findings-right.onnx', a);
    // Apply Fix on the left model's R22 while the right group is active.
    const aRow = (await findingsRows(a)).find((r) => r.kind === 'model' && r.label === 'scratch-findings-left.onnx')!;
    const r22 = aRow.children!.find((r) => r.ruleId === 'R22')!;
    await vscode.commands.executeCommand('qdqStudio.internal.applyFindingFixByRow', a.toString(), r22.ruleId, r22.node);
    assert.equal(tabsOf(a).length, 1, 'no second editor of the left model');
    assert.equal(tabsOf(a)[0]!.group.viewColumn, vscode.ViewColumn.One);
    assert.ok(tabsOf(a)[0]!.isActive, 'the left model is the active tab of its group');
    assert.equal((await vscode.commands.executeCommand<{ isDirty: boolean }>('qdqStudio.internal.editState', a.toString())).isDirty, true);
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
  });

  test('a model that cannot be read gets one error naming the file', async () => {
    const uri = await requireModel('models/broken-truncated.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const [d] = await waitForDiagnostics(uri, 'the load error diagnostic', (x) => x.length === 1);
    assert.equal(d!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d!.code, 'load');
    assert.ok(d!.message.includes('broken-truncated.onnx'), d!.message);
  });
});
