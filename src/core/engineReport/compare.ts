/**
 * Comparison of two engine reports in the shape the YOLO QAT write-ups use (INT8 vs FP16, QAT vs
 * PTQ, before vs after an edit): layers, weights MiB, throughput, latency, precision counts and
 * reformat layers, each with the engine's value, the baseline's, the difference and the relative
 * change. A metric appears when either side has it; the differences only when both do.
 */
import { tidy } from './json';
import type { EngineReport, TimingFigures } from './report';

export interface MetricDelta {
  engine?: number;
  baseline?: number;
  /** engine − baseline. */
  delta?: number;
  /** (engine − baseline) / baseline × 100; absent when the baseline is 0. */
  deltaPct?: number;
}

type TimingKey = 'min' | 'mean' | 'median' | 'p90' | 'p95' | 'p99';

export interface EngineComparison {
  /** Label (file) of the engine under study. */
  engine: string;
  /** Label (file) of the engine it is measured against. */
  baseline: string;
  layers: MetricDelta;
  reformats: MetricDelta;
  weightsMB?: MetricDelta;
  throughputQps?: MetricDelta;
  latencyMs?: Partial<Record<TimingKey, MetricDelta>>;
  gpuComputeMs?: Partial<Record<TimingKey, MetricDelta>>;
  /** Summed per-layer time from the profiles. */
  totalTimeMs?: MetricDelta;
  precisionCounts?: Record<string, MetricDelta>;
}

export function metricDelta(engine: number | undefined, baseline: number | undefined): MetricDelta {
  const d: MetricDelta = {};
  if (engine !== undefined) d.engine = engine;
  if (baseline !== undefined) d.baseline = baseline;
  if (engine !== undefined && baseline !== undefined) {
    d.delta = tidy(engine - baseline);
    if (baseline !== 0) d.deltaPct = tidy(((engine - baseline) / baseline) * 100);
  }
  return d;
}

function optional(engine: number | undefined, baseline: number | undefined): MetricDelta | undefined {
  return engine === undefined && baseline === undefined ? undefined : metricDelta(engine, baseline);
}

function timing(e: TimingFigures | undefined, b: TimingFigures | undefined): Partial<Record<TimingKey, MetricDelta>> | undefined {
  if (!e && !b) return undefined;
  const out: Partial<Record<TimingKey, MetricDelta>> = {};
  for (const k of ['min', 'mean', 'median', 'p90', 'p95', 'p99'] as const) {
    const d = optional(e?.[k], b?.[k]);
    if (d) out[k] = d;
  }
  return out;
}

/** Compare `engine` against `baseline`. */
export function compareEngineReports(engine: EngineReport, baseline: EngineReport): EngineComparison {
  const c: EngineComparison = {
    engine: engine.source.layerInfo,
    baseline: baseline.source.layerInfo,
    layers: metricDelta(engine.layerCount, baseline.layerCount),
    reformats: metricDelta(engine.reformats.length, baseline.reformats.length),
  };
  const weights = optional(engine.weights?.mb, baseline.weights?.mb);
  if (weights) c.weightsMB = weights;
  const qps = optional(engine.perf?.throughputQps, baseline.perf?.throughputQps);
  if (qps) c.throughputQps = qps;
  const latency = timing(engine.perf?.latencyMs, baseline.perf?.latencyMs);
  if (latency) c.latencyMs = latency;
  const gpu = timing(engine.perf?.gpuComputeMs, baseline.perf?.gpuComputeMs);
  if (gpu) c.gpuComputeMs = gpu;
  const total = optional(engine.totalTimeMs, baseline.totalTimeMs);
  if (total) c.totalTimeMs = total;
  if (engine.precisionCounts || baseline.precisionCounts) {
    const keys = new Set([...Object.keys(engine.precisionCounts ?? {}), ...Object.keys(baseline.precisionCounts ?? {})]);
    c.precisionCounts = Object.fromEntries(
      [...keys].map((k) => [k, metricDelta(engine.precisionCounts ? (engine.precisionCounts[k] ?? 0) : undefined, baseline.precisionCounts ? (baseline.precisionCounts[k] ?? 0) : undefined)]),
    );
  }
  return c;
}
