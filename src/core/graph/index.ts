/** Public surface of the graph layer (derived, read-only views over an ONNX model). */
export { buildGraphIndex, type GraphIndex, type GraphProblem, type GraphProblemKind } from './graphIndex';
export { summarizeModel, type ModelSummary, type TensorSummary } from './summary';
export { findNodeRef, labelRef, nodeLabel, type NodeRef } from './nodeRefs';
