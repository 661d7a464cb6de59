/**
 * Reader for `trtexec --exportProfile` JSON: an array whose first element is `{ "count": N }`
 * (profiled iterations), then one record per engine layer in execution order:
 * `{ name, timeMs, averageMs, medianMs, percentage }` (`medianMs` is missing in older files).
 * See docs/tensorrt-qdq-rules.md §5.3.
 */
import { EngineReportError, ProblemList, type ReadProblem } from './errors';
import { finite, isRecord, kindOf, parseJsonText, tidy } from './json';

export interface ProfileRecord {
  /** Position among the layer records (0-based; the count record is not counted). */
  index: number;
  name: string;
  /** Total over all iterations, ms. */
  timeMs?: number;
  /** Per iteration, ms. */
  averageMs?: number;
  medianMs?: number;
  /** Share of the summed time of all layers, %. */
  percentage?: number;
}

export interface LayerProfile {
  file: string;
  /** Profiled iterations (`count`), when given. */
  iterations?: number;
  records: ProfileRecord[];
  /** Sum of `timeMs` over the records (all iterations), ms. */
  totalTimeMs: number;
  /** Sum of `averageMs` over the records: the engine's summed layer time per inference, ms. */
  totalAverageMs: number;
  problems: ReadProblem[];
}

export function parseProfile(text: string, file = '<profile>'): LayerProfile {
  return profileFromJson(parseJsonText(text, file, 'trtexec --exportProfile JSON'), file);
}

const NUMBER_KEYS = ['timeMs', 'averageMs', 'medianMs', 'percentage'] as const;

export function profileFromJson(json: unknown, file = '<profile>'): LayerProfile {
  if (!Array.isArray(json)) {
    const hint = isRecord(json) && 'Layers' in json ? ' (this looks like an --exportLayerInfo file)' : '';
    throw new EngineReportError({ file, problem: `expected an array of layer timing records, found ${kindOf(json)}${hint}` });
  }
  const problems = new ProblemList();
  const profile: LayerProfile = { file, records: [], totalTimeMs: 0, totalAverageMs: 0, problems: [] };
  let totalTime = 0;
  let totalAverage = 0;
  json.forEach((raw: unknown, i) => {
    const where = `[${i}]`;
    if (!isRecord(raw)) {
      problems.add(where, `expected a record object, found ${kindOf(raw)}; skipped`);
      return;
    }
    if (!('name' in raw) && 'count' in raw) {
      const count = finite(raw['count']);
      if (count === undefined || count < 0) problems.add(`${where}.count`, `expected a non-negative number, found ${kindOf(raw['count'])}; ignored`);
      else if (profile.iterations !== undefined) problems.add(where, 'a second count record; ignored');
      else profile.iterations = count;
      return;
    }
    if (typeof raw['name'] !== 'string') {
      problems.add(`${where}.name`, `expected a layer name, found ${kindOf(raw['name'])}; record skipped`);
      return;
    }
    const rec: ProfileRecord = { index: profile.records.length, name: raw['name'] };
    for (const key of NUMBER_KEYS) {
      const v = raw[key];
      if (v === undefined) continue;
      const n = finite(v);
      if (n === undefined || n < 0) problems.add(`${where}.${key}`, `expected a non-negative finite number, found ${kindOf(v)}${typeof v === 'number' ? ` ${v}` : ''}; ignored`);
      else rec[key] = n;
    }
    totalTime += rec.timeMs ?? 0;
    totalAverage += rec.averageMs ?? 0;
    profile.records.push(rec);
  });
  if (Number.isFinite(totalTime)) profile.totalTimeMs = tidy(totalTime);
  else problems.add('[*].timeMs', 'the sum of timeMs overflows; total left at 0');
  if (Number.isFinite(totalAverage)) profile.totalAverageMs = tidy(totalAverage);
  else problems.add('[*].averageMs', 'the sum of averageMs overflows; total left at 0');
  profile.problems = problems.done();
  return profile;
}
