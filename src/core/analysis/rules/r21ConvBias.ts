/** R21 QDQ-CONV-BIAS: the bias stays in float. */
import { DataType } from '../../onnx/index';
import { defineRule } from '../rule';

export const r21 = defineRule(
  {
    id: 'R21',
    name: 'QDQ-CONV-BIAS',
    title: 'Bias stays in float',
    severity: 'error',
    versions: 'all',
    matches: 'A Q/DQ on the bias input (input 2) of a Conv, ConvTranspose or Gemm: warning for a float bias with a Q→DQ pair, error for a DequantizeLinear reading an INT32 bias.',
    tensorrt: 'Biases are kept FP32 and folded into the kernel ("Bias": {"Type": "Float"} in INT8 conv layer info); a float bias Q/DQ is useless at best and an INT32 DQ is rejected (see R8).',
    fix: 'Remove the bias Q/DQ and keep the float bias (for an INT32 bias: dequantize it offline, bias_float = bias_int32 × input_scale × weight_scale).',
    sources: ['TREx layer-info fixtures ("Bias": {"Type": "Float"})', 'https://github.com/lyuwenyu/RT-DETR/issues/343'],
    coverage: 'full',
  },
  ({ ctx, qdq, pred }, emit) => {
    for (const w of pred.weighted.values()) {
      const node = ctx.nodes[w.node]!;
      if (!['Conv', 'ConvTranspose', 'Gemm'].includes(node.opType)) continue;
      const bias = node.input[2];
      if (!bias) continue;
      const p = ctx.producer(bias);
      const dq = p === undefined ? undefined : qdq.get(p);
      if (!dq || dq.kind !== 'DQ') continue;
      const q = dq.pairedQ === undefined ? undefined : qdq.get(dq.pairedQ);
      const name = ctx.name(w.node);
      if (dq.dtype === DataType.INT32) {
        emit({ severity: 'error', message: `${name} reads its bias through ${dq.name} from INT32 data: TensorRT rejects an INT32 DequantizeLinear ("only activation types allowed as input to this layer"). Keep the bias in float.`, nodes: [dq.name, name], data: { conv: name, dtype: 'INT32' } });
        continue;
      }
      emit({
        severity: 'warning',
        message: `${name} reads its bias through ${q ? `${q.name} → ` : ''}${dq.name}: TensorRT keeps biases in FP32 inside the kernel, so the bias Q/DQ only adds rounding.`,
        nodes: [dq.name, name],
        data: { conv: name },
        ...(q ? { fix: { title: `Remove the bias Q/DQ of ${name}`, edits: [{ kind: 'removeQdqPair' as const, quantize: q.name, dequantize: dq.name }] } } : {}),
      });
    }
  },
);
