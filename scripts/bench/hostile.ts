/**
 * Hostile input at 10 MB, one case per fresh process (run by scripts/bench.mjs, "hostile input"
 * section). Issue 3 bounds every 10 MB input to one second; the unit tests only guard against
 * hangs (a generous bound), this prints the real figures.
 *
 *   node --import tsx scripts/bench/hostile.ts --write DIR      (the case files and DIR/cases.json)
 *   node --expose-gc --import tsx scripts/bench/hostile.ts DIR/NN.onnx [--runs 3]
 *
 * The cases are the inputs the unit tests use (test/unit/onnx/hostile/cases.ts). `--write` makes
 * them once, so that building a case (millions of small arrays) does not inflate the measuring
 * process's memory. A measurement times what opening a model does first: openModelFile
 * (FileSource reads) and, when it decodes, buildGraphIndex and summarizeModel. The first (cold)
 * run and the median of `runs` more; the peak extra RSS of the cold run. Prints one line
 * `BENCH_HOSTILE <json>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGraphIndex, summarizeModel } from '../../src/core/graph/index';
import { isOnnxError, openModelFile } from '../../src/core/onnx/index';
import { TEN_MB, type TenMbCase, graphProblemCases, messageFloodCases, randomBytes, repeatedFieldCases } from '../../test/unit/onnx/hostile/cases';
import { concat, tag, varint, varintField } from '../../test/unit/onnx/hostile/wire';
import { peakRss, resetPeakRss } from './peakRss';
import { median } from './stats';

const CASES: TenMbCase[] = [
  { name: 'random bytes', make: () => randomBytes(TEN_MB) },
  { name: 'random bytes behind a valid header', make: () => concat([varintField(1, 8), tag(7, 2), varint(TEN_MB), randomBytes(TEN_MB)]) },
  ...repeatedFieldCases,
  ...messageFloodCases,
  ...graphProblemCases,
];

const args = process.argv.slice(2);
const writeAt = args.indexOf('--write');
if (writeAt >= 0) {
  const dir = args[writeAt + 1]!;
  fs.mkdirSync(dir, { recursive: true });
  const list = CASES.map((c, i) => {
    const file = `${String(i).padStart(2, '0')}.onnx`;
    fs.writeFileSync(path.join(dir, file), c.make());
    return { name: c.name, file };
  });
  fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(list));
  process.exit(0);
}
const file = args.find((a) => !a.startsWith('--'));
if (!file || !fs.existsSync(file)) {
  console.error('usage: hostile.ts --write DIR | hostile.ts DIR/NN.onnx [--runs N]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});
const bytes = fs.statSync(file).size;

/** One open as the editor and `qdq info` do it; the outcome in a few words. */
const open = (): string => {
  try {
    const decoded = openModelFile(file);
    try {
      const graph = decoded.model.graph;
      const index = graph ? buildGraphIndex(graph) : undefined;
      summarizeModel(decoded, index);
      const problems = index?.problems ?? [];
      return problems.length ? `opened, ${problems[0]!.kind} problems listed` : 'opened';
    } finally {
      decoded.source.close?.();
    }
  } catch (e) {
    if (isOnnxError(e)) return `typed error: ${e.problem.length > 60 ? `${e.problem.slice(0, 57)}...` : e.problem}`;
    throw e; // anything else is a bug: the bench reports the crash
  }
};

gc();
const resetOk = resetPeakRss();
const rssBefore = process.memoryUsage().rss;
let t0 = performance.now();
const outcome = open();
const coldMs = performance.now() - t0;
const peakExtra = Math.max(0, peakRss() - rssBefore);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  gc();
  t0 = performance.now();
  open();
  times.push(performance.now() - t0);
}
console.log(`BENCH_HOSTILE ${JSON.stringify({ bytes, outcome, coldMs, medianMs: median(times), maxMs: Math.max(coldMs, ...times), peakExtra, peakMethod: resetOk ? 'VmHWM after clear_refs' : 'maxRSS' })}`);
