/** Human-readable `qdq lint` output: findings grouped by severity, then the predicted engine in brief. */
import { type AnalysisReport, type Finding, targetLabel } from '../types';

const MARK: Record<Finding['severity'], string> = { error: 'error  ', warning: 'warning', info: 'info   ' };

export interface TextOptions {
  /** Print info findings too (default true). */
  infos?: boolean;
  /** Max reformat lines (default 20). */
  maxReformats?: number;
}

export function formatText(model: string, r: AnalysisReport, o: TextOptions = {}): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(`${model}: ${targetLabel(r.target)}`);
  lines.push(`  ${r.stats.nodes} nodes, ${r.stats.quantizeLinear} QuantizeLinear / ${r.stats.dequantizeLinear} DequantizeLinear, ${r.stats.quantizedWeightedOps} of ${r.stats.weightedOps} weighted ops quantized`);
  const precisions = [['INT8', s.int8Layers], ['FP8', s.fp8Layers], ['INT4', s.int4Layers], ['FP16', s.fp16Layers], ['FP32', s.fp32Layers]].filter(([, n]) => n).map(([p, n]) => `${n} ${p}`);
  lines.push(`  predicted: ${precisions.join(', ') || 'no compute layers'}; ${s.reformats} standalone conversion layer${s.reformats === 1 ? '' : 's'}`);
  lines.push('');
  const shown = r.findings.filter((f) => o.infos !== false || f.severity !== 'info');
  for (const f of shown) {
    lines.push(`${MARK[f.severity]} ${f.ruleId} ${f.rule}: ${f.message}`);
    if (f.nodes.length) lines.push(`        nodes: ${f.nodes.slice(0, 6).join(', ')}${f.nodes.length > 6 ? `, … (${f.nodes.length})` : ''}`);
    if (f.fix) lines.push(`        fix: ${f.fix.title}`);
  }
  if (shown.length) lines.push('');
  if (r.reformats.length) {
    const max = o.maxReformats ?? 20;
    lines.push(`Predicted conversion layers (${r.reformats.length}):`);
    for (const x of r.reformats.slice(0, max)) lines.push(`  [${x.ruleId}] ${x.between[0]} → ${x.between[1]}: ${x.reason}`);
    if (r.reformats.length > max) lines.push(`  … ${r.reformats.length - max} more (use --format json for all)`);
    lines.push('');
  }
  lines.push(`${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${s.infos} info`);
  return lines.join('\n');
}
