/**
 * The `qdq lint --format json` shape (stable; extend, never rename):
 * `{model, target:{trt, precision, stronglyTyped, refit}, findings:[{ruleId, rule, severity, message, nodes, data}], layers:[{node, opType,
 * precision, fusedWith, fusedWithMore?, fusedInto?}], reformats:[{between, reason, ruleId}], summary:{int8Layers, fp16Layers,
 * reformats, errors, warnings}}`. A finding's fix, when it has one, is `data.fix`.
 */
import type { AnalysisReport, FindingData, LayerPrediction, RuleId, Severity } from '../types';

export interface LintJson {
  model: string;
  /** The build predicted: TensorRT version, quantized precision, `--stronglyTyped` (10.x) and `--refit`. */
  target: { trt: '8.x' | '10.x'; precision: 'int8' | 'fp8'; stronglyTyped: boolean; refit: boolean };
  findings: { ruleId: RuleId; rule: string; severity: Severity; message: string; nodes: string[]; data: FindingData }[];
  layers: LayerPrediction[];
  reformats: { between: [string, string]; reason: string; ruleId: RuleId }[];
  summary: { int8Layers: number; fp16Layers: number; reformats: number; errors: number; warnings: number };
}

export function toLintJson(model: string, r: AnalysisReport): LintJson {
  return {
    model,
    target: { trt: r.target.trt === 8 ? '8.x' : '10.x', precision: r.target.precision, stronglyTyped: r.target.stronglyTyped === true, refit: r.target.refit === true },
    findings: r.findings.map((f) => ({ ruleId: f.ruleId, rule: f.rule, severity: f.severity, message: f.message, nodes: f.nodes, data: f.fix ? { ...f.data, fix: f.fix } : f.data })),
    layers: r.layers.map((l) => ({
      node: l.node,
      opType: l.opType,
      precision: l.precision,
      fusedWith: l.fusedWith,
      ...(l.fusedWithMore !== undefined ? { fusedWithMore: l.fusedWithMore } : {}),
      ...(l.fusedInto !== undefined ? { fusedInto: l.fusedInto } : {}),
    })),
    reformats: r.reformats.map((x) => ({ between: x.between, reason: x.reason, ruleId: x.ruleId })),
    summary: { int8Layers: r.summary.int8Layers, fp16Layers: r.summary.fp16Layers, reformats: r.summary.reformats, errors: r.summary.errors, warnings: r.summary.warnings },
  };
}
