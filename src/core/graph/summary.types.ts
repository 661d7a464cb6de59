/** JSON shape of `qdq info --json` and of the model summary the editor shows. Stable: extend, never rename. */
import type { ExternalDataFileStatus } from '../onnx/index';

export interface TensorSummary {
  name: string;
  /** ONNX dtype name, e.g. "FLOAT", "INT8", "FLOAT8E4M3FN", or "UNKNOWN(n)"; "" when the type is not a tensor. */
  dtype: string;
  /** Dimensions: numbers, symbolic names (dim_param), or null when unknown. null when the shape is absent. */
  shape: (number | string | null)[] | null;
}

export interface ModelSummary {
  file: string;
  fileSize: number;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  graphName: string;
  opsetImports: { domain: string; version: number }[];
  nodeCount: number;
  /** Dense initializers of the main graph (`graph.initializer`; sparse initializers are not counted). */
  initializerCount: number;
  /** Sparse initializers of the main graph (`graph.sparse_initializer`). */
  sparseInitializerCount: number;
  /**
   * Sum of payload bytes of the main graph's initializers, inline and external, as stored (raw
   * layout): every dense initializer, plus the values and indices tensors of every sparse
   * initializer. A payload whose size cannot be told without reading it counts 0.
   */
  initializerBytes: number;
  /** Distinct external data files referenced by those initializers (relative locations as written in the model). */
  externalDataFiles: string[];
  /**
   * Every external data file the model names (from any tensor: initializers, subgraphs, functions,
   * attributes) and whether it can be used: there, long enough for its tensors, inside the model's
   * folder. Told at open from the file sizes; no data is read.
   */
  externalData: ExternalDataFileStatus[];
  opTypeCounts: Record<string, number>;
  qdq: { quantizeLinear: number; dequantizeLinear: number };
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  metadataProps: Record<string, string>;
  functionCount: number;
  subgraphCount: number;
  /** Fields the codec does not know (kept verbatim on save). */
  unknownFieldCount: number;
  /**
   * Later occurrences of singular message fields (a graph, a tensor, a type split in two), merged
   * into the first as protobuf reads them; written back as they were unless the message is edited.
   */
  mergedFieldCount: number;
  /** The same, by "field (message kind)", e.g. `graph (GraphProto)`. */
  mergedFields: Record<string, number>;
  /** Graph-level problems found while indexing (cycles, dangling references, duplicate names). */
  problems: { kind: string; message: string }[];
}
