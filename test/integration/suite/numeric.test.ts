import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { EXTENSION_ID, copyToScratch, note, openReady, readsFloatWeight, requireModel, revertCloseAndClean, waitEditState } from './support';

/** A message of the numeric check command (src/numeric/numericCommand.ts NumericNotice), seen by its test hook `answer`. */
interface NumericNotice {
  kind: 'info' | 'warning' | 'error';
  message: string;
  actions: string[];
  modal?: boolean;
}

interface CommandResult {
  result?: { layers: { node: string; sqnrDb: number; localSqnrDb: number }[]; outputs: { name: string; sqnrDb: number }[]; runtime: string; referenceKind: string; warnings: string[] };
  saved?: string;
  cancelled?: boolean;
  error?: string;
}

suite('Numeric check (ONNX Runtime in a worker thread)', () => {
  test('the command and its installer are registered', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['qdqStudio.numericCheck', 'qdqStudio.installOnnxRuntime']) assert.ok(commands.includes(id), id);
  });

  test('runs the tiny Q/DQ model against its derived reference inside the extension host', async function () {
    this.timeout(120_000);
    const model = await requireModel('models/tiny-qat-good.onnx');
    const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: model.fsPath, random: 1, out: null });
    assert.ok(r, 'no result');
    assert.equal(r.error, undefined, `numeric check failed: ${r.error}`);
    assert.ok(r.result && r.result.layers.length > 0, 'no layers compared');
    assert.equal(r.result.referenceKind, 'derived');
    assert.ok(r.result.outputs.length > 0);
    note(`numeric check in ${vscode.version} (extension host Node ${process.versions.node}, modules ABI ${process.versions.modules}): ${r.result.runtime}, ${r.result.layers.length} layers, output SQNR ${r.result.outputs[0]!.sqnrDb.toFixed(1)} dB`);
  });

  test('a run cancelled mid-way: the command answers cancelled and the worker thread ends by itself', async function () {
    this.timeout(120_000);
    const model = await requireModel('models/tiny-qat-good.onnx');
    let worker: Worker | undefined;
    let pending: Thenable<CommandResult> | undefined;
    const exited = new Promise<number>((resolve) => {
      pending = vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', {
        model: model.fsPath,
        random: 64,
        out: null,
        onWorker: (w: Worker) => {
          worker = w;
          // What the notification's Cancel sends (never a terminate: that can abort the extension host).
          w.once('message', () => w.postMessage({ type: 'cancel' }));
          w.once('exit', (code) => resolve(code));
        },
      });
    });
    const code = await exited;
    assert.ok(worker, 'the command started no worker');
    assert.equal(code, 0, 'the thread ended on its own');
    assert.equal(worker.threadId, -1, 'the worker thread is gone after exit');
    assert.deepEqual(await pending, { cancelled: true });
  });

  suite('a model with unsaved changes', () => {
    const scratch: vscode.Uri[] = [];
    const CONV = '/model.0/conv/Conv';
    suiteSetup(async () => {
      // code-server saves dirty editors a second after each change: these tests save by hand.
      await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    });
    suiteTeardown(async () => {
      await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
    });
    teardown(async () => {
      await revertCloseAndClean(scratch);
    });

    async function dirtyCopy(name: string): Promise<vscode.Uri> {
      const uri = await copyToScratch('tiny-qat-good.onnx', name, scratch);
      scratch.push(vscode.Uri.file(uri.fsPath.replace(/\.onnx$/, '.numeric.qdq-sensitivity.json')));
      await openReady(uri);
      const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.disableQuantization', { uri: uri.toString(), target: CONV });
      assert.ok(outcome?.applied, outcome?.message);
      await waitEditState(uri, true, 'dirty after the edit');
      return uri;
    }

    test('the check asks first (modal); Cancel runs nothing, the file and the edit stay as they were', async function () {
      this.timeout(120_000);
      const uri = await dirtyCopy('scratch-numeric-cancel.onnx');
      const before = fs.readFileSync(uri.fsPath);
      const seen: NumericNotice[] = [];
      let worker = false;
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', {
        model: uri.fsPath,
        random: 1,
        onWorker: () => (worker = true),
        answer: (n: NumericNotice) => (seen.push(n), undefined), // the modal's Cancel
      });
      assert.deepEqual(r, { cancelled: true });
      assert.equal(worker, false, 'a worker was started');
      assert.equal(seen.length, 1, JSON.stringify(seen));
      assert.equal(seen[0]!.modal, true);
      assert.deepEqual(seen[0]!.actions, ['Save and Check', 'Check the Saved File']);
      assert.match(seen[0]!.message, /^scratch-numeric-cancel\.onnx has unsaved changes\. The numeric check runs ONNX Runtime on the file on disk/);
      assert.ok(fs.readFileSync(uri.fsPath).equals(before), 'the file changed');
      assert.equal(fs.existsSync(uri.fsPath.replace(/\.onnx$/, '.numeric.qdq-sensitivity.json')), false, 'a result was written');
      await waitEditState(uri, true, 'still dirty');
    });

    test('"Save and Check" saves the edit, then checks the saved model and says on what', async function () {
      this.timeout(120_000);
      const uri = await dirtyCopy('scratch-numeric-save.onnx');
      assert.equal(readsFloatWeight(uri.fsPath, CONV), false, 'the file on disk still quantizes the conv');
      const seen: NumericNotice[] = [];
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', {
        model: uri.fsPath,
        random: 2,
        out: null,
        answer: (n: NumericNotice) => (seen.push(n), n.modal ? 'Save and Check' : undefined),
      });
      assert.equal(r.error, undefined, r.error);
      assert.ok(r.result, JSON.stringify(r));
      await waitEditState(uri, false, 'saved by the command');
      assert.ok(readsFloatWeight(uri.fsPath, CONV), 'the edit is not in the saved file');
      // The conv whose quantization the edit removed adds no error of its own any more.
      const conv = r.result.layers.find((l) => l.node === CONV);
      assert.ok(conv && conv.localSqnrDb > 100, `${CONV}: ${JSON.stringify(conv)}`);
      // The result's message says which inputs and which reference produced the ranking.
      const done = seen.find((n) => !n.modal);
      assert.ok(done, JSON.stringify(seen));
      assert.match(done.message, /^Numeric check of scratch-numeric-save\.onnx \(2 random inputs \(seed 1\), against the derived reference \(Q\/DQ pairs removed\)\): output SQNR/);
      assert.equal(done.kind, r.result.warnings.length ? 'warning' : 'info');
    });

    test('called with arguments and nobody to answer, it asks nothing (no modal to wait on): the saved file is checked and the log says so', async function () {
      this.timeout(120_000);
      const uri = await dirtyCopy('scratch-numeric-noanswer.onnx');
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: uri.fsPath, random: 1, out: null });
      assert.ok(r.result, JSON.stringify(r));
      const conv = r.result.layers.find((l) => l.node === CONV);
      assert.ok(conv && conv.localSqnrDb < 100, `the saved file still quantizes ${CONV}: ${JSON.stringify(conv)}`);
      const lines = (await vscode.commands.executeCommand<{ level: string; message: string }[]>('qdqStudio.internal.logLines')) ?? [];
      assert.ok(lines.some((l) => l.level === 'warn' && /scratch-numeric-noanswer\.onnx has unsaved changes; the file on disk is checked/.test(l.message)), JSON.stringify(lines.slice(-5)));
      await waitEditState(uri, true, 'still dirty');
    });

    test('"Check the Saved File" checks the file on disk and leaves the edit unsaved', async function () {
      this.timeout(120_000);
      const uri = await dirtyCopy('scratch-numeric-ondisk.onnx');
      const before = fs.readFileSync(uri.fsPath);
      const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', {
        model: uri.fsPath,
        random: 1,
        out: null,
        answer: (n: NumericNotice) => (n.modal ? 'Check the Saved File' : undefined),
      });
      assert.ok(r.result, JSON.stringify(r));
      const conv = r.result.layers.find((l) => l.node === CONV);
      assert.ok(conv && conv.localSqnrDb < 100, `the saved file still quantizes ${CONV}: ${JSON.stringify(conv)}`);
      assert.ok(fs.readFileSync(uri.fsPath).equals(before), 'the file changed');
      await waitEditState(uri, true, 'still dirty');
    });
  });

  test('a result with warnings is said as a warning, with the warnings (a quantized model as the reference)', async function () {
    this.timeout(120_000);
    const model = await requireModel('models/tiny-qat-good.onnx');
    const seen: NumericNotice[] = [];
    const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: model.fsPath, reference: model.fsPath, random: 1, out: null, answer: (n: NumericNotice) => (seen.push(n), undefined) });
    assert.ok(r.result, JSON.stringify(r));
    assert.equal(r.result.warnings.length, 1, JSON.stringify(r.result.warnings));
    assert.equal(seen.length, 1, JSON.stringify(seen));
    assert.equal(seen[0]!.kind, 'warning');
    assert.match(seen[0]!.message, /against the reference .*tiny-qat-good\.onnx\): output SQNR .* ⚠ The reference .* has \d+ Q\/DQ nodes itself/);
  });

  test('an FP32 model as the Q/DQ model: refused with an error message, nothing saved', async function () {
    this.timeout(120_000);
    const model = await requireModel('models/tiny-fp32.onnx');
    const seen: NumericNotice[] = [];
    const out = model.fsPath.replace(/\.onnx$/, '.numeric.qdq-sensitivity.json');
    const r = await vscode.commands.executeCommand<CommandResult>('qdqStudio.numericCheck', { model: model.fsPath, random: 1, answer: (n: NumericNotice) => (seen.push(n), undefined) });
    assert.match(r.error ?? '', /has no Q\/DQ nodes/);
    assert.equal(fs.existsSync(out), false);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.kind, 'error');
  });
});
