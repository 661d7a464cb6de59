/** Public surface of the graph-view model: what the graph view draws, as plain JSON, and its layout. */
export type * from './viewGraph.types';
export { buildViewGraph, listFunctions, type BuildViewOptions } from './buildViewGraph';
export { GraphRefError, findFunction, resolveGraphRef, subgraphAt, type ResolvedGraph } from './graphScope';
export { layoutToJson, layoutViewGraph, viewNodeSizes, type NodeSizeOptions, type NodeSizes, type ViewLayoutJson } from './viewLayout';
export { nodeProperties, tensorStats, type NodeProperties, type NodePropertiesOptions, type QdqDetails, type QdqValues, type TensorInfo, type TensorStats, type WeightInfo } from './nodeProperties';
