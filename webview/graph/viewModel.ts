/**
 * Pure helpers over the `graphView` message (no DOM, no cytoscape): the cytoscape element data
 * with preset positions and segment bends, labels and Q/DQ badge text, the keys overlays and
 * search use, and op-type categories. Unit-tested in test/unit/webview.
 */
import type { GraphLayoutDto, GraphViewDto, QdqBadgeDto, ViewNodeDto } from '../../src/protocol/graphView';

/** Longest label line drawn on a node (the host sizes boxes for the same cut). */
export const MAX_LABEL_CHARS = 32;

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

function cut(text: string, max = MAX_LABEL_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `1.234e-3` style: 4 significant digits. */
export function formatScale(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/** Badge text of one folded Q/DQ pair: dtype, scale (or "N scales"), zero point. */
export function badgeText(view: GraphViewDto, b: QdqBadgeDto): string {
  const dtype = view.dtypes[b.dtype] ?? '?';
  const parts = [dtype];
  if (b.scale !== undefined) parts.push(`s ${formatScale(b.scale)}`);
  else if (b.scales) parts.push(`per-channel, ${b.scales.count} scales`);
  if (b.zeroPoint !== undefined) parts.push(`zp ${b.zeroPoint}`);
  else if (b.zeroPoints) parts.push(`zp ${b.zeroPoints.min}..${b.zeroPoints.max}`);
  else if (b.error === undefined) parts.push('zp 0');
  return parts.join(' · ');
}

function dims(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** The node's label: op type (or tensor name), then a weights line when it has weights. */
export function nodeLabel(view: GraphViewDto, v: ViewNodeDto): string {
  if (v.op === undefined) return cut(v.name);
  const op = view.ops[v.op] ?? '?';
  const lines = [cut(op)];
  const params = v.params ?? [];
  if (params.length > 0 || v.weightBadges?.length) {
    // The main weight: the parameter with most dimensions (a conv kernel over its bias).
    let best = -1;
    for (const p of params) if (best < 0 || (view.params[p]?.shape.length ?? 0) > (view.params[best]?.shape.length ?? 0)) best = p;
    const w = best >= 0 ? view.params[best] : undefined;
    const wb = v.weightBadges?.[0] !== undefined ? view.badges[v.weightBadges[0]] : undefined;
    const wbParam = wb?.param !== undefined ? view.params[wb.param] : undefined;
    const main = wbParam && (!w || wbParam.shape.length >= w.shape.length) ? wbParam : w;
    const shape = main ? dims(main.shape) : '';
    const q = wb ? ` ${view.dtypes[wb.dtype] ?? ''}` : '';
    lines.push(cut(`W ${shape}${q}`.trim()));
  }
  return lines.join('\n');
}

/** Name a node is known by in overlays, findings and reveal requests. */
export function nodeKey(view: GraphViewDto, v: ViewNodeDto): string {
  if (v.op === undefined) return v.name;
  return v.name !== '' ? v.name : `${view.ops[v.op] ?? '?'}#${v.node ?? '?'}`;
}

function qdqKey(name: string | undefined, op: string, index: number | undefined): string | undefined {
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
  { key: 'pool', label: 'Pool / Resize', color: 'charts.yellow' },
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

  /** Search: nodes whose name or op type contains `query` (case-insensitive), then edges whose tensor does. */
  search(query: string, limit = 10_000): { kind: 'node' | 'edge'; index: number }[] {
    const q = query.trim().toLowerCase();
    if (q === '') return [];
    const hits: { kind: 'node' | 'edge'; index: number }[] = [];
    const view = this.view;
    for (let i = 0; i < view.nodes.length && hits.length < limit; i++) {
      const v = view.nodes[i]!;
      const op = v.op !== undefined ? view.ops[v.op]!.toLowerCase() : '';
      if (nodeKey(view, v).toLowerCase().includes(q) || op.includes(q)) hits.push({ kind: 'node', index: i });
    }
    for (let e = 0; e < view.edges.length && hits.length < limit; e++) {
      const name = view.tensors[view.edges[e]!.tensor]?.name.toLowerCase();
      if (name !== undefined && name.includes(q)) hits.push({ kind: 'edge', index: e });
    }
    return hits;
  }
}
