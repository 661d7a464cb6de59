/** R4 QDQ-SCALE-CONST: the scale must be a build-time constant. */
import { defineRule } from '../rule';

export const r4 = defineRule(
  {
    id: 'R4',
    name: 'QDQ-SCALE-CONST',
    title: 'Scale must be a build-time constant',
    severity: 'error',
    versions: 'all',
    matches: 'A Q/DQ whose scale input is not an initializer, a Constant, or a Constant through Cast/Identity (for example a graph input or a computed tensor).',
    tensorrt: 'The builder rejects non-constant scales ("Dynamic shape for scale tensor is not supported"); only Constant -> Quantize and Constant -> Cast -> Quantize are allowed. (FP4/MXFP8 dynamic block quantization uses a separate DynamicQuantize layer.)',
    fix: 'Fold the scale computation into a constant (onnx-simplifier or constant folding), or export the calibrated scale as an initializer.',
    sources: ['TensorRT NvInfer.h 8.6 and 10.x', 'TensorRT operator docs "Quantize"'],
    coverage: 'full',
  },
  ({ qdqList, ctx }, emit) => {
    for (const q of qdqList) {
      if (q.scaleConst) {
        if (!q.scale && ctx.valueError(q.scaleTensor)) {
          emit({ severity: 'warning', message: `${q.name}: the scale ${q.scaleTensor} could not be read (${ctx.valueError(q.scaleTensor)}); its value is not checked.`, nodes: [q.name], data: { scaleTensor: q.scaleTensor } });
        }
        continue;
      }
      const p = q.scaleTensor ? ctx.producer(q.scaleTensor) : undefined;
      const from = !q.scaleTensor ? 'missing' : p !== undefined ? `computed by ${ctx.name(p)} (${ctx.nodes[p]!.opType})` : ctx.graphInputs.has(q.scaleTensor) ? 'a graph input' : 'undefined';
      emit({
        severity: 'error',
        message: `${q.name}: the scale ${q.scaleTensor || '(none)'} is ${from}, not a build-time constant; TensorRT needs constant scales.`,
        nodes: p === undefined ? [q.name] : [q.name, ctx.name(p)],
        data: { scaleTensor: q.scaleTensor, source: from },
      });
    }
  },
);
