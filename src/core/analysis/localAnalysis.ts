/**
 * The analysis of the few nodes one walk reaches, for the editing layer: "unify scales around a
 * node" needs the scale-sharing set of that node (scaleShare.ts), which the whole-graph analysis
 * finds after indexing the graph, resolving every Q/DQ (reading every scale from the file) and
 * marking every node static, constant-rooted, commuting or dead — about half a second on a
 * 50,000-node model, for a set of ten quantizers. Here the same facts are found on demand, for the
 * nodes the walks reach, from the producer and reader maps the editing layer keeps between edits
 * (editing/maps.ts), by the same functions the analysis uses (`nodeFlags`, `resolveOne`, `pairDq`,
 * the walks of `PropagationWalks`).
 *
 * It gives the analysis' answers only for a graph whose node list is in topological order (every
 * node after the producers of what it reads), with one producer per tensor, one initializer per
 * name and no subgraphs: then the topological order is the node order, and a node's flags depend
 * on its producers' alone. The editing layer checks that (`EditContext.localGraph`) and uses the
 * whole-graph analysis otherwise; a cycle met anyway ends the walk with `NotLocal`.
 */
import { nodeLabel } from '../graph/index';
import type { DecodedModel, Node, Tensor, ValueInfo } from '../onnx/index';
import { nodeFlags, ROOTED, STATIC, TensorLookups } from './context';
import { commutes, isDequantize, SHAPE_READERS } from './ops';
import { PropagationWalks } from './propagation';
import { pairDq, resolveOne, type QdqInfo } from './qdq';
import type { ShareContext } from './scaleShare';

/** The main graph as the editing layer's maps see it. */
export interface LocalGraph {
  readonly decoded: DecodedModel;
  /** The main graph's current node list, in topological order. */
  readonly nodes: readonly Node[];
  /** The node producing `tensor` (there is at most one). */
  producer(tensor: string): Node | undefined;
  /** The nodes reading `tensor` as an input (any order; a node reading it twice may repeat). */
  readers(tensor: string): readonly Node[];
  /** The position of `node` in `nodes` (asked only for the nodes the walks reach, not those whose flags they need). */
  indexOf(node: Node): number;
  /** The initializer named `tensor` (one per name). */
  initializer(tensor: string): Tensor | undefined;
}

/** The graph is not one the local analysis answers for (a cycle): use the whole-graph analysis. */
export class NotLocal extends Error {}

/** Flags of `nodeFlags`, with this bit once known, and `BUSY` while a walk waits for its producers. */
const KNOWN = 4;
const BUSY = 8;

export class LocalContext extends TensorLookups implements ShareContext {
  readonly nodes: readonly Node[];
  readonly graphInputs: ReadonlySet<string>;
  readonly graphOutputs: ReadonlySet<string>;
  /** The topological order is the node order. */
  readonly topoPos: Int32Array;
  private readonly graph: LocalGraph;
  private readonly sparse = new Map<string, Tensor>();
  private valueInfos: Map<string, ValueInfo> | undefined;
  private readonly consumerLists = new Map<string, readonly number[]>();
  /**
   * Per node: `nodeFlags` | KNOWN, or BUSY. By node, not position: finding that an activation is not
   * static walks back to the network input, thousands of nodes whose positions are never needed.
   */
  private readonly flags = new Map<Node, number>();
  /** The first producer `probe` found unknown while a node's flags were worked out. */
  private missing: Node | undefined;
  /** `nodeFlags`' view of the inputs while `flagsOf` works: unknown producers are noted, not followed. */
  private readonly probe = {
    isStatic: (t: string): boolean => this.probed(t, STATIC, true),
    isConstantRooted: (t: string): boolean => this.probed(t, ROOTED, false),
  };

  constructor(graph: LocalGraph) {
    super(graph.decoded);
    this.graph = graph;
    this.nodes = graph.nodes;
    const g = graph.decoded.model.graph!;
    for (const s of g.sparseInitializer) if (s.values?.name) this.sparse.set(s.values.name, s.values);
    this.graphInputs = new Set(g.input.map((v) => v.name).filter((name) => this.initializerOf(name) === undefined));
    this.graphOutputs = new Set(g.output.map((o) => o.name));
    this.topoPos = new Int32Array(this.nodes.length);
    for (let i = 0; i < this.topoPos.length; i++) this.topoPos[i] = i;
  }

  name(i: number): string {
    return nodeLabel(this.nodes[i]!, i);
  }

  producer(tensor: string): number | undefined {
    const p = this.graph.producer(tensor);
    return p === undefined ? undefined : this.graph.indexOf(p);
  }

  /** As the graph index maps initializers: a sparse initializer's values over an initializer of that name. */
  protected initializerOf(tensor: string): Tensor | undefined {
    return this.sparse.get(tensor) ?? this.graph.initializer(tensor);
  }

  protected valueInfoOf(tensor: string): ValueInfo | undefined {
    if (!this.valueInfos) {
      const g = this.graph.decoded.model.graph!;
      const map = new Map<string, ValueInfo>();
      for (const list of [g.input, g.output, g.valueInfo]) for (const v of list) if (!map.has(v.name)) map.set(v.name, v);
      this.valueInfos = map;
    }
    return this.valueInfos.get(tensor);
  }

  consumers(tensor: string): readonly number[] {
    let list = this.consumerLists.get(tensor);
    if (!list) {
      const sorted = this.graph.readers(tensor).filter((n) => !SHAPE_READERS.has(n.opType)).map((n) => this.graph.indexOf(n)).sort((a, b) => a - b);
      list = sorted.filter((i, k) => k === 0 || sorted[k - 1] !== i);
      this.consumerLists.set(tensor, list);
    }
    return list;
  }

  isStatic(tensor: string): boolean {
    if (!tensor) return true;
    const p = this.graph.producer(tensor);
    return p === undefined ? this.initializerOf(tensor) !== undefined : (this.flagsOf(p) & STATIC) !== 0;
  }

  isConstantRooted(tensor: string): boolean {
    if (!tensor) return false;
    const p = this.graph.producer(tensor);
    return p === undefined ? this.initializerOf(tensor) !== undefined : (this.flagsOf(p) & ROOTED) !== 0;
  }

  isStaticNode(i: number): boolean {
    return (this.flagsOf(this.nodes[i]!) & STATIC) !== 0;
  }

  /** What `probe` answers for `tensor`: its producer's flag `bit` when known, else notes the producer. */
  private probed(tensor: string, bit: number, empty: boolean): boolean {
    if (!tensor) return empty;
    const p = this.graph.producer(tensor);
    if (p === undefined) return this.initializerOf(tensor) !== undefined;
    const f = this.flags.get(p) ?? 0;
    if (f & KNOWN) return (f & bit) !== 0;
    this.missing ??= p;
    return false;
  }

  /**
   * `nodeFlags` of `node`, working out its producers' first as far as it reads them (with an
   * explicit stack: a chain of thousands of nodes back to the network input is no recursion).
   */
  private flagsOf(node: Node): number {
    const flags = this.flags;
    const known = flags.get(node) ?? 0;
    if (known & KNOWN) return known;
    const stack = [node];
    flags.set(node, BUSY);
    while (stack.length) {
      const n = stack[stack.length - 1]!;
      this.missing = undefined;
      const f = nodeFlags(n, this.probe);
      const m = this.missing as Node | undefined;
      if (m) {
        if ((flags.get(m) ?? 0) & BUSY) throw new NotLocal(`a cycle through ${m.name || m.opType}`);
        flags.set(m, BUSY);
        stack.push(m);
        continue;
      }
      flags.set(n, f | KNOWN);
      stack.pop();
    }
    return flags.get(node)!;
  }
}

/** Q/DQ resolved on first use, paired as `resolveQdq` pairs them. */
export class LocalQdq {
  private readonly unpaired = new Map<number, QdqInfo | null>();
  private readonly done = new Map<number, QdqInfo | null>();

  constructor(private readonly ctx: LocalContext) {}

  get(i: number): QdqInfo | undefined {
    const hit = this.done.get(i);
    if (hit !== undefined) return hit ?? undefined;
    const info = this.base(i);
    if (info?.kind === 'DQ') {
      const p = this.ctx.producer(info.input);
      pairDq(this.ctx, info, p === undefined ? undefined : this.base(p));
    } else if (info) {
      // The DQs whose input this Q produces, in node order (resolveQdq pushes them so).
      const { nodes } = this.ctx;
      const dqs: number[] = [];
      for (const o of nodes[i]!.output) {
        if (!o) continue;
        for (const c of this.ctx.consumers(o)) if (isDequantize(nodes[c]!) && (nodes[c]!.input[0] ?? '') === o) dqs.push(c);
      }
      dqs.sort((a, b) => a - b);
      info.pairedDq = dqs.filter((d, k) => k === 0 || dqs[k - 1] !== d);
    }
    this.done.set(i, info ?? null);
    return info;
  }

  private base(i: number): QdqInfo | undefined {
    let info = this.unpaired.get(i);
    if (info === undefined) this.unpaired.set(i, (info = resolveOne(this.ctx, this.ctx.nodes[i]!, i) ?? null));
    return info ?? undefined;
  }
}

/** The propagation walks, with commuting, dead and activation Q/DQ found per node reached. */
export class LocalPropagation extends PropagationWalks {
  private readonly deadCache = new Map<number, boolean>();

  constructor(
    private readonly local: LocalContext,
    private readonly qdq: LocalQdq,
  ) {
    super(local);
  }

  isCommuting(i: number): boolean {
    return !this.local.isStaticNode(i) && commutes(this.local.nodes[i]!);
  }

  activationQdq(i: number): QdqInfo | undefined {
    const q = this.qdq.get(i);
    return q && !q.isWeight ? q : undefined;
  }

  /** As `Propagation.dead`: its Q pass runs in node order, so a Q counts a Q reader as dead only if that one comes first. */
  isDead(i: number): boolean {
    const hit = this.deadCache.get(i);
    if (hit !== undefined) return hit;
    const q = this.qdq.get(i);
    const ctx = this.local;
    let dead = false;
    if (q?.kind === 'DQ') dead = ctx.consumers(q.output).length === 0 && !ctx.graphOutputs.has(q.output);
    else if (q) {
      dead = !ctx.graphOutputs.has(q.output) && ctx.consumers(q.output).every((c) => {
        const r = this.qdq.get(c);
        return r !== undefined && (r.kind === 'DQ' || c < i) && this.isDead(c);
      });
    }
    this.deadCache.set(i, dead);
    return dead;
  }
}

/** The three together, over one state of the graph. */
export class LocalAnalysis {
  readonly ctx: LocalContext;
  readonly qdq: LocalQdq;
  readonly prop: LocalPropagation;

  constructor(graph: LocalGraph) {
    this.ctx = new LocalContext(graph);
    this.qdq = new LocalQdq(this.ctx);
    this.prop = new LocalPropagation(this.ctx, this.qdq);
  }
}
