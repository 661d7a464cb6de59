/** The engine report as the webview gets it (reportDto) and how a build's files are found (sources). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEngineReport, compareEngineReports, parseLayerInfo, parseProfile, parseTrtexecLog } from '../../../src/core/engineReport/index';
import { comparisonToDto, reportToDto } from '../../../src/engineView/reportDto';
import { buildStem, isLayerInfoName, siblingBuilds, sourceFor } from '../../../src/engineView/sources';
import { isFromEngineView, isToEngineView } from '../../../src/protocol/engineView';
import { makeTempDir } from '../../support/tempDir';

const fixtures = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const read = (f: string) => fs.readFileSync(path.join(fixtures, f), 'utf8');

function trt8Report() {
  return buildEngineReport({
    layerInfo: parseLayerInfo(read('trt8-detailed.layerinfo.json'), 'qdq.layer.json'),
    profile: parseProfile(read('trt8-detailed.profile.json'), 'qdq.profile.json'),
    run: parseTrtexecLog(read('short.console.log'), 'qdq.log'),
  });
}

test('reportToDto: the recorded trt8 build with its profile and log', () => {
  const dto = reportToDto(trt8Report(), 'qdq');
  assert.equal(dto.label, 'qdq');
  assert.equal(dto.layerCount, 12);
  assert.equal(dto.layers.length, 12);
  assert.equal(dto.reformats.length, 6);
  assert.deepEqual(dto.reformats.map((r) => r.kind), ['quantize', 'quantize', 'requantize', 'layout', 'dequantize', 'precision']);
  assert.deepEqual(dto.precisionCounts, { INT8: 7, FP16: 3, FP32: 1 });
  assert.equal(dto.perf?.throughputQps, 1005.92);
  assert.equal(dto.perf?.latencyMs?.p99, 0.994385);
  assert.equal(dto.trtVersion, '8.6.1');
  assert.match(dto.device!, /RTX 4090 \(SM 8\.9\)/);
  assert.equal(dto.buildPrecision, 'FP32+FP16+INT8');
  assert.equal(dto.diagnostics?.warnings, 3);
  assert.equal(dto.layers.filter((l) => l.reformat).length, 6);
  assert.ok(dto.layers.some((l) => /INT8 NC\/32HW32/.test(l.inputs)), 'long 8.x formats shortened');
  assert.ok(Math.abs(dto.totalTimeMs! - 0.335) < 1e-9);
  // Plain JSON: survives postMessage's structured clone as is.
  assert.deepEqual(JSON.parse(JSON.stringify(dto)), dto);
});

test('comparisonToDto: rows in the order of the YOLO QAT reports, with the better direction', () => {
  const a = trt8Report();
  const names = buildEngineReport({ layerInfo: parseLayerInfo(read('names-only.layerinfo.json'), 'fp16.layer.json') });
  const c = comparisonToDto(compareEngineReports(a, names), 'qdq', 'fp16');
  assert.equal(c.engine, 'qdq');
  assert.equal(c.baseline, 'fp16');
  assert.deepEqual(c.rows.slice(0, 2).map((r) => [r.label, r.engine, r.baseline, r.delta, r.better]), [
    ['Layers', 12, 7, 5, 'lower'],
    ['Reformat layers', 6, 4, 2, 'lower'],
  ]);
  assert.ok(c.rows.some((r) => r.label === 'Throughput (qps)' && r.engine === 1005.92 && r.baseline === undefined));
});

test('sources: a build is its layer info plus the profile and log beside it; siblings are the other builds', async () => {
  const dir = makeTempDir('qdq-engine-sources');
  for (const f of ['qdq.layer.json', 'qdq.profile.json', 'qdq.log', 'fp16.layer.json', 'fp16.log', 'notes.json']) fs.writeFileSync(path.join(dir, f), '[]');
  assert.deepEqual(await sourceFor(path.join(dir, 'qdq.layer.json')), {
    layerInfo: path.join(dir, 'qdq.layer.json'),
    profile: path.join(dir, 'qdq.profile.json'),
    log: path.join(dir, 'qdq.log'),
    label: 'qdq',
  });
  assert.deepEqual(
    (await siblingBuilds(path.join(dir, 'qdq.layer.json'))).map((s) => [s.label, s.profile !== undefined, s.log !== undefined]),
    [['fp16', false, true]],
  );
  assert.equal(buildStem('/x/trex-mobilenet-qat.layerinfo.json'), '/x/trex-mobilenet-qat');
  assert.ok(isLayerInfoName('a.layerinfo.json') && !isLayerInfoName('a.profile.json'));
  assert.deepEqual(await siblingBuilds('/no/such/dir/x.layer.json'), []);
});

test('engine view protocol guards', () => {
  assert.ok(isToEngineView({ type: 'show', report: {}, candidates: [] }));
  assert.ok(isToEngineView({ type: 'query', requestId: 1 }));
  assert.ok(!isToEngineView({ type: 'show', report: {} }));
  assert.ok(!isToEngineView(null));
  assert.ok(isFromEngineView({ type: 'compare' }) && isFromEngineView({ type: 'compare', id: 'x' }));
  assert.ok(!isFromEngineView({ type: 'compare', id: 3 }));
  assert.ok(isFromEngineView({ type: 'pickComparison' }), '"Compare with…"');
  assert.ok(!isFromEngineView({ type: 'revealLayer', onnxNodes: [1] }));
});
