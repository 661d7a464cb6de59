/**
 * ModelBuilder: GraphCore plus the Q/DQ policy and the YOLO block helpers.
 * Import it through `test/support/modelBuilder.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EncodedModel, ExternalDataOptions } from './encode';
import { encodeModel, payloadBytes, writePayload } from './encode';
import type { Attr, GraphOptions, TensorRef } from './graph';
import { attr, GraphCore, numel } from './graph';
import type { BuildManifest, ConvRecord, DefectKind, DefectRecord } from './manifest';
import { buildManifest } from './manifest';
import type { QuantizeSpec, QuantTypeOptions, ScalesAs } from './qdq';
import { QdqPlacer } from './qdq';
import type { WeightFill } from './weights';
import { float32Payload, int64Payload, WeightSource } from './weights';

export type QdqMode = 'none' | 'good' | 'naive';

/** Defects by target conv module path (e.g. `model.2.cv1`). */
export type DefectTargets = Partial<Record<DefectKind, readonly string[]>>;

export interface ModelBuilderOptions extends GraphOptions {
  qdq?: QdqMode;
  /** Q/DQ scale and zero point as `Constant` nodes (default, like torch.onnx) or initializers. */
  scalesAs?: ScalesAs;
  defects?: DefectTargets;
  quantTypes?: QuantTypeOptions;
  /** Seed for weights and scales (default 1). */
  seed?: number;
  /** Weight contents (default `prng`); `pooled`/`zeros` share one buffer, for big models. */
  weights?: WeightFill;
}

export interface ConvOptions {
  /** PyTorch module path, e.g. `model.4.cv1`; names the initializers. */
  module: string;
  /** Node scope; default derived from `module` (`model.4.cv2.0.cv1` → `/model.4/cv2/cv2.0/cv1`). */
  scope?: string;
  cout: number;
  k?: number;
  s?: number;
  /** Padding (default k/2, "same" for odd k). */
  p?: number;
  g?: number;
  /**
   * `false`: a plain nn.Conv2d (nodes `<scope>/Conv`, weight `<module>.weight`,
   * no activation). Default: a Conv+BN-fused yolov9 `Conv` with SiLU
   * (`<scope>/conv/Conv`, `<module>.conv.weight`, Sigmoid + Mul).
   */
  act?: boolean;
  /** When the conv gets Q/DQ: `always` (default), `never`, or `naiveOnly`. */
  quantize?: 'always' | 'never' | 'naiveOnly';
  /** `good` mode: scale group of the input Q/DQ (default: the input's hint, else its own). */
  inputGroup?: string;
}

export interface ScopeOption {
  /** Node scope, e.g. `/model.9`. */
  scope: string;
}

export interface GroupOption {
  /** `good` mode: scale group to use (default: the input's hint, else a new group). */
  group?: string;
}

export interface WriteResult {
  readonly modelPath: string;
  readonly dataPath?: string;
  readonly modelBytes: number;
  readonly dataBytes: number;
}

/** `model.4.cv2.0.m.1.cv1` → `/model.4/cv2/cv2.0/m/m.1/cv1`. */
export function scopeOf(module: string): string {
  const seg = module.split('.');
  const out: string[] = [];
  let i = 0;
  if (seg.length >= 2 && /^\d+$/.test(seg[1]!)) {
    out.push(`${seg[0]}.${seg[1]}`);
    i = 2;
  }
  let prefix = '';
  for (; i < seg.length; i++) {
    const s = seg[i]!;
    if (/^\d+$/.test(s) && prefix) {
      prefix = `${prefix}.${s}`;
      out.push(prefix);
    } else {
      prefix = s;
      out.push(s);
    }
  }
  return '/' + out.join('/');
}

export class ModelBuilder extends GraphCore {
  readonly qdqMode: QdqMode;
  readonly quant: QdqPlacer;
  private readonly weightSource: WeightSource;
  private readonly defectTargets: Map<string, Set<DefectKind>>;
  private readonly defects: DefectRecord[] = [];
  private readonly convs: ConvRecord[] = [];
  /** good mode: preferred scale group of a tensor (set by Concat/MaxPool/Resize). */
  private readonly hints = new Map<string, string>();
  private readonly groupNames = new Map<string, number>();

  constructor(opts: ModelBuilderOptions = {}) {
    super(opts);
    this.qdqMode = opts.qdq ?? 'none';
    const seed = opts.seed ?? 1;
    this.weightSource = new WeightSource(opts.weights ?? 'prng', seed);
    this.quant = new QdqPlacer(this, opts.quantTypes ?? {}, opts.scalesAs ?? 'constant', seed, this.qdqMode !== 'none');
    this.defectTargets = new Map();
    for (const [kind, mods] of Object.entries(opts.defects ?? {}) as [DefectKind, readonly string[]][]) {
      for (const m of mods) {
        const set = this.defectTargets.get(m) ?? new Set<DefectKind>();
        set.add(kind);
        this.defectTargets.set(m, set);
      }
    }
    if (this.defectTargets.size && this.qdqMode === 'none') throw new Error('defects need qdq "good" or "naive"');
  }

  /** A fresh, unique scale group name based on `base`. */
  newScaleGroup(base: string): string {
    const n = this.groupNames.get(base) ?? 0;
    this.groupNames.set(base, n + 1);
    return n ? `${base}#${n}` : base;
  }

  /** Scale-group hint of a tensor in good mode. */
  hintOf(t: TensorRef): string | undefined {
    return this.hints.get(t.name);
  }

  /** Insert a Q/DQ pair directly (escape hatch for custom placements). */
  qdq(x: TensorRef, spec: QuantizeSpec): TensorRef {
    return this.quant.quantize(x, spec);
  }

  /** Conv (+ SiLU as Sigmoid·Mul unless `act: false`), BN folded into weight and bias. */
  convSilu(x: TensorRef, o: ConvOptions): TensorRef {
    const k = o.k ?? 1;
    const s = o.s ?? 1;
    const p = o.p ?? Math.floor(k / 2);
    const g = o.g ?? 1;
    const act = o.act ?? true;
    const scope = o.scope ?? scopeOf(o.module);
    const convScope = act ? `${scope}/conv` : scope;
    const paramBase = act ? `${o.module}.conv` : o.module;
    const [n, cin, h, w] = x.shape as [number, number, number, number];
    if (cin % g || o.cout % g) throw new Error(`${o.module}: channels ${cin}->${o.cout} not divisible by group ${g}`);
    const fanIn = (cin / g) * k * k;
    const bound = 1 / Math.sqrt(fanIn);
    const wShape = [o.cout, cin / g, k, k];
    const weight = this.initializer(`${paramBase}.weight`, 'FLOAT', wShape, this.weightSource.floats(`${paramBase}.weight`, numel(wShape), bound));
    const bias = this.initializer(`${paramBase}.bias`, 'FLOAT', [o.cout], this.weightSource.floats(`${paramBase}.bias`, o.cout, bound));

    const policy = o.quantize ?? 'always';
    const quantized =
      this.qdqMode !== 'none' && (policy === 'always' || (policy === 'naiveOnly' && this.qdqMode === 'naive'));
    const defects = this.defectTargets.get(o.module);
    if (defects && !quantized) throw new Error(`defect target ${o.module} is not a quantized conv`);
    const convName = `${convScope}/Conv`;
    const defectNodes = new Map<DefectKind, string[]>();

    let xin = x;
    let wIn = weight;
    let bIn = bias;
    let inputQuantize: string | null = null;
    let weightQuantize: string | null = null;
    let inputGroup: string | null = null;
    if (quantized) {
      const qScope = `${convScope}/_input_quantizer`;
      const good = this.qdqMode === 'good';
      inputGroup = good ? (o.inputGroup ?? this.hints.get(x.name) ?? qScope) : qScope;
      const spec: QuantizeSpec = { scope: qScope, kind: 'activation', group: inputGroup, reuse: good };
      if (defects?.has('uint8Activation')) spec.dtype = 'UINT8';
      if (defects?.has('nonZeroZeroPoint')) spec.zeroPoint = spec.dtype === 'UINT8' ? 100 : 3;
      if (defects?.has('danglingQ')) {
        const d = this.qdq(x, { scope: `${convScope}/_dangling_quantizer`, kind: 'activation', group: inputGroup, dangling: true });
        defectNodes.set('danglingQ', [this.producerOf(d)!.name]);
      }
      xin = this.qdq(x, spec);
      const inRec = this.quant.recordOf(xin)!;
      inputQuantize = inRec.quantizeNode;
      for (const kind of ['uint8Activation', 'nonZeroZeroPoint'] as const) {
        if (defects?.has(kind)) defectNodes.set(kind, [inRec.quantizeNode, inRec.dequantizeNode!]);
      }
      if (defects?.has('missingWeightQdq')) {
        defectNodes.set('missingWeightQdq', [convName]);
      } else {
        wIn = this.qdq(weight, { scope: `${convScope}/_weight_quantizer`, kind: 'weight', bound: this.weightSource.effectiveBound(bound) });
        weightQuantize = this.quant.recordOf(wIn)!.quantizeNode;
      }
      if (defects?.has('biasQdq')) {
        bIn = this.qdq(bias, { scope: `${convScope}/_bias_quantizer`, kind: 'bias', bound: this.weightSource.effectiveBound(bound) });
        const rec = this.quant.recordOf(bIn)!;
        defectNodes.set('biasQdq', [rec.quantizeNode, rec.dequantizeNode!]);
      }
    }

    const ho = Math.floor((h + 2 * p - k) / s) + 1;
    const wo = Math.floor((w + 2 * p - k) / s) + 1;
    const outShape = [n, o.cout, ho, wo];
    const [y] = this.node('Conv', [xin, wIn, bIn], [{ dtype: 'FLOAT', shape: outShape }], {
      scope: convScope,
      attrs: { dilations: [1, 1], group: g, kernel_shape: [k, k], pads: [p, p, p, p], strides: [s, s] },
      role: ['conv', quantized ? 'conv.quantized' : 'conv.float'],
    });
    const node = this.producerOf(y!)!.name;
    for (const [kind, nodes] of defectNodes) this.defects.push({ kind, conv: node, nodes });
    this.convs.push({
      node,
      module: o.module,
      weight: weight.name,
      bias: bias.name,
      quantized,
      inputQuantize,
      weightQuantize,
      inputScaleGroup: inputGroup,
      activation: act,
      outChannels: o.cout,
    });
    if (!act) return y!;
    const [sig] = this.node('Sigmoid', [y!], [{ dtype: 'FLOAT', shape: outShape }], { scope: `${scope}/act`, role: 'silu.sigmoid' });
    const [out] = this.node('Mul', [y!, sig!], [{ dtype: 'FLOAT', shape: outShape }], { scope: `${scope}/act`, role: 'silu.mul' });
    return out!;
  }

  /**
   * Concat; in good mode every input gets a Q/DQ of one shared scale group
   * (`group`, else the one hinted input group, else a new one), which the
   * output carries as its hint.
   */
  concat(
    inputs: readonly TensorRef[],
    o: ScopeOption & GroupOption & {
      axis?: number;
      quantizeInputs?: boolean;
      role?: string;
      /** good mode: for input i, an existing DQ output of that tensor to read instead of a Q/DQ of its own. */
      quantized?: readonly (TensorRef | undefined)[];
    },
  ): TensorRef {
    const axis = o.axis ?? 1;
    const rank = inputs[0]!.shape.length;
    const ax = axis < 0 ? axis + rank : axis;
    const shape = [...inputs[0]!.shape];
    shape[ax] = inputs.reduce((acc, t) => acc + t.shape[ax]!, 0);
    let ins = inputs;
    let group: string | undefined;
    if (this.qdqMode === 'good' && (o.quantizeInputs ?? true)) {
      // Default: adopt the scale group an input already carries (a Concat,
      // MaxPool or Resize output), so the scale is the same on both sides.
      const hinted = [...new Set(inputs.map((t) => this.hints.get(t.name)).filter((h) => h !== undefined))];
      group = o.group ?? (hinted.length === 1 ? hinted[0]! : this.newScaleGroup(`${o.scope}/Concat`));
      ins = inputs.map((t, i) =>
        o.quantized?.[i] ?? this.qdq(t, { scope: `${o.scope}/_input${i}_quantizer`, kind: 'activation', group, reuse: true }),
      );
    }
    const [y] = this.node('Concat', ins, [{ dtype: inputs[0]!.dtype, shape }], {
      scope: o.scope,
      attrs: { axis },
      role: o.role ? ['concat', o.role] : 'concat',
    });
    if (group) this.hints.set(y!.name, group);
    return y!;
  }

  /** MaxPool; good mode: Q/DQ on the input, same scale group carried to the output. */
  maxPool(x: TensorRef, o: ScopeOption & GroupOption & { k: number; s?: number; p?: number }): TensorRef {
    const s = o.s ?? 1;
    const p = o.p ?? Math.floor(o.k / 2);
    let xin = x;
    let group: string | undefined;
    if (this.qdqMode === 'good') {
      group = o.group ?? this.hints.get(x.name) ?? this.newScaleGroup(`${o.scope}/MaxPool`);
      xin = this.qdq(x, { scope: `${o.scope}/_input_quantizer`, kind: 'activation', group, reuse: true });
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const shape = [n, c, Math.floor((h + 2 * p - o.k) / s) + 1, Math.floor((w + 2 * p - o.k) / s) + 1];
    const [y] = this.node('MaxPool', [xin], [{ dtype: 'FLOAT', shape }], {
      scope: o.scope,
      attrs: { ceil_mode: 0, kernel_shape: [o.k, o.k], pads: [p, p, p, p], strides: [s, s] },
      role: 'maxpool',
    });
    if (group) this.hints.set(y!.name, group);
    return y!;
  }

  /** Nearest upsample ×`scale` with opset-correct Resize inputs; good mode: Q/DQ on the input, hint on the output. */
  resize(x: TensorRef, o: ScopeOption & GroupOption & { scale?: number }): TensorRef {
    if (this.opset < 10) throw new Error('resize needs opset >= 10');
    const f = o.scale ?? 2;
    let xin = x;
    let group: string | undefined;
    if (this.qdqMode === 'good') {
      group = o.group ?? this.hints.get(x.name) ?? this.newScaleGroup(`${o.scope}/Resize`);
      xin = this.qdq(x, { scope: `${o.scope}/_input_quantizer`, kind: 'activation', group, reuse: true });
    }
    const scales = this.constant(o.scope, 'FLOAT', [4], float32Payload([1, 1, f, f]));
    let inputs: (TensorRef | string)[];
    let attrs: Record<string, Attr>;
    if (this.opset === 10) {
      inputs = [xin, scales];
      attrs = { mode: 'nearest' };
    } else {
      // opset 11/12: roi is a required input (an empty tensor); from 13 it may be omitted ('').
      const roi = this.opset < 13 ? this.constant(o.scope, 'FLOAT', [0], float32Payload([])) : '';
      inputs = [xin, roi, scales];
      attrs = { coordinate_transformation_mode: 'asymmetric', cubic_coeff_a: attr.float(-0.75), mode: 'nearest', nearest_mode: 'floor' };
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [y] = this.node('Resize', inputs, [{ dtype: 'FLOAT', shape: [n, c, h * f, w * f] }], { scope: o.scope, attrs, role: 'resize' });
    if (group) this.hints.set(y!.name, group);
    return y!;
  }

  /** Residual Add; good mode: both inputs Q/DQ'd with one scale group (default: the first input's hint). */
  add(a: TensorRef, b: TensorRef, o: ScopeOption & GroupOption & { role?: string }): TensorRef {
    let ins = [a, b];
    if (this.qdqMode === 'good') {
      const group = o.group ?? this.hints.get(a.name) ?? this.newScaleGroup(`${o.scope}/Add`);
      ins = [
        this.qdq(a, { scope: `${o.scope}/_input_quantizer`, kind: 'activation', group, reuse: true }),
        this.qdq(b, { scope: `${o.scope}/_input_quantizer_1`, kind: 'activation', group, reuse: true }),
      ];
    }
    const [y] = this.node('Add', ins, [{ dtype: a.dtype, shape: a.shape }], {
      scope: o.scope,
      role: o.role ? ['add', o.role] : 'add',
    });
    return y!;
  }

  /** Split with `split` as attribute before opset 13 and as an input from 13. */
  split(x: TensorRef, o: ScopeOption & { sizes: readonly number[]; axis?: number }): TensorRef[] {
    const axis = o.axis ?? 1;
    const ax = axis < 0 ? axis + x.shape.length : axis;
    const outs = o.sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((v, i) => (i === ax ? d : v)) }));
    if (this.opset < 13) {
      return this.node('Split', [x], outs, { scope: o.scope, attrs: { axis, split: [...o.sizes] }, role: 'split' });
    }
    const sizes = this.constant(o.scope, 'INT64', [o.sizes.length], int64Payload(o.sizes));
    return this.node('Split', [x, sizes], outs, { scope: o.scope, attrs: { axis }, role: 'split' });
  }

  /** Slice [start, end) along one axis; attributes before opset 10, inputs from 10. */
  slice(x: TensorRef, o: ScopeOption & { axis: number; start: number; end: number; step?: number }): TensorRef {
    const ax = o.axis < 0 ? o.axis + x.shape.length : o.axis;
    const step = o.step ?? 1;
    const len = Math.max(0, Math.ceil((Math.min(o.end, x.shape[ax]!) - o.start) / step));
    const out = { dtype: x.dtype, shape: x.shape.map((v, i) => (i === ax ? len : v)) };
    if (this.opset < 10) {
      if (step !== 1) throw new Error('slice steps need opset >= 10');
      return this.node('Slice', [x], [out], { scope: o.scope, attrs: { axes: [o.axis], ends: [o.end], starts: [o.start] }, role: 'slice' })[0]!;
    }
    const c = (v: number): TensorRef => this.constant(o.scope, 'INT64', [1], int64Payload([v]));
    const ins = [x, c(o.start), c(o.end), c(o.axis), c(step)];
    return this.node('Slice', ins, [out], { scope: o.scope, role: 'slice' })[0]!;
  }

  reshape(x: TensorRef, shape: readonly number[], o: ScopeOption & { role?: string }): TensorRef {
    const known = shape.filter((d) => d !== -1);
    const total = numel(x.shape);
    const outShape = shape.map((d, i) => (d === -1 ? total / numel(known) : d === 0 ? x.shape[i]! : d));
    const c = this.constant(o.scope, 'INT64', [shape.length], int64Payload(shape));
    return this.node('Reshape', [x, c], [{ dtype: x.dtype, shape: outShape }], { scope: o.scope, role: o.role ?? 'reshape' })[0]!;
  }

  sigmoid(x: TensorRef, o: ScopeOption & { role?: string }): TensorRef {
    return this.node('Sigmoid', [x], [{ dtype: x.dtype, shape: x.shape }], { scope: o.scope, role: o.role ?? 'sigmoid' })[0]!;
  }

  /**
   * Detection-head tail over several feature maps: per scale a 3x3 Conv+SiLU
   * (`<module>.cv2.i.0`) and a plain 1x1 prediction conv to 4+classes
   * (`<module>.cv2.i.1`, float in good mode as in yolov9-qat), Reshape to
   * [1, no, -1], Concat over scales, Split box/class, Sigmoid on classes,
   * Concat. Returns the tensor to pass to `output()`.
   */
  detectHead(features: readonly TensorRef[], o: { module: string; classes: number; hidden?: number }): TensorRef {
    const scope = scopeOf(o.module);
    const no = 4 + o.classes;
    const flat = features.map((f, i) => {
      const branch = `${o.module}.cv2.${i}`;
      const bs = `${scope}/cv2.${i}`;
      const h = this.convSilu(f, { module: `${branch}.0`, scope: `${bs}/cv2.${i}.0`, cout: o.hidden ?? f.shape[1]!, k: 3 });
      const p = this.convSilu(h, { module: `${branch}.1`, scope: `${bs}/cv2.${i}.1`, cout: no, k: 1, act: false, quantize: 'naiveOnly' });
      this.tag('head.pred', this.producerOf(p)!.name);
      return this.reshape(p, [1, no, -1], { scope, role: 'head.reshape' });
    });
    const cat = this.concat(flat, { scope, axis: 2, quantizeInputs: false, role: 'head.concat' });
    const [box, cls] = this.split(cat, { scope, sizes: [4, o.classes], axis: 1 });
    const sig = this.sigmoid(cls!, { scope, role: 'head.sigmoid' });
    return this.concat([box!, sig], { scope, axis: 1, quantizeInputs: false, role: 'head.concat' });
  }

  // ---- output ------------------------------------------------------------

  /** Encode (inline data, or external data when `external` is given). */
  encode(external?: ExternalDataOptions): EncodedModel {
    return encodeModel(this.parts(), external);
  }

  /** The whole model as one buffer, all tensors inline. */
  toBytes(): Uint8Array {
    return payloadBytes(this.encode().model);
  }

  /** Model + side-file bytes, like onnx's save_as_external_data. */
  toExternal(o: Omit<ExternalDataOptions, 'location'> & { location?: string } = {}): { model: Uint8Array; data: Uint8Array; location: string; entries: EncodedModel['external'] } {
    const location = o.location ?? 'model.onnx.data';
    const e = this.encode({ ...o, location });
    return { model: payloadBytes(e.model), data: payloadBytes(e.data!), location, entries: e.external };
  }

  /**
   * Stream the model to `file` (no whole-model buffer). With `external`, data
   * goes to `<file>.data` (or `external.location`) next to it.
   */
  writeFile(file: string, o: { external?: Omit<ExternalDataOptions, 'location'> & { location?: string } } = {}): WriteResult {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!o.external) {
      const e = this.encode();
      writePayload(file, e.model);
      return { modelPath: file, modelBytes: e.model.byteLength, dataBytes: 0 };
    }
    const location = o.external.location ?? `${path.basename(file)}.data`;
    const e = this.encode({ ...o.external, location });
    const dataPath = path.join(path.dirname(file), location);
    writePayload(file, e.model);
    writePayload(dataPath, e.data!);
    return { modelPath: file, dataPath, modelBytes: e.model.byteLength, dataBytes: e.data!.byteLength };
  }

  /** What was built: counts, roles, Q/DQ records, convs, defects. */
  manifest(): BuildManifest {
    const applied = new Set(this.defects.map((d) => `${d.kind}\u0000${d.conv}`));
    for (const [mod, kinds] of this.defectTargets) {
      const conv = this.convs.find((c) => c.module === mod);
      for (const k of kinds) {
        if (!conv || !applied.has(`${k}\u0000${conv.node}`)) throw new Error(`defect ${k} target ${mod} was never built`);
      }
    }
    const p = this.parts();
    return buildManifest({
      opset: this.opset,
      irVersion: this.irVersion,
      nodes: p.nodes,
      initializers: p.initializers,
      roles: this.roles,
      qdq: this.quant.records,
      convs: this.convs,
      defects: this.defects,
      inputs: p.inputs.map((t) => t.name),
      outputs: p.outputs.map((t) => t.name),
      dtypes: { activation: this.quant.activationType, weight: this.quant.weightType },
    });
  }
}
