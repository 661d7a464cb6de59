/** R27 QDQ-PAD: Q/DQ between Pad and Conv. */
import { defineRule } from '../rule';

export const r27 = defineRule(
  {
    id: 'R27',
    name: 'QDQ-PAD',
    title: 'Q/DQ between Pad and Conv',
    severity: 'warning',
    versions: 'all',
    matches: 'Pad → QuantizeLinear → DequantizeLinear → Conv (pytorch-quantization puts the input quantizer after an explicit padding layer).',
    tensorrt: 'The Pad cannot be merged into the convolution\'s padding while a Q/DQ sits between them; quantizing before the Pad instead restores the Pad+Conv merge.',
    fix: 'Move the Q/DQ pair before the Pad.',
    sources: ['https://github.com/NVIDIA/TensorRT/issues/2592 (maintainer advice and user confirmation)'],
    coverage: 'full',
  },
  ({ qdqList, ctx, qdq }, emit) => {
    for (const q of qdqList) {
      if (q.kind !== 'Q' || q.isWeight || q.pairedDq.length !== 1) continue;
      const p = ctx.producer(q.input);
      if (p === undefined || ctx.nodes[p]!.opType !== 'Pad') continue;
      const dq = qdq.get(q.pairedDq[0]!)!;
      const convs = ctx.consumers(dq.output).filter((c) => ctx.nodes[c]!.opType === 'Conv' && ctx.nodes[c]!.input[0] === dq.output);
      if (!convs.length) continue;
      const pad = ctx.name(p);
      emit({
        severity: 'warning',
        message: `${q.name}/${dq.name} sit between ${pad} and ${convs.map((c) => ctx.name(c)).join(', ')}: the Pad cannot merge into the convolution's padding. Quantize before the Pad.`,
        nodes: [q.name, pad, ...convs.map((c) => ctx.name(c))],
        data: { pad, convs: convs.map((c) => ctx.name(c)) },
        fix: { title: `Move ${q.name}/${dq.name} before ${pad}`, edits: [{ kind: 'moveQdqPair', quantize: q.name, dequantize: dq.name, toTensor: ctx.nodes[p]!.input[0]!, consumers: [pad] }] },
      });
    }
  },
);
