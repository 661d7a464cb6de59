/**
 * Which compute nodes of a model still carry Q/DQ, read from the graph itself (never from what a
 * user clicked): the layer tree's checkboxes, the YAML's `INT8`/`FP16` and the keep-k prediction
 * all derive from this after every change of the model.
 *
 * A compute node (Conv/ConvTranspose/Gemm/MatMul) is quantized when its data input or its weight
 * is produced by a DequantizeLinear, directly or through shape-only ops that exporters put between
 * a weight's DQ and a MatMul (Transpose, Reshape, ...). "Disable quantization" removes both, so a
 * node with neither runs in higher precision (FP16 in the `--int8 --fp16` builds of the YOLO guides).
 */
import type { Node } from '../onnx/index';
import { COMPUTE_OP_TYPES } from './nameMapping';

/** What a layer runs as: all its compute nodes quantized, none, some; `none` = it has no compute node. */
export type LayerPrecision = 'int8' | 'fp16' | 'partial' | 'none';

export interface LayerQuantState {
  readonly precision: LayerPrecision;
  /** Compute nodes with Q/DQ, and all compute nodes. */
  readonly quantized: number;
  readonly total: number;
}

/** Ops a DQ's output may pass through before reaching a compute node's input, one input each. */
const PASS_THROUGH: ReadonlySet<string> = new Set(['Identity', 'Transpose', 'Reshape', 'Cast', 'Unsqueeze', 'Squeeze', 'Flatten']);
const MAX_WALK = 4;

/** Names of the compute nodes whose data or weight input comes from a DequantizeLinear. */
export function quantizedComputeNodes(nodes: readonly Pick<Node, 'name' | 'opType' | 'input' | 'output'>[]): Set<string> {
  const producer = new Map<string, Pick<Node, 'opType' | 'input'>>();
  for (const n of nodes) for (const o of n.output) if (o) producer.set(o, n);
  const fromDq = (tensor: string | undefined): boolean => {
    let t = tensor;
    for (let step = 0; t && step <= MAX_WALK; step++) {
      const p = producer.get(t);
      if (!p) return false;
      if (p.opType === 'DequantizeLinear') return true;
      if (!PASS_THROUGH.has(p.opType)) return false;
      t = p.input[0];
    }
    return false;
  };
  const out = new Set<string>();
  for (const n of nodes) {
    if (!COMPUTE_OP_TYPES.has(n.opType) || !n.name) continue;
    if (fromDq(n.input[0]) || fromDq(n.input[1])) out.add(n.name);
  }
  return out;
}

/** The precision of a layer (its compute nodes) given the quantized set. */
export function layerQuantState(computeNodes: readonly string[], quantized: ReadonlySet<string>): LayerQuantState {
  const total = computeNodes.length;
  let q = 0;
  for (const n of computeNodes) if (quantized.has(n)) q++;
  const precision: LayerPrecision = total === 0 ? 'none' : q === total ? 'int8' : q === 0 ? 'fp16' : 'partial';
  return { precision, quantized: q, total };
}

/** `INT8`, `FP16`, `INT8 2/5` (partly), or `no compute` for a layer the user sees. */
export function precisionLabel(s: LayerQuantState): string {
  switch (s.precision) {
    case 'int8':
      return 'INT8';
    case 'fp16':
      return 'FP16';
    case 'partial':
      return `INT8 ${s.quantized}/${s.total}`;
    case 'none':
      return 'no compute';
  }
}
