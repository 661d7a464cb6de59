/** `qdq edit`: flags, plans, exit codes, nothing written on refusal or bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main as qdq } from '../../../src/cli/qdq';
import { openModelFile } from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');
const dir = makeTempDir('qdq-edit-cli');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await qdq(['edit', ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

test('flags and the exported plan give the same file; the plan lists ModelOpt patterns and YOLO modules', async () => {
  const a = path.join(dir, 'a.onnx');
  const plan = path.join(dir, 'plan.json');
  const r = await run(MODEL, '-o', a, '--disable-quant', 'model.2.m', '--unify-scales', '/model.4/Concat:0.5', '--export-plan', plan);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Disabled quantization of 2 layers under model\.2\.m/);
  const b = path.join(dir, 'b.onnx');
  const r2 = await run(MODEL, '-o', b, '--plan', plan, '--json');
  assert.equal(r2.code, 0, r2.err);
  const json = JSON.parse(r2.out) as { edits: unknown[]; plan: { yoloModules: string[]; nodesToExclude: string[] } };
  assert.equal(json.edits.length, 1);
  assert.deepEqual(json.plan.yoloModules, ['model.2.m.0.cv1.conv', 'model.2.m.0.cv2.conv']);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  const d = openModelFile(a);
  try {
    const conv = d.model.graph!.node.find((n) => n.name === '/model.2/m/m.0/cv1/conv/Conv')!;
    assert.equal(conv.input[1], 'model.2.m.0.cv1.conv.weight');
  } finally {
    d.source.close?.();
  }
});

test('--float-reference strips every Q/DQ; --enable-quant NODE:SCALE re-quantizes', async () => {
  const f = path.join(dir, 'float.onnx');
  assert.equal((await run(MODEL, '-o', f, '--float-reference')).code, 0);
  const d = openModelFile(f);
  try {
    assert.ok(!d.model.graph!.node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'));
  } finally {
    d.source.close?.();
  }
  const q = path.join(dir, 'requant.onnx');
  const r = await run(f, '-o', q, '--enable-quant', '/model.2/cv1/conv/Conv:0.02');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /2 Q\/DQ pairs inserted/);
  assert.equal((await run(f, '-o', q, '--enable-quant', '/model.2/cv2/conv/Conv')).code, 1, 'no scale remembered nor given');
});

test('refused edits exit 1 and write nothing; bad input exits 2 naming the file', async () => {
  const out = path.join(dir, 'never.onnx');
  let r = await run(MODEL, '-o', out, '--disable-quant', 'model.77');
  assert.equal(r.code, 1);
  assert.match(r.err, /no node matches "model\.77".*nothing written/);
  r = await run(MODEL, '-o', out, '--disable-quant', 'model.2.cv1', '--disable-quant', 'model.2.cv1');
  assert.equal(r.code, 1);
  assert.match(r.err, /nothing to disable/);
  assert.ok(!fs.existsSync(out));
  const bad = path.join(dir, 'bad plan.json');
  fs.writeFileSync(bad, '{"format": "qdq-plan", "version": 1, "keepHigherPrecision": [{}]}');
  r = await run(MODEL, '-o', out, '--plan', bad);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad plan\.json: \$\.keepHigherPrecision\[0\]/);
  r = await run(MODEL, '-o', out, '--plan', path.join(dir, 'missing.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /missing\.json: cannot read plan: ENOENT/);
  const trunc = path.join(dir, 'trunc.onnx');
  fs.writeFileSync(trunc, fs.readFileSync(MODEL).subarray(0, 1000));
  r = await run(trunc, '-o', out, '--disable-quant', 'model.2');
  assert.equal(r.code, 2);
  assert.match(r.err, /trunc\.onnx/);
  assert.equal((await run(MODEL)).code, 2);
  assert.equal((await run(MODEL, '-o', out, '--bogus')).code, 2);
  assert.ok(!fs.existsSync(out));
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});
