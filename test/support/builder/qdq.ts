/**
 * QdqPlacer: emits QuantizeLinear/DequantizeLinear pairs the way torch.onnx
 * exports pytorch-quantization's fake-quant ops (scale and zero point as
 * `Constant` nodes inside the quantizer's scope), or with initializers, and
 * records every pair for the manifest. Scale values are deterministic: an
 * activation scale depends only on its scale group, a weight scale on the
 * quantizer scope, so "same group" means "same scale value".
 */
import type { DataTypeName, QuantType } from './dataTypes';
import { dataTypeCode, minOpsetFor, quantRange } from './dataTypes';
import type { GraphCore, TensorRef } from './graph';
import { numel } from './graph';
import type { QdqKind, QdqRecord } from './manifest';
import { float32Payload, hash32, Prng, quantPayload } from './weights';

export interface QuantTypeOptions {
  /** Activation Q/DQ type (default INT8). FP8 needs opset >= 19, INT4 opset >= 21. */
  activation?: QuantType;
  /** Weight Q/DQ type (default INT8). */
  weight?: QuantType;
  /** Block-quantize conv weights along axis 1 with this `block_size` (opset >= 21). */
  weightBlockSize?: number;
  /** Emit `saturate` on FP8 QuantizeLinear nodes (opset >= 19). */
  saturate?: boolean;
  /**
   * `explicit` (default): zero point inputs everywhere. `outputDtype`: omit
   * the zero point and put `output_dtype` on QuantizeLinear (opset >= 21).
   */
  zeroPoint?: 'explicit' | 'outputDtype';
  /** Put `output_dtype = FLOAT` on DequantizeLinear nodes (opset >= 23). */
  dequantizeOutputDtype?: boolean;
}

export interface QuantizeSpec {
  /** Quantizer scope, e.g. `/model.4/cv1/conv/_input_quantizer`. */
  scope: string;
  kind: QdqKind;
  /** Activation scale-sharing key (default: the scope). */
  group?: string;
  dtype?: QuantType;
  /** Zero point value (default 0; 128 for UINT8 activations). */
  zeroPoint?: number;
  /** Reuse an existing DQ of the same tensor, group, dtype and zero point. */
  reuse?: boolean;
  /** Emit only the QuantizeLinear; its output is left unread. */
  dangling?: boolean;
  /** Weights: per-tensor instead of per-channel (axis 0). */
  perTensor?: boolean;
  /** Weights/bias: magnitude bound of the values, used to derive scales. */
  bound?: number;
}

export type ScalesAs = 'initializer' | 'constant';

function isFp8(t: QuantType): boolean {
  return t === 'FLOAT8E4M3FN' || t === 'FLOAT8E5M2';
}

export class QdqPlacer {
  readonly records: QdqRecord[] = [];
  readonly activationType: QuantType;
  readonly weightType: QuantType;
  private readonly cache = new Map<string, TensorRef>();
  private readonly sharedParams = new Map<string, { scale: TensorRef; zp: TensorRef | null }>();
  private readonly byOutput = new Map<string, QdqRecord>();

  constructor(
    private readonly g: GraphCore,
    private readonly types: QuantTypeOptions,
    readonly scalesAs: ScalesAs,
    private readonly seed: number,
    enabled = true,
  ) {
    this.activationType = types.activation ?? 'INT8';
    this.weightType = types.weight ?? 'INT8';
    if (!enabled) return;
    for (const t of [this.activationType, this.weightType]) {
      if (g.opset < minOpsetFor(t)) throw new Error(`${t} Q/DQ needs opset >= ${minOpsetFor(t)} (have ${g.opset})`);
    }
    if (types.weightBlockSize !== undefined && g.opset < 21) throw new Error('block quantization needs opset >= 21');
    if (types.zeroPoint === 'outputDtype' && g.opset < 21) throw new Error('output_dtype needs opset >= 21');
    if (types.saturate !== undefined && g.opset < 19) throw new Error('saturate needs opset >= 19');
    if (types.dequantizeOutputDtype && g.opset < 23) throw new Error('DequantizeLinear output_dtype needs opset >= 23');
  }

  /** Deterministic per-tensor activation scale of a group: amax in [0.5, 8) / range. */
  activationScale(group: string, dtype: QuantType = this.activationType): number {
    const u = hash32(group, this.seed) / 4294967296;
    return Math.fround((0.5 + 7.5 * u) / quantRange(dtype).scaleDivisor);
  }

  /** Insert Q (and DQ) on `x`; returns the DQ output (the Q output when dangling). */
  quantize(x: TensorRef, spec: QuantizeSpec): TensorRef {
    const kind = spec.kind;
    const dtype = spec.dtype ?? (kind === 'activation' ? this.activationType : kind === 'weight' ? this.weightType : 'INT8');
    if (this.g.opset < minOpsetFor(dtype)) throw new Error(`${dtype} Q/DQ needs opset >= ${minOpsetFor(dtype)}`);
    const zeroPoint = spec.zeroPoint ?? (dtype === 'UINT8' ? 128 : dtype === 'UINT4' ? 8 : 0);
    const group = spec.group ?? spec.scope;
    const key = `${x.name}\u0000${kind}\u0000${group}\u0000${dtype}\u0000${zeroPoint}`;
    if (spec.reuse && !spec.dangling) {
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    const omitZp = this.types.zeroPoint === 'outputDtype' && zeroPoint === 0;

    // Scale layout.
    let axis: number | undefined;
    let blockSize: number | undefined;
    let scaleDims: number[] = [];
    let scale: number | Float32Array;
    if (kind === 'weight' && !spec.perTensor) {
      axis = 0;
      const bs = this.types.weightBlockSize;
      if (bs !== undefined && x.shape.length >= 2) {
        axis = 1;
        blockSize = bs;
        scaleDims = x.shape.map((d, i) => (i === 1 ? Math.ceil(d / bs) : d));
      } else {
        scaleDims = [x.shape[0]!];
      }
      scale = this.weightScales(spec.scope, numel(scaleDims), spec.bound ?? 1, dtype);
    } else if (kind === 'activation') {
      scale = this.activationScale(group, dtype);
    } else {
      scale = Math.fround((spec.bound ?? 1) / quantRange(dtype).scaleDivisor);
    }
    if (axis !== undefined && this.g.opset < 13) throw new Error('per-channel Q/DQ needs opset >= 13');

    const params = this.params(spec, kind, group, dtype, zeroPoint, omitZp, scale, scaleDims);
    const qAttrs: Record<string, number> = {};
    const dqAttrs: Record<string, number> = {};
    if (axis !== undefined) qAttrs['axis'] = dqAttrs['axis'] = axis;
    if (blockSize !== undefined) qAttrs['block_size'] = dqAttrs['block_size'] = blockSize;
    if (isFp8(dtype) && this.types.saturate !== undefined) qAttrs['saturate'] = this.types.saturate ? 1 : 0;
    if (omitZp) qAttrs['output_dtype'] = dataTypeCode(dtype);
    if (this.types.dequantizeOutputDtype) dqAttrs['output_dtype'] = dataTypeCode('FLOAT');

    const qInputs = params.zp ? [x, params.scale, params.zp] : [x, params.scale];
    const [q] = this.g.node('QuantizeLinear', qInputs, [{ dtype, shape: x.shape }], {
      scope: spec.scope,
      attrs: qAttrs,
      role: spec.dangling ? [`quantize.${kind}`, 'quantize.dangling'] : `quantize.${kind}`,
    });
    const qNode = this.g.producerOf(q!)!.name;
    let dq: TensorRef | undefined;
    if (!spec.dangling) {
      const dqInputs = params.zp ? [q!, params.scale, params.zp] : [q!, params.scale];
      [dq] = this.g.node('DequantizeLinear', dqInputs, [{ dtype: 'FLOAT', shape: x.shape }], {
        scope: spec.scope,
        attrs: dqAttrs,
        role: `dequantize.${kind}`,
      });
    }
    const rec: QdqRecord = {
      quantizeNode: qNode,
      dequantizeNode: dq ? this.g.producerOf(dq)!.name : null,
      input: x.name,
      quantizedTensor: q!.name,
      output: dq ? dq.name : null,
      kind,
      dtype,
      scaleGroup: group,
      scale,
      zeroPoint: params.zp ? zeroPoint : null,
      scaleTensor: params.scale.name,
      zeroPointTensor: params.zp ? params.zp.name : null,
      ...(axis !== undefined ? { axis } : {}),
      ...(blockSize !== undefined ? { blockSize } : {}),
      consumers: [],
    };
    this.records.push(rec);
    this.byOutput.set(dq ? dq.name : q!.name, rec);
    if (dq) {
      if (spec.reuse) this.cache.set(key, dq);
      return dq;
    }
    return q!;
  }

  /** The record of the Q/DQ whose DQ output (or dangling Q output) is `t`. */
  recordOf(t: TensorRef | string): QdqRecord | undefined {
    return this.byOutput.get(typeof t === 'string' ? t : t.name);
  }

  private weightScales(scope: string, count: number, bound: number, dtype: QuantType): Float32Array {
    const out = new Float32Array(count);
    const prng = new Prng(hash32(scope, this.seed));
    const div = quantRange(dtype).scaleDivisor;
    for (let i = 0; i < count; i++) out[i] = (bound * (0.5 + 0.5 * prng.float())) / div;
    return out;
  }

  private params(
    spec: QuantizeSpec,
    kind: QdqKind,
    group: string,
    dtype: QuantType,
    zeroPoint: number,
    omitZp: boolean,
    scale: number | Float32Array,
    dims: number[],
  ): { scale: TensorRef; zp: TensorRef | null } {
    const scaleValues = typeof scale === 'number' ? [scale] : scale;
    const zpValues = new Array<number>(scaleValues.length).fill(zeroPoint);
    const zpType = dtype as DataTypeName;
    if (this.scalesAs === 'constant') {
      // torch.onnx order: activation quantizers emit the zero point first.
      if (kind === 'activation') {
        const zp = omitZp ? null : this.g.constant(spec.scope, zpType, dims, quantPayload(zpType, zpValues));
        const s = this.g.constant(spec.scope, 'FLOAT', dims, float32Payload(scaleValues));
        return { scale: s, zp };
      }
      const s = this.g.constant(spec.scope, 'FLOAT', dims, float32Payload(scaleValues));
      const zp = omitZp ? null : this.g.constant(spec.scope, zpType, dims, quantPayload(zpType, zpValues));
      return { scale: s, zp };
    }
    const shareKey = kind === 'activation' ? `${group}\u0000${dtype}\u0000${zeroPoint}\u0000${omitZp}` : undefined;
    const hit = shareKey ? this.sharedParams.get(shareKey) : undefined;
    if (hit) return hit;
    const base = spec.scope.replace(/^\//, '');
    const s = this.g.initializer(`${base}/scale`, 'FLOAT', dims, float32Payload(scaleValues));
    const zp = omitZp ? null : this.g.initializer(`${base}/zero_point`, zpType, dims, quantPayload(zpType, zpValues));
    const out = { scale: s, zp };
    if (shareKey) this.sharedParams.set(shareKey, out);
    return out;
  }
}
