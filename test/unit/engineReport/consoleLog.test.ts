/**
 * The line-fed trtexec console-log parser: the hand-made logs in test/fixtures/trtexec/, chunking
 * (any split gives the same result), line endings, every summary shape TensorRT prints, and
 * hostile input (long lines, floods, garbage) that must neither throw nor hang.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { decodeVersionTag, MAX_DIAGNOSTICS, MAX_LINE_CHARS, parseTrtexecLog, TrtexecLogParser } from '../../../src/core/engineReport/index';

const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const P = '[11/02/2025-10:05:31]';
const log = (...lines: string[]) => lines.join('\n') + '\n';

describe('engineReport: trtexec console log', () => {
  test('short 8.6 build-and-run log: version, device, build options, summary, warnings', () => {
    const r = parseTrtexecLog(read('short.console.log'), 'short.console.log');
    assert.equal(r.file, 'short.console.log');
    assert.equal(r.lineCount, 56);
    assert.equal(r.recognizedLines, 56);
    assert.equal(r.finished, true);
    assert.equal(r.status, 'passed');
    assert.equal(r.trtVersion, '8.6.1');
    assert.deepEqual(r.device, { name: 'NVIDIA GeForce RTX 4090', computeCapability: '8.9' });
    assert.deepEqual(r.build, {
      precisions: ['FP32', 'FP16', 'INT8'],
      precision: 'FP32+FP16+INT8',
      profilingVerbosity: 'detailed',
      model: 'models/yolov9-c-qat.onnx',
      saveEngine: 'models/yolov9-c-qat.engine',
    });
    assert.equal(r.commandFlags['int8'], true);
    assert.equal(r.commandFlags['exportLayerInfo'], 'models/yolov9-c-qat.layer.json');
    assert.deepEqual(Object.keys(r.sections), ['Model Options', 'Build Options', 'Inference Options', 'Device Information']);
    assert.equal(r.sections['Build Options']!['Profiling verbosity'], '2');
    assert.equal(r.sections['Build Options']!['LayerPrecisions'], '');
    assert.equal(r.sections['Model Options']!['Format'], 'ONNX');
    assert.equal(r.sections['Inference Options']!['Separate profiling'], 'Enabled');
    assert.deepEqual(r.perf, {
      throughputQps: 1005.92,
      latencyMs: { min: 0.989258, max: 0.995605, mean: 0.992502, median: 0.992188, p90: 0.993408, p95: 0.994141, p99: 0.994385, percentiles: { '90': 0.993408, '95': 0.994141, '99': 0.994385 } },
      enqueueMs: { min: 0.00195312, max: 0.00878906, mean: 0.00237049, median: 0.00244141, p90: 0.00292969, p95: 0.00292969, p99: 0.00390625, percentiles: { '90': 0.00292969, '95': 0.00292969, '99': 0.00390625 } },
      h2dMs: { min: 0, max: 0, mean: 0, median: 0, p90: 0, p95: 0, p99: 0, percentiles: { '90': 0, '95': 0, '99': 0 } },
      gpuComputeMs: { min: 0.989258, max: 0.995605, mean: 0.992502, median: 0.992188, p90: 0.993408, p95: 0.994141, p99: 0.994385, percentiles: { '90': 0.993408, '95': 0.994141, '99': 0.994385 } },
      d2hMs: { min: 0, max: 0, mean: 0, median: 0, p90: 0, p95: 0, p99: 0, percentiles: { '90': 0, '95': 0, '99': 0 } },
      totalHostWalltimeS: 10.0018,
      totalGpuComputeS: 9.98557,
    });
    assert.deepEqual(
      r.diagnostics.map((d) => [d.line, d.severity, d.tensorrt, d.message.slice(0, 30)]),
      [
        [38, 'warning', true, 'onnx2trt_utils.cpp:374: Your O'],
        [52, 'warning', false, '* GPU compute time is unstable'],
        [53, 'warning', false, 'If not already in use, locking'],
      ],
    );
    assert.deepEqual(r.problems, []);
  });

  test('a log cut short mid-summary: not finished, what was printed is kept', () => {
    const r = parseTrtexecLog(read('truncated.console.log'), 'truncated.console.log');
    assert.equal(r.lineCount, 48);
    assert.equal(r.finished, false);
    assert.equal(r.status, undefined);
    assert.equal(r.trtVersion, '8.6.1', 'from the TensorRT version line; the &&&& tag agrees');
    assert.equal(r.perf!.throughputQps, 1005.92);
    assert.equal(r.perf!.latencyMs!.p99, 0.994385);
    assert.deepEqual(r.perf!.gpuComputeMs, { min: 0.989258, max: 0.995605, percentiles: {} });
    assert.equal(r.perf!.d2hMs, undefined);
    assert.equal(r.diagnostics.length, 1);
  });

  test('line-fed: any chunking gives the same result as the whole text, also with CRLF', () => {
    const texts = [read('short.console.log'), read('truncated.console.log'), read('short.console.log').replace(/\n/g, '\r\n')];
    const whole = texts.map((t) => parseTrtexecLog(t, 'x'));
    assert.deepEqual(whole[2], whole[0], 'CRLF reads like LF');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.nat(), { maxLength: 40 }), (which, cuts) => {
        const text = texts[which]!;
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const p = new TrtexecLogParser('x');
        let from = 0;
        for (const at of [...points, text.length]) {
          p.write(text.slice(from, at));
          from = at;
        }
        assert.deepEqual(p.end(), whole[which]);
      }),
      { numRuns: 200 },
    );
    // One character at a time, the hardest split.
    const p = new TrtexecLogParser('x');
    for (const ch of texts[2]!) p.write(ch);
    assert.deepEqual(p.end(), whole[0]);
  });

  test('pushLine returns each diagnostic at once; result() works mid-stream', () => {
    const p = new TrtexecLogParser('live');
    assert.equal(p.pushLine(`${P} [I] === Performance summary ===`), undefined);
    assert.equal(p.pushLine(`${P} [I] Throughput: 12.5 qps`), undefined);
    assert.equal(p.result().perf!.throughputQps, 12.5);
    assert.equal(p.result().finished, false);
    assert.deepEqual(p.pushLine(`${P} [E] Error[4]: [network.cpp::validate::2925] Error Code 4: Internal Error`), {
      severity: 'error',
      line: 3,
      message: 'Error[4]: [network.cpp::validate::2925] Error Code 4: Internal Error',
      tensorrt: false,
    });
    assert.deepEqual(p.pushLine(`${P} [F] [TRT] Assertion failed: shiftIsAllZeros(zeroPoint)`), {
      severity: 'error',
      line: 4,
      message: 'Assertion failed: shiftIsAllZeros(zeroPoint)',
      tensorrt: true,
    });
    assert.equal(p.pushLine('&&&& FAILED TensorRT.trtexec [TensorRT v100300] # trtexec --onnx=m.onnx --stronglyTyped'), undefined, 'errors were already reported');
    const r = p.end();
    assert.equal(r.status, 'failed');
    assert.equal(r.trtVersion, '10.3.0');
    assert.equal(r.build.stronglyTyped, true);
    assert.equal(r.diagnostics.length, 2);
  });

  test('a FAILED run with no error line still gives one error diagnostic', () => {
    const r = parseTrtexecLog(log('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=a.onnx', '&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=a.onnx'));
    assert.deepEqual(r.diagnostics, [{ severity: 'error', line: 2, message: 'trtexec failed', tensorrt: false }]);
  });

  test('summary shapes: single percentile (8.0–8.4), --percentile=99.9, exponent numbers, Host Latency', () => {
    const r = parseTrtexecLog(
      log(
        `${P} [I] === Performance summary ===`,
        `${P} [I] Throughput: 1.29477e+08 qps`,
        `${P} [I] Latency: min = 1.5 ms, max = 2 ms, mean = 1.6 ms, median = 1.55 ms, percentile(99%) = 1.9 ms`,
        `${P} [I] GPU Compute Time: min = 1 ms, max = 2 ms, mean = 1.2 ms, median = 1.1 ms, percentile(99.9%) = 1.95 ms`,
        `${P} [I] Enqueue Time: min = 3.05176e-05 ms, max = nan ms, mean = 0.01 ms`,
      ),
    );
    assert.equal(r.perf!.throughputQps, 129477000);
    assert.deepEqual(r.perf!.latencyMs, { min: 1.5, max: 2, mean: 1.6, median: 1.55, p99: 1.9, percentiles: { '99': 1.9 } });
    assert.deepEqual(r.perf!.gpuComputeMs, { min: 1, max: 2, mean: 1.2, median: 1.1, percentiles: { '99.9': 1.95 } });
    assert.deepEqual(r.perf!.enqueueMs, { min: 0.0000305176, mean: 0.01, percentiles: {} }, 'nan is skipped');
    const host = parseTrtexecLog(log(`${P} [I] === Performance summary ===`, `${P} [I] Host Latency: min = 4 ms, mean = 5 ms`));
    assert.deepEqual(host.perf!.latencyMs, { min: 4, mean: 5, percentiles: {} });
  });

  test('perf-like lines outside the summary, and the verbose explanations, are not figures', () => {
    const r = parseTrtexecLog(
      log(
        `${P} [I] Throughput: 99 qps`,
        `${P} [I] === Performance summary ===`,
        `${P} [I] Throughput: 1e999 qps`,
        `${P} [V] === Explanations of the performance metrics ===`,
        `${P} [V] Throughput: the observed throughput computed by dividing the number of queries by the Total Host Walltime.`,
        `${P} [V] Latency: min = 1 ms`,
      ),
    );
    assert.equal(r.perf, undefined);
    assert.equal(r.sections['Explanations of the performance metrics'], undefined);
  });

  test('version tags and lines', () => {
    assert.equal(decodeVersionTag('v8601'), '8.6.1');
    assert.equal(decodeVersionTag('v8205'), '8.2.5');
    assert.equal(decodeVersionTag('v7103'), '7.1.3');
    assert.equal(decodeVersionTag('v100300'), '10.3.0');
    assert.equal(decodeVersionTag('v101601'), '10.16.1');
    assert.equal(decodeVersionTag('vX'), undefined);
    const tagOnly = parseTrtexecLog('&&&& RUNNING TensorRT.trtexec [TensorRT v100900] [b34] # trtexec --onnx=m.onnx --best\n');
    assert.equal(tagOnly.trtVersion, '10.9.0');
    assert.deepEqual(tagOnly.build.precisions, ['FP16', 'INT8']);
    assert.equal(tagOnly.build.stronglyTyped, undefined);
  });

  test('--dumpProfile tables: 10.x numbers-first, 8.x name-first without median, no Total row', () => {
    const ten = parseTrtexecLog(
      log(
        `${P} [I] === Profile (100 iterations ) ===`,
        `${P} [I]    Time(ms)     Avg.(ms)   Median(ms)   Time(%)   Layer`,
        `${P} [I]       10.00       0.1000       0.0900      40.0   conv 1 + relu`,
        `${P} [I]       15.00       0.1500       0.1400      60.0   Reformatting CopyNode for Input Tensor 0 to x`,
        `${P} [I]       25.00       0.2500       0.2300     100.0   Total`,
        `${P} [I] Not a row`,
      ),
    );
    assert.deepEqual(ten.profile!.records.map((r) => [r.name, r.timeMs, r.averageMs, r.medianMs, r.percentage]), [
      ['conv 1 + relu', 10, 0.1, 0.09, 40],
      ['Reformatting CopyNode for Input Tensor 0 to x', 15, 0.15, 0.14, 60],
    ]);
    assert.deepEqual([ten.profile!.iterations, ten.profile!.totalTimeMs, ten.profile!.totalAverageMs], [100, 25, 0.25]);
    const eight = parseTrtexecLog(
      log(
        `${P} [I] === Profile (50 iterations ) ===`,
        `${P} [I]                   Layer   Time (ms)   Avg. Time (ms)   Time %`,
        `${P} [I]      QuantizeLinear_2        1.20           0.0240      20.0`,
        `${P} [I]   conv1 + PWN(Clip_3)        4.80           0.0960      80.0`,
      ),
    );
    assert.deepEqual(eight.profile!.records.map((r) => [r.name, r.timeMs, r.averageMs, r.medianMs, r.percentage]), [
      ['QuantizeLinear_2', 1.2, 0.024, undefined, 20],
      ['conv1 + PWN(Clip_3)', 4.8, 0.096, undefined, 80],
    ]);
    assert.deepEqual([eight.profile!.totalTimeMs, eight.profile!.totalAverageMs], [6, 0.12]);
  });

  test('ANSI colours, trailing CR, unprefixed lines, a non-trtexec text', () => {
    const r = parseTrtexecLog(`\x1b[33m${P} [W] careful\x1b[0m\r\nplain text line\n  Traceback (most recent call last):\n`);
    assert.deepEqual(r.diagnostics, [{ severity: 'warning', line: 1, message: 'careful', tensorrt: false }]);
    assert.equal(r.lineCount, 3);
    assert.equal(r.recognizedLines, 1);
    assert.equal(parseTrtexecLog('# README\n\nhello: world\n').recognizedLines, 0);
    assert.equal(parseTrtexecLog('').lineCount, 0);
  });

  test('hostile: a line of many MB is cut and listed; the pending buffer stays bounded', () => {
    const p = new TrtexecLogParser('big');
    const chunk = 'x'.repeat(1 << 20);
    p.write(`${P} [W] `);
    for (let i = 0; i < 20; i++) p.write(chunk); // 20 MB without a newline
    p.write(`\n${P} [I] TensorRT version: 10.16.1\n`);
    const r = p.end();
    assert.equal(r.lineCount, 2);
    assert.equal(r.trtVersion, '10.16.1');
    assert.equal(r.diagnostics[0]!.message.length, MAX_LINE_CHARS - `${P} [W] `.length);
    assert.deepEqual(r.problems, [{ where: 'line 1', message: `longer than ${MAX_LINE_CHARS} characters; the rest was ignored` }]);
    // The same through pushLine and through a single write().
    assert.equal(parseTrtexecLog(`${P} [W] ${'y'.repeat(MAX_LINE_CHARS * 3)}`).problems.length, 1);
    assert.equal(new TrtexecLogParser().pushLine('z'.repeat(MAX_LINE_CHARS + 1)), undefined);
  });

  test('hostile: a flood of warnings is capped and counted; garbage parses quickly', () => {
    const n = MAX_DIAGNOSTICS + 500;
    const r = parseTrtexecLog(`${P} [W] w\n`.repeat(n));
    assert.equal(r.diagnostics.length, MAX_DIAGNOSTICS);
    assert.equal(r.diagnosticsDropped, 500);
    const t0 = Date.now();
    const garbage = Array.from({ length: 200_000 }, (_, i) => `${P} [I] ${'=== '.repeat(i % 7)}${':'.repeat(i % 5)}${' ,'.repeat(i % 50)}Latency: min = ${'1'.repeat(i % 30)} ms`).join('\n');
    const g = parseTrtexecLog(`${P} [I] === Performance summary ===\n${garbage}`);
    assert.equal(g.lineCount, 200_001);
    assert.ok(Date.now() - t0 < 20_000, 'hang guard');
  });

  test('hostile: section and key floods are capped; __proto__ keys are plain data', () => {
    const lines = [`${P} [I] === __proto__ ===`, `${P} [I] __proto__: polluted`, `${P} [I] constructor: x`];
    for (let i = 0; i < 300; i++) lines.push(`${P} [I] === S${i} ===`, `${P} [I] k: v`);
    const r = parseTrtexecLog(log(...lines));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.keys(r.sections).length, 100);
    assert.deepEqual(Object.getOwnPropertyDescriptor(r.sections, '__proto__')?.value, JSON.parse('{"__proto__": "polluted", "constructor": "x"}'));
  });
});
