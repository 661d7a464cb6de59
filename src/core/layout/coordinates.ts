/**
 * Phase 4 of the layered layout: x coordinates by Brandes & Köpf ("Fast and Simple Horizontal
 * Coordinate Assignment", 2001), with variable node widths.
 *
 * Four alignments (align with the upper or lower neighbour, scanning layers left to right or right
 * to left) each group nodes into vertical blocks that are drawn in one column; long edges (dummy
 * chains) get priority (type-1 conflicts), so they run straight. Unlike the paper, nodes align only
 * along heaviest paths (see verticalAlignment), which keeps the backbone of a detector one column
 * in all four variants. Each alignment is compacted by a longest path over the block graph (blocks
 * ordered by their neighbours in each layer) and a second pass that pulls blocks towards their
 * right neighbours, as dagre does; the four results are aligned to the narrowest and balanced
 * (mean of the two medians), which keeps the minimum separation because order statistics are
 * monotone. Then refine.ts straightens what the compaction left loose. Iterative throughout (the
 * published place_block recursion is replaced by a topological order of the block graph).
 */
import type { Csr } from './layering';
import type { Ordering, ProperGraph } from './ordering';
import { REFINE_PASSES, refineBlocks } from './refine';

export interface Separation {
  readonly nodeSep: number;
  readonly edgeSep: number;
}

export function assignX(g: ProperGraph, ord: Ordering, widths: Float64Array, sep: Separation): Float64Array {
  const { total } = g;
  sortByPos(g.up, ord.pos);
  sortByPos(g.down, ord.pos);
  const conflicts = markType1Conflicts(g, ord);
  const pw = pathWeights(g, ord);
  const xs: Float64Array[] = [];
  for (const vdir of [0, 1] as const) {
    for (const hdir of [0, 1] as const) {
      const { root } = verticalAlignment(g, ord, conflicts, pw, vdir, hdir);
      xs.push(horizontalCompaction(g, ord, root, widths, sep, hdir));
    }
  }
  // Align the four to the narrowest: left-scanned ones by their left edge, right-scanned ones by
  // their right edge.
  const lo = new Float64Array(4);
  const hi = new Float64Array(4);
  let narrowest = 0;
  for (let a = 0; a < 4; a++) {
    let mn = Infinity;
    let mx = -Infinity;
    const x = xs[a]!;
    for (let v = 0; v < total; v++) {
      const half = widths[v]! / 2;
      if (x[v]! - half < mn) mn = x[v]! - half;
      if (x[v]! + half > mx) mx = x[v]! + half;
    }
    lo[a] = mn;
    hi[a] = mx;
    if (mx - mn < hi[narrowest]! - lo[narrowest]!) narrowest = a;
  }
  for (let a = 0; a < 4; a++) {
    const delta = a % 2 === 0 ? lo[narrowest]! - lo[a]! : hi[narrowest]! - hi[a]!;
    if (delta !== 0) {
      const x = xs[a]!;
      for (let v = 0; v < total; v++) x[v]! += delta;
    }
  }
  const out = new Float64Array(total);
  const [x0, x1, x2, x3] = xs as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let v = 0; v < total; v++) {
    // Mean of the two middle values of four.
    const a = x0[v]!;
    const b = x1[v]!;
    const c = x2[v]!;
    const d = x3[v]!;
    const sum = a + b + c + d;
    const mn = Math.min(a, b, c, d);
    const mx = Math.max(a, b, c, d);
    out[v] = (sum - mn - mx) / 2;
  }
  refineBlocks(g, ord, out, widths, sep, REFINE_PASSES);
  return out;
}

function sortByPos(adj: Csr, pos: Int32Array): void {
  const n = adj.start.length - 1;
  for (let v = 0; v < n; v++) {
    const a = adj.start[v]!;
    const b = adj.start[v + 1]!;
    if (b - a > 16) {
      adj.list.subarray(a, b).sort((x, y) => pos[x]! - pos[y]!);
      continue;
    }
    for (let i = a + 1; i < b; i++) {
      const w = adj.list[i]!;
      const p = pos[w]!;
      let j = i;
      while (j > a && pos[adj.list[j - 1]!]! > p) {
        adj.list[j] = adj.list[j - 1]!;
        j--;
      }
      adj.list[j] = w;
    }
  }
}

const key = (upper: number, lower: number, total: number): number => upper * total + lower;

/**
 * Type-1 conflicts: a segment with a real end crossing an inner segment (dummy to dummy). Such
 * segments are not aligned, so long edges stay straight.
 */
function markType1Conflicts(g: ProperGraph, ord: Ordering): Set<number> {
  const { n, total, up } = g;
  const { start, nodes, pos } = ord;
  const marked = new Set<number>();
  for (let l = 0; l + 1 < g.layerCount; l++) {
    const upperLen = start[l + 1]! - start[l]!;
    const lowerStart = start[l + 1]!;
    const lowerLen = start[l + 2]! - lowerStart;
    let k0 = 0;
    let scan = 0;
    for (let l1 = 0; l1 < lowerLen; l1++) {
      const v = nodes[lowerStart + l1]!;
      let inner = -1;
      if (v >= n) {
        for (let j = up.start[v]!; j < up.start[v + 1]!; j++) if (up.list[j]! >= n) inner = up.list[j]!;
      }
      if (l1 !== lowerLen - 1 && inner < 0) continue;
      const k1 = inner >= 0 ? pos[inner]! : upperLen - 1;
      for (; scan <= l1; scan++) {
        const w = nodes[lowerStart + scan]!;
        for (let j = up.start[w]!; j < up.start[w + 1]!; j++) {
          const u = up.list[j]!;
          const k = pos[u]!;
          if ((k < k0 || k > k1) && !(u >= n && w >= n)) marked.add(key(u, w, total));
        }
      }
      k0 = k1;
    }
  }
  return marked;
}

interface PathWeights {
  readonly fromTop: Int32Array;
  readonly toBottom: Int32Array;
  /** Heaviest `fromTop` among the upper neighbours / `toBottom` among the lower neighbours. */
  readonly bestUp: Int32Array;
  readonly bestDown: Int32Array;
}

/**
 * Path weights for the alignment: the most real nodes on a path from a source down to v (`fromTop`)
 * and from v down to a sink (`toBottom`); dummies count 0. Computed layer by layer.
 */
function pathWeights(g: ProperGraph, ord: Ordering): PathWeights {
  const { n, total, up, down } = g;
  const { nodes } = ord;
  const fromTop = new Int32Array(total);
  const toBottom = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    const v = nodes[k]!;
    let w = 0;
    for (let j = up.start[v]!; j < up.start[v + 1]!; j++) w = Math.max(w, fromTop[up.list[j]!]!);
    fromTop[v] = w + (v < n ? 1 : 0);
  }
  for (let k = total - 1; k >= 0; k--) {
    const v = nodes[k]!;
    let w = 0;
    for (let j = down.start[v]!; j < down.start[v + 1]!; j++) w = Math.max(w, toBottom[down.list[j]!]!);
    toBottom[v] = w + (v < n ? 1 : 0);
  }
  const bestUp = new Int32Array(total);
  const bestDown = new Int32Array(total);
  for (let v = 0; v < total; v++) {
    for (let j = up.start[v]!; j < up.start[v + 1]!; j++) bestUp[v] = Math.max(bestUp[v]!, fromTop[up.list[j]!]!);
    for (let j = down.start[v]!; j < down.start[v + 1]!; j++) bestDown[v] = Math.max(bestDown[v]!, toBottom[down.list[j]!]!);
  }
  return { fromTop, toBottom, bestUp, bestDown };
}

/**
 * Vertical alignment of one of the four variants. Unlike the published algorithm, nodes are only
 * aligned along heaviest paths: v considers its neighbours on its heaviest path (most real nodes
 * from the sources, for the upward alignment; to the sinks, for the downward one), taking the
 * medians only among equally heavy ones, and a neighbour accepts v only if v is on one of its own
 * heaviest paths the other way. So the main path of the graph is one block in all four variants: a
 * weight, a side branch or a short skip edge next to a backbone node does not take the backbone's
 * place in the right-to-left variants (which the balancing turned into a drift of half a column
 * per such join, thousands of pixels over a detector).
 */
function verticalAlignment(
  g: ProperGraph, ord: Ordering, conflicts: Set<number>, pw: PathWeights, vdir: 0 | 1, hdir: 0 | 1,
): { root: Int32Array } {
  const weight = vdir === 0 ? pw.fromTop : pw.toBottom;
  const own = vdir === 0 ? pw.toBottom : pw.fromTop;
  const best = vdir === 0 ? pw.bestDown : pw.bestUp;
  const { total, layerCount } = g;
  const { start, nodes, pos } = ord;
  const adj = vdir === 0 ? g.up : g.down;
  const root = new Int32Array(total);
  const align = new Int32Array(total);
  for (let v = 0; v < total; v++) root[v] = align[v] = v;
  const hasConflicts = conflicts.size > 0;
  const heavy: number[] = [];
  for (let step = 1; step < layerCount; step++) {
    const l = vdir === 0 ? step : layerCount - 1 - step;
    const a = start[l]!;
    const b = start[l + 1]!;
    // Layer of the neighbours, for mirrored positions.
    const nl = vdir === 0 ? l - 1 : l + 1;
    const nLast = start[nl + 1]! - start[nl]! - 1;
    let r = -1;
    for (let i = 0; i < b - a; i++) {
      const v = nodes[hdir === 0 ? a + i : b - 1 - i]!;
      const s = adj.start[v]!;
      const e = adj.start[v + 1]!;
      if (e === s) continue;
      // Candidates: the heaviest neighbours (sorted by position), then their medians.
      heavy.length = 0;
      let top = -1;
      for (let j = s; j < e; j++) {
        const w = weight[adj.list[j]!]!;
        if (w > top) {
          top = w;
          heavy.length = 0;
        }
        if (w === top) heavy.push(adj.list[j]!);
      }
      const d = heavy.length;
      const m1 = (d - 1) >> 1;
      const m2 = d >> 1;
      for (let t = 0; t < 2; t++) {
        if (align[v] !== v) break;
        if (t === 1 && m1 === m2) break;
        const u = heavy[(hdir === 0) === (t === 0) ? m1 : m2]!;
        const pu = hdir === 0 ? pos[u]! : nLast - pos[u]!;
        if (r >= pu || own[v]! < best[u]!) continue;
        if (hasConflicts && conflicts.has(vdir === 0 ? key(u, v, total) : key(v, u, total))) continue;
        align[u] = v;
        root[v] = root[u]!;
        align[v] = root[v]!;
        r = pu;
      }
    }
  }
  return { root };
}

function horizontalCompaction(
  g: ProperGraph, ord: Ordering, root: Int32Array, widths: Float64Array, sep: Separation, hdir: 0 | 1,
): Float64Array {
  const { total, n, layerCount } = g;
  const { start, nodes } = ord;
  // Block graph: root(left neighbour) -> root(node), weighted by the separation they need.
  const from = new Int32Array(total);
  const to = new Int32Array(from.length);
  const weight = new Float64Array(from.length);
  let m = 0;
  for (let l = 0; l < layerCount; l++) {
    for (let k = start[l]!; k + 1 < start[l + 1]!; k++) {
      const left = hdir === 0 ? nodes[k]! : nodes[k + 1]!;
      const right = hdir === 0 ? nodes[k + 1]! : nodes[k]!;
      const gap = left < n && right < n ? sep.nodeSep : left >= n && right >= n ? sep.edgeSep : (sep.nodeSep + sep.edgeSep) / 2;
      from[m] = root[left]!;
      to[m] = root[right]!;
      weight[m] = (widths[left]! + widths[right]!) / 2 + gap;
      m++;
    }
  }
  // CSR by source, keeping the weights.
  const outStart = new Int32Array(total + 1);
  for (let e = 0; e < m; e++) outStart[from[e]! + 1]!++;
  for (let v = 0; v < total; v++) outStart[v + 1]! += outStart[v]!;
  const fill = outStart.slice(0, total);
  const outTo = new Int32Array(m);
  const outW = new Float64Array(m);
  const indeg = new Int32Array(total);
  for (let e = 0; e < m; e++) {
    const at = fill[from[e]!]!++;
    outTo[at] = to[e]!;
    outW[at] = weight[e]!;
    indeg[to[e]!]!++;
  }
  // Topological order of the blocks (Kahn; only roots carry edges).
  const order = new Int32Array(total);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < total; v++) if (root[v] === v && indeg[v] === 0) order[tail++] = v;
  while (head < tail) {
    const v = order[head++]!;
    for (let k = outStart[v]!; k < outStart[v + 1]!; k++) if (--indeg[outTo[k]!]! === 0) order[tail++] = outTo[k]!;
  }
  const xs = new Float64Array(total);
  for (let i = 0; i < tail; i++) {
    const v = order[i]!;
    const xv = xs[v]!;
    for (let k = outStart[v]!; k < outStart[v + 1]!; k++) {
      const w = outTo[k]!;
      if (xv + outW[k]! > xs[w]!) xs[w] = xv + outW[k]!;
    }
  }
  for (let i = tail - 1; i >= 0; i--) {
    const v = order[i]!;
    let mn = Infinity;
    for (let k = outStart[v]!; k < outStart[v + 1]!; k++) mn = Math.min(mn, xs[outTo[k]!]! - outW[k]!);
    if (mn !== Infinity && mn > xs[v]!) xs[v] = mn;
  }
  const x = new Float64Array(total);
  for (let v = 0; v < total; v++) x[v] = hdir === 0 ? xs[root[v]!]! : -xs[root[v]!]!;
  return x;
}
