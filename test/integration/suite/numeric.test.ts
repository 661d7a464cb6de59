import * as assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { EXTENSION_ID, note, requireModel } from './support';

interface CommandResult {
  result?: { layers: { node: string; sqnrDb: number; localSqnrDb: number }[]; outputs: { name: string; sqnrDb: number }[]; runtime: string; referenceKind: string };
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
});
