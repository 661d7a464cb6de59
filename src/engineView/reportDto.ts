/**
 * Engine report → what the webview draws (src/protocol/engineView.ts). No `vscode` here, so it
 * is unit-tested in plain Node.
 */
import type { EngineComparison, EngineReport, MetricDelta, TensorSummary, TimingFigures } from '../core/engineReport/index';
import { PRECISION_CHANGES_SHOWN, type ComparisonRowDto, type EngineComparisonDto, type EngineReportDto, type TimingDto } from '../protocol/engineView';

const MAX_LAYERS = 20_000;

function tensors(ts: TensorSummary[]): string {
  return ts.map((t) => [t.precision, t.format && shortFormat(t.format)].filter(Boolean).join(' ')).join(', ');
}

/** A short layout for long 8.x format strings. */
function shortFormat(format: string): string | undefined {
  if (/Thirty-two wide channel vectorized/i.test(format)) return 'NC/32HW32';
  if (/Four wide channel vectorized/i.test(format)) return 'NC/4HW4';
  if (/Two wide channel vectorized/i.test(format)) return 'NC/2HW2';
  if (/Sixteen wide channel vectorized/i.test(format)) return 'NC/16HW16';
  if (/Channel major/i.test(format)) {
    const m = /% (\d+)/.exec(format);
    return m ? `NHWC${m[1]}` : 'NHWC';
  }
  if (/Row major/i.test(format)) return 'NCHW';
  return undefined;
}

function timing(t: TimingFigures | undefined): TimingDto | undefined {
  if (!t) return undefined;
  const d: TimingDto = {};
  for (const k of ['min', 'mean', 'median', 'p90', 'p95', 'p99', 'max'] as const) if (t[k] !== undefined) d[k] = t[k];
  return d;
}

export function reportToDto(r: EngineReport, label: string): EngineReportDto {
  const dto: EngineReportDto = {
    id: r.source.layerInfo,
    label,
    files: { ...r.source },
    detailed: r.detailed,
    layerCount: r.layerCount,
    reformats: r.reformats.map((f) => ({ index: f.index, name: f.name, kind: f.origin.kind, description: f.origin.description })),
    topLayers: (r.topLayers ?? []).map((t) => ({ name: t.name, ...(t.type !== undefined ? { type: t.type } : {}), averageMs: t.averageMs, ...(t.percentage !== undefined ? { percentage: t.percentage } : {}) })),
    layers: r.layers.slice(0, MAX_LAYERS).map((l) => {
      const row: EngineReportDto['layers'][number] = { index: l.index, name: l.name, inputs: tensors(l.inputs), outputs: tensors(l.outputs) };
      if (l.type !== undefined) row.type = l.type;
      if (l.precision !== undefined) row.precision = l.precision;
      if (l.tactic !== undefined) row.tactic = l.tactic;
      if (l.averageMs !== undefined) row.averageMs = l.averageMs;
      if (l.percentage !== undefined) row.percentage = l.percentage;
      if (l.reformat !== undefined) row.reformat = l.reformat;
      if (l.onnxNodes) row.onnxNodes = l.onnxNodes;
      return row;
    }),
    problems: r.problems.slice(0, 200).map((p) => `${p.file} ${p.where}: ${p.message}`),
  };
  if (r.precisionCounts) dto.precisionCounts = r.precisionCounts;
  if (r.weights) {
    dto.weightsMB = r.weights.mb;
    dto.weightsComplete = r.weights.complete;
  }
  if (r.totalTimeMs !== undefined) dto.totalTimeMs = r.totalTimeMs;
  if (r.profileIterations !== undefined) dto.profileIterations = r.profileIterations;
  if (r.perf) {
    const p = r.perf;
    dto.perf = {};
    if (p.throughputQps !== undefined) dto.perf.throughputQps = p.throughputQps;
    const set = (k: 'latencyMs' | 'gpuComputeMs' | 'enqueueMs' | 'h2dMs' | 'd2hMs') => {
      const t = timing(p[k]);
      if (t) dto.perf![k] = t;
    };
    set('latencyMs');
    set('gpuComputeMs');
    set('enqueueMs');
    set('h2dMs');
    set('d2hMs');
    if (p.totalHostWalltimeS !== undefined) dto.perf.totalHostWalltimeS = p.totalHostWalltimeS;
  }
  if (r.trtVersion) dto.trtVersion = r.trtVersion;
  if (r.device) dto.device = r.device.computeCapability ? `${r.device.name} (SM ${r.device.computeCapability})` : r.device.name;
  const precision = r.build?.precision ?? (r.build?.precisions.length ? r.build.precisions.join('+') : undefined);
  if (precision || r.build?.stronglyTyped) dto.buildPrecision = [precision, r.build?.stronglyTyped ? 'strongly typed' : undefined].filter(Boolean).join(', ');
  if (r.diagnostics) {
    dto.diagnostics = {
      errors: r.diagnostics.errors,
      warnings: r.diagnostics.warnings,
      items: r.diagnostics.items.slice(0, 200).map((d) => ({ line: d.line, severity: d.severity, message: d.message })),
    };
  }
  return dto;
}

/** The comparison as rows in the order of the YOLO QAT reports: layers, weights, throughput, latency. */
export function comparisonToDto(c: EngineComparison, engineLabel: string, baselineLabel: string, engine?: EngineReport): EngineComparisonDto {
  const rows: ComparisonRowDto[] = [];
  const add = (label: string, d: MetricDelta | undefined, better?: 'lower' | 'higher') => {
    if (!d || (d.engine === undefined && d.baseline === undefined)) return;
    const row: ComparisonRowDto = { label, ...d };
    if (better) row.better = better;
    rows.push(row);
  };
  add('Layers', c.layers, 'lower');
  add('Reformat layers', c.reformats, 'lower');
  add('Weights (MiB)', c.weightsMB, 'lower');
  add('Throughput (qps)', c.throughputQps, 'higher');
  for (const k of ['mean', 'median', 'p90', 'p95', 'p99'] as const) add(`Latency ${k} (ms)`, c.latencyMs?.[k], 'lower');
  for (const k of ['mean', 'median', 'p99'] as const) add(`GPU compute ${k} (ms)`, c.gpuComputeMs?.[k], 'lower');
  add('Summed layer time (ms)', c.totalTimeMs, 'lower');
  for (const [k, d] of Object.entries(c.precisionCounts ?? {})) add(`${k} layers`, d);
  const dto: EngineComparisonDto = { engine: engineLabel, baseline: baselineLabel, rows };
  if (c.nodePrecision) {
    const shown = c.nodePrecision.changed.slice(0, PRECISION_CHANGES_SHOWN);
    dto.precisionChanges = {
      compared: c.nodePrecision.compared,
      changed: shown.map((x) => ({ node: x.node, baseline: x.baseline, engine: x.engine, layer: x.engineLayer, onnxNodes: [x.node] })),
      more: c.nodePrecision.changed.length - shown.length,
    };
  }
  if (c.layerTimes) {
    // Linked as the Layers table links: when the engine's layer names its nodes in metadata.
    const nodesOf = new Map((engine?.layers ?? []).map((l) => [l.name, l.onnxNodes]));
    dto.layerTimes = {
      matched: c.layerTimes.matched,
      largest: c.layerTimes.largest.map((t) => {
        const onnxNodes = nodesOf.get(t.name);
        return { ...t, ...(onnxNodes?.length ? { onnxNodes } : {}) };
      }),
    };
  }
  return dto;
}
