/** R19 QDQ-CONV-OUTPUT-Q: output quantization decides INT8-out vs float-out. */
import { fmtScale } from '../qdq';
import { isQuantizedPrecision } from '../predict';
import { defineRule, listNames, plural } from '../rule';
import { coarserNote, contextLinks, interfaceOf, pinnedFixScale, type PinnedQuantizer } from '../scaleShare';
import { fmtScales, ratio, unique } from './helpers';

export const r19 = defineRule(
  {
    id: 'R19',
    name: 'QDQ-CONV-OUTPUT-Q',
    title: 'Output quantization: INT8-out versus float-out',
    severity: 'warning',
    versions: 'all',
    matches: 'A quantized weighted op (with its fused epilogue) whose output reaches QuantizeLinear nodes but is also read in float or reaches Qs of different scales (warning: it writes float and standalone Qs re-quantize it); or whose output reaches no Q at all (info: INT8-in/float-out by design).',
    tensorrt: 'With an output Q the kernel writes INT8 (the Q is folded into the kernel\'s rescale). Without one it writes FP16/FP32. Branches of one tensor with different scales cannot all be fused, so the kernel writes float and each Q runs as a Reformat layer.',
    fix: 'Give every Q reading the same tensor one scale (share the quantizer), and quantize every consumer (or none): a float consumer forces a float write. The quick fix sets the largest of their scales, so that nothing is clipped; a Q writing a graph output (directly or through shape-only ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity) is part of the model\'s interface and keeps its scale, and the others take it (larger values then clip, which the title says); when two such scales differ there is no quick fix. When the scale it sets is at least twice the finest one it replaces, the quick fix says how much coarser that quantizer gets and marks the fix as needing re-calibration or fine-tuning.',
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
        // The fix sets every Q (and its DQs) to one scale: the largest, so nothing clips, unless one
        // of them is at the model's interface (a Q writing a graph output, directly or through shape-only ops): then that one's, as the
        // R15/R16 fixes do; two that differ leave no fix (scaleShare.ts, "Pinned quantizers").
        const members = unique(qs.flatMap((q) => [q, ...q.pairedDq.map((d) => qdq.get(d)!)]));
        const pinned: PinnedQuantizer[] = [];
        for (const m of members) {
          const at = interfaceOf(contextLinks(ctx), ctx.nodes[m.index]!);
          if (at) pinned.push({ ...at, node: m.name, scale: m.tensorScale });
        }
        const choice = pinnedFixScale(pinned, b.scales, Math.max(...b.scales));
        const coarse = 'noFix' in choice ? { text: '' } : coarserNote(b.scales, choice.scale);
        emit({
          severity: 'warning',
          message: `${name}: its output goes to ${plural(qs.length, 'QuantizeLinear')} with ${b.scales.length} different scales (${fmtScales(b.scales)}, ratio ${fmtScale(ratio(b.scales))}): the Q cannot be fused, the conv writes ${pred.floatPrecision} and ${plural(standalone, 'standalone quantize')} run.${'noFix' in choice ? choice.noFix : ''}`,
          nodes: [name, ...qs.map((q) => q.name)],
          data: { scales: b.scales, ratio: ratio(b.scales), quantizeNodes: qs.map((q) => q.name), standaloneQuantize: standalone, ...(pinned.length ? { pinned } : {}) },
          ...('noFix' in choice ? {} : {
            fix: {
              title: `Use one scale (${fmtScale(choice.scale)})${choice.because} for every Q reading the output of ${name}${choice.clips}${coarse.text}`,
              edits: [{ kind: 'unifyScales', nodes: members.map((m) => m.name), scale: choice.scale }],
              ...(coarse.recalibrate ? { recalibrate: true } : {}),
            },
          }),
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
