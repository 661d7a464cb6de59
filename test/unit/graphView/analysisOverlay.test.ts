/**
 * The analysis overlay's tooltips for fusion groups: who is fused into whom follows the analysis's
 * root (`fusedInto`, the node TensorRT names the layer after), not the layer order, for groups of
 * any size; over the listing bound (MAX_FUSED_LISTED) the root lists every Q/DQ it absorbs and 100
 * other nodes, every other member only the root (`fusedWithMore`), and every listed Q/DQ node gets
 * its colour; a root's tooltip bullets at most 100 of them.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_FUSED_LISTED } from '../../../src/core/analysis/predict';
import { analysisOverlay } from '../../../src/editor/analysisOverlay';
import { analyze, ModelBuilder, qconv, qdq, quantizedSum, start, type TensorRef } from '../analysis/kit';

/** `n` float Relus in a chain from a new input; returns the chain's output and its node names. */
function reluChain(b: ModelBuilder, prefix: string, n: number): { out: TensorRef; names: string[] } {
  let t = b.input(`${prefix}_in`, 'FLOAT', [1, 4]);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    [t] = b.node('Relu', [t], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: `/${prefix}${i}`, name: `${prefix}${i}` }) as [TensorRef];
    names.push(`${prefix}${i}`);
  }
  return { out: t, names };
}

const tooltip = (o: ReturnType<typeof analysisOverlay>, name: string): string => o.nodes[name]?.tooltip ?? '';

describe('analysis overlay: fusion groups within the listing bound', () => {
  test('a group whose root comes later in the layer order: the tooltips name the root the analysis names the layer after', () => {
    // Two float chains of 3 joined by a Max: one group of 7 (every member lists the 6 others), whose
    // root is b0, after a0 … a2 in the layer order.
    const b = new ModelBuilder();
    const a = reluChain(b, 'a', 3);
    const c = reluChain(b, 'b', 3);
    const [y] = b.node('Max', [a.out, c.out], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/max', name: 'max' });
    b.output(y!, 'y');
    const r = analyze(b);
    const members = [...a.names, ...c.names, 'max'];
    assert.ok(r.layers.findIndex((l) => l.node === 'a0') < r.layers.findIndex((l) => l.node === 'b0'), 'a0 comes before the root b0');
    for (const m of members.filter((x) => x !== 'b0')) assert.equal(r.layers.find((l) => l.node === m)!.fusedInto, 'b0', `the analysis fuses ${m} into b0`);
    const o = analysisOverlay(r);
    const [head, ...bullets] = tooltip(o, 'b0').split('\n');
    assert.equal(head, 'Predicted FP16, 6 nodes fused into it:');
    assert.deepEqual(bullets.sort(), members.filter((x) => x !== 'b0').map((m) => `•\u00a0${m}`).sort());
    for (const m of members.filter((x) => x !== 'b0')) assert.equal(tooltip(o, m), 'Predicted FP16, fused into b0', m);
  });

  test('a quantized conv group: the Conv is the root; its SiLU says fused into it, its Q/DQ nodes are coloured by it', () => {
    const { b, x } = start();
    const c = qconv(b, x, '/c0');
    const out = qdq(b, c.out, { scope: '/out', scale: 0.1 });
    b.output(out.out, 'y');
    const r = analyze(b);
    const root = r.layers.find((l) => l.node === c.conv)!;
    assert.equal(root.precision, 'INT8');
    assert.equal(root.fusedInto, undefined, 'the root is fused into nothing');
    const epilogue = r.layers.filter((l) => l.node !== c.conv);
    assert.deepEqual(epilogue.map((l) => l.opType), ['Sigmoid', 'Mul']);
    for (const l of epilogue) assert.equal(l.fusedInto, c.conv, l.node);
    const o = analysisOverlay(r);
    assert.match(tooltip(o, c.conv), /^Predicted INT8, 6 nodes fused into it:/);
    for (const l of epilogue) assert.equal(tooltip(o, l.node), `Predicted INT8, fused into ${c.conv}`, l.node);
    for (const q of [c.input.dq, out.q]) assert.equal(tooltip(o, q), `Fused into ${c.conv} (INT8)`, q);
  });
});

describe('analysis overlay: fusion groups over the listing bound', () => {
  test('a group whose root comes later in the layer order: every member says it is fused into the root, the root that they are fused into it', () => {
    // Two float chains joined by a Max: the second chain's group takes the first (and the Max), so
    // its root b0 comes after a0 … a59 in the layer order.
    const b = new ModelBuilder();
    const a = reluChain(b, 'a', 60);
    const c = reluChain(b, 'b', 60);
    const [y] = b.node('Max', [a.out, c.out], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/max', name: 'max' });
    b.output(y!, 'y');
    const r = analyze(b);
    const members = [...a.names, ...c.names, 'max'];
    const root = r.layers.find((l) => l.fusedWithMore !== undefined && l.fusedWith.length > 1)!;
    assert.equal(root.node, 'b0', 'the analysis names the group after b0');
    assert.ok(r.layers.findIndex((l) => l.node === 'a0') < r.layers.findIndex((l) => l.node === 'b0'), 'a0 comes before the root b0');
    const o = analysisOverlay(r);
    assert.match(tooltip(o, 'b0'), new RegExp(`^Predicted FP16, ${members.length - 1} nodes fused into it:`));
    assert.match(tooltip(o, 'b0'), new RegExp(`… and ${members.length - 1 - MAX_FUSED_LISTED} more`));
    for (const m of members.filter((x) => x !== 'b0')) assert.equal(tooltip(o, m), 'Predicted FP16, fused into b0', m);
  });

  test('a quantized Sum of 101 inputs: the root lists all 102 others (every Q/DQ it absorbs); each is coloured and says it is fused into the Sum, none says it is a root', () => {
    const { b, out } = quantizedSum(101);
    b.node('Relu', [out.out], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/post', name: 'post' });
    b.output(b.tensor('post_output_0'), 'y');
    const r = analyze(b);
    const sum = r.layers.find((l) => l.node === 'sum')!;
    assert.equal(sum.precision, 'INT8');
    assert.equal(sum.fusedWith.length, 102);
    assert.equal(sum.fusedWithMore, undefined, 'every other node named: no fusedWithMore');
    const o = analysisOverlay(r);
    assert.match(tooltip(o, 'sum'), /^Predicted INT8, 102 nodes fused into it:/);
    for (const f of sum.fusedWith) {
      assert.equal(o.nodes[f]?.key, 'INT8', `${f} is coloured as its layer`);
      assert.equal(tooltip(o, f), 'Fused into sum (INT8)', f);
    }
  });

  test('a quantized Sum of 101 inputs: the Q/DQ nodes past the first 100 are coloured too', () => {
    const { b, out } = quantizedSum(101);
    b.output(out.out, 'y');
    const o = analysisOverlay(analyze(b));
    for (const name of ['/in100/DequantizeLinear', out.q]) assert.equal(o.nodes[name]?.key, 'INT8', name);
  });
});

describe('analysis overlay: a root that absorbs thousands of Q/DQ', () => {
  test('a Sum of 2,000 quantized inputs: the tooltip bullets 100 and says how many more; all 2,001 Q/DQ are coloured', () => {
    const k = 2000;
    const { b, out } = quantizedSum(k);
    b.output(out.out, 'y');
    const r = analyze(b);
    const sum = r.layers.find((l) => l.node === 'sum')!;
    assert.equal(sum.fusedWith.length, k + 1, 'the analysis names every Q/DQ the Sum absorbs');
    assert.equal(sum.fusedWithMore, undefined, 'none left unnamed: no fusedWithMore');
    const o = analysisOverlay(r);
    const lines = tooltip(o, 'sum').split('\n');
    assert.equal(lines[0], `Predicted INT8, ${k + 1} nodes fused into it:`);
    assert.equal(lines.length, 1 + 100 + 1, 'a header, 100 bullets and the rest counted');
    assert.equal(lines.at(-1), `•\u00a0… and ${k + 1 - 100} more`);
    for (const name of ['/in0/DequantizeLinear', `/in${k - 1}/DequantizeLinear`, out.q]) assert.equal(o.nodes[name]?.key, 'INT8', name);
  });
});
