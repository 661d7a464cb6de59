/**
 * The rule interface. A rule reads the shared analysis (resolved Q/DQ nodes, propagation,
 * predictions) and emits findings; it never walks the raw graph for facts the engine already has.
 */
import type { AnalysisContext } from './context';
import type { Fix } from './fix';
import type { Predictions } from './predict';
import type { Propagation } from './propagation';
import type { QdqInfo } from './qdq';
import type { FindingData, RuleMeta, Severity, Target } from './types';

export interface RuleContext {
  readonly ctx: AnalysisContext;
  readonly target: Target;
  /** Q/DQ nodes by node index. */
  readonly qdq: ReadonlyMap<number, QdqInfo>;
  /** The same, in topological order. */
  readonly qdqList: readonly QdqInfo[];
  readonly prop: Propagation;
  readonly pred: Predictions;
  /** The model has at least one Q or DQ node (explicit quantization). */
  readonly hasQdq: boolean;
}

export interface FindingInput {
  severity: Severity;
  message: string;
  nodes: string[];
  data?: FindingData;
  fix?: Fix;
}

export type Emit = (f: FindingInput) => void;

export interface Rule {
  readonly meta: RuleMeta;
  /** Only meaningful on a Q/DQ model (skipped, with no finding, on a float model). */
  readonly needsQdq: boolean;
  check(rc: RuleContext, emit: Emit): void;
}

export function defineRule(meta: RuleMeta, check: Rule['check'], needsQdq = true): Rule {
  return { meta, check, needsQdq };
}

/** `a`, `a and b`, `a, b and c` (messages of the analysis and the editing layer). */
export function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Up to `max` names, then "and N more". */
export function listNames(names: readonly string[], max = 4): string {
  if (names.length <= max) return names.join(', ');
  return joinAnd([...names.slice(0, max), `${names.length - max} more`]);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
