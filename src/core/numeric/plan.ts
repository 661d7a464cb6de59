/**
 * Which tensors to compare, and how the two models' names line up.
 *
 * Layers are the compute nodes (Conv, ConvTranspose, Gemm, MatMul by default) of the Q/DQ model.
 * Each is matched to the reference (FP32) model's node:
 *
 * 1. by node name and op type. torch.onnx names nodes by module scope
 *    (`/model.4/cv4/conv/Conv`), and the Q/DQ export puts its QuantizeLinear/DequantizeLinear and
 *    their scale Constants in the quantizer's own scope (`/model.4/cv4/conv/_input_quantizer/…`),
 *    so a compute node keeps its name in both exports; a reference derived by removing the Q/DQ
 *    pairs keeps every name by construction;
 * 2. else by the name of its first output tensor and op type (torch writes `<node>_output_0`;
 *    other exporters that leave nodes unnamed still name tensors consistently);
 * 3. else the layer is listed as unmatched (never silently dropped). What does differ between the
 *    two exports is every name torch numbers globally: Constant outputs (`onnx::Conv_123`), the
 *    weight inputs (read through a DequantizeLinear in the Q/DQ model) and `Constant_N` nodes; none
 *    of those is used for matching.
 *
 * For each layer the plan also records its float data input as the model sees it *before* the
 * layer's own input quantization: the Q/DQ model's compute node reads a DequantizeLinear output;
 * walking back through DequantizeLinear ← QuantizeLinear pairs (back-to-back ones too) gives the
 * float tensor the quantizer reads. Its error is what the layer inherits (see `localSqnrDb`).
 * Final outputs are matched by name, else by position.
 */
import type { Graph, Node } from '../onnx/index';

export const DEFAULT_LAYER_OPS: readonly string[] = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];

export interface TensorPair {
  /** Tensor in the Q/DQ model. */
  readonly qdq: string;
  /** Tensor in the reference model. */
  readonly ref: string;
}

export interface LayerPlan {
  readonly node: string;
  readonly opType: string;
  readonly output: TensorPair;
  /** The layer's float input before its own quantization; absent when it is a graph input of both (identical feeds). */
  readonly input?: TensorPair;
  readonly matchedBy: 'name' | 'tensor';
}

export interface NumericPlan {
  readonly layers: readonly LayerPlan[];
  readonly outputs: readonly { readonly name: string; readonly pair: TensorPair }[];
  /** Q/DQ model compute nodes with no counterpart in the reference. */
  readonly unmatched: readonly string[];
}

interface GraphInfo {
  readonly byName: Map<string, Node>;
  readonly byOutput: Map<string, Node>;
  readonly inputs: Set<string>;
}

function info(g: Graph): GraphInfo {
  const byName = new Map<string, Node>();
  const byOutput = new Map<string, Node>();
  for (const n of g.node) {
    if (n.name && !byName.has(n.name)) byName.set(n.name, n);
    for (const o of n.output) if (o && !byOutput.has(o)) byOutput.set(o, n);
  }
  const inits = new Set(g.initializer.map((t) => t.name));
  const inputs = new Set(g.input.map((v) => v.name).filter((n) => !inits.has(n)));
  return { byName, byOutput, inputs };
}

/** The float tensor a node's data input holds before Q/DQ: walk back over DequantizeLinear ← QuantizeLinear pairs. */
export function floatSourceOf(tensor: string, byOutput: ReadonlyMap<string, Node>): string {
  let t = tensor;
  for (let guard = 0; guard < 64; guard++) {
    const dq = byOutput.get(t);
    if (!dq || dq.opType !== 'DequantizeLinear' || !dq.input[0]) return t;
    const q = byOutput.get(dq.input[0]);
    if (!q || q.opType !== 'QuantizeLinear' || !q.input[0]) return t;
    t = q.input[0];
  }
  return t;
}

export function planLayers(qdq: Graph, ref: Graph, ops: readonly string[] = DEFAULT_LAYER_OPS): NumericPlan {
  const qi = info(qdq);
  const ri = info(ref);
  const opSet = new Set(ops);
  const layers: LayerPlan[] = [];
  const unmatched: string[] = [];
  qdq.node.forEach((n, index) => {
    if (!opSet.has(n.opType) || !n.output[0]) return;
    const label = n.name || `${n.opType}#${index}`;
    let r: Node | undefined;
    let matchedBy: LayerPlan['matchedBy'] = 'name';
    if (n.name) {
      const c = ri.byName.get(n.name);
      if (c && c.opType === n.opType) r = c;
    }
    if (!r) {
      const c = ri.byOutput.get(n.output[0]);
      if (c && c.opType === n.opType) {
        r = c;
        matchedBy = 'tensor';
      }
    }
    if (!r || !r.output[0]) {
      unmatched.push(label);
      return;
    }
    let input: TensorPair | undefined;
    if (n.input[0] && r.input[0]) {
      const qIn = floatSourceOf(n.input[0], qi.byOutput);
      const rIn = floatSourceOf(r.input[0], ri.byOutput);
      if (!(qi.inputs.has(qIn) && ri.inputs.has(rIn))) input = { qdq: qIn, ref: rIn };
    }
    layers.push({ node: label, opType: n.opType, output: { qdq: n.output[0], ref: r.output[0] }, ...(input ? { input } : {}), matchedBy });
  });
  const refOutputs = ref.output.map((o) => o.name);
  const outputs = qdq.output.map((o, i) => {
    const name = refOutputs.includes(o.name) ? o.name : refOutputs[i];
    return name === undefined ? undefined : { name: o.name, pair: { qdq: o.name, ref: name } };
  });
  return { layers, outputs: outputs.filter((o) => o !== undefined), unmatched };
}
