/** R5 QDQ-SCALE-SHAPE: scale rank and size (per-tensor, per-channel, block). */
import { defineRule } from '../rule';

export const r5 = defineRule(
  {
    id: 'R5',
    name: 'QDQ-SCALE-SHAPE',
    title: 'Scale rank and size must match the quantized tensor',
    severity: 'error',
    versions: 'all',
    matches: 'A 1-D scale whose length differs from the input dimension on the quantization axis; a block scale (same rank as the input) with more than one blocked dimension, a blocked dimension other than the last two, a block size that does not divide the dimension, or block quantization under TensorRT 8.x; a scale of any other rank.',
    tensorrt: 'Parser errors: "The number of scales is not equal to the number of output channels", "Only a single blocking dimension is allowed", "Inferred block size is not an integer", "Invalid rank for the scale tensor". Block quantization exists from 10.x only.',
    fix: 'Export per-tensor scales for activations, per-channel scales on the output-channel axis for weights (see R7), and block scales only for 10.x INT4/FP4/FP8 weights.',
    sources: ['onnx-tensorrt onnxOpImporters.cpp', 'TensorRT NvInfer.h 10.x'],
    coverage: 'partial',
    limits: 'Activation shapes are known only from value_info (real exports rarely have it); without a shape the per-channel length and block layout of activations are not checked.',
  },
  ({ qdqList, ctx, target }, emit) => {
    for (const q of qdqList) {
      const c = q.scaleConst;
      if (!c) continue;
      const count = ctx.constCount(c);
      if (count === undefined || count <= 1) continue;
      const shape = ctx.dataShape(q.input);
      const rank = shape?.length;
      if (c.dims.length === 1 && q.granularity === 'channel') {
        if (!shape) continue;
        const axis0 = q.axis ?? (q.isWeight ? 0 : 1);
        const axis = axis0 < 0 ? axis0 + rank! : axis0;
        if (axis < 0 || axis >= rank!) {
          emit({ severity: 'error', message: `${q.name}: axis ${axis0} is outside the ${rank}-D input.`, nodes: [q.name], data: { axis: axis0, rank } });
        } else if (shape[axis] !== count) {
          emit({
            severity: 'error',
            message: `${q.name}: ${count} per-channel scales, but the input has ${shape[axis]} elements on axis ${axis}${q.axis === undefined ? ' (no axis attribute)' : ''}; TensorRT: "The number of scales is not equal to the number of output channels".`,
            nodes: [q.name],
            data: { scales: count, dim: shape[axis], axis, shape },
          });
        }
        continue;
      }
      // Rank >= 2: block quantization.
      if (target.trt === 8) {
        emit({ severity: 'error', message: `${q.name}: a ${c.dims.length}-D scale (block quantization) needs TensorRT 10.x.`, nodes: [q.name], data: { scaleDims: c.dims } });
        continue;
      }
      if (!shape) continue;
      if (c.dims.length !== rank) {
        emit({ severity: 'error', message: `${q.name}: the scale has rank ${c.dims.length} but the input has rank ${rank}; TensorRT: "Invalid rank for the scale tensor".`, nodes: [q.name], data: { scaleDims: c.dims, shape } });
        continue;
      }
      const blocked = c.dims.map((d, k) => (d !== shape[k] ? k : -1)).filter((k) => k >= 0);
      if (blocked.length > 1) {
        emit({ severity: 'error', message: `${q.name}: dimensions ${blocked.join(', ')} are all blocked; TensorRT allows a single blocking dimension.`, nodes: [q.name], data: { scaleDims: c.dims, shape, blocked } });
        continue;
      }
      if (blocked.length === 1) {
        const k = blocked[0]!;
        if (k < rank! - 2) emit({ severity: 'error', message: `${q.name}: dimension ${k} is blocked; TensorRT blocks only the last or second-to-last dimension.`, nodes: [q.name], data: { blocked: k, rank } });
        const bs = q.blockSize ?? shape[k]! / c.dims[k]!;
        if (!Number.isInteger(bs) || (q.blockSize !== undefined && Math.ceil(shape[k]! / q.blockSize) !== c.dims[k])) {
          emit({ severity: 'error', message: `${q.name}: ${shape[k]} elements on dimension ${k} do not split into ${c.dims[k]} blocks${q.blockSize !== undefined ? ` of block_size ${q.blockSize}` : ''}; TensorRT: "Inferred block size is not an integer".`, nodes: [q.name], data: { dim: shape[k], blocks: c.dims[k], blockSize: q.blockSize ?? null } });
        }
      }
    }
  },
);
