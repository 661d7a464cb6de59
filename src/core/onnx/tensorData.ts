/**
 * Lazy tensor payloads. Decoding never copies weight bytes; these functions read them on request,
 * from the model's own source (raw_data, *_data fields) or from external data files.
 */
import { MemorySource } from './byteSource';
import { dataTypeInfo, DataType, rawByteLength } from './dataTypes';
import type { DecodedModel } from './decode';
import { OnnxFormatError, TensorDataError } from './errors';
import { externalDataValue, type FileReader, nodeFileReader, readExternalBytes } from './externalData';
import { type Attribute, type DataRef, DataLocation, type Graph, type Int64, type ModelProto, type Node, type SparseTensor, type Tensor } from './model';
import { WireReader, WireType } from './wire/reader';

/**
 * Every tensor of the model: graph initializers (sparse ones' values and indices too) and attribute
 * tensors, in every graph, function and training graph. An attribute's tensor comes with its
 * attribute and node (which name it when the tensor itself has no name, as a Constant's value).
 */
export function eachTensor(model: ModelProto, visit: (t: Tensor, attribute?: Attribute, node?: Node) => void): void {
  const sparse = (s: SparseTensor | undefined, a?: Attribute, n?: Node) => {
    if (s?.values) visit(s.values, a, n);
    if (s?.indices) visit(s.indices, a, n);
  };
  const nodes = (list: readonly Node[]) => {
    for (const n of list) {
      for (const a of n.attribute) {
        if (a.t) visit(a.t, a, n);
        for (const t of a.tensors) visit(t, a, n);
        sparse(a.sparseTensor, a, n);
        for (const s of a.sparseTensors) sparse(s, a, n);
        if (a.g) graph(a.g);
        a.graphs.forEach(graph);
      }
    }
  };
  const graph = (g: Graph) => {
    for (const t of g.initializer) visit(t);
    for (const s of g.sparseInitializer) sparse(s);
    nodes(g.node);
  };
  if (model.graph) graph(model.graph);
  for (const f of model.functions) nodes(f.node);
  for (const t of model.trainingInfo) {
    if (t.initialization) graph(t.initialization);
    if (t.algorithm) graph(t.algorithm);
  }
}

/**
 * Where an unnamed tensor is, for messages: the node attribute that holds it (a Constant's `value`:
 * "Constant node '/model.0/Constant' attribute 'value'"; a node without a name is told by its first
 * output). Undefined when the tensor is not an attribute's (an unnamed initializer).
 */
export function tensorOwner(model: ModelProto, target: Tensor): string | undefined {
  let owner: string | undefined;
  eachTensor(model, (t, a, n) => {
    if (owner !== undefined || t !== target || !a || !n) return;
    owner = attributeOwner(n, a);
  });
  return owner;
}

/** "Constant node '/model.0/Constant' attribute 'value'": an attribute's tensor, said for messages. */
export function attributeOwner(n: Node, a: Attribute): string {
  const node = n.name ? `'${n.name}'` : n.output[0] ? `(output '${n.output[0]}')` : '(no name)';
  return `${n.opType || 'unknown'} node ${node} attribute '${a.name}'`;
}

/** Number of elements from dims, or undefined when a dim is negative or not a safe number. */
export function tensorElementCount(t: Tensor): number | undefined {
  let n = 1;
  for (const d of t.dims) {
    const v = Number(d);
    if (!Number.isSafeInteger(v) || v < 0) return undefined;
    n *= v;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/** Payload size in bytes as stored (raw layout), without reading it; undefined when unknown. */
export function tensorByteLength(t: Tensor): number | undefined {
  if (t.dataLocation === DataLocation.EXTERNAL) {
    const len = externalDataValue(t, 'length');
    if (len !== undefined && /^\d+$/.test(len)) return Number(len);
    const count = tensorElementCount(t);
    return count === undefined ? undefined : rawByteLength(t.dataType, count);
  }
  if (t.rawData) return t.rawData.kind === 'source' ? t.rawData.byteLength : t.rawData.bytes.length;
  const count = tensorElementCount(t);
  if (count === undefined) return undefined;
  if (t.stringData) return t.stringData.kind === 'source' ? t.stringData.byteLength : t.stringData.bytes.length;
  if (t.floatData || t.int32Data || t.int64Data || t.doubleData || t.uint64Data) return rawByteLength(t.dataType, count);
  return count === 0 ? 0 : undefined;
}

/** Read the value bytes of a DataRef: for a single packed entry, its value; otherwise all entries parsed. */
function refEntries(decoded: DecodedModel, ref: DataRef, name: string): { wireType: number; value: Uint8Array }[] {
  if (ref.kind === 'inline') return [{ wireType: WireType.LEN, value: ref.bytes }];
  const out: { wireType: number; value: Uint8Array }[] = [];
  for (const span of ref.fieldSpans) {
    const bytes = decoded.source.read(span.start, span.end - span.start);
    if (bytes.length !== span.end - span.start) throw new TensorDataError(decoded.file, name, 'the model file changed or is shorter than when it was opened');
    const r = new WireReader(new MemorySource(bytes, decoded.file), decoded.file);
    while (r.pos < bytes.length) {
      const key = r.tag(bytes.length, '');
      const wt = key & 7;
      const start = r.pos;
      if (wt === WireType.LEN) {
        const stop = r.lengthDelimited(bytes.length, '');
        out.push({ wireType: wt, value: bytes.subarray(r.pos, stop) });
        r.pos = stop;
      } else {
        r.skip(wt, bytes.length, '');
        out.push({ wireType: wt, value: bytes.subarray(start, r.pos) });
      }
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parse varints (packed or not) from entries. Packed payloads are not checked when the model is
 * opened, so a malformed one is reported here, as a TensorDataError naming the tensor.
 */
function varints(decoded: DecodedModel, ref: DataRef, name: string): Int64[] {
  const out: Int64[] = [];
  for (const e of refEntries(decoded, ref, name)) {
    const r = new WireReader(new MemorySource(e.value), decoded.file);
    try {
      while (r.pos < e.value.length) out.push(r.int64(e.value.length, ''));
    } catch (err) {
      if (err instanceof OnnxFormatError) throw new TensorDataError(decoded.file, name, `malformed packed integer data: ${err.problem}`);
      throw err;
    }
  }
  return out;
}

/**
 * A TensorDataError about a tensor without a name (a Constant's value), said as the node attribute
 * that holds it: "cannot read the tensor of Constant node '/model.0/Constant' attribute 'value'".
 */
function withOwner(decoded: DecodedModel, t: Tensor, e: unknown): unknown {
  if (!(e instanceof TensorDataError) || e.tensorName !== '' || t.name !== '') return e;
  const owner = tensorOwner(decoded.model, t);
  return owner === undefined ? e : new TensorDataError(e.file, '', e.problem, owner);
}

/**
 * The tensor's payload in raw_data layout (little-endian, 4-bit types packed two per byte),
 * whichever field or file holds it. Throws TensorDataError naming the file and the tensor (or, for
 * a tensor without a name, the node attribute holding it) on any problem, or ModelChangedError when
 * the model file was rewritten in place since it was opened.
 */
export function readTensorBytes(decoded: DecodedModel, t: Tensor, reader: FileReader = nodeFileReader): Uint8Array {
  try {
    return bytesOf(decoded, t, reader);
  } catch (e) {
    throw withOwner(decoded, t, e);
  }
}

function bytesOf(decoded: DecodedModel, t: Tensor, reader: FileReader): Uint8Array {
  const count = tensorElementCount(t);
  const expected = count === undefined ? undefined : rawByteLength(t.dataType, count);
  if (t.dataLocation === DataLocation.EXTERNAL) return readExternalBytes(t, decoded.file, expected, reader);
  if (t.rawData) {
    const bytes = concat(refEntries(decoded, t.rawData, t.name).map((e) => e.value));
    if (expected !== undefined && bytes.length !== expected) {
      throw new TensorDataError(decoded.file, t.name, `raw_data has ${bytes.length} bytes, its shape and type need ${expected}`);
    }
    return bytes;
  }
  const info = dataTypeInfo(t.dataType);
  if (count === undefined || !info) throw new TensorDataError(decoded.file, t.name, 'unknown shape or data type');
  if (t.floatData || t.doubleData) {
    const bytes = concat(refEntries(decoded, (t.floatData ?? t.doubleData)!, t.name).map((e) => e.value));
    return bytes;
  }
  if (t.stringData) throw new TensorDataError(decoded.file, t.name, `a ${info.name} tensor with string_data: its elements are strings, which have no raw byte layout`);
  const ints = t.int32Data ? varints(decoded, t.int32Data, t.name) : t.int64Data ? varints(decoded, t.int64Data, t.name) : t.uint64Data ? varints(decoded, t.uint64Data, t.name) : undefined;
  if (!ints) {
    if (count === 0) return new Uint8Array(0);
    throw new TensorDataError(decoded.file, t.name, 'the tensor has no data');
  }
  return packInts(ints, t.dataType, count, decoded.file, t.name);
}

/**
 * int32_data/int64_data/uint64_data values -> raw layout of `dataType`. As onnx.proto says: a type of
 * 8 bits or more has one element per entry; a 4-bit type two per entry (the entry is the packed
 * byte: first element in the low nibble) and a 2-bit type four (the packed byte, first element in
 * bits 0-1), so those entries are the raw bytes themselves; FLOAT6E2M3/FLOAT6E3M2 one element per
 * entry (bits 0-5), packed here into raw_data's bit stream, four elements in three bytes.
 */
function packInts(values: Int64[], dataType: number, count: number, file: string, name: string): Uint8Array {
  const info = dataTypeInfo(dataType)!;
  if (info.bits === 4 || info.bits === 2) {
    const perEntry = 8 / info.bits;
    const need = Math.ceil(count / perEntry);
    if (values.length !== need) {
      throw new TensorDataError(file, name, `int32_data has ${values.length} entries; ${count} ${info.name} elements packed ${perEntry} per entry need ${need}`);
    }
    return Uint8Array.from(values, (v) => Number(v) & 0xff);
  }
  if (info.bits === 6) {
    if (values.length !== count) throw new TensorDataError(file, name, `int32_data has ${values.length} entries; ${count} ${info.name} elements need one each`);
    const out = new Uint8Array(Math.ceil((count * 6) / 8));
    values.forEach((v, i) => {
      const bit = i * 6;
      const x = Number(v) & 0x3f;
      out[bit >> 3]! |= (x << (bit & 7)) & 0xff;
      if ((bit & 7) > 2) out[(bit >> 3) + 1]! |= x >> (8 - (bit & 7));
    });
    return out;
  }
  const bytes = new Uint8Array(values.length * (info.bits / 8));
  const dv = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const n = Number(v);
    switch (info.bits) {
      case 8: dv.setUint8(i, n & 0xff); break;
      case 16: dv.setUint16(i * 2, n & 0xffff, true); break; // FLOAT16/BFLOAT16 bit patterns, (U)INT16
      case 32: dv.setUint32(i * 4, n >>> 0, true); break;
      case 64: dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v)), true); break;
      default: throw new TensorDataError(file, name, `cannot convert integer data to ${info.name}`);
    }
  });
  return bytes;
}

export type TensorValues =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

function aligned(bytes: Uint8Array, size: number): ArrayBuffer {
  if (bytes.byteOffset % size === 0 && bytes.buffer instanceof ArrayBuffer && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  // Copy into a fresh, aligned buffer (note: Buffer#slice would return a view, not a copy).
  return new Uint8Array(bytes).buffer;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** FP8 decoders per ONNX's definitions (FN = no infinities, UZ = unsigned zero / NaN at 0x80). */
function fp8ToFloat(b: number, code: number): number {
  const e4m3 = code === DataType.FLOAT8E4M3FN || code === DataType.FLOAT8E4M3FNUZ;
  const uz = code === DataType.FLOAT8E4M3FNUZ || code === DataType.FLOAT8E5M2FNUZ;
  if (uz && b === 0x80) return NaN;
  const s = b & 0x80 ? -1 : 1;
  const mBits = e4m3 ? 3 : 2;
  const eBits = e4m3 ? 4 : 5;
  const bias = (e4m3 ? 7 : 15) + (uz ? 1 : 0);
  const e = (b >> mBits) & ((1 << eBits) - 1);
  const m = b & ((1 << mBits) - 1);
  if (e4m3 && !uz && e === 15 && m === 7) return NaN;
  if (!e4m3 && !uz && e === 31) return m ? NaN : s * Infinity;
  if (e === 0) return s * 2 ** (1 - bias) * (m / (1 << mBits));
  return s * 2 ** (e - bias) * (1 + m / (1 << mBits));
}

/** A sign bit, `e` exponent bits and `m` mantissa bits with `bias`, no infinities or NaN (the FLOAT6 types). */
function smallFloat(x: number, e: number, m: number, bias: number): number {
  const s = x >> (e + m) ? -1 : 1;
  const ex = (x >> m) & ((1 << e) - 1);
  const man = x & ((1 << m) - 1);
  return ex === 0 ? s * 2 ** (1 - bias) * (man / (1 << m)) : s * 2 ** (ex - bias) * (1 + man / (1 << m));
}

/**
 * Decoded element values. Standard numeric types map to their typed array; FLOAT16, BFLOAT16, the
 * FP8 types, FLOAT4E2M1 and the FLOAT6 types are converted to Float32Array; INT4/UINT4 and
 * INT2/UINT2 are unpacked to Int8/Uint8.
 */
export function readTensorValues(decoded: DecodedModel, t: Tensor, reader: FileReader = nodeFileReader): TensorValues {
  try {
    return valuesOf(decoded, t, reader);
  } catch (e) {
    throw withOwner(decoded, t, e);
  }
}

function valuesOf(decoded: DecodedModel, t: Tensor, reader: FileReader): TensorValues {
  const bytes = bytesOf(decoded, t, reader);
  const count = tensorElementCount(t) ?? 0;
  const need = rawByteLength(t.dataType, count);
  if (need !== undefined && bytes.length < need) {
    throw new TensorDataError(decoded.file, t.name, `the tensor holds ${bytes.length} bytes, its shape and type need ${need}`);
  }
  switch (t.dataType) {
    case DataType.FLOAT: return new Float32Array(aligned(bytes, 4), 0, count);
    case DataType.DOUBLE: return new Float64Array(aligned(bytes, 8), 0, count);
    case DataType.INT8: return new Int8Array(bytes.buffer, bytes.byteOffset, count);
    case DataType.UINT8:
    case DataType.BOOL: return new Uint8Array(bytes.buffer, bytes.byteOffset, count);
    case DataType.INT16: return new Int16Array(aligned(bytes, 2), 0, count);
    case DataType.UINT16: return new Uint16Array(aligned(bytes, 2), 0, count);
    case DataType.INT32: return new Int32Array(aligned(bytes, 4), 0, count);
    case DataType.UINT32: return new Uint32Array(aligned(bytes, 4), 0, count);
    case DataType.INT64: return new BigInt64Array(aligned(bytes, 8), 0, count);
    case DataType.UINT64: return new BigUint64Array(aligned(bytes, 8), 0, count);
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      const u16 = new Uint16Array(aligned(bytes, 2), 0, count);
      const out = new Float32Array(count);
      if (t.dataType === DataType.FLOAT16) for (let i = 0; i < count; i++) out[i] = halfToFloat(u16[i]!);
      else {
        const u32 = new Uint32Array(out.buffer);
        for (let i = 0; i < count; i++) u32[i] = u16[i]! << 16;
      }
      return out;
    }
    case DataType.FLOAT8E4M3FN:
    case DataType.FLOAT8E4M3FNUZ:
    case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = fp8ToFloat(bytes[i]!, t.dataType);
      return out;
    }
    case DataType.INT4:
    case DataType.UINT4:
    case DataType.FLOAT4E2M1: {
      const signed = t.dataType === DataType.INT4;
      const out = t.dataType === DataType.FLOAT4E2M1 ? new Float32Array(count) : signed ? new Int8Array(count) : new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const nib = (bytes[i >> 1]! >> ((i & 1) * 4)) & 0xf;
        if (t.dataType === DataType.FLOAT4E2M1) {
          const s = nib & 8 ? -1 : 1;
          const e = (nib >> 1) & 3;
          const m = nib & 1;
          out[i] = s * (e === 0 ? m * 0.5 : 2 ** (e - 1) * (1 + m / 2));
        } else out[i] = signed && nib & 8 ? nib - 16 : nib;
      }
      return out;
    }
    case DataType.INT2:
    case DataType.UINT2: {
      const signed = t.dataType === DataType.INT2;
      const out = signed ? new Int8Array(count) : new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const v = (bytes[i >> 2]! >> ((i & 3) * 2)) & 3;
        out[i] = signed && v & 2 ? v - 4 : v;
      }
      return out;
    }
    case DataType.FLOAT6E2M3:
    case DataType.FLOAT6E3M2: {
      const e2m3 = t.dataType === DataType.FLOAT6E2M3;
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const bit = i * 6;
        const x = ((bytes[bit >> 3]! | ((bytes[(bit >> 3) + 1] ?? 0) << 8)) >> (bit & 7)) & 0x3f;
        out[i] = e2m3 ? smallFloat(x, 2, 3, 1) : smallFloat(x, 3, 2, 3);
      }
      return out;
    }
    case DataType.FLOAT8E8M0: {
      // An exponent alone: 2^(e - 127); 0xFF is NaN.
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[i] === 0xff ? NaN : 2 ** (bytes[i]! - 127);
      return out;
    }
    default:
      throw new TensorDataError(decoded.file, t.name, `reading values of data type ${dataTypeInfo(t.dataType)?.name ?? t.dataType} is not supported`);
  }
}
