/** R11 QDQ-WEIGHT-STORAGE: how quantized weights may be given. */
import { DataType } from '../../onnx/index';
import { defineRule, listNames, plural } from '../rule';

export const r11 = defineRule(
  {
    id: 'R11',
    name: 'QDQ-WEIGHT-STORAGE',
    title: 'How quantized weights may be stored',
    severity: 'info',
    versions: '8.x',
    matches: 'Under TensorRT 8.x: pre-quantized weights (a low-precision initializer read by a DequantizeLinear with no QuantizeLinear) and float16/bfloat16 weights quantized by a Q.',
    tensorrt: 'Accepted forms are float initializer -> Q -> DQ -> weighted op (TensorRT quantizes at build time) and pre-quantized initializer -> DQ -> weighted op. 8.x required FP32 weights, and pre-quantized weights needed a Q of scale 1.0 with the real scale on the DQ; 10.x accepts FP16/BF16 weights and direct low-precision initializers.',
    fix: 'For 8.x, export FP32 weights with a Q/DQ pair (the form pytorch-quantization emits), or target 10.x.',
    sources: ['TensorRT developer guide "Quantized Weights" (8.x and 10.x texts)'],
    coverage: 'full',
  },
  ({ qdqList, ctx, target }, emit) => {
    if (target.trt !== 8) return;
    const pre = qdqList.filter((q) => q.kind === 'DQ' && q.isWeight && q.pairedQ === undefined).map((q) => q.name);
    if (pre.length) {
      emit({ severity: 'info', message: `${plural(pre.length, 'weight DequantizeLinear')} (${listNames(pre)}) read pre-quantized weights without a Q: TensorRT 8.x expects FP32 weights with a Q/DQ pair (or a Q of scale 1.0).`, nodes: pre, data: { count: pre.length } });
    }
    const half = qdqList.filter((q) => q.kind === 'Q' && q.isWeight && [DataType.FLOAT16, DataType.BFLOAT16].includes(ctx.elemTypeOf(q.input) ?? 0)).map((q) => q.name);
    if (half.length) {
      emit({ severity: 'info', message: `${plural(half.length, 'weight QuantizeLinear')} (${listNames(half)}) quantize FP16/BF16 weights: TensorRT 8.x expects FP32 weights.`, nodes: half, data: { count: half.length } });
    }
  },
);
