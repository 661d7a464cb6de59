/**
 * Pure helpers over the `graphView` message (no DOM, no cytoscape): the cytoscape element data
 * with preset positions and segment bends, labels and Q/DQ badge text, the keys overlays and
 * search use, and op-type categories. Unit-tested in test/unit/webview.
 */
import type { GraphLayoutDto, GraphViewDto, QdqBadgeDto, ViewNodeDto } from '../../src/protocol/graphView';
import { formatShape, type Dim } from '../format';
import { HEAT_RAMP, REFORMAT_YELLOW } from '../../src/protocol/overlay';
import { nodeLabelLines } from '../../src/protocol/nodeLabel';

export interface NodeElement {
  readonly group: 'nodes';
  readonly data: { id: string; label: string; w: number; h: number; i: number };
  readonly position: { x: number; y: number };
  readonly classes: string;
}

export interface EdgeElement {
  readonly group: 'edges';
  readonly data: { id: string; source: string; target: string; i: number; label?: string; sd?: number[]; sw?: number[] };
  readonly classes: string;
}

export function nodeId(i: number): string {
  return `n${i}`;
}

export function edgeId(i: number): string {
  return `e${i}`;
}

/** `1.234e-3` style: 4 significant digits. Compact (edge badge labels); two scales may print alike: compare with {@link formatScaleExact}. */
export function formatScale(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/**
 * A scale as exactly as it is stored: the shortest decimal that reads back as the same float32
 * (at most 9 significant digits, e.g. `0.09225` vs `0.092250004`), so two scales print alike only
 * when they are equal (rules R15/R16/R26 compare them exactly). A value that is not a float32 (a
 * DOUBLE scale) prints as its shortest double.
 */
export function formatScaleExact(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  if (f !== v) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(v.toPrecision(9)));
}

/** Badge text of one folded Q/DQ pair: dtype, scale (or "N scales"), zero point. `exact`: the scale as {@link formatScaleExact} prints it (properties), else compact (edge labels). */
export function badgeText(view: GraphViewDto, b: QdqBadgeDto, exact = false): string {
  const dtype = view.dtypes[b.dtype] ?? '?';
  const parts = [dtype];
  if (b.scale !== undefined) parts.push(`s ${exact ? formatScaleExact(b.scale) : formatScale(b.scale)}`);
  else if (b.scales) parts.push(`per-channel, ${b.scales.count} scales`);
  if (b.zeroPoint !== undefined) parts.push(`zp ${b.zeroPoint}`);
  else if (b.zeroPoints) parts.push(`zp ${b.zeroPoints.min}..${b.zeroPoints.max}`);
  else if (b.error === undefined) parts.push('zp 0');
  return parts.join(' · ');
}

/** The node's label: op type (or tensor name), then a weights line when it has weights (src/protocol/nodeLabel.ts). */
export function nodeLabel(view: GraphViewDto, v: ViewNodeDto): string {
  return nodeLabelLines(view, v).join('\n');
}

/** Name a node is known by in overlays, findings and reveal requests. */
export function nodeKey(view: GraphViewDto, v: ViewNodeDto): string {
  if (v.op === undefined) return v.name;
  return v.name !== '' ? v.name : `${view.ops[v.op] ?? '?'}#${v.node ?? '?'}`;
}

/** A Q/DQ node's key in the view: its name, else `Op#index` (as the host labels unnamed nodes). */
export function qdqKey(name: string | undefined, op: string, index: number | undefined): string | undefined {
  if (name) return name;
  return index === undefined ? undefined : `${op}#${index}`;
}

/** Segment bends of one edge as cytoscape `segment-distances` / `segment-weights` (edge-distances: node-position). */
export function segmentsFor(sx: number, sy: number, tx: number, ty: number, points: readonly number[], from: number, to: number): { sd: number[]; sw: number[] } | undefined {
  if (to <= from) return undefined;
  const dx = tx - sx;
  const dy = ty - sy;
  const l2 = dx * dx + dy * dy;
  if (l2 < 1e-6) return undefined;
  const l = Math.sqrt(l2);
  const sd: number[] = [];
  const sw: number[] = [];
  for (let k = from; k < to; k++) {
    const px = points[2 * k]! - sx;
    const py = points[2 * k + 1]! - sy;
    sw.push((px * dx + py * dy) / l2);
    sd.push((px * -dy + py * dx) / l);
  }
  return { sd, sw };
}

/** Where a point given by (distance, weight) lands: the inverse of `segmentsFor` (as cytoscape computes it). */
export function segmentPoint(sx: number, sy: number, tx: number, ty: number, d: number, w: number): [number, number] {
  const dx = tx - sx;
  const dy = ty - sy;
  const l = Math.sqrt(dx * dx + dy * dy);
  return [sx + dx * w + (-dy / l) * d, sy + dy * w + (dx / l) * d];
}

export type OpCategory = 'conv' | 'activation' | 'math' | 'pool' | 'shape' | 'norm' | 'qdq' | 'io' | 'control' | 'other';

const CATEGORY: Record<string, OpCategory> = {};
const put = (cat: OpCategory, ops: string): void => {
  for (const op of ops.split(' ')) CATEGORY[op] = cat;
};
put('conv', 'Conv ConvTranspose Gemm MatMul MatMulInteger ConvInteger QLinearConv QLinearMatMul Einsum');
put('activation', 'Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Softmax LogSoftmax Elu Selu Gelu Mish Softplus Clip Erf');
put('math', 'Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Reciprocal Max Min Sum Mean Floor Ceil Round Sin Cos Where Equal Less Greater And Or Not ReduceMean ReduceSum ReduceMax ReduceMin ArgMax ArgMin TopK CumSum');
put('pool', 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool Resize Upsample LpPool RoiAlign NonMaxSuppression');
put('shape', 'Reshape Transpose Concat Split Slice Gather GatherElements GatherND Squeeze Unsqueeze Flatten Shape Size Expand Tile Pad Cast Identity Constant ConstantOfShape Range ScatterND ScatterElements DepthToSpace SpaceToDepth');
put('norm', 'BatchNormalization LayerNormalization InstanceNormalization GroupNormalization LRN Dropout');
put('qdq', 'QuantizeLinear DequantizeLinear DynamicQuantizeLinear');
put('control', 'If Loop Scan');

export function opCategory(op: string | undefined): OpCategory {
  if (op === undefined) return 'io';
  return CATEGORY[op] ?? 'other';
}

export const CATEGORY_LEGEND: readonly { key: OpCategory; label: string; color: string }[] = [
  { key: 'conv', label: 'Conv / GEMM', color: 'charts.blue' },
  { key: 'activation', label: 'Activation', color: 'charts.orange' },
  { key: 'math', label: 'Elementwise', color: 'charts.green' },
  { key: 'pool', label: 'Pool / Resize', color: REFORMAT_YELLOW }, // charts.yellow is too close to orange in Light themes
  { key: 'shape', label: 'Shape / data movement', color: 'descriptionForeground' },
  { key: 'norm', label: 'Normalization', color: 'charts.red' },
  { key: 'qdq', label: 'Quantize / Dequantize', color: 'charts.purple' },
  { key: 'control', label: 'Control flow', color: 'charts.red' },
  { key: 'io', label: 'Graph input / output', color: 'editor.foreground' },
  { key: 'other', label: 'Other', color: 'descriptionForeground' },
];

export interface ElementSet {
  readonly nodes: NodeElement[];
  readonly edges: EdgeElement[];
  /** Folded Q/DQ pairs drawn as badges (on edges and on weighted nodes). */
  readonly qdqBadges: number;
}

/** cytoscape elements of a view with its layout: preset positions, sizes, labels, segment bends, badge labels. */
export function toElements(view: GraphViewDto, layout: GraphLayoutDto): ElementSet {
  const nodes: NodeElement[] = new Array(view.nodes.length);
  const badgeSeen = new Set<number>();
  for (let i = 0; i < view.nodes.length; i++) {
    const v = view.nodes[i]!;
    const op = v.op !== undefined ? view.ops[v.op] : undefined;
    let classes = v.kind ?? `op c-${opCategory(op)}`;
    if (v.weightBadges?.length) {
      classes += ' wq';
      for (const b of v.weightBadges) badgeSeen.add(b);
    }
    if (v.graphs?.length || v.fn) classes += ' sub';
    nodes[i] = {
      group: 'nodes',
      data: { id: nodeId(i), label: nodeLabel(view, v), w: layout.w[i]!, h: layout.h[i]!, i },
      position: { x: layout.x[i]!, y: layout.y[i]! },
      classes,
    };
  }
  const edges: EdgeElement[] = new Array(view.edges.length);
  for (let e = 0; e < view.edges.length; e++) {
    const edge = view.edges[e]!;
    const data: EdgeElement['data'] = { id: edgeId(e), source: nodeId(edge.s), target: nodeId(edge.t), i: e };
    let classes = '';
    const seg = segmentsFor(layout.x[edge.s]!, layout.y[edge.s]!, layout.x[edge.t]!, layout.y[edge.t]!, layout.points, layout.pointStart[e]!, layout.pointStart[e + 1]!);
    if (seg) {
      data.sd = seg.sd;
      data.sw = seg.sw;
      classes = 'bent';
    }
    if (edge.badges?.length) {
      data.label = edge.badges.map((b) => badgeText(view, view.badges[b]!)).join(' | ');
      classes += ' q';
      for (const b of edge.badges) badgeSeen.add(b);
    }
    edges[e] = classes ? { group: 'edges', data, classes: classes.trim() } : { group: 'edges', data, classes: '' };
  }
  return { nodes, edges, qdqBadges: badgeSeen.size };
}

/** The colouring by op type (always offered). */
export const OP_TYPE_SOURCE = 'opType';

/** The default colouring: the analysis overlay's predicted precision. */
export const DEFAULT_COLOR_SOURCE = 'analysis';

/**
 * The colouring shown: the one chosen while it is offered; when it is not (its overlay went away,
 * e.g. sensitivity results removed, or has not come yet) the default, predicted precision; op type
 * only when that is not offered either. The choice itself is kept: it shows again when it comes back.
 */
export function effectiveColorSource(chosen: string, offered: readonly string[]): string {
  if (offered.includes(chosen)) return chosen;
  return offered.includes(DEFAULT_COLOR_SOURCE) ? DEFAULT_COLOR_SOURCE : OP_TYPE_SOURCE;
}

/** Where overlay entries and reveal requests land: a drawn node, or the edges/nodes carrying a folded Q/DQ's badge. */
export interface Targets {
  readonly nodes: number[];
  readonly edges: number[];
}

export class ViewIndex {
  private readonly byKey = new Map<string, number>();
  private readonly byTensor = new Map<string, number[]>();
  private readonly folded = new Map<string, Targets>();

  constructor(readonly view: GraphViewDto) {
    view.nodes.forEach((v, i) => {
      const key = nodeKey(view, v);
      if (!this.byKey.has(key)) this.byKey.set(key, i);
    });
    view.edges.forEach((edge, e) => {
      const name = view.tensors[edge.tensor]?.name;
      if (name !== undefined) {
        const list = this.byTensor.get(name);
        if (list) list.push(e);
        else this.byTensor.set(name, [e]);
      }
      for (const b of edge.badges ?? []) this.addFolded(view.badges[b]!, undefined, e);
    });
    view.nodes.forEach((v, i) => {
      for (const b of v.weightBadges ?? []) this.addFolded(view.badges[b]!, i, undefined);
    });
  }

  private addFolded(b: QdqBadgeDto, node: number | undefined, edge: number | undefined): void {
    for (const key of [qdqKey(b.qName, 'QuantizeLinear', b.q), qdqKey(b.dqName, 'DequantizeLinear', b.dq)]) {
      if (key === undefined || this.byKey.has(key)) continue;
      let t = this.folded.get(key);
      if (!t) this.folded.set(key, (t = { nodes: [], edges: [] }));
      if (node !== undefined && !t.nodes.includes(node)) t.nodes.push(node);
      if (edge !== undefined) t.edges.push(edge);
    }
  }

  /** The drawn node with this key, if any. */
  node(key: string): number | undefined {
    return this.byKey.get(key);
  }

  /** Where `name` is in this view: the node itself; a folded Q/DQ's edges or weighted node; else the edges of a tensor of that name. */
  targets(name: string): Targets | undefined {
    const n = this.byKey.get(name);
    if (n !== undefined) return { nodes: [n], edges: [] };
    const f = this.folded.get(name);
    if (f) return f;
    const t = this.byTensor.get(name);
    return t ? { nodes: [], edges: t } : undefined;
  }

  /**
   * Search: nodes whose name or op type contains `query` (case-insensitive), then edges whose
   * tensor does. In the folded view a Q/DQ drawn as a badge is found by its name (or op type) too:
   * the hit is the edge carrying its badge, or the node carrying it as a weight badge (where reveal
   * and overlays put it). Each element is one hit, however many of its names match.
   */
  search(query: string, limit = 10_000): { kind: 'node' | 'edge'; index: number }[] {
    const q = query.trim().toLowerCase();
    if (q === '') return [];
    const hits: { kind: 'node' | 'edge'; index: number }[] = [];
    const view = this.view;
    const badgeHit = new Map<number, boolean>();
    const badgeMatches = (b: number): boolean => {
      let hit = badgeHit.get(b);
      if (hit === undefined) {
        hit = false;
        const badge = view.badges[b];
        if (badge) {
          for (const [name, op, index] of [
            [badge.qName, 'QuantizeLinear', badge.q],
            [badge.dqName, 'DequantizeLinear', badge.dq],
          ] as const) {
            const key = qdqKey(name, op, index);
            if (key !== undefined && (key.toLowerCase().includes(q) || op.toLowerCase().includes(q))) hit = true;
          }
        }
        badgeHit.set(b, hit);
      }
      return hit;
    };
    for (let i = 0; i < view.nodes.length && hits.length < limit; i++) {
      const v = view.nodes[i]!;
      const op = v.op !== undefined ? view.ops[v.op]!.toLowerCase() : '';
      if (nodeKey(view, v).toLowerCase().includes(q) || op.includes(q) || v.weightBadges?.some(badgeMatches)) hits.push({ kind: 'node', index: i });
    }
    for (let e = 0; e < view.edges.length && hits.length < limit; e++) {
      const edge = view.edges[e]!;
      const name = view.tensors[edge.tensor]?.name.toLowerCase();
      if ((name !== undefined && name.includes(q)) || edge.badges?.some(badgeMatches)) hits.push({ kind: 'edge', index: e });
    }
    return hits;
  }
}

const indexes = new WeakMap<GraphViewDto, ViewIndex>();

/** One {@link ViewIndex} per view message, built on first use (the properties panel asks it where its links lead). */
export function viewIndexOf(view: GraphViewDto): ViewIndex {
  let index = indexes.get(view);
  if (!index) indexes.set(view, (index = new ViewIndex(view)));
  return index;
}

/**
 * True when `name` is a Q/DQ node the view does not draw because it is folded into the very element
 * the properties panel shows (`here`: a node carrying it as a weight badge, or an edge carrying its
 * badge). A link to it could only select what is already selected, so the panel names it as text.
 */
export function foldedHere(view: GraphViewDto, name: string, here: { readonly node?: number; readonly edge?: number }): boolean {
  if (view.mode !== 'folded') return false;
  const index = viewIndexOf(view);
  if (index.node(name) !== undefined) return false;
  const t = index.targets(name);
  if (!t) return false;
  return (here.node !== undefined && t.nodes.includes(here.node)) || (here.edge !== undefined && t.edges.includes(here.edge));
}

/** What a constant input is to its node, by the operator's input list: Conv's `W` is its weight, `B` its bias. */
export function constantLabel(opType: string, input: number): string {
  switch (opType) {
    case 'Conv':
    case 'ConvTranspose':
    case 'Gemm':
      return input === 1 ? 'Weight' : input === 2 ? 'Bias' : 'Constant';
    case 'MatMul':
      return 'Weight';
    case 'BatchNormalization':
      return ['Constant', 'Scale', 'Bias', 'Mean', 'Variance'][input] ?? 'Constant';
    case 'LayerNormalization':
    case 'InstanceNormalization':
    case 'GroupNormalization':
      return ['Constant', 'Scale', 'Bias'][input] ?? 'Constant';
    case 'QuantizeLinear':
    case 'DequantizeLinear':
      return ['Constant', 'Scale', 'Zero point'][input] ?? 'Constant';
    default:
      return 'Constant';
  }
}

/**
 * A tensor's type as the properties panel writes it: `FLOAT 1×3×640×640`; a sequence, optional or
 * map value by its whole type; and in words what the model does not record (exports mostly declare
 * no types for activations): never `? ?`.
 */
export function tensorTypeText(dtype: string | undefined, shape: readonly Dim[] | undefined): string {
  if (dtype !== undefined && shape === undefined && dtype.includes('(')) return dtype;
  if (dtype === undefined && shape === undefined) return 'type not recorded in the model';
  if (shape === undefined) return `${dtype}, shape not recorded`;
  if (dtype === undefined) return `${formatShape(shape)}, element type not recorded`;
  return `${dtype} ${formatShape(shape)}`;
}

/** A cytoscape viewport: model → screen is `screen = model × zoom + pan`. */
export interface Viewport {
  readonly zoom: number;
  readonly pan: { readonly x: number; readonly y: number };
}

/** Zoom below which the initial view shows the top of the graph (the inputs) at 0.9 instead of all of it. */
export const FIT_READABLE_ZOOM = 0.6;

/**
 * Fitting never zooms in past this: a graph of three nodes is shown at about its natural size in
 * the middle, not blown up to fill the panel (where the legend and the minimap cover its corners).
 */
export const FIT_MAX_ZOOM = 1.25;

/**
 * The first view of a drawing in a `width` × `height` canvas, computed from the layout alone (before
 * cytoscape exists, so only what it shows has to be drawn first): the whole graph fitted with
 * `padding` (at most at {@link FIT_MAX_ZOOM}, centred), or, when that would be smaller than {@link FIT_READABLE_ZOOM} (a tall detector), the
 * top of the graph at 0.9 — readable, like the start of a document.
 */
export function initialViewport(layout: GraphLayoutDto, width: number, height: number, padding = 24, minZoom = 0.005, maxZoom = 4): Viewport {
  const n = layout.x.length;
  if (n === 0 || width <= 0 || height <= 0) return { zoom: 1, pan: { x: width / 2, y: height / 2 } };
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  let top = 0;
  for (let i = 0; i < n; i++) {
    const hw = layout.w[i]! / 2;
    const hh = layout.h[i]! / 2;
    x1 = Math.min(x1, layout.x[i]! - hw);
    x2 = Math.max(x2, layout.x[i]! + hw);
    y2 = Math.max(y2, layout.y[i]! + hh);
    if (layout.y[i]! - hh < y1) {
      y1 = layout.y[i]! - hh;
      top = i;
    }
  }
  const fit = Math.min((width - 2 * padding) / Math.max(1, x2 - x1), (height - 2 * padding) / Math.max(1, y2 - y1));
  const zoom = Math.min(maxZoom, FIT_MAX_ZOOM, Math.max(minZoom, fit));
  if (zoom >= FIT_READABLE_ZOOM) return { zoom, pan: { x: (width - zoom * (x1 + x2)) / 2, y: (height - zoom * (y1 + y2)) / 2 } };
  const z = 0.9;
  return { zoom: z, pan: { x: width / 2 - layout.x[top]! * z, y: 40 - (layout.y[top]! - layout.h[top]! / 2) * z } };
}

/** The model-coordinate rectangle a viewport shows, grown by `margin` × its size on every side. */
export function viewRect(v: Viewport, width: number, height: number, margin = 0.5): { x1: number; y1: number; x2: number; y2: number } {
  const w = width / v.zoom;
  const h = height / v.zoom;
  const x1 = -v.pan.x / v.zoom;
  const y1 = -v.pan.y / v.zoom;
  return { x1: x1 - margin * w, y1: y1 - margin * h, x2: x1 + w + margin * w, y2: y1 + h + margin * h };
}

/**
 * What to hand cytoscape first and what to stream in afterwards. `first`: the nodes whose box meets
 * `rect`, the edges whose line (endpoints and bends) meets it, and the far endpoints of those edges
 * (cytoscape needs both ends). `rest`: every other node, nearest to the rectangle's centre first
 * (the order the panel adds them in). An edge goes in as soon as both its ends are in.
 */
export function splitForFirstPaint(
  view: GraphViewDto,
  layout: GraphLayoutDto,
  rect: { x1: number; y1: number; x2: number; y2: number },
): { firstNodes: Uint8Array; firstEdges: Uint8Array; firstNodeCount: number; rest: number[] } {
  const n = view.nodes.length;
  const firstNodes = new Uint8Array(n);
  const firstEdges = new Uint8Array(view.edges.length);
  for (let i = 0; i < n; i++) {
    const hw = layout.w[i]! / 2;
    const hh = layout.h[i]! / 2;
    if (layout.x[i]! + hw >= rect.x1 && layout.x[i]! - hw <= rect.x2 && layout.y[i]! + hh >= rect.y1 && layout.y[i]! - hh <= rect.y2) firstNodes[i] = 1;
  }
  const inside = (x: number, y: number): boolean => x >= rect.x1 && x <= rect.x2 && y >= rect.y1 && y <= rect.y2;
  for (let e = 0; e < view.edges.length; e++) {
    const { s, t } = view.edges[e]!;
    let meets = firstNodes[s] === 1 || firstNodes[t] === 1;
    if (!meets) {
      // A long edge passing through: its bounding box spans the rectangle and a segment crosses it.
      const xs = [layout.x[s]!];
      const ys = [layout.y[s]!];
      for (let k = layout.pointStart[e]!; k < layout.pointStart[e + 1]!; k++) {
        xs.push(layout.points[2 * k]!);
        ys.push(layout.points[2 * k + 1]!);
      }
      xs.push(layout.x[t]!);
      ys.push(layout.y[t]!);
      for (let k = 0; k + 1 < xs.length && !meets; k++) {
        const ax = xs[k]!;
        const ay = ys[k]!;
        const bx = xs[k + 1]!;
        const by = ys[k + 1]!;
        if (inside(ax, ay) || inside(bx, by)) meets = true;
        else if (Math.max(ax, bx) >= rect.x1 && Math.min(ax, bx) <= rect.x2 && Math.max(ay, by) >= rect.y1 && Math.min(ay, by) <= rect.y2) {
          // Segment's box overlaps: layout segments are mostly vertical or short, so count it.
          meets = true;
        }
      }
    }
    if (meets) firstEdges[e] = 1;
  }
  for (let e = 0; e < view.edges.length; e++) {
    if (firstEdges[e] !== 1) continue;
    firstNodes[view.edges[e]!.s] = 1;
    firstNodes[view.edges[e]!.t] = 1;
  }
  let firstNodeCount = 0;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) {
    if (firstNodes[i] === 1) firstNodeCount++;
    else rest.push(i);
  }
  // Edges between first nodes that were not on the path through the rectangle go in too.
  for (let e = 0; e < view.edges.length; e++) if (firstNodes[view.edges[e]!.s] === 1 && firstNodes[view.edges[e]!.t] === 1) firstEdges[e] = 1;
  const cx = (rect.x1 + rect.x2) / 2;
  const cy = (rect.y1 + rect.y2) / 2;
  const d = (i: number): number => Math.abs(layout.y[i]! - cy) + 0.25 * Math.abs(layout.x[i]! - cx);
  rest.sort((a, b) => d(a) - d(b) || a - b);
  return { firstNodes, firstEdges, firstNodeCount, rest };
}

/** One end of a heat ramp: its legend label and colour (a theme colour id, CSS variable or CSS colour). */
export interface HeatEnd {
  readonly label: string;
  readonly color: string;
}

/**
 * The two ends of an overlay's heat ramp: its legend's first and last entries, or the default
 * ramp (HEAT_RAMP, labelled low/high) when the legend has fewer than two.
 */
export function heatEnds(legend: readonly { readonly label: string; readonly color: string }[]): { low: HeatEnd; high: HeatEnd } {
  if (legend.length >= 2) {
    const first = legend[0]!;
    const last = legend[legend.length - 1]!;
    return { low: { label: first.label, color: first.color }, high: { label: last.label, color: last.color } };
  }
  return { low: { label: 'low', color: HEAT_RAMP.low }, high: { label: 'high', color: HEAT_RAMP.high } };
}

/** A row of a colouring's legend: a colour (a square swatch), or a heat ramp (a gradient bar between its two labelled ends). */
export type ColoringLegendRow<T> =
  | { readonly label: string; readonly color: T }
  | { readonly ramp: { readonly low: { readonly label: string; readonly color: T }; readonly high: { readonly label: string; readonly color: T } } };

/**
 * The legend rows of an overlay colouring: only the keys some drawn node is coloured by (`drawn`),
 * in the legend's order. A heat ramp (`heat`: some node coloured by its heat) is one row, first:
 * the gradient between its two ends ({@link heatEnds}) with their labels; its end entries are not
 * listed again as squares (they used to be its only rows: two colours, no ramp between them). A
 * key whose only nodes are folded into edge badges is not drawn, so it is not listed. `color`
 * resolves a legend colour.
 */
export function legendRowsFor<T>(
  legend: readonly { readonly key: string; readonly label: string; readonly color: string }[],
  drawn: ReadonlySet<string>,
  heat: boolean,
  color: (legendColor: string) => T,
): ColoringLegendRow<T>[] {
  const rows: ColoringLegendRow<T>[] = [];
  if (heat) {
    const { low, high } = heatEnds(legend);
    rows.push({ ramp: { low: { label: low.label, color: color(low.color) }, high: { label: high.label, color: color(high.color) } } });
  }
  const isEnd = (i: number): boolean => heat && legend.length >= 2 && (i === 0 || i === legend.length - 1);
  legend.forEach((l, i) => {
    if (drawn.has(l.key) && !isEnd(i)) rows.push({ label: l.label, color: color(l.color) });
  });
  return rows;
}
