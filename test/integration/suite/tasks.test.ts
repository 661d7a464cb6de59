/**
 * Tasks in a real VS Code: the `qdq` task list, a trtexec build through the task system with the
 * stand-in trtexec (test/support/standins/trtexec: prints a recorded log, writes recorded layer
 * info and profile) ending in the engine report webview showing the recorded numbers, hostile
 * arguments through a Python step's task reaching a stand-in "python" intact, a missing tool or a
 * refused build giving a message instead of a task, the commands called as the Explorer calls them
 * (`(uri, selectedUris[])`), the remembered Quantize answers, the problem matchers, and tasks.json
 * paths resolved against the workspace folder.
 *
 * Workspace Trust: the harness starts code-server with --disable-workspace-trust, so the workspace
 * is always trusted here; the gate itself is unit-tested (test/unit/tasks/settings.test.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ProcessTerminal } from '../../../src/tasks/processTerminal';
import type { EngineRenderedDto } from '../../../src/protocol/engineView';
import { EXTENSION_ID, closeAllEditors, note, poll, requireModel, sleep, workspaceFile, workspaceRoot } from './support';

interface EngineState {
  label: string;
  layerInfo: string;
  profile?: string;
  log?: string;
  layerCount: number;
  reformats: number;
  throughputQps?: number;
  trtVersion?: string;
  compareWith?: string;
  /** What the webview drew (src/protocol/engineView.ts). */
  rendered?: EngineRenderedDto;
}

const SETTINGS = ['python.path', 'yolov9Qat.path', 'trtexec.path', 'trtexec.version'] as const;

function standin(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const p = path.join(ext.extensionUri.fsPath, 'test', 'support', 'standins', name);
  if (!fs.existsSync(p)) throw new Error(`stand-in ${p} is missing`);
  return p;
}

/** A recorded Python traceback (test/fixtures/python; its user files are in `/tmp/qdq py/yolov9-qat`). */
function py(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return fs.readFileSync(path.join(ext.extensionUri.fsPath, 'test', 'fixtures', 'python', name), 'utf8');
}

async function setSetting(key: (typeof SETTINGS)[number], value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('qdqStudio').update(key, value, vscode.ConfigurationTarget.Global);
}

async function engineState(): Promise<EngineState | undefined> {
  return vscode.commands.executeCommand<EngineState | undefined>('qdqStudio.internal.engineReportState');
}

async function runAndWait(task: vscode.Task, timeoutMs = 60_000): Promise<void> {
  const execution = await vscode.tasks.executeTask(task);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`task ${task.name} did not end within ${timeoutMs} ms`)), timeoutMs);
    const sub = vscode.tasks.onDidEndTask((e) => {
      if (e.execution === execution) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

/** A yolov9-qat checkout with the stand-in scripts, and python.path / yolov9Qat.path set to use it. */
async function standinCheckout(python = standin('argv-echo')): Promise<{ root: string; checkout: string; argvFile: string; dispose(): Promise<void> }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-task-'));
  const checkout = path.join(root, 'yolov9-qat');
  fs.mkdirSync(checkout);
  fs.writeFileSync(path.join(checkout, 'qat.py'), '# stand-in checkout\n');
  fs.writeFileSync(path.join(checkout, 'export_qat.py'), '# stand-in checkout\n');
  await setSetting('python.path', python);
  await setSetting('yolov9Qat.path', checkout);
  return {
    root,
    checkout,
    argvFile: path.join(checkout, 'standin-argv.json'),
    async dispose() {
      await setSetting('python.path', undefined);
      await setSetting('yolov9Qat.path', undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a command that asks through QuickPicks / InputBoxes and answers each prompt as a person
 * pressing Enter would (the active item, the given value), until the command settles.
 */
async function answeringWithEnter<T>(run: Thenable<T>): Promise<T> {
  let settled = false;
  const result = Promise.resolve(run).finally(() => (settled = true));
  while (!settled) {
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await Promise.race([result.catch(() => undefined), sleep(300)]);
  }
  return result;
}

function readArgv(file: string): string[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { args: string[] }).args;
}

suite('Tasks', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    await setSetting('trtexec.path', standin('trtexec'));
  });
  suiteTeardown(async () => {
    for (const k of SETTINGS) await setSetting(k, undefined);
    await closeAllEditors();
  });

  test('the workspace is trusted here, so the qdq task type is available', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });

  test('the task list holds trtexec builds that fit each model (Q/DQ build for QAT exports, baselines for float ones)', async () => {
    await requireModel('models/tiny-qat-good.onnx');
    const tasks = await vscode.tasks.fetchTasks({ type: 'qdq' });
    const names = tasks.map((t) => t.name).sort();
    note(`qdq tasks: ${names.join(', ')}`);
    assert.ok(names.includes('trtexec qdq: tiny-qat-good.onnx'), names.join(', '));
    assert.ok(names.includes('trtexec fp16: tiny-fp32.onnx'), names.join(', '));
    assert.ok(names.includes('trtexec ptq: tiny-fp32.onnx'), names.join(', '));
    assert.ok(!names.includes('trtexec fp16: tiny-qat-good.onnx'), 'no FP16 baseline offered for a Q/DQ model');
    assert.ok(!names.some((n) => n.includes('broken-truncated') || n.includes('not-onnx')), 'unreadable models get no tasks');
    for (const t of tasks) assert.equal(t.source, 'QDQ Studio');
  });

  test('running the trtexec task with the stand-in ends with the engine report open, showing the recorded numbers', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-good.trtexec');
    fs.rmSync(outDir, { recursive: true, force: true });
    const task = (await vscode.tasks.fetchTasks({ type: 'qdq' })).find((t) => t.name === 'trtexec qdq: tiny-qat-good.onnx');
    assert.ok(task, 'the qdq build task of tiny-qat-good.onnx');
    const t0 = Date.now();
    await runAndWait(task);
    const state = await poll('the engine report of the qdq build', 30_000, async () => {
      const s = await engineState();
      return s?.rendered?.status === 'ready' && s.layerInfo === path.join(outDir, 'qdq.layer.json') ? s : undefined;
    });
    note(`trtexec task to engine report: ${Date.now() - t0} ms`);
    // The recorded trt8-detailed layer info / profile and short.console.log (test/fixtures/trtexec/README.md).
    assert.equal(state.layerCount, 12);
    assert.equal(state.reformats, 6);
    assert.equal(state.throughputQps, 1005.92);
    assert.equal(state.trtVersion, '8.6.1');
    assert.equal(state.profile, path.join(outDir, 'qdq.profile.json'));
    assert.equal(state.log, path.join(outDir, 'qdq.log'));
    assert.equal(state.rendered?.layerRows, 12, 'layer rows the webview drew');
    assert.equal(state.rendered?.reformatRows, 6, 'reformat rows the webview drew');
    assert.equal(state.rendered?.throughputText, '1005.92 qps');
    // The same build opened by command has the same title (it said "Engine report: qdq").
    assert.equal((state as { title?: string }).title, 'Engine report: qdq: tiny-qat-good.onnx');
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(path.join(outDir, 'qdq.layer.json')));
    const byCommand = await engineState();
    assert.equal((byCommand as { title?: string } | undefined)?.title, 'Engine report: qdq: tiny-qat-good.onnx');
    // The build's actual precisions are laid over the model's graph (the 'engine' overlay).
    const overlay = await vscode.commands.executeCommand<{ nodes: Record<string, { key?: string; badge?: string }> } | undefined>(
      'qdqStudio.internal.getOverlay',
      model.toString(),
      'engine',
    );
    assert.ok(overlay, 'an engine overlay on the model');
    assert.equal(overlay.nodes['Conv_17']?.key, 'INT8');
    assert.equal(overlay.nodes['Conv_95']?.key, 'FP16');
    assert.equal(overlay.nodes['QuantizeLinear_7']?.badge, 'quantize');
    // The prediction check ran for the model (the recorded 8.x engine names none of its nodes).
    assert.match(state.rendered?.predictionText ?? '', /No layer of this engine names a compute node of tiny-qat-good\.onnx/);
    // trtexec's warnings are in the Problems panel at their lines of the saved log.
    const logDiagnostics = await poll('trtexec log diagnostics', 10_000, async () => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(outDir, 'qdq.log')));
      return d.length ? d : undefined;
    });
    assert.equal(logDiagnostics.length, 3);
    assert.ok(logDiagnostics.every((d) => d.severity === vscode.DiagnosticSeverity.Warning));
    assert.equal(logDiagnostics[0]!.range.start.line, 37, 'the INT64 weights warning is on line 38 of the log');
    assert.equal(logDiagnostics[0]!.source, 'TensorRT');
    // The console log was teed to the known path, and trtexec got the 8.x Q/DQ flags.
    assert.match(fs.readFileSync(path.join(outDir, 'qdq.log'), 'utf8'), /&&&& PASSED TensorRT\.trtexec \[TensorRT v8601\]/);
    const argv = JSON.parse(fs.readFileSync(path.join(outDir, 'standin-argv.json'), 'utf8')) as string[];
    assert.deepEqual(argv.slice(0, 3), [`--onnx=${model.fsPath}`, '--int8', '--fp16']);
    for (const a of ['--profilingVerbosity=detailed', `--exportLayerInfo=${path.join(outDir, 'qdq.layer.json')}`, `--exportProfile=${path.join(outDir, 'qdq.profile.json')}`, '--useCudaGraph', '--noDataTransfers', '--separateProfileRun']) {
      assert.ok(argv.includes(a), `${a} in ${argv.join(' ')}`);
    }
  });

  test('Export to TensorRT on a float model with TensorRT 10 builds both baselines, and the report compares nothing until asked', async () => {
    const model = await requireModel('models/tiny-fp32.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-fp32.trtexec');
    fs.rmSync(outDir, { recursive: true, force: true });
    await setSetting('trtexec.version', '10');
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['fp16', 'ptq']);
      const state = await poll('the engine report of the ptq build', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === path.join(outDir, 'ptq.layer.json') ? s : undefined;
      });
      assert.equal(state.rendered?.comparisonRows, 0);
      assert.ok(fs.existsSync(path.join(outDir, 'fp16.layer.json')), 'the fp16 build ran first');
      const argv = JSON.parse(fs.readFileSync(path.join(outDir, 'standin-argv.json'), 'utf8')) as string[];
      assert.deepEqual(argv.slice(1, 3), ['--int8', '--fp16']);
    } finally {
      await setSetting('trtexec.version', undefined);
    }
  });

  test('a QAT build\'s report offers its float twin\'s baselines: Compare with… compares it with the PTQ build, remembered for that report', async () => {
    const qat = await requireModel('models/tiny-qat-good.onnx');
    const fp32 = await requireModel('models/tiny-fp32.onnx');
    const qatDir = path.join(path.dirname(qat.fsPath), 'tiny-qat-good.trtexec');
    const fpDir = path.join(path.dirname(fp32.fsPath), 'tiny-fp32.trtexec');
    const qdqLayerInfo = path.join(qatDir, 'qdq.layer.json');
    for (const d of [qatDir, fpDir]) fs.rmSync(d, { recursive: true, force: true });
    try {
      // The product's loop: the float export's FP16 and PTQ baselines, then the QAT export's Q/DQ build.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', fp32, ['fp16', 'ptq']);
      await poll('the engine report of the ptq build', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === path.join(fpDir, 'ptq.layer.json') ? s : undefined;
      });
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', qat);
      const first = await poll('the engine report of the qdq build', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === qdqLayerInfo ? s : undefined;
      });
      // No build of its own to compare with (a first build): nothing compared, but the twin's builds offered, with their throughput.
      assert.equal(first.compareWith, undefined);
      assert.equal(first.rendered?.comparisonRows, 0);
      assert.deepEqual(first.rendered?.candidates?.slice(0, 2), ['tiny-fp32 · ptq — 1005.92 qps · tiny-fp32.trtexec', 'tiny-fp32 · fp16 — 1005.92 qps · tiny-fp32.trtexec']);
      // Compare with… lists them best first (the PTQ baseline a QAT build must equal); Enter takes it.
      await answeringWithEnter(vscode.commands.executeCommand('qdqStudio.compareEngineReport'));
      const compared = await engineState();
      assert.equal(compared?.layerInfo, qdqLayerInfo);
      assert.equal(compared?.compareWith, 'tiny-fp32 · ptq');
      assert.equal(compared?.rendered?.compareWith, 'tiny-fp32 · ptq');
      assert.ok((compared?.rendered?.comparisonRows ?? 0) > 0, 'the comparison table is drawn');
      // Shown again (from the Explorer), the report compares with what was picked for it.
      await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(qdqLayerInfo));
      const again = await engineState();
      assert.equal(again?.compareWith, 'tiny-fp32 · ptq');
      assert.ok((again?.rendered?.comparisonRows ?? 0) > 0);
    } finally {
      for (const d of [qatDir, fpDir]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('a layer info saved beside its model the way yolov9-qat names it (<model>.engine.layer.json) gets the prediction check and colours that model\'s graph', async () => {
    const source = await requireModel('models/tiny-qat-good.onnx');
    const outDir = path.join(path.dirname(source.fsPath), 'tiny-qat-good.trtexec');
    fs.rmSync(outDir, { recursive: true, force: true });
    const model = path.join(path.dirname(source.fsPath), 'scratch-beside.onnx');
    const beside = path.join(path.dirname(source.fsPath), 'scratch-beside.engine.layer.json');
    try {
      // A layer info as the stand-in trtexec writes it, saved beside a copy of the model.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', source);
      await poll('the stand-in build', 30_000, async () => (fs.existsSync(path.join(outDir, 'qdq.layer.json')) ? true : undefined));
      fs.copyFileSync(source.fsPath, model);
      fs.copyFileSync(path.join(outDir, 'qdq.layer.json'), beside);
      await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(beside));
      const state = await poll('the report of the layer info beside the model', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === beside ? s : undefined;
      });
      assert.match(state.rendered?.predictionText ?? '', /scratch-beside\.onnx/, JSON.stringify(state.rendered));
      const overlay = await poll('the engine overlay on the model beside it', 10_000, async () =>
        vscode.commands.executeCommand<{ nodes: Record<string, { key?: string }> } | undefined>('qdqStudio.internal.getOverlay', vscode.Uri.file(model).toString(), 'engine'),
      );
      assert.equal(overlay.nodes['Conv_17']?.key, 'INT8');
    } finally {
      for (const f of [model, beside]) fs.rmSync(f, { force: true });
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  test('a rebuild keeps the previous build in history/ and its report compares with it by default', async () => {
    const model = await requireModel('models/tiny-qat-defects.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-defects.trtexec');
    const layerInfo = path.join(outDir, 'qdq.layer.json');
    fs.rmSync(outDir, { recursive: true, force: true });
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const first = await poll('the report of the first build', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === layerInfo ? s : undefined;
      });
      assert.equal(first.compareWith, undefined, 'a first build has nothing before it');
      assert.ok(!fs.existsSync(path.join(outDir, 'history')));
      const firstLog = fs.readFileSync(path.join(outDir, 'qdq.log'), 'utf8');
      // The rebuild after an edit: the previous layer info, profile and log move to history/.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const second = await poll('the report of the rebuild, compared with the build before it', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === layerInfo && s.compareWith ? s : undefined;
      });
      const kept = fs.readdirSync(path.join(outDir, 'history')).sort();
      assert.equal(kept.length, 3, kept.join(', '));
      assert.match(kept[0]!, /^qdq\.\d{8}-\d{6}(-\d+)?\.layer\.json$/);
      assert.deepEqual(kept.map((n) => n.slice(n.indexOf('.', 4))), ['.layer.json', '.log', '.profile.json']);
      assert.equal(fs.readFileSync(path.join(outDir, 'history', kept[1]!), 'utf8'), firstLog, 'the first build\'s log is kept');
      assert.equal(second.compareWith, 'previous qdq');
      assert.equal(second.rendered?.compareWith, 'previous qdq');
      assert.ok((second.rendered?.comparisonRows ?? 0) > 0, 'the comparison table is drawn');
      // Said with when that build was made (its layer info's time), not when the rebuild replaced it.
      const builtAt = fs.statSync(path.join(outDir, 'history', kept[0]!)).mtime;
      const two = (n: number) => String(n).padStart(2, '0');
      const built = `${builtAt.getFullYear()}-${two(builtAt.getMonth() + 1)}-${two(builtAt.getDate())} ${two(builtAt.getHours())}:${two(builtAt.getMinutes())}:${two(builtAt.getSeconds())}`;
      assert.equal(second.rendered?.candidates?.[0], `previous qdq — 1005.92 qps · before this build, built ${built}`);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  test('the Q/DQ build on TensorRT 10 is the one the analysis predicts: --int8 --fp16 by default, --stronglyTyped with qdqStudio.analysis.stronglyTyped', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-good.trtexec');
    const analysis = vscode.workspace.getConfiguration('qdqStudio.analysis');
    await setSetting('trtexec.version', '10');
    try {
      for (const typed of [false, true]) {
        fs.rmSync(outDir, { recursive: true, force: true });
        await analysis.update('stronglyTyped', typed ? true : undefined, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
        const argvFile = path.join(outDir, 'standin-argv.json');
        await poll(`the ${typed ? 'strongly typed' : 'default'} build`, 30_000, async () => (fs.existsSync(argvFile) ? true : undefined));
        const argv = JSON.parse(fs.readFileSync(argvFile, 'utf8')) as string[];
        if (typed) {
          assert.equal(argv[1], '--stronglyTyped', argv.join(' '));
          assert.ok(!argv.includes('--int8') && !argv.includes('--fp16'), argv.join(' '));
        } else {
          assert.deepEqual(argv.slice(1, 3), ['--int8', '--fp16'], argv.join(' '));
          assert.ok(!argv.includes('--stronglyTyped'), argv.join(' '));
        }
      }
      // FP8 Q/DQ on 10.x is strongly typed whatever the setting (weakly typed FP8 builds fail or fall back).
      fs.rmSync(outDir, { recursive: true, force: true });
      await analysis.update('stronglyTyped', undefined, vscode.ConfigurationTarget.Global);
      await analysis.update('precision', 'fp8', vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const fp8Argv = path.join(outDir, 'standin-argv.json');
      await poll('the FP8 build', 30_000, async () => (fs.existsSync(fp8Argv) ? true : undefined));
      assert.equal((JSON.parse(fs.readFileSync(fp8Argv, 'utf8')) as string[])[1], '--stronglyTyped');
    } finally {
      await analysis.update('stronglyTyped', undefined, vscode.ConfigurationTarget.Global);
      await analysis.update('precision', undefined, vscode.ConfigurationTarget.Global);
      await setSetting('trtexec.version', undefined);
    }
  });

  test('hostile file names reach the program intact through a Python step\'s task, and nothing else runs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-task-quote-'));
    const checkout = path.join(root, "yolo v9 $(touch PWNED0) 'x'");
    fs.mkdirSync(checkout);
    fs.writeFileSync(path.join(checkout, 'qat.py'), '# stand-in checkout\n');
    fs.writeFileSync(path.join(checkout, 'export_qat.py'), '# stand-in checkout\n');
    const weightsDir = workspaceFile('weights').fsPath;
    fs.mkdirSync(weightsDir, { recursive: true });
    // A shell would run these in the task's working folder (the checkout) or the workspace.
    const weights = path.join(weightsDir, `my model $(touch PWNED1) \`touch PWNED2\`; touch PWNED3 & "q" 'it''s'.pt`);
    fs.writeFileSync(weights, 'not real weights');
    await setSetting('python.path', standin('argv-echo'));
    await setSetting('yolov9Qat.path', checkout);
    try {
      const choices = { data: `${root}/data $(touch ${root}/PWNED4).yaml`, noLastLayer: true, batchSize: 4, iters: 2, device: '0,1' };
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), choices);
      const got = await poll('the stand-in python to record its arguments', 20_000, async () => {
        const f = path.join(checkout, 'standin-argv.json');
        return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { args: string[]; cwd: string }) : undefined;
      });
      note(`stand-in received ${got.args.length} arguments`);
      assert.deepEqual(got.args.slice(0, 4), ['-m', 'torch.distributed.run', '--nproc_per_node', '2']);
      assert.equal(got.args[4], path.join(checkout, 'qat.py'));
      assert.equal(got.args[got.args.indexOf('--weights') + 1], weights);
      assert.equal(got.args[got.args.indexOf('--data') + 1], choices.data);
      assert.ok(got.args.includes('--no-last-layer'));
      assert.equal(fs.realpathSync(got.cwd), fs.realpathSync(checkout));
      await sleep(500);
      const pwned = [root, checkout, weightsDir, workspaceFile('.').fsPath, os.homedir()].flatMap((d) => fs.readdirSync(d)).filter((f) => f.startsWith('PWNED'));
      assert.deepEqual(pwned, [], 'an injected command ran');
    } finally {
      await setSetting('python.path', undefined);
      await setSetting('yolov9Qat.path', undefined);
      fs.rmSync(weightsDir, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('Quantize YOLOv9 called as the Explorer menu calls it (uri, selectedUris[]) asks for the options, and remembers no URIs', async () => {
    const env = await standinCheckout();
    const weights = workspaceFile('weights/explorer.pt').fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    try {
      const remembered = { data: path.join(env.root, 'coco.yaml'), noLastLayer: false, batchSize: 3, iters: 5, device: 'cuda:0' };
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), remembered);
      assert.ok(fs.existsSync(env.argvFile), 'the quantize task with the given choices ran');
      fs.rmSync(env.argvFile);
      const uri = vscode.Uri.file(weights);
      await answeringWithEnter(vscode.commands.executeCommand('qdqStudio.quantizeYolov9', uri, [uri]));
      const args = readArgv(env.argvFile);
      assert.equal(args[args.indexOf('--data') + 1], remembered.data, 'Enter on each prompt keeps the remembered choices');
      assert.equal(args[args.indexOf('--batch-size') + 1], '3');
      assert.equal(args[args.indexOf('--device') + 1], 'cuda:0');
      // The next run's prompts still start from real choices (not from the selected URIs).
      fs.rmSync(env.argvFile);
      await answeringWithEnter(vscode.commands.executeCommand('qdqStudio.quantizeYolov9', uri, [uri, uri]));
      assert.equal(readArgv(env.argvFile)[readArgv(env.argvFile).indexOf('--data') + 1], remembered.data);
    } finally {
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      await env.dispose();
    }
  });

  /**
   * Quantize once with `remembered` choices (they are stored), then again pressing Enter at every
   * prompt: returns the arguments of both runs. `files` go beside the weights (the workspace the
   * pickers search).
   */
  async function rememberedThenEnter(folder: string, remembered: (root: string) => Record<string, unknown>, files: Record<string, string> = {}): Promise<{ first: string[]; second: string[] }> {
    const env = await standinCheckout();
    const weights = workspaceFile(`${folder}/remembered.pt`).fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(path.dirname(weights), name), text);
    try {
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), remembered(env.root));
      const first = readArgv(env.argvFile);
      fs.rmSync(env.argvFile);
      await answeringWithEnter(vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights)));
      return { first, second: readArgv(env.argvFile) };
    } finally {
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      await env.dispose();
    }
  }

  test('Quantize YOLOv9: a remembered --no-last-layer is what Enter accepts at step 3', async () => {
    const { first, second } = await rememberedThenEnter('weights', (root) => ({ data: path.join(root, 'coco.yaml'), noLastLayer: true, batchSize: 2, iters: 4, device: 'cuda:0' }));
    assert.ok(first.includes('--no-last-layer'));
    assert.ok(second.includes('--no-last-layer'), `the remembered --no-last-layer was dropped: ${second.join(' ')}`);
  });

  test('Quantize YOLOv9: a remembered "(script default)" for --hyp is what Enter accepts at step 2', async () => {
    // A hyperparameter file in the workspace: the pick lists it, and before it was the first item.
    const { first, second } = await rememberedThenEnter(
      'weights-hyp',
      (root) => ({ data: path.join(root, 'coco.yaml'), hyp: '', noLastLayer: false, batchSize: 2, iters: 4, device: 'cuda:0' }),
      { 'hyp.scratch-high.yaml': 'lr0: 0.01\n' },
    );
    assert.ok(!first.includes('--hyp'));
    assert.ok(!second.includes('--hyp'), `the remembered script default was replaced: ${second.join(' ')}`);
  });

  test('Export to TensorRT called as the Explorer menu calls it (uri, selectedUris[]) builds the model, and runs no failing task', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-good.trtexec');
    fs.rmSync(outDir, { recursive: true, force: true });
    const started: string[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task.name));
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, [model]);
      assert.deepEqual(started, ['trtexec qdq: tiny-qat-good.onnx']);
      assert.ok(fs.existsSync(path.join(outDir, 'qdq.layer.json')), 'the Q/DQ build ran');
    } finally {
      sub.dispose();
    }
  });

  test('a refused build (Q/DQ flavour on a float model) is a message, not a task that fails', async () => {
    const model = await requireModel('models/tiny-fp32.onnx');
    let started = 0;
    const sub = vscode.tasks.onDidStartTask(() => started++);
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['qdq']);
      assert.equal(started, 0);
    } finally {
      sub.dispose();
    }
  });

  test('provided tasks carry the $qdq-trtexec problem matcher', async () => {
    await requireModel('models/tiny-qat-good.onnx');
    const tasks = await vscode.tasks.fetchTasks({ type: 'qdq' });
    assert.ok(tasks.length > 0);
    for (const t of tasks) assert.deepEqual(t.problemMatchers, ['$qdq-trtexec'], t.name);
  });

  test('a Python traceback of a task reaches the Problems panel at the last frame in the user\'s files', async () => {
    const env = await standinCheckout();
    // A stand-in python printing a real traceback (test/fixtures/python), its user frames in the checkout.
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const recorded = fs.readFileSync(path.join(ext.extensionUri.fsPath, 'test', 'fixtures', 'python', 'library.traceback.txt'), 'utf8').split('/tmp/qdq py/yolov9-qat').join(env.checkout);
    const python = path.join(env.root, 'python-traceback');
    fs.writeFileSync(python, `#!/usr/bin/env node\nprocess.stdout.write('arg: ' + process.argv.slice(2).join(' ') + '\\n');\nprocess.stderr.write(${JSON.stringify(recorded)});\nprocess.exitCode = 1;\n`, { mode: 0o755 });
    await setSetting('python.path', python);
    const weights = workspaceFile('weights/traceback.pt').fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    try {
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), { data: path.join(env.root, 'coco.yaml'), noLastLayer: false, batchSize: 1, iters: 1, device: 'cpu' });
      const qat = vscode.Uri.file(path.join(env.checkout, 'qat.py'));
      const diagnostics = await poll('a diagnostic on qat.py', 15_000, async () => {
        const d = vscode.languages.getDiagnostics(qat);
        return d.length ? d : undefined;
      }).catch((e: Error) => {
        const all = vscode.languages.getDiagnostics().filter(([, d]) => d.length).map(([u, d]) => `${u.toString()}: ${d.map((x) => `${x.range.start.line} ${x.message}`).join('; ')}`);
        throw new Error(`${e.message}; diagnostics: ${all.join(' | ')}`);
      });
      assert.equal(diagnostics.length, 1);
      assert.equal(diagnostics[0]!.range.start.line, 6, 'line 7 of qat.py, the last frame before PyYAML');
      assert.equal(diagnostics[0]!.message, 'yaml.parser.ParserError: while parsing a flow sequence');
      assert.equal(diagnostics[0]!.severity, vscode.DiagnosticSeverity.Error);
    } finally {
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      await env.dispose();
    }
  });

  test('a Python traceback reaches the Problems panel when the same task runs again in its reused terminal', async () => {
    // VS Code 1.100 hands each line of a task run in a reused terminal to the problem matchers
    // twice (microsoft/vscode#170898), so a multi-line matcher never matches from the second run
    // on and the Problem of the first run is cleared: the user fixes the error, re-runs quantize,
    // and the new error is not shown. Our tasks use the one-line `$qdq-python-summary` matcher.
    const env = await standinCheckout();
    const recorded = (name: string) => py(name).split('/tmp/qdq py/yolov9-qat').join(env.checkout);
    // The same task each time; its program fails at qat.py:7 (PyYAML) on the first run, at qat.py:15 (json) after.
    const runs = path.join(env.root, 'runs');
    const python = path.join(env.root, 'python-traceback-rerun');
    fs.writeFileSync(
      python,
      `#!/usr/bin/env node\nconst fs = require('fs');\nconst n = fs.existsSync(${JSON.stringify(runs)}) ? Number(fs.readFileSync(${JSON.stringify(runs)}, 'utf8')) + 1 : 1;\nfs.writeFileSync(${JSON.stringify(runs)}, String(n));\nprocess.stderr.write(n === 1 ? ${JSON.stringify(recorded('library.traceback.txt'))} : ${JSON.stringify(recorded('stdlib.traceback.txt'))});\nprocess.exitCode = 1;\n`,
      { mode: 0o755 },
    );
    await setSetting('python.path', python);
    const weights = workspaceFile('weights/rerun.pt').fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    const qat = vscode.Uri.file(path.join(env.checkout, 'qat.py'));
    const problems = () => vscode.languages.getDiagnostics(qat).map((d) => `${d.range.start.line + 1}: ${d.message}`);
    const terminalsBefore = new Set(vscode.window.terminals);
    const started: vscode.Task[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task));
    const quantize = () => vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), { data: path.join(env.root, 'coco.yaml'), noLastLayer: false, batchSize: 1, iters: 1, device: 'cpu' });
    try {
      await quantize();
      await poll('the first run\'s problem on qat.py:7', 15_000, async () => (problems().length ? problems() : undefined));
      assert.deepEqual(problems(), ['7: yaml.parser.ParserError: while parsing a flow sequence']);
      const terminalsAfterFirst = vscode.window.terminals.filter((t) => !terminalsBefore.has(t));
      // Tasks: Rerun Last Task, as the user does after fixing the error.
      const ended = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the re-run did not end within 60 s')), 60_000);
        const end = vscode.tasks.onDidEndTask(() => {
          clearTimeout(timer);
          end.dispose();
          resolve();
        });
      });
      await vscode.commands.executeCommand('workbench.action.tasks.reRunTask');
      await ended;
      assert.equal(fs.readFileSync(runs, 'utf8'), '2', 'the program ran twice');
      assert.equal(started.length, 2);
      assert.deepEqual(started[1]!.definition, started[0]!.definition, 'the same task both times');
      assert.deepEqual(
        vscode.window.terminals.filter((t) => !terminalsBefore.has(t)),
        terminalsAfterFirst,
        'the second run reused the first run\'s terminal (no new one)',
      );
      const second = await poll('the second run\'s problem on qat.py:15', 15_000, async () => (problems().some((p) => p.startsWith('15:')) ? problems() : undefined)).catch((e: Error) => {
        throw new Error(`${e.message}; problems on qat.py: ${JSON.stringify(problems())}`);
      });
      assert.deepEqual(second, ['15: json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 11 (char 10)'], 'the new problem, once, and the first run\'s gone');
    } finally {
      sub.dispose();
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      await env.dispose();
    }
  });

  test('a Python step\'s exit code arrives: VS Code reports a CustomExecution task\'s close code as its process\'s exit code', async () => {
    const env = await standinCheckout();
    const python = path.join(env.root, 'python-exit-3');
    fs.writeFileSync(python, '#!/usr/bin/env node\nprocess.exitCode = 3;\n', { mode: 0o755 });
    await setSetting('python.path', python);
    const weights = workspaceFile('weights/exit3.pt').fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    const events: string[] = [];
    const subs = [
      vscode.tasks.onDidEndTaskProcess((e) => events.push(`process ended ${e.exitCode}`)),
      vscode.tasks.onDidEndTask(() => events.push('task ended')),
    ];
    try {
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), { data: path.join(env.root, 'coco.yaml'), noLastLayer: false, batchSize: 1, iters: 1, device: 'cpu' });
      // The command returns once the task has ended; both events came, the exit code first.
      assert.deepEqual(events, ['process ended 3', 'task ended']);
    } finally {
      for (const sub of subs) sub.dispose();
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      await env.dispose();
    }
  });

  test('a build stopped before trtexec ends (no exit code) stops Export to TensorRT: the next flavour does not start', async () => {
    const model = await requireModel('models/tiny-fp32.onnx');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-task-stop-'));
    // A trtexec that answers --help and then runs until it is stopped.
    const trtexec = path.join(root, 'trtexec-hangs');
    fs.writeFileSync(
      trtexec,
      "#!/usr/bin/env node\nif (process.argv.includes('--help')) { process.stdout.write('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --help\\n'); process.exit(0); }\nprocess.stdout.write('building\\n');\nsetInterval(() => undefined, 1000);\n",
      { mode: 0o755 },
    );
    await setSetting('trtexec.path', trtexec);
    const started: string[] = [];
    const ended: Array<number | undefined> = [];
    const subs = [
      vscode.tasks.onDidStartTask((e) => {
        started.push(e.execution.task.name);
        e.execution.terminate();
      }),
      vscode.tasks.onDidEndTaskProcess((e) => ended.push(e.exitCode)),
    ];
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['fp16', 'ptq']);
      note(`terminated build: exit codes ${JSON.stringify(ended)}`);
      assert.deepEqual(started, ['trtexec fp16: tiny-fp32.onnx']);
    } finally {
      for (const sub of subs) sub.dispose();
      await setSetting('trtexec.path', standin('trtexec'));
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a failed build ends its task at once: the error notification does not hold it open', async () => {
    const model = await requireModel('models/tiny-fp32.onnx');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-task-fail-'));
    const trtexec = path.join(root, 'trtexec-fails');
    fs.writeFileSync(
      trtexec,
      "#!/usr/bin/env node\nprocess.stdout.write('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec\\n[12/06/2026-10:00:00] [E] Error[4]: network invalid\\n&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec\\n');\nprocess.exit(1);\n",
      { mode: 0o755 },
    );
    await setSetting('trtexec.path', trtexec);
    const ended: Array<number | undefined> = [];
    const sub = vscode.tasks.onDidEndTaskProcess((e) => void ended.push(e.exitCode));
    try {
      // Before, the build's terminal closed only once its error notification was answered, so the
      // command (which waits for the task) never returned: this test timed out.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['fp16']);
      assert.deepEqual(ended, [1]);
    } finally {
      sub.dispose();
      await setSetting('trtexec.path', standin('trtexec'));
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a failed build\'s [E] lines are in the Problems panel at their log lines; the next passing build of the model clears them', async () => {
    const model = await requireModel('models/tiny-fp32.onnx');
    const log = vscode.Uri.file(path.join(path.dirname(model.fsPath), 'tiny-fp32.trtexec', 'fp16.log'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-task-errors-'));
    // trtexec's real failure shape: timestamped [E] lines, then the FAILED frame naming the arguments.
    const trtexec = path.join(root, 'trtexec-fails');
    fs.writeFileSync(
      trtexec,
      [
        '#!/usr/bin/env node',
        "const frame = '[TensorRT v8601] # trtexec ' + process.argv.slice(2).join(' ');",
        "if (process.argv.includes('--help')) { process.stdout.write('&&&& RUNNING TensorRT.trtexec ' + frame + '\\n'); process.exit(0); }",
        "const ts = '[12/06/2026-17:20:00]';",
        "process.stdout.write('&&&& RUNNING TensorRT.trtexec ' + frame + '\\n' + ts + ' [I] === Model Options ===\\n' + ts + ' [E] Error[4]: [network.cpp::validate::3400] Error Code 4: Internal Error (fake failure)\\n' + ts + ' [E] Engine could not be created from network\\n&&&& FAILED TensorRT.trtexec ' + frame + '\\n');",
        'process.exit(1);',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    await setSetting('trtexec.path', trtexec);
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['fp16']);
      // Before, a failed build's [E] lines were only in its notification (log diagnostics came with a report).
      const errors = await poll('the failed build\'s [E] lines in Problems', 10_000, async () => {
        const d = vscode.languages.getDiagnostics(log).filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
        return d.length ? d : undefined;
      });
      assert.deepEqual(
        errors.map((d) => [d.range.start.line, d.message, d.source]),
        [
          [2, 'Error[4]: [network.cpp::validate::3400] Error Code 4: Internal Error (fake failure)', 'trtexec'],
          [3, 'Engine could not be created from network', 'trtexec'],
        ],
      );
      // The next build of the model passes: its log has warnings only, and no report is opened to set them.
      await setSetting('trtexec.path', standin('trtexec'));
      await vscode.workspace.getConfiguration('qdqStudio').update('trtexec.openReport', false, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model, ['fp16']);
      const after = await poll('the passing build\'s warnings in Problems', 10_000, async () => {
        const d = vscode.languages.getDiagnostics(log);
        return d.length && !d.some((x) => x.severity === vscode.DiagnosticSeverity.Error) ? d : undefined;
      }).catch((e: Error) => {
        throw new Error(`${e.message}: ${vscode.languages.getDiagnostics(log).map((d) => `${d.range.start.line} ${d.message}`).join(' | ')}`);
      });
      assert.equal(after.length, 3, 'the recorded log\'s three warnings');
      assert.ok(after.every((d) => d.severity === vscode.DiagnosticSeverity.Warning));
    } finally {
      await vscode.workspace.getConfiguration('qdqStudio').update('trtexec.openReport', undefined, vscode.ConfigurationTarget.Global);
      await setSetting('trtexec.path', standin('trtexec'));
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a step\'s terminal prints the traceback summary dimmed, on a row of its own, right after its exception line', async () => {
    // The pseudoterminal as VS Code drives it. One write: a progress bar (\r, no \n), a chained
    // exception, then more output; later a traceback whose exception line has no line end.
    const chained = py('chained.traceback.txt').split('/tmp/qdq py/yolov9-qat').join('/w');
    const script = [
      `process.stderr.write(' 45%|####     | 9/20\\r' + ${JSON.stringify(chained)} + 'more output');`,
      `setTimeout(() => process.stderr.write('\\nTraceback (most recent call last):\\n  File "/w/export.py", line 3, in <module>\\n    main()\\nValueError: boom'), 300);`,
    ].join('\n');
    const term = new ProcessTerminal({ command: process.execPath, args: ['-e', script] });
    let output = '';
    term.onDidWrite((text) => (output += text));
    const closed = new Promise<void>((resolve) => term.onDidClose(() => resolve()));
    term.open();
    await closed;
    const dim = (s: string) => `\x1b[2m${s}\x1b[22m`;
    assert.ok(
      output.includes(`KeyError: 'weights'\r\n${dim('QDQ Studio: File "/w/qat.py", line 18: KeyError: \'weights\'')}\r\n\r\nDuring handling of the above exception`),
      JSON.stringify(output),
    );
    assert.ok(output.includes(`RuntimeError: no weights in the checkpoint\r\n${dim('QDQ Studio: File "/w/qat.py", line 20: RuntimeError: no weights in the checkpoint')}\r\nmore output`), JSON.stringify(output));
    // At the end of the output: the unfinished exception line is ended first.
    assert.ok(output.includes(`ValueError: boom\r\n${dim('QDQ Studio: File "/w/export.py", line 3: ValueError: boom')}\r\n`), JSON.stringify(output));
  });

  test('Ctrl+C in a step\'s terminal stops its program and closes with 130 (stopped), a program that fails with 1', async () => {
    // The pseudoterminal as VS Code drives it: open, then the user's keystroke (handleInput).
    const run = async (script: string, ctrlC: boolean): Promise<number> => {
      const term = new ProcessTerminal({ command: process.execPath, args: ['-e', script] });
      const closed = new Promise<number>((resolve) => term.onDidClose((code) => resolve(typeof code === 'number' ? code : -1)));
      term.open();
      if (ctrlC) {
        await sleep(500);
        term.handleInput('\x03');
      }
      return closed;
    };
    assert.equal(await run('setInterval(() => undefined, 1000)', true), 130);
    assert.equal(await run('process.exit(1)', false), 1);
  });

  test('Ctrl+C in a step\'s terminal sends SIGINT (as a shell does), then SIGTERM to a program that ignores it; both close with 130', async () => {
    // The pseudoterminal as VS Code drives it; Ctrl+C once the program shows its signal handlers are set.
    const run = async (script: string): Promise<{ code: number; output: string }> => {
      const term = new ProcessTerminal({ command: process.execPath, args: ['-e', `${script}; console.log('ready'); setInterval(() => undefined, 1000)`] });
      let output = '';
      let ready: () => void = () => undefined;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      term.onDidWrite((text) => {
        output += text;
        if (/ready\r\n/.test(output)) ready();
      });
      const closed = new Promise<number>((resolve) => term.onDidClose((code) => resolve(typeof code === 'number' ? code : -1)));
      term.open();
      await isReady;
      term.handleInput('\x03');
      return { code: await closed, output };
    };
    // Before, Ctrl+C sent SIGTERM: this program died of it without a word.
    const handled = await run("process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(0); })");
    assert.equal(handled.code, 130);
    assert.match(handled.output, /\^C\r\n[\s\S]*got SIGINT/);
    // One that ignores SIGINT gets SIGTERM after the grace period.
    const deaf = await run("process.on('SIGINT', () => console.log('ignored SIGINT')); process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); })");
    assert.equal(deaf.code, 130);
    assert.match(deaf.output, /ignored SIGINT[\s\S]*got SIGTERM/);
  });

  test('a tasks.json task: "project" is resolved against the workspace folder, and it has the problem matcher without naming one', async () => {
    const env = await standinCheckout();
    const tasksJson = workspaceFile('.vscode/tasks.json').fsPath;
    fs.mkdirSync(path.dirname(tasksJson), { recursive: true });
    fs.writeFileSync(
      tasksJson,
      JSON.stringify({ version: '2.0.0', tasks: [{ type: 'qdq', task: 'sensitive', weights: 'weights/w.pt', data: 'data/coco.yaml', project: 'runs/sens', name: 'n', label: 'qdq-it sensitive' }] }),
    );
    try {
      const task = await poll('the tasks.json task', 15_000, async () => (await vscode.tasks.fetchTasks({ type: 'qdq' })).find((t) => t.name === 'qdq-it sensitive'));
      assert.deepEqual(task.problemMatchers, ['$qdq-python-summary']);
      await runAndWait(task);
      const args = await poll('the stand-in python to record its arguments', 20_000, async () => (fs.existsSync(env.argvFile) ? readArgv(env.argvFile) : undefined));
      const root = workspaceRoot().fsPath;
      assert.equal(args[args.indexOf('--project') + 1], path.join(root, 'runs', 'sens'));
      assert.equal(args[args.indexOf('--weights') + 1], path.join(root, 'weights', 'w.pt'));
      assert.equal(args[args.indexOf('--data') + 1], path.join(root, 'data', 'coco.yaml'));
    } finally {
      fs.rmSync(path.dirname(tasksJson), { recursive: true, force: true });
      await env.dispose();
    }
  });

  test('a tasks.json task that cannot be built still carries its problem matcher (VS Code would ask which to scan with)', async () => {
    await requireModel('models/tiny-fp32.onnx');
    await setSetting('yolov9Qat.path', path.join(os.tmpdir(), 'qdq-no-such-checkout'));
    const tasksJson = workspaceFile('.vscode/tasks.json').fsPath;
    fs.mkdirSync(path.dirname(tasksJson), { recursive: true });
    fs.writeFileSync(
      tasksJson,
      JSON.stringify({
        version: '2.0.0',
        tasks: [
          // The Q/DQ build of a float model is refused; the yolov9-qat checkout does not exist.
          { type: 'qdq', task: 'trtexec', model: 'models/tiny-fp32.onnx', flavour: 'qdq', label: 'qdq-it refused build' },
          { type: 'qdq', task: 'eval', weights: 'weights/w.pt', data: 'data/coco.yaml', label: 'qdq-it no checkout' },
        ],
      }),
    );
    try {
      const labels = ['qdq-it refused build', 'qdq-it no checkout'];
      const tasks = await poll('the tasks.json tasks', 15_000, async () => {
        const all = await vscode.tasks.fetchTasks({ type: 'qdq' });
        const found = labels.map((l) => all.find((t) => t.name === l));
        return found.every((t) => t) ? (found as vscode.Task[]) : undefined;
      });
      const [refused, noCheckout] = tasks as [vscode.Task, vscode.Task];
      assert.deepEqual(refused.problemMatchers, ['$qdq-trtexec']);
      assert.deepEqual(noCheckout.problemMatchers, ['$qdq-python-summary']);
      // It is the task that shows why it cannot run, and ends.
      const ended = new Promise<number | undefined>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => {
          if (e.execution.task.name === refused.name) {
            sub.dispose();
            resolve(e.exitCode);
          }
        });
      });
      await runAndWait(refused);
      assert.equal(await ended, 1, 'the problem task ends with 1');
    } finally {
      fs.rmSync(path.dirname(tasksJson), { recursive: true, force: true });
      await setSetting('yolov9Qat.path', undefined);
    }
  });

  test('a missing trtexec gives a message and starts no task', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    await setSetting('trtexec.path', '/no/such/trtexec');
    let started = 0;
    const sub = vscode.tasks.onDidStartTask(() => started++);
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      await sleep(1000);
      assert.equal(started, 0);
    } finally {
      sub.dispose();
      await setSetting('trtexec.path', standin('trtexec'));
    }
  });
});
