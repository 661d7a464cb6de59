/** R15 QDQ-COMMUTE-SCALE-SHARE: scales must line up across commuting ops (other than Concat, R16). */
import { fmtScale } from '../qdq';
import { defineRule, listNames, plural } from '../rule';
import { coarserNote, pinnedFixScale, scaleShareSet } from '../scaleShare';
import { ratio } from './helpers';

export const r15 = defineRule(
  {
    id: 'R15',
    name: 'QDQ-COMMUTE-SCALE-SHARE',
    title: 'Scales must line up across commuting ops',
    severity: 'warning',
    versions: 'all',
    matches: 'A DequantizeLinear(s1) and a QuantizeLinear(s2) that meet after propagation across commuting ops (MaxPool, Resize, Slice, Reshape, Transpose, …, not Concat: R16) with s1 ≠ s2 (exact float comparison).',
    tensorrt: 'With equal scales the DQ/Q pair cancels and the commuting ops run fully in INT8. With different scales a requantize (DQ then Q) survives as a standalone Reformat/Scale layer with origin QDQ: a kernel launch and a memory round trip.',
    fix: 'Give the quantizers on both sides one scale: the YOLOv7 QAT MaxPool rule makes the convs reading the MaxPool input reuse the quantizer of the conv after it. The quick fix also changes the quantizers that meet these two elsewhere (a DQ that also feeds a Concat, that Concat\'s other inputs and output), or the requantize would only move; the largest scale when they carry others. A quantizer at the model\'s interface (a DQ of an INT8 network input, a Q writing a graph output, also through shape-only ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity) keeps its scale and the others take it; when two such scales differ there is no quick fix. When the scale it sets is at least twice the finest one it replaces, the quick fix says how much coarser that quantizer gets and marks the fix as needing re-calibration or fine-tuning.',
    sources: ['yolo_deepstream yolov7_qat/doc/Guidance_of_QAT_performance_optimization.md (MaxPool)', 'modelopt qdq_graph.py (get_concat_eliminated_tensors)', 'TensorRT developer guide "Q/DQ Limitations"'],
    coverage: 'full',
  },
  ({ ctx, pred, prop, qdq }, emit) => {
    for (const r of pred.reformats) {
      if (r.ruleId !== 'R15') continue;
      const dq = qdq.get(r.qdqIndices[0]!)!;
      const q = qdq.get(r.qdqIndices[1]!)!;
      const s1 = dq.tensorScale!;
      const s2 = q.tensorScale!;
      const via = r.via.join(', ');
      // The whole scale-sharing set (scaleShare.ts), not just these two pairs: a DQ that also feeds a
      // Concat or another commuting path would otherwise only move the requantize there. s2 unless
      // the set carries other scales too; then the largest, so that no range is clipped.
      // A quantizer at the model's interface keeps its scale (scaleShare.ts, "Pinned quantizers").
      const set = scaleShareSet(ctx, qdq, prop, [dq.index, q.index]);
      const choice = pinnedFixScale(set.pinned, set.scales, set.scales.every((s) => s === s1 || s === s2) ? s2 : Math.max(...set.scales));
      const coarse = 'noFix' in choice ? { text: '' } : coarserNote(set.scales, choice.scale);
      // Say how far the fix reaches: the quantizers beyond these two and the Concats they link in.
      const beyond = set.qdq.length - 4; // the two pairs that meet
      const linked = set.concats.map((c) => ctx.name(c));
      const reach = linked.length ? ` and, linked to them, every quantizer around ${listNames(linked)}` : beyond > 0 ? ` and ${plural(beyond, 'other Q/DQ node')} sharing them` : '';
      emit({
        severity: 'warning',
        message: `${dq.name} (scale ${fmtScale(s1)}) and ${q.name} (scale ${fmtScale(s2)}) meet across ${via}: ratio ${fmtScale(ratio([s1, s2]))}, so a requantize layer runs between ${r.between[0]} and ${r.between[1]}.${'noFix' in choice ? choice.noFix : ''}`,
        nodes: [dq.name, q.name],
        data: { dqScale: s1, qScale: s2, ratio: ratio([s1, s2]), between: r.between, crossed: r.via, sharedWith: linked, ...(set.pinned.length ? { pinned: set.pinned } : {}) },
        ...('noFix' in choice ? {} : {
          fix: {
            title: `Use scale ${fmtScale(choice.scale)}${choice.because} on both sides${reach}${choice.clips}${coarse.text}`,
            edits: [{ kind: 'unifyScales', nodes: set.qdq.map((x) => qdq.get(x)!.name), scale: choice.scale }],
            ...(coarse.recalibrate ? { recalibrate: true } : {}),
          },
        }),
      });
    }
  },
);
