/**
 * The analysis entry point: `analyzeModel(decoded, index, options)` resolves the Q/DQ nodes,
 * models propagation, predicts the engine and runs the rules, returning one plain-data report.
 */
import type { GraphIndex } from '../graph/index';
import type { DecodedModel } from '../onnx/index';
import { AnalysisContext } from './context';
import { predict } from './predict';
import { Propagation } from './propagation';
import { resolveQdq } from './qdq';
import type { FindingInput, Rule, RuleContext } from './rule';
import { findRule, RULES, ruleNumber } from './rules/index';
import { type AnalysisReport, DEFAULT_TARGET, type Finding, type RuleId, type Severity, type Target } from './types';

export interface AnalyzeOptions {
  /** TensorRT 8.x or 10.x (default 10). */
  trt?: 8 | 10;
  /** Deployment precision where rules differ (default int8). */
  precision?: 'int8' | 'fp8';
  /** 10.x --stronglyTyped build: float layers keep their ONNX type (default false: --int8 --fp16). */
  stronglyTyped?: boolean;
  /** Refittable engine (enables R29). */
  refit?: boolean;
  /** Only these rules (short `R16` or long `QDQ-CONCAT-SCALE` ids); default all. Unknown ids throw. */
  rules?: readonly string[];
}

export class UnknownRuleError extends Error {
  constructor(readonly key: string) {
    super(`unknown rule '${key}' (expected R1..R31 or a long id such as QDQ-CONCAT-SCALE)`);
  }
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function resolveTarget(o: AnalyzeOptions = {}): Target {
  return {
    trt: o.trt ?? DEFAULT_TARGET.trt,
    precision: o.precision ?? DEFAULT_TARGET.precision,
    stronglyTyped: o.stronglyTyped ?? DEFAULT_TARGET.stronglyTyped,
    refit: o.refit ?? DEFAULT_TARGET.refit,
  };
}

/** The rules selected by `keys` (all when undefined). Throws UnknownRuleError. */
export function selectRules(keys?: readonly string[]): Rule[] {
  if (!keys) return [...RULES];
  const out: Rule[] = [];
  for (const k of keys) {
    const r = findRule(k);
    if (!r) throw new UnknownRuleError(k);
    if (!out.includes(r)) out.push(r);
  }
  return out.sort((a, b) => ruleNumber(a.meta.id) - ruleNumber(b.meta.id));
}

function versionApplies(rule: Rule, t: Target): boolean {
  const v = rule.meta.versions;
  return v === 'all' || (v === '8.x' && t.trt === 8) || (v === '10.x' && t.trt === 10);
}

export function analyzeModel(decoded: DecodedModel, index: GraphIndex, options: AnalyzeOptions = {}): AnalysisReport {
  const t0 = performance.now();
  const target = resolveTarget(options);
  const rules = selectRules(options.rules);
  const ctx = new AnalysisContext(decoded, index, target);
  const qdq = resolveQdq(ctx);
  const prop = new Propagation(ctx, qdq);
  const pred = predict(ctx, qdq, prop);
  const qdqList = index.topoOrder.filter((i) => qdq.has(i)).map((i) => qdq.get(i)!);
  const rc: RuleContext = { ctx, target, qdq, qdqList, prop, pred, hasQdq: qdq.size > 0 };

  const findings: Finding[] = [];
  const rulesRun: RuleId[] = [];
  for (const rule of rules) {
    if (!versionApplies(rule, target) || (rule.needsQdq && !rc.hasQdq)) continue;
    rulesRun.push(rule.meta.id);
    rule.check(rc, (f: FindingInput) => {
      findings.push({ ruleId: rule.meta.id, rule: rule.meta.name, severity: f.severity, message: f.message, nodes: f.nodes, data: f.data ?? {}, ...(f.fix ? { fix: f.fix } : {}) });
    });
  }
  const firstNodes = new Set(findings.map((f) => f.nodes[0]).filter((n): n is string => n !== undefined));
  const nodePos = new Map<string, number>();
  ctx.nodes.forEach((_, i) => {
    const name = ctx.name(i);
    if (firstNodes.has(name)) nodePos.set(name, ctx.topoPos[i]!);
  });
  const keyed = findings.map((f) => ({ f, k: SEVERITY_ORDER[f.severity] * 1e9 + ruleNumber(f.ruleId) * 1e7 + (f.nodes.length ? (nodePos.get(f.nodes[0]!) ?? -1) : -1) }));
  keyed.sort((a, b) => a.k - b.k);
  findings.splice(0, findings.length, ...keyed.map((x) => x.f));

  const count = (p: string): number => pred.layers.filter((l) => l.precision === p).length;
  const reformats = rules.length === RULES.length ? pred.reformats : pred.reformats.filter((r) => rules.some((x) => x.meta.id === r.ruleId));
  return {
    target,
    findings,
    layers: pred.layers,
    reformats,
    summary: {
      int8Layers: count('INT8'),
      fp8Layers: count('FP8'),
      int4Layers: count('INT4'),
      fp16Layers: count('FP16'),
      fp32Layers: count('FP32'),
      reformats: reformats.length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      infos: findings.filter((f) => f.severity === 'info').length,
    },
    stats: {
      nodes: ctx.nodes.length,
      quantizeLinear: qdqList.filter((q) => q.kind === 'Q').length,
      dequantizeLinear: qdqList.filter((q) => q.kind === 'DQ').length,
      weightedOps: pred.weighted.size,
      quantizedWeightedOps: [...pred.weighted.keys()].filter((i) => pred.isQuantizedPrecision(pred.precision[i])).length,
      rulesRun,
      timeMs: performance.now() - t0,
    },
  };
}
