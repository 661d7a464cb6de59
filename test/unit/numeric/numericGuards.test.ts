/**
 * What the numeric check refuses or warns about instead of ranking quietly: a "Q/DQ model" without
 * Q/DQ, a reference that is not the model's float twin, a reference that misses a few layers or is
 * quantized itself; and dynamic-shape exports (`[batch, 3, height, width]`), which take the samples'
 * shape instead of being refused or budgeted as unknown. Real ONNX Runtime on builder models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeModelToBytes, markDirty, type DecodedModel } from '../../../src/core/onnx/index';
import {
  describeSamples, encodeNpy, listSampleFiles, loadSamples, modelInputs, NumericInputError, randomSamples, runNumericCheck, toSensitivityJson,
} from '../../../src/core/numeric/index';
import { deriveReference } from '../../../src/core/numeric/reference';
import { buildSensitivityReport, metricFormat, metricText, parseSensitivityText } from '../../../src/core/sensitivity/index';
import { ModuleIndex } from '../../../src/core/sensitivity/nameMapping';
import { ModelBuilder } from '../../support/modelBuilder';
import { makeTempDir } from '../../support/tempDir';
import { chain, decodeBytes, runtimeOrSkip } from './support';

/** Like `chain`, with another width: the same node names, other tensor shapes (another model size). */
function wideChain(n = 4): ModelBuilder {
  const b = new ModelBuilder({ opset: 13, qdq: 'none', seed: 3, scalesAs: 'initializer' });
  let x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
  for (let i = 0; i < n; i++) x = b.convSilu(x, { module: `model.${i}`, cout: 16, k: 3 });
  b.output(x, 'output0');
  return b;
}

/** Rename a node and its first output (and the readers of that output): it no longer matches by name or tensor. */
function renameNode(d: DecodedModel, from: string, to: string): void {
  const g = d.model.graph!;
  const node = g.node.find((n) => n.name === from)!;
  const oldOut = node.output[0]!;
  node.name = to;
  node.output = [`${to}_out`, ...node.output.slice(1)];
  markDirty(node);
  for (const n of g.node) {
    if (!n.input.includes(oldOut)) continue;
    n.input = n.input.map((i) => (i === oldOut ? `${to}_out` : i));
    markDirty(n);
  }
}

/** The model with its first input's axes 0, 2, 3 made symbolic (what `export_qat.py --dynamic` writes). */
function dynamicCopy(bytes: Uint8Array, name: string): Uint8Array {
  const d = decodeBytes(bytes, name);
  const shape = d.model.graph!.input[0]!.type!.tensorType!.shape!;
  const names = ['batch', undefined, 'height', 'width'];
  // New dimensions: decoded ones may be shared, frozen messages (see model.ts).
  shape.dim = shape.dim.map((dim, i) => (names[i] ? { dimParam: names[i], denotation: '' } : dim));
  markDirty(shape);
  return encodeModelToBytes(d);
}

test('a model without Q/DQ nodes is refused as the Q/DQ model, naming it', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('none').toBytes();
  const fp32 = decodeBytes(bytes, 'fp32.onnx');
  const ref = decodeBytes(bytes, 'ref.onnx');
  deriveReference(ref);
  const samples = randomSamples(modelInputs(fp32.model.graph!, fp32.file), 1);
  await assert.rejects(runNumericCheck({ qdq: fp32, reference: ref, referenceKind: 'derived', samples, runtime }), (e: unknown) => {
    assert.ok(e instanceof NumericInputError);
    assert.equal(e.file, 'fp32.onnx');
    assert.match(e.message, /has no Q\/DQ nodes .*pick it as the reference of its Q\/DQ twin/);
    return true;
  });
});

test('a reference of another model size (same names, other shapes) is refused: "only 0 of 4 layers could be compared … float twin"', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const qdq = decodeBytes(chain('naive').toBytes(), 'yolov9s-qat.onnx');
  const ref = decodeBytes(wideChain().toBytes(), 'yolov9t-fp32.onnx');
  const samples = randomSamples(modelInputs(qdq.model.graph!, qdq.file), 1);
  await assert.rejects(runNumericCheck({ qdq, reference: ref, referenceKind: 'file', samples, runtime }), (e: unknown) => {
    assert.ok(e instanceof NumericInputError);
    assert.equal(e.file, 'yolov9t-fp32.onnx');
    assert.match(e.problem, /^only 0 of 4 layers could be compared \(\d+ tensors differ in shape\): is yolov9t-fp32\.onnx the float twin of yolov9s-qat\.onnx\?$/);
    return true;
  });
});

test('a reference missing one layer of four: ranked, with a warning that says what is missing', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const qdq = decodeBytes(chain('naive').toBytes(), 'qdq.onnx');
  const ref = decodeBytes(chain('none').toBytes(), 'fp32.onnx');
  renameNode(ref, '/model.3/conv/Conv', 'renamed');
  const samples = randomSamples(modelInputs(qdq.model.graph!, qdq.file), 1);
  const r = await runNumericCheck({ qdq, reference: ref, referenceKind: 'file', samples, runtime });
  assert.equal(r.layers.length, 3);
  assert.deepEqual(r.unmatched, ['/model.3/conv/Conv']);
  assert.deepEqual(r.warnings, ['1 of 4 layers not compared (1 without a counterpart in the reference); they are missing from the ranking']);
  const json = toSensitivityJson(r) as { 'x-numeric': { warnings: string[] } };
  assert.deepEqual(json['x-numeric'].warnings, r.warnings);
});

test('a reference that is itself quantized: compared, with a warning', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const r = await runNumericCheck({
    qdq: decodeBytes(bytes, 'a.onnx'), reference: decodeBytes(bytes, 'b.onnx'), referenceKind: 'file',
    samples: randomSamples([{ name: 'images', dims: [1, 3, 16, 16] }], 1), runtime,
  });
  assert.equal(r.layers.length, 4);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /^the reference b\.onnx has 16 Q\/DQ nodes itself: the figures compare two quantized models/);
});

test('dynamic input [batch, 3, height, width]: a smaller .npy is accepted as is, and the run is planned from real shapes (one pass)', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = dynamicCopy(chain('naive').toBytes(), 'dyn.onnx');
  const qdq = decodeBytes(bytes, 'dyn.onnx');
  const ref = decodeBytes(bytes, 'dyn.onnx');
  deriveReference(ref);
  const inputs = modelInputs(qdq.model.graph!, qdq.file);
  assert.deepEqual(inputs, [{ name: 'images', dims: [1, 3, 640, 640], declared: ['batch', 3, 'height', 'width'] }]);
  const dir = makeTempDir('qdq-numeric-dyn');
  fs.writeFileSync(path.join(dir, 'a.npy'), encodeNpy(new Float32Array(3 * 8 * 8).fill(0.5), [1, 3, 8, 8]));
  fs.writeFileSync(path.join(dir, 'b.npy'), encodeNpy(new Float32Array(3 * 8 * 8).fill(0.25), [3, 8, 8]));
  const samples = loadSamples(listSampleFiles(dir), inputs, qdq.file);
  assert.deepEqual(samples.map((s) => s.feeds.images!.dims), [[1, 3, 8, 8], [1, 3, 8, 8]]);
  // 1 MiB holds every tensor of this model at 8×8 many times over; a tensor of unknown size counts 16 MiB.
  const r = await runNumericCheck({ qdq, reference: ref, referenceKind: 'derived', samples, runtime, memoryBudgetBytes: 1 << 20 });
  assert.equal(r.layers.length, 4);
  assert.deepEqual(r.problems, []);
  assert.equal(r.passes, 1, 'the open dimensions were pinned to the samples, so every size was inferred');
  // A fixed axis still has to match.
  fs.writeFileSync(path.join(dir, 'c.npy'), encodeNpy(new Float32Array(4 * 8 * 8), [1, 4, 8, 8]));
  assert.throws(() => loadSamples([path.join(dir, 'c.npy')], inputs, qdq.file), /shape \(1, 4, 8, 8\) does not fit input 'images' of shape \(batch, 3, height, width\)/);
});

test('samples of different sizes on a dynamic input still run (not pinned: each sample keeps its shape)', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = dynamicCopy(chain('naive').toBytes(), 'dyn.onnx');
  const qdq = decodeBytes(bytes, 'dyn.onnx');
  const ref = decodeBytes(bytes, 'dyn.onnx');
  deriveReference(ref);
  const inputs = modelInputs(qdq.model.graph!, qdq.file);
  const dir = makeTempDir('qdq-numeric-dyn2');
  fs.writeFileSync(path.join(dir, 'a.npy'), encodeNpy(new Float32Array(3 * 8 * 8).fill(0.5), [1, 3, 8, 8]));
  fs.writeFileSync(path.join(dir, 'b.npy'), encodeNpy(new Float32Array(3 * 12 * 10).fill(0.25), [1, 3, 12, 10]));
  const r = await runNumericCheck({ qdq, reference: ref, referenceKind: 'derived', samples: loadSamples(listSampleFiles(dir), inputs, qdq.file), runtime });
  assert.equal(r.layers.length, 4);
  assert.deepEqual(r.problems, []);
});

test('describeSamples: what the ranking was measured on, in a few words', () => {
  assert.equal(describeSamples(['random #0 (seed 1)', 'random #1 (seed 1)', 'random #2 (seed 1)', 'random #3 (seed 1)']), '4 random inputs (seed 1)');
  assert.equal(describeSamples(['random #0 (seed 7)']), '1 random input (seed 7)');
  assert.equal(describeSamples(['/data/val/a.png', '/data/val/b.jpg']), '2 images from /data/val');
  assert.equal(describeSamples(['/d/a.npy', '/d/b.npy', '/d/c.npy']), '3 .npy files from /d');
  assert.equal(describeSamples(['/d/a.npy', '/d/b.png', '/d/c.jpg']), '3 sample files (2 images, 1 .npy) from /d');
});

test('the saved result says which inputs and which reference produced the ranking (in every metric description the views show)', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const qdq = decodeBytes(bytes, 'qdq.onnx');
  const ref = decodeBytes(bytes, 'qdq.onnx');
  deriveReference(ref);
  const r = await runNumericCheck({ qdq, reference: ref, referenceKind: 'derived', samples: randomSamples(modelInputs(qdq.model.graph!, 'q'), 2, 9), runtime });
  const parsed = parseSensitivityText(JSON.stringify(toSensitivityJson(r)), 'qdq.numeric.qdq-sensitivity.json');
  for (const m of parsed.metrics) assert.match(m.description ?? '', /; 2 random inputs \(seed 9\) against the derived reference \(Q\/DQ pairs removed\)$/, m.name);
  // No baseline: a layer's SQNR is not a change from the output's; the views show the value.
  for (const m of parsed.metrics) assert.equal(m.baseline, null, m.name);
  const report = buildSensitivityReport(parsed, ModuleIndex.fromNodes(qdq.model.graph!.node));
  const top = report.entries[0]!;
  assert.equal(metricText(top, metricFormat(report)), `localSqnr ${top.value} dB`);
  const fp32 = decodeBytes(chain('none').toBytes(), '/models/fp32.onnx');
  const r2 = await runNumericCheck({ qdq: decodeBytes(bytes, 'qdq.onnx'), reference: fp32, referenceKind: 'file', samples: randomSamples(modelInputs(qdq.model.graph!, 'q'), 1), runtime });
  const p2 = parseSensitivityText(JSON.stringify(toSensitivityJson(r2)), 'x.qdq-sensitivity.json');
  assert.match(p2.metrics[0]!.description ?? '', /; 1 random input \(seed 1\) against the reference \/models\/fp32\.onnx$/);
});
