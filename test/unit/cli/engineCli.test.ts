/**
 * `qdq engine` for CI: the comparison reads the baseline's profile and log (beside its layer info,
 * or --compare-profile / --compare-log), and --model checks the analysis's prediction against the
 * engine (JSON `prediction`, exit 1 with --fail-on-mismatch when they disagree). Over the checked-in
 * trtexec fixtures and models, and the shared trtexec corpus when present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { openModelFile } from '../../../src/core/onnx/index';
import { repoRoot, sharedFixturesRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { standInLayerInfo as layerInfoFor } from '../../support/standInLayerInfo';

const fx = (...p: string[]): string => path.join(repoRoot, 'test', 'fixtures', ...p);
const MODEL = fx('onnx', 'tiny-qat-good.onnx');

interface Delta {
  engine?: number;
  baseline?: number;
}

/** The stand-in layer info (test/support/standInLayerInfo.ts) for the model file `model`. */
function standInLayerInfo(model: string, asHalf: readonly string[]): string {
  const decoded = openModelFile(model);
  try {
    return layerInfoFor(decoded, asHalf);
  } finally {
    decoded.source.close?.();
  }
}

function predictedConvs(model: string, n: number): string[] {
  const decoded = openModelFile(model);
  try {
    const r = analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), { trt: 10, precision: 'int8', stronglyTyped: false, refit: false });
    return r.layers.filter((l) => l.opType === 'Conv' && l.precision === 'INT8').slice(1, 1 + n).map((l) => l.node);
  } finally {
    decoded.source.close?.();
  }
}

test('--compare reads the baseline profile and log beside its layer info (<stem>.profile.json, <stem>.log): its throughput and latency are no longer "-"', async () => {
  const dir = makeTempDir('qdq-engine-compare');
  fs.copyFileSync(fx('trtexec', 'trt8-detailed.layerinfo.json'), path.join(dir, 'fp16.layer.json'));
  fs.copyFileSync(fx('trtexec', 'trt8-detailed.profile.json'), path.join(dir, 'fp16.profile.json'));
  fs.copyFileSync(fx('trtexec', 'short.console.log'), path.join(dir, 'fp16.log'));
  const engine = fx('trtexec', 'trt10-detailed.layerinfo.json');
  const r = await qdq('engine', engine, '--compare', path.join(dir, 'fp16.layer.json'), '--json');
  assert.equal(r.code, 0, r.err);
  const c = JSON.parse(r.out).comparison as Record<string, Delta & Record<string, Delta>> & { baselineProfile?: string; baselineLog?: string };
  assert.equal(c.throughputQps?.baseline, 1005.92);
  assert.equal((c.latencyMs as unknown as Record<string, Delta>).mean?.baseline, 0.992502);
  assert.equal(c.totalTimeMs?.baseline, 0.335);
  assert.equal(c.baselineProfile, path.join(dir, 'fp16.profile.json'));
  assert.equal(c.baselineLog, path.join(dir, 'fp16.log'));
  // The text table has the baseline's figures, and says which files it read.
  const text = await qdq('engine', engine, '--compare', path.join(dir, 'fp16.layer.json'));
  assert.match(text.out, /\(baseline, with fp16\.profile\.json and fp16\.log\)/);
  assert.match(text.out, /throughput qps\s+-\s+1005\.92/);
});

test('--compare: a file beside the baseline that does not read (an empty log of a build stopped early) is left out with a note, not a failure; one named with --compare-log must read', async () => {
  const dir = makeTempDir('qdq-engine-compare-bad');
  fs.copyFileSync(fx('trtexec', 'trt8-detailed.layerinfo.json'), path.join(dir, 'fp16.layer.json'));
  fs.copyFileSync(fx('trtexec', 'trt8-detailed.profile.json'), path.join(dir, 'fp16.profile.json'));
  fs.writeFileSync(path.join(dir, 'fp16.log'), '');
  const engine = fx('trtexec', 'trt10-detailed.layerinfo.json');
  const r = await qdq('engine', engine, '--compare', path.join(dir, 'fp16.layer.json'), '--json');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /left out .*fp16\.log \(beside the baseline\)/);
  const c = JSON.parse(r.out).comparison as { baselineProfile?: string; baselineLog?: string };
  assert.equal(c.baselineProfile, path.join(dir, 'fp16.profile.json'));
  assert.equal(c.baselineLog, undefined);
  const named = await qdq('engine', engine, '--compare', path.join(dir, 'fp16.layer.json'), '--compare-log', path.join(dir, 'fp16.log'));
  assert.equal(named.code, 2, named.err);
});

test('--compare-profile and --compare-log name the baseline files wherever they are; without --compare they are bad usage', async () => {
  const r = await qdq('engine', fx('trtexec', 'trt10-detailed.layerinfo.json'), '--compare', fx('trtexec', 'trt10-detailed.layerinfo.json'),
    '--compare-profile', fx('trtexec', 'trt8-detailed.profile.json'), '--compare-log', fx('trtexec', 'short.console.log'), '--json');
  assert.equal(r.code, 0, r.err);
  const c = JSON.parse(r.out).comparison as Record<string, Delta>;
  assert.equal(c.throughputQps?.baseline, 1005.92);
  assert.equal(c.totalTimeMs?.baseline, 0.335);
  const bad = await qdq('engine', fx('trtexec', 'trt10-detailed.layerinfo.json'), '--compare-log', fx('trtexec', 'short.console.log'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--compare-profile and --compare-log go with --compare/);
});

test('the shared TREx corpus: the baseline MobileNet QAT build brings its profile and profile.metadata.json', async (t) => {
  const dir = path.join(sharedFixturesRoot(), 'trtexec');
  const a = path.join(dir, 'trex-mobilenetv2-residuals-qat.layerinfo.json');
  const b = path.join(dir, 'trex-mobilenet-qat.layerinfo.json');
  if (!fs.existsSync(a) || !fs.existsSync(b)) {
    t.skip(`shared trtexec fixtures not found in ${dir}`);
    return;
  }
  const r = await qdq('engine', a, '--compare', b, '--json');
  assert.equal(r.code, 0, r.err);
  const c = JSON.parse(r.out).comparison as Record<string, Delta> & { baselineProfile?: string; baselineLog?: string };
  assert.equal(c.baselineProfile, path.join(dir, 'trex-mobilenet-qat.profile.json'));
  assert.equal(c.baselineLog, path.join(dir, 'trex-mobilenet-qat.profile.metadata.json'));
  assert.ok(c.throughputQps?.baseline !== undefined && c.throughputQps.baseline > 0, JSON.stringify(c.throughputQps));
  assert.ok(c.totalTimeMs?.baseline !== undefined && c.totalTimeMs.baseline > 0, JSON.stringify(c.totalTimeMs));
});

test('--model: an engine that built two predicted-INT8 convs in FP16 is two disagreements (text and JSON); --fail-on-mismatch exits 1', async () => {
  const dir = makeTempDir('qdq-engine-predict');
  const half = predictedConvs(MODEL, 2);
  assert.equal(half.length, 2);
  const layers = path.join(dir, 'qdq.layer.json');
  fs.writeFileSync(layers, standInLayerInfo(MODEL, half));

  const json = await qdq('engine', layers, '--model', MODEL, '--json');
  assert.equal(json.code, 0, 'without --fail-on-mismatch a disagreement is reported, not failed');
  const p = JSON.parse(json.out).prediction;
  assert.equal(p.model, MODEL);
  assert.deepEqual(p.target, { trt: '10.x', precision: 'int8', stronglyTyped: false, refit: false });
  assert.equal(p.disagreements.length, 2);
  assert.deepEqual(p.disagreements.map((d: { node: string }) => d.node).sort(), [...half].sort());
  assert.deepEqual(Object.keys(p.disagreements[0]).sort(), ['actual', 'layer', 'node', 'opType', 'predicted']);
  assert.equal(p.disagreements[0].predicted, 'INT8');
  assert.equal(p.disagreements[0].actual, 'FP16');
  assert.equal(p.agree, p.compared - 2);
  assert.equal(typeof p.predictedReformats, 'number');
  assert.equal(typeof p.actualReformats, 'number');

  const text = await qdq('engine', layers, '--model', MODEL, '--fail-on-mismatch');
  assert.equal(text.code, 1);
  assert.match(text.out, new RegExp(`${p.agree} of ${p.compared} compute nodes as predicted, 2 differ:`));
  assert.match(text.out, /\(Conv\): predicted INT8, built FP16 in layer /);

  // The same build without the disagreement passes.
  fs.writeFileSync(layers, standInLayerInfo(MODEL, []));
  const ok = await qdq('engine', layers, '--model', MODEL, '--fail-on-mismatch', '--json');
  assert.equal(ok.code, 0, ok.out);
  assert.equal(JSON.parse(ok.out).prediction.disagreements.length, 0);
});

test('--model on the recorded trtexec files: the 10.x layer info agrees with the model it names; the 8.x log sets the target; a file naming no node fails the check', async () => {
  const agree = await qdq('engine', fx('trtexec', 'trt10-detailed.layerinfo.json'), '--model', MODEL, '--fail-on-mismatch', '--json');
  assert.equal(agree.code, 0, agree.out);
  const p = JSON.parse(agree.out).prediction;
  assert.ok(p.compared > 0 && p.agree === p.compared, JSON.stringify(p));

  // The log says TensorRT 8.x: the prediction is made for 8.x unless --trt says otherwise.
  const eight = await qdq('engine', fx('trtexec', 'trt8-detailed.layerinfo.json'), '--log', fx('trtexec', 'short.console.log'), '--model', MODEL, '--json');
  assert.equal(eight.code, 0, eight.err);
  assert.equal(JSON.parse(eight.out).prediction.target.trt, '8.x');
  const forced = await qdq('engine', fx('trtexec', 'trt8-detailed.layerinfo.json'), '--log', fx('trtexec', 'short.console.log'), '--model', MODEL, '--trt', '10', '--json');
  assert.equal(JSON.parse(forced.out).prediction.target.trt, '10.x');

  // A names-only layer info has no precisions: nothing is compared, which a CI check must not pass.
  const none = await qdq('engine', fx('trtexec', 'names-only.layerinfo.json'), '--model', MODEL, '--fail-on-mismatch');
  assert.equal(none.code, 1);
  assert.match(none.out, /no compute node of the model is named in the engine/);
});

test('--model usage and input errors: target flags without --model, a bad --trt, a missing model (exit 2)', async () => {
  const layers = fx('trtexec', 'trt10-detailed.layerinfo.json');
  const noModel = await qdq('engine', layers, '--fail-on-mismatch');
  assert.equal(noModel.code, 2);
  assert.match(noModel.err, /--fail-on-mismatch goes with --model/);
  const badTrt = await qdq('engine', layers, '--model', MODEL, '--trt', '9');
  assert.equal(badTrt.code, 2);
  assert.match(badTrt.err, /--trt must be 8 or 10/);
  const gone = path.join(makeTempDir('qdq-engine-gone'), 'gone.onnx');
  const missing = await qdq('engine', layers, '--model', gone);
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1, missing.err);
  assert.ok(missing.err.startsWith(`qdq: ${gone}: cannot read`), missing.err);
});

test('qdq lint --format json: the target says strongly typed and refit', async () => {
  const plain = await qdq('lint', MODEL, '--format', 'json');
  assert.deepEqual(JSON.parse(plain.out).target, { trt: '10.x', precision: 'int8', stronglyTyped: false, refit: false });
  const typed = await qdq('lint', MODEL, '--format', 'json', '--strongly-typed', '--refit');
  assert.deepEqual(JSON.parse(typed.out).target, { trt: '10.x', precision: 'int8', stronglyTyped: true, refit: true });
});
