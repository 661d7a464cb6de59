/**
 * `qdq numeric` through the CLI's `main`: the JSON shape, --out in our sensitivity format, and
 * hostile inputs (bad .npy, wrong shape, undecodable image, missing model) as one line naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { formatNumeric, numericJson } from '../../../src/cli/numeric';
import { encodeNpy, SQNR_CAP_DB, type NumericResult } from '../../../src/core/numeric/index';
import { parseSensitivityText } from '../../../src/core/sensitivity/index';
import { makeTempDir } from '../../support/tempDir';
import { chain, runtimeOrSkip } from './support';

const dir = makeTempDir('qdq-numeric-cli');
const model = path.join(dir, 'chain qat.onnx');
const fp32 = path.join(dir, 'chain-fp32.onnx');
chain('naive').writeFile(model);
chain('none').writeFile(fp32);

test('qdq numeric --json: {inputs, layers:[{node, sqnrDb, cosine, maxAbs}], outputs}; --out writes our sensitivity format', async (t) => {
  if (typeof runtimeOrSkip() === 'string') return t.skip(String(runtimeOrSkip()));
  const out = path.join(dir, 'r.qdq-sensitivity.json');
  const r = await qdq('numeric', model, '--reference', fp32, '--random', '2', '--json', '--out', out);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.inputs.length, 2);
  assert.equal(j.referenceKind, 'file');
  assert.equal(j.layers.length, 4);
  for (const l of j.layers) for (const k of ['node', 'sqnrDb', 'cosine', 'maxAbs', 'localSqnrDb', 'rank']) assert.ok(k in l, k);
  assert.deepEqual(j.layers.map((l: { rank: number }) => l.rank), [1, 2, 3, 4]);
  assert.equal(j.outputs[0].name, 'output0');
  const saved = parseSensitivityText(fs.readFileSync(out, 'utf8'), out);
  assert.equal(saved.layers.length, 4);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  // Without --reference: the derived reference.
  const derived = await qdq('numeric', model, '--random', '1', '--json');
  assert.equal(derived.code, 0, derived.err);
  const dj = JSON.parse(derived.out);
  assert.equal(dj.referenceKind, 'derived');
  assert.ok(dj.layers.every((l: { sqnrDb: number }) => l.sqnrDb < SQNR_CAP_DB));
  // An FP32 model as the Q/DQ model (it would measure equal to itself, 200 dB): refused, nothing written.
  const fp32Out = path.join(dir, 'fp32.qdq-sensitivity.json');
  const self = await qdq('numeric', fp32, '--random', '1', '--out', fp32Out);
  assert.equal(self.code, 2, self.out);
  assert.equal(self.err.trim(), `qdq: ${fp32}: has no Q/DQ nodes (QuantizeLinear/DequantizeLinear), so there is no quantization to measure: pick it as the reference of its Q/DQ twin`);
  assert.equal(fs.existsSync(fp32Out), false);
  const text = await qdq('numeric', model, '--random', '1', '--top', '2');
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /output output0: SQNR/);
  assert.match(text.out, /… 2 more/);
});

test('qdq numeric --inputs: .npy samples; hostile samples fail with one line naming the file', async (t) => {
  if (typeof runtimeOrSkip() === 'string') return t.skip(String(runtimeOrSkip()));
  const good = path.join(dir, 'good');
  fs.mkdirSync(good);
  fs.writeFileSync(path.join(good, 'a.npy'), encodeNpy(new Float32Array(3 * 16 * 16).fill(0.25), [1, 3, 16, 16]));
  fs.writeFileSync(path.join(good, 'b.npy'), encodeNpy(new Float32Array(3 * 16 * 16).fill(0.75), [3, 16, 16]));
  const ok = await qdq('numeric', model, '--inputs', good, '--json');
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual(JSON.parse(ok.out).inputs, [path.join(good, 'a.npy'), path.join(good, 'b.npy')]);

  const cases: [string, Uint8Array, RegExp][] = [
    ['bad.npy', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /not a valid \.npy file/],
    ['shape.npy', encodeNpy(new Float32Array(3 * 8 * 8), [1, 3, 8, 8]), /shape \(1, 3, 8, 8\) does not fit input 'images' of shape \(1, 3, 16, 16\)/],
    ['img.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]), /cannot decode the image/],
    ['img.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 1, 2]), /cannot decode the image/],
  ];
  for (const [name, bytes, re] of cases) {
    const d = makeTempDir('qdq-numeric-bad');
    const file = path.join(d, name);
    fs.writeFileSync(file, bytes);
    const r = await qdq('numeric', model, '--inputs', d);
    assert.equal(r.code, 2, name);
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.ok(r.err.includes(file), `names ${file}: ${r.err}`);
    assert.match(r.err, re);
  }
});

test('qdq numeric usage and unreadable models exit 2 with one line', async () => {
  const missing = path.join(dir, 'missing.onnx');
  for (const args of [[missing], [model, '--reference', missing], [model, '--random', '0'], [model, '--inputs', dir, '--random', '2'], [model, '--inputs', path.join(dir, 'nope')]]) {
    const r = await qdq('numeric', ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const notOnnx = path.join(dir, 'not.onnx');
  fs.writeFileSync(notOnnx, 'hello');
  const r = await qdq('numeric', notOnnx);
  assert.equal(r.code, 2);
  assert.ok(r.err.includes(notOnnx));
});

test('qdq numeric text: the warnings, and how many unmatched or not-compared entries the cut lists leave out; --json has warnings', () => {
  const r: NumericResult = {
    model: 'm.onnx',
    reference: 'ref.onnx',
    referenceKind: 'file',
    runtime: 'onnxruntime-node 1.x (cpu)',
    inputs: ['random #0 (seed 1)'],
    layers: [],
    outputs: [],
    unmatched: Array.from({ length: 13 }, (_, i) => `/n${i}/Conv`),
    problems: Array.from({ length: 12 }, (_, i) => `t${i}: shape [1, 8] vs [1, 16]`),
    warnings: ['3 of 16 layers could not be compared'],
    passes: 1,
    elapsedMs: 5,
  };
  const lines = formatNumeric(r, 20).split('\n');
  assert.ok(lines.includes('  warning: 3 of 16 layers could not be compared'), lines.join('\n'));
  assert.equal(lines.filter((l) => l.startsWith('  unmatched: ')).length, 10);
  assert.ok(lines.includes('  … 3 more unmatched (--json lists them all)'));
  assert.equal(lines.filter((l) => l.startsWith('  not compared: ')).length, 10);
  assert.ok(lines.includes('  … 2 more not compared (--json lists them all)'));
  assert.deepEqual(numericJson(r).warnings, ['3 of 16 layers could not be compared']);
});
