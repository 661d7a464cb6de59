/**
 * Phases 2 and 3 of the layered layout: the proper layered graph (long edges split by dummy nodes)
 * and the order of nodes within each layer (crossing reduction).
 *
 * Dummies: the long out-edges of one node share one chain of dummies, running from the node down to
 * its lowest reader, and each reader branches off the chain one layer above it. So an input or a
 * tensor read by many layers further down costs one chain instead of one per edge (a transformer's
 * attention mask, a detector's skip connections), and is drawn as a single line with branches.
 * Beyond a dummy budget, the nodes with the longest chains get straight edges instead.
 *
 * Order: a depth-first visit from the sources (dummies before real successors), which keeps chains
 * of operators together in a column with skip edges to its left (exporters list the skip input of
 * an Add or a Concat first, so they end on the left too, and the two ends agree); then
 * barycenter sweeps, alternately down and up, keeping the best order by crossing count (counted
 * with a Fenwick tree, O(E log V) per sweep) and stopping when it stops improving.
 */
import { type Csr, csr, type Dag } from './layering';

export interface ProperGraph {
  /** Real nodes are `0 .. n-1`, dummies `n .. total-1`. */
  readonly n: number;
  readonly total: number;
  readonly layerOf: Int32Array;
  readonly layerCount: number;
  /** Neighbours in the layer above / below (every edge spans one layer). */
  readonly up: Csr;
  readonly down: Csr;
  /** First dummy of node u's chain (the one at layer(u) + 1), or -1. Chain dummies are consecutive ids. */
  readonly chainStart: Int32Array;
  /** Nodes whose long out-edges are drawn straight (dummy budget exhausted). */
  readonly straight: Uint8Array;
  readonly straightLongEdges: number;
}

export function buildProperGraph(n: number, dag: Dag, layer: Int32Array, maxDummies: number): ProperGraph {
  const { out } = dag;
  const need = new Int32Array(n);
  let wanted = 0;
  let layerCount = 0;
  for (let u = 0; u < n; u++) {
    if (layer[u]! + 1 > layerCount) layerCount = layer[u]! + 1;
    let lowest = -1;
    for (let k = out.start[u]!; k < out.start[u + 1]!; k++) lowest = Math.max(lowest, layer[out.list[k]!]!);
    if (lowest > layer[u]! + 1) {
      need[u] = lowest - layer[u]! - 1;
      wanted += need[u]!;
    }
  }
  const straight = new Uint8Array(n);
  let straightLongEdges = 0;
  if (wanted > maxDummies) {
    const byNeed = Array.from({ length: n }, (_, i) => i).filter((u) => need[u]! > 0);
    byNeed.sort((a, b) => need[b]! - need[a]! || a - b);
    for (const u of byNeed) {
      if (wanted <= maxDummies) break;
      wanted -= need[u]!;
      straight[u] = 1;
      for (let k = out.start[u]!; k < out.start[u + 1]!; k++) if (layer[out.list[k]!]! > layer[u]! + 1) straightLongEdges++;
      need[u] = 0;
    }
  }
  const total = n + wanted;
  const layerOf = new Int32Array(total);
  layerOf.set(layer);
  const chainStart = new Int32Array(n).fill(-1);
  // Segment lists (upper -> lower).
  const segCount = dag.from.length + wanted;
  const sFrom = new Int32Array(segCount);
  const sTo = new Int32Array(segCount);
  let s = 0;
  let next = n;
  for (let u = 0; u < n; u++) {
    const lu = layer[u]!;
    if (need[u]! > 0) {
      chainStart[u] = next;
      for (let k = 0; k < need[u]!; k++) {
        layerOf[next + k] = lu + 1 + k;
        sFrom[s] = k === 0 ? u : next + k - 1;
        sTo[s++] = next + k;
      }
    }
    for (let k = out.start[u]!; k < out.start[u + 1]!; k++) {
      const v = out.list[k]!;
      const span = layer[v]! - lu;
      if (span === 1) {
        sFrom[s] = u;
        sTo[s++] = v;
      } else if (!straight[u]) {
        sFrom[s] = next + span - 2;
        sTo[s++] = v;
      }
    }
    next += need[u]!;
  }
  const down = csr(total, sFrom, sTo, s);
  const up = csr(total, sTo, sFrom, s);
  // Dummies first: the depth-first initial order puts long edges left of the operators they leave.
  dummiesFirst(down, n);
  return { n, total, layerOf, layerCount, up, down, chainStart, straight, straightLongEdges };
}

/** Stable partition of every adjacency list: dummies (>= n) before real nodes. */
function dummiesFirst(adj: Csr, n: number): void {
  const tmp: number[] = [];
  for (let v = 0; v + 1 < adj.start.length; v++) {
    const a = adj.start[v]!;
    const b = adj.start[v + 1]!;
    if (b - a < 2) continue;
    tmp.length = 0;
    for (let k = a; k < b; k++) if (adj.list[k]! >= n) tmp.push(adj.list[k]!);
    for (let k = a; k < b; k++) if (adj.list[k]! < n) tmp.push(adj.list[k]!);
    for (let k = a; k < b; k++) adj.list[k] = tmp[k - a]!;
  }
}

export interface Ordering {
  /** Nodes of layer i: `nodes[start[i] .. start[i + 1])`, left to right. */
  readonly start: Int32Array;
  readonly nodes: Int32Array;
  /** Position of each node within its layer. */
  readonly pos: Int32Array;
  readonly crossingsInitial: number;
  readonly crossings: number;
  readonly sweeps: number;
}

export function orderLayers(g: ProperGraph, maxSweeps: number): Ordering {
  const { total, layerOf, layerCount, up, down } = g;
  const start = new Int32Array(layerCount + 1);
  for (let v = 0; v < total; v++) start[layerOf[v]! + 1]!++;
  for (let i = 0; i < layerCount; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, layerCount);
  const nodes = new Int32Array(total);
  const pos = new Int32Array(total);

  // Initial order: iterative depth-first preorder from the sources, by index.
  const seen = new Uint8Array(total);
  const stackNode = new Int32Array(total);
  const stackNext = new Int32Array(total);
  const visit = (v: number): void => {
    seen[v] = 1;
    const l = layerOf[v]!;
    pos[v] = fill[l]! - start[l]!;
    nodes[fill[l]!++] = v;
  };
  for (let root = 0; root < total; root++) {
    if (seen[root] || up.start[root + 1]! > up.start[root]!) continue;
    let sp = 0;
    visit(root);
    stackNode[0] = root;
    stackNext[0] = down.start[root]!;
    while (sp >= 0) {
      const v = stackNode[sp]!;
      const end = down.start[v + 1]!;
      let k = stackNext[sp]!;
      while (k < end && seen[down.list[k]!]) k++;
      if (k === end) {
        sp--;
        continue;
      }
      stackNext[sp] = k + 1;
      const w = down.list[k]!;
      visit(w);
      sp++;
      stackNode[sp] = w;
      stackNext[sp] = down.start[w]!;
    }
  }
  for (let v = 0; v < total; v++) if (!seen[v]) visit(v); // unreachable: only in a malformed graph

  const counter = new CrossingCounter(g, start, nodes, pos);
  const crossingsInitial = counter.count();
  let best = crossingsInitial;
  let bestNodes = nodes.slice();
  let sweeps = 0;
  let sinceBest = 0;
  const bary = new Float64Array(total);
  const movable: number[] = [];
  for (let it = 0; it < maxSweeps && best > 0; it++) {
    sweeps++;
    const downward = it % 2 === 0;
    const adj = downward ? up : down;
    if (downward) for (let l = 1; l < layerCount; l++) sortLayer(l, adj);
    else for (let l = layerCount - 2; l >= 0; l--) sortLayer(l, adj);
    const c = counter.count();
    if (c < best) {
      best = c;
      bestNodes = nodes.slice();
      sinceBest = 0;
    } else if (++sinceBest >= 2) break;
  }
  if (bestNodes !== nodes) {
    nodes.set(bestNodes);
    for (let l = 0; l < layerCount; l++) for (let k = start[l]!; k < start[l + 1]!; k++) pos[nodes[k]!] = k - start[l]!;
  }
  return { start, nodes, pos, crossingsInitial, crossings: best, sweeps };

  /** Barycenter of the neighbours in the fixed layer; nodes without any keep their place. */
  function sortLayer(l: number, adj: Csr): void {
    const a = start[l]!;
    const b = start[l + 1]!;
    if (b - a < 2) return;
    movable.length = 0;
    for (let k = a; k < b; k++) {
      const v = nodes[k]!;
      const s = adj.start[v]!;
      const e = adj.start[v + 1]!;
      if (e === s) continue;
      let sum = 0;
      for (let j = s; j < e; j++) sum += pos[adj.list[j]!]!;
      bary[v] = sum / (e - s);
      movable.push(v);
    }
    if (movable.length < 2) return;
    movable.sort((x, y) => bary[x]! - bary[y]! || pos[x]! - pos[y]!);
    let m = 0;
    for (let k = a; k < b; k++) {
      const v = nodes[k]!;
      if (adj.start[v + 1]! === adj.start[v]!) continue; // fixed
      nodes[k] = movable[m++]!;
    }
    for (let k = a; k < b; k++) pos[nodes[k]!] = k - a;
  }
}

/** Crossings between adjacent layers (Barth, Jünger, Mutzel: inversions counted with a Fenwick tree). */
class CrossingCounter {
  private readonly tree: Int32Array;
  private readonly seq: Int32Array;
  constructor(
    private readonly g: ProperGraph,
    private readonly start: Int32Array,
    private readonly nodes: Int32Array,
    private readonly pos: Int32Array,
  ) {
    let widest = 1;
    for (let l = 0; l < g.layerCount; l++) widest = Math.max(widest, start[l + 1]! - start[l]!);
    this.tree = new Int32Array(widest + 1);
    this.seq = new Int32Array(g.down.list.length);
  }

  count(): number {
    const { g, start, nodes, pos, tree, seq } = this;
    const { down } = g;
    let total = 0;
    for (let l = 0; l + 1 < g.layerCount; l++) {
      // Lower-end positions of the segments, ordered by upper end, then lower end.
      let m = 0;
      for (let k = start[l]!; k < start[l + 1]!; k++) {
        const v = nodes[k]!;
        const first = m;
        const a = down.start[v]!;
        const b = down.start[v + 1]!;
        if (b - a > 16) {
          for (let j = a; j < b; j++) seq[m++] = pos[down.list[j]!]!;
          seq.subarray(first, m).sort();
          continue;
        }
        for (let j = a; j < b; j++) {
          const p = pos[down.list[j]!]!;
          let i = m++;
          while (i > first && seq[i - 1]! > p) {
            seq[i] = seq[i - 1]!;
            i--;
          }
          seq[i] = p;
        }
      }
      const width = start[l + 2]! - start[l + 1]!;
      tree.fill(0, 0, width + 1);
      for (let i = 0; i < m; i++) {
        const p = seq[i]! + 1;
        // segments so far whose lower end is right of p: i - (those at or left of p)
        let atOrLeft = 0;
        for (let x = p; x > 0; x -= x & -x) atOrLeft += tree[x]!;
        total += i - atOrLeft;
        for (let x = p; x <= width; x += x & -x) tree[x]!++;
      }
    }
    return total;
  }
}
