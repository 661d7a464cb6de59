/**
 * The engine report and the engine comparison on the hand-made files of test/fixtures/trtexec/:
 * reformat layers with their origin, precision counts, weights, profile join, run figures, and
 * fields present only when the inputs have them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  buildEngineReport,
  compareEngineReports,
  metricDelta,
  parseLayerInfo,
  parseProfile,
  parseTrexMetadata,
  parseTrtexecLog,
  type EngineReport,
} from '../../../src/core/engineReport/index';

const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const info = (name: string) => parseLayerInfo(read(name), name);

function trt8Report(): EngineReport {
  return buildEngineReport({
    layerInfo: info('trt8-detailed.layerinfo.json'),
    profile: parseProfile(read('trt8-detailed.profile.json'), 'trt8-detailed.profile.json'),
    run: parseTrtexecLog(read('short.console.log'), 'short.console.log'),
  });
}

describe('engineReport: report', () => {
  test('8.x file: reformat / re-quantize layers with what they sit between', () => {
    const r = buildEngineReport({ layerInfo: info('trt8-detailed.layerinfo.json') });
    assert.deepEqual(
      r.reformats.map((x) => [x.index, x.name, x.origin.trtOrigin, x.origin.kind]),
      [
        [0, 'QuantizeLinear_7', 'QDQ', 'quantize'],
        [3, 'QuantizeLinear_40', 'QDQ', 'quantize'],
        [5, 'DequantizeLinear_60 + QuantizeLinear_63', 'QDQ', 'requantize'],
        [6, 'Reformatting CopyNode for Input Tensor 0 to model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72', 'REFORMAT', 'layout'],
        [8, 'DequantizeLinear_90', 'QDQ', 'dequantize'],
        [10, 'Reformatting CopyNode for Output Tensor 0 to model.22.cv3.0.2.weight + Conv_95', 'REFORMAT', 'precision'],
      ],
    );
    const q40 = r.reformats[1]!.origin;
    assert.deepEqual(q40.from, {
      tensors: ['act1'],
      layers: ['model.1.conv.weight + QuantizeLinear_27 + Conv_29 + PWN(PWN(Sigmoid_30), Mul_31)'],
      precision: 'FP16',
      layout: 'NC/32HW32',
      format: 'Thirty-two wide channel vectorized row major FP16 format',
    });
    assert.deepEqual(q40.to.layers, [
      'model.2.cv1.conv.weight + QuantizeLinear_48 + Conv_50',
      'Reformatting CopyNode for Input Tensor 0 to model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72',
    ]);
    assert.deepEqual(r.reformats[0]!.origin.from.layers, ['(network input)']);
    assert.deepEqual(r.reformats[2]!.origin.to.layers, [], 'nothing reads the requantized tensor in this file');
    assert.deepEqual(r.reformats[5]!.origin.to.layers, ['copied_squeeze_after_(Unnamed Layer* 99) [ElementWise]', '(network output)']);
    assert.equal(r.reformats[4]!.origin.description, 'QDQ dequantize INT8 NC/32HW32 → FP16 NHWC8 after model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72 before model.22.cv3.0.2.weight + Conv_95');
    assert.deepEqual(r.layers.filter((l) => l.reformat).map((l) => l.index), [0, 3, 5, 6, 8, 10]);
  });

  test('8.x file: precision counts, weights, rows', () => {
    const r = buildEngineReport({ layerInfo: info('trt8-detailed.layerinfo.json') });
    assert.equal(r.layerCount, 12);
    assert.deepEqual(r.precisionCounts, { INT8: 7, FP16: 3, FP32: 1 });
    assert.deepEqual(r.weights, { bytes: 71552, mb: 0.0682373046875, complete: true });
    assert.deepEqual(r.bindings, ['images', 'output0']);
    const row = r.layers[9]!;
    assert.equal(row.type, 'CaskConvolution');
    assert.equal(row.precision, 'FP16');
    assert.match(row.tactic!, /^sm86_xmma_fprop_implicit_gemm_f16f16/);
    assert.deepEqual(row.outputs, [{ name: 'out_raw', precision: 'FP16', format: 'Row major linear FP16 format', dimensions: [1, 80, 160, 160] }]);
    for (const absent of ['totalTimeMs', 'topLayers', 'perf', 'trtVersion', 'device', 'build', 'diagnostics', 'profileIterations'] as const) {
      assert.equal(absent in r, false, `${absent} is absent without a profile or log`);
    }
  });

  test('profile and log joined in: times per row, top layers, total, perf, build, diagnostics', () => {
    const r = trt8Report();
    assert.deepEqual(r.source, { layerInfo: 'trt8-detailed.layerinfo.json', profile: 'trt8-detailed.profile.json', log: 'short.console.log' });
    assert.equal(r.totalTimeMs, 0.335);
    assert.equal(r.profileIterations, 2000);
    assert.deepEqual(r.layers[3]!.averageMs, 0.015);
    assert.deepEqual(r.layers[3]!.percentage, 4.47761);
    assert.deepEqual(
      r.topLayers!.slice(0, 3).map((t) => [t.name.slice(0, 20), t.averageMs, t.type]),
      [
        ['model.1.conv.weight ', 0.08, 'CaskConvolution'],
        ['model.0.conv.weight ', 0.06, 'CaskConvolution'],
        ['model.2.m.0.conv.wei', 0.055, 'CaskConvolution'],
      ],
    );
    assert.equal(r.topLayers!.length, 10);
    assert.equal(buildEngineReport({ layerInfo: info('trt8-detailed.layerinfo.json'), profile: parseProfile(read('trt8-detailed.profile.json')) }, { topN: 2 }).topLayers!.length, 2);
    assert.deepEqual(r.perf!.latencyMs, { min: 0.989258, max: 0.995605, mean: 0.992502, median: 0.992188, p90: 0.993408, p95: 0.994141, p99: 0.994385 });
    assert.equal(r.perf!.throughputQps, 1005.92);
    assert.equal(r.perf!.totalHostWalltimeS, 10.0018);
    assert.equal(r.trtVersion, '8.6.1');
    assert.deepEqual(r.device, { name: 'NVIDIA GeForce RTX 4090', computeCapability: '8.9' });
    assert.equal(r.build!.precision, 'FP32+FP16+INT8');
    assert.deepEqual([r.diagnostics!.errors, r.diagnostics!.warnings, r.diagnostics!.items[0]!.line], [0, 3, 38]);
    assert.deepEqual(r.problems, []);
    // The documented JSON shape of `qdq engine --json`.
    const json = JSON.parse(JSON.stringify(r));
    for (const k of ['layers', 'reformats', 'precisionCounts', 'totalTimeMs', 'topLayers', 'perf']) assert.ok(k in json, k);
    assert.deepEqual(Object.keys(json.reformats[0]), ['index', 'name', 'origin', 'layerType']);
    assert.deepEqual(Object.keys(json.perf.latencyMs), ['min', 'max', 'mean', 'median', 'p90', 'p95', 'p99']);
  });

  test('an unusual --percentile list is kept in `percentiles`', () => {
    const P = '[01/01/2025-00:00:00] [I] ';
    const run = parseTrtexecLog(`${P}=== Performance summary ===\n${P}Latency: min = 1 ms, median = 2 ms, percentile(99.9%) = 3 ms\n`);
    const r = buildEngineReport({ layerInfo: info('names-only.layerinfo.json'), run });
    assert.deepEqual(r.perf, { latencyMs: { min: 1, median: 2, percentiles: { '99.9': 3 } } });
  });

  test('10.x file: Metadata on rows, Dequantize layers, incomplete weights', () => {
    const r = buildEngineReport({ layerInfo: info('trt10-detailed.layerinfo.json') });
    assert.equal(r.style, '10.x');
    assert.deepEqual(r.precisionCounts, { INT8: 3, FP16: 2, FP32: 1 });
    assert.deepEqual(r.weights, { bytes: 496, mb: 0.000473022460938, complete: false });
    assert.deepEqual(
      r.reformats.map((x) => [x.name, x.layerType, x.origin.kind, x.origin.onnxNodes]),
      [
        ['/model.0/conv/input_quantizer/QuantizeLinear', 'Reformat', 'quantize', ['/model.0/conv/input_quantizer/QuantizeLinear']],
        ['/model.22/cv3.0/cv3.0.2/input_quantizer/DequantizeLinear', 'Dequantize', 'dequantize', ['/model.22/cv3.0/cv3.0.2/input_quantizer/DequantizeLinear']],
      ],
    );
    assert.deepEqual(r.layers[3]!.onnxNodes, ['/model.22/dfl/conv/Conv']);
    assert.equal(r.layers[5]!.onnxNodes, undefined, 'empty Metadata gives no onnxNodes field');
    assert.equal(r.layers[3]!.tactic, 'sm89_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize64x32x64_stage4_warpsize2x1x1_tensor16x8x16');
  });

  test('name-only file: reformats found by name, no precision counts', () => {
    const r = buildEngineReport({ layerInfo: info('names-only.layerinfo.json') });
    assert.equal(r.detailed, false);
    assert.equal('precisionCounts' in r, false);
    assert.equal('weights' in r, false);
    assert.deepEqual(
      r.reformats.map((x) => [x.name, x.origin.kind, x.origin.to.layers]),
      [
        ['QuantizeLinear_7', 'quantize', []],
        ['QuantizeLinear_40', 'quantize', []],
        ['Reformatting CopyNode for Input Tensor 0 to model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72', 'unknown', ['model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72']],
        ['/model.22/cv3.0/cv3.0.2/input_quantizer/DequantizeLinear', 'dequantize', []],
      ],
    );
    assert.equal(r.reformats[2]!.origin.description, 'unknown before model.2.m.0.conv.weight + QuantizeLinear_70 + Conv_72');
  });

  test('profile join: repeated names in order; by position when no name matches', () => {
    const li = parseLayerInfo(JSON.stringify({ Layers: ['PWN(Sigmoid_5)', 'conv', 'PWN(Sigmoid_5)'] }), 'dup');
    const pr = parseProfile(JSON.stringify([{ count: 1 }, { name: 'PWN(Sigmoid_5)', averageMs: 1 }, { name: 'conv', averageMs: 2 }, { name: 'PWN(Sigmoid_5)', averageMs: 3 }]), 'dup-p');
    assert.deepEqual(buildEngineReport({ layerInfo: li, profile: pr }).layers.map((l) => l.averageMs), [1, 2, 3]);
    const other = parseProfile(JSON.stringify([{ name: 'a', averageMs: 5 }, { name: 'b', averageMs: 6 }, { name: 'c', averageMs: 7 }]), 'pos');
    assert.deepEqual(buildEngineReport({ layerInfo: li, profile: other }).layers.map((l) => l.averageMs), [5, 6, 7]);
    const shorter = parseProfile(JSON.stringify([{ name: 'a', averageMs: 5 }]), 'short');
    assert.deepEqual(buildEngineReport({ layerInfo: li, profile: shorter }).layers.map((l) => l.averageMs), [undefined, undefined, undefined]);
  });

  test('TREx metadata as the run; hostile inputs carry their problems into the report', () => {
    const r = buildEngineReport({
      layerInfo: info('hostile.layerinfo.json'),
      profile: parseProfile(read('hostile.profile.json'), 'hostile.profile.json'),
      run: parseTrexMetadata(read('older.profile.metadata.json'), 'older.profile.metadata.json'),
    });
    assert.equal(r.perf!.throughputQps, 206.6);
    assert.deepEqual(r.perf!.latencyMs, { min: 4.79, max: 5.31, mean: 4.84, median: 4.83, p99: 4.97 });
    assert.equal('diagnostics' in r, false, 'TREx metadata carries no log lines');
    assert.deepEqual(
      [...new Set(r.problems.map((p) => p.file))],
      ['hostile.layerinfo.json', 'hostile.profile.json', 'older.profile.metadata.json'],
    );
    assert.equal(r.problems.length, 12 + 7 + 2);
    assert.deepEqual(r.weights, { bytes: 0, mb: 0, complete: false }, 'only an unknown weight type is listed');
    assert.equal(r.reformats.length, 1);
    assert.equal(r.reformats[0]!.name, '(unnamed layer 1)');
  });
});

describe('engineReport: comparison', () => {
  test('metric deltas', () => {
    assert.deepEqual(metricDelta(1006, 803), { engine: 1006, baseline: 803, delta: 203, deltaPct: 25.2801992528 });
    assert.deepEqual(metricDelta(3, 0), { engine: 3, baseline: 0, delta: 3 });
    assert.deepEqual(metricDelta(undefined, 2), { baseline: 2 });
  });

  test('QAT engine vs a name-only baseline: counts compared, the rest one-sided', () => {
    const c = compareEngineReports(trt8Report(), buildEngineReport({ layerInfo: info('names-only.layerinfo.json') }));
    assert.equal(c.engine, 'trt8-detailed.layerinfo.json');
    assert.equal(c.baseline, 'names-only.layerinfo.json');
    assert.deepEqual(c.layers, { engine: 12, baseline: 7, delta: 5, deltaPct: 71.4285714286 });
    assert.deepEqual(c.reformats, { engine: 6, baseline: 4, delta: 2, deltaPct: 50 });
    assert.deepEqual(c.throughputQps, { engine: 1005.92 });
    assert.deepEqual(c.latencyMs!.p99, { engine: 0.994385 });
    assert.deepEqual(c.weightsMB, { engine: 0.0682373046875 });
    assert.deepEqual(c.precisionCounts!['INT8'], { engine: 7 });
  });

  test('before vs after an edit: the ONNX nodes whose layer changed precision and the layers whose time changed most', () => {
    // "After": the first conv kept in FP16 (its layer's tensors Half) and timed slower; the rest as built.
    const layerJson = JSON.parse(read('trt8-detailed.layerinfo.json')) as { Layers: { Name: string; Inputs: { 'Format/Datatype': string }[]; Outputs: { 'Format/Datatype': string }[] }[] };
    const conv = layerJson.Layers.find((l) => /\bConv_17\b/.test(l.Name))!;
    for (const t of [...conv.Inputs, ...conv.Outputs]) t['Format/Datatype'] = 'Row major linear FP16 format';
    const profileJson = JSON.parse(read('trt8-detailed.profile.json')) as ({ count: number } | { name: string; averageMs: number; timeMs: number })[];
    for (const r of profileJson) {
      if ('name' in r && r.name === conv.Name) {
        r.averageMs = 0.25;
        r.timeMs = 500;
      }
    }
    const after = buildEngineReport({
      layerInfo: parseLayerInfo(JSON.stringify(layerJson), 'after.layer.json'),
      profile: parseProfile(JSON.stringify(profileJson), 'after.profile.json'),
    });
    const c = compareEngineReports(after, trt8Report());
    // Every node both builds name is compared; only the fused conv's (its weight, Q, conv and activation) moved.
    assert.ok(c.nodePrecision!.compared > 10, JSON.stringify(c.nodePrecision));
    assert.deepEqual(
      c.nodePrecision!.changed.map((x) => [x.node, x.baseline, x.engine]),
      // Not the weight (model.0.conv.weight): a name TensorRT 8.x joins into the layer name, no node.
      ['QuantizeLinear_15', 'Conv_17', 'Sigmoid_18', 'Mul_19'].map((n) => [n, 'INT8', 'FP16']),
    );
    assert.equal(c.nodePrecision!.changed[0]!.engineLayer, conv.Name);
    // One layer's time changed: 0.06 → 0.25 ms.
    assert.equal(c.layerTimes!.matched, trt8Report().layers.filter((l) => l.averageMs !== undefined).length);
    assert.deepEqual(c.layerTimes!.largest, [{ name: conv.Name, baselineMs: 0.06, engineMs: 0.25, deltaMs: 0.19, deltaPct: 316.666666667 }]);
    assert.equal(c.layerTimes!.onlyEngine, 0);
    // Without a profile on one side there are no layer times; the same build against itself changes nothing.
    assert.equal(compareEngineReports(after, buildEngineReport({ layerInfo: info('trt8-detailed.layerinfo.json') })).layerTimes, undefined);
    const same = compareEngineReports(trt8Report(), trt8Report());
    assert.deepEqual(same.nodePrecision!.changed, []);
    assert.deepEqual(same.layerTimes!.largest, []);
  });

  test('two full reports: every figure with its change', () => {
    const base = buildEngineReport({
      layerInfo: info('trt10-detailed.layerinfo.json'),
      run: parseTrexMetadata(read('older.profile.metadata.json'), 'older'),
    });
    const c = compareEngineReports(trt8Report(), base);
    assert.deepEqual(c.throughputQps, { engine: 1005.92, baseline: 206.6, delta: 799.32, deltaPct: 386.892545983 });
    assert.deepEqual(c.latencyMs!.p99, { engine: 0.994385, baseline: 4.97, delta: -3.975615, deltaPct: -79.9922535211 });
    assert.equal(c.latencyMs!.p90!.baseline, undefined);
    assert.deepEqual(c.precisionCounts, {
      INT8: { engine: 7, baseline: 3, delta: 4, deltaPct: 133.333333333 },
      FP16: { engine: 3, baseline: 2, delta: 1, deltaPct: 50 },
      FP32: { engine: 1, baseline: 1, delta: 0, deltaPct: 0 },
    });
    assert.deepEqual(c.totalTimeMs, { engine: 0.335 });
  });
});
