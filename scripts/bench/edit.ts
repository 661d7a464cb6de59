/**
 * Editing timing for one model in a fresh process (run by scripts/bench.mjs, "edit" section):
 *
 *   node --import tsx scripts/bench/edit.ts <model.onnx> [--runs 5] [--save] [--batch] [--unify]
 *
 * Opens the model (not timed), then per run: disable quantization of one conv in the middle of the
 * graph (applyEdit: validation included), encode (the chunk plan: clean messages are source ranges),
 * undo; with --save also the atomic save of the edited model to a temporary file. With --batch, per
 * run (3 at most): every layer that reads a Q/DQ kept in higher precision as one batch of per-layer
 * disables (what "keep the k most sensitive layers" or a plan applies), then all of them quantized
 * again as one batch of per-layer enables with what the disables removed (the disable's inverse, as
 * an undo replayed from a backup log is), then both undone; the layer count is printed with them.
 * With --unify, after those, per run (runs + 1, the first cold): "unify scales around" the Concat in
 * the middle of the graph (the middle one of the Concats, in node order) as one edit, and its undo
 * (keys `unifyApply`, `unifyUndo`; `unifyTarget` the Concat, `unifyQuantizers` how many quantizers
 * it changes). The bench models' Concats already share one scale, so the edit gives them an explicit
 * one (mode "value": twice the largest scale of the set, read from the analysis before timing);
 * the set, the validation and the kept maps are those of a "max" unify.
 * Prints `BENCH_EDIT <json>` with cold and median figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scaleShareAround } from '../../src/core/analysis/index';
import { applyEdit, type EditRequest } from '../../src/core/editing/index';
import { buildGraphIndex } from '../../src/core/graph/index';
import { encodeModel, openModelFile, saveModelFile } from '../../src/core/onnx/index';
import { median } from './stats';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: edit.ts <model.onnx> [--runs N] [--save] [--batch] [--unify]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const save = args.includes('--save');
const batch = args.includes('--batch');
const unify = args.includes('--unify');

const decoded = openModelFile(file);
const convs = decoded.model.graph!.node.filter((n) => n.opType === 'Conv');
const target = convs[convs.length >> 1]!.name;
const times = {
  apply: [] as number[], encode: [] as number[], undo: [] as number[], save: [] as number[], batchDisable: [] as number[], batchEnable: [] as number[],
  unifyApply: [] as number[], unifyUndo: [] as number[],
};
let batchError: string | undefined;
let unifyError: string | undefined;
const concats = decoded.model.graph!.node.map((n, i) => ({ n, i })).filter(({ n }) => n.opType === 'Concat');
const unifyAt = concats[concats.length >> 1];
const unifyTarget = unifyAt ? unifyAt.n.name || `Concat#${unifyAt.i}` : undefined;
let unifyQuantizers: number | undefined;
const dqOutputs = new Set(decoded.model.graph!.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
const layers = decoded.model.graph!.node
  .map((n, i) => ({ n, i }))
  .filter(({ n }) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType) && n.input.some((x) => dqOutputs.has(x)))
  .map(({ n, i }) => n.name || `${n.opType}#${i}`);
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
  try {
    for (let i = 0; batch && i < Math.min(runs, 3); i++) {
      let t0 = performance.now();
      const off = applyEdit(decoded, { kind: 'batch', label: 'keep', edits: layers.map((target): EditRequest => ({ kind: 'disableQuantization', target })) });
      times.batchDisable.push(performance.now() - t0);
      t0 = performance.now();
      const on = applyEdit(decoded, off.inverse!);
      times.batchEnable.push(performance.now() - t0);
      on.journal.undo();
      off.journal.undo();
    }
  } catch (e) {
    // A model whose layers cannot all be disabled (a DQ with no Q before it): the single figures still count.
    batchError = e instanceof Error ? e.message : String(e);
  }
  if (unify) {
    try {
      if (!unifyAt || !unifyTarget) throw new Error('the model has no Concat');
      const set = scaleShareAround(decoded, buildGraphIndex(decoded.model.graph!), unifyAt.i);
      if (set.notCommuting) throw new Error(set.notCommuting);
      unifyQuantizers = set.qdq.length;
      const scale = 2 * Math.max(...set.scales);
      for (let i = 0; i <= runs; i++) {
        let t0 = performance.now();
        const u = applyEdit(decoded, { kind: 'unifyConcat', node: unifyTarget, mode: 'value', scale });
        times.unifyApply.push(performance.now() - t0);
        t0 = performance.now();
        u.journal.undo();
        times.unifyUndo.push(performance.now() - t0);
      }
    } catch (e) {
      unifyError = e instanceof Error ? e.message : String(e);
    }
  }
} finally {
  decoded.source.close?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
/** Median of the warm runs (after the first), or the only run. */
const warmMedian = (xs: number[]): number => (xs.length > 1 ? median(xs.slice(1)) : (xs[0] ?? NaN));
const out: Record<string, unknown> = { file, nodes: decoded.model.graph!.node.length, target, chunks, runs };
for (const [k, v] of Object.entries(times)) if (v.length) out[k] = { coldMs: v[0], medianMs: warmMedian(v) };
// The batches run at most 3 times: the median of all of them (the first is no colder than the rest).
for (const k of ['batchDisable', 'batchEnable'] as const) if (times[k].length) out[k] = { coldMs: times[k][0], medianMs: median(times[k]) };
if (batch) out.batchLayers = layers.length;
if (batchError) out.batchError = batchError;
if (unify) Object.assign(out, { unifyTarget, unifyQuantizers }, unifyError ? { unifyError } : {});
console.log(`BENCH_EDIT ${JSON.stringify(out)}`);
