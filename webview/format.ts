/**
 * Pure formatting helpers of the model view. No DOM here, so they run under plain Node in
 * `test/unit/webview/format.test.ts`.
 */

// One byte formatter for the CLI and the view (binary units, as trtexec prints them).
export { formatBytes } from '../src/protocol/format';

/** Integer as plain digits with no grouping separators, e.g. `2530` (the node count format). */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return '?';
  return String(Math.trunc(count));
}

/** Parses a count written by `formatCount`; undefined when the text is not a plain integer. */
export function parseCount(text: string | null | undefined): number | undefined {
  if (text == null) return undefined;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

export type Dim = number | string | null;

/**
 * A tensor shape: `1×3×640×640`, symbolic dims by name (`batch×3×640×640`), unknown dims as `?`,
 * a rank-0 tensor as `scalar`, and an absent shape as `unknown`.
 */
export function formatShape(shape: readonly Dim[] | null): string {
  if (shape === null) return 'unknown';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (d === null || d === '' ? '?' : String(d))).join('×');
}

/** An ONNX dtype name for display; non-tensor values (empty dtype) show as `non-tensor`. */
export function formatDtype(dtype: string): string {
  return dtype === '' ? 'non-tensor' : dtype;
}

/** The display name of an operator-set domain; the default domain is `ai.onnx`. */
export function formatDomain(domain: string): string {
  return domain === '' || domain === 'ai.onnx' ? 'ai.onnx' : domain;
}

/** `ai.onnx 17, com.microsoft 1`, default domain first, then by name. */
export function formatOpsets(opsets: readonly { domain: string; version: number }[]): string {
  if (opsets.length === 0) return 'none';
  return [...opsets]
    .map((o) => ({ name: formatDomain(o.domain), version: o.version }))
    .sort((a, b) => {
      if (a.name === b.name) return a.version - b.version;
      if (a.name === 'ai.onnx') return -1;
      if (b.name === 'ai.onnx') return 1;
      return a.name < b.name ? -1 : 1;
    })
    .map((o) => `${o.name} ${o.version}`)
    .join(', ');
}

/** `pytorch 2.3.0`, `pytorch`, or `unknown` when neither is set. */
export function formatProducer(name: string, version: string): string {
  const parts = [name.trim(), version.trim()].filter((p) => p !== '');
  return parts.length === 0 ? 'unknown' : parts.join(' ');
}

export interface HistogramRow {
  readonly opType: string;
  readonly count: number;
  /** count / largest count, in [0, 1]; for the inline bar. */
  readonly fraction: number;
  /** count / total count, in [0, 1]. */
  readonly share: number;
}

/** Op-type histogram rows sorted by count (descending), ties by op type (ascending). */
export function histogramRows(counts: Readonly<Record<string, number>>): HistogramRow[] {
  const entries = Object.entries(counts).filter(([, n]) => Number.isFinite(n) && n > 0);
  const max = entries.reduce((m, [, n]) => Math.max(m, n), 0);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return entries
    .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : a > b ? 1 : 0))
    .map(([opType, count]) => ({
      opType,
      count,
      fraction: max === 0 ? 0 : count / max,
      share: total === 0 ? 0 : count / total,
    }));
}

/** A share as a percentage with one decimal below 10 %: `0.4%`, `9.5%`, `37%`. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '?';
  const pct = share * 100;
  if (pct > 0 && pct < 0.1) return '<0.1%';
  return pct < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}

/** The last path segment of a file path or URI (either separator), for headings. */
export function baseName(pathOrUri: string): string {
  const trimmed = pathOrUri.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

/** Whether an op type is one of the ONNX quantization ops this product is about. */
export function isQdqOp(opType: string): boolean {
  return opType === 'QuantizeLinear' || opType === 'DequantizeLinear';
}
