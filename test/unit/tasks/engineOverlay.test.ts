/**
 * The 'engine' graph overlay: engine layers mapped back to ONNX nodes (8.x names, 10.x metadata),
 * coloured by the precision TensorRT chose, unfused Q/DQ marked as reformats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEngineReport, parseLayerInfo, parseProfile } from '../../../src/core/engineReport/index';
import { modelOfEngineOutput } from '../../../src/core/tasks/index';
import { checkPrediction, engineOverlay, onnxNodesOfLayer } from '../../../src/engineView/engineOverlay';

const fixtures = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const read = (f: string) => fs.readFileSync(path.join(fixtures, f), 'utf8');

test('8.x layer names are split into the fused ONNX nodes; reformat copies stand for none', () => {
  assert.deepEqual(onnxNodesOfLayer({ name: 'model.0.conv.weight + QuantizeLinear_15 + Conv_17 + PWN(PWN(Sigmoid_18), Mul_19)' }), [
    'model.0.conv.weight',
    'QuantizeLinear_15',
    'Conv_17',
    'Sigmoid_18',
    'Mul_19',
  ]);
  assert.deepEqual(onnxNodesOfLayer({ name: 'Reformatting CopyNode for Input Tensor 0 to Conv_72' }), []);
  assert.deepEqual(onnxNodesOfLayer({ name: '__myl_TranReshMove_myl0_0', onnxNodes: ['/model.22/Reshape'] }), ['/model.22/Reshape']);
});

test('TensorRT 8.x build: fused convs INT8, the FP16 head conv FP16, unfused Q/DQ as reformats', () => {
  const report = buildEngineReport({
    layerInfo: parseLayerInfo(read('trt8-detailed.layerinfo.json'), 'qdq.layer.json'),
    profile: parseProfile(read('trt8-detailed.profile.json'), 'qdq.profile.json'),
  });
  const o = engineOverlay(report);
  assert.equal(o.nodes['Conv_17']?.key, 'INT8');
  assert.equal(o.nodes['Mul_19']?.key, 'INT8');
  assert.equal(o.nodes['Conv_95']?.key, 'FP16', 'the head conv without Q/DQ runs in FP16');
  assert.equal(o.nodes['QuantizeLinear_7']?.key, 'reformat');
  assert.equal(o.nodes['QuantizeLinear_7']?.badge, 'quantize');
  assert.equal(o.nodes['DequantizeLinear_60']?.key, 'reformat');
  assert.equal(o.nodes['DequantizeLinear_60']?.badge, 'requantize');
  assert.match(o.nodes['Conv_17']!.tooltip!, /Engine: INT8, [\d.]+ (ms|µs)/);
  // Every legend key used by a node is in the legend.
  const keys = new Set(o.legend.map((l) => l.key));
  for (const n of Object.values(o.nodes)) if (n.key) assert.ok(keys.has(n.key), n.key);
});

test('TensorRT 10.x build: nodes from the layer metadata', () => {
  const report = buildEngineReport({ layerInfo: parseLayerInfo(read('trt10-detailed.layerinfo.json'), 'qdq.layer.json') });
  const o = engineOverlay(report);
  assert.equal(o.nodes['/model.0/conv/Conv']?.key, 'INT8');
  assert.equal(o.nodes['/model.0/act/Mul']?.key, 'INT8');
  assert.equal(o.nodes['/model.22/dfl/conv/Conv']?.key, 'FP16');
  assert.equal(o.nodes['/model.0/conv/input_quantizer/QuantizeLinear']?.key, 'reformat');
  assert.equal(o.nodes['__myl_CastMulAdd_myl0_2'], undefined, 'a Myelin layer without metadata names no node of the model');
});

test('the model of a QDQ Studio trtexec output folder', () => {
  assert.equal(modelOfEngineOutput('/w/models/yolo v9.trtexec/qdq.layer.json'), '/w/models/yolo v9.onnx');
  assert.equal(modelOfEngineOutput('/w/elsewhere/qdq.layer.json'), undefined);
});

test('prediction vs engine: agreeing and differing compute nodes, reformat counts', () => {
  const report = buildEngineReport({ layerInfo: parseLayerInfo(read('trt8-detailed.layerinfo.json'), 'qdq.layer.json') });
  const check = checkPrediction(report, {
    layers: [
      { node: 'Conv_17', opType: 'Conv', precision: 'INT8' },
      { node: 'Conv_29', opType: 'Conv', precision: 'INT8' },
      { node: 'Conv_95', opType: 'Conv', precision: 'INT8' }, // the engine ran it in FP16
      { node: 'Conv_404', opType: 'Conv', precision: 'INT8' }, // not in this engine: not compared
    ],
    reformats: [{}, {}],
  });
  assert.equal(check.compared, 3);
  assert.equal(check.agree, 2);
  assert.deepEqual(check.disagreements.map((d) => [d.node, d.predicted, d.actual]), [['Conv_95', 'INT8', 'FP16']]);
  assert.equal(check.disagreements[0]!.layer, 'model.22.cv3.0.2.weight + Conv_95', 'the layer itself, not the reformat copy feeding it');
  assert.equal(check.predictedReformats, 2);
  assert.equal(check.actualReformats, report.layers.filter((l) => ['quantize', 'dequantize', 'requantize'].includes(l.reformat ?? '')).length);
  assert.equal(check.actualReformats, 4);
});
