/**
 * A sensitivity report as a graph overlay (the `sensitivity` source of the graph view): every node
 * a ranked entry maps to gets a heat (0 = least sensitive of the ranking, 1 = most), a tooltip with
 * the entry's numbers, and compute nodes a badge (`#1 ΔAP +0.0053`). A node inside several entries
 * (`model.22` and `model.22.cv2.0.0.conv`) takes the most specific one.
 *
 * Heat is by rank, not by value: values are rarely spread evenly (a numeric check's SQNRs run from
 * 4 dB to the 200 dB cap, with a dozen layers at the cap, so a linear scale put 172 of 186 layers
 * in its top fifth), while ranks spread the colours over the whole ramp whatever the distribution.
 * Equal values share one heat (the mean of their positions).
 *
 * The types mirror `GraphOverlayDto` of src/protocol/overlay.ts structurally (the core does not
 * import the protocol); the VS Code side passes the result straight to the overlay service.
 */
import type { ReportEntry, SensitivityReport } from './sensitivityReport';
import { metricFormat, metricText } from './sensitivityView';

export interface SensitivityOverlayNode {
  readonly key?: string;
  readonly heat?: number;
  readonly badge?: string;
  readonly tooltip?: string;
}

export interface SensitivityOverlay {
  readonly label: string;
  readonly legend: readonly { readonly key: string; readonly label: string; readonly color: string }[];
  readonly nodes: Readonly<Record<string, SensitivityOverlayNode>>;
}

/** The overlay source name the graph view knows this layer by. */
export const SENSITIVITY_OVERLAY_SOURCE = 'sensitivity';

/** Broader entries first, node names last, so the most specific entry is written last. */
function specificity(e: ReportEntry): number {
  if (e.onnxNodes.length === 1 && e.onnxNodes[0] === e.name) return Number.MAX_SAFE_INTEGER;
  return e.name.split('.').length;
}

/**
 * Heat 0..1 by rank: the most sensitive value 1, the least 0, evenly spaced between; equal values
 * share the mean of their positions; a single value (or all equal) is 1.
 */
export function rankHeat(values: readonly number[], higherIsMore: boolean): (v: number) => number {
  const sorted = [...values].sort((a, b) => (higherIsMore ? b - a : a - b)); // most sensitive first
  const n = sorted.length;
  const heat = new Map<number, number>();
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    const position = (i + j) / 2; // mean position of the tied run
    heat.set(sorted[i]!, i === 0 && j === n - 1 ? 1 : Math.round((1 - position / (n - 1)) * 1000) / 1000);
    i = j + 1;
  }
  return (v) => heat.get(v) ?? 0;
}

export function sensitivityOverlay(report: SensitivityReport): SensitivityOverlay {
  const mapped = report.entries.filter((e) => e.onnxNodes.length > 0);
  const values = mapped.map((e) => e.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const higher = report.metric.direction === 'higher-is-more-sensitive';
  const heatOf = rankHeat(values, higher);
  const total = report.entries.length;
  const fmt = metricFormat(report);
  const nodes: Record<string, SensitivityOverlayNode> = Object.create(null) as Record<string, SensitivityOverlayNode>;
  const ordered = mapped.map((e, i) => ({ e, i })).sort((a, b) => specificity(a.e) - specificity(b.e) || a.i - b.i);
  for (const { e } of ordered) {
    const heat = heatOf(e.value);
    const text = metricText(e, fmt);
    const tooltip = `${e.name}: rank ${e.rank}/${total} · ${text} (${e.metric} ${e.value}${report.baseline === null ? '' : `, baseline ${report.baseline}`})`;
    const compute = new Set(e.computeNodes);
    for (const n of e.onnxNodes) {
      nodes[n] = { heat, tooltip, ...(compute.has(n) ? { badge: `#${e.rank} ${text}` } : {}) };
    }
  }
  const ends = mapped.length ? { least: higher ? min : max, most: higher ? max : min } : undefined;
  const dir = higher ? 'higher is more sensitive' : 'lower is more sensitive';
  return {
    label: `Sensitivity (${report.metric.name}, ${dir})`,
    legend: [
      // HEAT_RAMP of src/protocol/overlay.ts (not charts.blue: too close to the selection outline).
      { key: 'least', label: ends ? `least sensitive (${report.metric.name} ${ends.least})` : 'least sensitive', color: 'charts.yellow' },
      { key: 'most', label: ends ? `most sensitive (${report.metric.name} ${ends.most})` : 'most sensitive', color: 'charts.red' },
    ],
    nodes,
  };
}
