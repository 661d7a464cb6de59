/** R13 QDQ-PROP-DIRECTION: DQ moves forward, Q moves backward (the basis of R14–R17). */
import { isQuantizedPrecision, layerName } from '../predict';
import { defineRule } from '../rule';

export const r13 = defineRule(
  {
    id: 'R13',
    name: 'QDQ-PROP-DIRECTION',
    title: 'DQ moves forward, Q moves backward',
    severity: 'info',
    versions: 'all',
    matches: 'A DequantizeLinear separated from the quantized layer that absorbs it by commuting ops (MaxPool, Reshape, Slice, nearest Resize, …): reports that those ops run on quantized data.',
    tensorrt: 'TensorRT pushes DQ nodes as late and Q nodes as early as possible across ops that commute with (de)quantization, so as much of the graph as possible runs in low precision; the commuting ops then run on INT8 data.',
    fix: 'Nothing to fix: this explains a prediction. Scale mismatches found by the same propagation are R15/R16/R26.',
    sources: ['TensorRT developer guide "TensorRT Processing of Q/DQ Networks"'],
    coverage: 'full',
  },
  ({ qdqList, prop, pred, ctx }, emit) => {
    for (const dq of qdqList) {
      if (dq.kind !== 'DQ' || dq.isWeight) continue;
      for (const d of prop.destinations(dq.output)) {
        if (d.kind !== 'layer' || d.via.length === 0) continue;
        const p = pred.precision[d.node!];
        if (!isQuantizedPrecision(p)) continue;
        const ops = d.via.map((v) => ctx.name(v));
        emit({
          severity: 'info',
          message: `${dq.name} is propagated past ${d.via.map((v) => ctx.nodes[v]!.opType).join(' → ')} into ${layerName(ctx, pred, d.node!)} (${p}): the ${d.via.length === 1 ? 'op runs' : 'ops run'} on ${p} data.`,
          nodes: [dq.name, ...ops],
          data: { crossed: ops, into: ctx.name(d.node!), precision: p },
        });
        break;
      }
    }
  },
);
