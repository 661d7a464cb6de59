/**
 * Scale-sharing sets (rules R15/R16): the activation quantizers TensorRT needs on one scale for the
 * requantizes around a Concat (or another commuting op) to vanish — what the R15/R16 fixes and the
 * editing layer's "unify scales around a node" change.
 *
 * TensorRT moves DQs forward and Qs backward across commuting ops (R13/R14). Where a DQ(s1) meets a
 * Q(s2) the pair cancels only when s1 == s2 (R15, R26 when nothing is crossed), and the Q after a
 * Concat is cloned onto every input, so all Concat inputs and its output must agree (R16). The set
 * is therefore the closure, from the DQs reaching the node and the Qs reached from it, of:
 *
 * - a Q and its DQs (one quantizer: they change together);
 * - a DQ and every Q it meets after propagation (`Propagation.destinations`, the walk the engine
 *   prediction uses for requantizes), and a Q and every DQ that meets it (`origins`);
 * - the DQs reaching the inputs of a Concat crossed on the way (one output buffer, even when no Q
 *   follows it).
 *
 * It does not stop at the node. A DQ shared with another path (yolov9-qat's remove_redundant_qdq
 * makes the bottom-up neck Concat read the upsample's input DQ) pulls that path — its Concat, the
 * Concat's other inputs and output Qs — in too: the rules document requires them equal anyway (R15
 * across the Resize, R16 at both Concats), and the QAT placement tools do the same (the
 * yolov7/yolov9-qat Concat rule shares one quantizer object; modelopt calibrates a Concat's group
 * to one scale). Unifying only part of the set moves the requantize instead of removing it. The
 * closure ends where the values enter or leave the quantized region: layers that absorb Q/DQ
 * (Conv, Add, AveragePool, …), float layers, network inputs and outputs. Dead Q/DQ (read by nobody:
 * TensorRT drops them) are not reached, except a dead DQ of a live Q, which changes with its Q.
 *
 * Pinned quantizers. A DQ reading an INT8 network input and a Q whose output is a graph output are
 * part of the model's interface: the application quantizes its input with that scale, or
 * dequantizes the output with it, so changing it changes what the model exchanges with the
 * application. So are those that reach the interface through shape-only ops (`SHAPE_ONLY_OPS`:
 * network input → Reshape → DQ, Q → Flatten → graph output), which hand the INT8 values on as they
 * are; the walks are remembered per graph, so a lint stays linear. The set lists them (`pinned`); `pinnedChoice` is the rule the fixes and the editing
 * layer follow: one pinned scale (or several equal ones) is the scale of the whole set, even when a
 * larger scale is in the set (values beyond it then clip, which is said); pinned scales that differ
 * leave no scale that fits, so there is no fix and the edit is refused.
 */
import type { GraphIndex } from '../graph/index';
import type { DecodedModel, Node } from '../onnx/index';
import { AnalysisContext } from './context';
import { LocalAnalysis, NotLocal, type LocalGraph } from './localAnalysis';
import { Propagation, type PropagationWalks, type WalkContext } from './propagation';
import { fmtScale, type QdqInfo, resolveQdq } from './qdq';
import { joinAnd } from './rule';
import { DEFAULT_TARGET } from './types';

/** A tensor of the model's interface a quantizer fixes the scale of. */
export interface InterfaceTensor {
  /** The network input a DQ reads, or the graph output a Q writes. */
  readonly tensor: string;
  readonly side: 'input' | 'output';
}

/** A quantizer of a scale-sharing set at the model's interface. */
export interface PinnedQuantizer extends InterfaceTensor {
  /** The Q/DQ node (its name, or its `<OpType>#<index>` label). */
  readonly node: string;
  /** Its per-tensor scale (undefined: not a readable per-tensor scale). */
  readonly scale: number | undefined;
}

/**
 * Ops that hand INT8 data on unchanged, changing only its shape or layout: a quantized tensor stays
 * one, on the same scale, across them. (The commuting ops of ops.ts also move data, but Slice,
 * Gather, Concat, … select or combine it; these six keep every value.)
 */
export const SHAPE_ONLY_OPS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity']);

function isShapeOnly(n: Node): boolean {
  return SHAPE_ONLY_OPS.has(n.opType) && (n.domain === '' || n.domain === 'ai.onnx');
}

/**
 * What `interfaceOf` needs of a graph: its network inputs (initializers listed as inputs are stored
 * weights, not inputs) and outputs, who produces a tensor and who reads it. The analysis context and
 * the editing context each give one (`contextLinks`, and edits.ts). Results are remembered per links
 * object, so one must not outlive a change of the graph.
 */
export interface InterfaceLinks {
  isNetworkInput(tensor: string): boolean;
  isGraphOutput(tensor: string): boolean;
  producerOf(tensor: string): Node | undefined;
  readersOf(tensor: string): readonly Node[];
}

/** Per links object: tensor → the interface tensor it is reached from / reaches through shape-only ops (null: none). */
const memos = new WeakMap<InterfaceLinks, { back: Map<string, string | null>; forward: Map<string, string | null> }>();

function memoOf(links: InterfaceLinks): { back: Map<string, string | null>; forward: Map<string, string | null> } {
  let m = memos.get(links);
  if (!m) memos.set(links, (m = { back: new Map(), forward: new Map() }));
  return m;
}

/** The network input `tensor` is, or is reshaped from (back through shape-only ops), else null. */
function networkInputBehind(links: InterfaceLinks, tensor: string): string | null {
  const { back } = memoOf(links);
  // Walk the chain iteratively (a long Identity chain must not overflow the stack), then remember
  // the answer for every tensor on it: many DQs may read one reshaped input.
  const chain: string[] = [];
  let t: string | undefined = tensor;
  let found: string | null = null;
  const seen = new Set<string>();
  while (t && !seen.has(t)) {
    seen.add(t);
    const known = back.get(t);
    if (known !== undefined) {
      found = known;
      break;
    }
    chain.push(t);
    if (links.isNetworkInput(t)) {
      found = t;
      break;
    }
    const p = links.producerOf(t);
    if (!p || !isShapeOnly(p)) break;
    t = p.input[0];
  }
  for (const c of chain) back.set(c, found);
  return found;
}

/** The first graph output `tensor` is or reaches forward through shape-only ops (reading it as their data input), else null. */
function graphOutputAhead(links: InterfaceLinks, tensor: string): string | null {
  const { forward } = memoOf(links);
  const known = forward.get(tensor);
  if (known !== undefined) return known;
  // A shape-only op has one data input, so the tensors reached from different quantizers never
  // meet: over all quantizers the walks visit each tensor once.
  let found: string | null = null;
  const queue = [tensor];
  const seen = new Set<string>(queue);
  for (let k = 0; k < queue.length && found === null; k++) {
    const t = queue[k]!;
    if (links.isGraphOutput(t)) {
      found = t;
      break;
    }
    for (const r of links.readersOf(t)) {
      if (!isShapeOnly(r) || r.input[0] !== t) continue;
      for (const o of r.output) {
        if (o && !seen.has(o)) {
          seen.add(o);
          queue.push(o);
        }
      }
    }
  }
  forward.set(tensor, found);
  return found;
}

/**
 * The interface tensor `node` fixes: a DequantizeLinear reading a network input (not an
 * initializer listed as an input: that is a stored weight), a QuantizeLinear writing a graph output,
 * directly or through shape-only ops (`SHAPE_ONLY_OPS`: network input → Reshape → DQ, Q → Reshape →
 * graph output), which hand the INT8 values on unchanged, so the application still exchanges them
 * with that scale.
 */
export function interfaceOf(links: InterfaceLinks, node: Node): InterfaceTensor | undefined {
  if (node.opType === 'DequantizeLinear') {
    const x = node.input[0];
    const tensor = x ? networkInputBehind(links, x) : null;
    if (tensor !== null) return { tensor, side: 'input' };
  } else if (node.opType === 'QuantizeLinear') {
    const y = node.output[0];
    const tensor = y ? graphOutputAhead(links, y) : null;
    if (tensor !== null) return { tensor, side: 'output' };
  }
  return undefined;
}

const contextLinksCache = new WeakMap<WalkContext, InterfaceLinks>();

/** The analysis context's `InterfaceLinks` (one per context, so its answers are remembered across rules). */
export function contextLinks(ctx: WalkContext): InterfaceLinks {
  let links = contextLinksCache.get(ctx);
  if (!links) {
    links = {
      isNetworkInput: (t) => ctx.graphInputs.has(t),
      isGraphOutput: (t) => ctx.graphOutputs.has(t),
      producerOf: (t) => {
        const i = ctx.producer(t);
        return i === undefined ? undefined : ctx.nodes[i];
      },
      readersOf: (t) => ctx.consumers(t).map((i) => ctx.nodes[i]!),
    };
    contextLinksCache.set(ctx, links);
  }
  return links;
}

export type PinnedChoice =
  | { readonly kind: 'free' }
  /** Every pinned quantizer has this scale: the set takes it. */
  | { readonly kind: 'pinned'; readonly scale: number; readonly pinned: readonly PinnedQuantizer[] }
  /** Pinned scales differ (or one is not a readable per-tensor scale): no scale fits. */
  | { readonly kind: 'conflict'; readonly pinned: readonly PinnedQuantizer[] };

/** The pinned-boundary rule (module comment). */
export function pinnedChoice(pinned: readonly PinnedQuantizer[]): PinnedChoice {
  if (pinned.length === 0) return { kind: 'free' };
  const scales = new Set(pinned.map((p) => p.scale));
  const [scale] = scales;
  return scales.size === 1 && scale !== undefined ? { kind: 'pinned', scale, pinned } : { kind: 'conflict', pinned };
}

/** `network input "images"`, `graph output "out"`. */
export function interfaceName(t: InterfaceTensor): string {
  return `${t.side === 'input' ? 'network input' : 'graph output'} "${t.tensor}"`;
}

/**
 * The interface tensors of `pinned`, each once: `network input "a" and graph output "b"`; with
 * `scales`, each with its scale(s): `network input "a" (scale 0.1)`, `network input "a" (scales 0.1
 * and 0.2)` when two quantizers read one input with different scales.
 */
export function interfaceNames(pinned: readonly InterfaceTensor[], scales = false): string {
  const seen = new Map<string, { at: InterfaceTensor; scales: string[] }>();
  for (const p of pinned) {
    const entry = seen.get(p.tensor) ?? { at: p, scales: [] };
    seen.set(p.tensor, entry);
    const scale = (p as Partial<PinnedQuantizer>).scale;
    const text = scale === undefined ? 'not a readable per-tensor value' : fmtScale(scale);
    if (!entry.scales.includes(text)) entry.scales.push(text);
  }
  return joinAnd([...seen.values()].map(({ at, scales: s }) => `${interfaceName(at)}${scales ? ` (${s.length === 1 ? 'scale' : 'scales'} ${joinAnd(s)})` : ''}`));
}

/**
 * For the unify fixes (R15/R16 over a scale-sharing set, R19 over the Qs of one conv output): the
 * scale the quantizers take and the words that say why, or, when pinned scales differ, no scale and
 * the sentence the finding's message ends with instead of a fix. `pinned` are the quantizers the fix
 * changes that sit at the model's interface, `scales` the distinct scales it replaces, `free` the
 * scale the rule picks without pinned quantizers.
 */
export function pinnedFixScale(
  pinned: readonly PinnedQuantizer[],
  scales: readonly number[],
  free: number,
): { scale: number; because: string; clips: string } | { noFix: string } {
  const choice = pinnedChoice(pinned);
  if (choice.kind === 'free') return { scale: free, because: '', clips: '' };
  if (choice.kind === 'conflict') return { noFix: ` No quick fix: ${interfaceNames(choice.pinned, true)} are part of the model's interface and their scales differ.` };
  const largest = Math.max(...scales);
  return {
    scale: choice.scale,
    because: `, the scale of ${interfaceNames(choice.pinned)} (part of the model's interface, so it stays),`,
    clips: choice.scale < largest ? `; it is smaller than the largest scale there (${fmtScale(largest)}): larger values clip` : '',
  };
}

/** A unified scale this many times the finest one it replaces is worth a warning in the fix's title. */
const COARSER_NOTE = 2;

/**
 * For unify fixes (R15, R16, R19): when `chosen` is at least twice the finest of `scales`, the
 * words that say so (that quantizer loses that much resolution: on yolov9t-qat one linked neck set
 * goes from 0.34 to 1.92) and that re-calibration or fine-tuning is advised; else nothing.
 */
export function coarserNote(scales: readonly number[], chosen: number): { text: string; recalibrate?: true } {
  const finest = Math.min(...scales);
  const times = chosen / finest;
  if (!(finest > 0) || !(times >= COARSER_NOTE)) return { text: '' };
  return { text: `; the finest scale there (${fmtScale(finest)}) becomes ${times.toFixed(1)}× coarser: re-calibrate or fine-tune after`, recalibrate: true };
}

export interface ScaleShareSet {
  /** Activation Q/DQ node indices, in topological order. */
  readonly qdq: readonly number[];
  /** Concat nodes whose inputs or outputs the set quantizes, in topological order. */
  readonly concats: readonly number[];
  /** Distinct per-tensor scales in the set. */
  readonly scales: readonly number[];
  /** Distinct scales of the Qs after those Concats (what the layers reading them are calibrated to). */
  readonly outputScales: readonly number[];
  /** Members at the model's interface (a DQ of a network input, a Q writing a graph output), in set order. */
  readonly pinned: readonly PinnedQuantizer[];
}

/** What the scale-sharing walk reads of an analysis context (the whole graph's, or the editing layer's local one). */
export interface ShareContext extends WalkContext {
  /** Position of each node in the topological order. */
  readonly topoPos: ArrayLike<number>;
  /** The node's name, or `<OpType>#<index>`. */
  name(i: number): string;
}

/** The activation DQs reaching node `i`'s data inputs and the Qs reached from its outputs, through commuting ops. */
export function quantizersAt(ctx: WalkContext, prop: PropagationWalks, i: number): number[] {
  const out: number[] = [];
  for (const o of ctx.nodes[i]!.output) {
    if (!o) continue;
    for (const x of prop.origins(o)) if (x.kind === 'dq') out.push(x.node!);
    for (const x of prop.destinations(o)) if (x.kind === 'q') out.push(x.node!);
  }
  return out;
}

/** The closure described above, from `seeds` (activation Q/DQ node indices). */
export function scaleShareSet(ctx: ShareContext, qdq: { get(i: number): QdqInfo | undefined }, prop: PropagationWalks, seeds: Iterable<number>): ScaleShareSet {
  const members = new Set<number>();
  const concats = new Set<number>();
  const queue: number[] = [];
  const add = (i: number): void => {
    const info = qdq.get(i);
    if (!info || info.isWeight || members.has(i)) return;
    members.add(i);
    queue.push(i);
  };
  const crossed = (via: readonly number[]): void => {
    for (const v of via) {
      if (ctx.nodes[v]!.opType !== 'Concat' || concats.has(v)) continue;
      concats.add(v);
      for (const o of ctx.nodes[v]!.output) if (o) for (const x of prop.origins(o)) if (x.kind === 'dq') add(x.node!);
    }
  };
  for (const s of seeds) add(s);
  while (queue.length) {
    const info = qdq.get(queue.pop()!)!;
    if (info.kind === 'Q') {
      info.pairedDq.forEach(add);
      for (const o of prop.origins(info.input)) {
        if (o.kind === 'dq') add(o.node!);
        crossed(o.via);
      }
    } else {
      if (info.pairedQ !== undefined) add(info.pairedQ);
      for (const d of prop.destinations(info.output)) {
        if (d.kind === 'q') add(d.node!);
        crossed(d.via);
      }
    }
  }
  const byPos = (a: number, b: number): number => ctx.topoPos[a]! - ctx.topoPos[b]!;
  const list = [...members].sort(byPos);
  const distinct = (xs: Iterable<number | undefined>): number[] => [...new Set([...xs].filter((s): s is number => s !== undefined))];
  const outQs = [...concats].flatMap((c) => ctx.nodes[c]!.output.filter(Boolean).flatMap((o) => prop.backward(o).qs));
  const pinned: PinnedQuantizer[] = [];
  const links = contextLinks(ctx);
  for (const i of list) {
    const at = interfaceOf(links, ctx.nodes[i]!);
    if (at) pinned.push({ ...at, node: ctx.name(i), scale: qdq.get(i)!.tensorScale });
  }
  return {
    qdq: list,
    concats: [...concats].sort(byPos),
    scales: distinct(list.map((i) => qdq.get(i)!.tensorScale)),
    outputScales: distinct(outQs.filter((q) => members.has(q)).map((q) => qdq.get(q)!.tensorScale)),
    pinned,
  };
}

export interface ScaleShareAround extends ScaleShareSet {
  /** Set when node `node` is not one TensorRT moves Q/DQ across (R14); the set is then empty. */
  readonly notCommuting?: string;
}

/**
 * The scale-sharing set around node `node` (an index into the main graph's nodes) of a decoded
 * model, for the editing layer: analyses Q/DQ and propagation once, nothing else.
 */
export function scaleShareAround(decoded: DecodedModel, index: GraphIndex, node: number): ScaleShareAround {
  const ctx = new AnalysisContext(decoded, index, DEFAULT_TARGET);
  const qdq = resolveQdq(ctx);
  return scaleShareIn(ctx, qdq, new Propagation(ctx, qdq), node);
}

/**
 * The same set from the editing layer's producer and reader maps (`LocalGraph`), resolving only the
 * nodes the walks reach: for a graph whose node list is in topological order, where it is the set
 * `scaleShareAround` gives (test/unit/editing/localScaleShareFuzz.test.ts compares the two).
 * Undefined when the walk meets what the local analysis cannot answer for (a cycle).
 */
export function scaleShareAroundLocal(graph: LocalGraph, node: number): ScaleShareAround | undefined {
  const local = new LocalAnalysis(graph);
  try {
    return scaleShareIn(local.ctx, local.qdq, local.prop, node);
  } catch (e) {
    if (e instanceof NotLocal) return undefined;
    throw e;
  }
}

/** The scale-sharing set around node `node`, given an analysis (the whole graph's or a local one). */
export function scaleShareIn(ctx: ShareContext, qdq: { get(i: number): QdqInfo | undefined }, prop: PropagationWalks, node: number): ScaleShareAround {
  if (!prop.isCommuting(node)) {
    const n = ctx.nodes[node]!;
    const why = ctx.isStaticNode(node) ? 'shape arithmetic, not an engine layer' : `a ${n.opType}${n.opType === 'Resize' || n.opType === 'Upsample' || n.opType === 'Pad' ? ' in a mode that does not commute with Q/DQ' : ''}`;
    return { qdq: [], concats: [], scales: [], outputScales: [], pinned: [], notCommuting: `${ctx.name(node)} is ${why}` };
  }
  return scaleShareSet(ctx, qdq, prop, quantizersAt(ctx, prop, node));
}
