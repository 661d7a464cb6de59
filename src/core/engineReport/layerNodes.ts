/**
 * Which ONNX nodes an engine layer stands for. TensorRT 10.x names them in the layer's `Metadata`
 * (`onnxNodes`); 8.x only in the layer name, which joins the fused nodes with ` + ` and wraps
 * pointwise fusions in `PWN(...)`. Names that are not nodes of the model (weights, TensorRT's own
 * layers) are returned too: they simply match nothing. Pure.
 */
import type { LayerRow } from './report';

/**
 * ONNX node names a layer stands for: its `Metadata` nodes when the build recorded them, else the
 * parts of its name (`A + B + PWN(PWN(C), D)` → A, B, C, D). TensorRT's own reformat copies
 * ("Reformatting CopyNode for …") stand for no node, nor does a layer without metadata in a build
 * whose other layers have it (`withMetadata`).
 */
export function onnxNodesOfLayer(layer: Pick<LayerRow, 'name' | 'onnxNodes'>, withMetadata = false): string[] {
  if (layer.onnxNodes && layer.onnxNodes.length > 0) return layer.onnxNodes;
  // In a build that records metadata, a layer without any (a Myelin kernel, a TensorRT copy) is no node.
  if (withMetadata || /^Reformatting CopyNode\b/.test(layer.name)) return [];
  const parts: string[] = [];
  for (const piece of layer.name.split(' + ')) {
    for (const token of piece.split(/PWN\(|\)|,\s*/)) {
      const t = token.trim();
      if (t) parts.push(t);
    }
  }
  return parts;
}

/** Whether any layer of the build names its ONNX nodes in metadata (then a layer without is no node). */
export function recordsMetadata(layers: readonly Pick<LayerRow, 'onnxNodes'>[]): boolean {
  return layers.some((l) => l.onnxNodes !== undefined && l.onnxNodes.length > 0);
}
