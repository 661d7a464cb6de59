/**
 * The table of checked-in model fixtures: what scripts/make-fixtures.ts writes
 * to test/fixtures/onnx/ and test/workspace/models/, and what the
 * reproducibility test regenerates and compares byte for byte.
 */
import type { ExternalDataOptions, ModelBuilder } from './modelBuilder';
import { YOLO_PRESETS, yoloLike } from './modelBuilder';

export interface FixtureModel {
  /** File name under test/fixtures/onnx/. */
  readonly file: string;
  readonly description: string;
  readonly build: () => ModelBuilder;
  /** Write with external data to `<file>.data`. */
  readonly external?: Omit<ExternalDataOptions, 'location'>;
  /** Also copy into test/workspace/models/. */
  readonly workspace?: boolean;
}

const tiny = YOLO_PRESETS.tiny;

export const FIXTURE_MODELS: readonly FixtureModel[] = [
  {
    file: 'tiny-fp32.onnx',
    description: 'tiny YOLO-like graph, float32, no Q/DQ (opset 13)',
    build: () => yoloLike({ ...tiny, qdq: 'none' }),
    workspace: true,
  },
  {
    file: 'tiny-qat-good.onnx',
    description: 'good Q/DQ placement: shared scales at Concat/MaxPool/Resize/Add, per-channel weights, scales as Constant nodes',
    build: () => yoloLike({ ...tiny, qdq: 'good' }),
    workspace: true,
  },
  {
    file: 'tiny-qat-good-init.onnx',
    description: 'good Q/DQ placement with scales/zero points as (shared) initializers',
    build: () => yoloLike({ ...tiny, qdq: 'good', scalesAs: 'initializer' }),
  },
  {
    file: 'tiny-qat-naive.onnx',
    description: 'naive Q/DQ: conv inputs and weights only, an independent scale each',
    build: () => yoloLike({ ...tiny, qdq: 'naive' }),
  },
  {
    file: 'tiny-qat-defects.onnx',
    description: 'good placement plus one of each defect at its default conv (see manifest.defects)',
    build: () =>
      yoloLike({
        ...tiny,
        qdq: 'good',
        defects: { nonZeroZeroPoint: true, uint8Activation: true, missingWeightQdq: true, danglingQ: true, biasQdq: true },
      }),
    workspace: true,
  },
  {
    file: 'tiny-external.onnx',
    description: 'good Q/DQ, tensors >= 1024 bytes in tiny-external.onnx.data (sequential offsets)',
    build: () => yoloLike({ ...tiny, qdq: 'good' }),
    external: { threshold: 1024 },
  },
  {
    file: 'tiny-fp8.onnx',
    description: 'FP8 E4M3FN activation and weight Q/DQ with saturate=1 (opset 19, IR 9)',
    build: () =>
      yoloLike({ ...tiny, qdq: 'good', opset: 19, quantTypes: { activation: 'FLOAT8E4M3FN', weight: 'FLOAT8E4M3FN', saturate: true } }),
  },
  {
    file: 'tiny-int4-block.onnx',
    description: 'INT8 activations, INT4 block-quantized weights (block_size 4, axis 1), zero points omitted via output_dtype (opset 21, IR 10)',
    build: () =>
      yoloLike({ ...tiny, qdq: 'good', opset: 21, quantTypes: { weight: 'INT4', weightBlockSize: 4, zeroPoint: 'outputDtype' } }),
  },
];

/** Bytes of `broken-truncated.onnx`: a valid model cut in half. */
export function truncated(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, Math.floor(bytes.byteLength / 2));
}

export const NOT_ONNX_TEXT = 'This is not an ONNX model.\nIt is a text file with an .onnx extension, for error-handling tests.\n';
