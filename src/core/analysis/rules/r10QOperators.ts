/** R10 QDQ-QOPS-UNSUPPORTED: integer "QOperator" ops are rejected. */
import { QOPERATOR_OPS } from '../ops';
import { defineRule } from '../rule';

export const r10 = defineRule(
  {
    id: 'R10',
    name: 'QDQ-QOPS-UNSUPPORTED',
    title: 'Integer QOperator ops are rejected',
    severity: 'error',
    versions: 'all',
    matches: 'QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, DynamicQuantizeLinear and the other ONNX Runtime "QOperator" ops.',
    tensorrt: 'Not supported: parsing fails. TensorRT accepts only the QDQ format (QuantizeLinear/DequantizeLinear around float ops).',
    fix: 'Quantize in QDQ format (ONNX Runtime quantize_static with quant_format=QDQ, modelopt, pytorch-quantization).',
    sources: ['TensorRT developer guide "ONNX Support"', 'onnx-tensorrt docs/operators.md (DynamicQuantizeLinear: N)'],
    coverage: 'full',
  },
  ({ ctx }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (!QOPERATOR_OPS.has(n.opType)) return;
      emit({ severity: 'error', message: `${ctx.name(i)} is a ${n.opType} (QOperator format): TensorRT does not import integer operators; use QuantizeLinear/DequantizeLinear around float ops.`, nodes: [ctx.name(i)], data: { opType: n.opType } });
    });
  },
  false,
);
