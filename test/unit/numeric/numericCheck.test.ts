/**
 * The numeric check end to end with ONNX Runtime on builder models of known error, and on the
 * shared YOLOv9 exports when present. Skips (one line) when onnxruntime-node cannot be loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { openModelFile } from '../../../src/core/onnx/index';
import {
  modelInputs, planLayers, randomSamples, runNumericCheck, SQNR_CAP_DB, toSensitivityJson, NumericCancelledError,
} from '../../../src/core/numeric/index';
import { deriveReference } from '../../../src/core/numeric/reference';
import { parseSensitivityText } from '../../../src/core/sensitivity/index';
import { findSharedCorpus } from '../../support/fixtures';
import { chain, decodeBytes, runtimeOrSkip, setActivationScale } from './support';

test('identical models: every layer at the SQNR cap, cosine 1, max abs 0', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const a = decodeBytes(bytes, 'a.onnx');
  const b = decodeBytes(bytes, 'b.onnx');
  const samples = randomSamples(modelInputs(a.model.graph!, a.file), 2, 5);
  const r = await runNumericCheck({ qdq: a, reference: b, referenceKind: 'file', samples, runtime });
  assert.equal(r.layers.length, 4);
  assert.deepEqual(r.unmatched, []);
  for (const l of r.layers) {
    assert.equal(l.sqnrDb, SQNR_CAP_DB, l.node);
    assert.equal(l.localSqnrDb, SQNR_CAP_DB, l.node);
    assert.equal(l.cosine, 1);
    assert.equal(l.maxAbs, 0);
  }
  assert.equal(r.outputs[0]!.name, 'output0');
  assert.equal(r.outputs[0]!.sqnrDb, SQNR_CAP_DB);
});

test('a tensor quantized with a deliberately coarse scale ranks first', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const b = chain('naive', 5);
  const m = b.manifest();
  const bytes = b.toBytes();
  const ref = decodeBytes(chain('none', 5).toBytes(), 'fp32.onnx');
  const inputQs = m.qdq.filter((q) => q.kind === 'activation').map((q) => q.quantizeNode);
  assert.equal(inputQs.length, 5);
  const samples = randomSamples(modelInputs(ref.model.graph!, ref.file), 2, 9);
  const withScales = (coarse: number | undefined) => {
    const qdq = decodeBytes(bytes, 'qdq.onnx');
    // Fine scales everywhere (step 2/127 for activations of about ±1), one coarse (step 0.5).
    for (const q of inputQs) setActivationScale(qdq, q, 2 / 127);
    if (coarse !== undefined) setActivationScale(qdq, inputQs[coarse]!, 0.5);
    return runNumericCheck({ qdq, reference: ref, referenceKind: 'file', samples, runtime });
  };
  const fine = await withScales(undefined);
  for (const coarse of [1, 2, 3]) {
    const r = await withScales(coarse);
    const culprit = `/model.${coarse}/conv/Conv`;
    assert.equal(r.layers[0]!.node, culprit, `coarse ${culprit}: ranking ${r.layers.map((l) => `${l.node} ${l.localSqnrDb.toFixed(1)}`).join(', ')}`);
    assert.equal(r.layers[0]!.rank, 1);
    // Downstream layers inherit the error (and convolutions average some of it out), but add little themselves.
    const after = r.layers.find((l) => l.node === `/model.${coarse + 1}/conv/Conv`)!;
    assert.ok(after.localSqnrDb > r.layers[0]!.localSqnrDb + 10, 'but adds little itself');
    assert.ok(r.outputs[0]!.sqnrDb < fine.outputs[0]!.sqnrDb, `the final output is worse too (${r.outputs[0]!.sqnrDb} vs ${fine.outputs[0]!.sqnrDb} dB)`);
  }
});

test('derived reference (Q/DQ pairs removed by the editing layer) equals the FP32 twin', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const derived = decodeBytes(bytes, 'derived.onnx');
  const d = deriveReference(derived);
  assert.equal(d.pairs, 8);
  const twin = decodeBytes(chain('none').toBytes(), 'fp32.onnx');
  const samples = randomSamples(modelInputs(twin.model.graph!, twin.file), 2, 1);
  // The Q/DQ model measured against either gives the same figures, layer by layer.
  const vsDerived = await runNumericCheck({ qdq: decodeBytes(bytes, 'qdq.onnx'), reference: derived, referenceKind: 'derived', samples, runtime });
  const vsTwin = await runNumericCheck({ qdq: decodeBytes(bytes, 'qdq.onnx'), reference: twin, referenceKind: 'file', samples, runtime });
  assert.equal(vsDerived.layers.length, 4);
  assert.deepEqual(vsTwin.warnings, []);
  const byNode = new Map(vsTwin.layers.map((l) => [l.node, l]));
  for (const l of vsDerived.layers) assert.ok(Math.abs(l.sqnrDb - byNode.get(l.node)!.sqnrDb) < 1e-3, `${l.node}: ${l.sqnrDb} vs ${byNode.get(l.node)!.sqnrDb} dB`);
});

test('the result is valid in our sensitivity format and names every layer', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const qdq = decodeBytes(bytes, 'qdq.onnx');
  const ref = decodeBytes(bytes, 'ref.onnx');
  deriveReference(ref);
  const r = await runNumericCheck({ qdq, reference: ref, referenceKind: 'derived', samples: randomSamples(modelInputs(qdq.model.graph!, 'q'), 1), runtime });
  const json = JSON.stringify(toSensitivityJson(r, { createdAt: '2025-01-01T00:00:00Z' }));
  const parsed = parseSensitivityText(json, 'numeric.qdq-sensitivity.json');
  assert.equal(parsed.metrics[0]!.name, 'localSqnr');
  assert.equal(parsed.metrics[0]!.direction, 'lower-is-more-sensitive');
  assert.deepEqual(parsed.layers.map((l) => l.name), r.layers.map((l) => l.node));
  assert.ok(parsed.layers.every((l) => l.kind === 'node'));
});

test('cancellation stops the run with NumericCancelledError', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const bytes = chain('naive').toBytes();
  const ac = new AbortController();
  let progress = 0;
  const run = runNumericCheck({
    qdq: decodeBytes(bytes, 'a'), reference: decodeBytes(bytes, 'b'), referenceKind: 'file',
    samples: randomSamples([{ name: 'images', dims: [1, 3, 16, 16] }], 8), runtime, memoryBudgetBytes: 1,
    signal: ac.signal,
    onProgress: () => { if (++progress === 3) ac.abort(); },
  });
  await assert.rejects(run, NumericCancelledError);
});

test('shared YOLOv9-T exports: Q/DQ vs FP32 twin and vs derived reference', async (t) => {
  const runtime = runtimeOrSkip();
  if (typeof runtime === 'string') return t.skip(runtime);
  const corpus = findSharedCorpus({ cases: 1 });
  const qat = corpus.onnx.find((f) => path.basename(f) === 'yolov9t-qat.onnx');
  const fp32 = corpus.onnx.find((f) => path.basename(f) === 'yolov9t-fp32.onnx');
  if (!qat || !fp32) return t.skip(`shared YOLOv9 exports not found under ${corpus.root}`);
  const q = openModelFile(qat);
  const f = openModelFile(fp32);
  const derived = openModelFile(qat);
  try {
    const plan = planLayers(q.model.graph!, f.model.graph!);
    assert.equal(plan.layers.length, 186, 'every Conv matched');
    assert.deepEqual(plan.unmatched, []);
    assert.ok(plan.layers.every((l) => l.matchedBy === 'name'));
    const samples = randomSamples(modelInputs(q.model.graph!, q.file), 1, 1);
    const r1 = await runNumericCheck({ qdq: q, reference: f, referenceKind: 'file', samples, runtime, memoryBudgetBytes: 128 << 20 });
    assert.ok(r1.passes >= 2, 'the memory budget splits the fetches');
    assert.equal(r1.layers.length, 186);
    assert.deepEqual(r1.problems, []);
    const out = r1.outputs[0]!;
    assert.equal(out.name, 'output0');
    assert.ok(out.sqnrDb > 5 && out.sqnrDb < 60, `output SQNR ${out.sqnrDb}`);
    // The seven float head convs add no error of their own.
    const floatConvs = r1.layers.filter((l) => /cv[23]\.\d\.2\/Conv$|dfl\/conv\/Conv$/.test(l.node));
    assert.equal(floatConvs.length, 7);
    for (const l of floatConvs) assert.ok(l.localSqnrDb > 40, `${l.node}: local ${l.localSqnrDb}`);
    deriveReference(derived);
    const r2 = await runNumericCheck({ qdq: q, reference: derived, referenceKind: 'derived', samples, runtime });
    assert.ok(Math.abs(r2.outputs[0]!.sqnrDb - out.sqnrDb) < 0.5, `derived ${r2.outputs[0]!.sqnrDb} vs twin ${out.sqnrDb}`);
  } finally {
    for (const d of [q, f, derived]) d.source.close?.();
  }
});
