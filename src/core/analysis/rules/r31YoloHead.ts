/** R31 QDQ-YOLO-HEAD: keep the final prediction convolutions in float. */
import { intsAttr } from '../ops';
import { isQuantizedPrecision } from '../predict';
import { defineRule, listNames, plural } from '../rule';

export const r31 = defineRule(
  {
    id: 'R31',
    name: 'QDQ-YOLO-HEAD',
    title: 'Final detection convolutions in float',
    severity: 'info',
    versions: 'all',
    matches: 'The final 1×1 Conv of each output branch: a 1×1 convolution from which a graph output is reached without passing another weighted op (the Detect m.* convs of YOLOv5/v7, cv2/cv3 final convs and the DFL conv of YOLOv8/v9 heads).',
    tensorrt: 'With the head unquantized, the previous conv writes float (or a DQ runs standalone) and the head runs FP16: one conversion, placed automatically. Quantized final convs are the most outlier-sensitive layers of a detector (accuracy risk).',
    fix: 'Keep the final prediction convs (and DFL) unquantized, as NVIDIA\'s YOLOv7 QAT ignore policy, yolov9-qat\'s last-layer option and Ultralytics\' QAT do.',
    sources: ['NVIDIA-AI-IOT/yolo_deepstream yolov7_qat/scripts/qat.py (--ignore-policy), yolov7_qat/README.md', 'levipereira/yolov9-qat qat.py', 'https://github.com/WongKinYiu/yolov9/issues/253', 'https://github.com/WongKinYiu/yolov9/issues/327', 'https://github.com/ultralytics/ultralytics/pull/26171'],
    coverage: 'partial',
    limits: 'The head is found by topology (1×1 convs with a path to an output that crosses no other weighted op), not by module names; the decode ops after the convs are not reported separately.',
  },
  ({ ctx, pred }, emit) => {
    // reach[i]: a graph output is reachable from node i's outputs without crossing a weighted op.
    const reach = new Uint8Array(ctx.nodes.length);
    const order = ctx.index.topoOrder;
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k]!;
      let r = 0;
      for (const o of ctx.nodes[i]!.output) {
        if (r || !o) continue;
        if (ctx.graphOutputs.has(o)) r = 1;
        else for (const c of ctx.consumers(o)) if (reach[c] && !pred.weighted.has(c)) { r = 1; break; }
      }
      reach[i] = r;
    }
    const quantized: string[] = [];
    const float: string[] = [];
    for (const w of pred.weighted.values()) {
      const n = ctx.nodes[w.node]!;
      if (n.opType !== 'Conv') continue;
      const ks = intsAttr(n, 'kernel_shape') ?? ctx.dataShape(n.input[1] ?? '')?.slice(2);
      if (!ks || !ks.every((d) => d === 1)) continue;
      if (!reach[w.node]) continue;
      (isQuantizedPrecision(pred.precision[w.node]) ? quantized : float).push(ctx.name(w.node));
    }
    if (quantized.length) {
      emit({
        severity: 'info',
        message: `${plural(quantized.length, 'final 1×1 output conv')} (${listNames(quantized)}) ${quantized.length === 1 ? 'is' : 'are'} quantized: accuracy risk (the most outlier-sensitive layers of a detector); NVIDIA's YOLO QAT recipes keep them in float.`,
        nodes: quantized,
        data: { quantized: quantized.length },
      });
    }
    if (float.length) {
      emit({
        severity: 'info',
        message: `${plural(float.length, 'final 1×1 output conv')} (${listNames(float)}) ${float.length === 1 ? 'stays' : 'stay'} in ${pred.floatPrecision}, as recommended: expect one INT8→float conversion in front of the head.`,
        nodes: float,
        data: { float: float.length },
      });
    }
  },
);
