/**
 * "Fix all": every quick fix the analysis offers for the chosen rules, as ONE edit request.
 *
 * Fixes are computed from one analysis of one model state, and applying one can make another stale
 * (two Concats of one scale-sharing set, an R25 "remove the unused pairs" that includes the pair an
 * R26 fix removes). So the fixes are tried in rounds: each round analyses the current state and
 * applies the fixes whose nodes no earlier fix of the same round touched, as one batch (or, when the
 * batch is refused, one atomic `applyEdit` at a time); a fix that overlaps is left for the next
 * round, which analyses again. A fix the editing layer refuses is skipped with its reason and not
 * tried again (it would keep the fixes sharing its nodes waiting). Rounds end when nothing of the
 * chosen rules is left to fix, when a round applies nothing, or after `maxRounds`. A finding that
 * comes back after its fix was applied is not fixed again (no ping-pong between two rules).
 *
 * The model is left as it was (every applied journal is undone, newest first, which restores the
 * very objects and their clean flags) and the fixes that applied are returned, in the order they
 * applied, as a `batch`: the caller applies it as one undoable edit (the editor, `qdq edit --fix`).
 */
import { findRule, ruleNumber, type AnalysisReport, type Finding, type Fix, type RuleId } from '../analysis/index';
import { labelRef, nodeLabel } from '../graph/index';
import type { DecodedModel, Node } from '../onnx/index';
import { EditError } from './context';
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

/** Every node name a fix reads or changes: the finding's nodes and the names in its edits. */
function namesOf(f: Finding, fix: Fix): string[] {
  const out = [...f.nodes];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'kind' && k !== 'dtype' && k !== 'mode') walk(x);
  };
  walk(fix.edits);
  return out;
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
      const touched = new Set<string>();
      const chosen: { fix: Fix; key: string; ref: FixRef }[] = [];
      for (const f of fixable) {
        const fix = f.fix!;
        const names = namesOf(f, fix);
        if (names.some((n) => touched.has(n))) continue;
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
