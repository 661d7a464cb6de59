/**
 * Comparison of two engine reports in the shape the YOLO QAT write-ups use (INT8 vs FP16, QAT vs
 * PTQ, before vs after an edit): layers, weights MiB, throughput, latency, precision counts and
 * reformat layers, each with the engine's value, the baseline's, the difference and the relative
 * change. A metric appears when either side has it; the differences only when both do.
 * Then what changed layer by layer: the ONNX nodes whose layer runs in another precision (what an
 * edit such as "keep in higher precision" did to the engine), and the layers of the same name
 * whose time changed most (where the build got faster or slower).
 */
import { tidy } from './json';
import { onnxNodesOfLayer, recordsMetadata } from './layerNodes';
import type { EngineReport, LayerRow, TimingFigures } from './report';

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
  /**
   * ONNX nodes both builds name (in layer metadata, else in layer names), and those whose layer runs
   * in another precision, in this engine's layer order. Standalone reformat layers are left out.
   * Absent when either build names no node.
   */
  nodePrecision?: { compared: number; changed: NodePrecisionChange[] };
  /**
   * Layers of the same name timed in both builds' profiles: how many, how many are timed in only
   * one, and the largest changes by |Δ| (at most `LAYER_TIME_CHANGES`). Absent unless both have a profile.
   */
  layerTimes?: { matched: number; onlyEngine: number; onlyBaseline: number; largest: LayerTimeChange[] };
}

/** An ONNX node whose engine layer runs in another precision than in the baseline build. */
export interface NodePrecisionChange {
  node: string;
  baseline: string;
  engine: string;
  baselineLayer: string;
  engineLayer: string;
}

/** A layer timed in both builds (average per run, ms). */
export interface LayerTimeChange {
  name: string;
  baselineMs: number;
  engineMs: number;
  deltaMs: number;
  deltaPct?: number;
}

/** How many of the largest per-layer time changes a comparison lists. */
export const LAYER_TIME_CHANGES = 10;

/**
 * A part of an 8.x layer name that names a weight or bias (`model.0.conv.weight`: PyTorch's
 * initializer names, which TensorRT joins into the layer name), not a node.
 */
const WEIGHT_NAME = /\.(?:weight|bias)$/;

/** Per ONNX node, the precision and name of the (first) layer that stands for it; reformat layers left out. */
function nodePrecisions(layers: readonly LayerRow[]): Map<string, { precision: string; layer: string }> {
  const out = new Map<string, { precision: string; layer: string }>();
  const withMetadata = recordsMetadata(layers);
  for (const layer of layers) {
    if (!layer.precision || layer.reformat) continue;
    for (const n of onnxNodesOfLayer(layer, withMetadata)) {
      if (!withMetadata && WEIGHT_NAME.test(n)) continue;
      if (!out.has(n)) out.set(n, { precision: layer.precision, layer: layer.name });
    }
  }
  return out;
}

function nodePrecisionChanges(engine: EngineReport, baseline: EngineReport): EngineComparison['nodePrecision'] {
  const e = nodePrecisions(engine.layers);
  const b = nodePrecisions(baseline.layers);
  if (e.size === 0 || b.size === 0) return undefined;
  let compared = 0;
  const changed: NodePrecisionChange[] = [];
  for (const [node, now] of e) {
    const before = b.get(node);
    if (!before) continue;
    compared++;
    if (before.precision !== now.precision) changed.push({ node, baseline: before.precision, engine: now.precision, baselineLayer: before.layer, engineLayer: now.layer });
  }
  return { compared, changed };
}

function layerTimeChanges(engine: EngineReport, baseline: EngineReport): EngineComparison['layerTimes'] {
  const timed = (r: EngineReport) => new Map(r.layers.filter((l) => l.averageMs !== undefined).map((l) => [l.name, l.averageMs!]));
  const e = timed(engine);
  const b = timed(baseline);
  if (e.size === 0 || b.size === 0) return undefined;
  const all: LayerTimeChange[] = [];
  for (const [name, engineMs] of e) {
    const baselineMs = b.get(name);
    if (baselineMs === undefined) continue;
    const d = metricDelta(engineMs, baselineMs);
    all.push({ name, baselineMs, engineMs, deltaMs: d.delta!, ...(d.deltaPct !== undefined ? { deltaPct: d.deltaPct } : {}) });
  }
  const largest = all
    .filter((c) => c.deltaMs !== 0)
    .sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs))
    .slice(0, LAYER_TIME_CHANGES);
  return { matched: all.length, onlyEngine: e.size - all.length, onlyBaseline: b.size - all.length, largest };
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
  const nodePrecision = nodePrecisionChanges(engine, baseline);
  if (nodePrecision) c.nodePrecision = nodePrecision;
  const layerTimes = layerTimeChanges(engine, baseline);
  if (layerTimes) c.layerTimes = layerTimes;
  return c;
}
