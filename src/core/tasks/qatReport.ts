/**
 * yolov9-qat's `report.json` (written by `qat.py quantize`): a list of
 * `[name, weights, AP, AP50, precision, recall]` rows, `Origin`, `PTQ`, `QAT-1`…, `QAT-Best`.
 */
import { TaskOptionError } from './commandLine';

export interface QatReportRow {
  name: string;
  weights: string;
  ap: number;
  ap50: number;
  precision: number;
  recall: number;
}

export function parseQatReport(text: string, file: string): QatReportRow[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TaskOptionError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(json)) throw new TaskOptionError(`${file}: expected a list of [name, weights, AP, AP50, precision, recall] rows`);
  return json.map((row, i) => {
    if (!Array.isArray(row) || row.length < 6 || typeof row[0] !== 'string' || typeof row[1] !== 'string' || !row.slice(2, 6).every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new TaskOptionError(`${file}: row ${i + 1} is not [name, weights, AP, AP50, precision, recall]`);
    }
    return { name: row[0], weights: row[1], ap: row[2], ap50: row[3], precision: row[4], recall: row[5] };
  });
}

/** One line per row, for the notification after a run. */
export function formatQatReport(rows: QatReportRow[]): string {
  return rows.map((r) => `${r.name}: AP ${r.ap}, AP50 ${r.ap50}`).join('; ');
}
