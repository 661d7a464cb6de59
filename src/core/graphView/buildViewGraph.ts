/**
 * buildViewGraph: a decoded model + graph index -> the view graph the graph view draws (see
 * viewGraph.types.ts). Linear in the size of the graph; the only payloads read are the scales and
 * zero points of folded Q/DQ pairs (small tensors, cached by name).
 *
 * Folding rules (mode `folded`):
 * - activation pair: a QuantizeLinear whose output has exactly one reader, a DequantizeLinear
 *   reading it as its input 0 (and is no graph output), and whose DequantizeLinear output is read
 *   or is a graph output. Both nodes disappear; each edge from the producer of the Q input to a
 *   reader of the DQ output carries the badge. Back-to-back pairs give one edge with several
 *   badges.
 * - weight pair: the same, when the Q input is a constant (initializer or Constant node) and the DQ
 *   output feeds only operators (no graph output, no further Q/DQ). The badge goes on each reader.
 * - lone weight DequantizeLinear: a DQ reading a constant (a stored INT8 weight), folded like a
 *   weight pair (one node removed).
 * Everything else stays drawn: a Q without DQ, a pair whose DQ output nobody reads (it is worth
 * seeing), a DQ on an activation without Q.
 */
import type { GraphIndex } from '../graph/index';
import { type DecodedModel, type Node, type TypeProto, DataType, dataTypeName } from '../onnx/index';
import { ScopeLevel, resolveGraphRef, type ResolvedGraph } from './graphScope';
import { type ParamSource, constantValueAttr, intAttr, isOnnxDomain, paramInfo, readParamValues } from './params';
import type {
  GraphRef, ParamSummary, QdqBadge, SubgraphInfo, ViewEdge, ViewGraph, ViewMode, ViewNode, ViewTensor,
} from './viewGraph.types';

export interface BuildViewOptions {
  /** Which graph (default: the main graph). */
  ref?: GraphRef;
  /** Default `folded` (identical to `raw` for a model without Q/DQ). */
  mode?: ViewMode;
  /**
   * `inline` (default): Constant nodes are shown as parameters of their readers, like initializers
   * (torch exports have one per Q/DQ scale and zero point). `nodes`: they are drawn.
   */
  constants?: 'inline' | 'nodes';
  /** The document's index of the main graph, reused when `ref` names the main graph. */
  index?: GraphIndex;
}

const MAIN: GraphRef = { path: [] };

function isQ(n: Node): boolean {
  return n.opType === 'QuantizeLinear' && (isOnnxDomain(n.domain) || n.domain === 'com.microsoft');
}

function isDQ(n: Node): boolean {
  return n.opType === 'DequantizeLinear' && (isOnnxDomain(n.domain) || n.domain === 'com.microsoft');
}

class StringTable {
  readonly list: string[] = [];
  private readonly map = new Map<string, number>();
  id(s: string): number {
    let i = this.map.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.map.set(s, i);
    }
    return i;
  }
}

type Shape = (number | string | null)[];

function typeOf(t: TypeProto | undefined): { elem?: number; shape?: Shape } {
  const tt = t?.tensorType ?? t?.sparseTensorType;
  if (!tt) return {};
  const out: { elem?: number; shape?: Shape } = {};
  if (tt.elemType) out.elem = tt.elemType;
  if (tt.shape) out.shape = tt.shape.dim.map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null));
  return out;
}

/** Result of following a tensor name back to what the view draws for it. */
const SRC_NODE = 0;
const SRC_PARAM = 1;
const SRC_WEIGHT = 2;
type Src = typeof SRC_NODE | typeof SRC_PARAM | typeof SRC_WEIGHT;

export function buildViewGraph(decoded: DecodedModel, options: BuildViewOptions = {}): ViewGraph {
  const ref = options.ref ?? MAIN;
  const mode: ViewMode = options.mode ?? 'folded';
  const inlineConstants = (options.constants ?? 'inline') === 'inline';
  const resolved: ResolvedGraph = resolveGraphRef(decoded.model, ref, ref.function || ref.path.length ? undefined : options.index);
  const { graph: g, index: idx } = resolved;
  const local = new ScopeLevel(g, idx);
  const scopes: ScopeLevel[] = [local, ...resolved.outer];
  const nodes = g.node;
  const N = nodes.length;
  const ops = new StringTable();
  const dtypes = new StringTable();
  const graphOutputs = new Set(g.output.map((o) => o.name));

  // ---- constants shown as parameters ----------------------------------------------------------
  const inlined = new Uint8Array(N);
  let inlinedConstants = 0;
  if (inlineConstants) {
    for (let i = 0; i < N; i++) {
      const n = nodes[i]!;
      if (n.opType !== 'Constant' || !constantValueAttr(n)) continue;
      if (n.output.some((o) => graphOutputs.has(o))) continue;
      inlined[i] = 1;
      inlinedConstants++;
    }
  }

  /** A constant visible from this graph: initializer or Constant node here, else in an enclosing graph. */
  const paramSources = new Map<string, ParamSource | null>();
  const findParam = (name: string, localConstantsOnlyIfInlined: boolean): ParamSource | undefined => {
    const key = localConstantsOnlyIfInlined ? name : `\u0000${name}`;
    const hit = paramSources.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let found: ParamSource | undefined;
    for (let s = 0; s < scopes.length && !found; s++) {
      const level = scopes[s]!;
      const t = level.initializers.get(name);
      if (t) {
        found = { kind: 'initializer', tensor: t };
        break;
      }
      const p = level.producer.get(name);
      if (p !== undefined) {
        const n = level.graph.node[p]!;
        const attr = constantValueAttr(n);
        if (attr && (s > 0 || !localConstantsOnlyIfInlined || inlined[p])) found = { kind: 'constant', node: n, attr };
        break; // defined by a node here: nothing further out can be meant
      }
      if (level.graph.input.some((v) => v.name === name)) break;
    }
    paramSources.set(key, found ?? null);
    return found;
  };
  /** Is `name` drawn as a parameter (not an edge)? */
  const isParam = (name: string): boolean => findParam(name, true) !== undefined;

  // ---- tables: params and tensors ---------------------------------------------------------------
  const params: ParamSummary[] = [];
  const paramIndex = new Map<string, number>();
  const paramOf = (name: string): number => {
    let i = paramIndex.get(name);
    if (i === undefined) {
      const src = findParam(name, true) ?? findParam(name, false)!;
      const info = paramInfo(src);
      const p: { -readonly [K in keyof ParamSummary]: ParamSummary[K] } = { name, dtype: dtypes.id(dataTypeName(info.dtype)), shape: info.shape };
      if (info.bytes !== undefined) p.bytes = info.bytes;
      if (src.kind === 'constant') p.constant = true;
      if (info.external) p.external = true;
      i = params.length;
      params.push(p);
      paramIndex.set(name, i);
    }
    return i;
  };

  const tensors: ViewTensor[] = [];
  const tensorIndex = new Map<string, number>();
  const tensorOf = (name: string, alsoLookAt?: string): number => {
    let i = tensorIndex.get(name);
    if (i === undefined) {
      let info = tensorType(name);
      if (info.elem === undefined && info.shape === undefined && alsoLookAt !== undefined) info = tensorType(alsoLookAt);
      const t: { -readonly [K in keyof ViewTensor]: ViewTensor[K] } = { name };
      if (info.elem !== undefined) t.dtype = dtypes.id(dataTypeName(info.elem));
      if (info.shape !== undefined) t.shape = info.shape;
      i = tensors.length;
      tensors.push(t);
      tensorIndex.set(name, i);
    }
    return i;
  };
  const tensorType = (name: string): { elem?: number; shape?: Shape } => {
    for (const level of scopes) {
      const v = level.valueInfo.get(name);
      if (v) return typeOf(v.type);
      const t = level.initializers.get(name);
      if (t) return { elem: t.dataType, shape: t.dims.map(Number) };
      if (level.producer.has(name)) break;
    }
    return {};
  };

  // ---- Q/DQ folding -----------------------------------------------------------------------------
  const badges: QdqBadge[] = [];
  /** ONNX node index -> badge index, for folded Q and DQ nodes. */
  const fold = new Int32Array(N).fill(-1);
  let foldedPairs = 0;
  let foldedWeightDq = 0;
  const valueCache = new Map<string, { values?: ArrayLike<number | bigint>; error?: string; dtype: number }>();
  const readValues = (name: string): { values?: ArrayLike<number | bigint>; error?: string; dtype: number } => {
    let hit = valueCache.get(name);
    if (!hit) {
      const src = findParam(name, false);
      if (!src) hit = { error: `'${name}' is not a constant`, dtype: DataType.UNDEFINED };
      else {
        const dtype = paramInfo(src).dtype;
        try {
          hit = { values: readParamValues(decoded, src), dtype };
        } catch (err) {
          hit = { error: (err as Error).message, dtype };
        }
      }
      valueCache.set(name, hit);
    }
    return hit;
  };
  const makeBadge = (kind: QdqBadge['kind'], q: number | undefined, dq: number): number => {
    const dqNode = nodes[dq]!;
    const paramsNode = q !== undefined ? nodes[q]! : dqNode;
    const b: { -readonly [K in keyof QdqBadge]: QdqBadge[K] } = {
      kind,
      dq,
      dqName: dqNode.name,
      dtype: 0,
      tensor: tensorOf(dqNode.output[0]!, paramsNode.input[0]),
    };
    if (q !== undefined) {
      b.q = q;
      b.qName = nodes[q]!.name;
    }
    if (kind === 'weight') b.param = paramOf(paramsNode.input[0]!);
    const errors: string[] = [];
    const scaleName = paramsNode.input[1] ?? '';
    const zpName = paramsNode.input[2] ?? '';
    // Quantized type: the zero point's type, else output_dtype (opset 21), else the stored weight's
    // type for a lone DQ, else UINT8 (the ONNX default).
    let qType: number = DataType.UINT8;
    const outDtype = intAttr(paramsNode, 'output_dtype');
    if (zpName !== '') {
      const zp = readValues(zpName);
      qType = zp.dtype;
      if (zp.values) {
        const { min, max } = range(zp.values);
        if (min === max) b.zeroPoint = min;
        else if (zp.values.length) b.zeroPoints = { min, max };
      } else errors.push(`zero point: ${zp.error}`);
    } else if (outDtype) qType = outDtype;
    else if (q === undefined) {
      const src = findParam(paramsNode.input[0]!, false);
      if (src) qType = paramInfo(src).dtype;
    }
    b.dtype = dtypes.id(dataTypeName(qType));
    if (scaleName !== '') {
      const s = readValues(scaleName);
      if (s.values) {
        if (s.values.length === 1) b.scale = Number(s.values[0]);
        else {
          const { min, max } = range(s.values);
          const blockSize = intAttr(paramsNode, 'block_size');
          b.scales = { count: s.values.length, min, max, axis: intAttr(paramsNode, 'axis') ?? 1, ...(blockSize ? { blockSize } : {}) };
        }
      } else errors.push(`scale: ${s.error}`);
    } else errors.push('no scale input');
    if (errors.length) b.error = errors.join('; ');
    badges.push(b);
    return badges.length - 1;
  };

  // Readers through node inputs only (drawn readers): a node whose subgraph reads the name has no
  // drawn edge for it, so it neither holds a pair back from folding nor counts as its reader.
  const consumersOf = (name: string): readonly number[] => {
    const all = idx.consumers.get(name) ?? [];
    return idx.implicitInputs.size ? all.filter((c) => nodes[c]!.input.includes(name)) : all;
  };
  if (mode === 'folded') {
    /** Readers of a weight DQ output must all be drawn operators (not Q/DQ, no graph output). */
    const weightReadersOk = (y: string): boolean => {
      const cons = consumersOf(y);
      if (cons.length === 0 || graphOutputs.has(y)) return false;
      for (const c of cons) if (isQ(nodes[c]!) || isDQ(nodes[c]!)) return false;
      return true;
    };
    for (let i = 0; i < N; i++) {
      const n = nodes[i]!;
      if (!isQ(n) || fold[i] >= 0) continue;
      const x = n.input[0];
      const q = n.output[0];
      if (!x || !q || graphOutputs.has(q)) continue;
      const cons = consumersOf(q);
      if (cons.length !== 1) continue;
      const j = cons[0]!;
      const d = nodes[j]!;
      if (!isDQ(d) || d.input[0] !== q || fold[j] >= 0) continue;
      const y = d.output[0];
      if (!y) continue;
      const weight = isParam(x);
      if (weight ? !weightReadersOk(y) : consumersOf(y).length === 0 && !graphOutputs.has(y)) continue;
      fold[i] = fold[j] = makeBadge(weight ? 'weight' : 'activation', i, j);
      foldedPairs++;
    }
    for (let j = 0; j < N; j++) {
      const d = nodes[j]!;
      if (!isDQ(d) || fold[j] >= 0) continue;
      const x = d.input[0];
      const y = d.output[0];
      if (!x || !y || !isParam(x) || !weightReadersOk(y)) continue;
      fold[j] = makeBadge('weight', undefined, j);
      foldedWeightDq++;
    }
  }

  // Drawn Constant nodes (constants: 'nodes') that only fed folded Q/DQ go with them.
  let foldedConstants = 0;
  if (mode === 'folded' && !inlineConstants && badges.length) {
    for (let i = 0; i < N; i++) {
      const n = nodes[i]!;
      if (n.opType !== 'Constant' || n.output.some((o) => graphOutputs.has(o))) continue;
      let readers = 0;
      let foldedOnly = true;
      for (const o of n.output) {
        for (const c of consumersOf(o)) {
          readers++;
          if (fold[c]! < 0) foldedOnly = false;
        }
      }
      if (readers > 0 && foldedOnly) {
        inlined[i] = 1;
        foldedConstants++;
      }
    }
  }

  // ---- nodes ------------------------------------------------------------------------------------
  const view: ViewNode[] = [];
  const viewOf = new Int32Array(N).fill(-1);
  const inputNode = new Map<string, number>();
  for (const v of idx.inputs) {
    if (inputNode.has(v.name)) continue;
    inputNode.set(v.name, view.length);
    view.push({ kind: 'input', name: v.name });
  }
  /** Input nodes created on demand for tensors of enclosing graphs or that nothing defines. */
  const extraInput = (name: string): number => {
    let at = inputNode.get(name);
    if (at === undefined) {
      const outer = resolved.outer.some((level) => level.defines(name));
      at = view.length;
      view.push(outer ? { kind: 'input', name, outer: true } : { kind: 'input', name, missing: true });
      inputNode.set(name, at);
    }
    return at;
  };
  // Result of `follow`: what the tensor is, plus (for nodes) the source node, the source tensor and
  // the badges met on the way (target side first).
  let srcNode = -1;
  let srcTensor = '';
  let srcWeightBadge = -1;
  const met: number[] = [];
  const follow = (name: string): Src => {
    met.length = 0;
    for (let steps = 0; steps <= N; steps++) {
      const p = idx.producer.get(name);
      if (p !== undefined) {
        if (inlined[p]) return SRC_PARAM;
        const b = fold[p];
        if (b >= 0) {
          const badge = badges[b]!;
          if (badge.kind === 'weight') {
            srcWeightBadge = b;
            return SRC_WEIGHT;
          }
          // An activation pair: readers see the DQ output; continue at the Q input.
          met.push(b);
          name = nodes[badge.q!]!.input[0]!;
          continue;
        }
        srcNode = viewOf[p]!;
        srcTensor = name;
        return SRC_NODE;
      }
      const inp = inputNode.get(name);
      if (inp !== undefined) {
        srcNode = inp;
        srcTensor = name;
        return SRC_NODE;
      }
      if (isParam(name)) return SRC_PARAM;
      srcNode = extraInput(name);
      srcTensor = name;
      return SRC_NODE;
    }
    // Only a cycle made of folded pairs gets here.
    met.length = 0;
    srcNode = extraInput(name);
    srcTensor = name;
    return SRC_NODE;
  };

  // Inputs of enclosing graphs (and missing ones) are created by a first walk, so that all input
  // nodes come before the operators.
  for (const i of idx.topoOrder) {
    if (inlined[i] || fold[i] >= 0) continue;
    for (const name of nodes[i]!.input) if (name !== '') follow(name);
  }
  for (const o of g.output) follow(o.name);
  const firstOp = view.length;

  const localFunctions = new Set(decoded.model.functions.map((f) => `${f.domain}\u0000${f.name}\u0000${f.overload ?? ''}`));
  let unfoldedQ = 0;
  let unfoldedDq = 0;
  for (const i of idx.topoOrder) {
    if (inlined[i] || fold[i] >= 0) continue;
    const n = nodes[i]!;
    const v: { -readonly [K in keyof ViewNode]: ViewNode[K] } = { op: ops.id(n.opType), name: n.name, node: i };
    let graphs: SubgraphInfo[] | undefined;
    for (const a of n.attribute) {
      if (a.g) (graphs ??= []).push({ attr: a.name, nodes: a.g.node.length });
      a.graphs.forEach((sg, k) => (graphs ??= []).push({ attr: a.name, index: k, nodes: sg.node.length }));
    }
    if (graphs) v.graphs = graphs;
    if (localFunctions.size && localFunctions.has(`${n.domain}\u0000${n.opType}\u0000${n.overload ?? ''}`)) v.fn = true;
    if (mode === 'folded') {
      if (isQ(n)) unfoldedQ++;
      else if (isDQ(n)) unfoldedDq++;
    }
    viewOf[i] = view.length;
    view.push(v);
  }
  const opNodes = view.length - firstOp;

  // ---- edges ------------------------------------------------------------------------------------
  const edges: ViewEdge[] = [];
  const connect = (target: number, v: { params?: number[]; weightBadges?: number[] }, name: string, edgeStart: number): void => {
    const kind = follow(name);
    if (kind === SRC_PARAM) {
      const p = paramOf(name);
      const list = (v.params ??= []);
      if (!list.includes(p)) list.push(p);
      return;
    }
    if (kind === SRC_WEIGHT) {
      const list = (v.weightBadges ??= []);
      if (!list.includes(srcWeightBadge)) list.push(srcWeightBadge);
      return;
    }
    const tensor = tensorOf(srcTensor, met.length ? nodes[badges[met[0]!]!.dq]!.output[0] : undefined);
    for (let e = edgeStart; e < edges.length; e++) {
      const old = edges[e]!;
      if (old.s === srcNode && old.tensor === tensor) return; // the same tensor read twice
    }
    const edge: { -readonly [K in keyof ViewEdge]: ViewEdge[K] } = { s: srcNode, t: target, tensor };
    if (met.length) edge.badges = met.slice().reverse();
    edges.push(edge);
  };
  for (let vi = firstOp; vi < firstOp + opNodes; vi++) {
    const v = view[vi] as { -readonly [K in keyof ViewNode]: ViewNode[K] };
    const start = edges.length;
    for (const name of nodes[v.node!]!.input) if (name !== '') connect(vi, v, name, start);
  }
  for (const o of g.output) {
    const at = view.length;
    const v: { -readonly [K in keyof ViewNode]: ViewNode[K] } = { kind: 'output', name: o.name };
    view.push(v);
    connect(at, v, o.name, edges.length);
  }

  return {
    ref,
    mode,
    title: resolved.title,
    ops: ops.list,
    dtypes: dtypes.list,
    nodes: view,
    tensors,
    edges,
    badges,
    params,
    stats: { onnxNodes: N, opNodes, foldedPairs, foldedWeightDq, inlinedConstants, foldedConstants, unfoldedQ, unfoldedDq },
  };
}

function range(values: ArrayLike<number | bigint>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Model-local functions and the graphs that can be opened, for a "open subgraph/function" picker. */
export function listFunctions(decoded: DecodedModel): GraphRef[] {
  return decoded.model.functions.map((f) => ({ function: { domain: f.domain, name: f.name, ...(f.overload ? { overload: f.overload } : {}) }, path: [] }));
}
