/**
 * Q/DQ facts an edit needs: which pair feeds a tensor, the scale / zero point / axis of a Q or DQ
 * (serialisable, so an edit can remember them and put them back), stored-weight dequantization, and
 * the creation of a new Q→DQ pair.
 */
import { DataType, dataTypeFromName, dataTypeName, type Node } from '../onnx/index';
import { EditContext, EditError, intAttribute, newNode, newTensor } from './context';

/** The quantization parameters of one Q/DQ, as data (what an edit remembers). */
export interface QuantParams {
  /** Scale values (one: per-tensor; several: per-channel along `axis`). */
  scale: number[];
  /** Zero point values (same count as scale); empty when the node has none. */
  zeroPoint: number[];
  /** ONNX data type name of the quantized tensor (zero point type, `output_dtype`, else UINT8 per the spec). */
  dtype: string;
  /** Per-channel axis (as the attribute says, default 1 per ONNX) when there is more than one scale. */
  axis?: number;
}

/** What feeds a (float) tensor that a DQ produces. */
export type Feed =
  | { kind: 'pair'; q: Node; dq: Node; source: string }
  | { kind: 'stored'; dq: Node; weight: string }
  | { kind: 'lone'; dq: Node };

export function isQ(n: Node | undefined): n is Node & { opType: 'QuantizeLinear' } {
  return n?.opType === 'QuantizeLinear';
}
export function isDq(n: Node | undefined): n is Node & { opType: 'DequantizeLinear' } {
  return n?.opType === 'DequantizeLinear';
}

/** The DQ (and Q) producing `tensor`, or undefined when it is not a DQ output. */
export function feedOf(ctx: EditContext, tensor: string): Feed | undefined {
  const dq = ctx.producerOf(tensor);
  if (!isDq(dq)) return undefined;
  const x = dq.input[0] ?? '';
  const q = ctx.producerOf(x);
  if (isQ(q)) return { kind: 'pair', q, dq, source: q.input[0] ?? '' };
  if (ctx.isConstant(x)) return { kind: 'stored', dq, weight: x };
  return { kind: 'lone', dq };
}

function intAttr(n: Node, name: string): number | undefined {
  const a = n.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : Number(a.i);
}

/** Scale, zero point, type and axis of a Q or DQ. */
export function quantParams(ctx: EditContext, n: Node): QuantParams {
  const label = n.name || n.opType;
  if (intAttr(n, 'block_size')) throw new EditError(`${label}: block-quantized Q/DQ (block_size) is not supported by this edit`);
  const scale = ctx.requireConst(n.input[1] ?? '', `scale of ${label}`);
  const zpName = n.input[2];
  const zp = zpName ? ctx.requireConst(zpName, `zero point of ${label}`) : undefined;
  let dtype: number | undefined = zp?.dataType;
  if (dtype === undefined) dtype = intAttr(n, 'output_dtype');
  if (dtype === undefined && n.opType === 'DequantizeLinear') {
    const t = ctx.constantTensor(n.input[0] ?? '');
    if (t) dtype = t.dataType;
  }
  const out: QuantParams = {
    scale: Array.from(scale.values),
    zeroPoint: zp ? Array.from(zp.values) : [],
    dtype: dataTypeName(dtype ?? DataType.UINT8),
  };
  if (scale.values.length > 1) out.axis = intAttr(n, 'axis') ?? 1;
  return out;
}

/**
 * Dequantize a stored (already quantized) weight read by `dq` into a new float initializer, and
 * return its name. `(q - zp) * scale`, per tensor or per channel along the DQ's axis.
 */
export function dequantizeStored(ctx: EditContext, dq: Node, cache?: Map<Node, string>): string {
  const hit = cache?.get(dq);
  if (hit) return hit;
  const label = dq.name || 'DequantizeLinear';
  const weightName = dq.input[0] ?? '';
  const w = ctx.requireConst(weightName, `stored weight of ${label}`);
  const p = quantParams(ctx, dq);
  const scaleType = ctx.requireConst(dq.input[1] ?? '', `scale of ${label}`).dataType;
  if (scaleType !== DataType.FLOAT) throw new EditError(`${label}: only FLOAT scales can be dequantized into a weight (this one is ${dataTypeName(scaleType)})`);
  const n = w.values.length;
  const out = new Float32Array(n);
  if (p.scale.length === 1) {
    const s = p.scale[0]!;
    const z = p.zeroPoint[0] ?? 0;
    for (let i = 0; i < n; i++) out[i] = (w.values[i]! - z) * s;
  } else {
    const rank = w.dims.length;
    const axis = (p.axis ?? 1) < 0 ? (p.axis ?? 1) + rank : (p.axis ?? 1);
    if (axis < 0 || axis >= rank || w.dims[axis] !== p.scale.length) {
      throw new EditError(`${label}: ${p.scale.length} scales do not match axis ${p.axis} of the weight's shape [${w.dims.join(', ')}]`);
    }
    let inner = 1;
    for (let k = axis + 1; k < rank; k++) inner *= w.dims[k]!;
    const channels = w.dims[axis]!;
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / inner) % channels;
      out[i] = (w.values[i]! - (p.zeroPoint[c] ?? 0)) * p.scale[c]!;
    }
  }
  const name = ctx.fresh(`${weightName}_float`);
  ctx.addInitializers([newTensor(name, DataType.FLOAT, w.dims, out)]);
  cache?.set(dq, name);
  return name;
}

/** The ONNX type code for a quantized type name; refuses what cannot be written here. */
export function quantType(name: string): number {
  const code = dataTypeFromName(name.toUpperCase());
  const ok: number[] = [DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ];
  if (code === undefined || !ok.includes(code)) throw new EditError(`cannot insert a Q/DQ of type "${name}" (supported: INT8, UINT8, INT16, UINT16, FLOAT8E4M3FN, FLOAT8E5M2 and their FNUZ forms)`);
  return code;
}

/**
 * Create a Q→DQ pair that quantizes `tensor` with `params`, named under `scope`; returns the nodes
 * (Q then DQ) and the DQ output. Scale and zero point become new initializers. The caller inserts
 * the nodes and rewires the readers.
 */
export function makePair(ctx: EditContext, tensor: string, params: QuantParams, scope: string): { nodes: Node[]; output: string } {
  const opset = ctx.opset;
  if (opset > 0 && opset < 10) throw new EditError(`QuantizeLinear/DequantizeLinear need opset 10 or later; the model imports opset ${opset}`);
  if (params.scale.length === 0) throw new EditError(`no scale given for the Q/DQ on "${tensor}"`);
  for (const s of params.scale) if (!(s > 0) || !Number.isFinite(s)) throw new EditError(`scale ${s} for "${tensor}" is not a positive finite number`);
  const perChannel = params.scale.length > 1;
  if (perChannel && opset > 0 && opset < 13) throw new EditError(`per-channel Q/DQ needs opset 13 or later; the model imports opset ${opset}`);
  const type = quantType(params.dtype);
  const isFp8 = type >= DataType.FLOAT8E4M3FN && type <= DataType.FLOAT8E5M2FNUZ;
  if (isFp8 && opset > 0 && opset < 19) throw new EditError(`${params.dtype} Q/DQ needs opset 19 or later; the model imports opset ${opset}`);
  const dims = perChannel ? [params.scale.length] : [];
  const zp = params.zeroPoint.length ? params.zeroPoint : params.scale.map(() => 0);
  if (zp.length !== params.scale.length) throw new EditError(`"${tensor}": ${params.scale.length} scales but ${zp.length} zero points`);
  const scaleName = ctx.fresh(`${scope}/scale`);
  const zpName = ctx.fresh(`${scope}/zero_point`);
  ctx.addInitializers([newTensor(scaleName, DataType.FLOAT, dims, params.scale), newTensor(zpName, type, dims, zp)]);
  const attrs = perChannel ? [intAttribute('axis', params.axis ?? 0)] : [];
  const qOut = ctx.fresh(`${scope}/QuantizeLinear_output_0`);
  const dqOut = ctx.fresh(`${scope}/DequantizeLinear_output_0`);
  const q = newNode('QuantizeLinear', ctx.fresh(`${scope}/QuantizeLinear`), [tensor, scaleName, zpName], [qOut], attrs);
  const dq = newNode('DequantizeLinear', ctx.fresh(`${scope}/DequantizeLinear`), [qOut, scaleName, zpName], [dqOut], perChannel ? [intAttribute('axis', params.axis ?? 0)] : []);
  return { nodes: [q, dq], output: dqOut };
}

/** `/model.22/cv2/conv/Conv` -> `/model.22/cv2/conv` (the node's scope, for naming new nodes). */
export function scopeOf(node: Node): string {
  const name = node.name;
  const cut = name.lastIndexOf('/');
  return cut > 0 ? name.slice(0, cut) : name || node.opType;
}
