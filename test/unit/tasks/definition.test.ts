/** The `qdq` task definition read from tasks.json: strict types, required fields, labels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TASK_KINDS, TaskOptionError, parseTaskDefinition, taskLabel, parseQatReport, formatQatReport } from '../../../src/core/tasks/index';

const root = path.resolve(__dirname, '..', '..', '..');

test('a full trtexec definition and a quantize one', () => {
  assert.deepEqual(parseTaskDefinition({ type: 'qdq', task: 'trtexec', model: 'm.onnx', flavour: 'ptq', batch: 4, args: ['--verbose'], label: 'ignored' }), {
    type: 'qdq', task: 'trtexec', model: 'm.onnx', flavour: 'ptq', batch: 4, args: ['--verbose'],
  });
  assert.deepEqual(parseTaskDefinition({ type: 'qdq', task: 'quantize', weights: 'w.pt', noLastLayer: true, gpus: 2, include: 'onnx' }), {
    type: 'qdq', task: 'quantize', weights: 'w.pt', noLastLayer: true, gpus: 2, include: 'onnx',
  });
});

test('wrong types and missing fields name the property', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [[], /must be an object/],
    [{ type: 'shell', task: 'eval' }, /type must be "qdq"/],
    [{ type: 'qdq', task: 'train' }, /"task" must be one of/],
    [{ type: 'qdq', task: 'eval', weights: 3 }, /"weights" must be a string/],
    [{ type: 'qdq', task: 'eval', weights: 'w', batchSize: '8' }, /"batchSize" must be a number/],
    [{ type: 'qdq', task: 'eval', weights: 'w', noLastLayer: 'yes' }, /"noLastLayer" must be true or false/],
    [{ type: 'qdq', task: 'export', weights: 'w', include: 'tflite' }, /"include"/],
    [{ type: 'qdq', task: 'trtexec', model: 'm', flavour: 'int4' }, /"flavour"/],
    [{ type: 'qdq', task: 'trtexec', model: 'm', args: '--verbose --fp16' }, /list of strings/],
    [{ type: 'qdq', task: 'trtexec' }, /needs "model"/],
    [{ type: 'qdq', task: 'sensitive' }, /needs "weights"/],
  ];
  for (const [raw, re] of bad) assert.throws(() => parseTaskDefinition(raw), (e: Error) => e instanceof TaskOptionError && re.test(e.message), JSON.stringify(raw));
});

test('inherited properties are not read', () => {
  const proto = { weights: 'from-proto.pt' };
  const raw = Object.assign(Object.create(proto) as object, { type: 'qdq', task: 'eval' });
  assert.throws(() => parseTaskDefinition(raw), /needs "weights"/);
});

test('labels', () => {
  assert.equal(taskLabel({ type: 'qdq', task: 'trtexec', model: '/m/yolo v9.onnx', flavour: 'fp16' }), 'trtexec fp16: yolo v9.onnx');
  assert.equal(taskLabel({ type: 'qdq', task: 'export', weights: '/w/q.pt', include: 'onnx_end2end' }), 'export onnx_end2end: q.pt');
  assert.equal(taskLabel({ type: 'qdq', task: 'quantize', weights: '/w/y.pt' }), 'quantize: y.pt');
  // VS Code draws `$(name)` in a label as an icon; a file name's is escaped, so it shows as written.
  assert.equal(taskLabel({ type: 'qdq', task: 'trtexec', model: '/m/yolo v9 $(id) `x`.onnx', flavour: 'qdq' }), 'trtexec qdq: yolo v9 \\$(id) `x`.onnx');
  assert.equal(taskLabel({ type: 'qdq', task: 'eval', weights: '/w/$(zap~spin) \\$(done).pt' }), 'eval: \\$(zap~spin) \\$(done).pt');
  assert.equal(taskLabel({ type: 'qdq', task: 'export', weights: '/w/$(not an icon) $x.pt' }), 'export onnx: $(not an icon) $x.pt');
});

test('package.json taskDefinitions lists the same task kinds and properties', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const def = pkg.contributes.taskDefinitions.find((d: { type: string }) => d.type === 'qdq');
  assert.ok(def, 'package.json contributes a qdq task definition');
  assert.deepEqual(def.properties.task.enum, [...TASK_KINDS]);
  for (const k of ['weights', 'data', 'hyp', 'noLastLayer', 'batchSize', 'iters', 'imgsz', 'device', 'gpus', 'numImages', 'project', 'name', 'include', 'model', 'flavour', 'outputDir', 'batch', 'warmUpMs', 'durationS', 'args']) {
    assert.ok(def.properties[k], `taskDefinitions.qdq.properties.${k}`);
  }
});

test("yolov9-qat's report.json", () => {
  const text = JSON.stringify([
    ['Origin', 'yolov9-c.pt', 0.5297, 0.7023, 0.7312, 0.6502],
    ['PTQ', 'runs/qat/exp/weights/ptq_ap_0.5272_yolov9-c.pt', 0.5272, 0.701, 0.73, 0.64],
    ['QAT-Best', 'runs/qat/exp/weights/qat_best_yolov9-c.pt', 0.5291, 0.702, 0.731, 0.65],
  ]);
  const rows = parseQatReport(text, 'report.json');
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[2], { name: 'QAT-Best', weights: 'runs/qat/exp/weights/qat_best_yolov9-c.pt', ap: 0.5291, ap50: 0.702, precision: 0.731, recall: 0.65 });
  assert.equal(formatQatReport(rows.slice(0, 1)), 'Origin: AP 0.5297, AP50 0.7023');
  assert.throws(() => parseQatReport('{', '/r/report.json'), /\/r\/report.json: not JSON/);
  assert.throws(() => parseQatReport('{}', 'r.json'), /expected a list/);
  assert.throws(() => parseQatReport('[["PTQ", "w", "0.5", 1, 1, 1]]', 'r.json'), /row 1/);
});
