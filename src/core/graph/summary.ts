/** The model summary behind `qdq info` and the editor's overview panel. */
import {
  type DecodedModel, type FileReader, type Graph, type Tensor, type TypeProto, type ValueInfo, dataTypeName, externalDataStatus, externalDataValue,
  rawByteLength, tensorByteLength, tensorElementCount, DataLocation,
} from '../onnx/index';
import { buildGraphIndex, type GraphIndex } from './graphIndex';
import type { ModelSummary, TensorSummary } from './summary.types';

export type { ModelSummary, TensorSummary } from './summary.types';

function tensorSummary(v: ValueInfo): TensorSummary {
  const tt = v.type?.tensorType ?? v.type?.sparseTensorType;
  return {
    name: v.name,
    dtype: tt ? dataTypeName(tt.elemType) : typeLabel(v.type),
    shape: tt?.shape ? tt.shape.dim.map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam !== undefined && d.dimParam !== '' ? d.dimParam : null)) : null,
  };
}

function typeLabel(t: TypeProto | undefined): string {
  if (!t) return '';
  if (t.sequenceType) return 'sequence';
  if (t.mapType) return 'map';
  if (t.optionalType) return 'optional';
  return '';
}

/**
 * A payload's size as stored, without reading it. An external tensor of a fixed-size type counts
 * what its shape and type need, not its `length` entry: a wrong length (which a read refuses) is
 * not believed (a 24-byte tensor claiming 99,999,999,999 bytes). Its `length` counts only when
 * the type has no fixed size (strings) or the shape is unusable.
 */
function payloadBytes(t: Tensor): number | undefined {
  if (t.dataLocation === DataLocation.EXTERNAL) {
    const count = tensorElementCount(t);
    const need = count === undefined ? undefined : rawByteLength(t.dataType, count);
    if (need !== undefined) return need;
  }
  return tensorByteLength(t);
}

/** Count subgraphs (If/Loop/Scan bodies) recursively, and visit every node of every graph. */
function walkGraphs(g: Graph, visit: (g: Graph, depth: number) => void, depth = 0): void {
  visit(g, depth);
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.g) walkGraphs(a.g, visit, depth + 1);
      for (const sg of a.graphs) walkGraphs(sg, visit, depth + 1);
    }
  }
}

/**
 * `reader`: how external data files are looked at (their sizes, links; never their data): Node's
 * file system by default; null for a model that is not in a local folder (an editor's virtual
 * file system), whose data files are then listed but not looked at.
 */
export function summarizeModel(decoded: DecodedModel, index?: GraphIndex, reader?: FileReader | null): ModelSummary {
  const { model } = decoded;
  const g = model.graph;
  // A Map, not an object literal: op types such as 'constructor' or '__proto__' are ordinary keys.
  const opTypeCounts = new Map<string, number>();
  let q = 0;
  let dq = 0;
  let subgraphCount = 0;
  if (g) {
    walkGraphs(g, (sg, depth) => {
      if (depth > 0) subgraphCount++;
      if (depth > 0) return; // op histogram is for the main graph
      for (const n of sg.node) {
        const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}::${n.opType}` : n.opType;
        opTypeCounts.set(key, (opTypeCounts.get(key) ?? 0) + 1);
        if (n.opType === 'QuantizeLinear') q++;
        else if (n.opType === 'DequantizeLinear') dq++;
      }
    });
  }
  let initializerBytes = 0;
  const external = new Set<string>();
  const countPayload = (t: Tensor | undefined): void => {
    if (!t) return;
    initializerBytes += payloadBytes(t) ?? 0;
    if (t.dataLocation === DataLocation.EXTERNAL) {
      const loc = externalDataValue(t, 'location');
      if (loc) external.add(loc);
    }
  };
  for (const t of g?.initializer ?? []) countPayload(t);
  // A sparse initializer's payload is its values and indices tensors.
  for (const sp of g?.sparseInitializer ?? []) {
    countPayload(sp.values);
    countPayload(sp.indices);
  }
  const idx = g ? (index ?? buildGraphIndex(g)) : undefined;
  // Object.fromEntries defines own properties, so a '__proto__' key is kept as data.
  const metadataProps: Record<string, string> = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
  // Ties by op type in code-unit order, the same in every locale.
  const sorted = Object.fromEntries([...opTypeCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  return {
    file: decoded.file,
    fileSize: decoded.source.size,
    irVersion: Number(model.irVersion),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: Number(model.modelVersion),
    graphName: g?.name ?? '',
    opsetImports: model.opsetImport.map((o) => ({ domain: o.domain === '' ? 'ai.onnx' : o.domain, version: Number(o.version) })),
    nodeCount: g?.node.length ?? 0,
    initializerCount: g?.initializer.length ?? 0,
    sparseInitializerCount: g?.sparseInitializer.length ?? 0,
    initializerBytes,
    externalDataFiles: [...external].sort(),
    externalData: externalDataStatus(model, decoded.file, reader),
    opTypeCounts: sorted,
    qdq: { quantizeLinear: q, dequantizeLinear: dq },
    inputs: (idx?.inputs ?? []).map(tensorSummary),
    outputs: (g?.output ?? []).map(tensorSummary),
    metadataProps,
    functionCount: model.functions.length,
    subgraphCount,
    unknownFieldCount: decoded.unknownFields.count,
    mergedFieldCount: decoded.mergedFields?.count ?? 0,
    mergedFields: { ...decoded.mergedFields?.byMessage },
    problems: (idx?.problems ?? []).map((p) => ({ kind: p.kind, message: p.message })),
  };
}
