/**
 * Rules R13–R31 (propagation, fusions, placement): one positive and one negative case each, plus
 * the predictions the findings rest on (precision, fusion groups, standalone conversions).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, conv, findings, layer, op, qconv, qdq, silu, start, yolo } from './kit';
import { float32Payload, int64Payload } from '../../support/builder/weights';

describe('R13 QDQ-PROP-DIRECTION', () => {
  test('positive: a DQ propagated past MaxPool and Reshape into a quantized conv; those ops run INT8', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1 });
    const mp = op(b, 'MaxPool', [p.out], '/mp', { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } });
    const c = conv(b, mp.out, { scope: '/c', cout: 16 });
    b.output(c.out);
    const r = analyze(b);
    const f = findings(r, 'R13', 'info');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.nodes, [p.dq, mp.name]);
    assert.equal(layer(r, mp.name).precision, 'INT8');
    assert.equal(layer(r, c.name).precision, 'INT8');
  });
  test('negative: DQ straight into the conv', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R13'), []);
  });
});

describe('R14 QDQ-COMMUTING-OPS', () => {
  test('positive: nearest Resize on a quantized path (uncertain commuting), linear Resize with a DQ input (does not commute)', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1 });
    b.initializer('scales', 'FLOAT', [4], float32Payload([1, 1, 2, 2]));
    const near = op(b, 'Resize', [p.out, '', 'scales'], '/up', { attrs: { mode: 'nearest' } });
    const lin = op(b, 'Resize', [qdq(b, near.out, { scope: '/in2', scale: 0.1 }).out, '', 'scales'], '/lin', { attrs: { mode: 'linear' } });
    b.output(conv(b, qdq(b, lin.out, { scope: '/in3', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const f = findings(r, 'R14', 'info');
    assert.deepEqual(f.map((x) => x.nodes[0]), [near.name, lin.name]);
    assert.match(f[1]!.message, /does not commute/);
    assert.equal(layer(r, near.name).precision, 'INT8');
    assert.equal(layer(r, lin.name).precision, 'FP16');
  });
  test('negative: no Resize or Pad', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R14'), []);
  });
});

describe('R15 QDQ-COMMUTE-SCALE-SHARE', () => {
  test('positive: DQ(0.1) → MaxPool → Slice → Q(0.2): a requantize layer, found three nodes apart', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1 });
    const mp = op(b, 'MaxPool', [p.out], '/mp', { attrs: { kernel_shape: [1, 1] } });
    const sl = op(b, 'Identity', [mp.out], '/id');
    const q = qdq(b, sl.out, { scope: '/q', scale: 0.2 });
    b.output(conv(b, q.out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const f = findings(r, 'R15', 'warning');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.nodes, [p.dq, q.q]);
    assert.ok(Math.abs((f[0]!.data.ratio as number) - 2) < 1e-6);
    assert.match(f[0]!.message, /ratio 2/);
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'unifyScales');
    assert.deepEqual(r.reformats.map((x) => [x.ruleId, x.kind]), [['R18', 'quantize'], ['R15', 'requantize']]);
  });
  test('negative: the same scale on both sides cancels (no finding, no layer)', () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1 });
    const mp = op(b, 'MaxPool', [p.out], '/mp', { attrs: { kernel_shape: [1, 1] } });
    b.output(conv(b, qdq(b, mp.out, { scope: '/q', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R15'), []);
    assert.deepEqual(r.reformats.map((x) => x.ruleId), ['R18']);
  });
});

describe('R16 QDQ-CONCAT-SCALE', () => {
  test('positive: Concat inputs with scales 0.1 and 0.2 (one through a Resize), output Q 0.2: one requantize, fix unifies to 0.2', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const bq = qdq(b, x, { scope: '/b', scale: 0.2, constants: true });
    const up = op(b, 'Reshape', [a.out, b.constant('/shape', 'INT64', [4], int64Payload([1, 16, 8, 8]))], '/r');
    const cat = op(b, 'Concat', [up.out, bq.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    const out = qdq(b, cat.out, { scope: '/out', scale: 0.2 });
    b.output(conv(b, out.out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const f = findings(r, 'R16', 'warning');
    assert.equal(f.length, 1);
    assert.equal(f[0]!.nodes[0], cat.name);
    assert.equal(f[0]!.data.requantizeLayers, 1);
    assert.equal(f[0]!.data.unifyTo, Math.fround(0.2));
    const edit = f[0]!.fix!.edits[0] as { kind: string; nodes: string[] };
    assert.deepEqual(new Set(edit.nodes), new Set([a.q, a.dq, bq.q, bq.dq, out.q, out.dq]));
    assert.equal(r.reformats.filter((x) => x.ruleId === 'R16').length, 1);
  });
  test('negative: one shared scale', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const c = qdq(b, x, { scope: '/b', scale: 0.1 });
    const cat = op(b, 'Concat', [a.out, c.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    b.output(conv(b, qdq(b, cat.out, { scope: '/out', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R16'), []);
    assert.equal(layer(r, cat.name).precision, 'INT8');
  });
});

describe('R17 QDQ-CONCAT-MIXED', () => {
  test('positive: a quantized and a float input, quantized output: the float producer cannot take the Q, a standalone quantize', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const f = op(b, 'Sigmoid', [x], '/sig');
    const cat = op(b, 'Concat', [a.out, f.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    b.output(conv(b, qdq(b, cat.out, { scope: '/out', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const fs = findings(r, 'R17', 'warning');
    assert.equal(fs.length, 1);
    assert.deepEqual(fs[0]!.nodes, [cat.name, f.name]);
    assert.equal(fs[0]!.data.standaloneQuantizeLayers, 1);
    assert.equal(fs[0]!.fix?.edits[0]?.kind, 'insertQdqPair');
    assert.equal(r.reformats.filter((x) => x.ruleId === 'R17').length, 1);
  });
  test('a float input whose producer (a quantized conv) takes the propagated Q: info, no extra layer', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const c = conv(b, qdq(b, x, { scope: '/in', scale: 0.1 }).out, { scope: '/p', cout: 16 });
    const cat = op(b, 'Concat', [a.out, c.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    b.output(conv(b, qdq(b, cat.out, { scope: '/out', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R17', 'warning'), []);
    const fs = findings(r, 'R17', 'info');
    assert.equal(fs.length, 1);
    assert.equal(fs[0]!.data.standaloneQuantizeLayers, 0);
    assert.match(fs[0]!.message, /no extra layer predicted/);
    assert.equal(r.reformats.filter((x) => x.ruleId === 'R17').length, 0);
  });
  test('a float network input as the float input: its standalone quantize (filed as R18) keeps R17 a warning', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const mask = b.input('mask', 'FLOAT', [1, 16, 8, 8]);
    const cat = op(b, 'Concat', [a.out, mask], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    b.output(conv(b, qdq(b, cat.out, { scope: '/out', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const fs = findings(r, 'R17', 'warning');
    assert.equal(fs.length, 1, JSON.stringify(findings(r, 'R17').map((f) => f.message)));
    assert.equal(fs[0]!.data.standaloneQuantizeLayers, 1);
    assert.doesNotMatch(fs[0]!.message, /no extra layer/);
  });
  test('negative: every input quantized', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const c = qdq(b, op(b, 'Sigmoid', [x], '/sig').out, { scope: '/b', scale: 0.1 });
    const cat = op(b, 'Concat', [a.out, c.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    b.output(conv(b, qdq(b, cat.out, { scope: '/out', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    assert.deepEqual(findings(analyze(b), 'R17'), []);
  });
});

describe('R18 QDQ-CONV-INT8-INPUTS', () => {
  test('positive: quantized input with a float weight (warning); a conv with no Q/DQ (info)', () => {
    const { b, x } = start();
    const c = conv(b, qdq(b, x, { scope: '/in' }).out, { scope: '/c', cout: 16, weight: 'none' });
    const d = conv(b, c.out, { scope: '/d', cout: 16, weight: 'none' });
    b.output(d.out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R18', 'warning').map((f) => f.nodes[0]), [c.name]);
    assert.deepEqual(findings(r, 'R18', 'info')[0]!.nodes, [d.name]);
    assert.equal(layer(r, c.name).precision, 'FP16');
  });
  test('negative: both inputs quantized: INT8', () => {
    const { b, x } = start();
    const q = qconv(b, x, '/c');
    b.output(q.out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R18'), []);
    assert.equal(layer(r, q.conv).precision, 'INT8');
  });
});

describe('R19 QDQ-CONV-OUTPUT-Q', () => {
  test('positive: branches of one conv output quantized with different scales; a float consumer next to a Q', () => {
    const { b, x } = start();
    const a = qconv(b, x, '/a');
    b.output(qconv(b, a.out, '/b', { scale: 0.1 }).out, 'o1');
    b.output(qconv(b, a.out, '/c', { scale: 0.3 }).out, 'o2');
    const d = qconv(b, x, '/d');
    b.output(op(b, 'Sigmoid', [d.out], '/sig').out, 'o3');
    b.output(qconv(b, d.out, '/e').out, 'o4');
    const r = analyze(b);
    const f = findings(r, 'R19', 'warning');
    assert.deepEqual(f.map((x) => x.nodes[0]), [a.conv, d.conv]);
    assert.match(f[0]!.message, /2 different scales \(0\.1, 0\.3, ratio 3\)/);
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'unifyScales');
    assert.equal(layer(r, a.conv).precision, 'INT8');
    assert.equal(r.reformats.filter((x) => x.ruleId === 'R19').length, 3);
  });
  test('negative: one Q after the conv: INT8 output, no standalone Q', () => {
    const { b, x } = start();
    const a = qconv(b, x, '/a');
    b.output(qconv(b, a.out, '/b').out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R19', 'warning'), []);
    assert.deepEqual(r.reformats.map((x) => x.ruleId), ['R18']); // only the network input
  });
});

describe('R20 QDQ-CONV-EPILOGUE-BREAK', () => {
  test('positive: Q/DQ between Conv and Relu, and between the Sigmoid and the Mul of a SiLU', () => {
    const { b, x } = start();
    const c = conv(b, qdq(b, x, { scope: '/in' }).out, { scope: '/c', cout: 16 });
    const brk = qdq(b, c.out, { scope: '/brk' });
    const relu = op(b, 'Relu', [brk.out], '/relu');
    const d = conv(b, qdq(b, relu.out, { scope: '/in2' }).out, { scope: '/d', cout: 16 });
    const sig = op(b, 'Sigmoid', [d.out], '/d/act');
    const brk2 = qdq(b, sig.out, { scope: '/brk2' });
    b.output(op(b, 'Mul', [d.out, brk2.out], '/d/act').out);
    const f = findings(analyze(b), 'R20', 'warning');
    assert.deepEqual(f.map((x) => x.nodes[0]), [brk.q, brk2.q]);
    assert.deepEqual(f[0]!.fix?.edits, [{ kind: 'removeQdqPair', quantize: brk.q, dequantize: brk.dq }]);
  });
  test('negative: Conv + SiLU fused, Q/DQ after the activation', () => {
    const { b, x } = start();
    const a = qconv(b, x, '/a');
    const q = qconv(b, a.out, '/b');
    b.output(q.out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R20'), []);
    // Conv + SiLU + output Q, with its input DQ and weight Q/DQ: one engine layer.
    const f = layer(r, a.conv).fusedWith;
    assert.deepEqual(f.filter((n) => !/Linear/.test(n)), ['/a/act/Sigmoid', '/a/act/Mul']);
    assert.ok(f.includes(a.input.dq) && f.includes(q.input.q), f.join(', '));
    assert.equal(f.filter((n) => /_weight_quantizer/.test(n)).length, 2);
  });
});

describe('R21 QDQ-CONV-BIAS', () => {
  test('positive: a Q/DQ on the float bias of a Conv', () => {
    const { b, x } = start();
    const bias = b.initializer('bias', 'FLOAT', [16], float32Payload(new Array(16).fill(0.5)));
    const bq = qdq(b, bias, { scope: '/bias', scale: 0.01 });
    const w = qdq(b, b.initializer('w', 'FLOAT', [16, 16, 1, 1], float32Payload(new Array(256).fill(0.1))), { scope: '/w', scale: new Array(16).fill(0.001), axis: 0 });
    const c = op(b, 'Conv', [qdq(b, x, { scope: '/in' }).out, w.out, bq.out], '/c', { attrs: { kernel_shape: [1, 1] } });
    b.output(c.out);
    const f = findings(analyze(b), 'R21', 'warning');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.fix?.edits, [{ kind: 'removeQdqPair', quantize: bq.q, dequantize: bq.dq }]);
  });
  test('negative: float bias', () => {
    const { b, x } = start();
    b.output(conv(b, qdq(b, x, { scope: '/in' }).out, { scope: '/c', cout: 16, bias: true }).out);
    assert.deepEqual(findings(analyze(b), 'R21'), []);
  });
});

describe('R22 QDQ-ADD-RESIDUAL', () => {
  test('positive: float skip input: Add fused into the conv, residual in float, standalone Q after it', () => {
    const { b, x } = start();
    const t = qconv(b, x, '/a');
    const br = qconv(b, t.out, '/b');
    const add = op(b, 'Add', [t.out, br.out], '/add');
    b.output(qconv(b, add.out, '/c').out);
    const r = analyze(b);
    const f = findings(r, 'R22', 'warning');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.nodes, [add.name, br.conv]);
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'insertQdqPair');
    assert.ok(layer(r, br.conv).fusedWith.includes(add.name));
    assert.equal(layer(r, br.conv).precision, 'INT8');
    assert.equal(layer(r, add.name).precision, 'FP16');
    assert.ok(r.reformats.some((x) => x.ruleId === 'R22'));
  });
  test('positive: both Add inputs quantized: the conv and the Add are separated', () => {
    const { b, x } = start();
    const t = qconv(b, x, '/a');
    const br = qconv(b, t.out, '/b');
    const add = op(b, 'Add', [qdq(b, t.out, { scope: '/s' }).out, qdq(b, br.out, { scope: '/r' }).out], '/add');
    b.output(qconv(b, add.out, '/c').out);
    const r = analyze(b);
    const f = findings(r, 'R22', 'warning');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /both inputs carry Q\/DQ/);
    assert.equal(f[0]!.fix?.edits[0]?.kind, 'removeQdqPair');
    assert.equal(layer(r, add.name).precision, 'INT8');
    // Its own INT8 element-wise layer: it absorbs only its DQs and the Q after it, no conv.
    assert.deepEqual(layer(r, add.name).fusedWith.filter((n) => !/Linear/.test(n)), []);
  });
  test('negative: Q/DQ on the skip input only: Conv + Add fused in INT8 with INT8 output', () => {
    const { b, x } = start();
    const t = qconv(b, x, '/a');
    const br = qconv(b, t.out, '/b');
    const add = op(b, 'Add', [qdq(b, t.out, { scope: '/s' }).out, br.out], '/add');
    b.output(qconv(b, add.out, '/c').out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R22'), []);
    assert.equal(layer(r, add.name).precision, 'INT8');
    assert.ok(layer(r, br.conv).fusedWith.includes(add.name));
    assert.deepEqual(r.reformats.map((x) => x.ruleId), ['R18']);
  });
});

describe('R23 QDQ-QUANTIZABLE-NONWEIGHTED', () => {
  test('positive: AveragePool with a DQ input and no Q after; float GlobalAveragePool quantized by a standalone Q', () => {
    const { b, x } = start();
    const ap = op(b, 'AveragePool', [qdq(b, x, { scope: '/in' }).out], '/ap', { attrs: { kernel_shape: [2, 2] } });
    const s = op(b, 'Sigmoid', [ap.out], '/sig');
    const gap = op(b, 'GlobalAveragePool', [s.out], '/gap', { shape: [1, 16, 1, 1] });
    b.output(conv(b, qdq(b, gap.out, { scope: '/q' }).out, { scope: '/fc', cout: 16 }).out);
    const r = analyze(b);
    const f = findings(r, 'R23', 'warning');
    assert.deepEqual(f.map((x) => x.nodes[0]), [ap.name, gap.name]);
    assert.match(f[1]!.message, /standalone Q/);
    assert.equal(layer(r, gap.name).precision, 'FP16');
  });
  test('negative: DQ → AveragePool → Q runs INT8', () => {
    const { b, x } = start();
    const ap = op(b, 'AveragePool', [qdq(b, x, { scope: '/in' }).out], '/ap', { attrs: { kernel_shape: [2, 2] } });
    b.output(conv(b, qdq(b, ap.out, { scope: '/q' }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    assert.deepEqual(findings(r, 'R23'), []);
    assert.equal(layer(r, ap.name).precision, 'INT8');
  });
});

describe('R24 QDQ-NONQUANTIZABLE', () => {
  test('positive: DQ → Softmax → Q: two standalone conversions', () => {
    const { b, x } = start();
    const sm = op(b, 'Softmax', [qdq(b, x, { scope: '/in' }).out], '/sm');
    b.output(conv(b, qdq(b, sm.out, { scope: '/q' }).out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const f = findings(r, 'R24', 'warning');
    assert.deepEqual(f.map((x) => x.nodes[0]), [sm.name]);
    assert.equal(f[0]!.fix?.edits.length, 2);
    assert.deepEqual(r.reformats.map((x) => x.ruleId).sort(), ['R18', 'R24', 'R24']);
  });
  test('negative: Softmax in float', () => {
    const { b, x } = start();
    b.output(op(b, 'Softmax', [qconv(b, x, '/c').out], '/sm').out);
    assert.deepEqual(findings(analyze(b), 'R24'), []);
  });
});

describe('R25 QDQ-DANGLING', () => {
  test('positive: a Q read by a non-DQ (error), a DQ on a graph input (warning), an unused pair (info)', () => {
    const { b, x } = start();
    const bad = qdq(b, x, { scope: '/bad', qOnly: true });
    b.output(op(b, 'Relu', [bad.out], '/relu').out, 'o1');
    const i8 = b.input('int8_in', 'INT8', [1, 16, 8, 8]);
    const s = b.initializer('s', 'FLOAT', [], float32Payload([0.1]));
    const [dq] = b.node('DequantizeLinear', [i8, s], [{ dtype: 'FLOAT', shape: [1, 16, 8, 8] }], { scope: '/dq' });
    b.output(conv(b, dq!, { scope: '/c', cout: 16 }).out, 'o2');
    const unused = qdq(b, x, { scope: '/unused' });
    void unused;
    const r = analyze(b);
    assert.equal(findings(r, 'R25', 'error')[0]!.nodes[0], bad.q);
    assert.match(findings(r, 'R25', 'warning')[0]!.message, /graph input/);
    const info = findings(r, 'R25', 'info');
    assert.deepEqual(info[0]!.nodes.sort(), [unused.dq, unused.q].sort());
    assert.deepEqual(info[0]!.fix?.edits, [{ kind: 'removeQdqPair', quantize: unused.q, dequantize: unused.dq }]);
    // Counted as pairs: the Q is read (by its DQ), so "2 Q/DQ nodes have an output nobody reads" was wrong.
    assert.equal(info[0]!.message, `1 Q/DQ pair whose DequantizeLinear output nobody reads (${unused.dq}); TensorRT drops them.`);
  });
  test('unread: pairs and lone nodes counted apart', () => {
    const { b, x } = start();
    const p1 = qdq(b, x, { scope: '/u1' });
    const p2 = qdq(b, x, { scope: '/u2' });
    const lone = qdq(b, x, { scope: '/lone', qOnly: true });
    b.output(qconv(b, x, '/c').out);
    const [info] = findings(analyze(b), 'R25', 'info');
    assert.ok(info);
    assert.match(info.message, /^2 Q\/DQ pairs whose DequantizeLinear output nobody reads \(.*\) and 1 Q\/DQ node whose output nobody reads \(.*\); TensorRT drops them\.$/);
    assert.ok(info.message.includes(p1.dq) && info.message.includes(p2.dq) && info.message.includes(lone.q));
    assert.equal(info.data['count'], 5);
    assert.equal(info.data['pairs'], 2);
  });
  test('negative: paired Q/DQ', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R25'), []);
  });
});

describe('R26 QDQ-DOUBLE-QDQ', () => {
  test('positive: back-to-back pairs: different scales (warning, requantize), equal scales (info, cancels)', () => {
    const { b, x } = start();
    const p1 = qdq(b, x, { scope: '/p1', scale: 0.1 });
    const p2 = qdq(b, p1.out, { scope: '/p2', scale: 0.4 });
    const p3 = qdq(b, p2.out, { scope: '/p3', scale: 0.4 });
    b.output(conv(b, p3.out, { scope: '/c', cout: 16 }).out);
    const r = analyze(b);
    const w = findings(r, 'R26', 'warning');
    assert.deepEqual(w[0]!.nodes, [p2.q, p1.dq]);
    assert.match(w[0]!.message, /ratio 4/);
    assert.deepEqual(findings(r, 'R26', 'info')[0]!.nodes, [p3.q, p2.dq]);
    assert.equal(r.reformats.filter((x) => x.ruleId === 'R26').length, 1);
  });
  test('negative: one pair', () => {
    const { b, x } = start();
    b.output(qconv(b, x, '/c').out);
    assert.deepEqual(findings(analyze(b), 'R26'), []);
  });
});

describe('R27 QDQ-PAD', () => {
  test('positive: Pad → Q → DQ → Conv, with a move fix', () => {
    const { b, x } = start();
    const pads = b.initializer('pads', 'INT64', [8], int64Payload([0, 0, 1, 1, 0, 0, 1, 1]));
    const pad = op(b, 'Pad', [x, pads], '/pad');
    const p = qdq(b, pad.out, { scope: '/in' });
    b.output(conv(b, p.out, { scope: '/c', cout: 16 }).out);
    const f = findings(analyze(b), 'R27', 'warning');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.fix?.edits, [{ kind: 'moveQdqPair', quantize: p.q, dequantize: p.dq, toTensor: 'images', consumers: [pad.name] }]);
  });
  test('negative: Q/DQ before the Pad', () => {
    const { b, x } = start();
    const pads = b.initializer('pads', 'INT64', [8], int64Payload([0, 0, 1, 1, 0, 0, 1, 1]));
    const pad = op(b, 'Pad', [qdq(b, x, { scope: '/in' }).out, pads], '/pad');
    b.output(conv(b, pad.out, { scope: '/c', cout: 16 }).out);
    assert.deepEqual(findings(analyze(b), 'R27'), []);
  });
});

describe('R28 QDQ-PLUGIN', () => {
  test('positive: a plugin with a dequantized input', () => {
    const { b, x } = start({ extraOpsets: [{ domain: 'TRT', version: 1 }] });
    const pl = op(b, 'MyPlugin_TRT', [qdq(b, x, { scope: '/in' }).out], '/plugin', { domain: 'TRT' });
    b.output(pl.out);
    const f = findings(analyze(b), 'R28', 'info');
    assert.deepEqual(f.map((x) => x.nodes[0]), [pl.name]);
  });
  test('negative: a plugin with float I/O', () => {
    const { b, x } = start({ extraOpsets: [{ domain: 'TRT', version: 1 }] });
    b.output(op(b, 'MyPlugin_TRT', [qconv(b, x, '/c').out], '/plugin', { domain: 'TRT' }).out);
    assert.deepEqual(findings(analyze(b), 'R28'), []);
  });
});

describe('R29 QDQ-REFIT-SCALE', () => {
  const build = () => {
    const { b, x } = start();
    const p = qdq(b, x, { scope: '/in', scale: 0.1 });
    const mp = op(b, 'MaxPool', [p.out], '/mp', { attrs: { kernel_shape: [1, 1] } });
    b.output(conv(b, qdq(b, mp.out, { scope: '/q', scale: 0.1 }).out, { scope: '/c', cout: 16 }).out);
    return b;
  };
  test('positive: a refittable build with a scale-equality cancellation', () => {
    const f = findings(analyze(build(), { refit: true }), 'R29', 'info');
    assert.equal(f.length, 1);
    assert.equal(f[0]!.data.pairs, 1);
  });
  test('negative: not refittable', () => {
    assert.deepEqual(findings(analyze(build()), 'R29'), []);
  });
});

describe('R30 QDQ-CHANNEL-ALIGN', () => {
  test('positive: an INT8 first conv with 3 input channels', () => {
    const { b, x } = start({ c: 3 });
    const q = qconv(b, x, '/c0', { cout: 16 });
    b.output(q.out);
    const f = findings(analyze(b), 'R30', 'info');
    assert.deepEqual(f.map((x) => x.nodes[0]), [q.conv]);
    assert.equal(f[0]!.data.inputChannels, 3);
  });
  test('negative: 16 → 16 channels, and a float 3-channel conv', () => {
    const { b, x } = start({ c: 3 });
    const c = conv(b, x, { scope: '/c0', cout: 16, weight: 'none' });
    b.output(qconv(b, c.out, '/c1', { cout: 16 }).out);
    assert.deepEqual(findings(analyze(b), 'R30'), []);
  });
});

describe('R31 QDQ-YOLO-HEAD', () => {
  test('positive: the YOLO-like good placement keeps the 1×1 prediction convs in float; the naive one quantizes them', () => {
    const good = analyze(yolo('good'));
    const f = findings(good, 'R31', 'info');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /stay in FP16/);
    assert.ok(f[0]!.nodes.every((n) => /\/cv2\.\d\/cv2\.\d\.1\/Conv$/.test(n)));
    for (const n of f[0]!.nodes) assert.equal(layer(good, n).precision, 'FP16');
    const naive = findings(analyze(yolo('naive')), 'R31', 'info');
    assert.match(naive[0]!.message, /quantized: accuracy risk/);
  });
  test('negative: no 1×1 conv before an output', () => {
    const { b, x } = start();
    b.output(silu(b, qconv(b, x, '/c', { k: 3 }).out, '/act').out);
    assert.deepEqual(findings(analyze(b), 'R31'), []);
  });
});
