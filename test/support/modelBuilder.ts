/**
 * Test support: a small builder of YOLO-like ONNX graphs with known Q/DQ
 * placement, for unit tests, fixtures and benchmarks. It is independent of the
 * project's ONNX codec (src/core/onnx): it encodes with the `onnx-proto`
 * package, so tests can check our decoder against an outside encoder.
 *
 *   const b = new ModelBuilder({ opset: 13, qdq: 'good' });
 *   const x = b.input('images', 'FLOAT', [1, 3, 64, 64]);
 *   const y = b.convSilu(x, { module: 'model.0', cout: 16, k: 3, s: 2 });
 *   b.output(y, 'output0');
 *   const bytes = b.toBytes();          // or b.writeFile(path, { external: {} })
 *   const m = b.manifest();             // counts, roles, Q/DQ records, defects
 *
 *   const tiny = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' });
 *
 * Names follow torch.onnx's export of yolov9: node `/model.4/cv1/conv/Conv`,
 * weight initializer `model.4.cv1.conv.weight`, quantizer scope
 * `/model.4/cv1/conv/_input_quantizer`, outputs `<node>_output_0`.
 *
 * Q/DQ modes: `none`; `good` (Q/DQ before every quantized Conv input,
 * per-channel axis-0 INT8 weight Q/DQ with zero point 0, shared scales at
 * Concat inputs, across MaxPool and Resize and at residual Add inputs);
 * `naive` (only Conv input and weight Q/DQ, each with its own scale, one pair
 * per consumer). Defects are layered on top of either, per conv module path.
 *
 * Layout: builder/graph.ts (names, tensors, nodes), builder/qdq.ts (Q/DQ
 * emission), builder/modelBuilder.ts (policy + YOLO blocks),
 * builder/yoloLike.ts (preset graph), builder/encode.ts (onnx-proto
 * serialisation, external data, streaming), builder/manifest.ts.
 */
export type { DataTypeName, QuantType } from './builder/dataTypes';
export { DataType, dataTypeCode, dataTypeName, rawByteLength } from './builder/dataTypes';
export type { Attr, GraphOptions, TensorRef, TensorSpec } from './builder/graph';
export { attr, numel } from './builder/graph';
export type { EncodedModel, ExternalDataOptions, ExternalEntry } from './builder/encode';
export type { BuildManifest, ConvRecord, DefectKind, DefectRecord, QdqKind, QdqRecord } from './builder/manifest';
export type { QuantTypeOptions, QuantizeSpec, ScalesAs } from './builder/qdq';
export type { Payload, WeightFill } from './builder/weights';
export { hash32, Prng } from './builder/weights';
export { GraphView, num, tensorValues } from './builder/inspect';
export type { AttrView } from './builder/inspect';
export type {
  ConvOptions,
  DefectTargets,
  GroupOption,
  ModelBuilderOptions,
  QdqMode,
  ScopeOption,
  WriteResult,
} from './builder/modelBuilder';
export { ModelBuilder, scopeOf } from './builder/modelBuilder';
export type { YoloDefects, YoloLayout, YoloLikeOptions } from './builder/yoloLike';
export { YOLO_PRESETS, yoloLike } from './builder/yoloLike';
