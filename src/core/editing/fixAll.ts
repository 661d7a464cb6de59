/**
 * "Fix all": every quick fix the analysis offers for the chosen rules, as ONE edit request.
 *
 * Fixes are computed from one analysis of one model state, and applying one can make another stale
 * (two Concats of one scale-sharing set, an R25 "remove the unused pairs" that includes the pair an
 * R26 fix removes). So the fixes are tried in rounds: each round analyses the current state and
 * applies the fixes whose nodes no earlier fix of the same round touched, as one batch (or, when the
 * batch is refused, one atomic `applyEdit` at a time); a fix that overlaps is left for the next
 * round, which analyses again. A fix the editing layer refuses is skipped with its reason. Rounds end when nothing of the chosen rules is
 * left to fix, when a round applies nothing, or after `maxRounds`. A finding that comes back after
 * its fix was applied is not fixed again (no ping-pong between two rules).
 *
 * The model is left as it was (every applied journal is undone, newest first, which restores the
 * very objects and their clean flags) and the fixes that applied are returned, in the order they
 * applied, as a `batch`: the caller applies it as one undoable edit (the editor, `qdq edit --fix`).
 */
import type { AnalysisReport, Finding, Fix } from '../analysis/index';
import type { DecodedModel } from '../onnx/index';
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
  return rules.some((r) => r.toUpperCase() === f.ruleId.toUpperCase() || r.toUpperCase() === f.rule.toUpperCase());
}

const keyOf = (f: Finding, fix: Fix): string => `${f.ruleId}\u0000${f.nodes[0] ?? ''}\u0000${fix.title}`;

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

/**
 * Find every applicable fix of `options.rules` on `decoded`, as one batch request (see the module
 * comment). `analyse` analyses the model in its current state (the caller's target and options).
 * The model is unchanged on return, also when `analyse` throws.
 */
export function fixAll(decoded: DecodedModel, analyse: (decoded: DecodedModel) => AnalysisReport, options: FixAllOptions = {}): FixAllOutcome {
  const maxRounds = options.maxRounds ?? 6;
  const journals: Journal[] = [];
  const edits: EditRequest[] = [];
  const applied: FixRef[] = [];
  const appliedKeys = new Set<string>();
  const skipped = new Map<string, FixRef & { reason: string }>();
  let remaining = 0;
  let rounds = 0;
  try {
    for (;;) {
      const report = analyse(decoded);
      const withFix = report.findings.filter((f) => f.fix && findingMatches(f, options.rules));
      remaining = withFix.length;
      const fixable = withFix.filter((f) => !appliedKeys.has(keyOf(f, f.fix!)));
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
        chosen.push({ fix, key: keyOf(f, fix), ref: { ruleId: f.ruleId, node: f.nodes[0] ?? '', title: fix.title } });
      }
      const took = (c: (typeof chosen)[number]): void => {
        edits.push({ kind: 'applyFix', fix: c.fix });
        applied.push(c.ref);
        appliedKeys.add(c.key);
        skipped.delete(c.key);
      };
      let progress = 0;
      try {
        const a = applyEdit(decoded, { kind: 'batch', label: 'fix all', edits: chosen.map((c) => ({ kind: 'applyFix' as const, fix: c.fix })) });
        journals.push(a.journal);
        chosen.forEach(took);
        progress = chosen.length;
      } catch (e) {
        if (!(e instanceof EditError)) throw e;
        for (const c of chosen) {
          try {
            journals.push(applyEdit(decoded, { kind: 'applyFix', fix: c.fix }).journal);
            took(c);
            progress++;
          } catch (e2) {
            if (!(e2 instanceof EditError)) throw e2;
            skipped.set(c.key, { ...c.ref, reason: e2.message });
          }
        }
      }
      if (progress === 0) break;
    }
  } finally {
    for (let i = journals.length - 1; i >= 0; i--) journals[i]!.undo();
  }
  const ruleIds = [...new Set(applied.map((a) => a.ruleId))];
  const label = `Apply ${applied.length} fix${applied.length === 1 ? '' : 'es'}${ruleIds.length ? ` (${ruleIds.join(', ')})` : ''}`;
  return {
    ...(edits.length ? { request: { kind: 'batch' as const, label, edits } } : {}),
    applied,
    skipped: [...skipped.values()],
    remaining,
    rounds,
  };
}

/** Counts per rule, in rule order: `R16 ×2, R22 ×8, R25`. */
function perRule(refs: readonly FixRef[]): string {
  const counts = new Map<string, number>();
  for (const r of refs) counts.set(r.ruleId, (counts.get(r.ruleId) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b))
    .map(([id, n]) => (n === 1 ? id : `${id} ×${n}`))
    .join(', ');
}

/** One paragraph for the user: what a fix-all applied, skipped and left (the editor's notification, `qdq edit --fix`). */
export function describeFixAll(o: FixAllOutcome, rules?: readonly string[]): string {
  const scope = rules?.length ? ` of ${rules.join(', ')}` : '';
  const parts: string[] = [];
  if (o.applied.length === 0) parts.push(`No finding${scope} has a fix that applies.`);
  else parts.push(`Applied ${o.applied.length} fix${o.applied.length === 1 ? '' : 'es'}${scope} as one edit (${perRule(o.applied)}).`);
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
