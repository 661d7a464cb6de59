/**
 * A fast layered (Sugiyama-style) layout for long, mostly linear DAGs (detectors, transformers):
 *
 *   1. layering.ts     acyclic orientation, longest-path layers, sources pulled down to their readers
 *   2. ordering.ts     dummy chains for long edges (shared per source), depth-first initial order,
 *                      bounded barycenter sweeps keeping the order with the fewest crossings
 *   3. coordinates.ts  Brandes-Köpf x coordinates (four alignments, compaction, balancing)
 *   4. here            y per layer (tallest node of the layer), edge bend points through the dummies
 *
 * Top to bottom; deterministic (no randomness, ties broken by index); iterative (no recursion, so no
 * stack overflow at any size); typed arrays throughout. Nodes of one layer never overlap (their
 * centres are at least half their widths plus `nodeSep` apart) and layers do not overlap vertically.
 */
import { assignX } from './coordinates';
import { assignLayers, buildDag } from './layering';
import type { LayoutInput, LayoutOptions, LayoutResult } from './layout.types';
import { buildProperGraph, orderLayers } from './ordering';

export const LAYOUT_DEFAULTS = { nodeSep: 24, edgeSep: 10, rankSep: 36, sweeps: 8 } as const;

/**
 * Lay out `input`. Nodes without edges (other than self-loops) are not part of the layers: they are
 * packed in rows below the drawing, as wide as the drawing (at least `ISOLATED_ROW_MIN` px).
 */
export function layeredLayout(input: LayoutInput, options: LayoutOptions = {}): LayoutResult {
  const n = input.nodeCount;
  const m = input.sources.length;
  if (m !== input.targets.length) throw new RangeError('layout: sources and targets differ in length');
  if (input.widths.length < n || input.heights.length < n) throw new RangeError('layout: a width and a height are needed for every node');
  const linked = new Uint8Array(n);
  for (let e = 0; e < m; e++) {
    const s = input.sources[e]!;
    const t = input.targets[e]!;
    if (!(s >= 0 && s < n && t >= 0 && t < n) || s !== Math.floor(s) || t !== Math.floor(t)) {
      throw new RangeError(`layout: edge ${e} (${s} -> ${t}) names a node outside 0..${n - 1}`);
    }
    if (s !== t) linked[s] = linked[t] = 1;
  }
  let isolated = 0;
  for (let v = 0; v < n; v++) if (!linked[v]) isolated++;
  if (isolated === 0) return layoutLinked(input, options);

  // Lay out the linked nodes alone, then add rows of isolated nodes below.
  const index = new Int32Array(n).fill(-1);
  const back: number[] = [];
  for (let v = 0; v < n; v++) {
    if (!linked[v]) continue;
    index[v] = back.length;
    back.push(v);
  }
  const keep: number[] = [];
  for (let e = 0; e < m; e++) if (linked[input.sources[e]!] && linked[input.targets[e]!]) keep.push(e);
  const core = layoutLinked(
    {
      nodeCount: back.length,
      sources: keep.map((e) => index[input.sources[e]!]!),
      targets: keep.map((e) => index[input.targets[e]!]!),
      widths: back.map((v) => input.widths[v]!),
      heights: back.map((v) => input.heights[v]!),
    },
    options,
  );
  const nodeSep = options.nodeSep ?? LAYOUT_DEFAULTS.nodeSep;
  const rankSep = options.rankSep ?? LAYOUT_DEFAULTS.rankSep;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const layer = new Int32Array(n);
  back.forEach((v, i) => {
    x[v] = core.x[i]!;
    y[v] = core.y[i]!;
    layer[v] = core.layer[i]!;
  });
  const rowWidth = Math.max(core.width, ISOLATED_ROW_MIN);
  let top = back.length ? core.height + 2 * rankSep : 0;
  let left = 0;
  let rowHeight = 0;
  let row = core.stats.layers;
  let width = core.width;
  for (let v = 0; v < n; v++) {
    if (linked[v]) continue;
    const w = Math.max(0, input.widths[v]!);
    const h = Math.max(0, input.heights[v]!);
    if (left > 0 && left + w > rowWidth) {
      top += rowHeight + rankSep;
      left = 0;
      rowHeight = 0;
      row++;
    }
    x[v] = left + w / 2;
    y[v] = top + h / 2;
    layer[v] = row;
    left += w + nodeSep;
    rowHeight = Math.max(rowHeight, h);
    width = Math.max(width, left - nodeSep);
  }
  const height = top + rowHeight;
  // Edge data, by original edge (dropped edges are self-loops of isolated nodes: no bends).
  const pointStart = new Int32Array(m + 1);
  const reversed = new Uint8Array(m);
  let at = 0;
  for (let e = 0, k = 0; e < m; e++) {
    pointStart[e] = at;
    if (k < keep.length && keep[k] === e) {
      at += core.pointStart[k + 1]! - core.pointStart[k]!;
      reversed[e] = core.reversed[k]!;
      k++;
    }
  }
  pointStart[m] = at;
  return { ...core, x, y, layer, width, height, pointStart, reversed };
}

/** Isolated nodes are packed in rows at least this wide (px). */
export const ISOLATED_ROW_MIN = 1200;

function layoutLinked(input: LayoutInput, options: LayoutOptions): LayoutResult {
  const nodeSep = options.nodeSep ?? LAYOUT_DEFAULTS.nodeSep;
  const edgeSep = options.edgeSep ?? LAYOUT_DEFAULTS.edgeSep;
  const rankSep = options.rankSep ?? LAYOUT_DEFAULTS.rankSep;
  const sweeps = options.sweeps ?? LAYOUT_DEFAULTS.sweeps;
  const n = input.nodeCount;
  const maxDummies = options.maxDummies ?? Math.max(200_000, 4 * n);

  const t0 = performance.now();
  const dag = buildDag(n, input.sources, input.targets);
  const layer = assignLayers(n, dag);
  const t1 = performance.now();
  const pg = buildProperGraph(n, dag, layer, maxDummies);
  const ord = orderLayers(pg, sweeps);
  const t2 = performance.now();

  const total = pg.total;
  const widths = new Float64Array(total);
  for (let v = 0; v < n; v++) widths[v] = Math.max(0, input.widths[v]!);
  const xAll = assignX(pg, ord, widths, { nodeSep, edgeSep });
  let left = Infinity;
  let right = -Infinity;
  for (let v = 0; v < total; v++) {
    left = Math.min(left, xAll[v]! - widths[v]! / 2);
    right = Math.max(right, xAll[v]! + widths[v]! / 2);
  }
  if (total === 0) left = right = 0;
  const layerHeight = new Float64Array(pg.layerCount);
  for (let v = 0; v < n; v++) layerHeight[layer[v]!] = Math.max(layerHeight[layer[v]!]!, input.heights[v]!);
  const layerY = new Float64Array(pg.layerCount);
  let top = 0;
  for (let l = 0; l < pg.layerCount; l++) {
    layerY[l] = top + layerHeight[l]! / 2;
    top += layerHeight[l]! + rankSep;
  }
  const height = pg.layerCount ? top - rankSep : 0;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    x[v] = xAll[v]! - left;
    y[v] = layerY[layer[v]!]!;
  }
  const t3 = performance.now();

  // Edge routes through the dummy chains.
  const m = input.sources.length;
  const pointStart = new Int32Array(m + 1);
  const reversed = new Uint8Array(m);
  const pts: number[] = [];
  const bend: number[] = [];
  for (let e = 0; e < m; e++) {
    pointStart[e] = pts.length / 2;
    const s = input.sources[e]!;
    const t = input.targets[e]!;
    if (s === t) continue;
    const back = dag.rank[s]! > dag.rank[t]!;
    if (back) reversed[e] = 1;
    const u = back ? t : s;
    const v = back ? s : t;
    const span = layer[v]! - layer[u]!;
    const chain = pg.chainStart[u]!;
    if (span <= 1 || chain < 0) continue;
    // Polyline u, dummies, v; keep only the bends (drop points on a straight line).
    bend.length = 0;
    let px = x[u]!;
    let py = y[u]!;
    for (let k = 0; k < span - 1; k++) {
      const d = chain + k;
      const dx = xAll[d]! - left;
      const dy = layerY[layer[u]! + 1 + k]!;
      const nx = k < span - 2 ? xAll[d + 1]! - left : x[v]!;
      const ny = k < span - 2 ? layerY[layer[u]! + 2 + k]! : y[v]!;
      const cross = (dx - px) * (ny - dy) - (dy - py) * (nx - dx);
      if (Math.abs(cross) > 1e-6) {
        bend.push(dx, dy);
        px = dx;
        py = dy;
      }
    }
    if (back) {
      for (let i = bend.length - 2; i >= 0; i -= 2) pts.push(bend[i]!, bend[i + 1]!);
    } else for (const c of bend) pts.push(c);
  }
  pointStart[m] = pts.length / 2;
  const t4 = performance.now();

  return {
    x,
    y,
    layer,
    width: right - left,
    height,
    pointStart,
    points: Float64Array.from(pts),
    reversed,
    stats: {
      layers: pg.layerCount,
      dummies: total - n,
      reversedEdges: dag.reversedEdges,
      straightLongEdges: pg.straightLongEdges,
      crossingsInitial: ord.crossingsInitial,
      crossings: ord.crossings,
      sweeps: ord.sweeps,
      ms: { layering: t1 - t0, ordering: t2 - t1, coordinates: t3 - t2, routing: t4 - t3, total: t4 - t0 },
    },
  };
}
