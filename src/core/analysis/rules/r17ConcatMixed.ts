/** R17 QDQ-CONCAT-MIXED: a Concat with some quantized and some float inputs. */
import { fmtScale } from '../qdq';
import { defineRule, listNames, plural } from '../rule';
import { unique } from './helpers';

export const r17 = defineRule(
  {
    id: 'R17',
    name: 'QDQ-CONCAT-MIXED',
    title: 'Concat with both float and quantized inputs',
    severity: 'warning',
    versions: 'all',
    matches: 'A Concat where at least one input comes from a DequantizeLinear (directly or through commuting ops) and at least one comes from a float producer with no Q/DQ.',
    tensorrt: 'When the output is quantized, the Q is propagated onto the float input, which is then quantized by a standalone Q layer (Reformat, origin QDQ) unless its producer can write INT8 with that scale; when the output is not quantized, the quantized inputs are dequantized separately. Either way there is an extra conversion.',
    fix: 'Put a Q/DQ with the Concat\'s scale on every float input (or remove the Q/DQ from the quantized ones if the Concat should stay in float).',
    sources: ['https://github.com/NVIDIA/TensorRT/issues/4366', 'modelopt qdq_graph.py'],
    coverage: 'full',
  },
  ({ ctx, prop, qdq, pred }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (n.opType !== 'Concat' || !prop.commuting[i]) return;
      const floatInputs: { input: number; tensor: string; producers: string[] }[] = [];
      const quantInputs: { input: number; tensor: string; dqs: string[] }[] = [];
      const scales: number[] = [];
      n.input.forEach((x, k) => {
        if (!x || ctx.isStatic(x)) return;
        const dqs: string[] = [];
        const producers: string[] = [];
        for (const o of prop.origins(x)) {
          if (o.kind === 'dq') {
            const d = qdq.get(o.node!)!;
            dqs.push(d.name);
            if (d.tensorScale !== undefined) scales.push(d.tensorScale);
          } else if (o.kind === 'layer') producers.push(ctx.name(o.node!));
          else if (o.kind === 'input') producers.push(o.tensor);
        }
        if (dqs.length) quantInputs.push({ input: k, tensor: x, dqs });
        if (producers.length) floatInputs.push({ input: k, tensor: x, producers });
      });
      if (!floatInputs.length || !quantInputs.length) return;
      const out = prop.backward(n.output[0] ?? '');
      const outScales = unique(out.qs.map((q) => qdq.get(q)!.tensorScale).filter((s): s is number => s !== undefined));
      // Every standalone quantize reached across this Concat, whatever rule it is filed under (a
      // float network input's is R18): none means the float producers take the Q themselves.
      const standalone = pred.reformats.filter((r) => r.kind === 'quantize' && r.via.includes(ctx.name(i)));
      const scale = outScales[0] ?? (scales.length ? Math.max(...scales) : undefined);
      const floatNames = unique(floatInputs.flatMap((f) => f.producers));
      const message = out.qs.length
        ? `${ctx.name(i)} mixes ${plural(quantInputs.length, 'quantized input')} with ${plural(floatInputs.length, 'float input')} (from ${listNames(floatNames)}); its output is quantized (scale ${outScales.map(fmtScale).join(', ') || '?'}), so the Q is propagated onto the float input${floatInputs.length > 1 ? 's' : ''}: ${standalone.length ? `${plural(standalone.length, 'standalone quantize layer')} predicted` : 'the producer can absorb it here, no extra layer predicted'}.`
        : `${ctx.name(i)} mixes ${plural(quantInputs.length, 'quantized input')} with ${plural(floatInputs.length, 'float input')} (from ${listNames(floatNames)}) and its output is float: the quantized inputs are dequantized separately.`;
      // The producer writes the quantized input itself: nothing extra is built, so it is worth
      // knowing (the float producer now runs into INT8) but not a warning.
      const absorbed = out.qs.length > 0 && standalone.length === 0;
      emit({
        severity: absorbed ? 'info' : 'warning',
        message,
        nodes: [ctx.name(i), ...floatNames],
        data: { floatInputs, quantizedInputs: quantInputs, outputQuantized: out.qs.length > 0, outputScales: outScales, standaloneQuantizeLayers: standalone.length },
        ...(scale !== undefined && out.qs.length
          ? { fix: { title: `Quantize the float input${floatInputs.length > 1 ? 's' : ''} of ${ctx.name(i)} with scale ${fmtScale(scale)}`, edits: floatInputs.map((f) => ({ kind: 'insertQdqPair' as const, tensor: f.tensor, consumers: [ctx.name(i)], scale, dtype: 'INT8' })) } }
          : {}),
      });
    });
  },
);
