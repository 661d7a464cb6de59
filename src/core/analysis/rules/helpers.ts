/** Helpers shared by the rule modules (scales, ratios, pair lists). */
import type { QdqInfo } from '../qdq';
import { fmtScale } from '../qdq';

/** max/min of positive scales (1 when fewer than two). */
export function ratio(scales: readonly number[]): number {
  const s = scales.filter((v) => v > 0);
  if (s.length < 2) return 1;
  return Math.max(...s) / Math.min(...s);
}

export function fmtScales(scales: readonly number[]): string {
  return scales.map(fmtScale).join(', ');
}

/** A Q with its DQs, or a DQ with its Q: every node that must change together. */
export function pairNames(info: QdqInfo, qdq: ReadonlyMap<number, QdqInfo>): string[] {
  if (info.kind === 'Q') return [info.name, ...info.pairedDq.map((d) => qdq.get(d)!.name)];
  const q = info.pairedQ === undefined ? undefined : qdq.get(info.pairedQ);
  return q ? [q.name, ...q.pairedDq.map((d) => qdq.get(d)!.name)] : [info.name];
}

export function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}
