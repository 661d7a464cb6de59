/**
 * Invariants every layered layout must meet, shared by the layout and graph-view tests:
 * no two boxes overlap, layers do not overlap vertically, every edge goes down the layers (except
 * the ones reported reversed to break a cycle), bend points run monotonically from source to target.
 */
import * as assert from 'node:assert/strict';
import type { LayoutInput, LayoutResult } from '../../../src/core/layout/index';

export function assertLayoutValid(input: LayoutInput, r: LayoutResult, o: { nodeSep?: number; allowReversed?: boolean } = {}): void {
  const n = input.nodeCount;
  const gap = (o.nodeSep ?? 24) - 1e-6;
  assert.equal(r.x.length, n);
  assert.equal(r.y.length, n);
  for (let v = 0; v < n; v++) {
    assert.ok(Number.isFinite(r.x[v]!) && Number.isFinite(r.y[v]!), `node ${v} has no position`);
    assert.ok(r.x[v]! - input.widths[v]! / 2 >= -1e-6 && r.x[v]! + input.widths[v]! / 2 <= r.width + 1e-6, `node ${v} outside the drawing horizontally`);
    assert.ok(r.y[v]! - input.heights[v]! / 2 >= -1e-6 && r.y[v]! + input.heights[v]! / 2 <= r.height + 1e-6, `node ${v} outside the drawing vertically`);
  }
  // Within a layer: ordered boxes at least nodeSep apart. Between layers: vertical extents disjoint.
  const byLayer = new Map<number, number[]>();
  for (let v = 0; v < n; v++) {
    const list = byLayer.get(r.layer[v]!) ?? [];
    list.push(v);
    byLayer.set(r.layer[v]!, list);
  }
  const extents: [number, number, number][] = [];
  for (const [l, list] of byLayer) {
    list.sort((a, b) => r.x[a]! - r.x[b]!);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      const room = r.x[b]! - r.x[a]! - (input.widths[a]! + input.widths[b]!) / 2;
      assert.ok(room >= gap, `layer ${l}: nodes ${a} and ${b} overlap or touch (${room.toFixed(2)} px apart)`);
    }
    let top = Infinity;
    let bottom = -Infinity;
    for (const v of list) {
      top = Math.min(top, r.y[v]! - input.heights[v]! / 2);
      bottom = Math.max(bottom, r.y[v]! + input.heights[v]! / 2);
    }
    extents.push([top, bottom, l]);
  }
  extents.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < extents.length; i++) {
    assert.ok(extents[i]![0] > extents[i - 1]![1], `layers ${extents[i - 1]![2]} and ${extents[i]![2]} overlap vertically`);
  }
  // Edges go downward (or are reported reversed), and their bends run monotonically between the ends.
  const m = input.sources.length;
  assert.equal(r.pointStart.length, m + 1);
  for (let e = 0; e < m; e++) {
    const s = input.sources[e]!;
    const t = input.targets[e]!;
    if (s === t) continue;
    const down = r.reversed[e] ? -1 : 1;
    if (!o.allowReversed) assert.equal(r.reversed[e], 0, `edge ${e} reversed in an acyclic graph`);
    assert.ok(down * (r.layer[t]! - r.layer[s]!) > 0, `edge ${e} (${s} -> ${t}) does not go ${down > 0 ? 'down' : 'up'} the layers`);
    let prev = r.y[s]!;
    for (let k = r.pointStart[e]!; k < r.pointStart[e + 1]!; k++) {
      const py = r.points[2 * k + 1]!;
      assert.ok(down * (py - prev) > 0, `edge ${e}: bend ${k - r.pointStart[e]!} is not below the previous point`);
      prev = py;
    }
    assert.ok(down * (r.y[t]! - prev) > 0, `edge ${e}: last bend not above its target`);
  }
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
