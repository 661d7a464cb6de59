/**
 * The engine report: one engine's layer info, joined with its per-layer profile and the figures of
 * its trtexec run. Plain JSON data; this is what `qdq engine --json` prints and what the engine
 * report view shows. Fields are present only when the inputs have them.
 */
import type { ReadProblem } from './errors';
import { tidy } from './json';
import type { EngineLayer, EngineTensor, LayerInfo, LayerInfoStyle } from './layerInfo';
import type { BuildSummary, DeviceInfo, LogDiagnostic, PerfSource, TimingStats } from './perf';
import type { Precision } from './precision';
import type { LayerProfile } from './profile';
import { findReformats, type ReformatKind, type ReformatLayer } from './reformats';

export interface TensorSummary {
  name: string;
  precision: Precision;
  format?: string;
  dimensions?: number[];
}

export interface LayerRow {
  index: number;
  name: string;
  /** `LayerType`, else `ParameterType`. */
  type?: string;
  /** The layer's precision as TREx reads it: the type of its first input (first output for layers without inputs). */
  precision?: Precision;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** `TacticName`, else `TacticValue`. */
  tactic?: string;
  /** Per-inference time from the profile, ms. */
  averageMs?: number;
  medianMs?: number;
  /** Share of the summed layer time, %. */
  percentage?: number;
  /** ONNX nodes from `Metadata` (10.x). */
  onnxNodes?: string[];
  /** Set on reformat / re-quantize layers. */
  reformat?: ReformatKind;
}

export interface TopLayer {
  name: string;
  type?: string;
  averageMs: number;
  medianMs?: number;
  percentage?: number;
}

/** A timing line reduced to the figures reports use. */
export interface TimingFigures {
  min?: number;
  max?: number;
  mean?: number;
  median?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  /** Only when trtexec printed percentiles other than 90/95/99 (`--percentile=99.9`). */
  percentiles?: Record<string, number>;
}

export interface ReportPerf {
  throughputQps?: number;
  latencyMs?: TimingFigures;
  gpuComputeMs?: TimingFigures;
  enqueueMs?: TimingFigures;
  h2dMs?: TimingFigures;
  d2hMs?: TimingFigures;
  totalHostWalltimeS?: number;
  totalGpuComputeS?: number;
}

export interface WeightsSummary {
  /** Bytes of the `Weights` and `Bias` blobs listed in the layer info. */
  bytes: number;
  /** The same in MiB (2^20 bytes; the key keeps its name `mb`). */
  mb: number;
  /**
   * False when some layers hide their weights (10.x Myelin `gemm`/`kgen`, `{ForeignNode[…]}`,
   * `Constant` layers without a `Weights` entry, unknown weight types): `bytes` is then a lower bound.
   */
  complete: boolean;
}

export interface EngineReport {
  source: { layerInfo: string; profile?: string; log?: string };
  /** False for a name-only layer-info file (built without `--profilingVerbosity=detailed`). */
  detailed: boolean;
  style: LayerInfoStyle;
  layerCount: number;
  layers: LayerRow[];
  bindings?: string[];
  reformats: ReformatLayer[];
  /** Layers per precision (reformats included; `NoOp` and `Constant` layers left out). Detailed files only. */
  precisionCounts?: Record<string, number>;
  weights?: WeightsSummary;
  /** Summed per-layer time of one inference (sum of the profile's `averageMs`), ms. */
  totalTimeMs?: number;
  profileIterations?: number;
  /** The slowest layers by average time, slowest first. */
  topLayers?: TopLayer[];
  perf?: ReportPerf;
  trtVersion?: string;
  device?: DeviceInfo;
  build?: BuildSummary;
  diagnostics?: { errors: number; warnings: number; items: LogDiagnostic[] };
  /** Non-fatal problems of every input. */
  problems: Array<ReadProblem & { file: string }>;
}

export interface ReportInputs {
  layerInfo: LayerInfo;
  /** `--exportProfile` JSON; when absent, a `--dumpProfile` table in the log is used. */
  profile?: LayerProfile;
  /** A console log or TREx metadata. */
  run?: PerfSource;
}

export interface ReportOptions {
  /** How many layers `topLayers` lists (default 10). */
  topN?: number;
}

const WEIGHT_BYTES: Readonly<Record<string, number>> = {
  Int8: 1,
  UInt8: 1,
  FP8: 1,
  Bool: 1,
  Int4: 0.5,
  FP4: 0.5,
  Half: 2,
  BFloat16: 2,
  Float: 4,
  Int32: 4,
  Int64: 8,
  Double: 8,
};

function tensorSummary(t: EngineTensor): TensorSummary {
  const s: TensorSummary = { name: t.name, precision: t.precision };
  if (t.format !== undefined) s.format = t.format;
  if (t.dimensions) s.dimensions = t.dimensions;
  return s;
}

function layerPrecision(l: EngineLayer): Precision | undefined {
  return (l.inputs[0] ?? l.outputs[0])?.precision;
}

function isBookkeeping(l: EngineLayer): boolean {
  return l.layerType === 'NoOp' || l.layerType === 'Constant' || l.parameterType === 'Constant';
}

function weightsOf(layers: EngineLayer[]): WeightsSummary | undefined {
  let bytes = 0;
  let any = false;
  let complete = true;
  for (const l of layers) {
    for (const w of [l.weights, l.bias]) {
      if (!w) continue;
      any = true;
      const size = Object.prototype.hasOwnProperty.call(WEIGHT_BYTES, w.type) ? WEIGHT_BYTES[w.type]! : undefined;
      if (size === undefined) complete = false;
      else bytes += w.count * size;
    }
    const myelin = l.layerType !== undefined && /^[a-z]/.test(l.layerType);
    if (myelin || l.name.includes('{ForeignNode[') || (l.layerType === 'Constant' && !l.weights)) complete = false;
  }
  if (!any || !Number.isFinite(bytes)) return undefined;
  return { bytes, mb: tidy(bytes / 2 ** 20), complete };
}

function figures(s: TimingStats | undefined): TimingFigures | undefined {
  if (!s) return undefined;
  const f: TimingFigures = {};
  for (const k of ['min', 'max', 'mean', 'median', 'p90', 'p95', 'p99'] as const) if (s[k] !== undefined) f[k] = s[k];
  const extra = Object.entries(s.percentiles).filter(([label]) => label !== '90' && label !== '95' && label !== '99');
  if (extra.length) f.percentiles = Object.fromEntries(extra);
  return f;
}

/** Join layer info, profile and run figures into one report. */
export function buildEngineReport(inputs: ReportInputs, options: ReportOptions = {}): EngineReport {
  const { layerInfo: info, run } = inputs;
  const profile = inputs.profile ?? run?.profile;
  const topN = Math.max(0, Math.floor(options.topN ?? 10));
  const reformats = findReformats(info);
  const reformatKind = new Map(reformats.map((r) => [r.index, r.origin.kind]));

  const rows: LayerRow[] = info.layers.map((l) => {
    const row: LayerRow = { index: l.index, name: l.name, inputs: l.inputs.map(tensorSummary), outputs: l.outputs.map(tensorSummary) };
    const type = l.layerType ?? l.parameterType;
    if (type !== undefined) row.type = type;
    const p = layerPrecision(l);
    if (p !== undefined) row.precision = p;
    const tactic = l.tacticName ?? l.tacticValue;
    if (tactic !== undefined) row.tactic = tactic;
    if (l.onnxNodes.length) row.onnxNodes = l.onnxNodes;
    const kind = reformatKind.get(l.index);
    if (kind !== undefined) row.reformat = kind;
    return row;
  });

  const report: EngineReport = {
    source: { layerInfo: info.file },
    detailed: info.detailed,
    style: info.style,
    layerCount: info.layers.length,
    layers: rows,
    reformats,
    problems: info.problems.map((p) => ({ file: info.file, ...p })),
  };
  if (info.bindings) report.bindings = info.bindings;

  if (info.detailed) {
    const counts = new Map<string, number>();
    for (const l of info.layers) {
      if (isBookkeeping(l)) continue;
      const p = layerPrecision(l) ?? 'UNKNOWN';
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    report.precisionCounts = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  }
  const weights = weightsOf(info.layers);
  if (weights) report.weights = weights;

  if (profile) {
    report.source.profile = profile.file;
    if (profile.iterations !== undefined) report.profileIterations = profile.iterations;
    report.totalTimeMs = profile.totalAverageMs;
    joinProfile(rows, profile);
    const byName = new Map<string, LayerRow>();
    for (const r of rows) if (!byName.has(r.name)) byName.set(r.name, r);
    report.topLayers = profile.records
      .filter((r) => r.averageMs !== undefined)
      .sort((a, b) => b.averageMs! - a.averageMs! || a.index - b.index)
      .slice(0, topN)
      .map((r) => {
        const t: TopLayer = { name: r.name, averageMs: r.averageMs! };
        const type = byName.get(r.name)?.type;
        if (type !== undefined) t.type = type;
        if (r.medianMs !== undefined) t.medianMs = r.medianMs;
        if (r.percentage !== undefined) t.percentage = r.percentage;
        return t;
      });
    report.problems.push(...profile.problems.map((p) => ({ file: profile.file, ...p })));
  }

  if (run) {
    report.source.log = run.file;
    if (run.perf) {
      const perf: ReportPerf = {};
      const p = run.perf;
      if (p.throughputQps !== undefined) perf.throughputQps = p.throughputQps;
      for (const k of ['latencyMs', 'gpuComputeMs', 'enqueueMs', 'h2dMs', 'd2hMs'] as const) {
        const f = figures(p[k]);
        if (f) perf[k] = f;
      }
      if (p.totalHostWalltimeS !== undefined) perf.totalHostWalltimeS = p.totalHostWalltimeS;
      if (p.totalGpuComputeS !== undefined) perf.totalGpuComputeS = p.totalGpuComputeS;
      report.perf = perf;
    }
    if (run.trtVersion) report.trtVersion = run.trtVersion;
    if (run.device) report.device = run.device;
    if (run.build) report.build = run.build;
    if (run.kind === 'trtexec-log') {
      const items = run.diagnostics;
      report.diagnostics = {
        errors: items.filter((d) => d.severity === 'error').length,
        warnings: items.filter((d) => d.severity === 'warning').length,
        items,
      };
    }
    report.problems.push(...run.problems.map((p) => ({ file: run.file, ...p })));
  }
  return report;
}

/**
 * Put profile times on the rows: by name (the n-th record of a name goes to the n-th layer of
 * that name), or by position when no name matches and both have the same length (TREx does the same).
 */
function joinProfile(rows: LayerRow[], profile: LayerProfile): void {
  const queues = new Map<string, LayerRow[]>();
  for (const r of rows) {
    const q = queues.get(r.name);
    if (q) q.push(r);
    else queues.set(r.name, [r]);
  }
  let matched = 0;
  const pairs: Array<[LayerRow, (typeof profile.records)[number]]> = [];
  for (const rec of profile.records) {
    const row = queues.get(rec.name)?.shift();
    if (row) {
      matched++;
      pairs.push([row, rec]);
    }
  }
  if (matched === 0 && rows.length === profile.records.length) {
    rows.forEach((row, i) => pairs.push([row, profile.records[i]!]));
  }
  for (const [row, rec] of pairs) {
    if (rec.averageMs !== undefined) row.averageMs = rec.averageMs;
    if (rec.medianMs !== undefined) row.medianMs = rec.medianMs;
    if (rec.percentage !== undefined) row.percentage = rec.percentage;
  }
}
