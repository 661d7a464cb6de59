/** R12 QDQ-BUILD-FLAGS: precision flags for a Q/DQ model. */
import { defineRule } from '../rule';

export const r12 = defineRule(
  {
    id: 'R12',
    name: 'QDQ-BUILD-FLAGS',
    title: 'Build flags for a Q/DQ model',
    severity: 'info',
    versions: 'all',
    matches: 'Any model with Q/DQ nodes: reports the trtexec precision flags the predictions assume.',
    tensorrt: '8.x builds a Q/DQ network in INT8 only with --int8; add --fp16 so that unquantized layers run FP16, not FP32. 10.x prefers --stronglyTyped, which follows the ONNX types exactly (float32 tensors stay FP32).',
    fix: '8.x: trtexec --int8 --fp16. 10.x: --stronglyTyped (export float layers as FP16 if they should run FP16), or --int8 --fp16 as the YOLO QAT guides do.',
    sources: ['TensorRT developer guide "Explicit Quantization"', 'TREx utils/process_engine.py (--int8 --fp16)', 'yolo_deepstream yolov7_qat/doc/Guidance_of_QAT_performance_optimization.md'],
    coverage: 'full',
  },
  ({ target, pred }, emit) => {
    const flags = target.trt === 8 ? '--int8 --fp16' : target.stronglyTyped ? '--stronglyTyped' : '--int8 --fp16';
    const note = target.trt === 8
      ? 'TensorRT 8.x needs --int8 for the Q/DQ layers; --fp16 lets the unquantized layers run FP16.'
      : target.stronglyTyped
        ? 'With --stronglyTyped float32 tensors stay FP32: the predictions show float layers as FP32.'
        : 'TensorRT 10.x prefers --stronglyTyped (float32 layers then stay FP32); the predictions assume --int8 --fp16 as the YOLO QAT guides build, so float layers run FP16.';
    emit({ severity: 'info', message: `Build with trtexec ${flags}. ${note}`, nodes: [], data: { flags, floatPrecision: pred.floatPrecision } });
  },
);
