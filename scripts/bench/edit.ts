/**
 * Editing timing for one model in a fresh process (run by scripts/bench.mjs, "edit" section):
 *
 *   node --import tsx scripts/bench/edit.ts <model.onnx> [--runs 5] [--save]
 *
 * Opens the model (not timed), then per run: disable quantization of one conv in the middle of the
 * graph (applyEdit: validation included), encode (the chunk plan: clean messages are source ranges),
 * undo; with --save also the atomic save of the edited model to a temporary file. Prints
 * `BENCH_EDIT <json>` with cold and median figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyEdit } from '../../src/core/editing/index';
import { encodeModel, openModelFile, saveModelFile } from '../../src/core/onnx/index';
import { median } from './stats';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: edit.ts <model.onnx> [--runs N] [--save]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const save = args.includes('--save');

const decoded = openModelFile(file);
const convs = decoded.model.graph!.node.filter((n) => n.opType === 'Conv');
const target = convs[convs.length >> 1]!.name;
const times = { apply: [] as number[], encode: [] as number[], undo: [] as number[], save: [] as number[] };
let chunks = 0;
const dir = save ? fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-bench-edit-')) : '';
try {
  for (let i = 0; i <= runs; i++) {
    let t0 = performance.now();
    const a = applyEdit(decoded, { kind: 'disableQuantization', target });
    times.apply.push(performance.now() - t0);
    t0 = performance.now();
    chunks = encodeModel(decoded).length;
    times.encode.push(performance.now() - t0);
    if (save) {
      t0 = performance.now();
      saveModelFile(decoded, path.join(dir, 'edited.onnx'));
      times.save.push(performance.now() - t0);
    }
    t0 = performance.now();
    a.journal.undo();
    times.undo.push(performance.now() - t0);
  }
} finally {
  decoded.source.close?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
/** Median of the warm runs (after the first), or the only run. */
const warmMedian = (xs: number[]): number => (xs.length > 1 ? median(xs.slice(1)) : (xs[0] ?? NaN));
const out: Record<string, unknown> = { file, nodes: decoded.model.graph!.node.length, target, chunks, runs };
for (const [k, v] of Object.entries(times)) if (v.length) out[k] = { coldMs: v[0], medianMs: warmMedian(v) };
console.log(`BENCH_EDIT ${JSON.stringify(out)}`);
