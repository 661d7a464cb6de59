/**
 * Derived, read-only indexes over a graph: producer and consumers of each tensor name, topological
 * order, and the graph-level problems a model can open with (cycles, dangling references,
 * duplicate names). Subgraphs (If/Loop/Scan bodies) are indexed on request with their outer scope.
 */
import type { Graph, Tensor, ValueInfo } from '../onnx/index';

export type GraphProblemKind =
  | 'cycle'
  | 'dangling-input'
  | 'duplicate-node-name'
  | 'duplicate-tensor-producer'
  | 'missing-graph-output'
  | 'duplicate-initializer';

export interface GraphProblem {
  kind: GraphProblemKind;
  message: string;
  /** Node indices involved. */
  nodes: number[];
  tensor?: string;
}

export interface GraphIndex {
  readonly graph: Graph;
  /** Tensor name -> index of the node that produces it. */
  readonly producer: ReadonlyMap<string, number>;
  /** Tensor name -> indices of nodes that read it (a node reading it twice appears twice). */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** graph.input names that are not initializers (the real inputs). */
  readonly inputs: readonly ValueInfo[];
  /** Every ValueInfo known by name (inputs, outputs, value_info). */
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
  /** Node indices in a topological order (stable: original order where free); nodes on cycles come last. */
  readonly topoOrder: readonly number[];
  readonly problems: readonly GraphProblem[];
}

const EMPTY: readonly number[] = [];

/**
 * At most this many problems of one kind are listed; one more entry per kind then gives the count
 * of the rest. (A crafted 10 MB graph can have millions of dangling reads or duplicate names; one
 * object and message each cost ~1.5-3.5 s and ~80x the file size in memory.)
 */
export const MAX_LISTED_PROBLEMS = 10_000;

export function buildGraphIndex(graph: Graph, outerScope: ReadonlySet<string> = new Set()): GraphIndex {
  const problems: GraphProblem[] = [];
  const problemCounts = new Map<GraphProblemKind, number>();
  /** List a problem (built only when it will be listed). */
  const report = (kind: GraphProblemKind, make: () => Omit<GraphProblem, 'kind'>): void => {
    const n = (problemCounts.get(kind) ?? 0) + 1;
    problemCounts.set(kind, n);
    if (n <= MAX_LISTED_PROBLEMS) problems.push({ kind, ...make() });
  };
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  const initializers = new Map<string, Tensor>();
  const valueInfo = new Map<string, ValueInfo>();

  for (const t of graph.initializer) {
    if (initializers.has(t.name)) report('duplicate-initializer', () => ({ message: `initializer '${t.name}' is defined more than once`, nodes: [], tensor: t.name }));
    initializers.set(t.name, t);
  }
  for (const s of graph.sparseInitializer) {
    const name = s.values?.name;
    if (name && s.values) initializers.set(name, s.values);
  }
  for (const list of [graph.input, graph.output, graph.valueInfo]) for (const v of list) if (!valueInfo.has(v.name)) valueInfo.set(v.name, v);
  const inputs = graph.input.filter((v) => !initializers.has(v.name));

  const nodes = graph.node;
  const names = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.name) {
      const prev = names.get(n.name);
      if (prev !== undefined) report('duplicate-node-name', () => ({ message: `node name '${n.name}' is used by nodes ${prev} and ${i}`, nodes: [prev, i] }));
      else names.set(n.name, i);
    }
    for (const out of n.output) {
      if (out === '') continue;
      const prev = producer.get(out);
      if (prev !== undefined) {
        report('duplicate-tensor-producer', () => ({ message: `tensor '${out}' is produced by more than one node (${label(graph, prev)} and ${label(graph, i)})`, nodes: [prev, i], tensor: out }));
      } else producer.set(out, i);
    }
  }

  const graphInputs = new Set(graph.input.map((v) => v.name));
  const defined = (name: string): boolean =>
    producer.has(name) || initializers.has(name) || graphInputs.has(name) || outerScope.has(name);

  const indegree = new Int32Array(nodes.length);
  const dependents: number[][] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    for (const inp of n.input) {
      if (inp === '') continue;
      let list = consumers.get(inp);
      if (!list) consumers.set(inp, (list = []));
      list.push(i);
      const p = producer.get(inp);
      if (p !== undefined) {
        indegree[i]!++;
        (dependents[p] ??= []).push(i);
      } else if (!defined(inp)) {
        report('dangling-input', () => ({ message: `${label(graph, i)} reads '${inp}', which no node, initializer or graph input defines`, nodes: [i], tensor: inp }));
      }
    }
  }
  for (const o of graph.output) {
    if (!defined(o.name)) report('missing-graph-output', () => ({ message: `graph output '${o.name}' is not produced by any node`, nodes: [], tensor: o.name }));
  }

  // Kahn's algorithm; a min-ordered ready list keeps the original order where the graph allows it.
  const order: number[] = [];
  const ready: number[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) if (indegree[i] === 0) ready.push(i);
  // `ready` is a stack holding indices in decreasing order; we pop the smallest.
  const heap = new MinHeap(ready);
  while (heap.size > 0) {
    const i = heap.pop();
    order.push(i);
    for (const d of dependents[i] ?? EMPTY) if (--indegree[d]! === 0) heap.push(d);
  }
  if (order.length < nodes.length) {
    const onCycle: number[] = [];
    for (let i = 0; i < nodes.length; i++) if (indegree[i]! > 0) onCycle.push(i);
    report('cycle', () => ({
      message: `the graph has a cycle through ${onCycle.length} node(s), e.g. ${onCycle.slice(0, 3).map((i) => label(graph, i)).join(', ')}`,
      nodes: onCycle,
    }));
    order.push(...onCycle);
  }

  for (const [kind, n] of problemCounts) {
    if (n > MAX_LISTED_PROBLEMS) problems.push({ kind, message: `${n - MAX_LISTED_PROBLEMS} more '${kind}' problems are not listed (${n} in all)`, nodes: [] });
  }

  return { graph, producer, consumers, initializers, inputs, valueInfo, topoOrder: order, problems };
}

function label(graph: Graph, i: number): string {
  const n = graph.node[i]!;
  return n.name ? `node '${n.name}'` : `node #${i} (${n.opType})`;
}

/** Binary min-heap of node indices. */
class MinHeap {
  private readonly a: number[] = [];
  constructor(items: number[]) {
    for (const x of items) this.push(x);
  }
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
