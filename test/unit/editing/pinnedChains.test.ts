/**
 * Pinned quantizers through shape-only ops. A DequantizeLinear whose input is an INT8 network input
 * reshaped (Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity: they hand the INT8 values on
 * unchanged), or a QuantizeLinear whose output reaches a graph output through such ops, is as much
 * part of the model's interface as a direct one: the application still quantizes or dequantizes
 * those values with its scale. The R15/R16/R19 fixes and the unify edits keep that scale.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel, type AnalysisReport, type Finding } from '../../../src/core/analysis/index';
import { interfaceOf, type InterfaceLinks } from '../../../src/core/analysis/scaleShare';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { applyEdit, EditError } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, readTensorValues, type DecodedModel, type Node } from '../../../src/core/onnx/index';
import { float32Payload, int64Payload, quantPayload } from '../../support/builder/weights';
import { conv, op, qdq, start, type ModelBuilder, type TensorRef } from '../analysis/kit';
import { graphOf, redecode } from './kit';

const analyze = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const byRule = (r: AnalysisReport, id: string): Finding[] => r.findings.filter((f) => f.ruleId === id);

function scaleOf(d: DecodedModel, name: string): number {
  const g = graphOf(d);
  const n = g.node.find((x) => x.name === name)!;
  const t = g.initializer.find((i) => i.name === n.input[1]);
  return Number(readTensorValues(d, t!)[0]);
}

type ShapeOp = 'Reshape' | 'Flatten' | 'Squeeze' | 'Unsqueeze' | 'Transpose' | 'Identity';

let serial = 0;
/** `x` through the given shape-only ops (values unchanged; the shapes are nominal). */
function chain(b: ModelBuilder, x: TensorRef, ops: readonly ShapeOp[], scope: string): TensorRef {
  let t = x;
  for (const kind of ops) {
    const s = `${scope}/${kind}${serial++}`;
    switch (kind) {
      case 'Reshape':
        t = op(b, 'Reshape', [t, b.initializer(`${s}/shape`, 'INT64', [4], int64Payload(t.shape))], s).out;
        break;
      case 'Unsqueeze':
        t = op(b, 'Unsqueeze', [t, b.initializer(`${s}/axes`, 'INT64', [1], int64Payload([0]))], s, { shape: [1, ...t.shape] }).out;
        break;
      case 'Squeeze':
        t = op(b, 'Squeeze', [t, b.initializer(`${s}/axes`, 'INT64', [1], int64Payload([0]))], s, { shape: t.shape.slice(1) }).out;
        break;
      case 'Transpose':
        t = op(b, 'Transpose', [t], s, { attrs: { perm: [0, 1, 3, 2] } }).out;
        break;
      case 'Flatten':
        t = op(b, 'Flatten', [t], s, { attrs: { axis: 1 }, shape: [t.shape[0]!, t.shape.slice(1).reduce((a, c) => a * c, 1)] }).out;
        break;
      case 'Identity':
        t = op(b, 'Identity', [t], s).out;
        break;
    }
  }
  return t;
}

/** A DQ(scale) reading the INT8 network input `xq` through `via`. */
function inputDq(b: ModelBuilder, scale: number, via: readonly ShapeOp[]): { dq: string; out: TensorRef } {
  const xq = b.input('xq', 'INT8', [1, 16, 8, 8]);
  const s = b.initializer('xq_scale', 'FLOAT', [], float32Payload([scale]));
  const zp = b.initializer('xq_zero_point', 'INT8', [], quantPayload('INT8', [0]));
  const [out] = b.node('DequantizeLinear', [chain(b, xq, via, '/in'), s, zp], [{ dtype: 'FLOAT', shape: [1, 16, 8, 8] }], { scope: '/xq' });
  return { dq: b.producerOf(out!)!.name, out: out! };
}

interface ConcatModel {
  d: DecodedModel;
  /** Every Q/DQ of the scale-sharing set around /cat/Concat. */
  set: string[];
  /** The pinned quantizers. */
  pinned: string[];
}

/**
 * Concat of input 0 and Q/DQ(0.2)(images), then Q/DQ(0.2) → Conv. Input 0 is, with `input`, a DQ of
 * the INT8 network input `xq` through `input.via`; else Q/DQ(0.1)(images). With `output`, the Q of
 * input 0 (absent with `input`: then the Concat's output Q) also writes, through `output.via`, the
 * graph output `side_q`.
 */
function concatModel(o: { input?: { scale: number; via: readonly ShapeOp[] }; output?: { via: readonly ShapeOp[]; dequantized?: boolean } }): ConcatModel {
  const { b, x } = start();
  const pinned: string[] = [];
  const set: string[] = [];
  let in0: TensorRef;
  let in0Q: TensorRef | undefined;
  if (o.input) {
    const dq = inputDq(b, o.input.scale, o.input.via);
    in0 = dq.out;
    set.push(dq.dq);
    pinned.push(dq.dq);
  } else {
    const p = qdq(b, x, { scope: '/in0', scale: 0.1 });
    in0 = p.out;
    in0Q = b.tensor(`${p.q}_output_0`);
    set.push(p.q, p.dq);
    if (o.output) pinned.push(p.q);
  }
  const in1 = qdq(b, x, { scope: '/in1', scale: 0.2 });
  const cat = op(b, 'Concat', [in0, in1.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
  const out = qdq(b, cat.out, { scope: '/out', scale: 0.2 });
  set.push(in1.q, in1.dq, out.q, out.dq);
  b.output(conv(b, out.out, { scope: '/c', cout: 16 }).out);
  if (o.output) {
    let from = in0Q;
    if (!from) {
      from = b.tensor(`${out.q}_output_0`);
      pinned.push(out.q);
    }
    if (o.output.dequantized) {
      // Q → DQ → shape-only ops → graph output: a float output, nothing pinned by it.
      const [dq] = b.node('DequantizeLinear', [from, b.initializer('side_scale', 'FLOAT', [], float32Payload([0.1]))], [{ dtype: 'FLOAT', shape: from.shape }], { scope: '/side' });
      from = dq!;
      pinned.pop();
    }
    b.output(chain(b, from, o.output.via, '/side'), 'side_q');
  }
  return { d: decodeModel(new MemorySource(b.toBytes(), 'chain.onnx')), set, pinned };
}

const CHAINS: readonly (readonly ShapeOp[])[] = [['Identity'], ['Reshape'], ['Transpose'], ['Unsqueeze', 'Squeeze'], ['Reshape', 'Identity', 'Transpose']];

describe('a quantizer reaching the model interface through shape-only ops is pinned', () => {
  test('INT8 network input → shape-only ops → DQ: the R16 fix and unifyConcat keep its scale (0.1, below the output scale 0.2)', () => {
    for (const via of CHAINS) {
      const { d, set, pinned } = concatModel({ input: { scale: 0.1, via } });
      const f = byRule(analyze(d), 'R16')[0];
      assert.ok(f?.fix, `${via}: an R16 finding with a fix`);
      assert.match(f.fix.title, /^Use scale 0\.1, the scale of network input "xq" \(part of the model's interface, so it stays\)/, `${via}`);
      assert.deepEqual(f.data.pinned, [{ node: pinned[0], tensor: 'xq', side: 'input', scale: Math.fround(0.1) }], `${via}`);
      const a = applyEdit(d, { kind: 'unifyConcat', node: '/cat/Concat' });
      assert.match(a.message, /the scale of network input "xq", which is part of the model's interface/, `${via}`);
      const after = redecode(d);
      for (const n of set) assert.equal(scaleOf(after, n), Math.fround(0.1), `${via}: ${n}`);
    }
  });

  test('Q → shape-only ops → graph output: the R16 fix and unifyConcat keep its scale', () => {
    for (const via of [...CHAINS, ['Flatten'], ['Transpose', 'Flatten', 'Unsqueeze']] as const) {
      const { d, set } = concatModel({ output: { via } });
      const f = byRule(analyze(d), 'R16')[0];
      assert.ok(f?.fix, `${via}: an R16 finding with a fix`);
      assert.match(f.fix.title, /^Use scale 0\.1, the scale of graph output "side_q" \(part of the model's interface, so it stays\)/, `${via}`);
      assert.deepEqual(f.data.pinned, [{ node: '/in0/QuantizeLinear', tensor: 'side_q', side: 'output', scale: Math.fround(0.1) }], `${via}`);
      applyEdit(d, { kind: 'applyFix', fix: f.fix });
      const after = redecode(d);
      for (const n of set) assert.equal(scaleOf(after, n), Math.fround(0.1), `${via}: ${n}`);
    }
  });

  test('pinned through shape-only ops on both sides with different scales: no fix, and the unify is refused naming both', () => {
    const { d, set } = concatModel({ input: { scale: 0.1, via: ['Reshape'] }, output: { via: ['Flatten'] } });
    const f = byRule(analyze(d), 'R16')[0]!;
    assert.equal(f.fix, undefined);
    assert.match(f.message, /No quick fix: network input "xq" \(scale 0\.1\) and graph output "side_q" \(scale 0\.2\) are part of the model's interface and their scales differ\./);
    for (const r of [{ kind: 'unifyConcat' as const, node: '/cat/Concat' }, { kind: 'unifyScales' as const, nodes: set }]) {
      assert.throws(() => applyEdit(d, r), (e: Error) => e instanceof EditError && /cannot unify: network input "xq" \(scale 0\.1\d*, \/xq\/DequantizeLinear\) and graph output "side_q" \(scale 0\.2\d*, \/out\/QuantizeLinear\)/.test(e.message), r.kind);
    }
  });

  test('a Q whose DQ output reaches a graph output (a float output) is not pinned: the fix takes the Concat output scale', () => {
    const { d, set } = concatModel({ output: { via: ['Reshape'], dequantized: true } });
    const f = byRule(analyze(d), 'R16')[0]!;
    assert.equal(f.data.pinned, undefined);
    assert.match(f.fix!.title, /^Use scale 0\.2 for every quantizer around \/cat\/Concat/);
    applyEdit(d, { kind: 'applyFix', fix: f.fix! });
    for (const n of set) assert.equal(scaleOf(redecode(d), n), Math.fround(0.2), n);
  });

  test('R19: of the Qs reading a conv output, one writing a graph output through Transpose and Squeeze sets the scale', () => {
    const { b, x } = start();
    const inq = qdq(b, x, { scope: '/c1/_input_quantizer', scale: 0.05 });
    const c1 = conv(b, inq.out, { scope: '/c1', cout: 16 });
    const q1 = qdq(b, c1.out, { scope: '/q1', scale: 0.2 });
    b.output(conv(b, q1.out, { scope: '/c2', cout: 16 }).out);
    const q2 = qdq(b, c1.out, { scope: '/q2', scale: 0.1, qOnly: true });
    b.output(chain(b, q2.out, ['Unsqueeze', 'Transpose', 'Squeeze'], '/head'), 'head');
    const d = decodeModel(new MemorySource(b.toBytes(), 'r19.onnx'));
    const f = byRule(analyze(d), 'R19').find((x) => x.severity === 'warning')!;
    assert.ok(f.fix, f.message);
    assert.match(f.fix.title, /^Use one scale \(0\.1\), the scale of graph output "head" \(part of the model's interface, so it stays\), for every Q reading the output of \/c1\/Conv/);
    assert.deepEqual(f.data.pinned, [{ node: q2.q, tensor: 'head', side: 'output', scale: Math.fround(0.1) }]);
    // The edit layer follows the same rule: another explicit scale is refused.
    assert.throws(() => applyEdit(d, { kind: 'unifyScales', nodes: [q1.q, q1.dq, q2.q], scale: 0.2 }), /scale 0\.2 would change the scale of graph output "head"/);
    applyEdit(d, { kind: 'applyFix', fix: f.fix });
    for (const n of [q1.q, q1.dq, q2.q]) assert.equal(scaleOf(redecode(d), n), Math.fround(0.1), n);
  });
});

describe('interfaceOf follows shape-only chains, remembering what it walked', () => {
  /** Links over a node list, counting producer lookups. */
  function linksOf(nodes: Node[], inputs: string[], outputs: string[]): InterfaceLinks & { lookups: number } {
    const producer = new Map<string, Node>();
    const readers = new Map<string, Node[]>();
    for (const n of nodes) {
      for (const o of n.output) producer.set(o, n);
      for (const i of n.input) readers.set(i, [...(readers.get(i) ?? []), n]);
    }
    const links = {
      lookups: 0,
      isNetworkInput: (t: string) => inputs.includes(t),
      isGraphOutput: (t: string) => outputs.includes(t),
      producerOf: (t: string) => {
        links.lookups++;
        return producer.get(t);
      },
      readersOf: (t: string) => readers.get(t) ?? [],
    };
    return links;
  }
  const node = (opType: string, input: string[], output: string[], domain = ''): Node => ({ opType, input, output, domain, name: '', attribute: [] }) as unknown as Node;

  test('a long Identity chain is walked once for many DQs (no recursion, memoised); another domain or op stops it', () => {
    const n = 20000;
    const nodes: Node[] = [];
    for (let i = 0; i < n; i++) nodes.push(node('Identity', [`t${i}`], [`t${i + 1}`]));
    const dqs = Array.from({ length: 50 }, (_, k) => node('DequantizeLinear', [`t${n}`, 's'], [`y${k}`]));
    const links = linksOf([...nodes, ...dqs], ['t0'], []);
    for (const dq of dqs) assert.deepEqual(interfaceOf(links, dq), { tensor: 't0', side: 'input' });
    assert.ok(links.lookups <= n + 1, `producer lookups ${links.lookups} for a chain of ${n}`);
    // A custom-domain Identity or a Relu is not shape-only.
    for (const stop of [node('Identity', ['a'], ['b'], 'com.example'), node('Relu', ['a'], ['b'])]) {
      const l = linksOf([stop, node('DequantizeLinear', ['b', 's'], ['y'])], ['a'], []);
      assert.equal(interfaceOf(l, node('DequantizeLinear', ['b', 's'], ['y'])), undefined, stop.opType);
    }
  });

  test('forward: a Q output read as a Reshape\'s shape input is not carried on; a cycle ends', () => {
    const q = node('QuantizeLinear', ['x', 's'], ['q']);
    const shapeUse = node('Reshape', ['data', 'q'], ['r']);
    assert.equal(interfaceOf(linksOf([q, shapeUse], [], ['r']), q), undefined);
    const loopA = node('Identity', ['q'], ['a']);
    const loopB = node('Identity', ['a'], ['q']);
    assert.equal(interfaceOf(linksOf([q, loopA, loopB], [], []), q), undefined);
    const back = linksOf([loopA, loopB], ['z'], []);
    assert.equal(interfaceOf(back, node('DequantizeLinear', ['a', 's'], ['y'])), undefined);
  });
});
