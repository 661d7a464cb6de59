/** R14 QDQ-COMMUTING-OPS: which ops commute; the uncertain ones are reported. */
import { commutes, UNCERTAIN_COMMUTING } from '../ops';
import { isQuantizedPrecision } from '../predict';
import { defineRule } from '../rule';

export const r14 = defineRule(
  {
    id: 'R14',
    name: 'QDQ-COMMUTING-OPS',
    title: 'Which ops commute with Q/DQ',
    severity: 'info',
    versions: 'all',
    matches: 'Nearest Resize/Upsample and constant Pad on a quantized path (treated as commuting with lower confidence), and linear/cubic Resize with a DQ input (does not commute).',
    tensorrt: 'MaxPool commutes (documented); Flatten, Transpose, Concat, Split, Squeeze, Unsqueeze, Expand, Reshape, Tile, Gather*, Slice, Scatter*, OneHot, Identity are data movement. Nearest Resize is treated as commuting by the YOLO QAT rules; AveragePool, Add, Mul, Sigmoid, Softmax and linear Resize do not commute.',
    fix: 'Verify uncertain cases against an engine (trtexec --exportLayerInfo). For a linear Resize on quantized data, expect it to run in float; a nearest Resize keeps INT8.',
    sources: ['TensorRT developer guide "TensorRT Processing of Q/DQ Networks"', 'NVIDIA Model Optimizer modelopt/onnx/op_types.py (get_copy_ops)', 'yolo_deepstream yolov7_qat/quantization/rules.py', 'levipereira/yolov9-qat models/quantize.py'],
    coverage: 'full',
  },
  ({ ctx, pred, prop }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (!UNCERTAIN_COMMUTING.has(n.opType) || ctx.isStaticNode(i)) return;
      if (prop.commuting[i]) {
        if (!isQuantizedPrecision(pred.precision[i])) return;
        emit({
          severity: 'info',
          message: `${ctx.name(i)} (${n.opType}${n.opType === 'Pad' ? ', constant' : ', nearest'}) is treated as commuting and predicted to run in ${pred.precision[i]}; this is less certain than MaxPool/Concat/Reshape (verify against an engine).`,
          nodes: [ctx.name(i)],
          data: { opType: n.opType, precision: pred.precision[i] },
        });
      } else if (!commutes(n) && n.input[0] && prop.isQuantized(n.input[0])) {
        emit({
          severity: 'info',
          message: `${ctx.name(i)} (${n.opType}, not nearest) does not commute with Q/DQ: it runs in ${pred.precision[i]} and its DQ input runs standalone.`,
          nodes: [ctx.name(i)],
          data: { opType: n.opType, precision: pred.precision[i] },
        });
      }
    });
  },
);
