/**
 * ONNX TensorProto.DataType table, including the FP8, 4-bit, 2-bit and 6-bit types added after
 * ONNX 1.10 (up to FLOAT6E2M3 / FLOAT6E3M2 of onnx 1.23, IR 14).
 * Unknown codes (types newer than this table) are reported as `UNKNOWN(<code>)` and pass through.
 */
import type { TypeProto } from './model';

export interface DataTypeInfo {
  readonly code: number;
  readonly name: string;
  /**
   * Storage bits per element in raw_data: 4 for INT4/UINT4/FLOAT4E2M1 (two per byte, the first in
   * the low bits), 2 for INT2/UINT2 (four per byte), 6 for FLOAT6E2M3/FLOAT6E3M2 (four in three
   * bytes, an LSB-first bit stream).
   */
  readonly bits: number;
  readonly isFloat: boolean;
}

const table: DataTypeInfo[] = [
  { code: 0, name: 'UNDEFINED', bits: 0, isFloat: false },
  { code: 1, name: 'FLOAT', bits: 32, isFloat: true },
  { code: 2, name: 'UINT8', bits: 8, isFloat: false },
  { code: 3, name: 'INT8', bits: 8, isFloat: false },
  { code: 4, name: 'UINT16', bits: 16, isFloat: false },
  { code: 5, name: 'INT16', bits: 16, isFloat: false },
  { code: 6, name: 'INT32', bits: 32, isFloat: false },
  { code: 7, name: 'INT64', bits: 64, isFloat: false },
  { code: 8, name: 'STRING', bits: 0, isFloat: false },
  { code: 9, name: 'BOOL', bits: 8, isFloat: false },
  { code: 10, name: 'FLOAT16', bits: 16, isFloat: true },
  { code: 11, name: 'DOUBLE', bits: 64, isFloat: true },
  { code: 12, name: 'UINT32', bits: 32, isFloat: false },
  { code: 13, name: 'UINT64', bits: 64, isFloat: false },
  { code: 14, name: 'COMPLEX64', bits: 64, isFloat: true },
  { code: 15, name: 'COMPLEX128', bits: 128, isFloat: true },
  { code: 16, name: 'BFLOAT16', bits: 16, isFloat: true },
  { code: 17, name: 'FLOAT8E4M3FN', bits: 8, isFloat: true },
  { code: 18, name: 'FLOAT8E4M3FNUZ', bits: 8, isFloat: true },
  { code: 19, name: 'FLOAT8E5M2', bits: 8, isFloat: true },
  { code: 20, name: 'FLOAT8E5M2FNUZ', bits: 8, isFloat: true },
  { code: 21, name: 'UINT4', bits: 4, isFloat: false },
  { code: 22, name: 'INT4', bits: 4, isFloat: false },
  { code: 23, name: 'FLOAT4E2M1', bits: 4, isFloat: true },
  { code: 24, name: 'FLOAT8E8M0', bits: 8, isFloat: true },
  { code: 25, name: 'UINT2', bits: 2, isFloat: false },
  { code: 26, name: 'INT2', bits: 2, isFloat: false },
  { code: 27, name: 'FLOAT6E2M3', bits: 6, isFloat: true },
  { code: 28, name: 'FLOAT6E3M2', bits: 6, isFloat: true },
];

const byCode = new Map(table.map((t) => [t.code, t]));
const byName = new Map(table.map((t) => [t.name, t]));

export const DataType = Object.fromEntries(table.map((t) => [t.name, t.code])) as Record<
  | 'UNDEFINED' | 'FLOAT' | 'UINT8' | 'INT8' | 'UINT16' | 'INT16' | 'INT32' | 'INT64' | 'STRING' | 'BOOL'
  | 'FLOAT16' | 'DOUBLE' | 'UINT32' | 'UINT64' | 'COMPLEX64' | 'COMPLEX128' | 'BFLOAT16'
  | 'FLOAT8E4M3FN' | 'FLOAT8E4M3FNUZ' | 'FLOAT8E5M2' | 'FLOAT8E5M2FNUZ' | 'UINT4' | 'INT4'
  | 'FLOAT4E2M1' | 'FLOAT8E8M0' | 'UINT2' | 'INT2' | 'FLOAT6E2M3' | 'FLOAT6E3M2',
  number
>;

export function dataTypeInfo(code: number): DataTypeInfo | undefined {
  return byCode.get(code);
}

export function dataTypeName(code: number): string {
  return byCode.get(code)?.name ?? `UNKNOWN(${code})`;
}

export function dataTypeFromName(name: string): number | undefined {
  return byName.get(name.toUpperCase())?.code;
}

/** Bytes needed to store `count` elements of `code` in raw_data, or undefined when not fixed-size. */
export function rawByteLength(code: number, count: number): number | undefined {
  const info = byCode.get(code);
  if (!info || info.bits === 0) return undefined;
  return Math.ceil((count * info.bits) / 8);
}

/**
 * A value type as ONNX spells it, element types by name: `tensor(FLOAT)`, `seq(tensor(FLOAT))`,
 * `optional(seq(tensor(INT64)))`, `map(INT64, tensor(FLOAT))`, `sparse_tensor(FLOAT)`; `?` for
 * what the model leaves unstated. Nesting is bounded by the decoder's depth limit.
 */
export function typeString(t: TypeProto | undefined): string {
  if (!t) return '?';
  if (t.tensorType) return `tensor(${t.tensorType.elemType ? dataTypeName(t.tensorType.elemType) : '?'})`;
  if (t.sparseTensorType) return `sparse_tensor(${t.sparseTensorType.elemType ? dataTypeName(t.sparseTensorType.elemType) : '?'})`;
  if (t.sequenceType) return `seq(${typeString(t.sequenceType.elemType)})`;
  if (t.optionalType) return `optional(${typeString(t.optionalType.elemType)})`;
  if (t.mapType) return `map(${t.mapType.keyType ? dataTypeName(t.mapType.keyType) : '?'}, ${typeString(t.mapType.valueType)})`;
  return '?';
}
