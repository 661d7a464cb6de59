/** R18 QDQ-CONV-INT8-INPUTS: a weighted op runs quantized only if data and weight are both quantized. */
import { defineRule, listNames, plural } from '../rule';

export const r18 = defineRule(
  {
    id: 'R18',
    name: 'QDQ-CONV-INT8-INPUTS',
    title: 'A weighted op runs INT8 only if both inputs are quantized',
    severity: 'warning',
    versions: 'all',
    matches: 'A Conv, ConvTranspose, Gemm or MatMul with a constant weight where only one of the data input (after propagation through commuting ops) and the weight comes from a DequantizeLinear (warning), or neither does in a Q/DQ model (info: an intentionally float layer).',
    tensorrt: 'DQ(data) + DQ(weight) + op (+ bias) fuse into one INT8 kernel. With only one side quantized the op runs FP16/FP32 and the remaining Q/DQ runs standalone; the exception is a 10.x INT4 weight-only GEMM.',
    fix: 'Quantize both inputs of every weighted op that should run INT8 (NVIDIA placement recommendation 1), or remove the lone Q/DQ to keep the layer in float on purpose.',
    sources: ['TensorRT developer guide, Q/DQ placement recommendation 1', 'TREx layer-info fixtures (fused names such as "weight + QuantizeLinear + Conv")'],
    coverage: 'full',
  },
  ({ pred, ctx }, emit) => {
    const neither: string[] = [];
    for (const w of pred.weighted.values()) {
      const name = ctx.name(w.node);
      const op = ctx.nodes[w.node]!.opType;
      const p = pred.precision[w.node];
      if (p === 'INT4') continue; // weight-only GEMM
      if (w.dataQuantized && w.weightDq) continue;
      if (!w.dataQuantized && !w.weightDq) {
        neither.push(name);
        continue;
      }
      const missing = w.dataQuantized ? 'weight' : 'data input';
      emit({
        severity: 'warning',
        message: `${name} (${op}) has a quantized ${w.dataQuantized ? 'data input' : 'weight'} but a float ${missing}: it runs in ${p} and its ${w.dataQuantized ? 'input DQ' : 'weight DQ'} is wasted.`,
        nodes: [name],
        data: { dataQuantized: w.dataQuantized, weightQuantized: !!w.weightDq, precision: p },
      });
    }
    if (neither.length) {
      emit({
        severity: 'info',
        message: `${plural(neither.length, 'weighted op')} (${listNames(neither)}) ${neither.length === 1 ? 'has' : 'have'} no Q/DQ on data or weight and ${neither.length === 1 ? 'runs' : 'run'} in ${pred.floatPrecision} by design.`,
        nodes: neither,
        data: { count: neither.length, precision: pred.floatPrecision },
      });
    }
  },
);
