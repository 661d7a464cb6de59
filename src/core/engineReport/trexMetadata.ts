/**
 * Reader for TREx's `*.profile.metadata.json`: TREx (`utils/parse_trtexec_log.py`) turns a trtexec
 * console log into `{ performance_summary, inference_options, device_information }`, with each
 * timing as `[min, max, mean, median, p90, p95, p99]`. Accepted wherever a console log is, so a
 * TREx working folder can be read without the original log.
 */
import { EngineReportError, ProblemList } from './errors';
import { finite, isRecord, kindOf, parseJsonText } from './json';
import type { PerfSource, PerfSummary, TimingStats } from './perf';

export interface TrexMetadata extends PerfSource {
  kind: 'trex-metadata';
  /** `inference_options` as written (string values only). */
  inferenceOptions: Record<string, string>;
}

const TIMINGS: ReadonlyArray<[string, 'latencyMs' | 'enqueueMs' | 'h2dMs' | 'gpuComputeMs' | 'd2hMs']> = [
  ['Latency', 'latencyMs'],
  ['Enqueue Time', 'enqueueMs'],
  ['H2D Latency', 'h2dMs'],
  ['GPU Compute Time', 'gpuComputeMs'],
  ['D2H Latency', 'd2hMs'],
];

export function parseTrexMetadata(text: string, file = '<profile metadata>'): TrexMetadata {
  return trexMetadataFromJson(parseJsonText(text, file, 'TREx profile.metadata.json'), file);
}

/** True when a parsed JSON value has the TREx metadata shape. */
export function looksLikeTrexMetadata(json: unknown): boolean {
  return isRecord(json) && isRecord(json['performance_summary']);
}

export function trexMetadataFromJson(json: unknown, file = '<profile metadata>'): TrexMetadata {
  if (!isRecord(json) || !isRecord(json['performance_summary'])) {
    throw new EngineReportError({
      file,
      path: 'performance_summary',
      problem: `expected an object with a "performance_summary" object, found ${isRecord(json) ? 'none' : kindOf(json)}`,
    });
  }
  const problems = new ProblemList();
  const ps = json['performance_summary'];
  const perf: PerfSummary = {};
  const scalar = (key: string): number | undefined => {
    const v = ps[key];
    if (v === undefined) return undefined;
    const n = finite(v);
    if (n === undefined) problems.add(`performance_summary.${key}`, `expected a finite number, found ${kindOf(v)}; ignored`);
    return n;
  };
  const throughput = scalar('Throughput');
  if (throughput !== undefined) perf.throughputQps = throughput;
  for (const [key, field] of TIMINGS) {
    const v = ps[key];
    if (v === undefined) continue;
    const stats = Array.isArray(v) ? timing(v) : undefined;
    if (stats) perf[field] = stats;
    else problems.add(`performance_summary.${key}`, 'expected [min, max, mean, median, p90, p95, p99] (or […, p99]) of finite numbers; ignored');
  }
  const wall = scalar('Total Host Walltime');
  if (wall !== undefined) perf.totalHostWalltimeS = wall;
  const gpu = scalar('Total GPU Compute Time');
  if (gpu !== undefined) perf.totalGpuComputeS = gpu;

  const out: TrexMetadata = { file, kind: 'trex-metadata', inferenceOptions: {}, diagnostics: [], problems: [] };
  if (Object.keys(perf).length) out.perf = perf;
  const opts = json['inference_options'];
  if (isRecord(opts)) out.inferenceOptions = Object.fromEntries(Object.entries(opts).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const dev = json['device_information'];
  if (isRecord(dev) && typeof dev['Selected Device'] === 'string') {
    out.device = { name: dev['Selected Device'] };
    const cc = dev['Compute Capability'];
    if (typeof cc === 'string' || finite(cc) !== undefined) out.device.computeCapability = String(cc);
  }
  out.problems = problems.done();
  return out;
}

/** `[min, max, mean, median, p90, p95, p99]`, or the older `[min, max, mean, median, p99]`. */
function timing(v: unknown[]): TimingStats | undefined {
  if (!v.every((x) => finite(x) !== undefined)) return undefined;
  const n = v as number[];
  if (n.length !== 7 && n.length !== 5) return undefined;
  const stats: TimingStats = { min: n[0]!, max: n[1]!, mean: n[2]!, median: n[3]!, percentiles: {} };
  if (n.length === 7) {
    stats.p90 = stats.percentiles['90'] = n[4]!;
    stats.p95 = stats.percentiles['95'] = n[5]!;
  }
  stats.p99 = stats.percentiles['99'] = n[n.length - 1]!;
  return stats;
}
