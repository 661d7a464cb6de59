/**
 * Reformat and re-quantize layers: the layers TensorRT runs only to convert a tensor's precision or
 * layout. Each one costs a kernel launch and a memory round trip; in a Q/DQ engine they mark Q/DQ
 * that did not fuse (`Origin: QDQ`) or a precision boundary TensorRT had to insert
 * (`Origin: REFORMAT`). See docs/tensorrt-qdq-rules.md R15–R17, R26 and §5.2.
 *
 * Recognised: `LayerType`/`ParameterType` `Reformat`, any layer with `Origin: QDQ`, standalone
 * `Quantize`/`Dequantize` layers, and names `Reformatting CopyNode for … Tensor N to <layer>`. In a
 * name-only file (no detailed verbosity) also layers named after a single ONNX Q/DQ node.
 */
import type { EngineLayer, EngineTensor, LayerInfo } from './layerInfo';
import { isFloat, isQuantized, type Precision } from './precision';

export type ReformatKind =
  /** float → INT8/FP8/…: an unfused Q, or TensorRT quantizing at a boundary. */
  | 'quantize'
  /** INT8/… → float: an unfused DQ. */
  | 'dequantize'
  /** quantized → quantized: a DQ→Q pair with different scales that survived (re-quantization). */
  | 'requantize'
  /** float → another float type (FP32 ↔ FP16). */
  | 'precision'
  /** Same type, different layout (NCHW → NC/32HW32, …). */
  | 'layout'
  | 'unknown';

/** One side of a reformat: the tensors it reads (or writes) and the layers that write (or read) them. */
export interface ReformatEnd {
  tensors: string[];
  /** Producer layers (for `from`) or consumer layers (for `to`); `(network input)` / `(network output)` for bindings. */
  layers: string[];
  precision?: Precision;
  /** Short layout (NCHW, NC/32HW32, NHWC8, …) when the format names one. */
  layout?: string;
  /** The `Format/Datatype` string as written. */
  format?: string;
}

export interface ReformatOrigin {
  /** TensorRT's `Origin` field: `QDQ` (an unfused Q/DQ) or `REFORMAT` (inserted by TensorRT). */
  trtOrigin?: string;
  kind: ReformatKind;
  from: ReformatEnd;
  to: ReformatEnd;
  /** ONNX nodes the layer came from (`Metadata`, 10.x), when known. */
  onnxNodes: string[];
  /** One line for humans: "QDQ quantize FP16 NC/32HW32 → INT8 NC/32HW32 after A before B". */
  description: string;
}

export interface ReformatLayer {
  /** Index of the layer in the layer-info file. */
  index: number;
  name: string;
  layerType?: string;
  origin: ReformatOrigin;
}

export const NETWORK_INPUT = '(network input)';
export const NETWORK_OUTPUT = '(network output)';

const COPY_NODE = /^Reformatting CopyNode for (Input|Output) Tensor (\d+) to (.+)$/s;
const QDQ_NODE = /(?:^|\/)(QuantizeLinear|DequantizeLinear)(?:_\d+)?$/;

/** True for a layer that only converts precision or layout. */
export function isReformatLayer(layer: EngineLayer): boolean {
  const t = layer.layerType;
  const p = layer.parameterType;
  if (t === 'Reformat' || p === 'Reformat' || layer.origin === 'QDQ') return true;
  if (t === 'Quantize' || t === 'Dequantize' || p === 'Quantize' || p === 'Dequantize') return true;
  if (COPY_NODE.test(layer.name)) return true;
  // Name-only files: a layer named after one ONNX Q/DQ node is that node running on its own.
  return t === undefined && p === undefined && !layer.name.includes(' + ') && QDQ_NODE.test(stripProfile(layer.name));
}

function stripProfile(name: string): string {
  return name.replace(/ \[profile \d+\]$/, '');
}

function kindOf(layer: EngineLayer, from: Precision | undefined, to: Precision | undefined, sameLayout: boolean): ReformatKind {
  if (from && to && from !== 'UNKNOWN' && to !== 'UNKNOWN') {
    if (isFloat(from) && isQuantized(to)) return 'quantize';
    if (isQuantized(from) && isFloat(to)) return 'dequantize';
    if (isQuantized(from) && isQuantized(to)) return layer.origin === 'QDQ' || from !== to || sameLayout ? 'requantize' : 'layout';
    if (from !== to) return 'precision';
    return 'layout';
  }
  const t = layer.layerType ?? layer.parameterType;
  const q = QDQ_NODE.exec(stripProfile(layer.name));
  if (t === 'Quantize' || q?.[1] === 'QuantizeLinear') return 'quantize';
  if (t === 'Dequantize' || q?.[1] === 'DequantizeLinear') return 'dequantize';
  return 'unknown';
}

function firstKnown(ts: EngineTensor[]): EngineTensor | undefined {
  return ts.find((t) => t.precision !== 'UNKNOWN') ?? ts[0];
}

/** Find the reformat / re-quantize layers of an engine, with what they sit between. */
export function findReformats(info: LayerInfo): ReformatLayer[] {
  const producers = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, v: string) => {
    const list = m.get(k);
    if (!list) m.set(k, [v]);
    else if (!list.includes(v)) list.push(v);
  };
  for (const l of info.layers) {
    for (const t of l.outputs) push(producers, t.name, l.name);
    for (const t of l.inputs) push(consumers, t.name, l.name);
  }
  const bindings = new Set(info.bindings ?? []);
  const out: ReformatLayer[] = [];
  for (const layer of info.layers) {
    if (!isReformatLayer(layer)) continue;
    const fromT = firstKnown(layer.inputs);
    const toT = firstKnown(layer.outputs);
    const from: ReformatEnd = { tensors: layer.inputs.map((t) => t.name), layers: [] };
    const to: ReformatEnd = { tensors: layer.outputs.map((t) => t.name), layers: [] };
    for (const t of from.tensors) {
      const ps = producers.get(t);
      if (ps) from.layers.push(...ps.filter((p) => p !== layer.name && !from.layers.includes(p)));
      else if (bindings.has(t) && !from.layers.includes(NETWORK_INPUT)) from.layers.push(NETWORK_INPUT);
    }
    for (const t of to.tensors) {
      const cs = consumers.get(t);
      if (cs) to.layers.push(...cs.filter((c) => c !== layer.name && !to.layers.includes(c)));
      if (bindings.has(t) && !to.layers.includes(NETWORK_OUTPUT)) to.layers.push(NETWORK_OUTPUT);
    }
    const copy = COPY_NODE.exec(layer.name);
    if (copy) {
      // The name says which layer the copy serves, even when no tensors are listed.
      const target = copy[3]!;
      const side = copy[1] === 'Input' ? to : from;
      if (!side.layers.includes(target)) side.layers.push(target);
    }
    if (fromT && fromT.precision !== 'UNKNOWN') from.precision = fromT.precision;
    if (fromT?.layout !== undefined) from.layout = fromT.layout;
    if (fromT?.format !== undefined) from.format = fromT.format;
    if (toT && toT.precision !== 'UNKNOWN') to.precision = toT.precision;
    if (toT?.layout !== undefined) to.layout = toT.layout;
    if (toT?.format !== undefined) to.format = toT.format;
    const kind = kindOf(layer, from.precision, to.precision, fromT?.layout === toT?.layout);
    const origin: ReformatOrigin = { kind, from, to, onnxNodes: layer.onnxNodes, description: '' };
    if (layer.origin !== undefined) origin.trtOrigin = layer.origin;
    origin.description = describe(origin);
    const r: ReformatLayer = { index: layer.index, name: layer.name, origin };
    if (layer.layerType !== undefined) r.layerType = layer.layerType;
    out.push(r);
  }
  return out;
}

function describe(o: ReformatOrigin): string {
  const parts: string[] = [];
  if (o.trtOrigin) parts.push(o.trtOrigin);
  parts.push(o.kind);
  const fmt = (e: ReformatEnd) => [e.precision ?? '?', e.layout].filter(Boolean).join(' ');
  if (o.from.precision || o.to.precision) parts.push(`${fmt(o.from)} → ${fmt(o.to)}`);
  if (o.from.layers.length) parts.push(`after ${o.from.layers.join(', ')}`);
  if (o.to.layers.length) parts.push(`before ${o.to.layers.join(', ')}`);
  return parts.join(' ');
}
