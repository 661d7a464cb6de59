/** R23 QDQ-QUANTIZABLE-NONWEIGHTED: element-wise and pooling ops need Q/DQ on all sides. */
import { fmtScale } from '../qdq';
import { defineRule } from '../rule';

export const r23 = defineRule(
  {
    id: 'R23',
    name: 'QDQ-QUANTIZABLE-NONWEIGHTED',
    title: 'Element-wise and pooling ops need Q/DQ on every input and the output',
    severity: 'warning',
    versions: 'all',
    matches: 'An Add, Sub, Mul, Sum, AveragePool, GlobalAveragePool, ReduceMean (or activation×activation MatMul) not fused into a conv as a residual, with a DQ on some but not all inputs, with all inputs quantized but no Q on the output, or with float inputs and a Q on its output (it runs in float and the Q runs standalone).',
    tensorrt: 'A non-weighted quantizable op runs INT8 only when all its inputs come from DQ and its output goes to a Q (in 8.x INT8-input non-weighted layers require INT8 output); then DQs + op + Q fuse into one layer. Otherwise it runs in float and the Q/DQ around it run as standalone conversions.',
    fix: 'Quantize every input and the output of the op (placement recommendation 5), or remove its Q/DQ so it stays in float without conversions.',
    sources: ['TensorRT developer guide "TensorRT Processing of Q/DQ Networks" (AveragePool example) and placement recommendation 5', 'https://github.com/NVIDIA/TensorRT/issues/2204'],
    coverage: 'full',
  },
  ({ pred, ctx, prop, qdq }, emit) => {
    for (const g of pred.groups) {
      if (g.kind !== 'eltwise' || g.outQuantized) continue;
      const i = g.root;
      const n = ctx.nodes[i]!;
      const ins = n.input.filter((x) => x && !ctx.isStatic(x));
      const quant = ins.filter((x) => prop.isQuantized(x));
      const out = prop.backward(g.tail);
      const outScale = out.scales.length === 1 ? out.scales[0] : undefined;
      const name = ctx.name(i);
      if (quant.length > 0 && quant.length < ins.length) {
        const floats = ins.filter((x) => !prop.isQuantized(x));
        const scale = prop.forward(quant[0]!)?.scales[0];
        emit({
          severity: 'warning',
          message: `${name} (${n.opType}) has DQ on ${quant.length} of ${ins.length} inputs: it runs in ${pred.floatPrecision} and its input DQs run standalone.`,
          nodes: [name],
          data: { quantizedInputs: quant, floatInputs: floats },
          ...(scale !== undefined ? { fix: { title: `Quantize the float input${floats.length > 1 ? 's' : ''} of ${name} (scale ${fmtScale(scale)})`, edits: floats.map((t) => ({ kind: 'insertQdqPair' as const, tensor: t, consumers: [name], scale, dtype: 'INT8' })) } } : {}),
        });
      } else if (quant.length === ins.length && ins.length > 0) {
        emit({
          severity: 'warning',
          message: `${name} (${n.opType}) has DQ on every input but its output ${out.qs.length ? 'is also read in float' : 'has no Q'}: it runs in ${pred.floatPrecision} (non-weighted INT8 layers need an INT8 output).`,
          nodes: [name],
          data: { outputQuantize: out.qs.map((q) => qdq.get(q)!.name) },
        });
      } else if (out.qs.length && quant.length === 0) {
        emit({
          severity: 'warning',
          message: `${name} (${n.opType}) runs in ${pred.floatPrecision} (no DQ on its input${ins.length > 1 ? 's' : ''}) and its output is quantized by a standalone Q${outScale !== undefined ? ` (scale ${fmtScale(outScale)})` : ''}.`,
          nodes: [name, ...out.qs.map((q) => qdq.get(q)!.name)],
          data: { outputScales: out.scales },
          ...(outScale !== undefined ? { fix: { title: `Quantize the input${ins.length > 1 ? 's' : ''} of ${name} (scale ${fmtScale(outScale)})`, edits: ins.map((t) => ({ kind: 'insertQdqPair' as const, tensor: t, consumers: [name], scale: outScale, dtype: 'INT8' })) } } : {}),
        });
      }
    }
  },
);
