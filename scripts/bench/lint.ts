/**
 * Lint timing for one model in a fresh process (run by scripts/bench.mjs, "lint" section):
 *
 *   node --import tsx scripts/bench/lint.ts <model.onnx> [--runs 5]
 *
 * Opens and indexes the model (not timed), then times analyzeModel (Q/DQ resolution with scale
 * reads from the file, propagation, predictions, all 31 rules): the first (cold) run and the median
 * of `runs` more. Prints one line `BENCH_LINT <json>`.
 */
import { analyzeModel } from '../../src/core/analysis/index';
import { buildGraphIndex } from '../../src/core/graph/index';
import { openModelFile } from '../../src/core/onnx/index';
import { median } from './stats';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: lint.ts <model.onnx> [--runs N]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;

const times: number[] = [];
let summary: unknown;
let nodes = 0;
let qdq = 0;
for (let i = 0; i <= runs; i++) {
  const decoded = openModelFile(file); // a fresh decode per run: scale values are read from the file again
  const index = buildGraphIndex(decoded.model.graph!);
  const t0 = performance.now();
  const r = analyzeModel(decoded, index);
  times.push(performance.now() - t0);
  summary = { ...r.summary, findings: r.findings.length, layers: r.layers.length };
  nodes = r.stats.nodes;
  qdq = r.stats.quantizeLinear + r.stats.dequantizeLinear;
  decoded.source.close?.();
}
const warm = times.slice(1).sort((a, b) => a - b);
const medianMs = warm.length ? median(warm) : times[0]!;
console.log(`BENCH_LINT ${JSON.stringify({ file, nodes, qdq, coldMs: times[0], medianMs, minMs: warm.length ? warm[0] : times[0], runs, summary })}`);
