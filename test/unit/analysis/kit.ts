/**
 * A small kit for hand-made Q/DQ patterns on top of the test model builder: explicit scales and
 * zero points (initializers, or Constant nodes as torch exports them), convs with or without weight
 * Q/DQ, activations, and `analyze()` that encodes with onnx-proto, decodes with our codec and runs
 * the analysis. Shapes of intermediate tensors are nominal (the analysis reads shapes only from
 * constants and value_info).
 */
import { buildGraphIndex } from '../../../src/core/graph/index';
import { analyzeModel, type AnalysisReport, type AnalyzeOptions, type Finding, type RuleId } from '../../../src/core/analysis/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { attr, ModelBuilder, YOLO_PRESETS, yoloLike, type Attr, type DataTypeName, type TensorRef } from '../../support/modelBuilder';
import { float32Payload, quantPayload } from '../../support/builder/weights';

export { ModelBuilder, attr };
export type { TensorRef };

export function analyze(b: ModelBuilder, o: AnalyzeOptions = {}): AnalysisReport {
  const d = decodeModel(new MemorySource(b.toBytes(), 'test.onnx'));
  return analyzeModel(d, buildGraphIndex(d.model.graph!), o);
}

export function findings(r: AnalysisReport, id: RuleId, severity?: Finding['severity']): Finding[] {
  return r.findings.filter((f) => f.ruleId === id && (!severity || f.severity === severity));
}

export function layer(r: AnalysisReport, node: string) {
  const l = r.layers.find((x) => x.node === node);
  if (!l) throw new Error(`no layer ${node}`);
  return l;
}

export interface QdqOpts {
  scope: string;
  scale?: number | number[];
  /** Scale tensor dims (default [] for a number, [n] for an array). */
  scaleDims?: number[];
  zp?: number | number[];
  zpType?: DataTypeName;
  /** No zero point input. */
  noZp?: boolean;
  axis?: number;
  blockSize?: number;
  outputDtype?: number;
  /** Scale and zero point as Constant nodes (torch style) instead of initializers. */
  constants?: boolean;
  /** Emit only the Q (its output is returned). */
  qOnly?: boolean;
  /** Use this tensor as the scale (e.g. a computed one). */
  scaleTensor?: TensorRef;
}

export interface QdqNames {
  q: string;
  dq: string;
  out: TensorRef;
}

let counter = 0;

/** Q→DQ on `x` with explicit parameters; returns node names and the DQ output. */
export function qdq(b: ModelBuilder, x: TensorRef, o: QdqOpts): QdqNames {
  const scale = o.scale ?? 0.05;
  const values = Array.isArray(scale) ? scale : [scale];
  const dims = o.scaleDims ?? (Array.isArray(scale) ? [values.length] : []);
  const zpType: DataTypeName = o.zpType ?? 'INT8';
  const zpValues = o.zp === undefined ? new Array<number>(values.length).fill(0) : Array.isArray(o.zp) ? o.zp : new Array<number>(values.length).fill(o.zp);
  const tag = `${o.scope.replace(/^\//, '')}#${counter++}`;
  const s = o.scaleTensor ?? (o.constants ? b.constant(o.scope, 'FLOAT', dims, float32Payload(values)) : b.initializer(`${tag}/scale`, 'FLOAT', dims, float32Payload(values)));
  const zp = o.noZp ? undefined : o.constants ? b.constant(o.scope, zpType, dims, quantPayload(zpType, zpValues)) : b.initializer(`${tag}/zero_point`, zpType, dims, quantPayload(zpType, zpValues));
  const attrs: Record<string, Attr | undefined> = { axis: o.axis, block_size: o.blockSize };
  const [q] = b.node('QuantizeLinear', zp ? [x, s, zp] : [x, s], [{ dtype: o.noZp ? 'INT8' : zpType, shape: x.shape }], {
    scope: o.scope,
    attrs: { ...attrs, output_dtype: o.outputDtype },
  });
  const qName = b.producerOf(q!)!.name;
  if (o.qOnly) return { q: qName, dq: '', out: q! };
  const [dq] = b.node('DequantizeLinear', zp ? [q!, s, zp] : [q!, s], [{ dtype: 'FLOAT', shape: x.shape }], { scope: o.scope, attrs });
  return { q: qName, dq: b.producerOf(dq!)!.name, out: dq! };
}

export interface ConvOpts {
  scope: string;
  cout: number;
  k?: number;
  group?: number;
  /** Weight Q/DQ: per-channel (default), per-tensor, or none. */
  weight?: 'channel' | 'tensor' | 'none';
  weightAxis?: number;
  /** Weight type (default INT8). */
  weightType?: DataTypeName;
  bias?: boolean;
  op?: 'Conv' | 'ConvTranspose';
  attrs?: Record<string, Attr | undefined>;
}

/** A Conv (or ConvTranspose) with a float weight initializer and optional weight Q/DQ. Returns the output and the conv name. */
export function conv(b: ModelBuilder, x: TensorRef, o: ConvOpts): { out: TensorRef; name: string; weightQdq?: QdqNames } {
  const cin = x.shape[1]!;
  const k = o.k ?? 1;
  const g = o.group ?? 1;
  const op = o.op ?? 'Conv';
  const wShape = op === 'Conv' ? [o.cout, cin / g, k, k] : [cin, o.cout / g, k, k];
  const n = wShape.reduce((a, c) => a * c, 1);
  const w = b.initializer(`${o.scope.replace(/^\//, '')}.weight#${counter++}`, 'FLOAT', wShape, float32Payload(Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 10)));
  let wIn: TensorRef = w;
  let weightQdq: QdqNames | undefined;
  const mode = o.weight ?? 'channel';
  if (mode !== 'none') {
    const chans = wShape[o.weightAxis ?? 0]!;
    weightQdq = qdq(b, w, {
      scope: `${o.scope}/_weight_quantizer`,
      scale: mode === 'channel' ? Array.from({ length: chans }, (_, i) => 0.001 * (i + 1)) : 0.002,
      axis: mode === 'channel' ? (o.weightAxis ?? 0) : undefined,
      zpType: o.weightType,
    });
    wIn = weightQdq.out;
  }
  const inputs: TensorRef[] = [x, wIn];
  if (o.bias) inputs.push(b.initializer(`${o.scope.replace(/^\//, '')}.bias#${counter++}`, 'FLOAT', [o.cout], float32Payload(new Array<number>(o.cout).fill(0.1))));
  const [y] = b.node(op, inputs, [{ dtype: 'FLOAT', shape: [x.shape[0]!, o.cout, x.shape[2]!, x.shape[3]!] }], {
    scope: o.scope,
    attrs: { group: g, kernel_shape: [k, k], pads: [k >> 1, k >> 1, k >> 1, k >> 1], strides: [1, 1], ...o.attrs },
  });
  return { out: y!, name: b.producerOf(y!)!.name, weightQdq };
}

/** Any op with one output of `x`'s shape (or `shape`). */
export function op(b: ModelBuilder, type: string, inputs: (TensorRef | string)[], scope: string, o: { attrs?: Record<string, Attr | undefined>; shape?: number[]; domain?: string; outputs?: number } = {}): { out: TensorRef; name: string; outs: TensorRef[] } {
  const first = inputs.find((x): x is TensorRef => typeof x !== 'string')!;
  const spec = { dtype: first.dtype, shape: o.shape ?? [...first.shape] };
  const outs = b.node(type, inputs, new Array(o.outputs ?? 1).fill(spec), { scope, attrs: o.attrs, domain: o.domain });
  return { out: outs[0]!, name: b.producerOf(outs[0]!)!.name, outs };
}

/** SiLU as torch exports it: Sigmoid + Mul. */
export function silu(b: ModelBuilder, x: TensorRef, scope: string): { out: TensorRef; sigmoid: string; mul: string } {
  const s = op(b, 'Sigmoid', [x], scope);
  const m = op(b, 'Mul', [x, s.out], scope);
  return { out: m.out, sigmoid: s.name, mul: m.name };
}

/** Conv + SiLU with input and weight Q/DQ (the yolov9-qat quantized conv). */
export function qconv(b: ModelBuilder, x: TensorRef, scope: string, o: { scale?: number; cout?: number; k?: number; act?: boolean } = {}): { out: TensorRef; conv: string; input: QdqNames } {
  const input = qdq(b, x, { scope: `${scope}/_input_quantizer`, scale: o.scale ?? 0.05 });
  const c = conv(b, input.out, { scope, cout: o.cout ?? x.shape[1]!, k: o.k ?? 1 });
  const out = o.act === false ? c.out : silu(b, c.out, `${scope}/act`).out;
  return { out, conv: c.name, input };
}

/** A fresh builder with the image-like input `x` [1, c, 8, 8]. */
export function start(o: { opset?: number; c?: number; extraOpsets?: { domain: string; version: number }[] } = {}): { b: ModelBuilder; x: TensorRef } {
  const b = new ModelBuilder({ opset: o.opset ?? 13, extraOpsets: o.extraOpsets });
  return { b, x: b.input('images', 'FLOAT', [1, o.c ?? 16, 8, 8]) };
}

/** The builder's tiny YOLO-like model with the given placement. */
export function yolo(qdqMode: 'good' | 'naive' | 'none', extra: Parameters<typeof yoloLike>[0] = {}): ModelBuilder {
  return yoloLike({ ...YOLO_PRESETS.tiny, qdq: qdqMode, ...extra });
}

/**
 * A Sum of `k` quantized inputs (`/in<i>` Q/DQ pairs, scale 0.05) quantized after it (`/out`,
 * scale 0.1): one fusion group of k + 2 nodes, for the listing bound of large groups. The Sum's
 * output Q/DQ is returned; the caller adds a graph output (or more nodes) after it.
 */
export function quantizedSum(k: number): { b: ModelBuilder; out: QdqNames } {
  const b = new ModelBuilder();
  const ins: TensorRef[] = [];
  for (let i = 0; i < k; i++) ins.push(qdq(b, b.input(`x${i}`, 'FLOAT', [1, 4]), { scope: `/in${i}`, scale: 0.05 }).out);
  const [s] = b.node('Sum', ins, [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/sum', name: 'sum' });
  return { b, out: qdq(b, s!, { scope: '/out', scale: 0.1 }) };
}
