/**
 * The engine-report readers against EVERY file of the shared trtexec corpus
 * (`../shared/fixtures/trtexec/` or `$QDQ_SHARED_FIXTURES/trtexec/`): real outputs of NVIDIA trtexec
 * and TREx. Each file has a row of exact expectations below, read off the files by hand; a new file
 * without a row fails, so the corpus cannot grow untested. When the corpus is absent, one line says
 * what was skipped.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findSharedCorpus } from '../../support/fixtures';
import {
  buildEngineReport,
  compareEngineReports,
  parseLayerInfo,
  parseProfile,
  parseTrexMetadata,
  parseTrtexecLog,
  TrtexecLogParser,
  type EngineReport,
} from '../../../src/core/engineReport/index';

const EXPECTATIONS: Record<string, (file: string) => void> = {};
const corpus = findSharedCorpus({ cases: 8 });
const files = corpus.trtexec;
if (corpus.found && files.length === 0) console.log(`[fixtures] no trtexec files under ${corpus.root}/trtexec: skipping the shared trtexec cases`);

const read = (f: string) => fs.readFileSync(f, 'utf8');
const byName = (name: string) => files.find((f) => path.basename(f) === name);

function reportOf(layerFile: string, profileName?: string): EngineReport {
  const profilePath = profileName ? byName(profileName) : undefined;
  const inputs: Parameters<typeof buildEngineReport>[0] = { layerInfo: parseLayerInfo(read(layerFile), layerFile) };
  if (profilePath) inputs.profile = parseProfile(read(profilePath), profilePath);
  return buildEngineReport(inputs);
}

EXPECTATIONS['trex-mobilenet-qat.layerinfo.json'] = (file) => {
  const info = parseLayerInfo(read(file), file);
  assert.equal(info.detailed, true);
  assert.equal(info.style, '8.x');
  assert.equal(info.layers.length, 73);
  assert.deepEqual(info.bindings, ['input1', '1179']);
  assert.deepEqual(info.problems, []);
  const types: Record<string, number> = {};
  for (const l of info.layers) types[l.layerType!] = (types[l.layerType!] ?? 0) + 1;
  assert.deepEqual(types, { Reformat: 18, CaskConvolution: 36, CudaDepthwiseConvolution: 17, TiledPooling: 1, NoOp: 1 });
  assert.ok(info.layers.every((l) => l.onnxNodes.length === 0 && l.metadata === undefined), '8.x file: no Metadata');

  const r = buildEngineReport({ layerInfo: info });
  // The poorly placed Q/DQ engine: 18 Reformat layers (17 unfused Q with Origin QDQ, 1 layout copy).
  assert.equal(r.reformats.length, 18);
  assert.equal(r.reformats.filter((x) => x.origin.trtOrigin === 'QDQ').length, 17);
  assert.equal(r.reformats.filter((x) => x.origin.kind === 'quantize').length, 17);
  const copy = r.reformats.find((x) => x.origin.trtOrigin === 'REFORMAT')!;
  assert.equal(copy.name, 'Reformatting CopyNode for Input Tensor 0 to GlobalAveragePool_843');
  assert.equal(copy.origin.kind, 'layout');
  assert.deepEqual([copy.origin.from.precision, copy.origin.from.layout, copy.origin.to.precision, copy.origin.to.layout], ['FP16', 'NC/32HW32', 'FP16', 'NC/2HW2']);
  assert.deepEqual(copy.origin.from.layers, ['features.18.0.weight + QuantizeLinear_834 + Conv_838 + PWN(Clip_842)']);
  assert.deepEqual(copy.origin.to.layers, ['GlobalAveragePool_843']);
  // First one quantizes the network input; QuantizeLinear_98 re-quantizes a conv's FP16 output (R19).
  const q2 = r.reformats[0]!;
  assert.equal(q2.name, 'QuantizeLinear_2');
  assert.deepEqual([q2.origin.from.layers, q2.origin.from.precision, q2.origin.to.precision], [['(network input)'], 'FP32', 'INT8']);
  const q98 = r.reformats.find((x) => x.name === 'QuantizeLinear_98')!;
  assert.deepEqual(q98.origin.from.tensors, ['410']);
  assert.deepEqual(q98.origin.from.layers, ['features.2.conv.2.weight + QuantizeLinear_90 + Conv_94']);
  assert.deepEqual(q98.origin.to.layers, ['features.3.conv.0.0.weight + QuantizeLinear_104 + Conv_108 + PWN(Clip_112)']);
  assert.equal(q98.origin.description, 'QDQ quantize FP16 NC/32HW32 → INT8 NC/32HW32 after features.2.conv.2.weight + QuantizeLinear_90 + Conv_94 before features.3.conv.0.0.weight + QuantizeLinear_104 + Conv_108 + PWN(Clip_112)');
  // Three of them read FP32 (features.14–16 convs write FP32), the rest FP16.
  assert.deepEqual(r.reformats.filter((x) => x.origin.from.precision === 'FP32').map((x) => x.name), ['QuantizeLinear_2', 'QuantizeLinear_682', 'QuantizeLinear_731', 'QuantizeLinear_780']);

  assert.deepEqual(r.precisionCounts, { INT8: 53, FP16: 15, FP32: 4 });
  assert.deepEqual(r.weights, { bytes: 3541984, mb: 3.37789916992, complete: true });
  const first = r.layers[1]!;
  assert.equal(first.tactic, 'volta_int8x4_icudnn_int8x4_128x32_relu_xregs_medium_c32_nn_v1');
  assert.equal(first.inputs[0]!.format, 'Four wide channel vectorized row major Int8 format');
};

EXPECTATIONS['trex-mobilenet-qat.profile.json'] = (file) => {
  const p = parseProfile(read(file), file);
  assert.equal(p.iterations, 6610);
  assert.equal(p.records.length, 73);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.records[0], { index: 0, name: 'QuantizeLinear_2', timeMs: 31.3879, averageMs: 0.00474854, medianMs: 0.004544, percentage: 1.00949 });
  assert.equal(p.totalTimeMs, 3109.2704);
  assert.equal(p.totalAverageMs, 0.47038876);
  const layerFile = byName('trex-mobilenet-qat.layerinfo.json');
  if (!layerFile) return;
  const r = reportOf(layerFile, 'trex-mobilenet-qat.profile.json');
  assert.equal(r.totalTimeMs, 0.47038876);
  assert.equal(r.profileIterations, 6610);
  assert.equal(r.layers.filter((l) => l.averageMs !== undefined).length, 73, 'every layer gets its time (joined by name)');
  assert.deepEqual(r.topLayers![0], {
    name: 'features.15.conv.2.weight + QuantizeLinear_722 + Conv_726 + Add_728',
    averageMs: 0.0164488,
    type: 'CaskConvolution',
    medianMs: 0.016384,
    percentage: 3.49685,
  });
  assert.equal(r.topLayers!.length, 10);
  // The 17 unfused Q layers cost 16.68 % of the summed layer time (0.0785 of 0.4704 ms).
  const quantize = r.layers.filter((l) => l.reformat === 'quantize');
  assert.equal(quantize.length, 17);
  assert.ok(Math.abs(quantize.reduce((s, l) => s + l.percentage!, 0) - 16.682045) < 1e-9);
  assert.ok(Math.abs(quantize.reduce((s, l) => s + l.averageMs!, 0) - 0.07847049) < 1e-12);
};

EXPECTATIONS['trex-mobilenet-qat.profile.metadata.json'] = (file) => {
  const m = parseTrexMetadata(read(file), file);
  assert.deepEqual(m.problems, []);
  assert.equal(m.perf!.throughputQps, 2829.15);
  assert.deepEqual(m.perf!.latencyMs, {
    min: 0.349854,
    max: 0.586731,
    mean: 0.352143,
    median: 0.351196,
    p90: 0.352234,
    p95: 0.352295,
    p99: 0.376038,
    percentiles: { '90': 0.352234, '95': 0.352295, '99': 0.376038 },
  });
  assert.deepEqual(m.perf!.gpuComputeMs, m.perf!.latencyMs, '--noDataTransfers: latency equals GPU compute time');
  assert.equal(m.perf!.enqueueMs!.p99, 0.0135498);
  assert.equal(m.perf!.h2dMs!.mean, 0);
  assert.equal(m.perf!.totalHostWalltimeS, 3.00091);
  assert.equal(m.perf!.totalGpuComputeS, 2.9897);
  assert.deepEqual(m.device, { name: 'NVIDIA TITAN RTX', computeCapability: '7.5' });
  assert.equal(m.inferenceOptions['CUDA Graph'], 'Enabled');
};

EXPECTATIONS['trex-mobilenetv2-residuals-qat.layerinfo.json'] = (file) => {
  const info = parseLayerInfo(read(file), file);
  assert.equal(info.layers.length, 58);
  assert.equal(info.style, '8.x');
  assert.deepEqual(info.bindings, ['inputs.1', '1304']);
  const r = buildEngineReport({ layerInfo: info });
  // The well-placed counterpart: only 3 Reformat layers.
  assert.deepEqual(
    r.reformats.map((x) => [x.name, x.origin.trtOrigin, x.origin.kind]),
    [
      ['QuantizeLinear_2', 'QDQ', 'quantize'],
      ['Reformatting CopyNode for Input Tensor 0 to GlobalAveragePool_747', 'REFORMAT', 'layout'],
      ['QuantizeLinear_757', 'QDQ', 'quantize'],
    ],
  );
  assert.deepEqual(r.precisionCounts, { INT8: 53, FP16: 3, FP32: 1 });
  assert.equal(r.weights!.bytes, 3541984);
  const poor = byName('trex-mobilenet-qat.layerinfo.json');
  if (!poor) return;
  const c = compareEngineReports(reportOf(poor, 'trex-mobilenet-qat.profile.json'), reportOf(file, 'trex-mobilenetv2-residuals-qat.profile.json'));
  assert.deepEqual(c.layers, { engine: 73, baseline: 58, delta: 15, deltaPct: 25.8620689655 });
  assert.deepEqual(c.reformats, { engine: 18, baseline: 3, delta: 15, deltaPct: 500 });
  assert.deepEqual(c.weightsMB, { engine: 3.37789916992, baseline: 3.37789916992, delta: 0, deltaPct: 0 });
  assert.deepEqual(c.totalTimeMs, { engine: 0.47038876, baseline: 0.35592094, delta: 0.11446782, deltaPct: 32.1610242994 });
  assert.deepEqual(c.precisionCounts, {
    INT8: { engine: 53, baseline: 53, delta: 0, deltaPct: 0 },
    FP16: { engine: 15, baseline: 3, delta: 12, deltaPct: 400 },
    FP32: { engine: 4, baseline: 1, delta: 3, deltaPct: 300 },
  });
};

EXPECTATIONS['trex-mobilenetv2-residuals-qat.profile.json'] = (file) => {
  const p = parseProfile(read(file), file);
  assert.equal(p.iterations, 8657);
  assert.equal(p.records.length, 58);
  assert.equal(p.totalAverageMs, 0.35592094);
  const layerFile = byName('trex-mobilenetv2-residuals-qat.layerinfo.json');
  if (!layerFile) return;
  const r = reportOf(layerFile, 'trex-mobilenetv2-residuals-qat.profile.json');
  assert.deepEqual(
    r.topLayers!.slice(0, 2).map((t) => [t.name, t.averageMs]),
    [
      ['features.17.conv.2.weight + QuantizeLinear_729 + Conv_731', 0.0101366],
      ['features.15.conv.2.weight + QuantizeLinear_643 + Conv_645 + Add_647', 0.0101273],
    ],
  );
};

EXPECTATIONS['cookbook-trt10.16-fp32.layerinfo.json'] = (file) => {
  const info = parseLayerInfo(read(file), file);
  assert.equal(info.style, '10.x');
  assert.equal(info.detailed, true);
  assert.equal(info.layers.length, 9);
  assert.deepEqual(info.bindings, ['x', 'y', 'z']);
  assert.deepEqual(info.problems, []);
  assert.deepEqual(
    info.layers.map((l) => [l.name, l.layerType, l.onnxNodes]),
    [
      ['node_conv2d + node_relu', 'CaskConvolution', ['node_conv2d', 'node_relu']],
      ['node_max_pool2d', 'CaskPooling', ['node_max_pool2d']],
      ['node_conv2d_1 + node_relu_1', 'CaskConvolution', ['node_conv2d_1', 'node_relu_1']],
      ['node_max_pool2d_1', 'CaskPooling', ['node_max_pool2d_1']],
      ['node_linear_myl4_0', 'gemm', ['node_linear', 'node_relu_2']],
      ['__myl_MulSum_myl4_1', 'kgen', ['node_linear_1']],
      ['__myl_AddMaxrSubExpSum_myl4_2', 'kgen', ['node_linear_1', 'node_softmax']],
      ['__myl_DivMulMaxr_myl4_3', 'kgen', ['node_softmax', 'node_argmax']],
      ['__myl_CastReshCast_myl4_4', 'kgen', []],
    ],
  );
  assert.equal(info.layers[0]!.metadata, '[ONNX Layer: node_conv2d]\u001e[ONNX Layer: node_relu]');
  assert.equal(info.layers[4]!.inputs[0]!.location, undefined, 'Myelin tensors have no Location');
  assert.equal(info.layers[0]!.attributes['StreamId'], 0);
  assert.equal(info.layers[0]!.attributes['HasResidual'], 0);
  const r = buildEngineReport({ layerInfo: info });
  assert.deepEqual(r.reformats, []);
  assert.deepEqual(r.precisionCounts, { FP32: 8, INT32: 1 });
  assert.deepEqual(r.weights, { bytes: 208384, mb: 0.198730468750, complete: false });
  assert.deepEqual(r.layers[7]!.outputs.map((t) => t.precision), ['FP32', 'INT32']);
  assert.deepEqual(r.layers[8]!.outputs[0], { name: 'z', precision: 'INT64', format: 'Int64', dimensions: [1] });
};

EXPECTATIONS['cookbook-trt10.16-fp16-perf.console.log'] = (file) => {
  const text = read(file);
  const log = parseTrtexecLog(text, file);
  assert.equal(log.lineCount, 565);
  assert.equal(log.recognizedLines, 565);
  assert.equal(log.finished, true);
  assert.equal(log.status, 'passed');
  assert.equal(log.trtVersion, '10.16.1');
  assert.deepEqual(log.device, { name: 'NVIDIA H100 PCIe', computeCapability: '9.0' });
  assert.equal(log.command, 'trtexec --loadEngine=model-trained.trt --shapes=x:4x1x28x28 --noDataTransfers --useSpinWait --useCudaGraph --verbose');
  assert.deepEqual(log.commandFlags, { loadEngine: 'model-trained.trt', shapes: 'x:4x1x28x28', noDataTransfers: true, useSpinWait: true, useCudaGraph: true, verbose: true });
  assert.deepEqual(log.build, { precisions: [], loadEngine: 'model-trained.trt' });
  assert.deepEqual(Object.keys(log.sections), ['Model Options', 'System Options', 'Inference Options', 'Reporting Options', 'Device Information']);
  assert.equal(log.sections['Inference Options']!['Data transfers'], 'Disabled');
  assert.equal(log.sections['Reporting Options']!['Percentiles'], '90,95,99');
  assert.deepEqual(log.diagnostics, []);
  const stats = {
    min: 0.0383301,
    max: 0.0651855,
    mean: 0.0387646,
    median: 0.0388184,
    p90: 0.0388489,
    p95: 0.0389404,
    p99: 0.0390625,
    percentiles: { '90': 0.0388489, '95': 0.0389404, '99': 0.0390625 },
  };
  assert.deepEqual(log.perf, {
    throughputQps: 24896.9,
    latencyMs: stats,
    enqueueMs: { min: 0.00158691, max: 0.0428467, mean: 0.00197413, median: 0.00195312, p90: 0.00219727, p95: 0.00219727, p99: 0.00244141, percentiles: { '90': 0.00219727, '95': 0.00219727, '99': 0.00244141 } },
    h2dMs: { min: 0, max: 0, mean: 0, median: 0, p90: 0, p95: 0, p99: 0, percentiles: { '90': 0, '95': 0, '99': 0 } },
    gpuComputeMs: stats,
    d2hMs: { min: 0, max: 0, mean: 0, median: 0, p90: 0, p95: 0, p99: 0, percentiles: { '90': 0, '95': 0, '99': 0 } },
    totalHostWalltimeS: 3.00005,
    totalGpuComputeS: 2.89541,
  });
  assert.equal(log.profile, undefined);
  // Line-fed: the same result whatever the chunking (here: 7-character chunks).
  const p = new TrtexecLogParser(file);
  for (let i = 0; i < text.length; i += 7) p.write(text.slice(i, i + 7));
  assert.deepEqual(p.end(), log);
};

EXPECTATIONS['cookbook-trt10.16-dumpprofile.console.log'] = (file) => {
  const log = parseTrtexecLog(read(file), file);
  assert.equal(log.lineCount, 102);
  assert.equal(log.status, 'passed');
  assert.equal(log.trtVersion, '10.16.1');
  assert.deepEqual(log.diagnostics, [
    { severity: 'warning', line: 72, message: 'Shape missing for input with dynamic shape: xAutomatically setting shape to: 1x1x28x28', tensorrt: false },
  ]);
  assert.equal(log.perf, undefined, 'no end-to-end summary while profiling (see the note in the log)');
  const profile = log.profile!;
  assert.equal(profile.iterations, 18362);
  assert.equal(profile.records.length, 15);
  assert.deepEqual(profile.records[0], { index: 0, name: '__mye59_0_myl0_0', timeMs: 31.4, averageMs: 0.0017, medianMs: 0.0018, percentage: 2.1 });
  assert.deepEqual(profile.records[3], {
    index: 3,
    name: 'Reformatting CopyNode for Input Tensor 0 to {ForeignNode[node_conv2d_1...node_relu_1]}',
    timeMs: 101.96,
    averageMs: 0.0056,
    medianMs: 0.0044,
    percentage: 6.7,
  });
  assert.equal(profile.records[14]!.name, '__myl_Cast_myl5_7');
  assert.equal(profile.totalTimeMs, 1529.13, 'the printed Total row');
  assert.equal(profile.totalAverageMs, 0.0833);
  const layerFile = byName('cookbook-trt10.16-fp32.layerinfo.json');
  if (!layerFile) return;
  const r = buildEngineReport({ layerInfo: parseLayerInfo(read(layerFile), layerFile), run: log });
  assert.equal(r.totalTimeMs, 0.0833, 'the --dumpProfile table stands in for --exportProfile');
  assert.equal(r.topLayers![0]!.name, 'node_conv2d_1_myl3_1');
  assert.deepEqual(r.diagnostics!.warnings, 1);
};

describe('engineReport: the shared trtexec corpus', () => {
  test('every shared trtexec file has expectations here', { skip: files.length ? false : 'shared corpus absent' }, () => {
    const missing = files.map((f) => path.basename(f)).filter((n) => !EXPECTATIONS[n]);
    assert.deepEqual(missing, [], 'add a row for each new file in ../shared/fixtures/trtexec');
  });
  for (const name of Object.keys(EXPECTATIONS)) {
    const file = byName(name);
    test(name, { skip: file ? false : 'shared corpus absent' }, () => EXPECTATIONS[name]!(file!));
  }
});
