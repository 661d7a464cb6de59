/** R22 QDQ-ADD-RESIDUAL: residual Add fusion and which input carries the Q/DQ. */
import { fmtScale, type QdqInfo } from '../qdq';
import { isQuantizedPrecision, type FusionGroup } from '../predict';
import { defineRule, plural } from '../rule';
import type { RuleContext } from '../rule';

/** The conv group behind an Add input that reaches it through Q→DQ (the conv branch, quantized). */
function convBehindQdq(rc: RuleContext, tensor: string): { g: FusionGroup; q: QdqInfo; dq: QdqInfo } | undefined {
  const { ctx, qdq, pred } = rc;
  const p = ctx.producer(tensor);
  const dq = p === undefined ? undefined : qdq.get(p);
  if (!dq || dq.kind !== 'DQ' || dq.pairedQ === undefined) return undefined;
  const q = qdq.get(dq.pairedQ)!;
  const pp = ctx.producer(q.input);
  if (pp === undefined || pred.groupOf[pp]! < 0) return undefined;
  const g = pred.groups[pred.groupOf[pp]!]!;
  return g.kind === 'conv' && g.tail === q.input ? { g, q, dq } : undefined;
}

export const r22 = defineRule(
  {
    id: 'R22',
    name: 'QDQ-ADD-RESIDUAL',
    title: 'Residual Add: quantize the skip input, not the conv branch',
    severity: 'warning',
    versions: 'all',
    matches: 'An Add of two activations where one input comes from a weighted op (through its epilogue): the skip input has no DQ; both inputs carry Q/DQ so the conv and the Add are separated; or the fused Conv+Add output is read in float although Qs follow it.',
    tensorrt: 'The Add fuses into the convolution as a residual epilogue ("Conv_142 + Add_144"). The skip input\'s precision decides the kernel\'s output: a float skip forces float output and a standalone Q after the Add; an INT8 skip gives INT8 output with the next Q fused. With Q/DQ on the conv branch too, the conv writes INT8 and the Add becomes its own element-wise layer.',
    fix: 'Quantize the skip (identity) input of the Add and leave the conv-branch input without Q/DQ (placement recommendation 4; modelopt removes the Q/DQ from the conv-side input).',
    sources: ['TensorRT developer guide, placement recommendation 4 and the "sub-optimal fusion" example', 'https://github.com/NVIDIA/TensorRT/issues/1992', 'modelopt qdq_graph.py (build_non_residual_input_map)', 'https://github.com/NVIDIA/Model-Optimizer/pull/450', 'TREx examples/pytorch/resnet (qat vs qat-residual)'],
    coverage: 'partial',
    limits: 'Which Add input is the skip is decided by topology (the conv branch is the input whose conv comes later); whether a Conv+SiLU+Add chain fuses into one kernel on a given GPU is not modelled.',
  },
  (rc, emit) => {
    const { pred, ctx, prop, qdq } = rc;
    for (const g of pred.groups) {
      if (g.kind !== 'conv' || !g.residual || !isQuantizedPrecision(g.precision) || g.precision === 'INT4') continue;
      const add = ctx.name(g.residual.add);
      const conv = ctx.name(g.root);
      if (!g.residual.skipQuantized) {
        const after = prop.backward(g.tail);
        const convIn = prop.forward(ctx.nodes[g.root]!.input[g.weighted!.dataIndex] ?? '');
        const scale = after.scales.length === 1 ? after.scales[0] : convIn?.scales[0];
        emit({
          severity: 'warning',
          message: `${add} is fused into ${conv} as a residual, but its skip input ${g.residual.skip} is float: the residual add runs in ${pred.floatPrecision}, the fused kernel writes ${pred.floatPrecision}${after.qs.length ? ` and ${plural(after.qs.length, 'Q')} after it cannot be fused` : ''}. Quantize the skip input.`,
          nodes: [add, conv],
          data: { conv, skip: g.residual.skip, branch: g.residual.branch, qAfter: after.qs.length },
          ...(scale !== undefined
            ? { fix: { title: `Quantize the skip input of ${add} (scale ${fmtScale(scale)})`, edits: [{ kind: 'insertQdqPair' as const, tensor: g.residual.skip, consumers: [add], scale, dtype: 'INT8' }] } }
            : {}),
        });
      } else if (g.outReason === 'float-consumers' || g.outReason === 'scales-differ') {
        emit({
          severity: 'warning',
          message: `${conv} + ${add} (residual) writes ${pred.floatPrecision}: its output ${g.outReason === 'scales-differ' ? 'reaches Qs of different scales' : 'is also read in float'}, so the Q after the Add runs standalone.`,
          nodes: [add, conv],
          data: { conv, reason: g.outReason },
        });
      }
    }
    // Both inputs quantized: the Add is separated from the conv (its own element-wise layer).
    ctx.nodes.forEach((n, i) => {
      if (n.opType !== 'Add' || n.input.length !== 2 || pred.groupOf[i]! < 0 || pred.groups[pred.groupOf[i]!]!.kind === 'conv') return;
      const [a, b] = n.input as [string, string];
      if (!a || !b || ctx.isStatic(a) || ctx.isStatic(b) || !prop.isQuantized(a) || !prop.isQuantized(b)) return;
      const ca = convBehindQdq(rc, a);
      const cb = convBehindQdq(rc, b);
      const branch = ca && cb ? (ctx.topoPos[ca.g.root]! > ctx.topoPos[cb.g.root]! ? ca : cb) : (ca ?? cb);
      if (!branch || !isQuantizedPrecision(branch.g.precision)) return;
      const soleUse = ctx.consumers(branch.dq.output).length === 1 && branch.q.pairedDq.length === 1 && prop.backward(branch.q.input).qs.length === 1;
      emit({
        severity: 'warning',
        message: `${ctx.name(i)}: both inputs carry Q/DQ, including the conv branch from ${ctx.name(branch.g.root)} (${branch.q.name}): the conv writes INT8 and the Add runs as a separate element-wise layer instead of fusing as a residual.`,
        nodes: [ctx.name(i), branch.q.name, ctx.name(branch.g.root)],
        data: { conv: ctx.name(branch.g.root), branchQuantize: branch.q.name, addPrecision: pred.precision[i] },
        ...(soleUse ? { fix: { title: `Remove the conv-branch Q/DQ ${branch.q.name} of ${ctx.name(i)}`, edits: [{ kind: 'removeQdqPair' as const, quantize: branch.q.name, dequantize: branch.dq.name }] } } : {}),
      });
    });
    void qdq;
  },
);
