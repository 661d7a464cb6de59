/** R24 QDQ-NONQUANTIZABLE: Q/DQ around ops with no low-precision kernel. */
import type { FixEdit } from '../fix';
import { isCustomOp, isNonQuantizable } from '../ops';
import { defineRule } from '../rule';

export const r24 = defineRule(
  {
    id: 'R24',
    name: 'QDQ-NONQUANTIZABLE',
    title: 'Q/DQ around ops with no INT8 kernel',
    severity: 'warning',
    versions: 'all',
    matches: 'DQ → op → Q where the op has no INT8 implementation and does not commute: Sigmoid alone, Softmax, Exp, Div, Sqrt, LayerNormalization, TopK, NonMaxSuppression, … (plugins: R28).',
    tensorrt: 'The op runs in FP16/FP32 and the DQ and Q run as standalone conversions: two extra layers and no speed. On SM 7.5 and older some such layers have no INT8 implementation at all and the build fails ("Could not find any implementation").',
    fix: 'Remove the Q/DQ around the op (be conservative: placement recommendation 6).',
    sources: ['TensorRT developer guide, placement recommendations 5/6 and the SM 7.5 note', 'https://github.com/NVIDIA/TensorRT/issues/1768', 'https://github.com/NVIDIA/TensorRT/issues/1461', 'https://github.com/NVIDIA/Model-Optimizer/issues/50'],
    coverage: 'partial',
    limits: 'The GPU is not known from the model, so the SM 7.5-and-older build failure ("Could not find any implementation") is not predicted; the rule reports the DQ → op → Q pattern as a warning on every target.',
  },
  ({ ctx, prop, pred, qdq }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (qdq.has(i) || ctx.isStaticNode(i) || isCustomOp(n) || !isNonQuantizable(n.opType) || n.opType === 'Constant') return;
      const g = pred.groups[pred.groupOf[i]!];
      if (!g || g.kind === 'conv') return;
      const dqIn = n.input.filter((x) => x && !ctx.isStatic(x) && prop.isQuantized(x));
      const qOut = n.output.flatMap((o) => (o ? prop.backward(o).qs : []));
      if (!dqIn.length || !qOut.length) return;
      const edits: FixEdit[] = [];
      for (const x of dqIn) {
        const p = ctx.producer(x);
        const dq = p === undefined ? undefined : qdq.get(p);
        if (dq?.kind === 'DQ' && dq.pairedQ !== undefined && ctx.consumers(dq.output).length === 1) edits.push({ kind: 'removeQdqPair', quantize: qdq.get(dq.pairedQ)!.name, dequantize: dq.name });
      }
      for (const q of qOut) {
        const info = qdq.get(q)!;
        if (info.input === n.output[0] && info.pairedDq.length === 1) edits.push({ kind: 'removeQdqPair', quantize: info.name, dequantize: qdq.get(info.pairedDq[0]!)!.name });
      }
      emit({
        severity: 'warning',
        message: `${ctx.name(i)} (${n.opType}) has no INT8 kernel: it runs in ${pred.floatPrecision} between a DQ and a Q, which both run as standalone conversions.`,
        nodes: [ctx.name(i)],
        data: { opType: n.opType, quantizedInputs: dqIn.length, outputQuantize: qOut.map((q) => qdq.get(q)!.name) },
        ...(edits.length ? { fix: { title: `Remove the Q/DQ around ${ctx.name(i)}`, edits } } : {}),
      });
    });
  },
);
