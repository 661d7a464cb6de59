/**
 * Plain JSON shapes of the model summary as it travels to the webview. They mirror
 * `ModelSummary` in `src/core/graph/summary.types.ts` (the host checks at compile time that a core
 * summary is assignable to this DTO), so the webview never depends on `src/core`.
 * Extend, never rename.
 */
export interface TensorSummaryDto {
  name: string;
  /** ONNX dtype name ("FLOAT", "INT8", ...), "UNKNOWN(n)", or "" when the value is not a tensor. */
  dtype: string;
  /** Dimensions: numbers, symbolic names, or null when unknown; null when the shape is absent. */
  shape: (number | string | null)[] | null;
}

export interface ExternalDataFileDto {
  location: string;
  path: string | null;
  tensors: number;
  bytesNeeded: number;
  /** false: not looked at (the model was not read from a local file). */
  checked: boolean;
  fileBytes: number | null;
  /** null when fine. */
  problem: 'missing' | 'short' | 'refused' | null;
  message: string | null;
}

export interface ModelSummaryDto {
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
  initializerCount: number;
  /** Sparse initializers (their bytes are in initializerBytes). */
  sparseInitializerCount: number;
  initializerBytes: number;
  externalDataFiles: string[];
  /** Each external data file the model names, and whether it can be used (see ExternalDataFileStatus in src/core/onnx). */
  externalData: ExternalDataFileDto[];
  opTypeCounts: Record<string, number>;
  qdq: { quantizeLinear: number; dequantizeLinear: number };
  inputs: TensorSummaryDto[];
  outputs: TensorSummaryDto[];
  metadataProps: Record<string, string>;
  functionCount: number;
  subgraphCount: number;
  unknownFieldCount: number;
  mergedFieldCount: number;
  problems: { kind: string; message: string }[];
}
