/**
 * Phase 4b of the layered layout: straightening after Brandes-Köpf.
 *
 * The balanced BK result is a valid placement, but its compactions leave artefacts on these
 * graphs: a block with free room on one side is pushed against whatever is there (a weight's Q/DQ
 * pulled next to an unrelated long edge far to the right, a short skip edge pushed away from the
 * nodes it joins). Here, vertical runs of nodes that share an x (blocks: a node and the neighbour
 * right above it at the same x) are moved, whole, towards the weighted median of where their other
 * neighbours are (Gansner's edge weights: 1 between real nodes, 2 to a dummy, 8 between dummies),
 * within the room their left and right neighbours in each layer leave. A move never breaks the
 * separation, so the result stays overlap-free after every step. A few passes, alternately from
 * the top and from the bottom; blocks that come to share an x with a neighbour merge in the next
 * pass. Linear per pass.
 */
import type { Ordering, ProperGraph } from './ordering';
import type { Separation } from './coordinates';

export const REFINE_PASSES = 6;

const EPS = 0.5;

export function refineBlocks(g: ProperGraph, ord: Ordering, x: Float64Array, widths: Float64Array, sep: Separation, passes: number): void {
  const { n, total, up, down } = g;
  const { start, nodes, pos } = ord;
  const layerOf = g.layerOf;
  const gap = (a: number, b: number): number =>
    (widths[a]! + widths[b]!) / 2 + (a < n && b < n ? sep.nodeSep : a >= n && b >= n ? sep.edgeSep : (sep.nodeSep + sep.edgeSep) / 2);
  const omega = (a: number, b: number): number => (a < n && b < n ? 1 : a >= n && b >= n ? 8 : 2);
  const below = new Int32Array(total); // next node of the block, or -1
  const blockOf = new Int32Array(total);
  const tops: number[] = [];
  const disp: number[] = [];
  const wts: number[] = [];
  const idx: number[] = [];
  for (let p = 0; p < passes; p++) {
    // Blocks: link each node to the neighbour below it at the same x (at most one can be there).
    below.fill(-1);
    let hasAbove = new Uint8Array(total);
    for (let v = 0; v < total; v++) {
      for (let j = down.start[v]!; j < down.start[v + 1]!; j++) {
        const w = down.list[j]!;
        if (Math.abs(x[w]! - x[v]!) < EPS && !hasAbove[w]) {
          below[v] = w;
          hasAbove[w] = 1;
          break;
        }
      }
    }
    tops.length = 0;
    for (let k = 0; k < total; k++) {
      const v = nodes[k]!;
      if (hasAbove[v]) continue;
      tops.push(v);
      for (let m = v; m >= 0; m = below[m]!) blockOf[m] = v;
    }
    hasAbove = new Uint8Array(0);
    let moved = 0;
    for (let b = 0; b < tops.length; b++) {
      const top = tops[p % 2 === 0 ? b : tops.length - 1 - b]!;
      disp.length = 0;
      wts.length = 0;
      let lo = -Infinity;
      let hi = Infinity;
      for (let v = top; v >= 0; v = below[v]!) {
        for (const adj of [up, down]) {
          for (let j = adj.start[v]!; j < adj.start[v + 1]!; j++) {
            const w = adj.list[j]!;
            if (blockOf[w] === top) continue;
            disp.push(x[w]! - x[v]!);
            wts.push(omega(v, w));
          }
        }
        const l = layerOf[v]!;
        const k = start[l]! + pos[v]!;
        if (k > start[l]!) lo = Math.max(lo, x[nodes[k - 1]!]! + gap(nodes[k - 1]!, v) - x[v]!);
        if (k + 1 < start[l + 1]!) hi = Math.min(hi, x[nodes[k + 1]!]! - gap(v, nodes[k + 1]!) - x[v]!);
      }
      if (disp.length === 0) continue;
      let want = weightedMedian(disp, wts, idx);
      if (want < lo) want = lo;
      if (want > hi) want = hi;
      if (Math.abs(want) < 1e-9 || lo > hi) continue;
      for (let v = top; v >= 0; v = below[v]!) x[v]! += want;
      moved++;
    }
    if (moved === 0) break;
  }
}

/** Weighted median of `values`; midway between the two middle values when the weight splits evenly. */
function weightedMedian(values: number[], weights: number[], idx: number[]): number {
  const m = values.length;
  if (m === 1) return values[0]!;
  idx.length = 0;
  let totalW = 0;
  for (let i = 0; i < m; i++) {
    idx.push(i);
    totalW += weights[i]!;
  }
  idx.sort((a, b) => values[a]! - values[b]!);
  const half = totalW / 2;
  let acc = 0;
  for (let i = 0; i < m; i++) {
    acc += weights[idx[i]!]!;
    if (acc > half) return values[idx[i]!]!;
    if (acc === half) return (values[idx[i]!]! + values[idx[i + 1]!]!) / 2;
  }
  return values[idx[m - 1]!]!;
}
