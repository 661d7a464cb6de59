/**
 * Phase 1 of the layered layout: an acyclic orientation and a layer per node.
 *
 * - Duplicate edges and self-loops are dropped; the order nodes are taken in is Kahn's algorithm
 *   (FIFO, by index); on a cycle the smallest remaining index is taken next, and edges pointing
 *   backwards in that order are reversed.
 * - Layers: earliest layers (longest path), then as late as possible except for sinks, then nodes
 *   with more inputs than outputs back up (see assignLayers). Three linear passes, a cheap
 *   stand-in for network simplex that handles the constant-only subgraphs of ONNX exports.
 *
 * Everything is iterative over typed arrays: no recursion, linear time.
 */

/** Compressed adjacency: the neighbours of `v` are `list[start[v] .. start[v + 1])`. */
export interface Csr {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

export function csr(n: number, from: ArrayLike<number>, to: ArrayLike<number>, count = from.length): Csr {
  const start = new Int32Array(n + 1);
  for (let e = 0; e < count; e++) start[from[e]! + 1]!++;
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(count);
  for (let e = 0; e < count; e++) list[fill[from[e]!]!++] = to[e]!;
  return { start, list };
}

export interface Dag {
  /** Unique oriented edges u -> v (u before v in `order`). */
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly out: Csr;
  readonly in: Csr;
  /** Nodes in topological order of the oriented graph; `rank[v]` is v's place in it. */
  readonly order: Int32Array;
  readonly rank: Int32Array;
  readonly reversedEdges: number;
}

/** Orient the input edges acyclically (see the file comment) and remove duplicates and self-loops. */
export function buildDag(n: number, sources: ArrayLike<number>, targets: ArrayLike<number>): Dag {
  // (Edges were checked by layeredLayout: node indices in range.)
  const raw = csr(n, sources, targets);
  // Unique successors per node (stamp array instead of a hash set).
  const stamp = new Int32Array(n).fill(-1);
  const uFrom: number[] = [];
  const uTo: number[] = [];
  for (let u = 0; u < n; u++) {
    for (let k = raw.start[u]!; k < raw.start[u + 1]!; k++) {
      const v = raw.list[k]!;
      if (v === u || stamp[v] === u) continue;
      stamp[v] = u;
      uFrom.push(u);
      uTo.push(v);
    }
  }
  const out0 = csr(n, uFrom, uTo);
  const indeg = new Int32Array(n);
  for (const v of uTo) indeg[v]!++;

  // Kahn, FIFO by index; on a cycle take the smallest index not yet placed.
  const order = new Int32Array(n);
  const rank = new Int32Array(n).fill(-1);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) order[tail++] = v;
  let scan = 0;
  const place = (v: number): void => {
    rank[v] = head - 1; // called after head++
    for (let k = out0.start[v]!; k < out0.start[v + 1]!; k++) {
      const w = out0.list[k]!;
      if (rank[w] === -1 && --indeg[w]! === 0) order[tail++] = w;
    }
  };
  while (head < n) {
    if (head === tail) {
      // Only nodes on cycles are left (each unplaced node still waits for a predecessor).
      while (rank[scan] !== -1) scan++;
      order[tail++] = scan;
    }
    place(order[head++]!);
  }

  // Orient: an edge against the order is reversed; a reversed edge may duplicate another.
  let reversedEdges = 0;
  const from = new Int32Array(uFrom.length);
  const to = new Int32Array(uFrom.length);
  let k = 0;
  stamp.fill(-1);
  const oFrom = new Int32Array(uFrom.length);
  const oTo = new Int32Array(uFrom.length);
  for (let e = 0; e < uFrom.length; e++) {
    const u = uFrom[e]!;
    const v = uTo[e]!;
    const back = rank[u]! > rank[v]!;
    if (back) reversedEdges++;
    oFrom[e] = back ? v : u;
    oTo[e] = back ? u : v;
  }
  const byFrom = csr(n, oFrom, oTo);
  for (let u = 0; u < n; u++) {
    for (let j = byFrom.start[u]!; j < byFrom.start[u + 1]!; j++) {
      const v = byFrom.list[j]!;
      if (stamp[v] === u) continue;
      stamp[v] = u;
      from[k] = u;
      to[k] = v;
      k++;
    }
  }
  const f = from.subarray(0, k);
  const t = to.subarray(0, k);
  return { from: f, to: t, out: csr(n, f, t), in: csr(n, t, f), order, rank, reversedEdges };
}

/**
 * Layer per node. Longest path from the sources gives the earliest layer of each node; sinks stay
 * there (a dangling node hangs right below its producer), every other node then goes as late as
 * its successors allow (so constant-only subgraphs, such as the scale and zero-point Constants and
 * the Q/DQ of a weight, or shape arithmetic, sit right above their reader instead of at the top);
 * last, a node with more inputs than outputs moves back up next to its inputs (one long edge
 * below it instead of several above it).
 */
export function assignLayers(n: number, dag: Dag): Int32Array {
  const layer = new Int32Array(n);
  const { order, out, in: inn } = dag;
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    let l = 0;
    for (let k = inn.start[v]!; k < inn.start[v + 1]!; k++) {
      const p = layer[inn.list[k]!]! + 1;
      if (p > l) l = p;
    }
    layer[v] = l;
  }
  for (let i = n - 1; i >= 0; i--) {
    const v = order[i]!;
    if (out.start[v + 1]! === out.start[v]!) continue; // a sink keeps its earliest layer
    let lowest = Infinity;
    for (let k = out.start[v]!; k < out.start[v + 1]!; k++) {
      const l = layer[out.list[k]!]!;
      if (l < lowest) lowest = l;
    }
    layer[v] = lowest - 1;
  }
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    const inDeg = inn.start[v + 1]! - inn.start[v]!;
    if (inDeg === 0 || inDeg <= out.start[v + 1]! - out.start[v]!) continue;
    let highest = 0;
    for (let k = inn.start[v]!; k < inn.start[v + 1]!; k++) highest = Math.max(highest, layer[inn.list[k]!]! + 1);
    layer[v] = highest;
  }
  return layer;
}
