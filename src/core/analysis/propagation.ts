/**
 * Q/DQ propagation (rules R13/R14): TensorRT moves DQ nodes forward (towards the outputs) and Q
 * nodes backward (towards the inputs) across commuting ops. We model it with two maps:
 *
 * - forward: for a tensor, the activation DQ nodes whose values reach it through commuting ops
 *   only, and whether every data path does (`complete`) — the tensor is then available in the
 *   quantized type and the commuting ops on the way run on quantized data;
 * - backward: for a tensor, the Q nodes reached from it through commuting ops only, and whether any
 *   path ends at a float consumer or a graph output instead.
 *
 * plus walks that list, for one tensor, its origins (DQ / producing layer / graph input) and its
 * destinations (Q / consuming layer / graph output) with the commuting ops crossed. That is where
 * a DQ(s1) and a Q(s2) meet, however many commuting nodes apart they are.
 */
import type { Node } from '../onnx/index';
import type { AnalysisContext } from './context';
import { commutes, dataInputs, readsAsData } from './ops';
import type { QdqInfo } from './qdq';

/**
 * What the walks read of a graph: the analysis context (the whole graph, indexed up front) or the
 * editing layer's local one (localAnalysis.ts: the few nodes an edit walks, looked up on demand).
 */
export interface WalkContext {
  readonly nodes: readonly Node[];
  readonly graphInputs: ReadonlySet<string>;
  readonly graphOutputs: ReadonlySet<string>;
  producer(tensor: string): number | undefined;
  /** Nodes reading `tensor`, each once, in graph order, without Shape/Size. */
  consumers(tensor: string): readonly number[];
  isStatic(tensor: string): boolean;
  isStaticNode(i: number): boolean;
}

export interface ForwardInfo {
  /** Activation DQ node indices reaching the tensor. */
  dqs: number[];
  /** Distinct per-tensor scales among them. */
  scales: number[];
  /** Every data path back from the tensor ends at a DQ. */
  complete: boolean;
}

export interface BackwardInfo {
  /** Activation Q node indices reached from the tensor. */
  readonly qs: readonly number[];
  /** Distinct per-tensor scales among them. */
  readonly scales: readonly number[];
  /** Float consumers (node indices) reached instead of a Q. */
  readonly floatConsumers: readonly number[];
  /** A path reaches a graph output. */
  readonly toOutput: boolean;
}

const NO_NODES: readonly number[] = Object.freeze([]);
const EMPTY_BACKWARD: BackwardInfo = Object.freeze({ qs: NO_NODES, scales: NO_NODES, floatConsumers: NO_NODES, toOutput: false });

export interface Origin {
  kind: 'dq' | 'layer' | 'input' | 'const';
  /** The DQ node or the producing layer. */
  node?: number;
  /** The tensor at the origin (DQ output, layer output, graph input). */
  tensor: string;
  /** Commuting nodes crossed, from the origin side. */
  via: number[];
}

export interface Destination {
  kind: 'q' | 'layer' | 'output';
  node?: number;
  /** The tensor the destination reads (for `output`, the graph output name). */
  tensor: string;
  via: number[];
}

function addDistinct(list: number[], v: number): void {
  if (!list.includes(v)) list.push(v);
}

/**
 * The walks over commuting ops (backward, origins, destinations), given which nodes commute, which
 * Q/DQ are dead and the activation Q/DQ: `Propagation` knows them for every node, the editing
 * layer's local propagation (localAnalysis.ts) finds them for the nodes the walks reach.
 */
export abstract class PropagationWalks {
  private readonly bwd = new Map<string, BackwardInfo>();
  private readonly originCache = new Map<string, Origin[]>();
  private readonly destCache = new Map<string, Destination[]>();

  constructor(protected readonly ctx: WalkContext) {}

  /** Node i commutes with Q/DQ and is not static (it may run on quantized data). */
  abstract isCommuting(i: number): boolean;
  /** Node i is a Q/DQ whose output nobody reads (transitively for a Q): TensorRT drops it. */
  abstract isDead(i: number): boolean;
  /** Activation Q/DQ at node i, or undefined (weights and other nodes). */
  abstract activationQdq(i: number): QdqInfo | undefined;

  /** A live activation Q reading `tensor` as its data input. */
  private liveQ(c: number, tensor: string): QdqInfo | undefined {
    const q = this.activationQdq(c);
    return q && q.kind === 'Q' && q.input === tensor ? q : undefined;
  }

  backward(tensor: string): BackwardInfo {
    const hit = this.bwd.get(tensor);
    if (hit) return hit;
    this.bwd.set(tensor, EMPTY_BACKWARD); // cycle guard: a cycle contributes nothing
    const { ctx } = this;
    const cons = ctx.consumers(tensor);
    const toOutput = ctx.graphOutputs.has(tensor);
    // Common case: one reader that is a commuting op with one output: the same answer as its output.
    if (cons.length === 1 && !toOutput && !this.isDead(cons[0]!) && this.isCommuting(cons[0]!)) {
      const n = ctx.nodes[cons[0]!]!;
      if (n.output.length === 1 && n.output[0] && readsAsData(n, tensor)) {
        const same = this.backward(n.output[0]);
        this.bwd.set(tensor, same);
        return same;
      }
    }
    let qs: number[] | undefined;
    let scales: number[] | undefined;
    let floats: number[] | undefined;
    let out = toOutput;
    for (const c of cons) {
      if (this.isDead(c)) continue;
      const q = this.liveQ(c, tensor);
      const n = ctx.nodes[c]!;
      if (q) {
        addDistinct((qs ??= []), c);
        if (q.tensorScale !== undefined) addDistinct((scales ??= []), q.tensorScale);
        continue;
      }
      if (this.isCommuting(c) && readsAsData(n, tensor)) {
        for (const o of n.output) {
          if (!o) continue;
          const b = this.backward(o);
          for (const x of b.qs) addDistinct((qs ??= []), x);
          for (const sc of b.scales) addDistinct((scales ??= []), sc);
          for (const f of b.floatConsumers) addDistinct((floats ??= []), f);
          if (b.toOutput) out = true;
        }
        continue;
      }
      addDistinct((floats ??= []), c);
    }
    const info: BackwardInfo = { qs: qs ?? NO_NODES, scales: scales ?? NO_NODES, floatConsumers: floats ?? NO_NODES, toOutput: out };
    this.bwd.set(tensor, info);
    return info;
  }

  /** All Qs reached from `tensor` share one scale and nothing reads it in float. */
  quantizedOutput(tensor: string): { scale?: number; qs: readonly number[] } | undefined {
    const b = this.backward(tensor);
    if (b.qs.length === 0 || b.floatConsumers.length > 0 || b.toOutput || b.scales.length > 1) return undefined;
    return { scale: b.scales[0], qs: b.qs };
  }

  /** Where the values of `tensor` come from, walking back through commuting ops. */
  origins(tensor: string): readonly Origin[] {
    const hit = this.originCache.get(tensor);
    if (hit) return hit;
    const { ctx } = this;
    const out: Origin[] = [];
    const seen = new Set<string>();
    const walk = (t: string, via: number[]): void => {
      if (seen.has(t)) return;
      seen.add(t);
      const p = ctx.producer(t);
      if (p === undefined) {
        out.push({ kind: ctx.graphInputs.has(t) ? 'input' : 'const', tensor: t, via });
        return;
      }
      const dq = this.activationQdq(p);
      if (dq && dq.kind === 'DQ') {
        out.push({ kind: 'dq', node: p, tensor: t, via });
        return;
      }
      if (this.isCommuting(p)) {
        const n = ctx.nodes[p]!;
        for (const k of dataInputs(n)) {
          const x = n.input[k];
          if (x && !ctx.isStatic(x)) walk(x, [p, ...via]);
        }
        return;
      }
      out.push({ kind: ctx.isStaticNode(p) ? 'const' : 'layer', node: p, tensor: t, via });
    };
    walk(tensor, []);
    this.originCache.set(tensor, out);
    return out;
  }

  /** Where the values of `tensor` go, walking forward through commuting ops. */
  destinations(tensor: string): readonly Destination[] {
    const hit = this.destCache.get(tensor);
    if (hit) return hit;
    const { ctx } = this;
    const out: Destination[] = [];
    const seen = new Set<string>();
    const walk = (t: string, via: number[]): void => {
      if (seen.has(t)) return;
      seen.add(t);
      if (ctx.graphOutputs.has(t)) out.push({ kind: 'output', tensor: t, via });
      for (const c of ctx.consumers(t)) {
        if (this.isDead(c)) continue;
        const n = ctx.nodes[c]!;
        if (this.liveQ(c, t)) out.push({ kind: 'q', node: c, tensor: t, via });
        else if (this.isCommuting(c) && readsAsData(n, t)) {
          for (const o of n.output) if (o) walk(o, [...via, c]);
        } else out.push({ kind: 'layer', node: c, tensor: t, via });
      }
    };
    walk(tensor, []);
    this.destCache.set(tensor, out);
    return out;
  }
}

/** Q/DQ propagation over the whole graph: the walks, and the forward map of every tensor. */
export class Propagation extends PropagationWalks {
  private readonly fwd = new Map<string, ForwardInfo>();
  /** Commuting, non-static nodes (they may run on quantized data). */
  readonly commuting: Uint8Array;
  /** Q/DQ nodes whose output nobody reads (transitively for a Q): TensorRT drops them. */
  readonly dead: Uint8Array;
  /** Activation Q/DQ by node index (weights and other nodes: undefined). */
  private readonly act: (QdqInfo | undefined)[];

  constructor(
    private readonly analysis: AnalysisContext,
    qdq: ReadonlyMap<number, QdqInfo>,
  ) {
    super(analysis);
    const ctx = analysis;
    const n = ctx.nodes.length;
    this.commuting = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (!ctx.isStaticNode(i) && commutes(ctx.nodes[i]!)) this.commuting[i] = 1;
    this.act = new Array<QdqInfo | undefined>(n);
    for (const [i, q] of qdq) if (!q.isWeight) this.act[i] = q;
    this.dead = new Uint8Array(n);
    for (const [i, q] of qdq) {
      if (q.kind === 'DQ' && ctx.consumers(q.output).length === 0 && !ctx.graphOutputs.has(q.output)) this.dead[i] = 1;
    }
    for (const [i, q] of qdq) {
      if (q.kind === 'Q' && !ctx.graphOutputs.has(q.output) && ctx.consumers(q.output).every((c) => this.dead[c] === 1)) this.dead[i] = 1;
    }
    this.computeForward();
  }

  isCommuting(i: number): boolean {
    return this.commuting[i] === 1;
  }

  isDead(i: number): boolean {
    return this.dead[i] === 1;
  }

  activationQdq(i: number): QdqInfo | undefined {
    return this.act[i];
  }

  private computeForward(): void {
    const ctx = this.analysis;
    for (const i of ctx.index.topoOrder) {
      const dq = this.activationQdq(i);
      const n = ctx.nodes[i]!;
      if (dq && dq.kind === 'DQ') {
        this.fwd.set(dq.output, { dqs: [i], scales: dq.tensorScale === undefined ? [] : [dq.tensorScale], complete: true });
        continue;
      }
      if (!this.commuting[i]) continue;
      let any = false;
      let complete = true;
      const dqs: number[] = [];
      const scales: number[] = [];
      for (const k of dataInputs(n)) {
        const x = n.input[k];
        if (!x || ctx.isStatic(x)) continue;
        const f = this.fwd.get(x);
        if (!f) {
          complete = false;
          continue;
        }
        any = true;
        if (!f.complete) complete = false;
        for (const d of f.dqs) addDistinct(dqs, d);
        for (const s of f.scales) addDistinct(scales, s);
      }
      if (!any) continue;
      const info = { dqs, scales, complete };
      for (const o of n.output) if (o) this.fwd.set(o, info);
    }
  }

  forward(tensor: string): ForwardInfo | undefined {
    return this.fwd.get(tensor);
  }

  /** The tensor is available quantized: every data path back ends at an activation DQ. */
  isQuantized(tensor: string): boolean {
    return this.fwd.get(tensor)?.complete === true;
  }
}
