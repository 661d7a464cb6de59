/**
 * Resolving a `GraphRef` (main graph, model-local function, or a subgraph below either) to the graph
 * it names, with its index and the chain of enclosing graphs, which a subgraph reads tensors from
 * (outer scope). Lookups into enclosing graphs are built lazily, once per level.
 */
import { buildGraphIndex, type GraphIndex } from '../graph/index';
import { AttributeType, type FunctionProto, type Graph, type ModelProto, type Node, type Tensor, type ValueInfo } from '../onnx/index';
import type { FunctionId, GraphRef, SubgraphStep } from './viewGraph.types';

export class GraphRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphRefError';
  }
}

/** One enclosing graph, with the lookups a subgraph view needs from it. */
export class ScopeLevel {
  private producerMap?: ReadonlyMap<string, number>;
  private initializerMap?: ReadonlyMap<string, Tensor>;
  private valueInfoMap?: ReadonlyMap<string, ValueInfo>;
  private inputNames?: ReadonlySet<string>;

  constructor(readonly graph: Graph, index?: GraphIndex) {
    if (index) {
      this.producerMap = index.producer;
      this.initializerMap = index.initializers;
      this.valueInfoMap = index.valueInfo;
    }
  }

  get producer(): ReadonlyMap<string, number> {
    if (!this.producerMap) {
      const m = new Map<string, number>();
      this.graph.node.forEach((n, i) => {
        for (const o of n.output) if (o !== '' && !m.has(o)) m.set(o, i);
      });
      this.producerMap = m;
    }
    return this.producerMap;
  }

  get initializers(): ReadonlyMap<string, Tensor> {
    if (!this.initializerMap) {
      const m = new Map<string, Tensor>();
      for (const t of this.graph.initializer) m.set(t.name, t);
      for (const s of this.graph.sparseInitializer) if (s.values?.name) m.set(s.values.name, s.values);
      this.initializerMap = m;
    }
    return this.initializerMap;
  }

  get valueInfo(): ReadonlyMap<string, ValueInfo> {
    if (!this.valueInfoMap) {
      const m = new Map<string, ValueInfo>();
      for (const list of [this.graph.input, this.graph.output, this.graph.valueInfo]) for (const v of list) if (!m.has(v.name)) m.set(v.name, v);
      this.valueInfoMap = m;
    }
    return this.valueInfoMap;
  }

  /** True when this graph defines `name` (input, initializer or node output). */
  defines(name: string): boolean {
    this.inputNames ??= new Set(this.graph.input.map((v) => v.name));
    return this.inputNames.has(name) || this.initializers.has(name) || this.producer.has(name);
  }

  /** The node producing `name` in this graph, if any. */
  producerNode(name: string): Node | undefined {
    const p = this.producer.get(name);
    return p === undefined ? undefined : this.graph.node[p];
  }
}

export interface ResolvedGraph {
  readonly graph: Graph;
  readonly index: GraphIndex;
  readonly title: string;
  /** Enclosing graphs, innermost first (empty for the main graph and for functions). */
  readonly outer: readonly ScopeLevel[];
}

/** ONNX identifies a model-local function by domain, name and (IR 10) overload. */
export function findFunction(model: ModelProto, id: FunctionId): FunctionProto | undefined {
  return model.functions.find((f) => f.domain === id.domain && f.name === id.name && (f.overload ?? '') === (id.overload ?? ''));
}

/** A function body as a Graph (inputs and outputs are names only in FunctionProto). */
export function functionGraph(f: FunctionProto): Graph {
  const vi = (name: string): ValueInfo => ({ name, docString: '', metadataProps: [] });
  return {
    node: f.node,
    name: f.name,
    initializer: [],
    sparseInitializer: [],
    docString: f.docString,
    input: f.input.map(vi),
    output: f.output.map(vi),
    valueInfo: f.valueInfo,
    quantizationAnnotation: [],
    metadataProps: f.metadataProps,
  };
}

/** The graph held by `step` in `graph`, or a GraphRefError saying what is wrong. */
export function subgraphAt(graph: Graph, step: SubgraphStep): Graph {
  const node = graph.node[step.node];
  if (!node) throw new GraphRefError(`graph '${graph.name}' has no node #${step.node}`);
  const attr = node.attribute.find((a) => a.name === step.attr);
  if (!attr) throw new GraphRefError(`node '${node.name || `#${step.node}`}' has no attribute '${step.attr}'`);
  if (step.index === undefined) {
    if (attr.g) return attr.g;
    throw new GraphRefError(`attribute '${step.attr}' of node '${node.name || `#${step.node}`}' is not a graph${attr.type === AttributeType.GRAPHS ? ' (it is a list: give an index)' : ''}`);
  }
  const g = attr.graphs[step.index];
  if (!g) throw new GraphRefError(`attribute '${step.attr}' of node '${node.name || `#${step.node}`}' has no graph #${step.index}`);
  return g;
}

/**
 * Resolve `ref` in `model`. `mainIndex` (the document's index of the main graph) is reused when
 * given. Subgraphs are indexed with their outer scope, so tensors of enclosing graphs are not
 * reported as dangling.
 */
export function resolveGraphRef(model: ModelProto, ref: GraphRef, mainIndex?: GraphIndex): ResolvedGraph {
  let graph: Graph;
  let title: string;
  let rootIndex: GraphIndex | undefined;
  if (ref.function) {
    const f = findFunction(model, ref.function);
    if (!f) throw new GraphRefError(`the model has no function ${ref.function.domain ? `${ref.function.domain}::` : ''}${ref.function.name}${ref.function.overload ? `:${ref.function.overload}` : ''}`);
    graph = functionGraph(f);
    title = f.name;
  } else {
    if (!model.graph) throw new GraphRefError('the model has no graph');
    graph = model.graph;
    title = graph.name;
    rootIndex = mainIndex;
  }
  if (ref.path.length === 0) return { graph, index: rootIndex ?? buildGraphIndex(graph), title, outer: [] };

  const levels: ScopeLevel[] = [new ScopeLevel(graph, rootIndex)];
  for (let i = 0; i < ref.path.length; i++) {
    const step = ref.path[i]!;
    const parent: Graph = graph;
    graph = subgraphAt(parent, step);
    const holder = parent.node[step.node]!;
    title = `${holder.name || holder.opType} / ${step.attr}${step.index !== undefined ? `[${step.index}]` : ''}`;
    if (i < ref.path.length - 1) levels.push(new ScopeLevel(graph));
  }
  const outerNames = new Set<string>();
  for (const level of levels) {
    for (const v of level.graph.input) outerNames.add(v.name);
    for (const name of level.initializers.keys()) outerNames.add(name);
    for (const name of level.producer.keys()) outerNames.add(name);
  }
  return { graph, index: buildGraphIndex(graph, outerNames), title, outer: levels.reverse() };
}
