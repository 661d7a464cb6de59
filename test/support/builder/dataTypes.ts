/**
 * ONNX TensorProto.DataType codes, including the ones newer than the ONNX 1.10
 * schema that `onnx-proto` was generated from (FP8, INT4, FP4, E8M0). Those are
 * plain integers on the wire, so they encode fine through `onnx-proto`.
 */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
} as const;

export type DataTypeName = keyof typeof DataType;

/** Element types a QuantizeLinear may produce in the modes the builder supports. */
export type QuantType = 'INT8' | 'UINT8' | 'FLOAT8E4M3FN' | 'FLOAT8E5M2' | 'INT4' | 'UINT4';

const BITS: Partial<Record<DataTypeName, number>> = {
  FLOAT: 32, UINT8: 8, INT8: 8, UINT16: 16, INT16: 16, INT32: 32, INT64: 64, BOOL: 8,
  FLOAT16: 16, DOUBLE: 64, UINT32: 32, UINT64: 64, COMPLEX64: 64, COMPLEX128: 128, BFLOAT16: 16,
  FLOAT8E4M3FN: 8, FLOAT8E4M3FNUZ: 8, FLOAT8E5M2: 8, FLOAT8E5M2FNUZ: 8,
  UINT4: 4, INT4: 4, FLOAT4E2M1: 4, FLOAT8E8M0: 8,
};

export function dataTypeCode(name: DataTypeName): number {
  return DataType[name];
}

export function dataTypeName(code: number): DataTypeName | undefined {
  for (const [k, v] of Object.entries(DataType)) if (v === code) return k as DataTypeName;
  return undefined;
}

/** Bits per element; throws for STRING/UNDEFINED. */
export function bitsPerElement(name: DataTypeName): number {
  const bits = BITS[name];
  if (bits === undefined) throw new Error(`no fixed element size for data type ${name}`);
  return bits;
}

/** Bytes of raw_data for `count` elements (4-bit types are packed two per byte). */
export function rawByteLength(name: DataTypeName, count: number): number {
  return Math.ceil((count * bitsPerElement(name)) / 8);
}

/** Largest representable magnitude used to turn an amax into a scale. */
export function quantRange(t: QuantType): { qmin: number; qmax: number; scaleDivisor: number } {
  switch (t) {
    case 'INT8': return { qmin: -128, qmax: 127, scaleDivisor: 127 };
    case 'UINT8': return { qmin: 0, qmax: 255, scaleDivisor: 127.5 };
    case 'INT4': return { qmin: -8, qmax: 7, scaleDivisor: 7 };
    case 'UINT4': return { qmin: 0, qmax: 15, scaleDivisor: 7.5 };
    case 'FLOAT8E4M3FN': return { qmin: -448, qmax: 448, scaleDivisor: 448 };
    case 'FLOAT8E5M2': return { qmin: -57344, qmax: 57344, scaleDivisor: 57344 };
  }
}

/** Minimum ai.onnx opset whose QuantizeLinear accepts this output type. */
export function minOpsetFor(t: QuantType): number {
  switch (t) {
    case 'INT8': case 'UINT8': return 10;
    case 'FLOAT8E4M3FN': case 'FLOAT8E5M2': return 19;
    case 'INT4': case 'UINT4': return 21;
  }
}

/** Default IR version for an ai.onnx opset, as onnx.helper's table maps them. */
export function defaultIrVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 9) return 4;
  if (opset <= 10) return 5;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}
