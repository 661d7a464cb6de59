/** R19 QDQ-CONV-OUTPUT-Q: output quantization decides INT8-out vs float-out. */
import { fmtScale } from '../qdq';
import { isQuantizedPrecision } from '../predict';
import { defineRule, listNames, plural } from '../rule';
import { coarserNote } from '../scaleShare';
import { fmtScales, pairNames, ratio, unique } from './helpers';

export const r19 = defineRule(
  {
    id: 'R19',
    name: 'QDQ-CONV-OUTPUT-Q',
    title: 'Output quantization: INT8-out versus float-out',
    severity: 'warning',
    versions: 'all',
    matches: 'A quantized weighted op (with its fused epilogue) whose output reaches QuantizeLinear nodes but is also read in float or reaches Qs of different scales (warning: it writes float and standalone Qs re-quantize it); or whose output reaches no Q at all (info: INT8-in/float-out by design).',
    tensorrt: 'With an output Q the kernel writes INT8 (the Q is folded into the kernel\'s rescale). Without one it writes FP16/FP32. Branches of one tensor with different scales cannot all be fused, so the kernel writes float and each Q runs as a Reformat layer.',
    fix: 'Give every Q reading the same tensor one scale (share the quantizer), and quantize every consumer (or none): a float consumer forces a float write. When the scale it sets is at least twice the finest one it replaces, the quick fix says how much coarser that quantizer gets and marks the fix as needing re-calibration or fine-tuning.',
    sources: ['TensorRT developer guide, placement recommendation 2', 'TREx trex/lint.py (mixed_precision_lint: "Quantized Convolution has float outputs")', 'https://github.com/NVIDIA/TensorRT/issues/2592'],
    coverage: 'full',
  },
  ({ pred, prop, ctx, qdq }, emit) => {
    const floatOut: string[] = [];
    for (const g of pred.groups) {
      if (g.kind !== 'conv' || !isQuantizedPrecision(g.precision) || g.precision === 'INT4') continue;
      const name = ctx.name(g.root);
      if (g.outReason === 'no-q') {
        floatOut.push(name);
        continue;
      }
      if (g.outReason !== 'float-consumers' && g.outReason !== 'scales-differ') continue;
      const b = prop.backward(g.tail);
      const qs = b.qs.map((q) => qdq.get(q)!);
      const standalone = pred.reformats.filter((r) => r.kind === 'quantize' && r.between[0] === name).length;
      if (g.outReason === 'scales-differ') {
        const target = Math.max(...b.scales);
        const coarse = coarserNote(b.scales, target);
        emit({
          severity: 'warning',
          message: `${name}: its output goes to ${plural(qs.length, 'QuantizeLinear')} with ${b.scales.length} different scales (${fmtScales(b.scales)}, ratio ${fmtScale(ratio(b.scales))}): the Q cannot be fused, the conv writes ${pred.floatPrecision} and ${plural(standalone, 'standalone quantize')} run.`,
          nodes: [name, ...qs.map((q) => q.name)],
          data: { scales: b.scales, ratio: ratio(b.scales), quantizeNodes: qs.map((q) => q.name), standaloneQuantize: standalone },
          fix: {
            title: `Use one scale (${fmtScale(target)}) for every Q reading the output of ${name}${coarse.text}`,
            edits: [{ kind: 'unifyScales', nodes: unique(qs.flatMap((q) => pairNames(q, qdq))), scale: target }],
            ...(coarse.recalibrate ? { recalibrate: true } : {}),
          },
        });
      } else {
        const floats = b.floatConsumers.map((c) => ctx.name(c));
        emit({
          severity: 'warning',
          message: `${name}: its output is quantized by ${plural(qs.length, 'QuantizeLinear')} but also read in float${floats.length ? ` by ${listNames(floats)}` : ' as a graph output'}: the conv writes ${pred.floatPrecision} and ${plural(standalone, 'standalone quantize')} run.`,
          nodes: [name, ...floats],
          data: { floatConsumers: floats, quantizeNodes: qs.map((q) => q.name), standaloneQuantize: standalone },
        });
      }
    }
    if (floatOut.length) {
      emit({
        severity: 'info',
        message: `${plural(floatOut.length, 'quantized weighted op')} (${listNames(floatOut)}) ${floatOut.length === 1 ? 'writes' : 'write'} ${pred.floatPrecision} output (no Q after ${floatOut.length === 1 ? 'it' : 'them'}): INT8-in/float-out by design.`,
        nodes: floatOut,
        data: { count: floatOut.length },
      });
    }
  },
);
