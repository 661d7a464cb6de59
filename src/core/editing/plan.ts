/**
 * The quantization plan (docs/plan-format.md): which layers to keep in higher precision, which to
 * (re-)quantize, which scales to unify, which Q/DQ pairs to remove or insert. Read with ajv against
 * the schema we publish (`PLAN_SCHEMA_V1`, written to docs/schemas/qdq-plan-v1.schema.json; a unit
 * test fails when they differ), turned into one batch edit, and exported from the edits in effect,
 * with ModelOpt-style `nodesToExclude` patterns and YOLO module names for the next quantization run.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { labelRef, nodeLabel } from '../graph/index';
import type { Node } from '../onnx/index';
import { EditError } from './context';
import type { AppliedEdit, EditRequest, ScaleMode } from './edits';
import { moduleOfNodeName, resolveTargetIn, TargetIndex, type TargetLookup } from './targets';

export const QDQ_PLAN_FORMAT = 'qdq-plan';
export const QDQ_PLAN_VERSION = 1;

const extensions = { '^x-': {} } as const;
const name = { type: 'string', minLength: 1 } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;

export const PLAN_SCHEMA_V1 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:qdq-studio:schema:qdq-plan:1',
  title: 'QDQ Studio quantization plan, version 1',
  description: 'Layers to keep in higher precision, layers to quantize, scale unifications and Q/DQ pairs to remove or insert in a Q/DQ ONNX model. See docs/plan-format.md.',
  type: 'object',
  required: ['format', 'version'],
  properties: {
    $schema: { type: 'string', description: 'Optional: where editors find this schema.' },
    format: { const: QDQ_PLAN_FORMAT, description: 'Identifies the file.' },
    version: { const: QDQ_PLAN_VERSION, description: 'Format version; readers refuse versions they do not know.' },
    model: { type: 'string', description: 'The model the plan was made for (informational).' },
    keepHigherPrecision: {
      type: 'array',
      description: 'Layers whose Q/DQ inputs are removed so TensorRT runs them in FP16/FP32.',
      items: {
        type: 'object',
        required: ['target'],
        properties: {
          target: { ...name, description: 'ONNX node name, an unnamed node\'s label (Conv#12: its index in the node list of the model the plan applies to), ONNX scope prefix (/model.22/) or PyTorch module name (model.22).' },
          nodes: { type: 'array', items: name, description: 'The ONNX nodes the target named when the plan was exported (informational).' },
          module: { type: 'string', description: 'The PyTorch module of the node (informational).' },
          reason: { type: 'string', description: 'Why (informational).' },
        },
        patternProperties: extensions,
        additionalProperties: false,
      },
    },
    enableQuantization: {
      type: 'array',
      description: 'Layers to quantize: INT8, per-channel axis-0 weights, zero point 0.',
      items: {
        type: 'object',
        required: ['target'],
        properties: {
          target: { ...name, description: 'As in keepHigherPrecision.' },
          activationScale: { ...positive, description: 'Per-tensor scale of the activation input(s).' },
          weightScales: { type: 'array', items: positive, minItems: 1, description: 'Per-channel weight scales (default: max |w| / 127 per channel).' },
        },
        patternProperties: extensions,
        additionalProperties: false,
      },
    },
    unifyScales: {
      type: 'array',
      description: 'Groups of quantizers that must share one scale.',
      items: {
        type: 'object',
        properties: {
          around: { ...name, description: 'A Concat (or another op Q/DQ commute over): every quantizer on its inputs and output.' },
          nodes: { type: 'array', items: name, minItems: 2, description: 'Q/DQ node names.' },
          mode: { enum: ['max', 'min', 'value'], description: 'Which scale they take (default max; value: `scale`).' },
          scale: { ...positive, description: 'The scale for mode value.' },
        },
        oneOf: [{ properties: { around: true }, required: ['around'] }, { properties: { nodes: true }, required: ['nodes'] }],
        patternProperties: extensions,
        additionalProperties: false,
      },
    },
    removeQdqPairs: {
      type: 'array',
      description: 'Q/DQ pairs to remove (by node names, or every pair on a tensor).',
      items: {
        type: 'object',
        properties: {
          quantize: { ...name, description: 'QuantizeLinear node name.' },
          dequantize: { type: ['string', 'null'], description: 'DequantizeLinear node name (null: a Q nobody reads).' },
          tensor: { ...name, description: 'A float tensor (Q input) or a DQ output.' },
        },
        oneOf: [{ properties: { quantize: true, dequantize: true }, required: ['quantize', 'dequantize'] }, { properties: { tensor: true }, required: ['tensor'] }],
        patternProperties: extensions,
        additionalProperties: false,
      },
    },
    insertQdqPairs: {
      type: 'array',
      description: 'New Q/DQ pairs.',
      items: {
        type: 'object',
        required: ['tensor', 'scale'],
        properties: {
          tensor: { ...name, description: 'The tensor to quantize.' },
          consumers: { type: 'array', items: name, description: 'Readers that read the DQ output (default: all).' },
          scale: { oneOf: [positive, { type: 'array', items: positive, minItems: 1 }], description: 'Per-tensor scale, or per-channel scales.' },
          dtype: { type: 'string', description: 'Quantized type (default INT8).' },
          axis: { type: 'integer', description: 'Per-channel axis (default 0).' },
        },
        patternProperties: extensions,
        additionalProperties: false,
      },
    },
    nodesToExclude: {
      type: 'array',
      items: { type: 'string' },
      description: 'Written on export, ignored on apply: ModelOpt `nodes_to_exclude` (anchored, escaped regular expressions of the kept nodes).',
    },
    yoloModules: {
      type: 'array',
      items: { type: 'string' },
      description: 'Written on export, ignored on apply: the PyTorch modules (model.N...) of the kept nodes, for yolov9-qat.',
    },
  },
  patternProperties: extensions,
  additionalProperties: false,
} as const;

export interface QdqPlan {
  $schema?: string;
  format: typeof QDQ_PLAN_FORMAT;
  version: typeof QDQ_PLAN_VERSION;
  model?: string;
  keepHigherPrecision?: { target: string; nodes?: string[]; module?: string; reason?: string }[];
  enableQuantization?: { target: string; activationScale?: number; weightScales?: number[] }[];
  unifyScales?: { around?: string; nodes?: string[]; mode?: ScaleMode; scale?: number }[];
  removeQdqPairs?: ({ quantize: string; dequantize: string | null } | { tensor: string })[];
  insertQdqPairs?: { tensor: string; consumers?: string[]; scale: number | number[]; dtype?: string; axis?: number }[];
  nodesToExclude?: string[];
  yoloModules?: string[];
}

/** Plans are small (a rule per layer); a file past this is not one. */
export const MAX_PLAN_BYTES = 64 * 1024 * 1024;

let validator: ValidateFunction | undefined;

/** Parse and validate a plan; errors name the file (and the line for syntax errors, the JSON path for schema errors). */
export function parsePlan(text: string, file: string): QdqPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(msg);
    const where = at ? `:${lineOf(text, Number(at[1]))}` : '';
    throw new EditError(`${file}${where}: not valid JSON: ${msg}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EditError(`${file}: a plan is a JSON object`);
  const v = value as Record<string, unknown>;
  if (v['format'] !== QDQ_PLAN_FORMAT) throw new EditError(`${file}: not a QDQ Studio plan ("format" must be "${QDQ_PLAN_FORMAT}")`);
  if (v['version'] !== QDQ_PLAN_VERSION) throw new EditError(`${file}: plan version ${JSON.stringify(v['version'])} is not supported (this reader knows version ${QDQ_PLAN_VERSION})`);
  validator ??= new Ajv2020({ allErrors: false, strict: true }).compile(PLAN_SCHEMA_V1);
  if (!validator(value)) {
    const err = validator.errors![0]!;
    const path = `$${err.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('')}`;
    const detail = err.keyword === 'additionalProperties' ? `unknown property "${(err.params as { additionalProperty: string }).additionalProperty}"` : err.message ?? 'invalid';
    throw new EditError(`${file}: ${path}: ${detail}`);
  }
  const plan = value as unknown as QdqPlan;
  for (const [i, u] of (plan.unifyScales ?? []).entries()) {
    if ((u.mode === 'value') !== (u.scale !== undefined)) throw new EditError(`${file}: $.unifyScales[${i}]: "scale" goes with mode "value" (and only with it)`);
  }
  return plan;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The plan as one edit (keep, enable, unify, remove, insert, in that order). */
export function planToRequest(plan: QdqPlan, label = 'Apply plan'): EditRequest {
  const edits: EditRequest[] = [];
  for (const k of plan.keepHigherPrecision ?? []) edits.push({ kind: 'disableQuantization', target: k.target });
  for (const e of plan.enableQuantization ?? []) {
    const r: EditRequest = { kind: 'enableQuantization', target: e.target };
    if (e.activationScale !== undefined) r.activationScale = e.activationScale;
    if (e.weightScales !== undefined) r.weightScales = e.weightScales;
    edits.push(r);
  }
  for (const u of plan.unifyScales ?? []) {
    const mode = u.mode ?? 'max';
    if (u.around) edits.push({ kind: 'unifyConcat', node: u.around, mode, ...(u.scale !== undefined ? { scale: u.scale } : {}) });
    else edits.push({ kind: 'unifyScales', nodes: u.nodes ?? [], mode, ...(u.scale !== undefined ? { scale: u.scale } : {}) });
  }
  for (const r of plan.removeQdqPairs ?? []) {
    if ('tensor' in r) edits.push({ kind: 'removeQdqOnTensor', tensor: r.tensor });
    else edits.push({ kind: 'removeQdqPair', quantize: r.quantize, dequantize: r.dequantize });
  }
  for (const p of plan.insertQdqPairs ?? []) {
    edits.push({ kind: 'insertQdqPair', tensor: p.tensor, scale: p.scale, dtype: p.dtype ?? 'INT8', ...(p.consumers ? { consumers: p.consumers } : {}), ...(p.axis !== undefined ? { axis: p.axis } : {}) });
  }
  if (edits.length === 0) throw new EditError('the plan lists no edit');
  return { kind: 'batch', label, edits };
}

/** `^…$` with regular-expression characters escaped: ModelOpt matches `nodes_to_exclude` with `re.match`. */
export function exactPattern(nodeName: string): string {
  return `^${nodeName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * `resolveTarget(nodes, target)` for many targets over one node list: the nodes `target` names, or
 * undefined where resolveTarget refuses it (nothing matches; a label of a named node or of another
 * op type). The same rules (a node name wins, then an unnamed node's label, then a scope prefix
 * `/a/b/` or a module `a.b` and everything under it, compute nodes only), with the list indexed once
 * (by name, by each scope prefix of a compute node's name and each module enclosing it), so that a
 * target costs its matches, not a scan of the model: exportPlan asks once per enable part, and a
 * session of per-layer enables on a 50k-node model has thousands. test/unit/editing/planTargets.test.ts
 * compares it with resolveTarget.
 */
export function targetResolver(nodes: readonly Node[]): (target: string) => readonly Node[] | undefined {
  let byName: Map<string, Node[]> | undefined;
  let index: TargetIndex | undefined;
  const lookup: TargetLookup = {
    named: (name) => {
      if (!byName) {
        byName = new Map();
        for (const n of nodes) {
          if (!n.name) continue; // an unnamed node is named by its label only
          const list = byName.get(n.name);
          if (list) list.push(n);
          else byName.set(n.name, [n]);
        }
      }
      return byName.get(name) ?? [];
    },
    has: () => true,
    compute: () => (index ??= new TargetIndex(nodes)),
  };
  return (target) => {
    try {
      return resolveTargetIn(lookup, target, nodes);
    } catch {
      return undefined;
    }
  };
}

/**
 * The plan of the edits in effect (oldest first): the net decision per layer (kept in higher
 * precision, quantized, or nothing: a disable later undone by an enable cancels out, and so does an
 * enable of a float layer later disabled again), enables, unifications and pair edits as they were
 * requested, and the derived ModelOpt / YOLO lists. Each disable or enable part counts the layers it
 * changed itself (`AppliedEdit.layers`; a batch's `nodes` mix every part's), and a later part on a
 * layer supersedes an earlier one. A plan applies to the model as it was before these edits, so an
 * unnamed node's label (`Conv#12`) is written as it is there: each edit's labels are followed to
 * their node (in the node list that edit began or ended with, `graphNodes`) and named in the first
 * edit's starting list. The ModelOpt patterns and YOLO modules list named nodes only (an unnamed
 * node has no name a pattern could match, nor a module).
 */
/** Lookups of one node list after which exportPlan indexes its names instead of scanning it. */
const INDEX_AFTER_LOOKUPS = 6;

export function exportPlan(applied: readonly AppliedEdit[], model?: string): QdqPlan {
  const base = applied[0]?.graphNodes.before ?? [];
  let basePositions: Map<Node, number> | undefined;
  const positionInBase = (n: Node): number | undefined => {
    if (!basePositions) {
      basePositions = new Map();
      base.forEach((x, i) => basePositions!.set(x, i));
    }
    return basePositions.get(n);
  };
  /**
   * findNodeRef(list, ref).node. A list asked about often (a batch of per-layer edits on an unnamed
   * model names thousands of labels) gets its names indexed, a list asked about a few times is
   * scanned (an index costs ~6 scans of a 50k-node list). Only the last two lists are held: one
   * edit's `after` is the next one's `before`.
   */
  const lists = new Map<readonly Node[], { asked: number; names?: Map<string, Node> }>();
  const nodeRef = (list: readonly Node[], ref: string): Node | undefined => {
    if (!ref) return undefined;
    let held = lists.get(list);
    if (!held) {
      if (lists.size >= 2) lists.delete(lists.keys().next().value!);
      held = { asked: 0 };
      lists.set(list, held);
    }
    if (!held.names && ++held.asked > INDEX_AFTER_LOOKUPS) {
      held.names = new Map();
      for (const n of list) if (n.name && !held.names.has(n.name)) held.names.set(n.name, n);
    }
    const byName = held.names ? held.names.get(ref) : list.find((n) => n.name === ref);
    return byName ?? labelRef(list, ref).node;
  };
  /** `ref` as named in `list`, named in `base`: a label moves to the node's index there. */
  const rebased = (ref: string, list: readonly Node[]): string => {
    if (!/#\d+$/.test(ref) || list === base) return ref;
    const n = nodeRef(list, ref);
    if (!n || n.name) return ref;
    const i = positionInBase(n);
    return i === undefined ? ref : nodeLabel(n, i);
  };
  type Scales = { activationScale?: number; weightScales?: number[] };
  /**
   * Per layer (its name or label in `base`), in the order of the latest decision: what the first and
   * the latest disable/enable of it did, the target that kept it, the scales and part (index in
   * `enables`) of the latest enable; `label`: an unnamed node's label.
   */
  const layers = new Map<string, { first: 'disable' | 'enable'; last: 'disable' | 'enable'; reason?: string; scales?: Scales; part?: number; label: boolean }>();
  /** Each enable part: its target (as in `base`), scales, and the layers it quantized. */
  const enables: { target: string; keys: string[] }[] = [];
  const unify: QdqPlan['unifyScales'] = [];
  const removePairs: QdqPlan['removeQdqPairs'] = [];
  const insertPairs: QdqPlan['insertQdqPairs'] = [];
  const visit = (r: EditRequest, e: AppliedEdit, changes: { next: number }): void => {
    const { before, after } = e.graphNodes;
    const req = (ref: string): string => rebased(ref, before);
    /** The layers this disable/enable part changed, as keys in `base`. */
    const changed = (): { key: string; label: boolean }[] => {
      const c = e.layers?.[changes.next++];
      if (!c || c.kind !== r.kind) return [];
      return c.layers.map((x) => ({ key: rebased(x, after), label: /#\d+$/.test(x) && nodeRef(after, x)?.name === '' }));
    };
    switch (r.kind) {
      case 'disableQuantization':
        for (const { key, label } of changed()) {
          const was = layers.get(key);
          layers.delete(key);
          layers.set(key, { first: was?.first ?? 'disable', last: 'disable', reason: req(r.target), ...(was?.scales ? { scales: was.scales } : {}), label });
        }
        return;
      case 'enableQuantization': {
        const own: Scales = {};
        if (r.activationScale !== undefined) own.activationScale = r.activationScale;
        if (r.weightScales !== undefined) own.weightScales = r.weightScales;
        const part = enables.length;
        const keys: string[] = [];
        for (const { key, label } of changed()) {
          const was = layers.get(key);
          // An enable that put back what the latest disable removed (the session's memory), after an
          // earlier enable of a float layer: those are the earlier enable's quantizers.
          const scales = r.remembered?.length && r.activationScale === undefined && was?.first === 'enable' && was.scales ? was.scales : own;
          layers.delete(key);
          layers.set(key, { first: was?.first ?? 'enable', last: 'enable', scales, part, label });
          keys.push(key);
        }
        enables.push({ target: req(r.target), keys });
        return;
      }
      case 'unifyScales': {
        const mode = 'mode' in r && r.mode ? r.mode : r.scale !== undefined ? 'value' : 'max';
        unify.push({ nodes: r.nodes.map(req), mode, ...(mode === 'value' ? { scale: r.scale! } : {}) });
        return;
      }
      case 'unifyConcat': {
        const mode = r.mode ?? (r.scale !== undefined ? 'value' : 'max');
        unify.push({ around: req(r.node), mode, ...(mode === 'value' ? { scale: r.scale! } : {}) });
        return;
      }
      case 'removeQdqPair':
        removePairs.push({ quantize: req(r.quantize), dequantize: r.dequantize === null ? null : req(r.dequantize) });
        return;
      case 'removeQdqOnTensor':
        removePairs.push({ tensor: r.tensor });
        return;
      case 'insertQdqPair': {
        const item: { tensor: string; consumers?: string[]; scale: number | number[]; dtype?: string; axis?: number } = { tensor: r.tensor, scale: r.scale, dtype: r.dtype };
        if (r.consumers) item.consumers = r.consumers.map(req);
        if ('axis' in r && r.axis !== undefined) item.axis = r.axis;
        insertPairs.push(item);
        return;
      }
      case 'applyFix':
        for (const x of r.fix.edits) visit(x, e, changes);
        return;
      case 'batch':
        for (const x of r.edits) visit(x, e, changes);
        return;
      default:
        return; // setScales, setZeroPoint, setAttribute, moveQdqPair, rewireInput: not plan items
    }
  };
  for (const e of applied) visit(e.request, e, { next: 0 });
  const plan: QdqPlan = { format: QDQ_PLAN_FORMAT, version: QDQ_PLAN_VERSION };
  if (model) plan.model = model;
  // Kept: disabled first and last (a layer enabled first was float in the model: disabling it again
  // leaves it as it was).
  const kept = [...layers].filter(([, l]) => l.first === 'disable' && l.last === 'disable');
  const namedNodes = kept.filter(([, l]) => !l.label).map(([k]) => k);
  if (kept.length) {
    plan.keepHigherPrecision = kept.map(([n, l]) => {
      const m = moduleOfNodeName(n);
      return { target: n, ...(m ? { module: m } : {}), reason: `disabled with target ${l.reason}` };
    });
  }
  // Quantized: enabled first and last (a layer disabled first was quantized in the model), by the
  // enable part that decided last. A part is written with its target when that states its layers'
  // decision exactly: every layer it changed is still its own, on one set of scales, and no layer
  // the target names in the model was decided otherwise (kept, or enabled by another part; the plan
  // applies keeps before enables, and an enable skips a layer already quantized). Else one item per
  // layer it decided.
  const enabled: NonNullable<QdqPlan['enableQuantization']> = [];
  let inBase: ReturnType<typeof targetResolver> | undefined;
  enables.forEach((part, i) => {
    const mine = part.keys.filter((k) => layers.get(k)!.part === i && layers.get(k)!.last === 'enable');
    const decided = mine.filter((k) => layers.get(k)!.first === 'enable');
    if (decided.length === 0) return;
    const scalesOf = (k: string): Scales => layers.get(k)!.scales ?? {};
    const same = decided.every((k) => JSON.stringify(scalesOf(k)) === JSON.stringify(scalesOf(decided[0]!)));
    let whole = same && mine.length === part.keys.length;
    if (whole) {
      inBase ??= targetResolver(base);
      const targeted = inBase(part.target);
      whole =
        targeted !== undefined &&
        targeted.every((n) => {
          const l = layers.get(n.name || nodeLabel(n, positionInBase(n) ?? -1));
          return !l || (l.part === i && l.last === 'enable');
        });
    }
    if (whole) enabled.push({ target: part.target, ...scalesOf(decided[0]!) });
    else for (const k of decided) enabled.push({ target: k, ...scalesOf(k) });
  });
  if (enabled.length) plan.enableQuantization = enabled;
  if (unify.length) plan.unifyScales = unify;
  if (removePairs.length) plan.removeQdqPairs = removePairs;
  if (insertPairs.length) plan.insertQdqPairs = insertPairs;
  plan.nodesToExclude = namedNodes.map(exactPattern);
  plan.yoloModules = [...new Set(namedNodes.map((n) => moduleOfNodeName(n)).filter((m): m is string => m !== null))];
  return plan;
}
