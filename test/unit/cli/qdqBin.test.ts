/**
 * The built `qdq` binary (dist/cli.js, package.json "bin"): runs as an executable, prints the
 * stable JSON shape of `qdq info --json`, and uses the documented exit codes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import { checkedInModels, sharedModels } from '../onnx/corpus';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

before(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'pipe' });
});

function qdq(...args: string[]) {
  const r = spawnSync(cli, args, { encoding: 'utf8' }); // executed directly: needs the shebang and +x
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('package.json bin points at the built CLI, which is executable', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.bin.qdq, './dist/cli.js');
  assert.ok(fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node'));
  assert.ok(fs.statSync(cli).mode & 0o100, 'dist/cli.js is executable');
  assert.equal(qdq('--version').code, 0);
});

test('qdq info --json has the documented shape', () => {
  const model = checkedInModels().find((f) => f.endsWith('tiny-qat-good.onnx'))!;
  const r = qdq('info', model, '--json');
  assert.equal(r.code, 0, r.err);
  const info = JSON.parse(r.out);
  for (const key of ['irVersion', 'producerName', 'opsetImports', 'nodeCount', 'initializerCount', 'sparseInitializerCount', 'initializerBytes', 'opTypeCounts', 'qdq', 'inputs', 'outputs']) {
    assert.ok(key in info, `missing ${key}`);
  }
  assert.ok(info.nodeCount > 10);
  assert.ok(info.qdq.quantizeLinear > 0 && info.qdq.quantizeLinear === info.qdq.dequantizeLinear);
  assert.equal(Object.values<number>(info.opTypeCounts).reduce((a, b) => a + b, 0), info.nodeCount);
  assert.deepEqual(Object.keys(info.inputs[0]), ['name', 'dtype', 'shape']);
  const text = qdq('info', model);
  assert.equal(text.code, 0);
  assert.match(text.out, /Q\/DQ: \d+ QuantizeLinear/);
});

const real = sharedModels().find((f) => f.endsWith('yolov9t-qat.onnx'));
test('qdq info on the real yolov9t-qat export', { skip: real ? false : 'shared corpus absent' }, () => {
  const info = JSON.parse(qdq('info', real!, '--json').out);
  assert.equal(info.nodeCount, 2530);
  assert.deepEqual(info.qdq, { quantizeLinear: 437, dequantizeLinear: 437 });
  assert.deepEqual(info.outputs, [{ name: 'output0', dtype: 'FLOAT', shape: [1, 84, 8400] }]);
  assert.equal(info.metadataProps.stride, '32');
});

test('exit code 2 with a one-line message naming the file, for unreadable or non-ONNX input', () => {
  const dir = makeTempDir('qdq-bin-');
  const bad = path.join(dir, 'weird name; $(touch pwned).onnx');
  fs.writeFileSync(bad, Buffer.from('PK\x03\x04 this is a zip, not a model'));
  const r = qdq('info', bad);
  assert.equal(r.code, 2);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.ok(r.err.includes(bad));
  assert.ok(!fs.existsSync(path.join(dir, 'pwned')));
  const empty = path.join(dir, 'empty.onnx');
  fs.writeFileSync(empty, '');
  const e = qdq('info', empty);
  assert.equal(e.code, 2);
  assert.match(e.err, /empty\.onnx: not a valid ONNX model: the file is empty/);
  assert.equal(qdq('info', path.join(dir, 'nope.onnx')).code, 2);
  assert.equal(qdq('lint-nothing').code, 2);
});

test('output into a pipe whose reader stopped (| head -1): a quiet exit, no EPIPE stack trace', () => {
  const model = checkedInModels().find((f) => path.basename(f) === 'tiny-qat-good.onnx')!;
  // `head -1` reads one line and closes the pipe while qdq is still writing the JSON lint report.
  const r = spawnSync('/bin/sh', ['-c', `"${cli}" lint "${model}" --format json | head -1 >/dev/null`], { encoding: 'utf8' });
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event|at /, r.stderr);
});

test('qdq save writes a byte-identical copy', () => {
  const dir = makeTempDir('qdq-bin-');
  for (const model of checkedInModels()) {
    const out = path.join(dir, path.basename(model));
    const r = qdq('save', model, '-o', out);
    assert.equal(r.code, 0, r.err);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(model)), model);
  }
});

test('qdq engine and qdq sensitivity are dispatched by the binary, with their exit codes', () => {
  const fx = (...p: string[]) => path.join(root, 'test', 'fixtures', ...p);
  const e = qdq('engine', fx('trtexec', 'trt8-detailed.layerinfo.json'), '--profile', fx('trtexec', 'trt8-detailed.profile.json'), '--json');
  assert.equal(e.code, 0, e.err);
  const report = JSON.parse(e.out);
  assert.equal(report.style, '8.x');
  assert.equal(report.layerCount, report.layers.length);
  const missing = qdq('engine', fx('trtexec', 'no-such.layerinfo.json'));
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1);
  assert.ok(missing.err.includes('no-such.layerinfo.json'));

  const model = checkedInModels().find((f) => f.endsWith('tiny-qat-good.onnx'))!;
  const s = qdq('sensitivity', fx('sensitivity', 'summary-sensitive-analysis.json'), '--model', model, '--json');
  assert.equal(s.code, 0, s.err);
  const sens = JSON.parse(s.out);
  assert.equal(sens.format, 'yolov9-qat-json');
  assert.equal(sens.entries[0].name, 'model.22');
  assert.equal(sens.entries[0].rank, 1);
  const bad = qdq('sensitivity', fx('trtexec', 'malformed.layerinfo.json'), '--model', model);
  assert.equal(bad.code, 2);
  assert.ok(bad.err.includes('malformed.layerinfo.json'));
  assert.match(qdq('--help').out, /qdq engine LAYER_JSON/);
  assert.match(qdq('--help').out, /qdq sensitivity RESULT/);
});

test('a named pipe given as any input file is refused at once, naming it (no command waits for a writer)', { skip: process.platform === 'win32' ? 'no named pipes here' : false }, () => {
  const fx = (...p: string[]) => path.join(root, 'test', 'fixtures', ...p);
  const dir = makeTempDir('qdq-bin-');
  const pipe = path.join(dir, 'pipe.json');
  execFileSync('mkfifo', [pipe]);
  const inputs = path.join(dir, 'inputs');
  fs.mkdirSync(inputs);
  fs.symlinkSync(pipe, path.join(inputs, 'sample.npy')); // a link is listed as a sample; a bare pipe is not
  const model = checkedInModels().find((f) => f.endsWith('tiny-qat-good.onnx'))!;
  const layerInfo = fx('trtexec', 'trt8-detailed.layerinfo.json');
  const cases: [string, string[], string][] = [
    ['info', ['info', pipe], pipe],
    ['engine', ['engine', pipe], pipe],
    ['engine --profile', ['engine', layerInfo, '--profile', pipe], pipe],
    ['engine --log', ['engine', layerInfo, '--log', pipe], pipe],
    ['engine --compare', ['engine', layerInfo, '--compare', pipe], pipe],
    ['sensitivity', ['sensitivity', pipe, '--model', model], pipe],
    ['sensitivity --yaml', ['sensitivity', fx('sensitivity', 'summary-sensitive-analysis.json'), '--model', model, '--yaml', pipe], pipe],
    ['edit --plan', ['edit', model, '-o', path.join(dir, 'out.onnx'), '--plan', pipe], pipe],
    ['numeric --inputs', ['numeric', model, '--inputs', inputs], path.join(inputs, 'sample.npy')],
  ];
  for (const [what, args, named] of cases) {
    const r = spawnSync(cli, args, { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, `qdq ${what}: killed after 20 s, waiting on the pipe`);
    assert.equal(r.status, 2, `qdq ${what}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(named), `qdq ${what} names ${named}: ${r.stderr}`);
    assert.match(r.stderr, /not a regular file/, `qdq ${what}`);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'out.onnx')));
});
