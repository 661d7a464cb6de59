/** R3 QDQ-SCALE-POSITIVE: every scale element must be > 0. */
import { fmtScale } from '../qdq';
import { defineRule } from '../rule';

export const r3 = defineRule(
  {
    id: 'R3',
    name: 'QDQ-SCALE-POSITIVE',
    title: 'Every scale element must be positive',
    severity: 'error',
    versions: 'all',
    matches: 'A Q/DQ scale with an element that is zero, negative or NaN, or a scale with no elements.',
    tensorrt: 'The parser fails with "Scale coefficients must all be positive" or "Cannot have scale with no coefficients".',
    fix: 'Re-calibrate: a zero scale usually comes from an all-zero calibration range (a dead channel). Clamp scales to a small positive minimum before export.',
    sources: ['onnx-tensorrt onnxOpImporters.cpp', 'TensorRT NvInfer.h ("All scale coefficients must have strictly positive values")'],
    coverage: 'full',
  },
  ({ qdqList }, emit) => {
    for (const q of qdqList) {
      const s = q.scale;
      if (!s) continue;
      if (s.length === 0) {
        emit({ severity: 'error', message: `${q.name}: the scale ${q.scaleTensor} has no elements.`, nodes: [q.name], data: { scaleTensor: q.scaleTensor } });
        continue;
      }
      let bad = 0;
      let firstAt = -1;
      for (let k = 0; k < s.length; k++) {
        const v = s[k]!;
        if (!(v > 0)) {
          if (firstAt < 0) firstAt = k;
          bad++;
        }
      }
      if (!bad) continue;
      emit({
        severity: 'error',
        message: `${q.name}: ${bad} of ${s.length} scale element${s.length === 1 ? ' is' : 's are'} not positive (element ${firstAt} is ${fmtScale(s[firstAt]!)}); TensorRT rejects non-positive scales.`,
        nodes: [q.name],
        data: { bad, elements: s.length, firstIndex: firstAt, firstValue: Number.isNaN(s[firstAt]!) ? 'NaN' : s[firstAt] },
      });
    }
  },
);
