/**
 * Quantizers at the model's interface are pinned when scales are unified: a DequantizeLinear reading
 * an INT8 network input (the application quantizes with that scale) and a QuantizeLinear whose
 * output is a graph output (the application dequantizes with it). One pinned scale (or several
 * equal ones) wins for the whole scale-sharing set, said in the fix title and the edit result, with
 * a warning that values clip when it is smaller than the largest scale there; pinned scales that
 * disagree refuse the unify (and the R15/R16 finding carries no fix), naming the interface tensors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel, type AnalysisReport, type Finding } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { applyEdit, EditError, Journal } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, readTensorValues, type DecodedModel, type ValueInfo } from '../../../src/core/onnx/index';
import { float32Payload, quantPayload } from '../../support/builder/weights';
import { sharedModels } from '../onnx/corpus';
import { conv, op, qconv, qdq, start, type TensorRef } from '../analysis/kit';
import { graphOf, redecode } from './kit';

const analyze = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const r16 = (r: AnalysisReport): Finding[] => r.findings.filter((f) => f.ruleId === 'R16');
const scaleKeys = (r: AnalysisReport): string[] => r.findings.filter((f) => f.ruleId === 'R15' || f.ruleId === 'R16').map((f) => `${f.ruleId} ${f.nodes[0]}`);

function scaleOf(d: DecodedModel, name: string): number {
  const g = graphOf(d);
  const n = g.node.find((x) => x.name === name)!;
  const t = g.initializer.find((i) => i.name === n.input[1]) ?? g.node.find((x) => x.output.includes(n.input[1]!))?.attribute.find((a) => a.name === 'value')?.t;
  return Number(readTensorValues(d, t!)[0]);
}

interface Pinned {
  d: DecodedModel;
  /** The DQ reading the INT8 network input `xq`. */
  dqIn: string;
  /** Every Q/DQ of the set around /cat. */
  set: string[];
}

/**
 * INT8 network input `xq` → DQ(inScale) and images → Q/DQ(0.2) → Concat → Q(outScale)/DQ → Conv.
 * With `outputQ`, the Concat's Q output is also a graph output (`cat_q`, INT8).
 */
function pinnedModel(o: { inScale: number; outScale: number; outputQ?: boolean }): Pinned {
  const { b, x } = start();
  const xq = b.input('xq', 'INT8', [1, 16, 8, 8]);
  const s = b.initializer('xq_scale', 'FLOAT', [], float32Payload([o.inScale]));
  const zp = b.initializer('xq_zero_point', 'INT8', [], quantPayload('INT8', [0]));
  const [dqOut] = b.node('DequantizeLinear', [xq, s, zp], [{ dtype: 'FLOAT', shape: [1, 16, 8, 8] }], { scope: '/xq' });
  const dqIn = b.producerOf(dqOut!)!.name;
  const in1 = qdq(b, x, { scope: '/in1', scale: 0.2 });
  const cat = op(b, 'Concat', [dqOut!, in1.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
  let q: string;
  let dq: string;
  let dqTensor: TensorRef;
  if (o.outputQ) {
    const qo = qdq(b, cat.out, { scope: '/out', scale: o.outScale, qOnly: true });
    b.output(qo.out, 'cat_q');
    q = qo.q;
    const os = b.initializer('out_scale', 'FLOAT', [], float32Payload([o.outScale]));
    const ozp = b.initializer('out_zero_point', 'INT8', [], quantPayload('INT8', [0]));
    [dqTensor] = b.node('DequantizeLinear', ['cat_q', os, ozp], [{ dtype: 'FLOAT', shape: [1, 32, 8, 8] }], { scope: '/out' }) as [TensorRef];
    dq = b.producerOf(dqTensor)!.name;
  } else {
    const out = qdq(b, cat.out, { scope: '/out', scale: o.outScale });
    ({ q, dq } = out);
    dqTensor = out.out;
  }
  b.output(conv(b, dqTensor, { scope: '/c', cout: 16 }).out);
  const d = decodeModel(new MemorySource(b.toBytes(), 'pinned.onnx'));
  return { d, dqIn, set: [dqIn, in1.q, in1.dq, q, dq] };
}

describe('unify scales with a quantizer at the model interface', () => {
  test('INT8 network input: its scale wins over the larger output scale (R16 fix and unifyConcat), saying so and that values may clip', () => {
    for (const how of ['fix', 'unifyConcat', 'unifyScales'] as const) {
      const { d, set } = pinnedModel({ inScale: 0.1, outScale: 0.2 });
      const before = analyze(d);
      assert.deepEqual(scaleKeys(before), ['R16 /cat/Concat']);
      const f = r16(before)[0]!;
      assert.equal(f.fix!.title, 'Use scale 0.1, the scale of network input "xq" (part of the model\'s interface, so it stays), for every quantizer around /cat/Concat; it is smaller than the largest scale there (0.2): larger values clip');
      assert.deepEqual(f.data.pinned, [{ node: '/xq/DequantizeLinear', tensor: 'xq', side: 'input', scale: Math.fround(0.1) }]);
      const a = applyEdit(d, how === 'fix' ? { kind: 'applyFix', fix: f.fix! } : how === 'unifyConcat' ? { kind: 'unifyConcat', node: '/cat/Concat' } : { kind: 'unifyScales', nodes: set });
      if (how !== 'fix') {
        assert.match(a.message, /now use scale 0\.1(\d*) \(the scale of network input "xq", which is part of the model's interface\)/);
        assert.match(a.message, /smaller than the largest scale they had \(0\.2\d*\): values beyond it clip/);
      }
      const after = redecode(d);
      for (const n of set) assert.equal(scaleOf(after, n), Math.fround(0.1), `${how}: ${n}`);
      assert.deepEqual(scaleKeys(analyze(after)), [], how);
    }
  });

  test('network input and graph output on the same scale: that scale for the whole set', () => {
    const { d, set } = pinnedModel({ inScale: 0.1, outScale: 0.1, outputQ: true });
    const f = r16(analyze(d))[0]!;
    assert.equal(f.fix!.title, 'Use scale 0.1, the scale of network input "xq" and graph output "cat_q" (part of the model\'s interface, so it stays), for every quantizer around /cat/Concat; it is smaller than the largest scale there (0.2): larger values clip');
    const a = applyEdit(d, { kind: 'unifyConcat', node: '/cat/Concat' });
    assert.match(a.message, /the scale of network input "xq" and graph output "cat_q", which is part of the model's interface/);
    for (const n of set) assert.equal(scaleOf(redecode(d), n), Math.fround(0.1), n);
  });

  test('a pinned scale that is the largest: no clipping note', () => {
    const { d, set } = pinnedModel({ inScale: 0.4, outScale: 0.2 });
    const f = r16(analyze(d))[0]!;
    assert.equal(f.fix!.title, 'Use scale 0.4, the scale of network input "xq" (part of the model\'s interface, so it stays), for every quantizer around /cat/Concat; the finest scale there (0.2) becomes 2.0× coarser: re-calibrate or fine-tune after');
    const a = applyEdit(d, { kind: 'applyFix', fix: f.fix! });
    assert.doesNotMatch(a.message, /clip/);
    for (const n of set) assert.equal(scaleOf(redecode(d), n), Math.fround(0.4), n);
  });

  test('network input and graph output on different scales: refused naming both; the R16 finding has no fix', () => {
    const { d, set } = pinnedModel({ inScale: 0.1, outScale: 0.2, outputQ: true });
    const f = r16(analyze(d))[0]!;
    assert.equal(f.fix, undefined);
    assert.match(f.message, /No quick fix: network input "xq" \(scale 0\.1\) and graph output "cat_q" \(scale 0\.2\) are part of the model's interface and their scales differ\./);
    for (const r of [{ kind: 'unifyConcat' as const, node: '/cat/Concat' }, { kind: 'unifyScales' as const, nodes: set }]) {
      assert.throws(() => applyEdit(d, r), (e: Error) => e instanceof EditError && /cannot unify: network input "xq" \(scale 0\.1\d*, \/xq\/DequantizeLinear\) and graph output "cat_q" \(scale 0\.2\d*, \/out\/QuantizeLinear\) are part of the model's interface and their scales differ/.test(e.message), JSON.stringify(r));
    }
  });

  test('R15: an INT8 network input\'s DQ across a MaxPool to a Q at another scale: the fix keeps the input\'s scale', () => {
    const { b } = start();
    const xq = b.input('xq', 'INT8', [1, 16, 8, 8]);
    const s = b.initializer('xq_scale', 'FLOAT', [], float32Payload([0.1]));
    const [dqOut] = b.node('DequantizeLinear', [xq, s], [{ dtype: 'FLOAT', shape: [1, 16, 8, 8] }], { scope: '/xq' });
    const mp = op(b, 'MaxPool', [dqOut!], '/mp', { attrs: { kernel_shape: [1, 1] } });
    const q = qdq(b, mp.out, { scope: '/q', scale: 0.2 });
    b.output(conv(b, q.out, { scope: '/c', cout: 16 }).out);
    const d = decodeModel(new MemorySource(b.toBytes(), 'r15.onnx'));
    const r15 = analyze(d).findings.filter((f) => f.ruleId === 'R15');
    assert.equal(r15.length, 1);
    assert.equal(r15[0]!.fix!.title, 'Use scale 0.1, the scale of network input "xq" (part of the model\'s interface, so it stays), on both sides; it is smaller than the largest scale there (0.2): larger values clip');
    applyEdit(d, { kind: 'applyFix', fix: r15[0]!.fix! });
    assert.equal(scaleOf(d, q.q), Math.fround(0.1));
    assert.deepEqual(scaleKeys(analyze(redecode(d))), []);
  });

  test('an explicit scale other than the pinned one is refused; the pinned value itself applies', () => {
    const { d } = pinnedModel({ inScale: 0.1, outScale: 0.2 });
    assert.throws(() => applyEdit(d, { kind: 'unifyConcat', node: '/cat/Concat', mode: 'value', scale: 0.2 }), /scale 0\.2 would change the scale of network input "xq" \(0\.1\d*, \/xq\/DequantizeLinear\), part of the model's interface/);
    assert.doesNotThrow(() => applyEdit(d, { kind: 'unifyConcat', node: '/cat/Concat', mode: 'value', scale: Math.fround(0.1) }));
  });
});

const real = sharedModels().find((f) => path.basename(f) === 'yolov9t-qat.onnx');
describe('the real yolov9t-qat.onnx with a neck Concat\'s output quantizer made a graph output', { skip: real ? false : 'shared corpus absent: yolov9t-qat.onnx not found, the real-model pinned-scale case is skipped' }, () => {
  test('the R16 fix and unifyConcat keep that quantizer\'s scale for the whole set', () => {
    for (const how of ['fix', 'unifyConcat'] as const) {
      const d = decodeModel(new MemorySource(fs.readFileSync(real!), real!), { file: real! });
      const concat = '/model.11/concatop/Concat';
      const g = graphOf(d);
      const cat = g.node.find((n) => n.name === concat)!;
      // The Q reading the Concat output (directly or through commuting ops): take the finding's last node.
      const f0 = r16(analyze(d)).find((f) => f.nodes[0] === concat)!;
      const q = g.node.find((n) => n.name === f0.nodes.at(-1) && n.opType === 'QuantizeLinear');
      assert.ok(q, `a Q after ${concat}: ${f0.nodes.join(', ')}`);
      assert.ok(cat.output[0]);
      const pinnedScale = scaleOf(d, q.name);
      const out: ValueInfo = { name: q.output[0]!, docString: '', metadataProps: [] };
      new Journal().set(g, 'output', [...g.output, out]);
      const f = r16(analyze(d)).find((x) => x.nodes[0] === concat)!;
      assert.match(f.fix!.title, new RegExp(`the scale of graph output "${q.output[0]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
      const a = applyEdit(d, how === 'fix' ? { kind: 'applyFix', fix: f.fix! } : { kind: 'unifyConcat', node: concat });
      assert.equal(scaleOf(d, q.name), pinnedScale, how);
      for (const n of a.nodes) assert.equal(scaleOf(d, n), pinnedScale, `${how}: ${n}`);
      assert.ok(!analyze(d).findings.some((x) => x.ruleId === 'R16' && x.nodes[0] === concat), `${how}: the R16 at ${concat} is gone`);
    }
  });
});

/**
 * A quantized conv whose output goes to the Q/DQ of a conv after it (`/a`, scale `a`) and to Qs
 * whose outputs are graph outputs (`/o<k>`, scales `outs`, outputs `y<k>`): R19 (scales differ).
 */
function r19Model(a: number, outs: number[]): { d: DecodedModel; conv: string; qs: string[] } {
  const { b, x } = start();
  const c1 = qconv(b, x, '/c1', { scale: 0.05, cout: 16 });
  const qa = qdq(b, c1.out, { scope: '/a', scale: a });
  b.output(conv(b, qa.out, { scope: '/c2', cout: 16 }).out);
  const qs = [qa.q, qa.dq];
  outs.forEach((s, k) => {
    const o = qdq(b, c1.out, { scope: `/o${k}`, scale: s, qOnly: true });
    b.output(o.out, `y${k}`);
    qs.push(o.q);
  });
  return { d: decodeModel(new MemorySource(b.toBytes(), 'r19.onnx')), conv: c1.conv, qs };
}
const r19 = (r: AnalysisReport): Finding[] => r.findings.filter((f) => f.ruleId === 'R19' && f.severity === 'warning');

describe('R19 (the Qs after one conv) with a Q writing a graph output', () => {
  test('the fix takes the graph output\'s scale, says why and that larger values clip, and applies', () => {
    const { d, conv: c, qs } = r19Model(0.3, [0.1]);
    const f = r19(analyze(d))[0]!;
    assert.equal(f.nodes[0], c);
    assert.equal(f.fix!.title, `Use one scale (0.1), the scale of graph output "y0" (part of the model's interface, so it stays), for every Q reading the output of ${c}; it is smaller than the largest scale there (0.3): larger values clip`);
    assert.equal(f.fix!.recalibrate, undefined);
    assert.deepEqual(f.data.pinned, [{ node: '/o0/QuantizeLinear', tensor: 'y0', side: 'output', scale: Math.fround(0.1) }]);
    applyEdit(d, { kind: 'applyFix', fix: f.fix! });
    const after = redecode(d);
    for (const n of qs) assert.equal(scaleOf(after, n), Math.fround(0.1), n);
    assert.deepEqual(r19(analyze(after)), []);
  });

  test('a pinned scale at least twice the finest: the coarser note and re-calibration stay', () => {
    const { d, conv: c } = r19Model(0.1, [0.3]);
    const f = r19(analyze(d))[0]!;
    assert.equal(f.fix!.title, `Use one scale (0.3), the scale of graph output "y0" (part of the model's interface, so it stays), for every Q reading the output of ${c}; the finest scale there (0.1) becomes 3.0× coarser: re-calibrate or fine-tune after`);
    assert.equal(f.fix!.recalibrate, true);
    assert.doesNotThrow(() => applyEdit(d, { kind: 'applyFix', fix: f.fix! }));
  });

  test('two graph-output Qs on different scales: no fix, the message says why', () => {
    const { d } = r19Model(0.3, [0.1, 0.2]);
    const f = r19(analyze(d))[0]!;
    assert.equal(f.fix, undefined);
    assert.match(f.message, / No quick fix: graph output "y0" \(scale 0\.1\) and graph output "y1" \(scale 0\.2\) are part of the model's interface and their scales differ\.$/);
    assert.equal((f.data.pinned as unknown[]).length, 2);
  });

  test('no pinned Q: the largest scale, with the coarser note', () => {
    const { b, x } = start();
    const c1 = qconv(b, x, '/c1', { scale: 0.05, cout: 16 });
    for (const [k, s] of [0.1, 0.3].entries()) b.output(conv(b, qdq(b, c1.out, { scope: `/q${k}`, scale: s }).out, { scope: `/c${k}`, cout: 16 }).out);
    const d = decodeModel(new MemorySource(b.toBytes(), 'r19free.onnx'));
    const f = r19(analyze(d))[0]!;
    assert.equal(f.fix!.title, `Use one scale (0.3) for every Q reading the output of ${c1.conv}; the finest scale there (0.1) becomes 3.0× coarser: re-calibrate or fine-tune after`);
    assert.equal(f.fix!.recalibrate, true);
    assert.equal(f.data.pinned, undefined);
  });
});

describe('two DequantizeLinears reading one INT8 network input', () => {
  /** xq → DQ(s0) and xq → DQ(s1), both into /cat, whose output Q/DQ (scale 0.2) feeds a conv. */
  function twoDqs(s0: number, s1: number): { d: DecodedModel; set: string[] } {
    const { b } = start();
    const xq = b.input('xq', 'INT8', [1, 16, 8, 8]);
    const dqs = [s0, s1].map((s, k) => {
      const scale = b.initializer(`xq_scale${k}`, 'FLOAT', [], float32Payload([s]));
      const [out] = b.node('DequantizeLinear', [xq, scale], [{ dtype: 'FLOAT', shape: [1, 16, 8, 8] }], { scope: `/xq${k}` });
      return { out: out!, name: b.producerOf(out!)!.name };
    });
    const cat = op(b, 'Concat', dqs.map((x) => x.out), '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    const q = qdq(b, cat.out, { scope: '/out', scale: 0.2 });
    b.output(conv(b, q.out, { scope: '/c', cout: 16 }).out);
    return { d: decodeModel(new MemorySource(b.toBytes(), 'twodq.onnx')), set: [...dqs.map((x) => x.name), q.q, q.dq] };
  }

  test('different scales: the R16 finding has no fix and the unify is refused naming the input, as the analysis says', () => {
    const { d, set } = twoDqs(0.1, 0.2);
    const f = r16(analyze(d))[0]!;
    assert.equal(f.fix, undefined);
    assert.match(f.message, /No quick fix: network input "xq" \(scales 0\.1 and 0\.2\) are part of the model's interface and their scales differ\./);
    for (const r of [{ kind: 'unifyConcat' as const, node: '/cat/Concat' }, { kind: 'unifyScales' as const, nodes: set }]) {
      assert.throws(
        () => applyEdit(d, r),
        (e: Error) => e instanceof EditError && /cannot unify: network input "xq" \(scale 0\.1\d*, \/xq0\/DequantizeLinear\) and network input "xq" \(scale 0\.2\d*, \/xq1\/DequantizeLinear\) are part of the model's interface and their scales differ/.test(e.message),
        JSON.stringify(r),
      );
    }
    assert.equal(scaleOf(redecode(d), set[1]!), Math.fround(0.2), 'unchanged');
  });

  test('equal scales: pinned, the set takes that scale (fix and unify alike)', () => {
    for (const how of ['fix', 'unifyConcat'] as const) {
      const { d, set } = twoDqs(0.1, 0.1);
      const f = r16(analyze(d))[0]!;
      assert.match(f.fix!.title, /^Use scale 0\.1, the scale of network input "xq" \(part of the model's interface, so it stays\),/);
      const a = applyEdit(d, how === 'fix' ? { kind: 'applyFix', fix: f.fix! } : { kind: 'unifyConcat', node: '/cat/Concat' });
      if (how === 'unifyConcat') assert.match(a.message, /the scale of network input "xq", which is part of the model's interface/);
      for (const n of set) assert.equal(scaleOf(redecode(d), n), Math.fround(0.1), `${how}: ${n}`);
    }
  });
});
