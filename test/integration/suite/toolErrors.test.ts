/**
 * Tool errors, the log and settings in a real VS Code: "Open Settings" on a tool error opens the
 * Settings editor where a machine setting can be set (the Remote tab in a remote window, which
 * code-server is), failures and task starts/ends reach the QDQ Studio log (read back through the
 * test hook `qdqStudio.internal.logLines`, every level), timing lines are debug, bad
 * `qdqStudio.analysis.*` values are said once each, and the Numeric Check asks about ONNX Runtime
 * before its questions and goes on after a pick.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, closeAllEditors, note, poll, requireModel, workspaceFile } from './support';

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  seq: number;
}
interface Notice {
  kind?: string;
  message: string;
  actions: readonly string[];
}
interface CommandResult {
  result?: { layers: unknown[] };
  error?: string;
  cancelled?: boolean;
}

const logLines = async (): Promise<LogLine[]> => (await vscode.commands.executeCommand<LogLine[]>('qdqStudio.internal.logLines')) ?? [];

/** Lines logged after `mark` (the sequence number of the last line before an action; the log keeps only its latest 500 lines, so not an index). */
async function linesSince(mark: number): Promise<LogLine[]> {
  return (await logLines()).filter((l) => l.seq > mark);
}

/** Waits for a line logged after `mark` that `accept` takes. */
async function waitForLine(what: string, mark: number, accept: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
  let last: LogLine[] = [];
  try {
    return await poll(what, timeoutMs, async () => {
      last = await linesSince(mark);
      return last.find(accept);
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; logged since: ${JSON.stringify(last.slice(-15))}`);
  }
}

const mark = async (): Promise<number> => (await logLines()).at(-1)?.seq ?? 0;

function standin(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return path.join(ext.extensionUri.fsPath, 'test', 'support', 'standins', name);
}

async function setQdq(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
  await vscode.workspace.getConfiguration('qdqStudio').update(key, value, target);
}

suite('Tool errors, the log and settings', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });
  teardown(async () => {
    // Each hook is reset on its own, so one test's failure cannot stop the suite.
    for (const hook of ['qdqStudio.internal.answerToolProblems', 'qdqStudio.internal.numericHooks']) {
      await vscode.commands.executeCommand(hook, undefined).then(undefined, () => undefined);
    }
    await closeAllEditors();
  });

  test('"Open Settings" on a missing trtexec opens the settings where machine settings are (Remote tab in a remote window), filtered to the setting; the error is logged', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    await setQdq('trtexec.path', '/no/such/trtexec');
    const seen: Notice[] = [];
    await vscode.commands.executeCommand('qdqStudio.internal.answerToolProblems', (n: Notice) => {
      seen.push(n);
      return 'Open Settings';
    });
    try {
      const before = await mark();
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const opened = await waitForLine('the settings command', before, (l) => l.message.startsWith('Settings: '));
      note(`remoteName ${JSON.stringify(vscode.env.remoteName)}: ${opened.message}`);
      const expected = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
      // openRemoteSettings takes an options object only: a string argument opens it unfiltered.
      assert.equal(opened.message, `Settings: ${expected} {"query":"qdqStudio.trtexec.path"}`);
      assert.equal(seen.length, 1);
      assert.match(seen[0]!.message, /\/no\/such\/trtexec/);
      const logged = (await linesSince(before)).find((l) => l.level === 'warn' && l.message.includes('/no/such/trtexec'));
      assert.ok(logged, 'the tool problem is logged at warn');
      assert.ok(!(await linesSince(before)).some((l) => l.message.startsWith('Cannot open the settings')), 'the settings command ran');
      // The Settings editor opened (VS Code's own editor: a tab with no input the API describes).
      await poll('the Settings editor', 10_000, async () => (/Settings/.test(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '') ? true : undefined));
    } finally {
      await setQdq('trtexec.path', undefined);
    }
  });

  test('in an untrusted workspace, Export to TensorRT and Quantize YOLOv9 start nothing, and the warning they show is logged at warn', async () => {
    // The harness's code-server always trusts the workspace: the hook sets the trust the commands see.
    const model = await requireModel('models/tiny-qat-good.onnx');
    assert.equal(await vscode.commands.executeCommand<boolean>('qdqStudio.internal.workspaceTrust', false), true, 'the test hook qdqStudio.internal.workspaceTrust is missing');
    try {
      for (const command of ['qdqStudio.exportToTensorRT', 'qdqStudio.quantizeYolov9']) {
        const before = await mark();
        await vscode.commands.executeCommand(command, model);
        const lines = await linesSince(before);
        const warned = lines.filter((l) => l.message.includes('only in a trusted workspace'));
        assert.equal(warned.length, 1, `${command}: the trust warning is not logged once; logged: ${JSON.stringify(lines)}`);
        assert.equal(warned[0]!.level, 'warn', command);
        assert.match(warned[0]!.message, /Manage Workspace Trust/);
        assert.deepEqual(vscode.tasks.taskExecutions, [], `${command}: a task started`);
      }
    } finally {
      await vscode.commands.executeCommand('qdqStudio.internal.workspaceTrust', undefined);
      await vscode.commands.executeCommand('notifications.clearAll').then(undefined, () => undefined);
    }
  });

  test('a model that cannot be read is logged at warn with the file and why; Opened / Loaded / Webview ready are debug lines', async () => {
    const bad = await requireModel('models/not-onnx.onnx');
    const good = await requireModel('models/tiny-qat-good.onnx');
    const before = await mark();
    await vscode.commands.executeCommand('vscode.openWith', bad, VIEW_TYPE);
    const warned = await waitForLine('the load failure', before, (l) => l.level === 'warn' && l.message.includes(bad.fsPath));
    assert.match(warned.message, /^Cannot read the model: /);
    await vscode.commands.executeCommand('vscode.openWith', good, VIEW_TYPE);
    await waitForLine('the webview of the good model ready', before, (l) => l.message.startsWith(`Webview of ${good.toString(true)} ready`));
    const lines = await linesSince(before);
    for (const prefix of [`Opened ${good.fsPath}`, `Loaded ${good.toString(true)}`, `Webview of ${good.toString(true)} ready`]) {
      const line = lines.find((l) => l.message.startsWith(prefix));
      assert.ok(line, `no line "${prefix}…"`);
      assert.equal(line.level, 'debug', prefix);
    }
    assert.ok(!lines.some((l) => l.message.startsWith(`Loaded ${bad.toString(true)}`)), 'a model that did not load is not "Loaded"');
  });

  test('a task\'s start (its quoted command line) and end (exit code) are logged; Quantize YOLOv9 whose qat.py writes no report.json logs the warning', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-log-'));
    const checkout = path.join(root, 'yolo v9');
    fs.mkdirSync(checkout);
    fs.writeFileSync(path.join(checkout, 'qat.py'), '# stand-in checkout\n');
    fs.writeFileSync(path.join(checkout, 'export_qat.py'), '# stand-in checkout\n');
    const weights = workspaceFile('weights/log me.pt').fsPath;
    fs.mkdirSync(path.dirname(weights), { recursive: true });
    fs.writeFileSync(weights, 'not real weights');
    await setQdq('python.path', standin('argv-echo'));
    await setQdq('yolov9Qat.path', checkout);
    try {
      const before = await mark();
      await vscode.commands.executeCommand('qdqStudio.quantizeYolov9', vscode.Uri.file(weights), { data: path.join(root, 'coco.yaml'), noLastLayer: false, batchSize: 1, iters: 1, device: 'cpu' });
      const lines = await linesSince(before);
      const started = lines.find((l) => /^Task quantize: log me\.pt started: /.test(l.message));
      assert.ok(started, JSON.stringify(lines));
      assert.equal(started.level, 'info');
      // As the terminal shows it: quoted for a POSIX shell.
      assert.ok(started.message.includes(`cd '${checkout}' && `), started.message);
      assert.ok(started.message.includes(`'${weights}'`), started.message);
      const ended = lines.find((l) => /^Task quantize: log me\.pt ended: /.test(l.message));
      assert.ok(ended, JSON.stringify(lines));
      assert.match(ended.message, /exited with code 0$/);
      const report = lines.find((l) => l.level === 'warn' && l.message.includes('report.json was not written'));
      assert.ok(report, `the missing report.json is logged: ${JSON.stringify(lines)}`);
    } finally {
      await setQdq('python.path', undefined);
      await setQdq('yolov9Qat.path', undefined);
      fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('bad qdqStudio.analysis values are said once each, naming the setting, the value and what is used instead', async () => {
    const model = await requireModel('models/tiny-qat-good.onnx');
    const section = vscode.workspace.getConfiguration('qdqStudio.analysis');
    const findings = () => vscode.commands.executeCommand('qdqStudio.internal.findings', model.toString());
    try {
      const before = await mark();
      await section.update('tensorrtVersion', '9', vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('vscode.openWith', model, VIEW_TYPE);
      await waitForLine('the model analysed', before, (l) => l.message.startsWith(`Analysed ${model.toString(true)}`));
      const version = (await linesSince(before)).filter((l) => l.message.includes('qdqStudio.analysis.tensorrtVersion'));
      assert.equal(version.length, 1, JSON.stringify(version));
      assert.equal(version[0]!.level, 'warn');
      assert.match(version[0]!.message, /"9".*TensorRT 10/);
      const analysedWith = (await linesSince(before)).find((l) => l.message.startsWith(`Analysed ${model.toString(true)}`));
      assert.match(analysedWith!.message, /TensorRT 10\.x INT8/);
      // Another bad value: said; the first is not said again though the analysis reads it again.
      const second = await mark();
      await section.update('precision', 'int4', vscode.ConfigurationTarget.Workspace);
      await waitForLine('the precision warning', second, (l) => l.message.includes('qdqStudio.analysis.precision'));
      await findings();
      const again = await linesSince(second);
      const precision = again.filter((l) => l.message.includes('qdqStudio.analysis.precision'));
      assert.equal(precision.length, 1);
      assert.match(precision[0]!.message, /"int4".*INT8/);
      assert.equal(again.filter((l) => l.message.includes('qdqStudio.analysis.tensorrtVersion')).length, 0, 'said once');
    } finally {
      await section.update('tensorrtVersion', undefined, vscode.ConfigurationTarget.Workspace);
      await section.update('precision', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  suite('Numeric Check and ONNX Runtime', () => {
    const nowhere = path.join(os.tmpdir(), 'qdq-no-ort', 'resolve-from.js');
    setup(async () => setQdq('numeric.onnxRuntimePath', undefined));
    teardown(async () => setQdq('numeric.onnxRuntimePath', undefined));

    test('ONNX Runtime missing: said before any question (reference, samples), with Install / Pick Folder / Open Settings', async () => {
      const model = await requireModel('models/tiny-qat-good.onnx');
      const seen: Notice[] = [];
      await vscode.commands.executeCommand('qdqStudio.internal.numericHooks', {
        ortResolveFrom: nowhere,
        answer: (n: Notice) => {
          seen.push(n);
          return undefined;
        },
      });
      const before = await mark();
      // As the editor title / palette run it: a URI, so the reference and samples are asked for
      // after the check (a question before it would wait here for an answer).
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', model);
      assert.ok(r?.error, JSON.stringify(r));
      assert.equal(seen.length, 1, JSON.stringify(seen));
      assert.equal(seen[0]!.kind, 'error');
      assert.match(seen[0]!.message, /ONNX Runtime/);
      assert.deepEqual(seen[0]!.actions, ['Install ONNX Runtime', 'Pick Folder…', 'Open Settings']);
      assert.ok((await linesSince(before)).some((l) => l.level === 'warn' && /ONNX Runtime/.test(l.message)), 'logged');
    });

    test('after "Pick Folder…" finds ONNX Runtime, the check goes on and runs', async () => {
      const model = await requireModel('models/tiny-qat-good.onnx');
      const ort = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri.fsPath, 'node_modules', 'onnxruntime-node');
      const seen: Notice[] = [];
      await vscode.commands.executeCommand('qdqStudio.internal.numericHooks', {
        ortResolveFrom: nowhere,
        pickFolder: () => ort,
        answer: (n: Notice) => {
          seen.push(n);
          return n.actions.includes('Pick Folder…') ? 'Pick Folder…' : undefined;
        },
      });
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: model.fsPath, random: 1, out: null });
      assert.equal(r?.error, undefined, `${r?.error} ${JSON.stringify(seen)}`);
      assert.ok(r?.result && r.result.layers.length > 0, 'the check ran');
      assert.equal(vscode.workspace.getConfiguration('qdqStudio.numeric').get('onnxRuntimePath'), ort);
    });

    test('"Install ONNX Runtime" without npm on the PATH says so and what to do instead, and runs nothing', async () => {
      const model = await requireModel('models/tiny-qat-good.onnx');
      const seen: Notice[] = [];
      await vscode.commands.executeCommand('qdqStudio.internal.numericHooks', {
        ortResolveFrom: nowhere,
        answer: (n: Notice) => {
          seen.push(n);
          return n.actions.includes('Install ONNX Runtime') ? 'Install ONNX Runtime' : undefined;
        },
      });
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-no-npm-'));
      const saved = process.env.PATH;
      process.env.PATH = empty; // the tests share the extension host's process
      try {
        const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: model.fsPath, random: 1, out: null });
        assert.ok(r?.error, JSON.stringify(r));
      } finally {
        process.env.PATH = saved;
        fs.rmSync(empty, { recursive: true, force: true });
      }
      assert.equal(seen.length, 2, JSON.stringify(seen));
      assert.match(seen[1]!.message, /npm is not on the PATH/);
      assert.match(seen[1]!.message, /Node\.js/);
      assert.match(seen[1]!.message, /qdqStudio\.numeric\.onnxRuntimePath/);
    });
  });
});
