/**
 * The layered layout on small hand-made graphs (chain, diamond, cycles, duplicates, isolated nodes,
 * the dummy budget), on seeded random DAGs, and on a 50,000-node detector-shaped graph: no
 * overlaps, edges downward, monotone bends, deterministic, no stack overflow.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LayoutInput, layeredLayout } from '../../../src/core/layout/index';
import { assertLayoutValid, prng } from './layoutChecks';

function graph(n: number, edges: [number, number][], size: (v: number) => [number, number] = () => [80, 30]): LayoutInput {
  return {
    nodeCount: n,
    sources: edges.map((e) => e[0]),
    targets: edges.map((e) => e[1]),
    widths: Array.from({ length: n }, (_, v) => size(v)[0]),
    heights: Array.from({ length: n }, (_, v) => size(v)[1]),
  };
}

/**
 * A detector-like DAG: a backbone of `blocks` blocks of 6 nodes, each Conv-Sigmoid-Mul (the SiLU
 * skip), a residual Add around it, a side branch joining a Concat, and every 10th block's Concat
 * tapped by a neck Concat at the end.
 */
function detectorLike(blocks: number, seed = 1): LayoutInput {
  const rnd = prng(seed);
  const edges: [number, number][] = [];
  const widths: number[] = [];
  let n = 0;
  const node = (w = 40 + Math.floor(rnd() * 100)): number => {
    widths.push(w);
    return n++;
  };
  let x = node();
  const taps: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const conv = node();
    const sig = node(70);
    const mul = node(48);
    edges.push([x, conv], [conv, sig], [conv, mul], [sig, mul]);
    const add = node(48);
    edges.push([x, add], [mul, add]);
    const side = node();
    const cat = node(60);
    edges.push([add, side], [add, cat], [side, cat]);
    if (b % 10 === 9) taps.push(cat);
    x = cat;
  }
  const neck = node(60);
  for (const t of taps) edges.push([t, neck]);
  edges.push([x, neck]);
  return { nodeCount: n, sources: edges.map((e) => e[0]), targets: edges.map((e) => e[1]), widths, heights: widths.map(() => 30) };
}

function randomDag(seed: number, n: number, density: number): LayoutInput {
  const rnd = prng(seed);
  const edges: [number, number][] = [];
  for (let v = 1; v < n; v++) {
    const k = 1 + Math.floor(rnd() * density);
    for (let i = 0; i < k; i++) {
      // mostly near predecessors, sometimes far back (long edges)
      const back = rnd() < 0.8 ? 1 + Math.floor(rnd() * 4) : 1 + Math.floor(rnd() * v);
      edges.push([Math.max(0, v - back), v]);
    }
  }
  return graph(n, edges, (v) => [30 + ((v * 37) % 120), 20 + ((v * 11) % 20)]);
}

describe('layeredLayout on small graphs', () => {
  test('empty graph', () => {
    const r = layeredLayout(graph(0, []));
    assert.equal(r.width, 0);
    assert.equal(r.height, 0);
    assert.equal(r.pointStart.length, 1);
  });

  test('a chain is one straight column, top to bottom', () => {
    const input = graph(5, [[0, 1], [1, 2], [2, 3], [3, 4]], (v) => [40 + 10 * v, 30]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    assert.deepEqual(Array.from(r.layer), [0, 1, 2, 3, 4]);
    for (let v = 1; v < 5; v++) assert.equal(r.x[v], r.x[0], 'chain nodes share one x');
    assert.equal(r.points.length, 0);
  });

  test('a residual block: the long path stays a column, the skip edge goes beside it', () => {
    // 0 -> 1 -> 2 -> 3 -> 4(Add), 0 -> 4
    const input = graph(5, [[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    for (const v of [1, 2, 3, 4]) assert.equal(r.x[v], r.x[0]);
    const e = 4;
    assert.ok(r.pointStart[e + 1]! > r.pointStart[e]!, 'the skip edge bends around the column');
    for (let k = r.pointStart[e]!; k < r.pointStart[e + 1]!; k++) assert.notEqual(r.points[2 * k], r.x[0]);
  });

  test('cycles are broken by reversing edges, which are reported', () => {
    const input = graph(4, [[0, 1], [1, 2], [2, 0], [2, 3], [3, 3]]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r, { allowReversed: true });
    assert.equal(r.stats.reversedEdges, 1);
    assert.equal(Array.from(r.reversed).reduce((a, b) => a + b, 0), 1);
  });

  test('duplicate edges and self-loops are tolerated', () => {
    const input = graph(3, [[0, 1], [0, 1], [1, 1], [1, 2], [0, 2], [0, 2]]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    assert.equal(r.pointStart[2], r.pointStart[3], 'self-loop has no bends');
  });

  test('edges naming missing nodes are refused', () => {
    assert.throws(() => layeredLayout(graph(2, [[0, 2]])), RangeError);
    assert.throws(() => layeredLayout({ ...graph(2, [[0, 1]]), widths: [1] }), RangeError);
  });

  test('isolated nodes are packed in rows below the drawing', () => {
    const edges: [number, number][] = [[0, 1], [1, 2]];
    const input = graph(40, edges, (v) => [60 + v, 30]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    const bottom = Math.max(r.y[0]!, r.y[1]!, r.y[2]!);
    for (let v = 3; v < 40; v++) assert.ok(r.y[v]! > bottom, `isolated node ${v} is below the graph`);
    assert.ok(r.width < 40 * 100, 'isolated nodes wrap into rows');
  });

  test('nodes whose only edge is a self-loop count as isolated', () => {
    const input = graph(3, [[0, 1], [2, 2]]);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    assert.equal(r.pointStart[2], 0);
  });

  test('long edges share one chain per source and are routed through it', () => {
    // 0 feeds nodes 5 layers and 9 layers further down.
    const edges: [number, number][] = [];
    for (let v = 0; v < 10; v++) edges.push([v, v + 1]);
    edges.push([0, 6], [0, 10]);
    const input = graph(11, edges);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    assert.equal(r.stats.dummies, 9, 'one chain of 9 dummies, not 5 + 9');
  });

  test('with a dummy budget of 0, long edges are drawn straight', () => {
    const input = graph(5, [[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]]);
    const r = layeredLayout(input, { maxDummies: 0 });
    assertLayoutValid(input, r);
    assert.equal(r.stats.dummies, 0);
    assert.equal(r.stats.straightLongEdges, 1);
    assert.equal(r.points.length, 0);
  });

  test('spacing options are honoured', () => {
    const input = graph(3, [[0, 1], [0, 2]]);
    const r = layeredLayout(input, { nodeSep: 100, rankSep: 50 });
    assertLayoutValid(input, r, { nodeSep: 100 });
    assert.equal(r.y[1]! - r.y[0]!, 30 + 50);
    assert.ok(Math.abs(r.x[2]! - r.x[1]!) >= 80 + 100);
  });
});

describe('layeredLayout on generated graphs', () => {
  test('seeded random DAGs: valid layouts', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const input = randomDag(seed, 5 + ((seed * 53) % 300), 1 + (seed % 4));
      const r = layeredLayout(input);
      assertLayoutValid(input, r);
      assert.ok(r.stats.crossings <= r.stats.crossingsInitial, 'crossing reduction never makes it worse');
    }
  });

  test('random graphs with cycles: valid layouts with reversed edges reported', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = prng(seed);
      const n = 10 + Math.floor(rnd() * 100);
      const edges: [number, number][] = [];
      for (let i = 0; i < n * 2; i++) edges.push([Math.floor(rnd() * n), Math.floor(rnd() * n)]);
      const input = graph(n, edges);
      assertLayoutValid(input, layeredLayout(input), { allowReversed: true });
    }
  });

  test('deterministic: the same input gives the same output', () => {
    const input = detectorLike(200, 7);
    const a = layeredLayout(input);
    const b = layeredLayout({ ...input, sources: [...input.sources as number[]], targets: [...input.targets as number[]] });
    assert.deepEqual(Array.from(a.x), Array.from(b.x));
    assert.deepEqual(Array.from(a.y), Array.from(b.y));
    assert.deepEqual(Array.from(a.points), Array.from(b.points));
    assert.deepEqual(Array.from(a.pointStart), Array.from(b.pointStart));
  });

  test('a detector-shaped graph: the backbone is a column, edges are short', () => {
    const input = detectorLike(100);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
    // Backbone nodes (each block's Concat) keep one x; the drawing stays narrow.
    const cats: number[] = [];
    for (let b = 0; b < 100; b++) cats.push(1 + b * 6 + 5);
    const xs = new Set(cats.map((v) => r.x[v]));
    assert.ok(xs.size <= 3, `backbone x values: ${[...xs].join(', ')}`);
    assert.ok(r.width < 1000, `width ${r.width}`);
    // Most edges span one layer.
    let short = 0;
    for (let e = 0; e < input.sources.length; e++) if (r.layer[input.targets[e]!]! - r.layer[input.sources[e]!]! === 1) short++;
    assert.ok(short / input.sources.length > 0.6, `${short} of ${input.sources.length} edges span one layer`);
  });

  test('50,000 nodes: no stack overflow, valid layout', () => {
    const input = detectorLike(8400, 3);
    assert.ok(input.nodeCount > 50_000);
    const r = layeredLayout(input);
    assertLayoutValid(input, r);
  });
});
