/** R20 QDQ-CONV-EPILOGUE-BREAK: no Q/DQ between a weighted op and its epilogue. */
import { EPILOGUE_UNARY, WEIGHTED_OPS } from '../ops';
import { defineRule } from '../rule';

export const r20 = defineRule(
  {
    id: 'R20',
    name: 'QDQ-CONV-EPILOGUE-BREAK',
    title: 'No Q/DQ between a weighted op and its epilogue',
    severity: 'warning',
    versions: 'all',
    matches: 'A Q→DQ pair between a Conv/Gemm/MatMul and its epilogue: BatchNormalization, an Add/Mul with a constant, Relu, Clip, LeakyRelu, Sigmoid, HardSwish, Gelu, …, or between the Sigmoid and the Mul of a SiLU.',
    tensorrt: 'Without Q/DQ in between, Conv + BN (folded) + activation become one kernel (e.g. "Conv_9 + PWN(PWN(Sigmoid_10), Mul_11)"). A Q/DQ in between splits it into a conv with INT8 output and a separate pointwise layer.',
    fix: 'Remove the Q/DQ pair inside the epilogue and quantize after the activation instead (do not emulate BN folding or ReLU fusion: placement recommendation 3).',
    sources: ['TensorRT developer guide, placement recommendation 3', 'https://github.com/NVIDIA/TensorRT/issues/3861', 'https://github.com/NVIDIA/TensorRT/issues/3542', 'https://github.com/NVIDIA/TensorRT/issues/993'],
    coverage: 'full',
  },
  ({ qdqList, ctx, qdq, pred }, emit) => {
    const producerOp = (t: string): string | undefined => {
      const p = ctx.producer(t);
      return p === undefined ? undefined : ctx.nodes[p]!.opType;
    };
    for (const q of qdqList) {
      if (q.kind !== 'Q' || q.isWeight || q.pairedDq.length === 0) continue;
      const p = ctx.producer(q.input);
      if (p === undefined) continue;
      const pn = ctx.nodes[p]!;
      // A: weighted op → Q → DQ → epilogue.  B: weighted op → Sigmoid → Q → DQ → Mul(conv output, ·).
      const convA = WEIGHTED_OPS.has(pn.opType) && pred.weighted.has(p) ? p : undefined;
      const pp = pn.opType === 'Sigmoid' && pn.input[0] ? ctx.producer(pn.input[0]) : undefined;
      const convB = pp !== undefined && pred.weighted.has(pp) ? pp : undefined;
      if (convA === undefined && convB === undefined) continue;
      for (const d of q.pairedDq) {
        const dq = qdq.get(d)!;
        for (const c of ctx.consumers(dq.output)) {
          const cn = ctx.nodes[c]!;
          const others = cn.input.filter((x) => x && x !== dq.output);
          const epilogue =
            convA !== undefined
              ? (EPILOGUE_UNARY.has(cn.opType) && cn.input[0] === dq.output) ||
                (['Add', 'Sub', 'Mul', 'Div'].includes(cn.opType) && others.length === 1 && ctx.isStatic(others[0]!)) ||
                (cn.opType === 'Mul' && others.some((x) => producerOp(x) === 'Sigmoid'))
              : cn.opType === 'Mul' && others.includes(pn.input[0]!);
          if (!epilogue) continue;
          const conv = ctx.name((convA ?? convB)!);
          emit({
            severity: 'warning',
            message: `${q.name}/${dq.name} sit between ${convA !== undefined ? conv : `the Sigmoid of ${conv}`} and its epilogue ${ctx.name(c)} (${cn.opType}): the fusion is split into a conv with quantized output and a separate pointwise layer.`,
            nodes: [q.name, dq.name, conv, ctx.name(c)],
            data: { conv, epilogue: ctx.name(c), epilogueOp: cn.opType },
            fix: { title: `Remove ${q.name}/${dq.name} inside the epilogue of ${conv}`, edits: [{ kind: 'removeQdqPair', quantize: q.name, dequantize: dq.name }] },
          });
        }
      }
    }
  },
);
