/**
 * Properties of one node for the properties panel, computed in the host on request: attributes as
 * display text, inputs and outputs with dtype and shape (value_info, graph inputs/outputs,
 * initializers), constant inputs with their summary and statistics (read from the file here; the
 * data never leaves the host), and for QuantizeLinear / DequantizeLinear every scale and zero-point
 * value with the range. Plain JSON (`NodeProperties`, mirrored by src/protocol/properties.ts).
 */
import type { GraphIndex } from '../graph/index';
import { AttributeType, type Attribute, type DecodedModel, type Node, type Tensor, type TypeProto, dataTypeName, tensorElementCount, typeString } from '../onnx/index';
import { resolveGraphRef, type ResolvedGraph } from './graphScope';
import { type NumericValues, type ParamSource, constantValueAttr, intAttr, paramInfo, readParamValues } from './params';
import type { GraphRef } from './viewGraph.types';
import { readTensorValues } from '../onnx/index';

export interface TensorStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  zeros: number;
  nonFinite: number;
}

export interface WeightInfo {
  dtype: string;
  shape: number[];
  bytes?: number;
  external?: true;
  constantNode?: string;
  stats?: TensorStats;
  statsNote?: string;
  /** The constant's own name, when the input reads it through Q/DQ (the input is the DQ's output). */
  tensor?: string;
  /** The QuantizeLinear (absent for a stored quantized weight) and DequantizeLinear the weight goes through. */
  through?: { quantize?: string; dequantize: string };
}

export interface TensorInfo {
  name: string;
  dtype?: string;
  shape?: (number | string | null)[];
  producer?: string;
  consumers?: string[];
  graphInput?: true;
  graphOutput?: true;
  weight?: WeightInfo;
}

export interface QdqValues {
  tensor: string;
  dtype: string;
  count: number;
  min: number;
  max: number;
  values: number[];
  truncated?: true;
}

export interface QdqDetails {
  kind: 'QuantizeLinear' | 'DequantizeLinear';
  granularity: 'per-tensor' | 'per-channel' | 'per-block';
  axis?: number;
  blockSize?: number;
  scale?: QdqValues;
  zeroPoint?: QdqValues;
  quantizedType?: string;
  error?: string;
}

export interface NodeProperties {
  node: number;
  name: string;
  opType: string;
  domain: string;
  docString?: string;
  attributes: { name: string; type: string; value: string }[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  qdq?: QdqDetails;
}

export interface NodePropertiesOptions {
  /** The document's index of the main graph. */
  index?: GraphIndex;
  /** Largest constant (elements) whose statistics are computed; default 2^25. */
  maxStatsElements?: number;
  /** Most Q/DQ values listed; default 16,384. */
  maxQdqValues?: number;
}

const LIST_CUT = 64;

function label(n: Node, i: number): string {
  return n.name !== '' ? n.name : `${n.opType}#${i}`;
}

function formatNumber(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(7)));
}

function list(values: readonly (number | bigint | string)[]): string {
  const shown = values.slice(0, LIST_CUT).map((v) => (typeof v === 'string' ? JSON.stringify(v) : formatNumber(v)));
  return `[${shown.join(', ')}${values.length > LIST_CUT ? `, … (${values.length} values)` : ''}]`;
}

const decoder = new TextDecoder();

function tensorSummary(t: Tensor | undefined): string {
  if (!t) return '(empty)';
  return `${dataTypeName(t.dataType)} [${t.dims.map(String).join('×')}]${t.name ? ` ${t.name}` : ''}`;
}

const DTYPE_ATTRIBUTES = new Set(['to', 'output_dtype', 'dtype']);

function attributeText(a: Attribute): { type: string; value: string } {
  const type = AttributeType[a.type] ?? String(a.type);
  switch (a.type) {
    case AttributeType.FLOAT: return { type, value: formatNumber(a.f ?? 0) };
    case AttributeType.INT:
      // Attributes that hold an element type in the standard operators (Cast's `to`, Q's
      // `output_dtype`, the random and EyeLike ops' `dtype`): the code and its name.
      if (DTYPE_ATTRIBUTES.has(a.name) && a.i !== undefined && Number(a.i) > 0) return { type, value: `${formatNumber(a.i)} (${dataTypeName(Number(a.i))})` };
      return { type, value: formatNumber(a.i ?? 0) };
    case AttributeType.STRING: return { type, value: JSON.stringify(decoder.decode(a.s ?? new Uint8Array())) };
    case AttributeType.FLOATS: return { type, value: list(a.floats) };
    case AttributeType.INTS: return { type, value: list(a.ints) };
    case AttributeType.STRINGS: return { type, value: list(a.strings.map((s) => decoder.decode(s))) };
    case AttributeType.TENSOR: return { type, value: tensorSummary(a.t) };
    case AttributeType.TENSORS: return { type, value: `${a.tensors.length} tensors` };
    case AttributeType.GRAPH: return { type, value: `graph '${a.g?.name ?? ''}' (${a.g?.node.length ?? 0} nodes)` };
    case AttributeType.GRAPHS: return { type, value: `${a.graphs.length} graphs` };
    case AttributeType.SPARSE_TENSOR: return { type, value: `sparse ${tensorSummary(a.sparseTensor?.values)}` };
    default:
      if (a.refAttrName) return { type, value: `@${a.refAttrName}` };
      return { type, value: '' };
  }
}

function shapeOf(t: TypeProto | undefined): { dtype?: string; shape?: (number | string | null)[] } {
  const tt = t?.tensorType ?? t?.sparseTensorType;
  // A sequence, optional or map value: its whole type, e.g. seq(tensor(FLOAT)), as the type.
  if (!tt) return t && (t.sequenceType || t.optionalType || t.mapType) ? { dtype: typeString(t) } : {};
  return {
    ...(tt.elemType ? { dtype: dataTypeName(tt.elemType) } : {}),
    ...(tt.shape ? { shape: tt.shape.dim.map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null)) } : {}),
  };
}

/** Statistics of numeric values in one pass (non-finite values counted apart). */
export function tensorStats(values: NumericValues): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  let zeros = 0;
  let nonFinite = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
    sum += v;
    sumSq += v * v;
  }
  const mean = count > 0 ? sum / count : 0;
  const variance = count > 0 ? Math.max(0, sumSq / count - mean * mean) : 0;
  return { count, min: count > 0 ? min : 0, max: count > 0 ? max : 0, mean, std: Math.sqrt(variance), zeros, nonFinite };
}

function qdqValues(decoded: DecodedModel, name: string, src: ParamSource, cap: number): QdqValues {
  const values = readParamValues(decoded, src);
  const info = paramInfo(src);
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    if (v < min) min = v;
    if (v > max) max = v;
    if (i < cap) out.push(v);
  }
  return { tensor: name, dtype: dataTypeName(info.dtype), count: n, min: n ? min : 0, max: n ? max : 0, values: out, ...(n > cap ? { truncated: true as const } : {}) };
}

/** Finds the constant behind a tensor name: an initializer or a Constant node, here or in an enclosing graph. */
function constantSource(g: ResolvedGraph, name: string): ParamSource | undefined {
  const t = g.index.initializers.get(name);
  if (t) return { kind: 'initializer', tensor: t };
  const p = g.index.producer.get(name);
  if (p !== undefined) {
    const node = g.graph.node[p]!;
    const attr = constantValueAttr(node);
    return attr ? { kind: 'constant', node, attr } : undefined;
  }
  for (const level of g.outer) {
    const ot = level.initializers.get(name);
    if (ot) return { kind: 'initializer', tensor: ot };
    const on = level.producerNode(name);
    if (on) {
      const attr = constantValueAttr(on);
      return attr ? { kind: 'constant', node: on, attr } : undefined;
    }
    if (level.defines(name)) return undefined;
  }
  return undefined;
}

function weightInfo(decoded: DecodedModel, src: ParamSource, maxStats: number): WeightInfo {
  const info = paramInfo(src);
  const w: WeightInfo = {
    dtype: dataTypeName(info.dtype),
    shape: info.shape,
    ...(info.bytes !== undefined ? { bytes: info.bytes } : {}),
    ...(info.external ? { external: true as const } : {}),
    ...(src.kind === 'constant' ? { constantNode: src.node.name } : {}),
  };
  const count = src.kind === 'initializer' ? tensorElementCount(src.tensor) : info.shape.reduce((a, b) => a * b, 1);
  if (count === undefined) return { ...w, statsNote: 'invalid shape' };
  if (count > maxStats) return { ...w, statsNote: `${count} elements: too large for statistics here` };
  try {
    const values = src.kind === 'initializer' ? readTensorValues(decoded, src.tensor) : readParamValues(decoded, src);
    if (typeof (values as { length?: unknown }).length !== 'number') return { ...w, statsNote: 'not numeric' };
    return { ...w, stats: tensorStats(values as NumericValues) };
  } catch (e) {
    return { ...w, statsNote: e instanceof Error ? e.message : String(e) };
  }
}

/** Properties of node `nodeIndex` of the graph `ref` names. Throws GraphRefError for a bad reference or node index. */
export function nodeProperties(decoded: DecodedModel, ref: GraphRef, nodeIndex: number, options: NodePropertiesOptions = {}): NodeProperties {
  const g = resolveGraphRef(decoded.model, ref, options.index);
  const node = g.graph.node[nodeIndex];
  if (!node) throw new RangeError(`graph '${g.title}' has no node #${nodeIndex}`);
  const maxStats = options.maxStatsElements ?? 1 << 25;
  const cap = options.maxQdqValues ?? 16_384;
  const inputNames = new Set(g.graph.input.map((v) => v.name));
  const outputNames = new Set(g.graph.output.map((v) => v.name));
  const nodes = g.graph.node;

  // A weight read through Q/DQ (constant -> QuantizeLinear -> DequantizeLinear, or a stored
  // quantized constant -> DequantizeLinear): the constant's statistics belong to the input the DQ
  // feeds, which is all the folded view draws of it.
  const quantizedWeight = (name: string): { weight: WeightInfo; dtype?: string } | undefined => {
    const d = g.index.producer.get(name);
    const dq = d !== undefined ? nodes[d] : undefined;
    if (d === undefined || !dq || dq.opType !== 'DequantizeLinear' || dq.output[0] !== name || !dq.input[0]) return undefined;
    let src = constantSource(g, dq.input[0]);
    let quantize: string | undefined;
    if (!src) {
      const qi = g.index.producer.get(dq.input[0]);
      const q = qi !== undefined ? nodes[qi] : undefined;
      if (qi === undefined || !q || q.opType !== 'QuantizeLinear' || !q.input[0]) return undefined;
      src = constantSource(g, q.input[0]);
      if (!src) return undefined;
      quantize = label(q, qi);
    }
    const tensor = src.kind === 'initializer' ? src.tensor.name : (src.node.output[0] ?? '');
    const weight: WeightInfo = {
      ...weightInfo(decoded, src, maxStats),
      ...(tensor ? { tensor } : {}),
      through: { ...(quantize !== undefined ? { quantize } : {}), dequantize: label(dq, d) },
    };
    // The DQ's output type: output_dtype when set, else its scale's type.
    let dtype: string | undefined;
    const od = intAttr(dq, 'output_dtype');
    if (od) dtype = dataTypeName(od);
    else {
      const scale = dq.input[1] ? constantSource(g, dq.input[1]) : undefined;
      if (scale) dtype = dataTypeName(paramInfo(scale).dtype);
    }
    return { weight, ...(dtype ? { dtype } : {}) };
  };

  const describe = (name: string, side: 'in' | 'out'): TensorInfo => {
    const info: TensorInfo = { name, ...shapeOf(g.index.valueInfo.get(name)?.type) };
    if (name === '') return info;
    if (inputNames.has(name) && !g.index.initializers.has(name)) info.graphInput = true;
    if (outputNames.has(name)) info.graphOutput = true;
    if (side === 'in') {
      const src = constantSource(g, name);
      if (src) {
        info.weight = weightInfo(decoded, src, maxStats);
        info.dtype ??= info.weight.dtype;
        info.shape ??= info.weight.shape;
      } else {
        const q = quantizedWeight(name);
        if (q) {
          info.weight = q.weight;
          if (q.dtype) info.dtype ??= q.dtype;
          info.shape ??= q.weight.shape;
        }
      }
      const p = g.index.producer.get(name);
      if (p !== undefined) info.producer = label(nodes[p]!, p);
    } else {
      const readers = g.index.consumers.get(name);
      if (readers && readers.length > 0) info.consumers = readers.slice(0, LIST_CUT).map((c) => label(nodes[c]!, c));
    }
    return info;
  };

  const props: NodeProperties = {
    node: nodeIndex,
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    ...(node.docString ? { docString: node.docString } : {}),
    attributes: node.attribute.map((a) => ({ name: a.name, ...attributeText(a) })),
    inputs: node.input.map((n) => describe(n, 'in')),
    outputs: node.output.map((n) => describe(n, 'out')),
  };

  if (node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear') {
    const kind = node.opType;
    const axis = intAttr(node, 'axis');
    const blockSize = intAttr(node, 'block_size');
    const details: QdqDetails = { kind, granularity: 'per-tensor' };
    try {
      const scaleName = node.input[1] ?? '';
      const zpName = node.input[2] ?? '';
      const scaleSrc = scaleName ? constantSource(g, scaleName) : undefined;
      if (scaleSrc) details.scale = qdqValues(decoded, scaleName, scaleSrc, cap);
      else if (scaleName) details.error = `scale '${scaleName}' is not a constant`;
      const zpSrc = zpName ? constantSource(g, zpName) : undefined;
      // A scale or zero point computed at run time (a graph input, another node's output): its
      // declared type and shape, when the model states them, tell the type and the granularity.
      const declared = (name: string) => shapeOf(g.index.valueInfo.get(name)?.type);
      const zpDeclared = !zpSrc && zpName ? declared(zpName).dtype : undefined;
      if (zpSrc) {
        details.zeroPoint = qdqValues(decoded, zpName, zpSrc, cap);
        details.quantizedType = details.zeroPoint.dtype;
      } else if (zpDeclared) {
        details.quantizedType = zpDeclared;
      } else {
        const od = intAttr(node, 'output_dtype');
        if (od) details.quantizedType = dataTypeName(od);
      }
      const declaredScale = !scaleSrc && scaleName ? declared(scaleName).shape : undefined;
      const declaredCount = declaredScale?.every((d) => typeof d === 'number') ? (declaredScale as number[]).reduce((a, b) => a * b, 1) : undefined;
      const count = details.scale?.count ?? declaredCount ?? 1;
      if (blockSize !== undefined && blockSize > 0) {
        details.granularity = 'per-block';
        details.blockSize = blockSize;
        details.axis = axis ?? 1;
      } else if (count > 1) {
        details.granularity = 'per-channel';
        details.axis = axis ?? 1;
      }
    } catch (e) {
      details.error = e instanceof Error ? e.message : String(e);
    }
    props.qdq = details;
  }
  return props;
}
