/** R9 QDQ-OPSET: the minimum ONNX opset of each Q/DQ feature, and the parser's opset range. */
import { DataType } from '../../onnx/index';
import { isFp8, type QdqInfo } from '../qdq';
import { defineRule, listNames, plural } from '../rule';

/** Opset range of the ONNX parser documented per target (8.6: 7–17; 10.0: 9–20). */
export const PARSER_OPSETS = { 8: { min: 7, max: 17 }, 10: { min: 9, max: 20 } } as const;

export const r9 = defineRule(
  {
    id: 'R9',
    name: 'QDQ-OPSET',
    title: 'Minimum ONNX opset for each Q/DQ feature',
    severity: 'error',
    versions: 'all',
    matches: 'Q/DQ below opset 10; an axis attribute (per-channel) below 13; FP8 types below 19 (unless the TRT_FP8 custom ops are used); INT4 or block_size below 21; FP4 below 23. Info: an opset outside the parser range documented for the target (8.6: 7–17, 10.0: 9–20).',
    tensorrt: 'ONNX does not define the feature at that opset, so the model is invalid and the parser rejects it. Opsets newer than a release documents may import, but are untested.',
    fix: 'Export with a newer opset (PyTorch: opset_version=13 for per-channel INT8, 19 for FP8, 21 for INT4/blocked).',
    sources: ['TensorRT developer guide "ONNX Support"', 'onnx-tensorrt docs/operators.md'],
    coverage: 'full',
  },
  ({ ctx, qdqList, target }, emit) => {
    const opset = ctx.opset;
    const below = (need: number, what: string, nodes: QdqInfo[]): void => {
      if (!nodes.length || opset >= need) return;
      const names = nodes.map((q) => q.name);
      emit({ severity: 'error', message: `${what} needs opset ≥ ${need}; the model imports opset ${opset} (${plural(names.length, 'node')}: ${listNames(names)}).`, nodes: names, data: { opset, need, count: names.length } });
    };
    const std = qdqList.filter((q) => ctx.nodes[q.index]!.opType === 'QuantizeLinear' || ctx.nodes[q.index]!.opType === 'DequantizeLinear');
    below(10, 'QuantizeLinear/DequantizeLinear', std);
    below(13, 'The axis attribute (per-channel Q/DQ)', std.filter((q) => q.axis !== undefined));
    below(19, 'FP8 quantization', std.filter((q) => isFp8(q.dtype)));
    below(21, 'INT4 or blocked (block_size) quantization', std.filter((q) => q.dtype === DataType.INT4 || q.dtype === DataType.UINT4 || q.blockSize !== undefined));
    below(23, 'FP4 quantization', std.filter((q) => q.dtype === DataType.FLOAT4E2M1));
    const range = PARSER_OPSETS[target.trt];
    if (opset && (opset < range.min || opset > range.max)) {
      emit({
        severity: 'info',
        message: `The model uses opset ${opset}; the TensorRT ${target.trt}.x ONNX parser documents opsets ${range.min}–${range.max}${target.trt === 10 ? ' (10.0; later releases add newer opsets)' : ' (8.6)'}.`,
        nodes: [],
        data: { opset, min: range.min, max: range.max },
      });
    }
  },
  false,
);
