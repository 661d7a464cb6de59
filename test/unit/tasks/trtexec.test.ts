/** trtexec builds: flags per flavour and TensorRT version, export paths, shapes, version detection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  TaskOptionError,
  flavourProblem,
  flavoursFor,
  parseTrtexecVersion,
  precisionFlags,
  shapesArg,
  trtexecCommand,
  trtexecOutputs,
  versionSettingMajor,
} from '../../../src/core/tasks/index';

const root = path.resolve(__dirname, '..', '..', '..');
const sharedTrtexec = path.resolve(root, '..', 'shared', 'fixtures', 'trtexec');

test('explicit Q/DQ build: --int8 --fp16 (10.x --stronglyTyped when asked for, as the analysis predicts); always detailed layer info and profile to known paths', () => {
  const p8 = trtexecCommand({ trtexec: '/usr/src/tensorrt/bin/trtexec', model: '/m/yolov9-c-qat.onnx', flavour: 'qdq', trtMajor: 8, hasQdq: true });
  assert.equal(p8.commandLine.command, '/usr/src/tensorrt/bin/trtexec');
  assert.deepEqual(p8.commandLine.args, [
    '--onnx=/m/yolov9-c-qat.onnx', '--int8', '--fp16', '--saveEngine=/m/yolov9-c-qat.trtexec/qdq.engine',
    '--useCudaGraph', '--noDataTransfers', '--warmUp=500', '--duration=10', '--separateProfileRun',
    '--profilingVerbosity=detailed', '--exportLayerInfo=/m/yolov9-c-qat.trtexec/qdq.layer.json', '--exportProfile=/m/yolov9-c-qat.trtexec/qdq.profile.json',
  ]);
  assert.deepEqual(p8.outputs, {
    dir: '/m/yolov9-c-qat.trtexec',
    engine: '/m/yolov9-c-qat.trtexec/qdq.engine',
    layerInfo: '/m/yolov9-c-qat.trtexec/qdq.layer.json',
    profile: '/m/yolov9-c-qat.trtexec/qdq.profile.json',
    log: '/m/yolov9-c-qat.trtexec/qdq.log',
  });
  // 10.x: the analysis' default build (qdqStudio.analysis.stronglyTyped off), float layers may run FP16.
  const p10 = trtexecCommand({ trtexec: 'trtexec', model: '/m/q.onnx', flavour: 'qdq', trtMajor: 10 });
  assert.deepEqual(p10.commandLine.args.slice(0, 4), ['--onnx=/m/q.onnx', '--int8', '--fp16', '--saveEngine=/m/q.trtexec/qdq.engine']);
  assert.ok(!p10.commandLine.args.includes('--stronglyTyped'));
  assert.match(p10.notes.join(' '), /--int8 --fp16 so unquantized layers may run in FP16.*qdqStudio\.analysis\.stronglyTyped builds --stronglyTyped instead/);
  // Strongly typed, as the analysis then predicts: no precision flags.
  const typed = trtexecCommand({ trtexec: 'trtexec', model: '/m/q.onnx', flavour: 'qdq', trtMajor: 10, stronglyTyped: true });
  assert.deepEqual(typed.commandLine.args.slice(0, 3), ['--onnx=/m/q.onnx', '--stronglyTyped', '--saveEngine=/m/q.trtexec/qdq.engine']);
  assert.ok(!typed.commandLine.args.includes('--int8'));
  assert.match(typed.notes.join(' '), /built --stronglyTyped.*float layers stay FP32/);
  // 8.x has no strongly typed build: --int8 --fp16 whatever is asked.
  assert.deepEqual(trtexecCommand({ trtexec: 't', model: '/m/q.onnx', flavour: 'qdq', trtMajor: 8, stronglyTyped: true }).commandLine.args.slice(1, 3), ['--int8', '--fp16']);
  // 11.x: the separate profile run is always on and the flag deprecated.
  assert.ok(!trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'qdq', trtMajor: 11 }).commandLine.args.includes('--separateProfileRun'));
});

test('baselines: FP16 and implicit-INT8 PTQ', () => {
  assert.deepEqual(precisionFlags('fp16', 8), ['--fp16']);
  assert.deepEqual(precisionFlags('fp16', 10), ['--fp16']);
  assert.deepEqual(precisionFlags('ptq', 8), ['--int8', '--fp16']);
  assert.deepEqual(precisionFlags('ptq', 10), ['--int8', '--fp16']);
  const ptq = trtexecCommand({ trtexec: 't', model: '/m/f.onnx', flavour: 'ptq', trtMajor: 10, hasQdq: false });
  assert.equal(ptq.outputs.layerInfo, '/m/f.trtexec/ptq.layer.json');
  assert.match(ptq.notes.join(' '), /placeholder scales/);
  assert.match(ptq.notes.join(' '), /deprecated in TensorRT 10/);
});

test('a flavour that does not fit the model is refused with the reason', () => {
  assert.deepEqual(flavoursFor(true), ['qdq']);
  assert.deepEqual(flavoursFor(false), ['fp16', 'ptq']);
  assert.equal(flavourProblem('qdq', true), undefined);
  assert.match(flavourProblem('qdq', false)!, /has none/);
  assert.match(flavourProblem('fp16', true)!, /has Q\/DQ nodes/);
  assert.throws(() => trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'ptq', trtMajor: 8, hasQdq: true }), TaskOptionError);
  assert.throws(() => trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'qdq', trtMajor: 8, hasQdq: false }), /has none/);
});

test('benchmark options, output folder, defaults then task arguments last', () => {
  const p = trtexecCommand({
    trtexec: 't', model: 'm.onnx', flavour: 'fp16', trtMajor: 8, outputDir: '/out dir',
    benchmark: { useCudaGraph: false, noDataTransfers: false, warmUpMs: 200, durationS: 3 },
    extraArgs: ['--builderOptimizationLevel=5', '--verbose'],
  });
  assert.deepEqual(p.commandLine.args, [
    '--onnx=m.onnx', '--fp16', '--saveEngine=/out dir/fp16.engine', '--warmUp=200', '--duration=3', '--separateProfileRun',
    '--profilingVerbosity=detailed', '--exportLayerInfo=/out dir/fp16.layer.json', '--exportProfile=/out dir/fp16.profile.json',
    '--builderOptimizationLevel=5', '--verbose',
  ]);
  assert.throws(() => trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'fp16', trtMajor: 8, benchmark: { durationS: -1 } }), /duration/);
  assert.throws(() => trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'int4' as never, trtMajor: 8 }), /flavour/);
  assert.throws(() => trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'fp16', trtMajor: 6 }), /major version/);
  assert.throws(() => trtexecCommand({ trtexec: '', model: 'm.onnx', flavour: 'fp16', trtMajor: 8 }), /trtexec executable/);
});

test('dynamic inputs get --shapes from batch and image size; static models none', () => {
  assert.equal(shapesArg([{ name: 'images', shape: [1, 3, 640, 640] }]), undefined);
  assert.equal(shapesArg([{ name: 'images', shape: ['batch', 3, 'height', 'width'] }], 8, 320), 'images:8x3x320x320');
  assert.equal(shapesArg([{ name: 'images', shape: [null, 3, 640, 640] }, { name: 'b', shape: null }]), 'images:1x3x640x640');
  const p = trtexecCommand({ trtexec: 't', model: 'm.onnx', flavour: 'qdq', trtMajor: 10, inputs: [{ name: 'images', shape: ['batch', 3, 640, 640] }], batch: 4 });
  assert.ok(p.commandLine.args.includes('--shapes=images:4x3x640x640'));
});

test('outputs: one folder per model, named by flavour; win32 paths', () => {
  assert.equal(trtexecOutputs('C:\\m\\y.onnx', 'ptq', undefined, 'win32').profile, 'C:\\m\\y.trtexec\\ptq.profile.json');
  assert.equal(trtexecOutputs('/a b/c.d.onnx', 'fp16').engine, '/a b/c.d.trtexec/fp16.engine');
});

test('hostile model paths stay inside their one --onnx= argument', () => {
  const model = "/w/it's $(touch x) `y`; z & w.onnx";
  const p = trtexecCommand({ trtexec: '/t r/trtexec', model, flavour: 'qdq', trtMajor: 10 });
  assert.equal(p.commandLine.args[0], `--onnx=${model}`);
  assert.equal(p.commandLine.args.filter((a) => a.includes('$(touch x)')).length, 4); // --onnx, --saveEngine, --exportLayerInfo, --exportProfile
});

test('version detection from trtexec output', () => {
  assert.deepEqual(parseTrtexecVersion('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --help\n'), { version: '8.6.1', major: 8 });
  assert.deepEqual(parseTrtexecVersion('&&&& RUNNING TensorRT.trtexec [TensorRT v101601] [b11] # trtexec'), { version: '10.16.1', major: 10 });
  assert.deepEqual(parseTrtexecVersion('&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec'), { version: '10.3.0', major: 10 });
  assert.deepEqual(parseTrtexecVersion('&&&& RUNNING TensorRT.trtexec [TensorRT v8203] # trtexec'), { version: '8.2.3', major: 8 });
  assert.deepEqual(parseTrtexecVersion('[11/02/2025-10:00:00] [I] TensorRT version: 10.8.0\n'), { version: '10.8.0', major: 10 });
  assert.equal(parseTrtexecVersion('bash: trtexec: command not found'), undefined);
  assert.equal(parseTrtexecVersion(''), undefined);
  assert.equal(parseTrtexecVersion('[TensorRT vABC]'), undefined);
});

test('version detection on every recorded console log (shared fixtures when present, hand-made always)', (t) => {
  const short = fs.readFileSync(path.join(root, 'test', 'fixtures', 'trtexec', 'short.console.log'), 'utf8');
  assert.deepEqual(parseTrtexecVersion(short), { version: '8.6.1', major: 8 });
  if (!fs.existsSync(sharedTrtexec)) {
    t.diagnostic(`shared fixtures not found at ${sharedTrtexec}: only the hand-made log checked`);
    return;
  }
  for (const f of fs.readdirSync(sharedTrtexec).filter((x) => x.endsWith('.console.log'))) {
    assert.deepEqual(parseTrtexecVersion(fs.readFileSync(path.join(sharedTrtexec, f), 'utf8')), { version: '10.16.1', major: 10 }, f);
  }
});

test('the version setting', () => {
  assert.equal(versionSettingMajor(undefined), undefined);
  assert.equal(versionSettingMajor('auto'), undefined);
  assert.equal(versionSettingMajor(' '), undefined);
  assert.equal(versionSettingMajor('8'), 8);
  assert.equal(versionSettingMajor('10.16.1'), 10);
  assert.throws(() => versionSettingMajor('ten'), /"auto" or a version/);
});
