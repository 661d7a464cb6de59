/**
 * Resolves every QuantizeLinear / DequantizeLinear node: scale and zero point (from initializers
 * or `Constant` nodes), quantized data type, granularity (per-tensor, per-channel with its axis,
 * block with its block_size), whether it quantizes a weight, and the Q→DQ pairing.
 */
import { DataType, dataTypeName, type Node } from '../onnx/index';
import type { AnalysisContext, ConstTensor, NumberArray } from './context';
import { intAttr, isDequantize, isQuantize, TRT_FP8_DQ, TRT_FP8_Q } from './ops';

export type Granularity = 'tensor' | 'channel' | 'block' | 'invalid' | 'unknown';

export interface QdqInfo {
  index: number;
  name: string;
  kind: 'Q' | 'DQ';
  /** Data input (float for Q, quantized for DQ) and output tensor names. */
  input: string;
  output: string;
  scaleTensor: string;
  zeroPointTensor?: string;
  /** Scale as a build-time constant; undefined when it is computed at run time (R4). */
  scaleConst?: ConstTensor;
  /** Scale values; undefined when not constant or unreadable. */
  scale?: NumberArray;
  zeroPointConst?: ConstTensor;
  zeroPoint?: NumberArray;
  /** ONNX data type code of the quantized side (INT8, UINT8, FLOAT8E4M3FN, INT4, …). */
  dtype: number;
  /**
   * How the type was found: the zero point's type (a constant's, or the declared type of one
   * computed at run time), `zeroPointUnknown` (a zero point computed at run time whose type the
   * model does not state), `output_dtype`, the paired Q (for a DQ), the DQ input's initializer
   * type, or `default` (no zero point and no output_dtype: ONNX says UINT8, TensorRT uses INT8 — R2).
   */
  dtypeFrom: 'zeroPoint' | 'zeroPointUnknown' | 'outputDtype' | 'pairedQ' | 'input' | 'customOp' | 'default';
  /** `axis` attribute as written (undefined when absent). */
  axis?: number;
  blockSize?: number;
  granularity: Granularity;
  /** The single scale value when per-tensor and readable. */
  tensorScale?: number;
  /** The data input is rooted at a constant (a weight/bias), not an activation. */
  isWeight: boolean;
  /** For a Q: the DQ nodes reading its output; for a DQ: the Q producing its input (if any). */
  pairedDq: number[];
  pairedQ?: number;
}

/** Scalar or one-element → 1; else the element count. */
function scaleCount(ctx: QdqContext, c: ConstTensor | undefined): number | undefined {
  return c ? ctx.constCount(c) : undefined;
}

function granularityOf(c: ConstTensor | undefined, count: number | undefined, blockSize: number | undefined): Granularity {
  if (!c || count === undefined) return 'unknown';
  if (count === 0) return 'invalid';
  if (blockSize !== undefined && blockSize > 0) return 'block';
  if (c.dims.length === 0 || count === 1) return 'tensor';
  if (c.dims.length === 1) return 'channel';
  return c.dims.filter((d) => d > 1).length > 0 ? 'block' : 'tensor';
}

/** What resolving a Q/DQ reads of the analysis context (the whole graph's, or the editing layer's local one). */
export type QdqContext = Pick<AnalysisContext, 'constant' | 'values' | 'constCount' | 'elemTypeOf' | 'name' | 'isConstantRooted' | 'producer'>;

export function resolveQdq(ctx: AnalysisContext): Map<number, QdqInfo> {
  const out = new Map<number, QdqInfo>();
  ctx.nodes.forEach((n, i) => {
    const info = resolveOne(ctx, n, i);
    if (info) out.set(i, info);
  });
  // Pairing, and a DQ's type from its Q or its (pre-quantized) input when it has no zero point.
  for (const info of out.values()) {
    if (info.kind !== 'DQ') continue;
    const p = ctx.producer(info.input);
    const q = p === undefined ? undefined : out.get(p);
    pairDq(ctx, info, q);
    if (q && q.kind === 'Q') q.pairedDq.push(info.index);
  }
  return out;
}

/** Node `n` (index `i`) resolved as a Q/DQ, unpaired (`pairDq`, `pairedDq` empty); undefined for other nodes. */
export function resolveOne(ctx: QdqContext, n: Node, i: number): QdqInfo | undefined {
  const isQ = isQuantize(n);
  if (!isQ && !isDequantize(n)) return undefined;
  const scaleTensor = n.input[1] ?? '';
  const zeroPointTensor = n.input[2] || undefined;
  const scaleConst = ctx.constant(scaleTensor);
  const zeroPointConst = zeroPointTensor ? ctx.constant(zeroPointTensor) : undefined;
  const scale = scaleConst ? ctx.values(scaleTensor) : undefined;
  const zeroPoint = zeroPointConst && zeroPointTensor ? ctx.values(zeroPointTensor) : undefined;
  const blockSize = intAttr(n, 'block_size');
  const count = scaleCount(ctx, scaleConst);
  const granularity = granularityOf(scaleConst, count, blockSize);
  let dtype: number = DataType.INT8;
  let dtypeFrom: QdqInfo['dtypeFrom'] = 'default';
  const outputDtype = intAttr(n, 'output_dtype');
  if (n.opType === TRT_FP8_Q || n.opType === TRT_FP8_DQ) {
    dtype = DataType.FLOAT8E4M3FN;
    dtypeFrom = 'customOp';
  } else if (zeroPointConst) {
    dtype = zeroPointConst.castTo ?? zeroPointConst.dataType;
    dtypeFrom = 'zeroPoint';
  } else if (zeroPointTensor) {
    // A zero point computed at run time (R1 reports that): its declared type, when stated.
    const declared = ctx.elemTypeOf(zeroPointTensor);
    if (declared !== undefined) dtype = declared;
    dtypeFrom = declared !== undefined ? 'zeroPoint' : 'zeroPointUnknown';
  } else if (isQ && outputDtype) {
    dtype = outputDtype;
    dtypeFrom = 'outputDtype';
  }
  return {
    index: i,
    name: ctx.name(i),
    kind: isQ ? 'Q' : 'DQ',
    input: n.input[0] ?? '',
    output: n.output[0] ?? '',
    scaleTensor,
    zeroPointTensor,
    scaleConst,
    scale,
    zeroPointConst,
    zeroPoint,
    dtype,
    dtypeFrom,
    axis: intAttr(n, 'axis'),
    blockSize,
    granularity,
    tensorScale: granularity === 'tensor' && scale && scale.length >= 1 ? scale[0] : undefined,
    isWeight: ctx.isConstantRooted(n.input[0] ?? ''),
    pairedDq: [],
  };
}

/**
 * A resolved DQ paired with `q`, the unpaired resolution of the node producing its input (if that
 * is a Q): `pairedQ`, and its type from the Q or its (pre-quantized) input when it has no zero point.
 * The caller adds the DQ to `q.pairedDq`.
 */
export function pairDq(ctx: QdqContext, info: QdqInfo, q: QdqInfo | undefined): void {
  if (q && q.kind === 'Q') {
    info.pairedQ = q.index;
    if (info.dtypeFrom === 'default' && q.dtypeFrom !== 'default') {
      info.dtype = q.dtype;
      info.dtypeFrom = 'pairedQ';
    }
  } else if (info.dtypeFrom === 'default') {
    const c = ctx.constant(info.input);
    const t = c ? (c.castTo ?? c.dataType) : ctx.elemTypeOf(info.input);
    if (t !== undefined) {
      info.dtype = t;
      info.dtypeFrom = 'input';
    }
  }
}

/** Short type label for messages: INT8, UINT8, FP8 (E4M3), INT4, … */
export function dtypeLabel(code: number): string {
  switch (code) {
    case DataType.FLOAT8E4M3FN:
      return 'FP8 E4M3';
    case DataType.FLOAT8E5M2:
      return 'FP8 E5M2';
    case DataType.FLOAT4E2M1:
      return 'FP4 E2M1';
    default:
      return dataTypeName(code);
  }
}

export function isFp8(code: number): boolean {
  return code === DataType.FLOAT8E4M3FN || code === DataType.FLOAT8E4M3FNUZ || code === DataType.FLOAT8E5M2 || code === DataType.FLOAT8E5M2FNUZ;
}

/** Format a scale for messages (6 significant digits, like trtexec). */
export function fmtScale(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(6)).toString();
}
