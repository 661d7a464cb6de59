/**
 * Test support: a stand-in trtexec 10.x layer info (`--exportLayerInfo`, detailed) for a decoded
 * model: one engine layer per compute node the analysis predicts (TensorRT 10.x INT8), named by its
 * `Metadata`, in the predicted precision, except the nodes of `asHalf`, built FP16 ("Half") instead.
 * Used by the `qdq engine --model` CLI tests and the engine-mismatch diagnostics tests.
 */
import { analyzeModel } from '../../src/core/analysis/index';
import { buildGraphIndex } from '../../src/core/graph/index';
import type { DecodedModel } from '../../src/core/onnx/index';

export function standInLayerInfo(decoded: DecodedModel, asHalf: readonly string[]): string {
  const report = analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), { trt: 10, precision: 'int8', stronglyTyped: false, refit: false });
  const format = (p: string) => (p === 'INT8' ? 'Four wide channel vectorized row major Int8 format' : p === 'FP16' ? 'Half' : 'Row major linear FP32');
  const layers = report.layers.map((l, i) => ({
    Name: `${l.node} [layer ${i}]`,
    LayerType: l.opType === 'Conv' ? 'CaskConvolution' : 'PointWiseV2',
    Inputs: [{ Name: `in${i}`, Location: 'Device', Dimensions: [1, 8, 8, 8], 'Format/Datatype': format(asHalf.includes(l.node) ? 'FP16' : l.precision) }],
    Outputs: [{ Name: `out${i}`, Location: 'Device', Dimensions: [1, 8, 8, 8], 'Format/Datatype': format(l.precision) }],
    TacticValue: '0x0000000000000001',
    StreamId: 0,
    Metadata: `[ONNX Layer: ${l.node}]`,
  }));
  return JSON.stringify({ Layers: layers, Bindings: ['images', 'output0'] }, null, 2);
}
