/** R6 QDQ-PERCHANNEL-ACT: per-channel (or block) scales only on weights. */
import { defineRule } from '../rule';

export const r6 = defineRule(
  {
    id: 'R6',
    name: 'QDQ-PERCHANNEL-ACT',
    title: 'Per-channel scales only on weights',
    severity: 'error',
    versions: 'all',
    matches: 'A Q/DQ with a per-channel (1-D, more than one element) or block scale whose data input is an activation, i.e. not rooted at an initializer or Constant.',
    tensorrt: 'Per-channel quantization is supported only for constant (weight) inputs; an activation must use a single scale. The build fails.',
    fix: 'Use one per-tensor scale for activations (the maximum of the per-channel scales keeps the range).',
    sources: ['TensorRT NvInfer.h (IQuantizeLayer: "Per-channel quantization is supported only for weight inputs"; IDequantizeLayer: only for input rooted at an IConstantLayer)'],
    coverage: 'full',
  },
  ({ qdqList }, emit) => {
    for (const q of qdqList) {
      if (q.isWeight || (q.granularity !== 'channel' && q.granularity !== 'block')) continue;
      const n = q.scale?.length ?? 0;
      let max = 0;
      for (let k = 0; k < n; k++) max = Math.max(max, q.scale![k]!);
      emit({
        severity: 'error',
        message: `${q.name} quantizes the activation ${q.input} with ${n || 'several'} ${q.granularity === 'block' ? 'block' : 'per-channel'} scales; TensorRT supports per-channel quantization only for weights.`,
        nodes: [q.name],
        data: { scales: n, granularity: q.granularity, axis: q.axis ?? null },
        ...(max > 0 ? { fix: { title: `Use one per-tensor scale (${max}) for ${q.name}`, edits: [{ kind: 'unifyScales' as const, nodes: [q.name], scale: max }], recalibrate: true } } : {}),
      });
    }
  },
);
