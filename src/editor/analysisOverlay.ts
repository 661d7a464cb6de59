/**
 * The 'analysis' graph overlay: nodes coloured by the precision TensorRT is predicted to run them
 * in (from `analyzeModel`), fusion groups in the tooltip, standalone Q/DQ conversions marked, and
 * every finding as a badge on its nodes. Pure (no `vscode`): unit-tested in test/unit/graphView.
 */
import { type AnalysisReport, type Severity, targetLabel } from '../core/analysis/index';
import { precisionLegend, type GraphOverlayDto, type OverlayNodeDto } from '../protocol/overlay';

export const ANALYSIS_SOURCE = 'analysis';

const LEGEND = precisionLegend('FP16 (falls back)');

const severityRank: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
const severityMark: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };

/** At most this many nodes of one finding get its badge. */
const NODES_PER_FINDING = 8;
/** At most this many fused nodes are bulleted in a root's tooltip (the rest: "… and N more"). */
const TOOLTIP_BULLETS = 100;

interface Entry {
  key?: string;
  lines: string[];
  findings: number;
  severity?: Severity;
}

export function analysisOverlay(report: AnalysisReport): GraphOverlayDto {
  const entries = new Map<string, Entry>();
  const entry = (name: string): Entry => {
    let e = entries.get(name);
    if (!e) entries.set(name, (e = { lines: [], findings: 0 }));
    return e;
  };
  // A fusion group is one engine layer: every compute node of it is a layer prediction whose
  // `fusedWith` names the others (its Q/DQ nodes included), and every one but the group's root —
  // the Conv, Gemm or Add whose epilogue, Q/DQ and residual join it, the node TensorRT names the
  // layer after — names the root in `fusedInto`. So the others are fused into the root, never the
  // other way round, whatever the layer order (a merged float chain's root can come later).
  // A group over the analysis's listing bound (`fusedWithMore`) lists its others at the root only
  // (every Q/DQ it absorbs and 100 other nodes), every other member only the root.
  const layerNames = new Set(report.layers.map((l) => l.node));
  for (const layer of report.layers) {
    const e = entry(layer.node);
    e.key = layer.precision;
    if (layer.fusedInto !== undefined) {
      e.lines.push(`Predicted ${layer.precision}, fused into ${layer.fusedInto}`);
      continue;
    }
    const fused = layer.fusedWith.filter((f) => f !== layer.node);
    if (fused.length === 0) {
      e.lines.push(`Predicted ${layer.precision}`);
      continue;
    }
    const total = fused.length + (layer.fusedWithMore ?? 0);
    // One bullet per node (a no-break space after it: a wrapped line never strands the bullet), at
    // most TOOLTIP_BULLETS: a root over the bound lists every Q/DQ it absorbs (a Sum of 2,000 inputs).
    const shown = fused.slice(0, TOOLTIP_BULLETS);
    e.lines.push(`Predicted ${layer.precision}, ${total} node${total === 1 ? '' : 's'} fused into it:`, ...shown.map((f) => `•\u00a0${f}`));
    if (total > shown.length) e.lines.push(`•\u00a0… and ${total - shown.length} more`);
    for (const f of fused) {
      if (layerNames.has(f)) continue;
      // A Q/DQ node, no layer of its own; a DQ read by two layers (a residual's skip) joins both.
      const fe = entry(f);
      fe.key ??= layer.precision;
      fe.lines.push(`Fused into ${layer.node} (${layer.precision})`);
    }
  }
  for (const r of report.reformats) {
    for (const q of r.qdqNodes) {
      const e = entry(q);
      e.key = 'reformat';
      e.lines.push(`Standalone ${r.kind} between ${r.between[0]} and ${r.between[1]} (${r.ruleId}): ${r.reason}`);
    }
  }
  for (const f of report.findings) {
    for (const name of f.nodes.slice(0, NODES_PER_FINDING)) {
      const e = entry(name);
      e.findings++;
      if (!e.severity || severityRank[f.severity] > severityRank[e.severity]) e.severity = f.severity;
      e.lines.push(`${f.ruleId} ${f.rule} (${f.severity}): ${f.message}`);
    }
  }
  const nodes: Record<string, OverlayNodeDto> = {};
  for (const [name, e] of entries) {
    nodes[name] = {
      ...(e.key ? { key: e.key } : {}),
      ...(e.findings > 0 && e.severity ? { badge: `${severityMark[e.severity]} ${e.findings}`, severity: e.severity } : {}),
      ...(e.lines.length ? { tooltip: e.lines.join('\n') } : {}),
    };
  }
  const t = report.target;
  const used = new Set([...entries.values()].map((e) => e.key));
  return {
    label: `Predicted precision (${targetLabel(t)})`,
    legend: LEGEND.filter((l) => used.has(l.key) || l.key === 'INT8' || l.key === 'FP16'),
    nodes,
  };
}
