/** R2 QDQ-UINT8: unsigned 8-bit quantization is not supported. */
import { DataType } from '../../onnx/index';
import { defineRule, listNames, plural } from '../rule';

export const r2 = defineRule(
  {
    id: 'R2',
    name: 'QDQ-UINT8',
    title: 'Unsigned 8-bit quantization is not supported',
    severity: 'error',
    versions: 'all',
    matches: 'A QuantizeLinear whose zero point (or output_dtype) is UINT8, a DequantizeLinear reading UINT8 data, or (info) a QuantizeLinear with neither zero point nor output_dtype, for which ONNX implies UINT8.',
    tensorrt: 'The parser reports "Found unsupported input type of UINT8" for explicit UINT8. When UINT8 is only implied (no zero point, no output_dtype) TensorRT logs a warning and quantizes to INT8.',
    fix: 'Export INT8 (signed, symmetric) quantization: give every Q/DQ an INT8 zero point of 0, or output_dtype INT8 from opset 21.',
    sources: ['onnx-tensorrt onnxOpImporters.cpp', 'onnx-tensorrt importerUtils.cpp (notInvalidType)'],
    coverage: 'full',
  },
  ({ qdqList }, emit) => {
    const implied: string[] = [];
    for (const q of qdqList) {
      if (q.dtype === DataType.UINT8 && q.dtypeFrom !== 'default') {
        emit({
          severity: 'error',
          message: `${q.name} ${q.kind === 'Q' ? 'quantizes to' : 'reads'} UINT8 (from its ${q.dtypeFrom === 'outputDtype' ? 'output_dtype' : q.dtypeFrom === 'input' ? 'input tensor' : 'zero point'}): TensorRT does not support unsigned 8-bit quantization.`,
          nodes: [q.name],
          data: { dtype: 'UINT8', from: q.dtypeFrom },
        });
      } else if (q.kind === 'Q' && q.dtypeFrom === 'default') implied.push(q.name);
    }
    if (implied.length) {
      emit({
        severity: 'info',
        message: `${plural(implied.length, 'QuantizeLinear')} (${listNames(implied)}) ${implied.length === 1 ? 'has' : 'have'} no zero point and no output_dtype: ONNX implies UINT8, TensorRT warns and uses INT8.`,
        nodes: implied,
        data: { count: implied.length },
      });
    }
  },
);
