/**
 * The worker thread the extension runs (dist/numericWorker.js, built here): a job posts progress and
 * a result; cancelling it mid-run (what Cancel does: a 'cancel' message) ends the thread by itself.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, NumericJob, ToWorker } from '../../../src/numeric/protocol';
import { makeTempDir } from '../../support/tempDir';
import { chain, runtimeOrSkip } from './support';

const root = path.resolve(__dirname, '..', '..', '..');
const workerFile = path.join(root, 'dist', 'numericWorker.js');
const dir = makeTempDir('qdq-numeric-worker');
const model = path.join(dir, 'm.onnx');
chain('naive').writeFile(model);

before(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'pipe' });
});

function start(job: NumericJob): { worker: Worker; messages: FromWorker[]; exit: Promise<number> } {
  const worker = new Worker(workerFile, { workerData: job });
  const messages: FromWorker[] = [];
  worker.on('message', (m: FromWorker) => messages.push(m));
  const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, messages, exit };
}

test('the worker runs a job and posts progress and the result', async (t) => {
  if (typeof runtimeOrSkip() === 'string') return t.skip(String(runtimeOrSkip()));
  const { messages, exit } = start({ model, inputs: { random: 2 }, ortFolders: [] });
  assert.equal(await exit, 0);
  assert.ok(messages.some((m) => m.type === 'progress'));
  const last = messages.at(-1)!;
  assert.equal(last.type, 'result', JSON.stringify(last));
  if (last.type === 'result') assert.equal(last.result.layers.length, 4);
});

test('cancelling mid-run: the worker says so and its thread ends by itself (never terminated)', async (t) => {
  if (typeof runtimeOrSkip() === 'string') return t.skip(String(runtimeOrSkip()));
  // Terminating a thread while ONNX Runtime runs in it aborted the whole test process about one
  // run in eight ("terminate called after throwing an instance of 'Napi::Error'"): Cancel posts
  // 'cancel' instead, and the run stops after the inference in flight.
  const { worker, messages, exit } = start({ model, inputs: { random: 500 }, ortFolders: [], memoryBudgetBytes: 1 });
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const cancel: ToWorker = { type: 'cancel' };
  worker.postMessage(cancel);
  assert.equal(await exit, 0, 'the thread ended on its own');
  assert.equal(worker.threadId, -1);
  assert.equal(messages.at(-1)?.type, 'cancelled', JSON.stringify(messages.at(-1)));
  assert.ok(!messages.some((m) => m.type === 'result'), 'it was stopped before finishing');
});

test('an unreadable model is reported as a one-line error naming it', async () => {
  const { messages, exit } = start({ model: path.join(dir, 'nope.onnx'), inputs: { random: 1 }, ortFolders: [] });
  await exit;
  const last = messages.at(-1)!;
  assert.equal(last.type, 'error');
  if (last.type === 'error') {
    assert.ok(last.message.includes('nope.onnx'), last.message);
    assert.ok(!last.message.includes('\n'));
  }
});
