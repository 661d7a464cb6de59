/**
 * Rules R1–R12 (Q/DQ parameters TensorRT accepts): one positive and one negative case each, on
 * graphs built with the model builder, with scales and zero points both as initializers and as
 * Constant nodes (torch.onnx style).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { nodeProperties } from '../../../src/core/graphView/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { onnx } from '../onnx/protoHelpers';
import { analyze, conv, findings, op, qconv, qdq, start } from './kit';
import { float32Payload, quantPayload } from '../../support/builder/weights';

describe('R1 QDQ-ZP-NONZERO', () => {
  test('positive: a non-zero zero point (Constant nodes, as torch exports them) is an error with a setZeroPoint fix', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1, zp: 3, constants: true });
    b.output(conv(b, p.out, { scope: '/c', cout: 16 }).out);
    const f = findings(analyze(b), 'R1', 'error');
    assert.equal(f.length, 2); // the Q and the DQ
    assert.match(f[0]!.message, /zero point 3/);
    assert.equal(f[0]!.rule, 'QDQ-ZP-NONZERO');
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'setZeroPoint');
  });
  test('negative: zero points of 0 (initializers)', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R1'), []);
  });
});

describe('R2 QDQ-UINT8', () => {
  test('positive: a UINT8 zero point is an error; a Q without zero point is info (implied UINT8)', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1, zp: 0, zpType: 'UINT8' });
    const implied = qdq(b, p.out, { scope: '/in2', scale: 0.1, noZp: true });
    b.output(conv(b, implied.out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R2', 'error').map((f) => f.nodes[0]), [p.q, p.dq]);
    assert.deepEqual(findings(r, 'R2', 'info')[0]!.nodes, [implied.q]);
  });
  test('negative: INT8', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R2'), []);
  });
});

describe('R3 QDQ-SCALE-POSITIVE', () => {
  test('positive: zero and negative scale elements are errors', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0 });
    const c = conv(b, p.out, { scope: '/c', cout: 4, weight: 'none' });
    const w = qdq(b, c.out, { scope: '/w', scale: -0.5, constants: true });
    b.output(w.out);
    const f = findings(analyze(b), 'R3', 'error');
    assert.deepEqual(f.map((x) => x.nodes[0]), [p.q, p.dq, w.q, w.dq]);
    assert.match(f[2]!.message, /-0\.5/);
  });
  test('negative: positive scales', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R3'), []);
  });
});

describe('R4 QDQ-SCALE-CONST', () => {
  test('positive: a scale that is a graph input or computed at run time is an error', () => {
    const { b, x } = start();
    const s = b.input('scale', 'FLOAT', []);
    const p = qdq(b, x, { scope: '/in', scaleTensor: s });
    const s2 = op(b, 'Mul', [s, s], '/scale').out;
    const p2 = qdq(b, p.out, { scope: '/in2', scaleTensor: s2 });
    b.output(p2.out);
    const f = findings(analyze(b), 'R4', 'error');
    assert.equal(f.length, 4);
    assert.match(f[0]!.message, /graph input/);
    assert.match(f[2]!.message, /computed by \/scale\/Mul/);
  });
  test('negative: Constant and initializer scales (through Cast too)', () => {
    const { b, x } = start();
    const c = b.constant('/k', 'FLOAT', [], float32Payload([0.1]));
    const cast = op(b, 'Cast', [c], '/k', { attrs: { to: 1 } }).out;
    b.output(qdq(b, qdq(b, x, { scope: '/a', scaleTensor: cast }).out, { scope: '/b', constants: true }).out);
    assert.deepEqual(findings(analyze(b), 'R4'), []);
  });
});

describe('R5 QDQ-SCALE-SHAPE', () => {
  test('positive: per-channel weight scales whose count is not the channel count; block scales under 8.x', () => {
    const { b, x } = start();
    const w = b.initializer('w', 'FLOAT', [8, 16, 1, 1], float32Payload(new Array(128).fill(0.1)));
    const wq = qdq(b, w, { scope: '/wq', scale: new Array(9).fill(0.01), axis: 0 });
    const xin = qdq(b, x, { scope: '/in', scale: 0.1 });
    b.output(op(b, 'Conv', [xin.out, wq.out], '/c', { attrs: { kernel_shape: [1, 1] } }).out);
    const f = findings(analyze(b), 'R5', 'error');
    assert.equal(f.length, 2);
    assert.match(f[0]!.message, /9 per-channel scales, but the input has 8 elements on axis 0/);

    const g = start({ opset: 21 });
    const w2 = g.b.initializer('w', 'FLOAT', [8, 16], float32Payload(new Array(128).fill(0.1)));
    const blk = qdq(g.b, w2, { scope: '/wq', scale: new Array(16).fill(0.01), scaleDims: [8, 2], axis: 1, blockSize: 8 });
    g.b.output(op(g.b, 'MatMul', [qdq(g.b, g.x, { scope: '/in' }).out, blk.out], '/mm').out);
    assert.equal(findings(analyze(g.b, { trt: 8 }), 'R5', 'error').length, 2);
    assert.equal(findings(analyze(g.b, { trt: 10 }), 'R5').length, 0);
  });
  test('negative: per-channel scales matching the output channels', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c', { cout: 8 }).out);
    assert.deepEqual(findings(analyze(b), 'R5'), []);
  });
});

describe('R6 QDQ-PERCHANNEL-ACT', () => {
  test('positive: per-channel scales on an activation are an error, with a per-tensor fix', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: Array.from({ length: 16 }, (_, i) => 0.01 * (i + 1)), axis: 1 });
    b.output(conv(b, p.out, { scope: '/c', cout: 16 }).out);
    const f = findings(analyze(b), 'R6', 'error');
    assert.equal(f.length, 2);
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'unifyScales');
    assert.equal((f[0]!.fix!.edits[0] as { scale: number }).scale, Math.fround(0.16));
  });
  test('negative: per-channel on weights, per-tensor on activations', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R6'), []);
  });
});

describe('R7 QDQ-WEIGHT-AXIS', () => {
  test('positive: Conv weight quantized on axis 1; ConvTranspose on axis 1 (wrong results); per-tensor is info', () => {
    const { b, x } = start();
    const xin = qdq(b, x, { scope: '/in' });
    const c = conv(b, xin.out, { scope: '/c', cout: 8, weightAxis: 1 });
    const d = conv(b, qdq(b, c.out, { scope: '/in2' }).out, { scope: '/d', cout: 8, op: 'ConvTranspose', weightAxis: 1 });
    const e = conv(b, qdq(b, d.out, { scope: '/in3' }).out, { scope: '/e', cout: 8, weight: 'tensor' });
    b.output(e.out);
    const r = analyze(b);
    const errs = findings(r, 'R7', 'error');
    assert.deepEqual(errs.map((f) => f.nodes[1]), [c.name, c.name, d.name, d.name]);
    assert.match(errs[2]!.message, /wrong results/);
    assert.deepEqual(errs[0]!.fix?.edits.map((x) => x.kind), ['setAttribute', 'setAttribute']);
    assert.deepEqual(findings(r, 'R7', 'info')[0]!.nodes, [e.name]);
  });
  test('negative: axis 0 for Conv and ConvTranspose; Gemm transB=0 on axis 1', () => {
    const { b, x } = start();
    const c = conv(b, qdq(b, x, { scope: '/in' }).out, { scope: '/c', cout: 8 });
    const d = conv(b, qdq(b, c.out, { scope: '/in2' }).out, { scope: '/d', cout: 8, op: 'ConvTranspose' });
    const flat = op(b, 'Flatten', [d.out], '/f', { shape: [1, 512] }).out;
    const w = b.initializer('fc', 'FLOAT', [512, 10], float32Payload(new Array(5120).fill(0.01)));
    const wq = qdq(b, w, { scope: '/fcq', scale: new Array(10).fill(0.001), axis: 1 });
    b.output(op(b, 'Gemm', [qdq(b, flat, { scope: '/in3' }).out, wq.out], '/gemm', { attrs: { transB: 0 }, shape: [1, 10] }).out);
    assert.deepEqual(findings(analyze(b), 'R7'), []);
  });
});

describe('R8 QDQ-DTYPE', () => {
  test('positive: FP8 under 8.x, FP8 E5M2, INT4 activations and an INT32 DQ input are errors', () => {
    const { b, x } = start({ opset: 21 });
    const f8 = qdq(b, x, { scope: '/f8', scale: 0.1, zpType: 'FLOAT8E4M3FN' });
    const e5 = qdq(b, f8.out, { scope: '/e5', scale: 0.1, zpType: 'FLOAT8E5M2' });
    const i4 = qdq(b, e5.out, { scope: '/i4', scale: 0.1, zpType: 'INT4' });
    const bias = b.initializer('bias_q', 'INT32', [16], quantPayload('INT32', new Array(16).fill(5)));
    const s = b.initializer('bias_s', 'FLOAT', [], float32Payload([0.001]));
    const [bdq] = b.node('DequantizeLinear', [bias, s], [{ dtype: 'FLOAT', shape: [16] }], { scope: '/bias' });
    const c = conv(b, i4.out, { scope: '/c', cout: 16 });
    b.output(op(b, 'Add', [c.out, bdq!], '/add').out);
    const r8 = findings(analyze(b, { trt: 8 }), 'R8', 'error').map((f) => f.message);
    assert.ok(r8.some((m) => /use FP8 E4M3 quantization, which needs TensorRT 10/.test(m)));
    assert.ok(r8.some((m) => /FP8 E5M2 is not a TensorRT quantized type/.test(m)));
    assert.ok(r8.some((m) => /use INT4 quantization, which needs TensorRT 10/.test(m)));
    assert.ok(r8.some((m) => /INT32 input to DequantizeLinear/.test(m)));
    const r10 = analyze(b, { trt: 10 });
    assert.ok(findings(r10, 'R8', 'error').some((f) => /INT4 is weight-only/.test(f.message)));
    assert.ok(findings(r10, 'R8', 'info').some((f) => /Ada\/Hopper/.test(f.message)));
  });
  test('negative: INT8 everywhere', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R8'), []);
    assert.equal(findings(analyze(b, { precision: 'fp8' }), 'R8', 'info').length, 1); // INT8 model, FP8 target
  });
});

describe('R9 QDQ-OPSET', () => {
  test('positive: a per-channel axis below opset 13 and FP8 below 19 are errors; opset 21 is outside the 10.0 range (info)', () => {
    const { b, x } = start({ opset: 11 });
    b.output(qconv(b, x, '/c').out);
    const f = findings(analyze(b), 'R9', 'error');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /axis attribute .* needs opset ≥ 13; the model imports opset 11/);

    const g = start({ opset: 13 });
    g.b.output(qdq(g.b, g.x, { scope: '/f8', zpType: 'FLOAT8E4M3FN' }).out);
    assert.match(findings(analyze(g.b), 'R9', 'error')[0]!.message, /FP8 quantization needs opset ≥ 19/);

    const h = start({ opset: 21 });
    h.b.output(qconv(h.b, h.x, '/c').out);
    assert.match(findings(analyze(h.b), 'R9', 'info')[0]!.message, /opset 21.*9–20/);
    assert.equal(findings(analyze(h.b, { trt: 8 }), 'R9', 'info').length, 1);
  });
  test('negative: opset 13 per-channel INT8', () => {
    const { b, x } = start({ opset: 13 });
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R9'), []);
  });
});

describe('R10 QDQ-QOPS-UNSUPPORTED', () => {
  test('positive: QLinearConv and MatMulInteger are errors, even with no Q/DQ in the model', () => {
    const { b, x } = start();
    const y = op(b, 'QLinearConv', [x], '/qc').out;
    b.output(op(b, 'MatMulInteger', [y, y], '/mmi').out);
    const f = findings(analyze(b), 'R10', 'error');
    assert.deepEqual(f.map((x) => x.data.opType), ['QLinearConv', 'MatMulInteger']);
  });
  test('negative: QDQ format', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R10'), []);
  });
});

describe('R11 QDQ-WEIGHT-STORAGE', () => {
  test('positive (8.x): a pre-quantized INT8 weight read by a DQ without Q', () => {
    const { b, x } = start();
    const w = b.initializer('wq', 'INT8', [16, 16, 1, 1], quantPayload('INT8', new Array(256).fill(3)));
    const s = b.initializer('ws', 'FLOAT', [16], float32Payload(new Array(16).fill(0.01)));
    const z = b.initializer('wz', 'INT8', [16], quantPayload('INT8', new Array(16).fill(0)));
    const [wdq] = b.node('DequantizeLinear', [w, s, z], [{ dtype: 'FLOAT', shape: [16, 16, 1, 1] }], { scope: '/w', attrs: { axis: 0 } });
    b.output(op(b, 'Conv', [qdq(b, x, { scope: '/in' }).out, wdq!], '/c', { attrs: { kernel_shape: [1, 1] } }).out);
    const f = findings(analyze(b, { trt: 8 }), 'R11', 'info');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /pre-quantized weights without a Q/);
    assert.deepEqual(findings(analyze(b, { trt: 10 }), 'R11'), []); // 10.x accepts it
  });
  test('negative: float weight with Q/DQ under 8.x', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b, { trt: 8 }), 'R11'), []);
  });
});

describe('R12 QDQ-BUILD-FLAGS', () => {
  test('positive: a Q/DQ model gets the flags the predictions assume', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.match(findings(analyze(b, { trt: 8 }), 'R12')[0]!.message, /--int8 --fp16/);
    const st = analyze(b, { stronglyTyped: true });
    assert.match(findings(st, 'R12')[0]!.message, /--stronglyTyped/);
    assert.ok(st.layers.filter((l) => l.precision !== 'INT8').every((l) => l.precision === 'FP32'));
  });
  test('negative: a float model', () => {
    const { b, x } = start();
    b.output(conv(b, x, { scope: '/c', cout: 16, weight: 'none' }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R12'), []);
    assert.deepEqual(r.findings, []);
  });
});

describe('Q/DQ parameters computed at run time (onnx test_quantizelinear_axis)', () => {
  /** y = QuantizeLinear(x, y_scale, y_zero_point, axis 1) with scale and zero point as graph inputs. */
  const runtimeParams = (zpType: number | undefined) => {
    const t = (name: string, elemType: number | undefined, dims: number[]) => ({ name, ...(elemType ? { type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } } : {}) });
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        input: [t('x', 1, [1, 3, 3, 2]), t('y_scale', 1, [3]), t('y_zero_point', zpType, [3])],
        output: [t('y', 2, [1, 3, 3, 2])],
        node: [{ name: 'q', opType: 'QuantizeLinear', input: ['x', 'y_scale', 'y_zero_point'], output: ['y'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      },
    }).finish();
    return decodeModel(new MemorySource(bytes, 'axis.onnx'));
  };
  test('a zero point declared UINT8 is an explicit UINT8 (R2 error), not an implied one; its being computed is R1\'s', () => {
    const d = runtimeParams(2);
    const r = analyzeModel(d, buildGraphIndex(d.model.graph!));
    assert.deepEqual(findings(r, 'R2', 'error').map((f) => [f.nodes[0], /UINT8 \(from its zero point\)/.test(f.message)]), [['q', true]]);
    assert.deepEqual(findings(r, 'R2', 'info'), [], 'no "no zero point" message for a node that has one');
    assert.ok(findings(r, 'R1').some((f) => /not a build-time constant/.test(f.message)));
    // The properties panel: per-channel from the scale's declared shape, the type from the zero point's.
    const p = nodeProperties(d, { path: [] }, 0).qdq!;
    assert.deepEqual([p.granularity, p.axis, p.quantizedType], ['per-channel', 1, 'UINT8']);
  });
  test('a zero point whose type is not stated is not taken for a missing one', () => {
    const d = runtimeParams(undefined);
    const r = analyzeModel(d, buildGraphIndex(d.model.graph!));
    assert.deepEqual(findings(r, 'R2'), []);
  });
});
