/** R8 QDQ-DTYPE: supported quantized types, versions and ops. */
import { DataType } from '../../onnx/index';
import { dtypeLabel, isFp8 } from '../qdq';
import { defineRule, listNames, plural } from '../rule';

export const r8 = defineRule(
  {
    id: 'R8',
    name: 'QDQ-DTYPE',
    title: 'Supported quantized types, and where',
    severity: 'error',
    versions: 'all',
    matches: 'A Q/DQ type outside INT8 (all versions), FP8 E4M3 (10.x), INT4 (10.x, weight-only GEMM weights, even last dimension) and FP4 E2M1 (late 10.x); an INT32 DequantizeLinear input (ONNX Runtime style quantized bias); and (info) FP8/FP4 use and a model type that differs from the target precision.',
    tensorrt: 'Other types fail to parse or build. FP8 needs an Ada/Hopper-class GPU and FP8 convolution support is narrower than FP8 GEMM; INT4 is weight-only block quantization of MatMul/Gemm weights with the activation in high precision; an INT32 DQ input fails with "only activation types allowed as input to this layer".',
    fix: 'Quantize to INT8 (or FP8 E4M3 on 10.x); keep biases in float; use INT4 only for GEMM weights.',
    sources: ['TensorRT NvInfer.h 10.x', 'onnx-tensorrt docs/operators.md (DequantizeLinear: INT8/FP8/INT4)', 'TensorRT developer guide "Working with Quantized Types"', 'https://github.com/lyuwenyu/RT-DETR/issues/343'],
    coverage: 'partial',
    limits: 'The GPU (FP8 needs SM 8.9+, FP4 Blackwell) and the exact 10.x minor for FP4 are not known from the ONNX file; they are reported as info.',
  },
  ({ qdqList, target, ctx, pred }, emit) => {
    const fp8: string[] = [];
    const int8: string[] = [];
    /** Type label → nodes whose type needs 10.x (reported once per type, not once per node). */
    const needs10 = new Map<string, string[]>();
    const later = (label: string, name: string): void => void needs10.set(label, [...(needs10.get(label) ?? []), name]);
    for (const q of qdqList) {
      const t = q.dtype;
      const label = dtypeLabel(t);
      const err = (message: string, data: Record<string, unknown> = {}): void => emit({ severity: 'error', message: `${q.name}: ${message}`, nodes: [q.name], data: { dtype: label, ...data } });
      if (t === DataType.INT8) {
        int8.push(q.name);
        continue;
      }
      if (t === DataType.UINT8) continue; // R2
      if (t === DataType.FLOAT8E4M3FN) {
        if (target.trt === 8) later(label, q.name);
        else fp8.push(q.name);
        continue;
      }
      if (isFp8(t)) {
        err(`${label} is not a TensorRT quantized type (only FP8 E4M3FN is).`);
        continue;
      }
      if (t === DataType.INT4) {
        if (target.trt === 8) {
          later(label, q.name);
          continue;
        }
        if (!q.isWeight) {
          err('INT4 is weight-only in TensorRT: an activation cannot be INT4.');
          continue;
        }
        const users = q.kind === 'DQ' ? ctx.consumers(q.output).map((c) => ctx.nodes[c]!.opType) : [];
        const bad = users.filter((o) => o !== 'MatMul' && o !== 'Gemm');
        if (bad.length) err(`INT4 weights are supported for MatMul/Gemm only, not ${bad.join(', ')}.`);
        const shape = ctx.dataShape(q.input);
        if (shape && shape.length && shape[shape.length - 1]! % 2 !== 0) err(`the last dimension of an INT4 tensor must be even (two values per byte); it is ${shape[shape.length - 1]}.`, { shape });
        continue;
      }
      if (t === DataType.FLOAT4E2M1) {
        if (target.trt === 8) later(label, q.name);
        else emit({ severity: 'info', message: `${q.name}: FP4 E2M1 needs a late TensorRT 10.x and a Blackwell-class GPU (block size 16).`, nodes: [q.name], data: { dtype: label } });
        continue;
      }
      if (q.kind === 'DQ' && t === DataType.INT32) {
        err('an INT32 input to DequantizeLinear (an ONNX Runtime style quantized bias) is rejected: "only activation types allowed as input to this layer". Keep the bias in float.');
        continue;
      }
      err(`${label} is not a quantized type TensorRT supports (INT8, FP8 E4M3, INT4, FP4).`);
    }
    for (const [label, names] of needs10) {
      emit({ severity: 'error', message: `${plural(names.length, 'Q/DQ node')} (${listNames(names)}) use ${label} quantization, which needs TensorRT 10.x.`, nodes: names, data: { dtype: label, count: names.length } });
    }
    if (fp8.length) {
      const convs = pred.groups.filter((g) => g.kind === 'conv' && g.precision === 'FP8' && ctx.nodes[g.root]!.opType.startsWith('Conv')).map((g) => ctx.name(g.root));
      emit({
        severity: 'info',
        message: `${plural(fp8.length, 'Q/DQ node')} use FP8 E4M3: needs TensorRT 10.x on an Ada/Hopper-class GPU (SM 8.9+)${convs.length ? `; ${plural(convs.length, 'convolution')} in FP8 (${listNames(convs)}): FP8 convolution support is narrower than FP8 GEMM` : ''}.`,
        nodes: [...convs, ...fp8],
        data: { fp8Nodes: fp8.length, fp8Convolutions: convs.length },
      });
      if (target.precision === 'int8') emit({ severity: 'info', message: `The model quantizes to FP8 but the target precision is INT8.`, nodes: [fp8[0]!], data: { target: target.precision } });
    }
    if (int8.length && target.precision === 'fp8') {
      emit({ severity: 'info', message: `The target precision is FP8 but ${plural(int8.length, 'Q/DQ node')} quantize to INT8: TensorRT follows the Q/DQ types, so those layers run INT8.`, nodes: [int8[0]!], data: { int8Nodes: int8.length, target: target.precision } });
    }
  },
);
