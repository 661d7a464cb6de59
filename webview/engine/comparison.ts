/**
 * The engine report's comparison table as text: the compared build (the baseline) first, then this
 * engine, then the change from the baseline to this engine, so that a row reads left to right as
 * "from … to …, change". Pure, for the unit tests.
 */
import type { EngineComparisonDto } from '../../src/protocol/engineView';

export function num(x: number | undefined, digits = 6): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  return String(Number(x.toPrecision(digits)));
}

export interface ComparisonCells {
  header: [string, string, string, string];
  /** label, baseline, this engine, change; `good` says whether the change is an improvement. */
  rows: { cells: [string, string, string, string]; good: '' | 'better' | 'worse' }[];
}

export function comparisonCells(c: EngineComparisonDto): ComparisonCells {
  return {
    header: ['', `${c.baseline} (baseline)`, c.engine, `change from ${c.baseline}`],
    rows: c.rows.map((r) => {
      const change = r.delta === undefined ? '' : `${r.delta > 0 ? '+' : ''}${num(r.delta)}${r.deltaPct !== undefined ? ` (${r.deltaPct > 0 ? '+' : ''}${num(r.deltaPct, 3)}%)` : ''}`;
      const good = r.delta === undefined || r.delta === 0 || !r.better ? '' : (r.better === 'lower') === r.delta < 0 ? 'better' : 'worse';
      return { cells: [r.label, num(r.baseline), num(r.engine), change], good };
    }),
  };
}
