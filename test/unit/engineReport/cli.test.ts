/**
 * `qdq engine` (src/cli/engine.ts, runEngine): text and JSON output, --profile / --log / --compare,
 * and exit code 2 with one line naming the file for unreadable input or bad usage.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatEngineReport, num, printable, runEngine } from '../../../src/cli/engine';
import { buildEngineReport, parseLayerInfo } from '../../../src/core/engineReport/index';
import { makeTempDir } from '../../support/tempDir';

const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const f = (name: string) => path.join(dir, name);

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runEngine(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('engineReport: qdq engine', () => {
  test('text report with profile and log', async () => {
    const r = await run(f('trt8-detailed.layerinfo.json'), '--profile', f('trt8-detailed.profile.json'), '--log', f('short.console.log'));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'Engine trt8-detailed.layerinfo.json: 12 layers (detailed, TensorRT 8.x fields)');
    assert.ok(lines.includes('  precision (layers by first input): INT8 7, FP16 3, FP32 1'));
    assert.ok(lines.includes('  weights: 0.0682373 MiB'));
    assert.ok(lines.includes('  reformat / re-quantize layers: 6'));
    assert.ok(lines.includes('    [5] DequantizeLinear_60 + QuantizeLinear_63: QDQ requantize INT8 NC/32HW32 → INT8 NC/32HW32 after model.2.cv1.conv.weight + QuantizeLinear_48 + Conv_50'));
    assert.ok(lines.includes('  profile: 2000 iterations; summed layer time 0.335 ms per inference'));
    assert.ok(lines.includes('          0.08 ms  23.9%  CaskConvolution  model.1.conv.weight + QuantizeLinear_27 + Conv_29 + PWN(PWN(Sigmoid_30), Mul_31)'));
    assert.ok(lines.includes('  run (short.console.log): TensorRT 8.6.1, NVIDIA GeForce RTX 4090 (SM 8.9), precision FP32+FP16+INT8'));
    assert.ok(lines.includes('    throughput: 1005.92 qps'));
    assert.ok(lines.includes('    latency (ms): min 0.989258, mean 0.992502, median 0.992188, p90 0.993408, p95 0.994141, p99 0.994385, max 0.995605'));
    assert.ok(lines.includes('    log: 0 errors, 3 warnings'));
    assert.ok(lines.includes('      line 53: warning: If not already in use, locking GPU clock frequency or adding --useSpinWait may improve the stability.'));
  });

  test('--json prints the report shape; --compare adds `comparison`', async () => {
    const r = await run(f('trt8-detailed.layerinfo.json'), '--profile', f('trt8-detailed.profile.json'), '--log', f('short.console.log'), '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    for (const k of ['layers', 'reformats', 'precisionCounts', 'totalTimeMs', 'topLayers', 'perf']) assert.ok(k in report, k);
    assert.equal(report.reformats.length, 6);
    assert.deepEqual(Object.keys(report.reformats[0]), ['index', 'name', 'origin', 'layerType']);
    assert.equal(report.perf.throughputQps, 1005.92);
    assert.equal(report.perf.latencyMs.p99, 0.994385);
    assert.equal('comparison' in report, false);

    const c = await run(f('trt8-detailed.layerinfo.json'), '--log', f('short.console.log'), '--compare', f('trt10-detailed.layerinfo.json'), '--json');
    assert.equal(c.code, 0, c.err);
    const withComparison = JSON.parse(c.out);
    assert.deepEqual(withComparison.comparison.layers, { engine: 12, baseline: 6, delta: 6, deltaPct: 100 });
    assert.deepEqual(withComparison.comparison.reformats, { engine: 6, baseline: 2, delta: 4, deltaPct: 200 });
    assert.deepEqual(withComparison.comparison.throughputQps, { engine: 1005.92 });
  });

  test('text comparison: the ONNX nodes whose layer changed precision and the largest layer time changes', async () => {
    const tmp = makeTempDir('qdq-engine-changes-');
    const layers = JSON.parse(fs.readFileSync(f('trt8-detailed.layerinfo.json'), 'utf8')) as { Layers: { Name: string; Inputs: { 'Format/Datatype': string }[]; Outputs: { 'Format/Datatype': string }[] }[] };
    const conv = layers.Layers.find((l) => /\bConv_17\b/.test(l.Name))!;
    for (const t of [...conv.Inputs, ...conv.Outputs]) t['Format/Datatype'] = 'Row major linear FP16 format';
    const profile = JSON.parse(fs.readFileSync(f('trt8-detailed.profile.json'), 'utf8')) as ({ count: number } | { name: string; averageMs: number })[];
    for (const r of profile) if ('name' in r && r.name === conv.Name) r.averageMs = 0.25;
    fs.writeFileSync(path.join(tmp, 'after.layer.json'), JSON.stringify(layers));
    fs.writeFileSync(path.join(tmp, 'after.profile.json'), JSON.stringify(profile));
    const r = await run(path.join(tmp, 'after.layer.json'), '--profile', path.join(tmp, 'after.profile.json'), '--compare', f('trt8-detailed.layerinfo.json'), '--compare-profile', f('trt8-detailed.profile.json'));
    assert.equal(r.code, 0, r.err);
    const lines = r.out.slice(r.out.indexOf('Comparison:')).split('\n');
    const at = lines.findIndex((l) => /ONNX nodes named by both builds changed precision/.test(l));
    assert.match(lines[at]!, /^ {2}4 of the \d+ ONNX nodes named by both builds changed precision:$/);
    assert.equal(lines[at + 2], `    Conv_17: INT8 → FP16 (layer ${conv.Name})`);
    assert.ok(lines.includes(`    0.06 → 0.25 (+0.19, +316.7%)  ${conv.Name}`), lines.join('\n'));
  });

  test('text comparison table', async () => {
    const r = await run(f('trt8-detailed.layerinfo.json'), '--compare', f('trt10-detailed.layerinfo.json'));
    assert.equal(r.code, 0, r.err);
    const table = r.out.slice(r.out.indexOf('Comparison:')).split('\n');
    assert.deepEqual(table, [
      'Comparison: trt8-detailed.layerinfo.json (engine) vs trt10-detailed.layerinfo.json (baseline)',
      '                      engine     baseline                  change',
      '  layers                  12            6              +6 (+100%)',
      '  reformat layers          6            2              +4 (+200%)',
      '  weights MiB      0.0682373  0.000473022  +0.0677643 (+14325.8%)',
      '  INT8 layers              7            3            +4 (+133.3%)',
      '  FP16 layers              3            2               +1 (+50%)',
      '  FP32 layers              1            1                  0 (0%)',
      '  no ONNX node is named by both builds: nothing to compare layer by layer',
    ]);
  });

  test('name-only file and TREx metadata as --log', async () => {
    const r = await run(f('names-only.layerinfo.json'), '--log', f('older.profile.metadata.json'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Engine names-only\.layerinfo\.json: 7 layers \(names only: built without --profilingVerbosity=detailed, TensorRT 8\.x fields\)$/m);
    assert.match(r.out, /^ {2}run \(older\.profile\.metadata\.json\): Orin \(SM 8\.7\)$/m);
    assert.match(r.out, /^ {4}latency \(ms\): min 4\.79, mean 4\.84, median 4\.83, p99 4\.97, max 5\.31$/m);
    assert.match(r.out, /^ {2}input problems \(2\):$/m);
  });

  test('a log without a performance summary says so', async () => {
    const r = await run(f('names-only.layerinfo.json'), '--log', f('truncated.console.log'));
    assert.equal(r.code, 0);
    assert.match(r.out, /throughput: 1005\.92 qps/);
    const dir2 = makeTempDir('qdq-engine-');
    const bare = path.join(dir2, 'bare.log');
    fs.writeFileSync(bare, '&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=a.onnx\n');
    assert.match((await run(f('names-only.layerinfo.json'), '--log', bare)).out, /run \(bare\.log\): TensorRT 8\.6\.1\n {4}no performance summary in this log/);
  });

  test('exit 2 with one line naming the file: missing, folder, malformed, wrong kind', async () => {
    const cases: [string[], RegExp][] = [
      [[f('nope.json')], /^qdq: .*nope\.json: cannot read: no such file \(ENOENT\)$/],
      [[dir], /^qdq engine: cannot read .*trtexec: it is a folder$/],
      [[f('malformed.layerinfo.json')], /^qdq engine: .*malformed\.layerinfo\.json:9:5: not valid JSON \(expected trtexec --exportLayerInfo JSON\): expected ',' or '}', found '"'$/],
      [[f('trt8-detailed.profile.json')], /^qdq engine: .*trt8-detailed\.profile\.json: expected an object with a "Layers" array, found an array \(this looks like an --exportProfile file\)$/],
      [[f('short.console.log')], /^qdq engine: .*short\.console\.log:1:1: not valid JSON .*found '&'$/],
      [[f('names-only.layerinfo.json'), '--profile', f('names-only.layerinfo.json')], /^qdq engine: .*names-only\.layerinfo\.json: expected an array of layer timing records, found an object \(this looks like an --exportLayerInfo file\)$/],
      [[f('names-only.layerinfo.json'), '--log', f('README.md')], /^qdq engine: .*README\.md:1: not a trtexec console log/],
      [[f('names-only.layerinfo.json'), '--log', f('trt8-detailed.layerinfo.json')], /^qdq engine: .*trt8-detailed\.layerinfo\.json: a JSON file, but neither a trtexec console log nor TREx profile metadata$/],
      [[f('names-only.layerinfo.json'), '--compare', f('nope.json')], /^qdq: .*nope\.json: cannot read: no such file \(ENOENT\)$/],
    ];
    for (const [args, expected] of cases) {
      const r = await run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '');
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.match(r.err, expected);
    }
  });

  test('bad usage: exit 2, one line: the problem and the usage line', async () => {
    const cases: [string[], string][] = [
      [[], 'needs a LAYER_JSON'],
      [['a.json', 'b.json'], 'takes exactly one LAYER_JSON'],
      [['--bogus', 'a.json'], "unknown option '--bogus'"],
      [['a.json', '--profile'], '--profile needs a value'],
    ];
    for (const [args, problem] of cases) {
      const r = await run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(
        r.err,
        `qdq engine: ${problem} (usage: qdq engine LAYER_JSON [--profile PROFILE_JSON] [--log CONSOLE_LOG] [--compare OTHER_LAYER_JSON [--compare-profile PROFILE_JSON] [--compare-log CONSOLE_LOG]] [--model MODEL [--trt 8|10] [--precision int8|fp8] [--strongly-typed] [--fail-on-mismatch]] [--json]; run 'qdq engine --help' for more)`,
      );
    }
  });

  test('hostile names reach the terminal as escapes, long ones cut', async () => {
    const r = await run(f('hostile.layerinfo.json'), '--profile', f('hostile.profile.json'));
    assert.equal(r.code, 0, r.err);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r.out), 'no control characters in the output');
    assert.match(r.out, /input problems \(19\):/);
    assert.equal(printable('a\u0000b\u001b[31m'), 'a\\x00b\\x1b[31m');
    assert.equal(printable('x'.repeat(500)).length, 160);
    const report = buildEngineReport({ layerInfo: parseLayerInfo(JSON.stringify({ Layers: [{ Name: 'n\u001e'.repeat(100), LayerType: 'Reformat' }] })) });
    assert.match(formatEngineReport(report), /\[0\] (n\\x1e)+n?…: unknown$/m, 'an escape is never cut in half');
    assert.equal(printable('\u{1F600}'.repeat(100), 9), '\u{1F600}'.repeat(4) + '…', 'nor a surrogate pair');
    assert.equal(num(0.0164488), '0.0164488');
    assert.equal(num(1.29477e8), '129477000');
    assert.equal(num(1 / 3), '0.333333');
  });
});
