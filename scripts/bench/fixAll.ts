/**
 * Fix All timing for one model in a fresh process (run by scripts/bench.mjs, "fix all" section):
 *
 *   node --import tsx scripts/bench/fixAll.ts <model.onnx>
 *
 * Opens the model (not timed), then once: the search (core/editing fixAll: rounds of analysis and
 * batched fixes, then every journal undone) and the apply of the batch it returns (what the editor
 * and `qdq edit --fix all` do after it), then the undo. Prints `BENCH_FIXALL <json>`.
 */
import { analyzeModel } from '../../src/core/analysis/index';
import { applyEdit, fixAll } from '../../src/core/editing/index';
import { buildGraphIndex } from '../../src/core/graph/index';
import { openModelFile } from '../../src/core/onnx/index';

const file = process.argv[2];
if (!file) {
  console.error('usage: fixAll.ts <model.onnx>');
  process.exit(2);
}
const decoded = openModelFile(file);
try {
  const rss0 = process.memoryUsage().rss;
  let t0 = performance.now();
  const found = fixAll(decoded, (d) => analyzeModel(d, buildGraphIndex(d.model.graph!), {}));
  const searchMs = performance.now() - t0;
  t0 = performance.now();
  const a = found.request ? applyEdit(decoded, found.request) : undefined;
  const applyMs = performance.now() - t0;
  t0 = performance.now();
  a?.journal.undo();
  const undoMs = performance.now() - t0;
  const out = {
    file, nodes: decoded.model.graph!.node.length, fixes: found.applied.length, rounds: found.rounds, remaining: found.remaining,
    searchMs, applyMs, undoMs, rssGrowthMB: (process.memoryUsage().rss - rss0) / 2 ** 20,
  };
  console.log(`BENCH_FIXALL ${JSON.stringify(out)}`);
} finally {
  decoded.source.close?.();
}
