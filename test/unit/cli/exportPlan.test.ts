/**
 * `qdq edit --export-plan PLAN.json` saves the plan as a model is saved (core saveTextFile, inside
 * whileSaving): its temporary file is in the registry of saves in progress, so the stop-signal
 * handler's abandonSaves() removes it; the refusals of a model's target apply (a named pipe, a folder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { main as qdq } from '../../../src/cli/qdq';
import { abandonSaves } from '../../../src/core/onnx/index';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { makeTempDir } from '../../support/tempDir';
import { FIXTURE } from '../onnx/saveScratch';

async function edit(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await qdq(['edit', FIXTURE, '--disable-quant', '/model.1/conv/Conv', ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

test('the plan\'s temporary file is a save in progress: abandonSaves() (what a stop signal runs) removes it, and the plan is not written', async (t) => {
  const dir = makeTempDir('qdq-export-plan-abandon');
  const plan = path.join(dir, 'plan.json');
  // The process stopping while the plan is written: abandonSaves() from inside the write.
  const fsModule = createRequire(__filename)('node:fs') as typeof fs;
  const writeSync = fsModule.writeSync;
  let seen: string[] = [];
  let removed: string[] | undefined;
  t.mock.method(fsModule, 'writeSync', (...args: Parameters<typeof fs.writeSync>) => {
    if (removed === undefined) {
      seen = fs.readdirSync(dir);
      removed = abandonSaves();
    }
    return (writeSync as (...a: unknown[]) => number)(...args);
  });
  const r = await edit('--export-plan', plan);
  t.mock.restoreAll();
  assert.equal(seen.length, 1, `the plan's temporary file existed during the write: ${seen.join(', ')}`);
  assert.match(seen[0]!, /^\.plan\.json\.[0-9a-f]{12}\.tmp$/);
  assert.deepEqual(removed, [path.join(dir, seen[0]!)], 'abandonSaves removed it');
  assert.deepEqual(fs.readdirSync(dir), [], 'no temporary file, no half plan');
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err, `qdq: ${plan}: cannot save: the save was abandoned (the process is stopping); nothing was saved\n`);
});

test('--export-plan writes the plan whole, into a new folder if need be, and leaves nothing else', async () => {
  const dir = makeTempDir('qdq-export-plan');
  const plan = path.join(dir, 'new', 'plan.json');
  const r = await edit('--export-plan', plan);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /wrote plan .*plan\.json \(1 layers kept in higher precision\)/);
  assert.deepEqual(fs.readdirSync(path.dirname(plan)), ['plan.json']);
  assert.ok(Array.isArray(JSON.parse(fs.readFileSync(plan, 'utf8')).keepHigherPrecision));
  assert.deepEqual(abandonSaves(), [], 'nothing left in progress');
});

test('--export-plan onto a named pipe or a folder is refused as a model\'s save is (it replaced the pipe with a file)', async () => {
  const dir = makeTempDir('qdq-export-plan-target');
  const pipe = path.join(dir, 'pipe');
  execFileSync('mkfifo', [pipe]);
  const r = await edit('--export-plan', pipe);
  assert.equal(r.code, 2);
  assert.equal(r.err, `qdq: ${pipe}: cannot save: it is not a regular file (a named pipe (FIFO)); a save would replace it with one\n`);
  assert.ok(fs.statSync(pipe).isFIFO(), 'still the pipe');
  const folder = await edit('--export-plan', dir);
  assert.equal(folder.code, 2);
  assert.equal(folder.err, `qdq: ${dir}: cannot save: it is a folder; name a file to save to, e.g. ${dir}/plan.json\n`);
  assert.deepEqual(fs.readdirSync(dir), ['pipe']);
});

test('--export-plan naming the model it edits, the -o file or one of its external data files is refused before anything is written (it wrote the plan over the model)', async () => {
  const dir = makeTempDir('qdq-export-plan-clash');
  const src = path.join(dir, 'm.onnx');
  yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).writeFile(src, { external: { location: 'm.data' } });
  const files = () => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).length]));
  const before = files();
  const run = async (...args: string[]) => {
    let err = '';
    const code = await qdq(['edit', src, '--disable-quant', 'model.2', ...args], { out: () => {}, err: (t) => (err += `${t}\n`) });
    return { code, err };
  };
  const onModel = await run('--export-plan', path.join(dir, '.', 'm.onnx'), '-o', path.join(dir, 'out.onnx'));
  assert.equal(onModel.code, 2);
  assert.match(onModel.err, /^qdq edit: --export-plan .*m\.onnx is the model it edits: the plan would replace it \(usage: /);
  const onOutput = await run('--export-plan', path.join(dir, 'out.onnx'), '-o', path.join(dir, 'out.onnx'));
  assert.equal(onOutput.code, 2);
  assert.match(onOutput.err, /^qdq edit: --export-plan and -o name the same file \(.*out\.onnx\): one would replace the other/);
  const onData = await run('--export-plan', path.join(dir, 'm.data'), '-o', path.join(dir, 'out.onnx'));
  assert.equal(onData.code, 2);
  assert.match(onData.err, new RegExp(`^qdq: ${path.join(dir, 'm.data')}: cannot save: it is an external data file of .*m\\.onnx .*location 'm\\.data'\\); saving over it would destroy those weights`));
  assert.deepEqual(files(), before, 'nothing written: the model and its data as they were, no out.onnx');
});

test('a refused -o leaves no plan behind (the plan is written after the model)', async () => {
  const dir = makeTempDir('qdq-export-plan-order');
  const plan = path.join(dir, 'plan.json');
  const r = await edit('--export-plan', plan, '-o', dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot save: it is a folder/);
  assert.deepEqual(fs.readdirSync(dir), [], 'no plan for a model that was not written');
});
