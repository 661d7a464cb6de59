/**
 * The view graph: what the graph view draws, as plain JSON. Built by `buildViewGraph` from a decoded
 * model and a graph index; mirrored for the webview by `src/protocol/graphView.ts` (extend, never
 * rename).
 *
 * Compact by construction, because the webview gets tens of thousands of nodes: op types and
 * dtypes are indices into small string tables, every tensor name is stored once (`tensors`) and
 * referenced by index from edges and badges, fields that would hold a default are left out, and
 * weights are summaries (name, dtype, shape, bytes), never data.
 */

/** One step from a graph down into a graph-valued attribute of one of its nodes. */
export interface SubgraphStep {
  /** Index of the node in its graph's `node` list. */
  readonly node: number;
  /** Attribute name, e.g. `then_branch`, `else_branch`, `body`. */
  readonly attr: string;
  /** For GRAPHS-typed attributes: which graph of the list. */
  readonly index?: number;
}

/** A model-local function (ModelProto.functions), identified as ONNX does. */
export interface FunctionId {
  readonly domain: string;
  readonly name: string;
  readonly overload?: string;
}

/**
 * Which graph a view shows: the main graph (`{ path: [] }`), a model-local function
 * (`{ function, path: [] }`), or a subgraph reached by `path` from either.
 */
export interface GraphRef {
  readonly function?: FunctionId;
  readonly path: readonly SubgraphStep[];
}

/**
 * `folded`: each QuantizeLinear -> DequantizeLinear pair is a badge on the edge it quantizes (or on
 * the node, for weights) and the two nodes are not drawn. `raw`: every node is drawn.
 */
export type ViewMode = 'folded' | 'raw';

export interface ViewNode {
  /** Absent for operator nodes. `input`: a graph input (or, with `outer`, a tensor of an enclosing graph); `output`: a graph output. */
  readonly kind?: 'input' | 'output';
  /** Operator nodes: index into `ViewGraph.ops`. */
  readonly op?: number;
  /** Operator nodes: the ONNX node name (may be ''); input and output nodes: the tensor name. */
  readonly name: string;
  /** Operator nodes: index of the node in the ONNX graph's `node` list (the key for findings and properties). */
  readonly node?: number;
  /** Input nodes: the tensor is defined by an enclosing graph (subgraph views). */
  readonly outer?: true;
  /** Input nodes: nothing defines this tensor (a dangling reference, see the graph index problems). */
  readonly missing?: true;
  /** Initializer and Constant inputs of this node: indices into `ViewGraph.params` (not drawn as nodes). */
  readonly params?: number[];
  /** Folded weight quantization on this node's inputs: indices into `ViewGraph.badges`. */
  readonly weightBadges?: number[];
  /** Graph-valued attributes (If/Loop/Scan bodies) that can be opened as views of their own. */
  readonly graphs?: SubgraphInfo[];
  /** The op type names a model-local function (open it with `GraphRef.function`). */
  readonly fn?: true;
}

export interface SubgraphInfo {
  readonly attr: string;
  readonly index?: number;
  /** Node count of that graph (not counting its own subgraphs). */
  readonly nodes: number;
}

/** A tensor drawn on an edge (or named by a badge). */
export interface ViewTensor {
  readonly name: string;
  /** Index into `ViewGraph.dtypes`, when the type is known. */
  readonly dtype?: number;
  /** Dimensions (numbers, symbolic names, null when unknown), when the shape is known. */
  readonly shape?: (number | string | null)[];
}

export interface ViewEdge {
  /** Source and target: indices into `ViewGraph.nodes`. */
  readonly s: number;
  readonly t: number;
  /** The tensor the source produces: index into `ViewGraph.tensors`. */
  readonly tensor: number;
  /** Folded Q/DQ pairs on the way, source side first: indices into `ViewGraph.badges`. */
  readonly badges?: number[];
}

/** A weight, bias or other constant input: a summary, never the data. */
export interface ParamSummary {
  readonly name: string;
  /** Index into `ViewGraph.dtypes`. */
  readonly dtype: number;
  readonly shape: number[];
  /** Payload size in bytes as stored, when known. */
  readonly bytes?: number;
  /** The value comes from a Constant node (torch exports), not an initializer. */
  readonly constant?: true;
  /** The payload lives in an external data file. */
  readonly external?: true;
}

/** Per-channel (or per-block) scales, summarised. */
export interface ScaleSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** The Q/DQ `axis` attribute (default 1). */
  readonly axis: number;
  readonly blockSize?: number;
}

/**
 * A folded quantization: a Q -> DQ pair, or a lone DequantizeLinear reading a quantized weight.
 * Activation badges sit on edges (`ViewEdge.badges`), weight badges on nodes (`ViewNode.weightBadges`).
 */
export interface QdqBadge {
  readonly kind: 'activation' | 'weight';
  /** ONNX node index and name of the QuantizeLinear; absent for a lone DequantizeLinear. */
  readonly q?: number;
  readonly qName?: string;
  /** ONNX node index and name of the DequantizeLinear. */
  readonly dq: number;
  readonly dqName: string;
  /** Quantized type: index into `ViewGraph.dtypes` (INT8, UINT8, FLOAT8E4M3FN, INT4, ...). */
  readonly dtype: number;
  /** Per-tensor scale value. */
  readonly scale?: number;
  /** Per-channel or per-block scales. */
  readonly scales?: ScaleSummary;
  /** Zero point value when uniform (absent when the zero-point input is omitted or not uniform). */
  readonly zeroPoint?: number;
  /** Per-channel zero points that are not all equal: their range. */
  readonly zeroPoints?: { readonly min: number; readonly max: number };
  /** The DequantizeLinear output the consumers read: index into `ViewGraph.tensors`. */
  readonly tensor: number;
  /** Weight badges: the quantized weight, index into `ViewGraph.params`. */
  readonly param?: number;
  /** Why the scale or zero point could not be read (external data missing, unsupported type, ...). */
  readonly error?: string;
}

export interface ViewStats {
  /** Nodes of the ONNX graph. */
  readonly onnxNodes: number;
  /** Operator nodes drawn (view nodes that are not inputs or outputs). */
  readonly opNodes: number;
  /** Q -> DQ pairs folded (activation and weight). */
  readonly foldedPairs: number;
  /** Lone DequantizeLinear nodes on weights folded into their consumers. */
  readonly foldedWeightDq: number;
  /** Constant nodes shown as parameters of their consumers instead of nodes. */
  readonly inlinedConstants: number;
  /** With `constants: 'nodes'`, folded view: Constant nodes not drawn because they only fed folded Q/DQ. */
  readonly foldedConstants: number;
  /** QuantizeLinear nodes drawn in a folded view (dangling, unpaired or unused pairs). */
  readonly unfoldedQ: number;
  /** DequantizeLinear nodes drawn in a folded view. */
  readonly unfoldedDq: number;
}

export interface ViewGraph {
  readonly ref: GraphRef;
  readonly mode: ViewMode;
  /** Graph name (or function name). */
  readonly title: string;
  /** String tables referenced by index. */
  readonly ops: string[];
  readonly dtypes: string[];
  /** Nodes: graph inputs first, then operators in topological order, then graph outputs. */
  readonly nodes: ViewNode[];
  readonly tensors: ViewTensor[];
  readonly edges: ViewEdge[];
  readonly badges: QdqBadge[];
  readonly params: ParamSummary[];
  readonly stats: ViewStats;
}
