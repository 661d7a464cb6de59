/**
 * Ranking by one metric: `delta = value - baseline` (raw; its sign is not flipped by the
 * direction), rank 1 = most sensitive. Ties keep the order of the file, so ranks are unique and
 * "the top k" is always exactly k layers (decisions report ties at the cut separately).
 */
import type { MetricInfo, SensitivityResult } from './sensitivityResult';

export interface RankedLayer {
  readonly name: string;
  readonly kind: 'module' | 'node' | 'auto';
  readonly value: number;
  /** value - baseline; null when the baseline is unknown. */
  readonly delta: number | null;
  /** 1 = most sensitive. */
  readonly rank: number;
}

export interface Ranking {
  readonly metric: MetricInfo;
  /** Sorted by rank. */
  readonly entries: readonly RankedLayer[];
  /** Layers of the file that have no value for this metric. */
  readonly notMeasured: readonly string[];
}

export class UnknownMetricError extends Error {
  override readonly name = 'UnknownMetricError';
  constructor(
    readonly file: string,
    readonly metric: string,
    readonly known: readonly string[],
  ) {
    super(`${file}: no metric "${metric}" (metrics: ${known.join(', ')})`);
  }
}

/** Rank the layers of `result` by `metricName` (default: the first metric of the file). */
export function rankLayers(result: SensitivityResult, metricName?: string): Ranking {
  const metric = metricName === undefined ? result.metrics[0] : result.metrics.find((m) => m.name === metricName);
  if (!metric) throw new UnknownMetricError(result.file, metricName ?? '(none)', result.metrics.map((m) => m.name));
  const sign = metric.direction === 'higher-is-more-sensitive' ? -1 : 1;
  const measured: { name: string; kind: RankedLayer['kind']; value: number; order: number }[] = [];
  const notMeasured: string[] = [];
  result.layers.forEach((l, order) => {
    const value = Object.prototype.hasOwnProperty.call(l.values, metric.name) ? l.values[metric.name] : undefined;
    if (value === undefined || !Number.isFinite(value)) notMeasured.push(l.name);
    else measured.push({ name: l.name, kind: l.kind, value, order });
  });
  measured.sort((a, b) => sign * (a.value - b.value) || a.order - b.order);
  const entries = measured.map((m, i) => ({
    name: m.name,
    kind: m.kind,
    value: m.value,
    delta: metric.baseline === null ? null : roundDelta(m.value - metric.baseline),
    rank: i + 1,
  }));
  return { metric, entries, notMeasured };
}

/**
 * Differences of decimal inputs carry binary noise (0.4321 - 0.4286 = 0.0035000000000000031);
 * 12 significant digits are far beyond any metric's precision and print cleanly.
 */
function roundDelta(d: number): number {
  return d === 0 ? 0 : Number(d.toPrecision(12));
}

/** `+0.0041`, `-0.0012`, `+0.0000`: the sign always shown, `digits` decimals; `n/a` without a baseline. */
export function formatDelta(delta: number | null, digits = 4): string {
  if (delta === null) return 'n/a';
  const s = delta.toFixed(digits);
  return s.startsWith('-') ? s : `+${s}`;
}

/**
 * Decimals to print the values and deltas of one metric with: as many as the file wrote (at most 6,
 * at least 1), so `24.2` against a baseline of `21.5` reads `+2.7` and `0.3868` reads `+0.0053`
 * (what `qdq sensitivity` prints; the views use the same).
 */
export function valueDecimals(values: readonly number[]): number {
  return Math.min(6, Math.max(1, ...values.map((v) => (String(v).split('.')[1] ?? '').length)));
}
