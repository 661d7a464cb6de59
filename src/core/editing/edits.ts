/**
 * Edits as data. An `EditRequest` is plain JSON naming nodes and tensors (so it can be stored in a
 * backup, a plan, a command argument); `applyEdit` validates it against the model, applies it
 * through a journal and returns an `AppliedEdit` that carries what it replaced (the removed
 * quantizers' parameters, the old scales, ...) and the inverse request built from them. The analysis
 * layer's fix edits (src/core/analysis/fix.ts) are requests as they are.
 */
import { interfaceName, interfaceNames, interfaceOf, joinAnd, listNames, pinnedChoice, scaleShareAround, scaleShareAroundLocal, type Fix, type FixEdit, type InterfaceLinks, type PinnedQuantizer } from '../analysis/index';
import { buildGraphIndex } from '../graph/index';
import type { DecodedModel, Node } from '../onnx/index';
import { AttributeType } from '../onnx/index';
import { COMPUTE_OPS, EditContext, EditError, intAttribute, newNode, newTensor } from './context';
import { DataType } from '../onnx/index';
import type { Journal } from './journal';
import { dequantizeStored, feedOf, isDq, isQ, makePair, quantParams, type QuantParams, scopeOf } from './quant';
import { resolveLayers } from './targets';

/** One quantizer a "disable" removed from an input of a layer, remembered so "enable" can put it back. */
export interface RemovedQuant {
  /** The layer node and its input slot. */
  node: string;
  input: number;
  /** 'weight' (constant input) or 'activation'. */
  role: 'weight' | 'activation';
  /** The Q and DQ (`q` absent for a stored quantized weight). */
  q?: string;
  dq: string;
  /** The float tensor the layer reads now. */
  tensor: string;
  params: QuantParams;
}

export type ScaleMode = 'max' | 'min' | 'value';

export type EditRequest =
  | FixEdit
  | { kind: 'disableQuantization'; target: string }
  | {
      kind: 'enableQuantization';
      target: string;
      /** Per-tensor scale of the activation input(s) when nothing is remembered. */
      activationScale?: number;
      /** Per-channel weight scales; default: max |w| / 127 per output channel. */
      weightScales?: number[];
      /** What a disable removed (re-inserted as it was). */
      remembered?: RemovedQuant[];
    }
  | { kind: 'unifyScales'; nodes: string[]; scale?: number; mode?: ScaleMode }
  | { kind: 'unifyConcat'; node: string; mode?: ScaleMode; scale?: number }
  | { kind: 'setScales'; scales: { node: string; scale: number }[] }
  | { kind: 'removeQdqOnTensor'; tensor: string }
  | { kind: 'insertQdqPair'; tensor: string; consumers?: string[]; scale: number | number[]; dtype: string; axis?: number; zeroPoint?: number[] }
  | { kind: 'applyFix'; fix: Fix }
  | { kind: 'batch'; label: string; edits: EditRequest[] };

export interface AppliedEdit {
  readonly request: EditRequest;
  /** For the Edit menu ("Undo Disable quantization of /model.22/"). */
  readonly label: string;
  /** One line for the user: what changed (the notes follow it, each as "Note: …"). */
  readonly message: string;
  /**
   * What the user should know that did not stop the edit: parts that had nothing left to do because
   * an earlier part already did it (a plan unifying around two Concats of one scale-sharing set), or
   * layers of a module an enable left as they were (no scale known for them).
   */
  readonly notes?: string[];
  /** The layer / Q/DQ nodes concerned (to reveal). */
  readonly nodes: string[];
  /** What the edit replaced, as data. */
  readonly replaced: { removed?: RemovedQuant[]; scales?: { node: string; scale: number }[]; pairs?: InsertedOrRemovedPair[] };
  /** A request that takes the edit back on a model in the state it left (semantically; `journal.undo()` is exact). */
  readonly inverse?: EditRequest;
  readonly journal: Journal;
  /**
   * The main graph's node list when the edit began and when it ended (edits replace the list, and
   * undo/redo put these very arrays back): the lists an unnamed node's label refers to — the
   * request's in `before`, the result's, records' and inverse's in `after`. Lets a session and an
   * exported plan follow an unnamed node across later edits.
   */
  readonly graphNodes: { readonly before: readonly Node[]; readonly after: readonly Node[] };
  /**
   * One entry per disable/enable part of the request, in the order the parts ran (depth first
   * through batches and fixes): the layers that part changed, named as `nodes` are. A batch's
   * `nodes` mix every part's nodes; this says which layers each disable kept and each enable
   * quantized (what `exportPlan` nets per layer). Absent when the request has no such part.
   */
  readonly layers?: readonly LayerChange[];
}

/** What one disable/enable part of an edit did: the layers it changed. */
export interface LayerChange {
  readonly kind: 'disableQuantization' | 'enableQuantization';
  readonly target: string;
  readonly layers: readonly string[];
}

export interface InsertedOrRemovedPair {
  q: string;
  dq: string;
  tensor: string;
  consumers: string[];
  params: QuantParams;
}

/**
 * What the parts of an edit report. Nodes may be given as objects: they are named (graph/nodeRefs.ts:
 * the name, or the label in the graph the edit leaves; a node the edit removed by its label when the
 * edit began, `EditContext.label`) once the whole edit is done, and so may inverses and the records
 * of removed quantizers and pairs (functions called then), since an unnamed node's label depends on
 * the final node list.
 */
interface Out {
  messages: string[];
  nodes: (string | Node)[];
  removed: (() => RemovedQuant[])[];
  scales: { node: string | Node; scale: number }[];
  inserted: InsertedOrRemovedPair[];
  removedPairs: (() => InsertedOrRemovedPair)[];
  inverses: (EditRequest | (() => EditRequest))[];
  /** Set when a part of the edit has no inverse request (only the journal can undo it). */
  noInverse?: boolean;
  /** Quantizers an earlier unification in this edit gave one scale. */
  unified: Set<Node>;
  notes: string[];
  /** Per disable/enable part, the layers it changed (named once the edit is done). */
  layers: { kind: LayerChange['kind']; target: string; layers: Node[] }[];
}

/** Validate and apply `request` to `decoded` (in place). Throws `EditError` and leaves the model unchanged when it cannot. */
export function applyEdit(decoded: DecodedModel, request: EditRequest): AppliedEdit {
  const ctx = new EditContext(decoded);
  const out: Out = { messages: [], nodes: [], removed: [], scales: [], inserted: [], removedPairs: [], inverses: [], unified: new Set(), notes: [], layers: [] };
  try {
    if (typeof request !== 'object' || request === null || typeof (request as { kind?: unknown }).kind !== 'string') throw new EditError('malformed edit request: an object with a "kind" is expected');
    run(ctx, request, out);
    ctx.commit();
    ctx.journal.seal();
  } catch (e) {
    ctx.rollback();
    if (e instanceof EditError) throw e;
    // Requests come from outside (commands, plans, backups): a malformed one is refused, not a crash.
    if (e instanceof TypeError || e instanceof RangeError) throw new EditError(`malformed "${String((request as { kind?: unknown })?.kind)}" edit request: ${e.message}`);
    throw e;
  }
  const name = (n: string | Node): string => (typeof n === 'string' ? n : ctx.label(n));
  const inverses = out.inverses.map((x) => (typeof x === 'function' ? x() : x));
  const inverse = inverses.length === 1 ? inverses[0] : inverses.length > 1 ? { kind: 'batch' as const, label: `Undo ${labelOf(request)}`, edits: inverses.slice().reverse() } : undefined;
  const replaced: AppliedEdit['replaced'] = {};
  if (out.removed.length) replaced.removed = out.removed.flatMap((x) => x());
  if (out.scales.length) replaced.scales = out.scales.map((x) => ({ node: name(x.node), scale: x.scale }));
  if (out.removedPairs.length) replaced.pairs = out.removedPairs.map((x) => x());
  return {
    request,
    label: labelOf(request),
    message: [...out.messages, ...out.notes.map((n) => `Note: ${n}`)].join(' '),
    ...(out.notes.length ? { notes: out.notes } : {}),
    nodes: [...new Set(out.nodes.map(name))],
    replaced,
    ...(inverse && !out.noInverse ? { inverse } : {}),
    journal: ctx.journal,
    graphNodes: { before: ctx.startNodes, after: ctx.graph.node },
    ...(out.layers.length ? { layers: out.layers.map((x) => ({ kind: x.kind, target: x.target, layers: x.layers.map(name) })) } : {}),
  };
}

export function labelOf(r: EditRequest): string {
  switch (r.kind) {
    case 'disableQuantization': return `Disable quantization of ${r.target}`;
    case 'enableQuantization': return `Enable quantization of ${r.target}`;
    case 'unifyScales': return `Unify the scales of ${r.nodes.length} quantizers`;
    case 'unifyConcat': return `Unify the scales around ${r.node}`;
    case 'setScales': return `Set the scales of ${r.scales.length} quantizers`;
    case 'removeQdqPair': return `Remove Q/DQ ${r.quantize}`;
    case 'removeQdqOnTensor': return `Remove the Q/DQ on ${r.tensor}`;
    case 'insertQdqPair': return `Insert Q/DQ on ${r.tensor}`;
    case 'moveQdqPair': return `Move Q/DQ ${r.quantize} to ${r.toTensor}`;
    case 'rewireInput': return `Rewire input ${r.inputIndex} of ${r.node}`;
    case 'setZeroPoint': return `Set the zero point of ${r.nodes.length} quantizers to 0`;
    case 'setAttribute': return `Set ${r.name} of ${r.node}`;
    case 'applyFix': return r.fix.title;
    case 'batch': return r.label;
  }
}

function run(ctx: EditContext, r: EditRequest, out: Out): void {
  switch (r.kind) {
    case 'disableQuantization': return disable(ctx, r.target, out);
    case 'enableQuantization': return enable(ctx, r, out);
    case 'unifyScales': return unify(ctx, r.nodes, ('mode' in r ? r.mode : undefined) ?? (r.scale !== undefined ? 'value' : 'max'), r.scale, out);
    case 'unifyConcat': {
      const around = quantizersAround(ctx, r.node);
      return unify(ctx, around.nodes, r.mode ?? (r.scale !== undefined ? 'value' : 'max'), r.scale, out, r.node, around.others);
    }
    case 'setScales': return setScales(ctx, r.scales, out);
    case 'removeQdqPair': return removePair(ctx, r.quantize, r.dequantize, out);
    case 'removeQdqOnTensor': return removeOnTensor(ctx, r.tensor, out);
    case 'insertQdqPair': {
      const scale = Array.isArray(r.scale) ? r.scale : [r.scale];
      const params: QuantParams = { scale, zeroPoint: ('zeroPoint' in r ? r.zeroPoint : undefined) ?? [], dtype: r.dtype || 'INT8' };
      if (scale.length > 1) params.axis = 'axis' in r && r.axis !== undefined ? r.axis : 0;
      return insertPair(ctx, r.tensor, r.consumers, params, out);
    }
    case 'moveQdqPair': {
      const q = ctx.requireNode(r.quantize, 'QuantizeLinear');
      const params = quantParams(ctx, q);
      removePair(ctx, r.quantize, r.dequantize, out);
      return insertPair(ctx, r.toTensor, r.consumers, params, out);
    }
    case 'rewireInput': {
      const n = ctx.requireNode(r.node);
      if (!Number.isInteger(r.inputIndex) || r.inputIndex < 0 || r.inputIndex >= n.input.length) {
        throw new EditError(`${r.node} has no input ${r.inputIndex} (it has ${n.input.length})`);
      }
      const old = n.input[r.inputIndex] ?? '';
      ctx.rewire(n, r.inputIndex, r.tensor);
      const p = ctx.producerOf(old);
      ctx.dropUnread(p ? [p] : [], [old]);
      out.messages.push(`${r.node} input ${r.inputIndex} now reads ${r.tensor}.`);
      out.nodes.push(n);
      out.inverses.push(() => ({ kind: 'rewireInput', node: ctx.label(n), inputIndex: r.inputIndex, tensor: old }));
      return;
    }
    case 'setZeroPoint': return setZeroPoint(ctx, r.nodes, out);
    case 'setAttribute': return setAttribute(ctx, r.node, r.name, r.value, out);
    case 'applyFix':
      // The context's maps follow every primitive (context.ts), so parts run back to back.
      for (const e of r.fix.edits) run(ctx, e, out);
      return;
    case 'batch':
      for (const e of r.edits) run(ctx, e, out);
      return;
    default:
      throw new EditError(`unknown edit kind "${(r as { kind?: unknown }).kind}"`);
  }
}

// ---- disable / enable ------------------------------------------------------------------------

function disable(ctx: EditContext, target: string, out: Out): void {
  const layers = resolveLayers(ctx, target);
  const cache = new Map<Node, string>();
  const candidates: Node[] = [];
  // Layers and Q/DQ nodes are named once the edit is done (a shared pair stays, and unnamed nodes' labels move).
  const removed: (Omit<RemovedQuant, 'node' | 'q' | 'dq'> & { layer: Node; q?: Node; dq: Node })[] = [];
  for (const node of layers) {
    node.input.forEach((x, slot) => {
      if (!x) return;
      const feed = feedOf(ctx, x);
      if (!feed) return;
      if (feed.kind === 'lone') throw new EditError(`${ctx.startLabel(node)}: input ${slot} comes from ${ctx.startLabel(feed.dq)}, a DequantizeLinear with no QuantizeLinear or stored weight before it; cannot restore a float input`);
      const params = quantParams(ctx, feed.dq);
      let source: string;
      if (feed.kind === 'pair') {
        source = feed.source;
        candidates.push(feed.q);
      } else source = dequantizeStored(ctx, feed.dq, cache);
      candidates.push(feed.dq);
      const role = feed.kind === 'stored' || ctx.isConstant(source) ? 'weight' : 'activation';
      ctx.rewire(node, slot, source);
      removed.push({ layer: node, input: slot, role, dq: feed.dq, tensor: source, params, ...(feed.kind === 'pair' ? { q: feed.q } : {}) });
    });
  }
  if (removed.length === 0 && layers.length > 0) {
    // A part of a batch (keep-k, a plan, repeated flags) some of whose layers an earlier part
    // disabled (the others never had Q/DQ, as a YOLO head's last convs): done. It still counts as
    // a part with no layers of its own (exportPlan reads one `layers` entry per part).
    const earlier = new Set(out.layers.flatMap((l) => (l.kind === 'disableQuantization' ? l.layers : [])));
    const done = layers.filter((n) => earlier.has(n)).length;
    if (done > 0) {
      out.notes.push(
        layers.length === 1
          ? `${ctx.startLabel(layers[0]!)}: already in higher precision (an earlier part of this edit disabled it)`
          : done === layers.length
            ? `${target}: its ${layers.length} layers are already in higher precision (earlier parts of this edit disabled them)`
            : `${target}: its ${layers.length} layers are already in higher precision (earlier parts of this edit disabled ${done}, the others had no Q/DQ)`,
      );
      out.layers.push({ kind: 'disableQuantization', target, layers: [] });
      return;
    }
  }
  if (removed.length === 0) throw new EditError(`${target}: nothing to disable (${layers.length === 1 ? `${ctx.startLabel(layers[0]!)} reads no` : `none of the ${layers.length} layers reads a`} DequantizeLinear output)`);
  ctx.dropUnread(candidates);
  let records: RemovedQuant[] | undefined;
  const named = (): RemovedQuant[] =>
    (records ??= removed.map(({ layer, q, dq, ...r }) => {
      const rec: RemovedQuant = { node: ctx.label(layer), input: r.input, role: r.role, dq: ctx.label(dq), tensor: r.tensor, params: r.params };
      if (q) rec.q = ctx.label(q);
      return rec;
    }));
  out.removed.push(named);
  const disabled = [...new Set(removed.map((r) => r.layer))];
  out.nodes.push(...disabled);
  out.layers.push({ kind: 'disableQuantization', target, layers: disabled });
  out.messages.push(`Disabled quantization of ${disabled.length === 1 ? ctx.startLabel(disabled[0]!) : `${disabled.length} layers under ${target}`}: ${removed.length} Q/DQ input${removed.length === 1 ? '' : 's'} removed; TensorRT runs ${disabled.length === 1 ? 'it' : 'them'} in higher precision.`);
  // A label names the layer in the graph the inverse applies to (the one this edit leaves).
  const byLabel = layers.length === 1 && !layers[0]!.name;
  out.inverses.push(() => ({ kind: 'enableQuantization', target: byLabel ? ctx.label(layers[0]!) : target, remembered: named() }));
}

/** The per-channel axis TensorRT expects for the weight of `node` (R7). */
function weightAxis(node: Node): number {
  if (node.opType === 'Conv' || node.opType === 'ConvTranspose') return 0;
  if (node.opType === 'Gemm') return Number(node.attribute.find((a) => a.name === 'transB')?.i ?? 0) === 1 ? 0 : 1;
  return 1;
}

function enable(ctx: EditContext, r: Extract<EditRequest, { kind: 'enableQuantization' }>, out: Out): void {
  const layers = resolveLayers(ctx, r.target);
  let inserted = 0;
  const enabled = new Set<Node>();
  /** Layers of a multi-layer target left alone: an input needs a scale nobody knows. */
  const noScale: { node: string; error: EditError }[] = [];
  // The remembered quantizers by layer, in their order (a module's enable may carry thousands);
  // anything but an array is looked at as before (and refused as malformed the same way).
  let rememberedBy: Map<string, RemovedQuant[]> | undefined;
  if (Array.isArray(r.remembered)) {
    rememberedBy = new Map();
    for (const m of r.remembered) {
      const list = rememberedBy.get(m.node);
      if (list) list.push(m);
      else rememberedBy.set(m.node, [m]);
    }
  }
  for (const node of layers) {
    // How the request (and a disable's record of it: a label in the graph that disable left) names it.
    const name = ctx.startLabel(node);
    const memory = rememberedBy ? rememberedBy.get(name) : r.remembered?.filter((m) => m.node === name);
    const slots: { slot: number; params: QuantParams; role: 'weight' | 'activation' }[] = [];
    if (memory && memory.length) {
      for (const m of memory) slots.push({ slot: m.input, params: m.params, role: m.role });
    } else {
      const quantizable = node.opType === 'Conv' || node.opType === 'ConvTranspose' ? [0, 1] : [0, 1];
      for (const slot of quantizable) {
        const x = node.input[slot];
        if (!x || feedOf(ctx, x)) continue;
        if (ctx.isConstant(x)) {
          const w = ctx.requireConst(x, `weight of ${name}`);
          const axis = weightAxis(node);
          const channels = w.dims[axis];
          if (channels === undefined) throw new EditError(`${name}: the weight [${w.dims.join(', ')}] has no axis ${axis}`);
          let scale = r.weightScales;
          if (!scale) {
            let inner = 1;
            for (let k = axis + 1; k < w.dims.length; k++) inner *= w.dims[k]!;
            const max = new Array<number>(channels).fill(0);
            for (let i = 0; i < w.values.length; i++) {
              const c = Math.floor(i / inner) % channels;
              max[c] = Math.max(max[c]!, Math.abs(w.values[i]!));
            }
            scale = max.map((m) => (m > 0 ? m / 127 : 1 / 127));
          } else if (scale.length !== channels && scale.length !== 1) {
            throw new EditError(`${name}: ${scale.length} weight scales given, the weight has ${channels} channels on axis ${axis}`);
          }
          const params: QuantParams = { scale, zeroPoint: [], dtype: 'INT8' };
          if (scale.length > 1) params.axis = axis;
          slots.push({ slot, params, role: 'weight' });
        } else {
          if (r.activationScale === undefined) {
            const error = new EditError(`${name}: no scale is remembered for input ${slot} (${x}); give one (qdq edit --enable-quant NODE:SCALE, or activationScale)`, 'noActivationScale');
            if (layers.length === 1) throw error;
            // One layer of a module or scope (a yolov9-qat head has convs that never carried Q/DQ):
            // the others get their quantizers back, this one stays as it is and is named.
            noScale.push({ node: name, error });
            slots.length = 0;
            break;
          }
          slots.push({ slot, params: { scale: [r.activationScale], zeroPoint: [], dtype: 'INT8' }, role: 'activation' });
        }
      }
    }
    for (const s of slots) {
      const x = node.input[s.slot];
      if (!x) throw new EditError(`${name} has no input ${s.slot}`);
      if (feedOf(ctx, x)) continue; // already quantized
      const scope = `${scopeOf(node)}/${s.role === 'weight' ? '_weight_quantizer' : '_input_quantizer'}`;
      const pair = makePair(ctx, x, s.params, scope);
      ctx.insertNodes(pair.nodes, node);
      ctx.rewire(node, s.slot, pair.output);
      out.inserted.push({ q: pair.nodes[0]!.name, dq: pair.nodes[1]!.name, tensor: x, consumers: [name], params: s.params });
      inserted++;
      enabled.add(node);
    }
  }
  if (inserted === 0 && noScale.length) {
    const first = noScale[0]!.error;
    throw noScale.length === 1 ? first : new EditError(`${r.target}: no scale is known for the inputs of ${noScale.length} of its layers (${listNames(noScale.map((x) => x.node))}); ${first.message}`, 'noActivationScale');
  }
  if (inserted === 0) throw new EditError(`${r.target}: nothing to enable (every quantizable input is already quantized)`);
  out.nodes.push(...enabled);
  out.layers.push({ kind: 'enableQuantization', target: r.target, layers: [...enabled] });
  out.messages.push(`Enabled quantization of ${enabled.size === 1 ? ctx.startLabel([...enabled][0]!) : `${enabled.size} layers under ${r.target}`}: ${inserted} Q/DQ pair${inserted === 1 ? '' : 's'} inserted.`);
  if (noScale.length) {
    out.notes.push(`${noScale.length === 1 ? '1 layer' : `${noScale.length} layers`} under ${r.target} left as ${noScale.length === 1 ? 'it is' : 'they are'}: no scale is known for ${noScale.length === 1 ? 'its' : 'their'} input (${listNames(noScale.map((x) => x.node))}); give one with qdq edit --enable-quant NODE:SCALE.`);
  }
  // Each layer by its name, or its label in the graph this edit leaves (where the inverse applies).
  out.inverses.push(() => ({ kind: 'batch', label: `Disable quantization of ${r.target}`, edits: [...enabled].map((n) => ({ kind: 'disableQuantization' as const, target: ctx.label(n) })) }));
}

// ---- scales ----------------------------------------------------------------------------------

/** Scalar scale of a Q/DQ, refusing per-channel ones. */
function tensorScale(ctx: EditContext, nodeOrName: string | Node): { node: Node; scale: number } {
  const node = typeof nodeOrName === 'string' ? ctx.requireNode(nodeOrName, 'Q/DQ node') : nodeOrName;
  const name = ctx.label(node);
  if (!isQ(node) && !isDq(node)) throw new EditError(`${name} is a ${node.opType}, not a QuantizeLinear/DequantizeLinear`);
  const v = ctx.requireConst(node.input[1] ?? '', `scale of ${name}`);
  if (v.values.length !== 1) throw new EditError(`${name} has ${v.values.length} (per-channel) scales; only per-tensor scales can be unified`);
  if (v.dataType !== DataType.FLOAT) throw new EditError(`${name}: only FLOAT scales can be set here`);
  return { node, scale: v.values[0]! };
}

function unify(ctx: EditContext, nodes: (string | Node)[], mode: ScaleMode, value: number | undefined, out: Out, around?: string, others: string[] = []): void {
  const unique = [...new Set(nodes.map((n) => (typeof n === 'string' ? ctx.requireNode(n, 'Q/DQ node') : n)))];
  const names = unique.map((n) => ctx.label(n));
  if (unique.length < 2) throw new EditError(`${around ?? 'unify scales'}: fewer than two quantizers to unify (${names.join(', ') || 'none found'})`);
  const all = unique.map((n) => tensorScale(ctx, n));
  // Quantizers at the model's interface keep their scale (analysis/scaleShare.ts, "Pinned quantizers").
  // Every one, as the analysis' scale-sharing set lists them: two DQs reading one network input
  // with different scales are a conflict, not a pinned scale.
  const pinned: PinnedQuantizer[] = [];
  const links = interfaceLinks(ctx);
  for (const a of all) {
    const at = interfaceOf(links, a.node);
    if (at) pinned.push({ ...at, node: ctx.label(a.node), scale: a.scale });
  }
  const choice = pinnedChoice(pinned);
  const listed = (ps: readonly PinnedQuantizer[], scaleWord: string): string => joinAnd(ps.map((p) => `${interfaceName(p)} (${scaleWord}${p.scale}, ${p.node})`));
  if (choice.kind === 'conflict') {
    throw new EditError(`cannot unify: ${listed(choice.pinned, 'scale ')} are part of the model's interface and their scales differ; changing one changes what the application exchanges with the model (unify the quantizers between them some other way, or change the interface first)`);
  }
  const largest = Math.max(...all.map((a) => a.scale));
  let target: number;
  let why = `(${mode})`;
  if (mode === 'value') {
    if (value === undefined || !(value > 0) || !Number.isFinite(value)) throw new EditError(`scale ${value} is not a positive finite number`);
    target = Math.fround(value);
    if (choice.kind === 'pinned' && target !== choice.scale) {
      throw new EditError(`scale ${value} would change the scale of ${listed(choice.pinned, '')}, part of the model's interface; give no scale (or that one) to unify to it`);
    }
  } else if (choice.kind === 'pinned') {
    target = choice.scale;
    why = `(the scale of ${interfaceNames(choice.pinned)}, which is part of the model's interface)`;
  } else target = mode === 'max' ? largest : Math.min(...all.map((a) => a.scale));
  if (all.every((a) => a.scale === target)) {
    // A plan (one batch) may name two Concats of one scale-sharing set: the first unification
    // already covered the second. That is a note; a set that was on one scale before is a refusal.
    if (all.every((a) => out.unified.has(a.node))) {
      out.notes.push(`${around ?? `unify scales of ${names.join(', ')}`}: nothing left to change (an earlier unification in this edit already gave its ${all.length} quantizers one scale).`);
      return;
    }
    throw new EditError(`nothing to change: the ${all.length} quantizers${around ? ` around ${around}` : ''} already use scale ${target}`);
  }
  assignScale(ctx, all.map((a) => a.node), target);
  for (const a of all) out.unified.add(a.node);
  out.scales.push(...all.map((a) => ({ node: a.node, scale: a.scale })));
  out.nodes.push(...unique);
  out.messages.push(`${all.length} quantizers${around ? ` around ${around}` : ''} now use scale ${target} ${why}.`);
  if (choice.kind === 'pinned' && target < largest) out.messages.push(`That is smaller than the largest scale they had (${largest}): values beyond it clip.`);
  if (others.length) out.messages.push(`They include those of ${others.join(', ')}, linked to it through shared quantizers or commuting ops: TensorRT needs one scale across all of them (R15/R16).`);
  out.inverses.push(() => ({ kind: 'setScales', scales: all.map((a) => ({ node: ctx.label(a.node), scale: a.scale })) }));
}

/** The graph as it is now, for `interfaceOf` (answers are remembered: make a new one after a change). */
function interfaceLinks(ctx: EditContext): InterfaceLinks {
  const g = ctx.graph;
  const inputs = new Set(g.input.map((i) => i.name).filter((n) => !ctx.initializer(n)));
  const outputs = new Set(g.output.map((o) => o.name));
  return {
    isNetworkInput: (t) => inputs.has(t),
    isGraphOutput: (t) => outputs.has(t),
    producerOf: (t) => ctx.producerOf(t),
    readersOf: (t) => ctx.readersOf(t).filter((r) => r.slot >= 0).map((r) => r.node),
  };
}

function assignScale(ctx: EditContext, nodes: Node[], scale: number): void {
  const oldNames = nodes.map((n) => n.input[1] ?? '');
  const old = oldNames.map((t) => ctx.producerOf(t)).filter((p): p is Node => p !== undefined);
  const name = ctx.fresh(`${scopeOf(nodes[0]!)}/scale`);
  ctx.addInitializers([newTensor(name, DataType.FLOAT, [], [scale])]);
  for (const n of nodes) ctx.rewire(n, 1, name);
  ctx.dropUnread(old, oldNames);
}

function setScales(ctx: EditContext, scales: { node: string; scale: number }[], out: Out): void {
  const groups = new Map<number, Node[]>();
  const before: { node: Node; scale: number }[] = [];
  for (const s of scales) {
    const cur = tensorScale(ctx, s.node);
    before.push({ node: cur.node, scale: cur.scale });
    if (!(s.scale > 0) || !Number.isFinite(s.scale)) throw new EditError(`scale ${s.scale} for ${s.node} is not a positive finite number`);
    const list = groups.get(s.scale);
    if (list) list.push(cur.node);
    else groups.set(s.scale, [cur.node]);
  }
  for (const [scale, nodes] of groups) assignScale(ctx, nodes, scale);
  out.scales.push(...before);
  out.nodes.push(...before.map((b) => b.node));
  out.messages.push(`Set the scales of ${scales.length} quantizers.`);
  out.inverses.push(() => ({ kind: 'setScales', scales: before.map((b) => ({ node: ctx.label(b.node), scale: b.scale })) }));
}

/**
 * The quantizers "unify scales around a node" changes: the analysis' scale-sharing set
 * (core/analysis/scaleShare.ts, the same propagation walks the engine prediction uses for R15/R16
 * requantizes). Not just the DQs next to the node and the Qs after it: every quantizer back through
 * DQ ← Q ← commuting op (Resize, MaxPool, Reshape, …) ← DQ ← Q chains and forward to the Qs those
 * meet, since TensorRT cancels a DQ/Q pair only with equal scales and otherwise keeps a requantize
 * there. Where such a quantizer is shared with another path (the yolov9 exports' upsample input DQ
 * also feeds the bottom-up neck Concat), that path's Concat, its other inputs and output Qs join
 * the set: the rules document requires them equal too (R15/R16), and changing the shared quantizer
 * alone would only move the requantize there. `others` names those other Concats for the message.
 */
export function quantizersAround(ctx: EditContext, nodeName: string): { nodes: Node[]; others: string[] } {
  const node = ctx.requireNode(nodeName);
  // From the maps kept between edits, walking only the nodes the set reaches; the whole-graph
  // analysis when the local one cannot answer for this graph (localAnalysis.ts).
  const local = ctx.localGraph();
  const list = ctx.nodes; // written to the graph, which the analysis reads
  const at = list.indexOf(node);
  const set = (local && scaleShareAroundLocal(local, at)) ?? scaleShareAround(ctx.decoded, buildGraphIndex(ctx.graph), at);
  if (set.notCommuting) throw new EditError(`${set.notCommuting}: scales are unified across Concat and other ops that commute with Q/DQ (MaxPool, nearest Resize, Reshape, Slice, Transpose, …; rule R14)`);
  const nodes = set.qdq.map((i) => list[i]!);
  const others = set.concats.filter((c) => c !== at).map((c) => ctx.label(list[c]!));
  return { nodes, others };
}

// ---- pairs -----------------------------------------------------------------------------------

function removePair(ctx: EditContext, quantizeRef: string | Node, dequantizeRef: string | Node | null, out: Out): void {
  const q = typeof quantizeRef === 'string' ? ctx.requireNode(quantizeRef, 'QuantizeLinear') : quantizeRef;
  // Named as the request names them (the node list as the edit began): the edit removes them.
  const quantize = ctx.startLabel(q);
  if (!isQ(q)) throw new EditError(`${quantize} is a ${q.opType}, not a QuantizeLinear`);
  const params = quantParams(ctx, q);
  const source = q.input[0] ?? '';
  if (dequantizeRef === null) {
    const readers = ctx.readersOf(q.output[0] ?? '');
    if (readers.length || ctx.isGraphOutput(q.output[0] ?? '')) throw new EditError(`${quantize} is read (${readers.map((r) => ctx.label(r.node)).join(', ') || 'graph output'}); name the DequantizeLinear to remove with it`);
    ctx.dropUnread([q]);
    out.noInverse = true;
    out.messages.push(`Removed ${quantize}.`);
    out.nodes.push(quantize);
    return;
  }
  const dq = typeof dequantizeRef === 'string' ? ctx.requireNode(dequantizeRef, 'DequantizeLinear') : dequantizeRef;
  const dequantize = ctx.startLabel(dq);
  if (!isDq(dq) || dq.input[0] !== q.output[0]) throw new EditError(`${dequantize} is not a DequantizeLinear reading ${quantize}`);
  const dqOut = dq.output[0] ?? '';
  const readers = ctx.readersOf(dqOut);
  const consumerNodes: Node[] = [];
  for (const r of readers) {
    if (r.slot < 0) continue;
    r.node.input.forEach((t, k) => t === dqOut && ctx.rewire(r.node, k, source));
    consumerNodes.push(r.node);
  }
  if (ctx.isGraphOutput(dqOut) || readers.some((r) => r.slot < 0)) {
    ctx.replaceNode(dq, newNode('Identity', ctx.fresh(`${dq.name || 'DequantizeLinear'}/Identity`), [source], [dqOut]));
    ctx.dropUnread([q, ...[dq.input[1], dq.input[2]].map((t) => ctx.producerOf(t ?? '')).filter((p): p is Node => p !== undefined)]);
  } else ctx.dropUnread([dq, q]);
  // The readers stay: named by their labels in the graph the edit leaves, once it is done.
  out.removedPairs.push(() => ({ q: quantize, dq: dequantize, tensor: source, consumers: consumerNodes.map((n) => ctx.label(n)), params }));
  out.nodes.push(...consumerNodes);
  out.messages.push(`Removed the Q/DQ pair ${quantize} → ${dequantize}; ${consumerNodes.length} reader${consumerNodes.length === 1 ? '' : 's'} now read ${source}.`);
  out.inverses.push(() => {
    const inv: EditRequest = { kind: 'insertQdqPair', tensor: source, consumers: consumerNodes.map((n) => ctx.label(n)), scale: params.scale.length === 1 ? params.scale[0]! : params.scale, dtype: params.dtype };
    if (params.axis !== undefined) (inv as { axis?: number }).axis = params.axis;
    if (params.zeroPoint.some((z) => z !== 0)) (inv as { zeroPoint?: number[] }).zeroPoint = params.zeroPoint;
    return inv;
  });
}

function removeOnTensor(ctx: EditContext, tensor: string, out: Out): void {
  const feed = feedOf(ctx, tensor);
  if (feed?.kind === 'pair') return removePair(ctx, feed.q, feed.dq, out);
  const pairs: [Node, Node][] = [];
  for (const r of ctx.readersOf(tensor)) {
    if (!isQ(r.node) || r.slot !== 0) continue;
    for (const d of ctx.readersOf(r.node.output[0] ?? '')) if (isDq(d.node)) pairs.push([r.node, d.node]);
  }
  if (pairs.length === 0) throw new EditError(`no Q→DQ pair on tensor "${tensor}"`);
  for (const [q, d] of pairs) removePair(ctx, q, d, out);
}

function insertPair(ctx: EditContext, tensor: string, consumers: string[] | undefined, params: QuantParams, out: Out): void {
  const wanted = consumers?.map((c) => ctx.nodeByName(c));
  const readers = ctx.readersOf(tensor).filter((r) => r.slot >= 0 && !isQ(r.node) && (!wanted || wanted.includes(r.node)));
  if (consumers) {
    consumers.forEach((c, k) => {
      if (!readers.some((r) => r.node === wanted![k])) throw new EditError(`${c} does not read "${tensor}"`);
    });
  }
  if (!ctx.producerOf(tensor) && !ctx.isConstant(tensor) && !ctx.graph.input.some((i) => i.name === tensor)) throw new EditError(`no tensor named "${tensor}" in the graph`);
  if (readers.length === 0) throw new EditError(`"${tensor}" has no reader to put a Q/DQ in front of`);
  // Just before the first reader (readers come in node order).
  const first = readers[0]!.node;
  const p = ctx.producerOf(tensor);
  const scope = p?.name ? `${scopeOf(p)}/_output_quantizer` : `/${tensor}/_quantizer`;
  const pair = makePair(ctx, tensor, params, scope);
  ctx.insertNodes(pair.nodes, first);
  for (const r of readers) r.node.input.forEach((t, k) => t === tensor && ctx.rewire(r.node, k, pair.output));
  const names = [...new Set(readers.map((r) => ctx.label(r.node)))];
  const rec: InsertedOrRemovedPair = { q: pair.nodes[0]!.name, dq: pair.nodes[1]!.name, tensor, consumers: names, params };
  out.inserted.push(rec);
  out.nodes.push(rec.q, rec.dq);
  out.messages.push(`Inserted ${rec.q} → ${rec.dq} on ${tensor} (scale ${params.scale.length === 1 ? params.scale[0] : `${params.scale.length} per-channel values`}, ${params.dtype}).`);
  out.inverses.push({ kind: 'removeQdqPair', quantize: rec.q, dequantize: rec.dq });
}

function setZeroPoint(ctx: EditContext, names: string[], out: Out): void {
  const old: Node[] = [];
  const oldNames: string[] = [];
  const touched: Node[] = [];
  let changed = 0;
  for (const name of names) {
    const n = ctx.requireNode(name, 'Q/DQ node');
    touched.push(n);
    if (!isQ(n) && !isDq(n)) throw new EditError(`${name} is a ${n.opType}, not a QuantizeLinear/DequantizeLinear`);
    const zpName = n.input[2];
    if (!zpName) continue;
    const zp = ctx.requireConst(zpName, `zero point of ${name}`);
    if (zp.values.every((v) => v === 0)) continue;
    oldNames.push(zpName);
    const fresh = ctx.fresh(`${scopeOf(n)}/zero_point`);
    ctx.addInitializers([newTensor(fresh, zp.dataType, zp.dims, new Array<number>(zp.values.length).fill(0))]);
    const p = ctx.producerOf(zpName);
    if (p) old.push(p);
    ctx.rewire(n, 2, fresh);
    changed++;
  }
  if (changed === 0) throw new EditError('nothing to change: the zero points are already 0');
  ctx.dropUnread(old, oldNames);
  out.noInverse = true;
  out.nodes.push(...touched);
  out.messages.push(`Zero point set to 0 on ${changed} quantizer${changed === 1 ? '' : 's'}.`);
}

function setAttribute(ctx: EditContext, nodeName: string, name: string, value: number | null, out: Out): void {
  const n = ctx.requireNode(nodeName);
  const existing = n.attribute.find((a) => a.name === name);
  if (existing && existing.type !== AttributeType.INT) throw new EditError(`${nodeName}.${name} is not an integer attribute`);
  if (value !== null && !Number.isSafeInteger(value)) throw new EditError(`${name} = ${value} is not an integer`);
  const previous = existing?.i === undefined ? null : Number(existing.i);
  if (previous === value) throw new EditError(`nothing to change: ${nodeName}.${name} is already ${value ?? 'absent'}`);
  const attrs = n.attribute.filter((a) => a.name !== name);
  if (value !== null) {
    const at = existing ? n.attribute.indexOf(existing) : attrs.length;
    attrs.splice(at, 0, intAttribute(name, value));
  }
  ctx.setAttributes(n, attrs);
  out.nodes.push(n);
  out.messages.push(`${nodeName}.${name} = ${value ?? '(removed)'}.`);
  out.inverses.push(() => ({ kind: 'setAttribute', node: ctx.label(n), name, value: previous }));
}

export { COMPUTE_OPS };
