/** R1 QDQ-ZP-NONZERO: TensorRT supports symmetric quantization only (zero point all zeros). */
import { defineRule, plural } from '../rule';

export const r1 = defineRule(
  {
    id: 'R1',
    name: 'QDQ-ZP-NONZERO',
    title: 'Zero point must be zero',
    severity: 'error',
    versions: 'all',
    matches: 'A QuantizeLinear or DequantizeLinear whose zero point (an initializer or Constant, possibly through Cast/Identity) has a non-zero element, or whose zero point has a different number of elements than its scale.',
    tensorrt: 'The ONNX parser stops: TensorRT only supports symmetric quantization, so the zero point must be all zeros, and its volume must equal the scale volume.',
    fix: 'Quantize symmetrically (pytorch-quantization, modelopt and the yolov9-qat tools do by default). Setting the zero point to 0 changes the numerics, so re-calibrate afterwards.',
    sources: ['onnx-tensorrt onnxOpImporters.cpp (QuantDequantLinearHelper)', 'TensorRT NvInfer.h, IQuantizeLayer/IDequantizeLayer: "Only symmetric quantization is supported"', 'https://github.com/onnx/tensorflow-onnx/issues/1713'],
    coverage: 'full',
  },
  ({ qdqList, ctx, qdq }, emit) => {
    for (const q of qdqList) {
      if (!q.zeroPointTensor) continue;
      if (!q.zeroPointConst) {
        emit({ severity: 'info', message: `${q.name}: the zero point ${q.zeroPointTensor} is not a build-time constant, so whether it is zero cannot be checked.`, nodes: [q.name], data: { zeroPoint: q.zeroPointTensor } });
        continue;
      }
      const zp = q.zeroPoint;
      if (!zp) continue;
      const scaleCount = q.scaleConst ? ctx.constCount(q.scaleConst) : undefined;
      if (scaleCount !== undefined && zp.length !== scaleCount) {
        emit({ severity: 'error', message: `${q.name}: the zero point has ${zp.length} elements but the scale has ${scaleCount}; TensorRT needs equal volumes.`, nodes: [q.name], data: { zeroPointCount: zp.length, scaleCount } });
      }
      let nonZero = 0;
      let first = 0;
      for (let k = 0; k < zp.length; k++) {
        if (zp[k] !== 0) {
          if (nonZero === 0) first = zp[k]!;
          nonZero++;
        }
      }
      if (nonZero === 0) continue;
      const pairs = q.kind === 'Q' ? [q.name, ...q.pairedDq.map((d) => qdq.get(d)!.name)] : [q.name];
      emit({
        severity: 'error',
        message: `${q.name} has zero point ${first}${zp.length > 1 ? ` (${plural(nonZero, 'non-zero element')} of ${zp.length})` : ''}: TensorRT supports symmetric quantization only (zero point 0), the ONNX parser rejects the model.`,
        nodes: [q.name],
        data: { zeroPoint: first, nonZero, elements: zp.length, zeroPointTensor: q.zeroPointTensor },
        fix: { title: `Set the zero point of ${q.name} to 0 (then re-calibrate)`, edits: [{ kind: 'setZeroPoint', nodes: pairs, value: 0 }], recalibrate: true },
      });
    }
  },
);
