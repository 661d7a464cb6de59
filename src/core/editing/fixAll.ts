/**
 * "Fix all": every quick fix the analysis offers for the chosen rules, as ONE edit request.
 *
 * Fixes are computed from one analysis of one model state, and applying one can make another stale
 * (two Concats of one scale-sharing set, an R25 "remove the unused pairs" that includes the pair an
 * R26 fix removes). So the fixes are tried in rounds: each round analyses the current state and
 * applies the fixes whose nodes (those they name or write: `touchedBy`) no earlier fix of the same
 * round touched, as one batch (or, when the batch is refused, one atomic `applyEdit` at a time); a
 * fix that overlaps is left for the next round, which analyses again. A fix the editing layer
 * refuses is skipped with its reason and not tried again (it would keep the fixes sharing its nodes
 * waiting). Rounds end when nothing of the chosen rules is left to fix, when a round applies
 * nothing, or after `maxRounds`. A finding that comes back after its fix was applied is not fixed
 * again (no ping-pong between two rules).
 *
 * The model is left as it was (every applied journal is undone, newest first, which restores the
 * very objects and their clean flags) and the fixes that applied are returned, in the order they
 * applied, as a `batch`: the caller applies it as one undoable edit (the editor, `qdq edit --fix`).
 */
import { findRule, ruleNumber, type AnalysisReport, type Finding, type Fix, type FixEdit, type RuleId } from '../analysis/index';
import { labelRef, nodeLabel } from '../graph/index';
import type { DecodedModel, Node } from '../onnx/index';
import { EditError } from './context';
import { subgraphFreeReads } from './maps';
import { applyEdit, type EditRequest } from './edits';
import type { Journal } from './journal';

export interface FixAllOutcome {
  /** The fixes that applied, as one edit; undefined when none did. */
  readonly request?: Extract<EditRequest, { kind: 'batch' }>;
  /** Each applied fix: its rule, the finding's first node, its title. */
  readonly applied: readonly FixRef[];
  /** Fixes the editing layer refused (and that no later round applied), with its reason. */
  readonly skipped: readonly (FixRef & { reason: string })[];
  /** Findings of the chosen rules that still carry a fix in the state the batch leaves. */
  readonly remaining: number;
  readonly rounds: number;
}

export interface FixRef {
  readonly ruleId: string;
  readonly node: string;
  readonly title: string;
}

export interface FixAllOptions {
  /** Rule ids (`R22`) or long ids (`QDQ-ADD-RESIDUAL`) to fix; default: every rule with a fix. */
  readonly rules?: readonly string[];
  /** Default 6. */
  readonly maxRounds?: number;
  /** Called before each round (progress). */
  readonly onRound?: (round: number, fixable: number) => void;
}

/** Whether `f` is one of `rules` (short or long ids, any case); every finding when `rules` is empty or absent. */
export function findingMatches(f: Finding, rules: readonly string[] | undefined): boolean {
  if (!rules || rules.length === 0) return true;
  return rules.some((r) => findRule(r)?.meta.id === f.ruleId);
}

/** The names in a fix's edits (nodes, and tensors: a tensor sharing a node's name only makes the set larger). */
function namesInEdits(edits: readonly FixEdit[], out: Set<string>): void {
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'kind' && k !== 'dtype' && k !== 'mode') walk(x);
  };
  walk(edits);
}

/** Producer and readers by tensor, nodes by name, over one node list (built once per list). */
interface ListFacts {
  readonly producer: Map<string, number>;
  /** Every node that reads the tensor, through an input or from inside one of its subgraphs. */
  readonly readers: Map<string, number[]>;
  readonly byName: Map<string, number[]>;
}

const factsCache = new WeakMap<readonly Node[], ListFacts>();

function factsOf(list: readonly Node[]): ListFacts {
  let facts = factsCache.get(list);
  if (facts) return facts;
  facts = { producer: new Map(), readers: new Map(), byName: new Map() };
  const push = (m: Map<string, number[]>, k: string, i: number): void => {
    const l = m.get(k);
    if (!l) m.set(k, [i]);
    else if (l.at(-1) !== i) l.push(i);
  };
  list.forEach((n, i) => {
    for (const t of n.input) if (t) push(facts!.readers, t, i);
    for (const t of subgraphFreeReads(n)) push(facts!.readers, t, i);
    for (const o of n.output) if (o && !facts!.producer.has(o)) facts!.producer.set(o, i);
    if (n.name) push(facts!.byName, n.name, i);
  });
  factsCache.set(list, facts);
  return facts;
}

/**
 * The nodes a fix names or writes, as the names (labels, for unnamed nodes) that fixes found in the
 * graph of `nodes` use: the finding's nodes, every name in its edits, and the nodes its edits change
 * without naming them. Fix All puts two fixes in one round only when these sets are disjoint, so
 * neither edits a node the other's analysis saw differently (the rest wait for a fresh analysis).
 *
 * - removing (or moving) a Q→DQ pair rewires every reader of the DQ's output to the Q's input (the
 *   Q's other readers are counted too: it stays for them);
 * - inserting a pair rewires the consumers it names, or every reader of the tensor;
 * - moving a pair also rewires the readers of the tensor it moves to;
 * - a rewired input may leave its old producer unread: when that is a Q, DQ or Constant it is
 *   dropped, and so may be the Q/DQ and Constant nodes before it;
 * - new scales and zero points, and a removed pair, leave the Constant nodes that held the old ones
 *   unread (dropped).
 */
export function touchedBy(nodes: readonly Node[], finding: Pick<Finding, 'nodes'>, fix: Fix): Set<string> {
  const out = new Set<string>(finding.nodes);
  namesInEdits(fix.edits, out);
  const facts = factsOf(nodes);
  const add = (i: number): void => void out.add(nodeLabel(nodes[i]!, i));
  const refs = (ref: string | null | undefined): number[] => {
    if (!ref) return [];
    const named = facts.byName.get(ref);
    if (named) return named;
    const node = labelRef(nodes, ref).node;
    const i = node ? positionsIn(nodes).get(node) : undefined;
    return i === undefined ? [] : [i];
  };
  const readersOf = (t: string | undefined): void => {
    for (const i of (t && facts.readers.get(t)) || []) add(i);
  };
  // The Q/DQ and Constant nodes an input's producer chain may lose (dropped once nobody reads them).
  const removable = (n: Node): boolean => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear' || n.opType === 'Constant';
  const producersOf = (t: string | undefined, seen = new Set<number>()): void => {
    const p = t ? facts.producer.get(t) : undefined;
    if (p === undefined || seen.has(p) || !removable(nodes[p]!)) return;
    seen.add(p);
    add(p);
    for (const x of nodes[p]!.input) producersOf(x, seen);
  };
  const paramsOf = (i: number, slots: readonly number[]): void => {
    for (const s of slots) producersOf(nodes[i]!.input[s]);
  };
  const removal = (quantize: string, dequantize: string | null): void => {
    for (const q of refs(quantize)) {
      paramsOf(q, [1, 2]);
      readersOf(nodes[q]!.output[0]);
    }
    for (const dq of refs(dequantize)) {
      paramsOf(dq, [1, 2]);
      readersOf(nodes[dq]!.output[0]);
    }
    // An unread DQ output (or no DQ: the Q is unread) leaves the Q's input with one reader fewer:
    // dropUnread then removes its Q/DQ/Constant producers once nobody reads them (e.g. the pair
    // before it, Q_a → DQ_a → Q_b → DQ_b with DQ_b unread). Counted whatever else reads that input:
    // another fix of the round may take those readers away.
    const dqs = refs(dequantize);
    if (dequantize === null || dqs.some((dq) => !facts.readers.get(nodes[dq]!.output[0] ?? '')?.length)) {
      for (const q of refs(quantize)) producersOf(nodes[q]!.input[0]);
    }
  };
  for (const e of fix.edits) {
    switch (e.kind) {
      case 'removeQdqPair':
        removal(e.quantize, e.dequantize);
        break;
      case 'moveQdqPair':
        removal(e.quantize, e.dequantize);
        readersOf(e.toTensor);
        break;
      case 'insertQdqPair':
        if (!e.consumers) readersOf(e.tensor);
        break;
      case 'rewireInput':
        for (const n of refs(e.node)) producersOf(nodes[n]!.input[e.inputIndex]);
        break;
      case 'unifyScales':
        for (const name of e.nodes) for (const n of refs(name)) paramsOf(n, [1]);
        break;
      case 'setZeroPoint':
        for (const name of e.nodes) for (const n of refs(name)) paramsOf(n, [2]);
        break;
      case 'setAttribute':
        break;
    }
  }
  return out;
}

/** Whether a fix removes Q/DQ nodes (a pair removed or moved, an input rewired past a chain it may leave unread). */
function removesQdq(fix: Fix): boolean {
  return fix.edits.some((e) => e.kind === 'removeQdqPair' || e.kind === 'moveQdqPair' || e.kind === 'rewireInput');
}

/** Keys whose strings are not node references (tensor names, enums, numbers). */
const NOT_NODES = new Set(['kind', 'tensor', 'toTensor', 'dtype', 'mode', 'name', 'value', 'scale', 'axis', 'zeroPoint', 'inputIndex']);

const namesCache = new WeakMap<readonly Node[], Set<string>>();
const positionsCache = new WeakMap<readonly Node[], Map<Node, number>>();

/** The names of the nodes of a list (lists are replaced, never changed: cached per list). */
function namesIn(list: readonly Node[]): Set<string> {
  let names = namesCache.get(list);
  if (!names) namesCache.set(list, (names = new Set(list.map((n) => n.name).filter(Boolean))));
  return names;
}

function positionsIn(list: readonly Node[]): Map<Node, number> {
  let position = positionsCache.get(list);
  if (!position) {
    position = new Map();
    list.forEach((n, i) => position!.set(n, i));
    positionsCache.set(list, position);
  }
  return position;
}

/**
 * A copy of `v` in which every label of an unnamed node (`Conv#12`, graph/nodeRefs.ts) that names a
 * node of `from` names the same node in `to` (the labels hold node indices, which shift as nodes
 * come and go). Names, and labels that name nothing in `from`, are kept as they are.
 */
function relabel<T>(v: T, from: readonly Node[], to: readonly Node[]): T {
  if (from === to) return v;
  const walk = (x: unknown, key?: string): unknown => {
    if (typeof x === 'string') {
      if ((key !== undefined && NOT_NODES.has(key)) || !/#\d+$/.test(x) || namesIn(from).has(x)) return x;
      const node = labelRef(from, x).node;
      const i = node ? positionsIn(to).get(node) : undefined;
      return node && i !== undefined ? nodeLabel(node, i) : x;
    }
    if (Array.isArray(x)) return x.map((e) => walk(e, key));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, e]) => [k, walk(e, k)]));
    return x;
  };
  return walk(v) as T;
}

/**
 * Find every applicable fix of `options.rules` on `decoded`, as one batch request (see the module
 * comment). `analyse` analyses the model in its current state (the caller's target and options).
 * The model is unchanged on return, also when `analyse` throws.
 *
 * Labels of unnamed nodes in a fix name nodes by their index in the graph the fix was found in;
 * each fix is applied with its labels moved to the graph it applies to, and the returned batch has
 * them moved to the graph as it is now (where a batch resolves every label).
 */
export function fixAll(decoded: DecodedModel, analyse: (decoded: DecodedModel) => AnalysisReport, options: FixAllOptions = {}): FixAllOutcome {
  const maxRounds = options.maxRounds ?? 6;
  const graph = decoded.model.graph;
  const original = graph?.node ?? [];
  const journals: Journal[] = [];
  /** Each applied fix with the node list its labels refer to. */
  const taken: { fix: Fix; ref: FixRef; nodes: readonly Node[] }[] = [];
  /**
   * What makes two findings of two rounds the same fix: its rule, its node and its edits, with
   * labels of unnamed nodes moved to the model as it is (a title or a label holds indices, which
   * shift from round to round).
   */
  const keyOf = (f: Finding, round: readonly Node[]): string =>
    `${f.ruleId}\u0000${relabel(f.nodes[0] ?? '', round, original)}\u0000${JSON.stringify(relabel(f.fix!.edits, round, original))}`;
  const appliedKeys = new Set<string>();
  const skipped = new Map<string, { ref: FixRef; reason: string; nodes: readonly Node[] }>();
  let lastKeys = new Set<string>();
  let remaining = 0;
  let rounds = 0;
  try {
    for (;;) {
      const report = analyse(decoded);
      const roundNodes = graph!.node;
      const withFix = report.findings.filter((f) => f.fix && findingMatches(f, options.rules));
      remaining = withFix.length;
      const keys = new Map(withFix.map((f) => [f, keyOf(f, roundNodes)]));
      lastKeys = new Set(keys.values());
      // Not again: what applied (it came back: two rules pulling one scale two ways) or was refused
      // (it would be refused again, and its nodes would keep the fixes sharing them waiting).
      const fixable = withFix.filter((f) => !appliedKeys.has(keys.get(f)!) && !skipped.has(keys.get(f)!));
      if (fixable.length === 0 || rounds >= maxRounds) break;
      rounds++;
      options.onRound?.(rounds, fixable.length);
      // This round's fixes: those whose nodes no earlier one of the round touches (the rest wait
      // for the next round's fresh analysis). Tried as one batch (one pass of the editing layer's
      // checks instead of one per fix); when the batch is refused, one at a time, to skip only the
      // fixes that are refused themselves.
      // Fixes that remove quantizers come first: a fix that retunes a quantizer another fix removes
      // (R19 unifying the Qs of a conv output, one of them in a pair R25 removes as unread) would
      // otherwise apply first and leave its choice (the removed Q's larger scale) behind; after the
      // removal, the next round's analysis decides without it.
      const ordered = [...fixable.filter((f) => removesQdq(f.fix!)), ...fixable.filter((f) => !removesQdq(f.fix!))];
      const touched = new Set<string>();
      const chosen: { fix: Fix; key: string; ref: FixRef }[] = [];
      for (const f of ordered) {
        const fix = f.fix!;
        const names = touchedBy(roundNodes, f, fix);
        if ([...names].some((n) => touched.has(n))) continue;
        for (const n of names) touched.add(n);
        chosen.push({ fix, key: keys.get(f)!, ref: { ruleId: f.ruleId, node: f.nodes[0] ?? '', title: fix.title } });
      }
      const took = (c: (typeof chosen)[number], fix: Fix, nodes: readonly Node[]): void => {
        taken.push({ fix, ref: c.ref, nodes });
        appliedKeys.add(c.key);
      };
      let progress = 0;
      let refused = 0;
      try {
        const a = applyEdit(decoded, { kind: 'batch', label: 'fix all', edits: chosen.map((c) => ({ kind: 'applyFix' as const, fix: c.fix })) });
        journals.push(a.journal);
        for (const c of chosen) took(c, c.fix, roundNodes);
        progress = chosen.length;
      } catch (e) {
        if (!(e instanceof EditError)) throw e;
        for (const c of chosen) {
          const now = graph!.node;
          const fix = relabel(c.fix, roundNodes, now);
          try {
            journals.push(applyEdit(decoded, { kind: 'applyFix', fix }).journal);
            took(c, fix, now);
            progress++;
          } catch (e2) {
            if (!(e2 instanceof EditError)) throw e2;
            skipped.set(c.key, { ref: c.ref, reason: e2.message, nodes: roundNodes });
            refused++;
          }
        }
      }
      // Nothing changed and nothing newly refused: the next round would choose the same.
      if (progress === 0 && refused === 0) break;
    }
  } finally {
    for (let i = journals.length - 1; i >= 0; i--) journals[i]!.undo();
  }
  // The model is as it was: labels name its nodes again.
  const edits: EditRequest[] = taken.map((t) => ({ kind: 'applyFix', fix: relabel(t.fix, t.nodes, original) }));
  const applied = taken.map((t) => ({ ...t.ref, node: relabel(t.ref.node, t.nodes, original) }));
  const ruleIds = [...new Set(applied.map((a) => a.ruleId))];
  const label = `Apply ${applied.length} fix${applied.length === 1 ? '' : 'es'}${ruleIds.length ? ` (${ruleIds.join(', ')})` : ''}`;
  return {
    ...(edits.length ? { request: { kind: 'batch' as const, label, edits } } : {}),
    applied,
    // A refused fix whose finding went (another fix took care of it) is not worth reporting.
    skipped: [...skipped].filter(([k]) => lastKeys.has(k)).map(([, v]) => ({ ...v.ref, node: relabel(v.ref.node, v.nodes, original), reason: v.reason })),
    remaining,
    rounds,
  };
}

/** What the "Fix All Findings…" pick says of one rule. */
export interface RuleFixCount {
  readonly ruleId: RuleId;
  /** Long id, `QDQ-CONCAT-SCALE`. */
  readonly rule: string;
  /** Findings of the rule that carry a fix. */
  readonly findings: number;
  /**
   * Distinct fixes among them: findings whose fixes make the same edits share one fix (the Concats
   * of one scale-sharing set each report the set, and one unify clears them all), which Fix All
   * applies once.
   */
  readonly fixes: number;
  /** The first finding's fix title (an example of what the rule's fixes do). */
  readonly title: string;
}

/** Per rule, in rule order, of `findings` that carry a fix: how many, and how many distinct fixes (see RuleFixCount). */
export function countFixes(findings: readonly Finding[]): RuleFixCount[] {
  const byRule = new Map<RuleId, { rule: string; findings: number; fixes: Set<string>; title: string }>();
  for (const f of findings) {
    if (!f.fix) continue;
    let c = byRule.get(f.ruleId);
    if (!c) byRule.set(f.ruleId, (c = { rule: f.rule, findings: 0, fixes: new Set(), title: f.fix.title }));
    c.findings++;
    // One analysis, one node list: the edits name nodes alike, labels included.
    c.fixes.add(JSON.stringify(f.fix.edits));
  }
  return [...byRule]
    .sort(([a], [b]) => ruleNumber(a) - ruleNumber(b) || a.localeCompare(b))
    .map(([ruleId, c]) => ({ ruleId, rule: c.rule, findings: c.findings, fixes: c.fixes.size, title: c.title }));
}

/** `4 findings · 2 fixes`. */
export function describeFixCount(c: Pick<RuleFixCount, 'findings' | 'fixes'>): string {
  return `${c.findings} finding${c.findings === 1 ? '' : 's'} · ${c.fixes} fix${c.fixes === 1 ? '' : 'es'}`;
}

/** Counts per rule, in rule order: `R16 ×2, R22 ×8, R25`. */
function perRule(refs: readonly FixRef[]): string {
  const counts = new Map<string, number>();
  for (const r of refs) counts.set(r.ruleId, (counts.get(r.ruleId) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => ruleNumber(a as RuleId) - ruleNumber(b as RuleId) || a.localeCompare(b))
    .map(([id, n]) => (n === 1 ? id : `${id} ×${n}`))
    .join(', ');
}

/** One paragraph for the user: what a fix-all applied, skipped and left (the editor's notification, `qdq edit --fix`). */
export function describeFixAll(o: FixAllOutcome, rules?: readonly string[]): string {
  const scope = rules?.length ? ` of ${rules.join(', ')}` : '';
  const parts: string[] = [];
  // The count per rule when it says more than the scope does (several rules, or all of them).
  const byRule = o.applied.length && (!rules?.length || new Set(o.applied.map((a) => a.ruleId)).size > 1) ? ` (${perRule(o.applied)})` : '';
  if (o.applied.length === 0) parts.push(`No finding${scope} has a fix that applies.`);
  else parts.push(`Applied ${o.applied.length} fix${o.applied.length === 1 ? '' : 'es'}${scope} as one edit${byRule}.`);
  if (o.skipped.length) {
    const first = o.skipped[0]!;
    parts.push(`${o.skipped.length} refused (${perRule(o.skipped)}); first: ${first.title}: ${first.reason}.`);
  }
  // Refused fixes are still there; beyond them, what is left came back after its fix (two rules
  // pulling one scale two ways) or was still overlapping another fix when the rounds ran out.
  const left = o.remaining - o.skipped.length;
  if (left > 0) parts.push(`${left} more finding${left === 1 ? '' : 's'} with a fix remain${left === 1 ? 's' : ''}: fixing ${left === 1 ? 'it' : 'them'} would undo another fix.`);
  return parts.filter(Boolean).join(' ');
}
