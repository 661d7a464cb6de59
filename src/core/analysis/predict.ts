/**
 * Predictions: what engine TensorRT builds from the Q/DQ graph, node by node.
 *
 * 1. Weighted ops (Conv, ConvTranspose, Gemm, MatMul with a constant weight) run INT8/FP8 when both
 *    the data input (after propagation) and the weight come from DQ (R18); INT4 weight-only GEMMs
 *    keep a float activation (R8). Each absorbs its epilogue: BatchNormalization, activations,
 *    SiLU (`x * Sigmoid(x)`), bias Add/Mul with a constant (R20), and a residual Add whose other
 *    input is the skip branch (R22).
 * 2. A group writes quantized output when every path from its output reaches Q nodes of one scale
 *    (R19); a float skip forces float output (R22).
 * 3. Non-weighted quantizable ops (Add, Mul, AveragePool, …) run quantized only with DQ on every
 *    input and Q on the output (R23). Commuting ops run on quantized data when a DQ reaches them or
 *    a Q can move back over them (R13/R14). The rest runs in float (FP16 in an `--int8 --fp16`
 *    build, FP32 under 10.x `--stronglyTyped`), with float pointwise chains fused (PWN).
 * 4. Every Q/DQ that is not absorbed becomes a standalone conversion layer ("Reformat", origin QDQ):
 *    a Q after a float layer or graph input, a DQ before a float layer, and a requantize where a
 *    DQ(s1) meets a Q(s2 ≠ s1) after propagation (R15, R16, R26).
 */
import { DataType } from '../onnx/index';
import type { AnalysisContext } from './context';
import { EPILOGUE_UNARY, isCustomOp, isNonQuantizable, isPointwise, POINTWISE_UNARY, QUANTIZABLE_NONWEIGHTED, WEIGHTED_OPS } from './ops';
import type { Propagation } from './propagation';
import { fmtScale, isFp8, type QdqInfo } from './qdq';
import type { LayerPrediction, Precision, ReformatPrediction, RuleId } from './types';

export type GroupKind = 'conv' | 'eltwise' | 'commuting' | 'pointwise' | 'single';

/** Why a group that could write quantized output writes float. */
export type FloatOutReason = 'float-layer' | 'float-consumers' | 'scales-differ' | 'float-skip' | 'no-q';

export interface Residual {
  add: number;
  /** The skip input tensor of the Add. */
  skip: string;
  skipQuantized: boolean;
  /** The Add input coming from the conv branch. */
  branch: string;
}

export interface WeightedInfo {
  node: number;
  dataIndex: number;
  weightIndex: number;
  dataQuantized: boolean;
  /** DQ of the weight (possibly through Transpose/Reshape/Identity), when there is one. */
  weightDq?: QdqInfo;
}

/**
 * At most this many other nodes of a fusion group are listed in a layer's `fusedWith`; in a longer
 * group the root lists every Q/DQ the group absorbs and this many of its other layers, and every
 * other member only the root, each saying how many more (`fusedWithMore`). Without a bound, a
 * float chain of n pointwise ops (one group) listed n − 1 names for each of its n layers: 20k Relus
 * took 3.8 GB, 200k ran out of memory.
 */
export const MAX_FUSED_LISTED = 100;

export interface FusionGroup {
  id: number;
  kind: GroupKind;
  root: number;
  members: number[];
  /** Output tensor of the group (after its epilogue). */
  tail: string;
  precision: Precision;
  /** The group writes quantized output (Q fused into it). */
  outQuantized: boolean;
  outScale?: number;
  /** Q nodes fused into the group's output. */
  fusedQs: number[];
  outReason?: FloatOutReason;
  weighted?: WeightedInfo;
  residual?: Residual;
}

export interface Predictions {
  groups: FusionGroup[];
  /** Node index → group id, -1 for Q/DQ, constants and shape-only nodes. */
  groupOf: Int32Array;
  precision: (Precision | undefined)[];
  weighted: Map<number, WeightedInfo>;
  layers: LayerPrediction[];
  reformats: ReformatPrediction[];
  /** DQ→Q meetings with equal scales that TensorRT cancels (R26 info, R29). */
  cancelled: { dq: number; q: number; via: number[] }[];
  floatPrecision: Precision;
  isQuantizedPrecision(p: Precision | undefined): boolean;
}

const WEIGHT_HOPS = new Set(['Identity', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Cast']);

function quantPrecision(dtype: number): Precision {
  if (isFp8(dtype)) return 'FP8';
  if (dtype === DataType.INT4 || dtype === DataType.UINT4) return 'INT4';
  return 'INT8';
}

export function isQuantizedPrecision(p: Precision | undefined): boolean {
  return p === 'INT8' || p === 'FP8' || p === 'INT4';
}

export function predict(ctx: AnalysisContext, qdq: ReadonlyMap<number, QdqInfo>, prop: Propagation): Predictions {
  const n = ctx.nodes.length;
  const nodes = ctx.nodes;
  const floatPrecision: Precision = ctx.target.stronglyTyped ? 'FP32' : 'FP16';
  const groupOf = new Int32Array(n).fill(-1);
  const precision: (Precision | undefined)[] = new Array(n);
  const groups: FusionGroup[] = [];
  const weighted = new Map<number, WeightedInfo>();
  const layerMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (!qdq.has(i) && nodes[i]!.opType !== 'Constant' && !ctx.isStaticNode(i)) layerMask[i] = 1;
  const isLayer = (i: number): boolean => layerMask[i] === 1;
  const free = (i: number): boolean => layerMask[i] === 1 && groupOf[i] === -1;
  const newGroup = (g: Omit<FusionGroup, 'id'>): FusionGroup => {
    const full = g as FusionGroup;
    full.id = groups.length;
    groups.push(full);
    for (const m of full.members) groupOf[m] = full.id;
    return full;
  };
  const dqDtype = (tensor: string): number => {
    const f = prop.forward(tensor);
    const d = f?.dqs[0] === undefined ? undefined : qdq.get(f.dqs[0]);
    return d?.dtype ?? DataType.INT8;
  };
  const findWeightDq = (tensor: string): QdqInfo | undefined => {
    for (let t = tensor, k = 0; t && k < 6; k++) {
      const p = ctx.producer(t);
      if (p === undefined) return undefined;
      const q = qdq.get(p);
      if (q) return q.kind === 'DQ' && q.isWeight ? q : undefined;
      if (!WEIGHT_HOPS.has(nodes[p]!.opType)) return undefined;
      t = nodes[p]!.input[0] ?? '';
    }
    return undefined;
  };

  // ---- 1. weighted ops and their epilogues
  const order = ctx.index.topoOrder;
  for (const i of order) {
    const node = nodes[i]!;
    if (!WEIGHTED_OPS.has(node.opType) || !isLayer(i) || node.input.length < 2) continue;
    let weightIndex = -1;
    if (ctx.isConstantRooted(node.input[1]!)) weightIndex = 1;
    else if (node.opType === 'MatMul' && ctx.isConstantRooted(node.input[0]!)) weightIndex = 0;
    if (weightIndex < 0) continue; // activation x activation GEMM: handled as a non-weighted op
    const dataIndex = weightIndex === 1 ? 0 : 1;
    const info: WeightedInfo = {
      node: i,
      dataIndex,
      weightIndex,
      dataQuantized: prop.isQuantized(node.input[dataIndex] ?? ''),
      weightDq: findWeightDq(node.input[weightIndex]!),
    };
    weighted.set(i, info);
    let p: Precision = floatPrecision;
    if (info.dataQuantized && info.weightDq) p = quantPrecision(dqDtype(node.input[dataIndex]!));
    else if (!info.dataQuantized && info.weightDq && quantPrecision(info.weightDq.dtype) === 'INT4' && (node.opType === 'Gemm' || node.opType === 'MatMul')) p = 'INT4';
    const members = [i];
    const tail = absorbEpilogue(ctx, node.output[0] ?? '', members, free);
    newGroup({ kind: 'conv', root: i, members, tail, precision: p, outQuantized: false, fusedQs: [], weighted: info });
  }

  // ---- 1b. residual Adds fused into one of the conv groups feeding them
  for (const i of order) {
    const node = nodes[i]!;
    if (node.opType !== 'Add' || !free(i) || node.input.length !== 2) continue;
    const [a, b] = node.input as [string, string];
    if (!a || !b || ctx.isStatic(a) || ctx.isStatic(b)) continue;
    let best: { g: FusionGroup; branch: string; skip: string } | undefined;
    for (const [t, other] of [[a, b], [b, a]] as const) {
      const p = ctx.producer(t);
      if (p === undefined || groupOf[p] < 0) continue;
      const g = groups[groupOf[p]!]!;
      if (g.kind !== 'conv' || g.tail !== t || g.residual || ctx.graphOutputs.has(t)) continue;
      const cons = ctx.consumers(t);
      if (cons.length !== 1 || cons[0] !== i) continue;
      if (!best || ctx.topoPos[g.root]! > ctx.topoPos[best.g.root]!) best = { g, branch: t, skip: other };
    }
    if (!best) continue;
    const g = best.g;
    g.residual = { add: i, skip: best.skip, skipQuantized: prop.isQuantized(best.skip), branch: best.branch };
    g.members.push(i);
    groupOf[i] = g.id;
    g.tail = absorbEpilogue(ctx, node.output[0] ?? '', g.members, free);
    for (const m of g.members) groupOf[m] = g.id;
  }

  // ---- 2. output precision of the conv groups
  for (const g of groups) {
    if (!isQuantizedPrecision(g.precision) || g.precision === 'INT4') {
      g.outReason = 'float-layer';
      continue;
    }
    decideOutput(g, prop, g.residual !== undefined && !g.residual.skipQuantized);
  }

  // ---- 3. the other layers
  for (const i of order) {
    if (!free(i)) continue;
    const node = nodes[i]!;
    const out = node.output[0] ?? '';
    const dataIns = node.input.filter((x) => x && !ctx.isStatic(x));
    if (prop.commuting[i]) {
      let p: Precision = floatPrecision;
      const q = prop.quantizedOutput(out);
      if (node.output.some((o) => o && prop.isQuantized(o))) p = quantPrecision(dqDtype(node.output.find((o) => o && prop.isQuantized(o))!));
      else if (q) p = quantPrecision(qdq.get(q.qs[0]!)?.dtype ?? DataType.INT8);
      newGroup({ kind: 'commuting', root: i, members: [i], tail: out, precision: p, outQuantized: isQuantizedPrecision(p), fusedQs: [] });
      continue;
    }
    const quantizable = QUANTIZABLE_NONWEIGHTED.has(node.opType) || ((node.opType === 'MatMul' || node.opType === 'Gemm') && !weighted.has(i));
    if (quantizable && dataIns.length > 0) {
      const allIn = dataIns.every((x) => prop.isQuantized(x));
      const g = newGroup({ kind: 'eltwise', root: i, members: [i], tail: out, precision: floatPrecision, outQuantized: false, fusedQs: [] });
      if (allIn && prop.quantizedOutput(out)) {
        g.precision = quantPrecision(dqDtype(dataIns[0]!));
        decideOutput(g, prop, false);
      } else g.outReason = allIn ? (prop.backward(out).qs.length ? 'float-consumers' : 'no-q') : 'float-layer';
      continue;
    }
    newGroup({ kind: isPointwise(node.opType) ? 'pointwise' : 'single', root: i, members: [i], tail: out, precision: floatPrecision, outQuantized: false, fusedQs: [], outReason: 'float-layer' });
  }

  // ---- 3b. float pointwise chains (PWN): merge a pointwise group into its pointwise producer's group
  for (const i of order) {
    const gi = groupOf[i]!;
    if (gi < 0 || groups[gi]!.kind !== 'pointwise') continue;
    const node = nodes[i]!;
    for (const x of node.input) {
      if (!x || ctx.isStatic(x)) continue;
      const p = ctx.producer(x);
      if (p === undefined || groupOf[p]! < 0) continue;
      const gp = groups[groupOf[p]!]!;
      if (gp.kind !== 'pointwise' || gp.id === groupOf[i]) continue;
      const cons = ctx.consumers(x);
      if (ctx.graphOutputs.has(x) || !cons.every((c) => groupOf[c]! >= 0 && groups[groupOf[c]!]!.kind === 'pointwise')) continue;
      const gc = groups[groupOf[i]!]!;
      for (const m of gc.members) {
        gp.members.push(m);
        groupOf[m] = gp.id;
      }
      gp.tail = gc.tail;
      gc.members = [];
    }
  }

  // ---- precision per node
  for (const g of groups) {
    for (const m of g.members) {
      let p = g.precision;
      if (g.residual && isQuantizedPrecision(p) && !g.residual.skipQuantized && ctx.topoPos[m]! >= ctx.topoPos[g.residual.add]!) p = floatPrecision;
      precision[m] = p;
    }
  }

  // The Q/DQ nodes a quantized group absorbs: input DQs, the weight Q/DQ, the fused output Qs
  // (TensorRT names the layer after all of them: "w + QuantizeLinear_8 + Conv_12 + PWN(Clip_16)").
  const absorbed = (g: FusionGroup): number[] => {
    if (!isQuantizedPrecision(g.precision) || (g.kind !== 'conv' && g.kind !== 'eltwise')) return [];
    const out: number[] = [];
    const root = nodes[g.root]!;
    const dataIns = g.kind === 'conv' ? [root.input[g.weighted!.dataIndex] ?? ''] : root.input.filter((x) => x && !ctx.isStatic(x));
    if (g.residual?.skipQuantized) dataIns.push(g.residual.skip);
    for (const x of dataIns) {
      const p = ctx.producer(x);
      if (p !== undefined && qdq.get(p)?.kind === 'DQ') out.push(p);
    }
    const w = g.weighted?.weightDq;
    if (w && g.precision !== 'INT4') out.push(...(w.pairedQ !== undefined ? [w.pairedQ] : []), w.index);
    out.push(...g.fusedQs);
    return out;
  };
  const layers: LayerPrediction[] = [];
  // Per group: its names (absorbed input Q/DQ, members, fused output Qs) and how many lead and trail.
  const memberNames = new Map<number, { names: string[]; inQdq: number; outQ: number }>();
  for (const i of order) {
    if (!isLayer(i)) continue;
    const g = groups[groupOf[i]!];
    let fusedWith: string[] = [];
    if (g) {
      let group = memberNames.get(g.id);
      if (!group) {
        const qd = absorbed(g);
        const inQ = qd.filter((q) => !g.fusedQs.includes(q));
        group = { names: [...inQ, ...g.members, ...g.fusedQs].map((m) => ctx.name(m)), inQdq: inQ.length, outQ: g.fusedQs.length };
        memberNames.set(g.id, group);
      }
      const { names, inQdq, outQ } = group;
      if (names.length > 1) {
        const self = ctx.name(i);
        const root = ctx.name(g.root);
        let more: number | undefined;
        if (names.length - 1 <= MAX_FUSED_LISTED) fusedWith = names.filter((x) => x !== self);
        else {
          // A group of thousands (a float chain of pointwise ops, a Concat of hundreds of inputs):
          // its root lists every Q/DQ it absorbs (each Q/DQ is listed by the groups that read it, so
          // linear in the model) and up to MAX_FUSED_LISTED of its other layers; every other member
          // lists only the root (it fuses into it); each says how many more, so the layers stay
          // linear in the model.
          if (g.root !== i) fusedWith.push(root);
          else {
            const others = names.slice(inQdq, names.length - outQ).filter((x) => x !== self);
            fusedWith = [...names.slice(0, inQdq), ...others.slice(0, MAX_FUSED_LISTED), ...names.slice(names.length - outQ)];
          }
          more = names.length - 1 - fusedWith.length;
        }
        // Every member but the root names it (`fusedInto`), in a group of any size: the root can
        // come after other members in this order (merged float pointwise chains), so the order
        // does not tell who is fused into whom.
        layers.push({
          node: self,
          opType: nodes[i]!.opType,
          precision: precision[i] ?? floatPrecision,
          fusedWith,
          ...(more ? { fusedWithMore: more } : {}),
          ...(g.root !== i ? { fusedInto: root } : {}),
        });
        continue;
      }
    }
    layers.push({ node: ctx.name(i), opType: nodes[i]!.opType, precision: precision[i] ?? floatPrecision, fusedWith });
  }

  const pred: Predictions = {
    groups,
    groupOf,
    precision,
    weighted,
    layers,
    reformats: [],
    cancelled: [],
    floatPrecision,
    isQuantizedPrecision,
  };
  predictReformats(ctx, qdq, prop, pred);
  return pred;
}

/** Absorb pointwise epilogue ops after `t` into `members`; returns the new tail tensor. */
function absorbEpilogue(ctx: AnalysisContext, t: string, members: number[], free: (i: number) => boolean): string {
  const nodes = ctx.nodes;
  for (let guard = 0; guard < 16 && t; guard++) {
    if (ctx.graphOutputs.has(t)) return t;
    const cons = ctx.consumers(t);
    if (cons.length === 1) {
      const c = cons[0]!;
      const cn = nodes[c]!;
      if (!free(c) || cn.output.length !== 1) return t;
      const others = cn.input.filter((x) => x && x !== t);
      const unary = EPILOGUE_UNARY.has(cn.opType) && cn.input[0] === t && others.every((x) => ctx.isStatic(x));
      const constBinary = ['Add', 'Sub', 'Mul', 'Div'].includes(cn.opType) && others.length === 1 && ctx.isStatic(others[0]!);
      if (!unary && !constBinary) return t;
      members.push(c);
      t = cn.output[0]!;
      continue;
    }
    if (cons.length === 2) {
      // x * f(x): SiLU (Sigmoid), HardSwish (HardSigmoid), … where f(x) is read only by the Mul.
      const [c0, c1] = cons as [number, number];
      const [u, m] = nodes[c0]!.opType === 'Mul' ? [c1, c0] : [c0, c1];
      const un = nodes[u]!;
      const mn = nodes[m]!;
      if (!free(u) || !free(m) || !POINTWISE_UNARY.has(un.opType) || mn.opType !== 'Mul' || un.input[0] !== t) return t;
      const uo = un.output[0] ?? '';
      if (!(mn.input.includes(t) && mn.input.includes(uo))) return t;
      const uc = ctx.consumers(uo);
      if (uc.length !== 1 || ctx.graphOutputs.has(uo)) return t;
      members.push(u, m);
      t = mn.output[0] ?? '';
      continue;
    }
    return t;
  }
  return t;
}

function decideOutput(g: FusionGroup, prop: Propagation, floatSkip: boolean): void {
  const b = prop.backward(g.tail);
  if (b.qs.length === 0) {
    g.outReason = 'no-q';
    return;
  }
  if (floatSkip) {
    g.outReason = 'float-skip';
    return;
  }
  if (b.floatConsumers.length > 0 || b.toOutput) {
    g.outReason = 'float-consumers';
    return;
  }
  if (b.scales.length > 1) {
    g.outReason = 'scales-differ';
    return;
  }
  g.outQuantized = true;
  g.outScale = b.scales[0];
  g.fusedQs = [...b.qs];
}

/** The engine layer a node belongs to, named as TREx does: by the group's root node. */
export function layerName(ctx: AnalysisContext, pred: Predictions, i: number): string {
  const g = pred.groups[pred.groupOf[i]!];
  return ctx.name(g && g.members.length ? g.root : i);
}

function predictReformats(ctx: AnalysisContext, qdq: ReadonlyMap<number, QdqInfo>, prop: Propagation, pred: Predictions): void {
  const { groups, groupOf } = pred;
  const seen = new Set<string>();
  const add = (key: string, r: ReformatPrediction): void => {
    if (seen.has(key)) return;
    seen.add(key);
    pred.reformats.push(r);
  };
  /** Name of the layer before a DQ: the producer of its Q's input, else the Q / DQ itself. */
  const before = (dq: QdqInfo): string => {
    const q = dq.pairedQ === undefined ? undefined : qdq.get(dq.pairedQ);
    if (!q) return dq.name;
    const p = ctx.producer(q.input);
    if (p !== undefined && groupOf[p]! >= 0) return layerName(ctx, pred, p);
    return ctx.graphInputs.has(q.input) ? q.input : q.name;
  };
  /** Name of the first layer after a Q (through its DQ and commuting ops). */
  const after = (q: QdqInfo): string => {
    for (const d of q.pairedDq) {
      const dq = qdq.get(d)!;
      for (const dest of prop.destinations(dq.output)) {
        if (dest.kind === 'layer') return layerName(ctx, pred, dest.node!);
        if (dest.kind === 'q') return ctx.name(dest.node!);
      }
      return dq.name;
    }
    return q.name;
  };
  const absorbs = (layer: number, tensor: string): boolean => {
    const g = groups[groupOf[layer]!];
    if (!g || !isQuantizedPrecision(g.precision) || g.precision === 'INT4') return false;
    if (g.kind === 'conv') {
      const w = g.weighted!;
      if (layer === g.root) return ctx.nodes[layer]!.input[w.dataIndex] === tensor;
      if (g.residual && layer === g.residual.add) return g.residual.skip === tensor && g.residual.skipQuantized;
      return false;
    }
    return g.kind === 'eltwise' || g.kind === 'commuting';
  };
  const floatRule = (layer: number): RuleId => {
    const node = ctx.nodes[layer]!;
    const g = groups[groupOf[layer]!];
    if (g?.kind === 'conv') return layer === g.residual?.add ? 'R22' : 'R18';
    if (g?.kind === 'eltwise') return 'R23';
    if (isCustomOp(node)) return 'R28';
    return isNonQuantizable(node.opType) ? 'R24' : 'R23';
  };

  for (const info of qdq.values()) {
    if (info.isWeight || prop.dead[info.index]) continue;
    if (info.kind === 'DQ') {
      for (const dest of prop.destinations(info.output)) {
        if (dest.kind === 'q') continue;
        if (dest.kind === 'layer' && absorbs(dest.node!, dest.tensor)) continue;
        const to = dest.kind === 'output' ? dest.tensor : layerName(ctx, pred, dest.node!);
        const why = dest.kind === 'output' ? 'its value is a graph output' : `${to} (${ctx.nodes[dest.node!]!.opType}) runs in ${pred.precision[dest.node!] ?? pred.floatPrecision}`;
        add(`dq|${info.index}`, {
          between: [before(info), to],
          reason: `${info.name} runs as a standalone dequantize: ${why}`,
          ruleId: dest.kind === 'output' ? 'R25' : floatRule(dest.node!),
          qdqNodes: [info.name],
          qdqIndices: [info.index],
          via: [],
          kind: 'dequantize',
        });
        break;
      }
      continue;
    }
    if (info.pairedDq.length === 0) continue; // unread or dangling Q: R25
    const sq = info.tensorScale;
    for (const o of prop.origins(info.input)) {
      const crossed = o.via.map((v) => ctx.nodes[v]!.opType);
      if (o.kind === 'dq') {
        const dq = qdq.get(o.node!)!;
        const sd = dq.tensorScale;
        if (sd === undefined || sq === undefined) continue;
        if (sd === sq) {
          pred.cancelled.push({ dq: dq.index, q: info.index, via: o.via });
          continue;
        }
        const ruleId: RuleId = crossed.includes('Concat') ? 'R16' : crossed.length ? 'R15' : 'R26';
        add(`rq|${dq.index}|${sq}`, {
          between: [before(dq), after(info)],
          reason: `${dq.name} (scale ${fmtScale(sd)}) meets ${info.name} (scale ${fmtScale(sq)})${crossed.length ? ` across ${crossed.join(', ')}` : ''}: the scales differ (ratio ${fmtScale(Math.max(sd, sq) / Math.min(sd, sq))}), so a requantize layer remains`,
          ruleId,
          qdqNodes: [dq.name, info.name],
          qdqIndices: [dq.index, info.index],
          via: o.via.map((v) => ctx.name(v)),
          kind: 'requantize',
        });
        continue;
      }
      if (o.kind === 'const') continue;
      if (o.kind === 'input') {
        add(`q|${o.tensor}|${sq}`, {
          between: [o.tensor, after(info)],
          reason: `${info.name} quantizes the float network input ${o.tensor}: a standalone quantize (expected once per input)`,
          ruleId: 'R18',
          qdqNodes: [info.name],
          qdqIndices: [info.index],
          via: o.via.map((v) => ctx.name(v)),
          kind: 'quantize',
        });
        continue;
      }
      const p = o.node!;
      const g = groups[groupOf[p]!];
      if (g && g.outQuantized && g.tail === o.tensor) continue;
      const mixedConcat = o.via.some((v) => ctx.nodes[v]!.opType === 'Concat' && concatIsMixed(ctx, prop, v));
      let ruleId: RuleId = floatRule(p);
      let why = `${layerName(ctx, pred, p)} writes ${pred.floatPrecision}`;
      if (g?.kind === 'conv' && isQuantizedPrecision(g.precision)) {
        switch (g.outReason) {
          case 'float-skip':
            ruleId = 'R22';
            why += ' because its fused residual Add reads a float skip input';
            break;
          case 'scales-differ':
            ruleId = 'R19';
            why += ` because its output goes to Q nodes with ${prop.backward(g.tail).scales.length} different scales`;
            break;
          case 'float-consumers':
            ruleId = 'R19';
            why += ' because its output is also read in float';
            break;
          default:
            ruleId = 'R19';
        }
      } else if (g?.kind === 'conv') why += ' (not quantized)';
      if (mixedConcat) ruleId = 'R17';
      add(`q|${o.tensor}|${sq}`, {
        between: [layerName(ctx, pred, p), after(info)],
        reason: `${info.name} (scale ${sq === undefined ? '?' : fmtScale(sq)}) runs as a standalone quantize: ${why}${crossed.length ? `; it reaches the tensor across ${crossed.join(', ')}` : ''}`,
        ruleId,
        qdqNodes: [info.name],
        qdqIndices: [info.index],
        via: o.via.map((v) => ctx.name(v)),
        kind: 'quantize',
      });
    }
  }
}

/** A Concat with at least one input from a DQ and at least one float input (walking through commuting ops). */
export function concatIsMixed(ctx: AnalysisContext, prop: Propagation, concat: number): boolean {
  let q = false;
  let f = false;
  for (const x of ctx.nodes[concat]!.input) {
    if (!x || ctx.isStatic(x)) continue;
    for (const o of prop.origins(x)) {
      if (o.kind === 'dq') q = true;
      else if (o.kind !== 'const') f = true;
    }
  }
  return q && f;
}
