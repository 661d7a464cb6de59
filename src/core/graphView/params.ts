/**
 * Constant inputs as the view sees them: initializers and `Constant` nodes (torch.onnx puts Q/DQ
 * scales and zero points in Constant nodes), summarised for display and, for the small tensors of
 * Q/DQ parameters, read as numbers.
 */
import {
  type Attribute, type DecodedModel, type Node, type Tensor, AttributeType, DataLocation, DataType,
  readTensorValues, tensorByteLength, tensorElementCount,
} from '../onnx/index';

/** Where a constant value is defined. */
export type ParamSource =
  | { readonly kind: 'initializer'; readonly tensor: Tensor }
  | { readonly kind: 'constant'; readonly node: Node; readonly attr: Attribute };

const VALUE_ATTRS = new Set(['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value']);

export function isOnnxDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** A `Constant` node with a value attribute (the form the view can show as a parameter). */
export function constantValueAttr(n: Node): Attribute | undefined {
  if (n.opType !== 'Constant' || !isOnnxDomain(n.domain)) return undefined;
  if (n.input.some((i) => i !== '')) return undefined;
  return n.attribute.find((a) => VALUE_ATTRS.has(a.name));
}

export interface ParamInfo {
  dtype: number;
  shape: number[];
  bytes?: number;
  external?: boolean;
}

/** dtype, shape and stored size of a constant, without reading its payload. */
export function paramInfo(src: ParamSource): ParamInfo {
  if (src.kind === 'initializer') return tensorInfo(src.tensor);
  const a = src.attr;
  switch (a.name) {
    case 'value':
      return a.t ? tensorInfo(a.t) : { dtype: DataType.UNDEFINED, shape: [] };
    case 'sparse_value': {
      const v = a.sparseTensor?.values;
      return { dtype: v?.dataType ?? DataType.UNDEFINED, shape: (a.sparseTensor?.dims ?? []).map(Number), ...(v ? optBytes(tensorByteLength(v)) : {}) };
    }
    case 'value_float': return { dtype: DataType.FLOAT, shape: [], bytes: 4 };
    case 'value_floats': return { dtype: DataType.FLOAT, shape: [a.floats.length], bytes: 4 * a.floats.length };
    case 'value_int': return { dtype: DataType.INT64, shape: [], bytes: 8 };
    case 'value_ints': return { dtype: DataType.INT64, shape: [a.ints.length], bytes: 8 * a.ints.length };
    case 'value_string': return { dtype: DataType.STRING, shape: [] };
    case 'value_strings': return { dtype: DataType.STRING, shape: [a.strings.length] };
    default: return { dtype: DataType.UNDEFINED, shape: [] };
  }
}

function optBytes(bytes: number | undefined): { bytes?: number } {
  return bytes === undefined ? {} : { bytes };
}

function tensorInfo(t: Tensor): ParamInfo {
  return {
    dtype: t.dataType,
    shape: t.dims.map(Number),
    ...optBytes(tensorByteLength(t)),
    ...(t.dataLocation === DataLocation.EXTERNAL ? { external: true } : {}),
  };
}

/** Numeric values of a constant; throws (with a message worth showing) when they cannot be read. */
export type NumericValues = ArrayLike<number> | BigInt64Array | BigUint64Array;

/** Refuse to read more than this many elements for a badge (Q/DQ parameters are small). */
export const MAX_PARAM_ELEMENTS = 1 << 20;

export function readParamValues(decoded: DecodedModel, src: ParamSource): NumericValues {
  if (src.kind === 'initializer') return readTensor(decoded, src.tensor);
  const a = src.attr;
  switch (a.name) {
    case 'value':
      if (!a.t) throw new Error(`Constant '${src.node.name}' has an empty value`);
      return readTensor(decoded, a.t);
    case 'value_float': return [a.f ?? 0];
    case 'value_floats': return a.floats;
    case 'value_int': return [Number(a.i ?? 0)];
    case 'value_ints': return a.ints.map(Number);
    default: throw new Error(`Constant '${src.node.name}' holds a ${a.name.replace('value_', '').replace('_value', '')} value, not numbers`);
  }
}

function readTensor(decoded: DecodedModel, t: Tensor): NumericValues {
  const count = tensorElementCount(t);
  if (count === undefined) throw new Error(`tensor '${t.name}' has an invalid shape`);
  if (count > MAX_PARAM_ELEMENTS) throw new Error(`tensor '${t.name}' has ${count} elements, too many to summarise here`);
  return readTensorValues(decoded, t);
}

/** Attribute value as a number (INT or FLOAT attributes), or undefined when absent. */
export function intAttr(n: Node, name: string): number | undefined {
  const a = n.attribute.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.type === AttributeType.INT || a.i !== undefined) return Number(a.i ?? 0);
  return undefined;
}
