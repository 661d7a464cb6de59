/**
 * Op categories as TensorRT's Q/DQ optimizer treats them (rules R13, R14, R18–R24 of
 * docs tensorrt-qdq-rules.md): weighted ops, commuting (data-movement) ops and which of their
 * inputs carry data, quantizable non-weighted ops, pointwise ops that fuse as a conv epilogue or
 * into pointwise chains, and the integer "QOperator" ops TensorRT rejects.
 */
import type { Node } from '../onnx/index';

export const QUANTIZE = 'QuantizeLinear';
export const DEQUANTIZE = 'DequantizeLinear';

/** Custom FP8 Q/DQ ops the TensorRT parser accepts below opset 19 (R8). */
export const TRT_FP8_Q = 'TRT_FP8QuantizeLinear';
export const TRT_FP8_DQ = 'TRT_FP8DequantizeLinear';

export function isQuantize(n: Node): boolean {
  return (n.opType === QUANTIZE || n.opType === TRT_FP8_Q) && isStandardOrTrt(n.domain);
}

export function isDequantize(n: Node): boolean {
  return (n.opType === DEQUANTIZE || n.opType === TRT_FP8_DQ) && isStandardOrTrt(n.domain);
}

function isStandardOrTrt(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx' || domain === 'trt' || domain === 'TRT';
}

/** Conv, ConvTranspose, Gemm, MatMul: weighted when their second input is a constant (R18). */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/**
 * Commuting ops (R14): NVIDIA documents MaxPool; modelopt's "copy ops" and the YOLO QAT rules add
 * the data-movement ops. Nearest Resize/Upsample and constant-zero Pad are treated as commuting
 * with lower confidence (see `commutes`).
 */
const COMMUTING: ReadonlySet<string> = new Set([
  'MaxPool', 'Flatten', 'Transpose', 'Concat', 'Split', 'Squeeze', 'Unsqueeze', 'Expand', 'Reshape', 'Tile',
  'Gather', 'Slice', 'GatherElements', 'GatherND', 'ScatterElements', 'ScatterND', 'OneHot', 'Identity',
  'Resize', 'Upsample', 'Pad',
]);

/** Ops whose commuting depends on attributes and which the rules document marks as less certain. */
export const UNCERTAIN_COMMUTING: ReadonlySet<string> = new Set(['Resize', 'Upsample', 'Pad']);

function stringAttr(n: Node, name: string): string | undefined {
  const a = n.attribute.find((x) => x.name === name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

/** Does `n` commute with Q/DQ (moves quantization across itself without changing the maths)? */
export function commutes(n: Node): boolean {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return false;
  if (!COMMUTING.has(n.opType)) return false;
  if (n.opType === 'Resize' || n.opType === 'Upsample') return (stringAttr(n, 'mode') ?? 'nearest') === 'nearest';
  if (n.opType === 'Pad') return (stringAttr(n, 'mode') ?? 'constant') === 'constant';
  return true;
}

const FIRST: readonly number[] = Object.freeze([0]);
const SCATTER: readonly number[] = Object.freeze([0, 2]);

/** Indices of the inputs of a commuting op that carry the quantized data (the rest are shapes/indices). */
export function dataInputs(n: Node): readonly number[] {
  switch (n.opType) {
    case 'Concat':
      return n.input.map((_, i) => i);
    case 'ScatterElements':
    case 'ScatterND':
      return SCATTER;
    default:
      return FIRST;
  }
}

/** Does `n` (a commuting op) read `tensor` as data (not as a shape/index input)? */
export function readsAsData(n: Node, tensor: string): boolean {
  switch (n.opType) {
    case 'Concat':
      return n.input.includes(tensor);
    case 'ScatterElements':
    case 'ScatterND':
      return n.input[0] === tensor || n.input[2] === tensor;
    default:
      return n.input[0] === tensor;
  }
}

/** Non-weighted ops with INT8 kernels when every input has a DQ and the output a Q (R23). */
export const QUANTIZABLE_NONWEIGHTED: ReadonlySet<string> = new Set([
  'Add', 'Sum', 'Sub', 'Mul', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'ReduceSum',
]);

/** Pointwise activation-like ops that fuse into a conv epilogue or a pointwise chain (R20). */
export const POINTWISE_UNARY: ReadonlySet<string> = new Set([
  'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Gelu', 'Tanh', 'Elu', 'Selu', 'Softplus',
  'Mish', 'PRelu', 'ThresholdedRelu', 'Softsign', 'Celu', 'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal',
  'Erf', 'Floor', 'Ceil', 'Round', 'Sign', 'Not', 'Cast',
]);

/** Binary elementwise ops (pointwise chains; Add/Mul/Sub/Div with a constant fuse as a conv epilogue). */
export const POINTWISE_BINARY: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Where', 'Equal', 'Greater', 'Less']);

export function isPointwise(opType: string): boolean {
  return POINTWISE_UNARY.has(opType) || POINTWISE_BINARY.has(opType) || opType === 'BatchNormalization';
}

/** Epilogue ops a weighted op absorbs directly when nothing else reads its output (R20). */
export const EPILOGUE_UNARY: ReadonlySet<string> = new Set([
  'BatchNormalization', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Gelu', 'Tanh', 'Elu',
  'Selu', 'Softplus', 'Mish', 'PRelu', 'ThresholdedRelu',
]);

/** Ops with no low-precision kernel that do not commute (R24): Q/DQ around them run standalone. */
export function isNonQuantizable(opType: string): boolean {
  return !WEIGHTED_OPS.has(opType) && !QUANTIZABLE_NONWEIGHTED.has(opType) && !COMMUTING.has(opType) && opType !== QUANTIZE && opType !== DEQUANTIZE;
}

/** ONNX Runtime "QOperator" ops that TensorRT does not import (R10). */
export const QOPERATOR_OPS: ReadonlySet<string> = new Set([
  'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'DynamicQuantizeLinear', 'QLinearAdd', 'QLinearMul',
  'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat', 'QLinearSoftmax',
  'QGemm', 'QAttention', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'QLinearConvTranspose', 'QLinearReduceMean',
]);

/** Ops that only read a tensor's shape, never its values: they do not make a tensor "float-consumed". */
export const SHAPE_READERS: ReadonlySet<string> = new Set(['Shape', 'Size']);

/** Standard ONNX op types (for R28: anything else, or another domain, is a custom op / plugin). */
export function isCustomOp(n: Node): boolean {
  return n.domain !== '' && n.domain !== 'ai.onnx' && n.domain !== 'ai.onnx.ml';
}

export function intAttr(n: Node, name: string): number | undefined {
  const a = n.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : Number(a.i);
}

export function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attribute.find((x) => x.name === name);
  return a && a.ints.length ? a.ints.map(Number) : undefined;
}

export { stringAttr };
