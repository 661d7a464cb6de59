/** Command lines of the yolov9-qat steps: exact argument lists, torchrun, option checks, display quoting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TaskOptionError,
  displayCommandLine,
  evalCommand,
  exportCommand,
  exportedOnnxPath,
  pathOps,
  posixQuote,
  quantizeCommand,
  quantizeOutputs,
  sensitiveCommand,
} from '../../../src/core/tasks/index';

const env = { python: '/usr/bin/python3', checkout: '/work/yolov9' };

test('quantize: every option as its own argument, in a fixed order', () => {
  const cl = quantizeCommand(env, {
    weights: '/w/yolov9-c-converted.pt',
    data: 'data/coco.yaml',
    hyp: 'data/hyps/hyp.scratch-high.yaml',
    noLastLayer: true,
    batchSize: 16,
    iters: 200,
    imgsz: 640,
    device: 'cuda:0',
    project: '/w/runs/qat',
    name: 'yolov9-c',
  });
  assert.equal(cl.command, '/usr/bin/python3');
  assert.equal(cl.cwd, '/work/yolov9');
  assert.deepEqual(cl.env, { PYTHONUNBUFFERED: '1', PYTHONNODEBUGRANGES: '1' });
  assert.deepEqual(cl.args, [
    '/work/yolov9/qat.py', 'quantize', '--weights', '/w/yolov9-c-converted.pt',
    '--data', 'data/coco.yaml', '--hyp', 'data/hyps/hyp.scratch-high.yaml', '--batch-size', '16', '--imgsz', '640', '--device', 'cuda:0',
    '--iters', '200', '--no-last-layer', '--project', '/w/runs/qat', '--name', 'yolov9-c', '--exist-ok',
  ]);
});

test('quantize: only what is given; no --no-last-layer when false', () => {
  const cl = quantizeCommand(env, { weights: 'w.pt', noLastLayer: false });
  assert.deepEqual(cl.args, ['/work/yolov9/qat.py', 'quantize', '--weights', 'w.pt']);
});

test('multi-GPU runs through torch.distributed.run (torchrun) with the same interpreter', () => {
  const cl = quantizeCommand(env, { weights: 'w.pt', gpus: 4, device: '0,1,2,3' });
  assert.equal(cl.command, '/usr/bin/python3');
  assert.deepEqual(cl.args, ['-m', 'torch.distributed.run', '--nproc_per_node', '4', '/work/yolov9/qat.py', 'quantize', '--weights', 'w.pt', '--device', '0,1,2,3']);
  assert.deepEqual(quantizeCommand(env, { weights: 'w.pt', gpus: 1 }).args.slice(0, 2), ['/work/yolov9/qat.py', 'quantize']);
  assert.deepEqual(sensitiveCommand(env, { weights: 'w.pt', gpus: 2 }).args.slice(0, 4), ['-m', 'torch.distributed.run', '--nproc_per_node', '2']);
});

test('sensitive and eval', () => {
  assert.deepEqual(sensitiveCommand(env, { weights: 'w.pt', data: 'd.yaml', numImages: 500, project: 'runs/s', name: 'x' }).args, [
    '/work/yolov9/qat.py', 'sensitive', '--weights', 'w.pt', '--data', 'd.yaml', '--num-image', '500', '--project', 'runs/s', '--name', 'x', '--exist-ok',
  ]);
  assert.deepEqual(evalCommand(env, { weights: 'q.pt', confThres: 0.001, iouThres: 0.7, batchSize: 8 }).args, [
    '/work/yolov9/qat.py', 'eval', '--weights', 'q.pt', '--batch-size', '8', '--conf-thres', '0.001', '--iou-thres', '0.7',
  ]);
});

test('export: onnx (dynamic, simplified by default) and onnx_end2end, and the file it writes', () => {
  assert.deepEqual(exportCommand(env, { weights: '/r/qat_best_yolov9-c.pt' }).args, ['/work/yolov9/export_qat.py', '--weights', '/r/qat_best_yolov9-c.pt', '--include', 'onnx', '--dynamic', '--simplify']);
  assert.deepEqual(exportCommand(env, { weights: 'w.pt', include: 'onnx_end2end', dynamic: false, simplify: false }).args, ['/work/yolov9/export_qat.py', '--weights', 'w.pt', '--include', 'onnx_end2end']);
  assert.equal(exportedOnnxPath('/r/qat_best_yolov9-c.pt'), '/r/qat_best_yolov9-c.onnx');
  assert.equal(exportedOnnxPath('/r/qat best.v2.pt', 'onnx_end2end'), '/r/qat best.v2-end2end.onnx');
  assert.equal(exportedOnnxPath('C:\\r\\w.pt', 'onnx', 'win32'), 'C:\\r\\w.onnx');
  assert.throws(() => exportCommand(env, { weights: 'w.pt', include: 'tflite' as never }), /onnx or onnx_end2end/);
});

test('extra arguments are appended one by one, never split', () => {
  const cl = quantizeCommand(env, { weights: 'w.pt', extraArgs: ['--seed 3', '--supervision-stride', '2'] });
  assert.deepEqual(cl.args.slice(-3), ['--seed 3', '--supervision-stride', '2']);
});

test('hostile paths stay single arguments, untouched', () => {
  const nasty = ["/w/my models/a'b\"c $(touch x) `touch y`; rm -rf ~ & | > < \\ * ?.pt", '--weights', '-rf', '', ' '];
  for (const w of nasty.filter((x) => x !== '')) {
    const cl = quantizeCommand({ python: '/p/py thon', checkout: '/c/yo lo' }, { weights: w, data: w, project: w, name: w });
    assert.equal(cl.command, '/p/py thon');
    assert.equal(cl.args[0], '/c/yo lo/qat.py');
    assert.equal(cl.args[cl.args.indexOf('quantize') + 2], w);
    assert.equal(cl.args.filter((a) => a === w).length, w === '--weights' ? 5 : 4);
  }
});

test('bad values are TaskOptionErrors naming the option', () => {
  assert.throws(() => quantizeCommand(env, { weights: '' }), (e: Error) => e instanceof TaskOptionError && /weights is required/.test(e.message));
  assert.throws(() => quantizeCommand(env, { weights: 'w.pt', batchSize: 0 }), /batch size must be a whole number/);
  assert.throws(() => quantizeCommand(env, { weights: 'w.pt', iters: 1.5 }), /iterations/);
  assert.throws(() => quantizeCommand(env, { weights: 'w.pt', gpus: -1 }), /GPUs/);
  assert.throws(() => evalCommand(env, { weights: 'w.pt', confThres: Number.NaN }), /confidence threshold/);
  assert.throws(() => quantizeCommand({ python: '', checkout: '/c' }, { weights: 'w.pt' }), /Python interpreter is required/);
  assert.throws(() => quantizeCommand({ python: 'p', checkout: '' }, { weights: 'w.pt' }), /checkout is required/);
});

test('quantize outputs are known in advance (--project/--name with --exist-ok)', () => {
  const o = quantizeOutputs('/w/runs/qat', 'yolov9-c');
  assert.equal(o.report, '/w/runs/qat/yolov9-c/report.json');
  assert.equal(o.bestWeights('/m/yolov9-c-converted.pt'), '/w/runs/qat/yolov9-c/weights/qat_best_yolov9-c-converted.pt');
});

test('path helpers: posix and win32', () => {
  const p = pathOps('posix');
  assert.equal(p.join('/a/', 'b', 'c.txt'), '/a/b/c.txt');
  assert.equal(p.join('/', 'x'), '/x');
  assert.equal(p.dirname('/a/b/c.pt'), '/a/b');
  assert.equal(p.dirname('/c.pt'), '/');
  assert.equal(p.dirname('c.pt'), '.');
  assert.equal(p.basename('/a/b/c.pt/'), 'c.pt');
  assert.equal(p.stem('/a/.hidden'), '.hidden');
  const w = pathOps('win32');
  assert.equal(w.join('C:\\a\\', 'b'), 'C:\\a\\b');
  assert.equal(w.dirname('C:\\a\\b.pt'), 'C:\\a');
  assert.equal(w.basename('C:/a/b.pt'), 'b.pt');
});

test('display quoting is POSIX-correct (for showing only)', () => {
  assert.equal(posixQuote('plain/path-1.pt'), 'plain/path-1.pt');
  assert.equal(posixQuote(''), "''");
  assert.equal(posixQuote("it's"), `'it'\\''s'`);
  assert.equal(posixQuote('$(x) `y`; z'), "'$(x) `y`; z'");
  assert.equal(displayCommandLine({ command: '/usr/bin/python3', args: ['qat.py', 'a b'] }), "/usr/bin/python3 qat.py 'a b'");
});
