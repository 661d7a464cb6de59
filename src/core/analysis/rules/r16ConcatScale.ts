/** R16 QDQ-CONCAT-SCALE: all Concat inputs and the Concat output share one scale. */
import type { QdqInfo } from '../qdq';
import { fmtScale } from '../qdq';
import { defineRule, listNames, plural } from '../rule';
import { coarserNote, pinnedFixScale, scaleShareSet } from '../scaleShare';
import { fmtScales, ratio, unique } from './helpers';

export interface ConcatInputScale {
  input: number;
  tensor: string;
  /** DQ nodes reaching this input through commuting ops, with their scales. */
  dqs: { node: string; scale: number | null }[];
  /** Some path from this input reaches a float producer instead of a DQ. */
  float: boolean;
}

export const r16 = defineRule(
  {
    id: 'R16',
    name: 'QDQ-CONCAT-SCALE',
    title: 'All Concat inputs and its output share one scale',
    severity: 'warning',
    versions: 'all',
    matches: 'A Concat whose inputs come from DequantizeLinear nodes (directly or through commuting ops) where the input DQ scales, and the scales of the QuantizeLinear nodes its output feeds (directly or through commuting ops), are not all equal. Inputs with no DQ at all are R17.',
    tensorrt: 'The Concat is removed (inputs written into one buffer) and the Q after it is cloned backward onto every input. Where an input DQ scale equals that Q scale the DQ/Q cancel; where it differs a requantize layer remains on that input, and the producers cannot write INT8 straight into the shared buffer, so Reformat layers appear around the concat.',
    fix: 'Give every quantizer around the Concat one scale (the YOLOv7/YOLOv9 QAT Concat rule: the convs reading the Concat inputs reuse the quantizer of the conv after the Concat). The quick fix sets all of them to the output Q scale, including the quantizers behind a Resize/MaxPool on an input and those of another Concat sharing a quantizer with this one (TensorRT needs them equal too; when the output scales of those Concats differ, the largest scale, so that nothing is clipped). A quantizer at the model\'s interface (a DQ of an INT8 network input, a Q writing a graph output, also through shape-only ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity) keeps its scale and the others take it (larger values then clip, which the title says); when two such scales differ there is no quick fix. When the scale it sets is at least twice the finest one it replaces, the quick fix says how much coarser that quantizer gets and marks the fix as needing re-calibration or fine-tuning.',
    sources: ['modelopt qdq_graph.py (get_concat_eliminated_tensors)', 'yolo_deepstream yolov7_qat/doc/Guidance_of_QAT_performance_optimization.md', 'https://github.com/NVIDIA/TensorRT/issues/4366'],
    coverage: 'full',
  },
  ({ ctx, prop, qdq, pred }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (n.opType !== 'Concat' || !prop.commuting[i]) return;
      const inputs: ConcatInputScale[] = [];
      const inDqs: QdqInfo[] = [];
      n.input.forEach((x, k) => {
        if (!x || ctx.isStatic(x)) return;
        const rec: ConcatInputScale = { input: k, tensor: x, dqs: [], float: false };
        for (const o of prop.origins(x)) {
          if (o.kind === 'dq') {
            const d = qdq.get(o.node!)!;
            rec.dqs.push({ node: d.name, scale: d.tensorScale ?? null });
            inDqs.push(d);
          } else if (o.kind !== 'const') rec.float = true;
        }
        inputs.push(rec);
      });
      if (inDqs.length === 0) return;
      const b = prop.backward(n.output[0] ?? '');
      const outQs = b.qs.map((q) => qdq.get(q)!);
      const inScales = unique(inDqs.map((d) => d.tensorScale).filter((s): s is number => s !== undefined));
      const outScales = unique(outQs.map((q) => q.tensorScale).filter((s): s is number => s !== undefined));
      const all = unique([...inScales, ...outScales]);
      if (all.length <= 1) return;
      const requant = pred.reformats.filter((r) => r.ruleId === 'R16' && r.qdqIndices.some((x) => outQs.some((q) => q.index === x)) && r.qdqIndices.some((x) => inDqs.some((d) => d.index === x)));
      // The fix changes the whole scale-sharing set (scaleShare.ts): the quantizers before a Resize or
      // MaxPool feeding an input, and another Concat's when they share one, or it would only move
      // the requantize. One scale after the Concats: that one (the layers there read it); several
      // (the set spans Concats calibrated differently): the largest, so that no range is clipped.
      // A quantizer at the model's interface (INT8 network input, graph output) keeps its scale and
      // the set takes it; two that differ leave no fix (scaleShare.ts, "Pinned quantizers").
      const set = scaleShareSet(ctx, qdq, prop, [...inDqs.map((d) => d.index), ...outQs.map((q) => q.index)]);
      const choice = pinnedFixScale(set.pinned, set.scales, set.outputScales.length === 1 ? set.outputScales[0]! : Math.max(...all, ...set.scales));
      const coarse = 'noFix' in choice ? { text: '' } : coarserNote(set.scales, choice.scale);
      const names = set.qdq.map((q) => qdq.get(q)!.name);
      const others = set.concats.filter((c) => c !== i).map((c) => ctx.name(c));
      const perInput = inputs.map((r) => `input ${r.input} ${r.dqs.length ? r.dqs.map((d) => (d.scale === null ? '?' : fmtScale(d.scale))).join('/') : 'float'}`).join(', ');
      emit({
        severity: 'warning',
        message:
          `${ctx.name(i)}: ${inScales.length > 1 ? `inputs carry ${inScales.length} different scales` : 'input and output scales differ'} (${perInput}${outScales.length ? `; output Q ${fmtScales(outScales)}` : ''}), ratio ${fmtScale(ratio(all))}. ` +
          (outQs.length ? `TensorRT clones the output Q onto every input: ${plural(requant.length, 'requantize layer')} predicted.` : 'The inputs cannot share one INT8 buffer.') +
          ('noFix' in choice ? choice.noFix : ''),
        nodes: [ctx.name(i), ...unique(inDqs.map((d) => d.name)), ...outQs.map((q) => q.name)],
        data: {
          inputs, inputScales: inScales, outputScales: outScales, ratio: ratio(all), requantizeLayers: requant.length, ...('noFix' in choice ? {} : { unifyTo: choice.scale }), sharedWith: others,
          ...(set.pinned.length ? { pinned: set.pinned } : {}),
        },
        ...('noFix' in choice ? {} : {
          fix: {
            title: `Use scale ${fmtScale(choice.scale)}${choice.because} for every quantizer around ${ctx.name(i)}${others.length ? ` and, linked to it, ${listNames(others)}` : ''}${choice.clips}${coarse.text}`,
            edits: [{ kind: 'unifyScales', nodes: names, scale: choice.scale }],
            ...(coarse.recalibrate ? { recalibrate: true } : {}),
          },
        }),
      });
    });
  },
);
