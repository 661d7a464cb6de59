/** R26 QDQ-DOUBLE-QDQ: back-to-back Q/DQ pairs. */
import { fmtScale } from '../qdq';
import { defineRule } from '../rule';
import { ratio } from './helpers';

export const r26 = defineRule(
  {
    id: 'R26',
    name: 'QDQ-DOUBLE-QDQ',
    title: 'Back-to-back Q/DQ pairs',
    severity: 'warning',
    versions: 'all',
    matches: 'Q(s1) → DQ(s1) → Q(s2) → DQ(s2) on one tensor (a DequantizeLinear read directly by a QuantizeLinear): warning when s1 ≠ s2, info when equal (redundant nodes).',
    tensorrt: 'With s1 = s2 the inner DQ→Q cancels at no cost. With s1 ≠ s2 it becomes a requantize layer (Reformat/Scale, origin QDQ) and the value is rounded twice.',
    fix: 'Remove the second pair (its consumers read the first DQ), or give both pairs one scale.',
    sources: ['TensorRT developer guide "Q/DQ Limitations"', 'modelopt qdq_graph.py (DQ-Q pairs eliminated only with equal scales)'],
    coverage: 'full',
  },
  ({ qdqList, ctx, qdq }, emit) => {
    for (const q of qdqList) {
      if (q.kind !== 'Q' || q.isWeight) continue;
      const p = ctx.producer(q.input);
      const dq = p === undefined ? undefined : qdq.get(p);
      if (!dq || dq.kind !== 'DQ' || dq.isWeight) continue;
      const s1 = dq.tensorScale;
      const s2 = q.tensorScale;
      if (s1 === undefined || s2 === undefined) continue;
      const second = q.pairedDq.length === 1 ? qdq.get(q.pairedDq[0]!)! : undefined;
      const fix = second ? { title: `Remove the second pair ${q.name}/${second.name}`, edits: [{ kind: 'removeQdqPair' as const, quantize: q.name, dequantize: second.name }] } : undefined;
      if (s1 === s2) {
        emit({
          severity: 'info',
          message: `${dq.name} → ${q.name}: back-to-back Q/DQ with the same scale ${fmtScale(s1)}; TensorRT cancels the inner pair (redundant nodes).`,
          nodes: [q.name, dq.name],
          data: { scale: s1 },
          ...(fix ? { fix } : {}),
        });
      } else {
        emit({
          severity: 'warning',
          message: `${dq.name} (scale ${fmtScale(s1)}) → ${q.name} (scale ${fmtScale(s2)}): ratio ${fmtScale(ratio([s1, s2]))}; a requantize layer runs and the value is rounded twice.`,
          nodes: [q.name, dq.name],
          data: { firstScale: s1, secondScale: s2, ratio: ratio([s1, s2]) },
          ...(fix ? { fix } : {}),
        });
      }
    }
  },
);
