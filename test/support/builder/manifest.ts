/**
 * The manifest: what the builder built, so analysis tests can assert exact
 * expectations without re-deriving them from the bytes.
 */
import type { QuantType } from './dataTypes';
import type { NodeRecord, InitializerRecord } from './graph';

export type QdqKind = 'activation' | 'weight' | 'bias';

/** One QuantizeLinear (and its DequantizeLinear, unless dangling). */
export interface QdqRecord {
  readonly quantizeNode: string;
  /** null for a dangling QuantizeLinear. */
  readonly dequantizeNode: string | null;
  /** The float tensor being quantized. */
  readonly input: string;
  readonly quantizedTensor: string;
  /** DequantizeLinear output; null when dangling. */
  readonly output: string | null;
  readonly kind: QdqKind;
  readonly dtype: QuantType;
  /** Scale-sharing key; members of one group carry the same scale value. */
  readonly scaleGroup: string;
  /** Per-tensor scale, or per-channel/per-block values (float32-exact). */
  readonly scale: number | Float32Array;
  /** Uniform zero point value, or null when the zero-point input is omitted. */
  readonly zeroPoint: number | null;
  readonly scaleTensor: string;
  readonly zeroPointTensor: string | null;
  readonly axis?: number;
  readonly blockSize?: number;
  /** Node names reading `output` (for dangling Qs: none). Filled in by manifest(). */
  consumers: string[];
}

export interface ConvRecord {
  readonly node: string;
  /** PyTorch module path, e.g. `model.4.cv1`. */
  readonly module: string;
  readonly weight: string;
  readonly bias: string | null;
  readonly quantized: boolean;
  /** QuantizeLinear feeding the conv input (via its DequantizeLinear). */
  readonly inputQuantize: string | null;
  readonly weightQuantize: string | null;
  readonly inputScaleGroup: string | null;
  readonly activation: boolean;
  readonly outChannels: number;
}

export type DefectKind = 'nonZeroZeroPoint' | 'uint8Activation' | 'missingWeightQdq' | 'danglingQ' | 'biasQdq';

export interface DefectRecord {
  readonly kind: DefectKind;
  /** The conv node the defect is attached to. */
  readonly conv: string;
  /** Nodes that embody the defect (Q/DQ names; for missingWeightQdq the conv). */
  readonly nodes: readonly string[];
}

export interface BuildManifest {
  readonly opset: number;
  readonly irVersion: number;
  readonly nodeCount: number;
  /** Expected node count per op type. */
  readonly opCounts: Readonly<Record<string, number>>;
  readonly quantizeLinearCount: number;
  readonly dequantizeLinearCount: number;
  /** Node names by role (`conv`, `conv.quantized`, `concat`, `maxpool`, `qdq.activation`, ...). */
  readonly roles: Readonly<Record<string, readonly string[]>>;
  readonly qdq: readonly QdqRecord[];
  /** Scale value and Q node names per scale group (activation groups only). */
  readonly scaleGroups: Readonly<Record<string, { readonly scale: number; readonly quantizeNodes: readonly string[] }>>;
  readonly convs: readonly ConvRecord[];
  readonly defects: readonly DefectRecord[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly initializerCount: number;
  readonly initializerBytes: number;
  /** Bytes of float32 conv weights + biases. */
  readonly weightBytes: number;
  readonly dtypes: { readonly activation: QuantType; readonly weight: QuantType };
}

export interface ManifestInput {
  opset: number;
  irVersion: number;
  nodes: readonly NodeRecord[];
  initializers: readonly InitializerRecord[];
  roles: ReadonlyMap<string, readonly string[]>;
  qdq: readonly QdqRecord[];
  convs: readonly ConvRecord[];
  defects: readonly DefectRecord[];
  inputs: readonly string[];
  outputs: readonly string[];
  dtypes: { activation: QuantType; weight: QuantType };
}

export function buildManifest(m: ManifestInput): BuildManifest {
  const opCounts: Record<string, number> = {};
  const consumers = new Map<string, string[]>();
  for (const n of m.nodes) {
    opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = consumers.get(i);
      if (list) list.push(n.name);
      else consumers.set(i, [n.name]);
    }
  }
  const scaleGroups: Record<string, { scale: number; quantizeNodes: string[] }> = {};
  for (const q of m.qdq) {
    q.consumers = q.output ? [...(consumers.get(q.output) ?? [])] : [];
    if (q.kind !== 'activation' || typeof q.scale !== 'number') continue;
    const g = (scaleGroups[q.scaleGroup] ??= { scale: q.scale, quantizeNodes: [] });
    g.quantizeNodes.push(q.quantizeNode);
  }
  const weightNames = new Set<string>();
  for (const c of m.convs) {
    weightNames.add(c.weight);
    if (c.bias) weightNames.add(c.bias);
  }
  let initializerBytes = 0;
  let weightBytes = 0;
  for (const i of m.initializers) {
    initializerBytes += i.payload.byteLength;
    if (weightNames.has(i.name)) weightBytes += i.payload.byteLength;
  }
  const roles: Record<string, readonly string[]> = {};
  for (const [k, v] of [...m.roles.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) roles[k] = [...v];
  return {
    opset: m.opset,
    irVersion: m.irVersion,
    nodeCount: m.nodes.length,
    opCounts,
    quantizeLinearCount: opCounts['QuantizeLinear'] ?? 0,
    dequantizeLinearCount: opCounts['DequantizeLinear'] ?? 0,
    roles,
    qdq: m.qdq,
    scaleGroups,
    convs: m.convs,
    defects: m.defects,
    inputs: m.inputs,
    outputs: m.outputs,
    initializerCount: m.initializers.length,
    initializerBytes,
    weightBytes,
    dtypes: m.dtypes,
  };
}

