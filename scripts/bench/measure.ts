/**
 * Measures one model in a fresh process (run by scripts/bench.mjs, one child per model):
 *
 *   node --expose-gc --import tsx scripts/bench/measure.ts <model.onnx> [--runs 5] [--save]
 *
 * - cold: the first openModelFile (FileSource positional reads, as the extension does) and the
 *   first buildGraphIndex in this process, plus peak extra memory during them: the peak RSS
 *   (kernel high-water mark, reset just before via /proc/self/clear_refs where Linux allows it,
 *   else process.resourceUsage().maxRSS) minus the RSS just before; the heapUsed growth; and what
 *   stays after a full GC with model and index alive (heap plus array buffers: the index keeps
 *   typed arrays). The RSS growth can understate: V8 reuses heap pages that were already resident
 *   (freed by the GC before the run), so a small model can show no growth at all. Peak extra is
 *   therefore the larger of the RSS growth and that retained size (a lower bound: model and index
 *   are alive at the peak).
 *   Also the bytes the process read during them (Linux /proc/self/io `rchar`): the structure that
 *   was scanned, never the payloads (of the file or of external data files).
 * - warm: one warm-up, then `runs` timed runs of each; medians reported.
 * - --save: one lossless save (re-encode) to a temporary file beside the model, for information.
 *
 * Prints one line `BENCH_RESULT <json>` on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGraphIndex } from '../../src/core/graph/index';
import { type DataRef, type DecodedModel, eachTensor, openModelFile, saveModelFile } from '../../src/core/onnx/index';
import { peakRss, resetPeakRss } from './peakRss';
import { median } from './stats';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: measure.ts <model.onnx> [--runs N] [--save]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const doSave = args.includes('--save');

/** Bytes this process has read through system calls so far (Linux), else undefined. */
function bytesRead(): number | undefined {
  try {
    const m = /^rchar:\s*(\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});

/**
 * Bytes of the file that are tensor payloads (the entries of raw_data, float_data, …, which decoding
 * skips), so the rest is the structure the decoder turns into objects: nodes, names, attributes,
 * tensor headers. Counted after the cold run, outside every figure.
 */
function payloadBytesInFile(d: DecodedModel): number {
  let total = 0;
  const add = (ref: DataRef | undefined) => {
    if (ref?.kind === 'source') for (const s of ref.fieldSpans) total += s.end - s.start;
  };
  eachTensor(d.model, (t) => {
    add(t.rawData);
    add(t.floatData);
    add(t.int32Data);
    add(t.stringData);
    add(t.int64Data);
    add(t.doubleData);
    add(t.uint64Data);
  });
  return total;
}

function close(d: DecodedModel | undefined): void {
  d?.source.close?.();
}

// ---- cold run ---------------------------------------------------------------------------------
gc();
const resetOk = resetPeakRss();
const rssBefore = process.memoryUsage().rss;
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
const heapBefore = process.memoryUsage().heapUsed;
const buffersBefore = process.memoryUsage().arrayBuffers;
const readBefore = bytesRead();
let t0 = performance.now();
let decoded: DecodedModel | undefined = openModelFile(file);
let t1 = performance.now();
let index = buildGraphIndex(decoded.model.graph!);
let t2 = performance.now();
const peak = peakRss();
const readAfter = bytesRead();
const heapAfter = process.memoryUsage().heapUsed;
const cold = { decodeMs: t1 - t0, indexMs: t2 - t1 };
const nodes = decoded.model.graph!.node.length;
const problems = index.problems.length;
const payloadBytes = payloadBytesInFile(decoded);
gc();
const afterGc = process.memoryUsage();
const heapRetained = afterGc.heapUsed - heapBefore;
const retained = heapRetained + afterGc.arrayBuffers - buffersBefore;

// ---- save (information only) -------------------------------------------------------------------
let saveMs: number | undefined;
if (doSave) {
  const tmp = path.join(path.dirname(file), `.bench-save-${process.pid}.onnx`);
  try {
    const s0 = performance.now();
    saveModelFile(decoded, tmp);
    saveMs = performance.now() - s0;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
close(decoded);
decoded = undefined;

// ---- warm runs ---------------------------------------------------------------------------------
const decodeTimes: number[] = [];
const indexTimes: number[] = [];
for (let i = 0; i <= runs; i++) {
  gc();
  t0 = performance.now();
  decoded = openModelFile(file);
  t1 = performance.now();
  index = buildGraphIndex(decoded.model.graph!);
  t2 = performance.now();
  if (i > 0) {
    decodeTimes.push(t1 - t0);
    indexTimes.push(t2 - t1);
  }
  close(decoded);
  decoded = undefined;
}
void index;

const bytes = fs.statSync(file).size;
const result = {
  file,
  bytes,
  /** The file's bytes that are not tensor payloads (see payloadBytesInFile). */
  structureBytes: bytes - payloadBytes,
  nodes,
  problems,
  runs,
  cold,
  /** Bytes read during the cold decode + index (undefined where /proc/self/io is missing). */
  readBytes: readBefore === undefined || readAfter === undefined ? undefined : readAfter - readBefore,
  median: { decodeMs: median(decodeTimes), indexMs: median(indexTimes), totalMs: median(decodeTimes.map((d, i) => d + indexTimes[i]!)) },
  min: { decodeMs: Math.min(...decodeTimes), indexMs: Math.min(...indexTimes) },
  memory: {
    method: resetOk ? 'VmHWM after clear_refs' : 'maxRSS (not reset; may include start-up)',
    rssBefore,
    maxRssBefore,
    peakExtra: Math.max(0, peak - rssBefore, retained),
    peakExtraRss: Math.max(0, peak - rssBefore),
    heapDelta: heapAfter - heapBefore,
    heapRetained,
    retained,
  },
  saveMs,
};
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
