/**
 * The numeric check: run the Q/DQ model and its FP32 reference on the same samples and compare,
 * layer by layer, what each computes.
 *
 * Both models are prepared once (every compared tensor added as a graph output, see prepare.ts) and
 * get one session each. Memory is capped by fetching only a batch of tensors per run: a pass runs
 * both models on every sample, fetching the batch's tensors, feeds them to the accumulators and
 * drops them. The first batch is small; later batches are sized from the bytes measured so far to
 * stay under `memoryBudgetBytes` (both models' fetched tensors for one sample). Each pass costs two
 * inferences per sample, so the budget trades memory for time.
 */
import type { DecodedModel } from '../onnx/index';
import { NumericCancelledError, NumericInputError } from './errors';
import type { Sample } from './inputs';
import { ErrorAccumulator, localSqnrDb, SQNR_CAP_DB, type ErrorFigures } from './metrics';
import { DEFAULT_LAYER_OPS, planLayers, type TensorPair } from './plan';
import { assertFitsInOneMessage, prepareModelBytes } from './prepare';
import type { FetchedTensor, NumericRuntime, NumericSession } from './runtime';

export interface NumericProgress {
  /** 0..1 */
  readonly fraction: number;
  readonly message: string;
}

export interface NumericOptions {
  readonly qdq: DecodedModel;
  readonly reference: DecodedModel;
  /** `file`: a given FP32 model; `derived`: the Q/DQ model with its Q/DQ pairs removed. */
  readonly referenceKind: 'file' | 'derived';
  readonly samples: readonly Sample[];
  readonly runtime: NumericRuntime;
  /** Compute op types compared as layers (default Conv, ConvTranspose, Gemm, MatMul). */
  readonly layerOps?: readonly string[];
  /** Bytes of fetched tensors (both models, one sample) per run; default 256 MiB. */
  readonly memoryBudgetBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: NumericProgress) => void;
}

export interface LayerNumeric {
  readonly node: string;
  readonly opType: string;
  /** SQNR of the layer's output against the reference (cumulative: includes every error upstream). */
  readonly sqnrDb: number;
  /** SQNR of the error this layer adds (output noise-to-signal minus its float input's). Ranking key. */
  readonly localSqnrDb: number;
  /** SQNR of the layer's float input (before its own quantization); SQNR_CAP_DB for a graph input. */
  readonly inputSqnrDb: number;
  readonly cosine: number;
  readonly maxAbs: number;
  /** 1 = most sensitive (lowest localSqnrDb; ties keep graph order). */
  readonly rank: number;
  readonly tensor: string;
  readonly matchedBy: 'name' | 'tensor';
}

export interface OutputNumeric {
  readonly name: string;
  readonly sqnrDb: number;
  readonly cosine: number;
  readonly maxAbs: number;
}

export interface NumericResult {
  readonly model: string;
  readonly reference: string;
  readonly referenceKind: 'file' | 'derived';
  readonly runtime: string;
  readonly inputs: readonly string[];
  /** Most sensitive first. */
  readonly layers: readonly LayerNumeric[];
  readonly outputs: readonly OutputNumeric[];
  /** Q/DQ model compute nodes with no counterpart in the reference. */
  readonly unmatched: readonly string[];
  /** Tensors that could not be compared (shape or type mismatch, not produced): `tensor: why`. */
  readonly problems: readonly string[];
  readonly passes: number;
  readonly elapsedMs: number;
}

const DEFAULT_BUDGET = 256 * 1024 * 1024;
/** Bytes assumed for a tensor whose size the runtime could not infer. */
const UNKNOWN_TENSOR_BYTES = 16 * 1024 * 1024;

/**
 * Split the tensors into fetch batches whose float32 bytes (both models) stay under `budget`, from
 * the shapes the runtime inferred; a non-float tensor is marked as a problem up front.
 */
function planBatches(items: readonly Item[], qs: NumericSession, rs: NumericSession, budget: number): Item[][] {
  const bytesOf = (s: NumericSession, name: string, it: Item): number => {
    const info = s.outputInfo?.get(name);
    if (!info) return UNKNOWN_TENSOR_BYTES;
    if (info.type !== 'float32') {
      it.problem = `not float32 (${info.type})`;
      return 0;
    }
    if (!info.dims || info.dims.some((d) => d === null)) return UNKNOWN_TENSOR_BYTES;
    return 4 * (info.dims as number[]).reduce((a, d) => a * d, 1);
  };
  const batches: Item[][] = [];
  let cur: Item[] = [];
  let bytes = 0;
  for (const it of items) {
    const b = bytesOf(qs, it.pair.qdq, it) + bytesOf(rs, it.pair.ref, it);
    if (cur.length && bytes + b > budget) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += b;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

interface Item {
  readonly pair: TensorPair;
  readonly acc: ErrorAccumulator;
  problem?: string;
}

function check(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new NumericCancelledError();
}

export async function runNumericCheck(o: NumericOptions): Promise<NumericResult> {
  const t0 = performance.now();
  const qGraph = o.qdq.model.graph;
  const rGraph = o.reference.model.graph;
  if (!qGraph) throw new NumericInputError(o.qdq.file, 'the model has no graph');
  if (!rGraph) throw new NumericInputError(o.reference.file, 'the model has no graph');
  if (!o.samples.length) throw new NumericInputError(o.qdq.file, 'no sample inputs');
  const plan = planLayers(qGraph, rGraph, o.layerOps ?? DEFAULT_LAYER_OPS);

  // One accumulator per distinct (qdq, ref) tensor pair.
  const items = new Map<string, Item>();
  const itemOf = (pair: TensorPair): Item => {
    const key = `${pair.qdq}\u0000${pair.ref}`;
    let it = items.get(key);
    if (!it) items.set(key, (it = { pair, acc: new ErrorAccumulator() }));
    return it;
  };
  const outItems = plan.outputs.map((out) => ({ name: out.name, item: itemOf(out.pair) }));
  const layerItems = plan.layers.map((l) => ({ plan: l, out: itemOf(l.output), input: l.input ? itemOf(l.input) : undefined }));
  const all = [...items.values()];

  o.onProgress?.({ fraction: 0, message: 'preparing models' });
  check(o.signal);
  assertFitsInOneMessage(o.qdq);
  assertFitsInOneMessage(o.reference); // both before either's data is read
  const qBytes = prepareModelBytes(o.qdq, all.map((i) => i.pair.qdq));
  const rBytes = prepareModelBytes(o.reference, all.map((i) => i.pair.ref));
  check(o.signal);
  let qs: NumericSession | undefined;
  let rs: NumericSession | undefined;
  let passes = 0;
  try {
    qs = await o.runtime.createSession(qBytes, o.qdq.file);
    check(o.signal);
    rs = await o.runtime.createSession(rBytes, o.reference.file);
    for (const s of [qs, rs]) {
      const model = s === qs ? o.qdq.file : o.reference.file;
      for (const name of s.inputNames) {
        if (!o.samples[0]!.feeds[name]) throw new NumericInputError(model, `input '${name}' has no sample data (the two models' inputs differ?)`);
      }
    }
    const budget = o.memoryBudgetBytes ?? DEFAULT_BUDGET;
    const batches = planBatches(all, qs, rs, budget);
    let done = 0;
    for (const slice of batches) {
      passes++;
      for (let si = 0; si < o.samples.length; si++) {
        check(o.signal);
        const sample = o.samples[si]!;
        o.onProgress?.({
          fraction: (done + (slice.length * si) / o.samples.length) / all.length,
          message: `pass ${passes}/${batches.length}: ${slice.length} tensors, sample ${si + 1}/${o.samples.length}`,
        });
        const fetch = slice.filter((it) => !it.problem);
        if (!fetch.length) continue;
        const qOut = await runFetch(qs, sample, fetch.map((i) => i.pair.qdq), o.qdq.file);
        check(o.signal);
        const rOut = await runFetch(rs, sample, fetch.map((i) => i.pair.ref), o.reference.file);
        for (const it of fetch) {
          const a = rOut[it.pair.ref];
          const b = qOut[it.pair.qdq];
          if (!a || !b) it.problem = 'not produced';
          else if (!a.data || !b.data) it.problem = `not float32 (${b.type} / ${a.type})`;
          else if (a.dims.length !== b.dims.length || a.dims.some((d, k) => d !== b.dims[k])) {
            it.problem = `shape [${b.dims.join(', ')}] in the Q/DQ model, [${a.dims.join(', ')}] in the reference`;
          } else it.acc.add(a.data, b.data);
        }
      }
      done += slice.length;
    }
  } finally {
    await qs?.release().catch(() => undefined);
    await rs?.release().catch(() => undefined);
  }
  o.onProgress?.({ fraction: 1, message: 'done' });

  const fig = (it: Item): ErrorFigures | undefined => (it.problem ? undefined : it.acc.result());
  const problems = all.filter((i) => i.problem).map((i) => `${i.pair.qdq}: ${i.problem}`);
  const unranked = layerItems.flatMap(({ plan: l, out, input }) => {
    const f = fig(out);
    if (!f) return [];
    const inFig = input ? fig(input) : undefined;
    if (input && !inFig) return [];
    return [{
      node: l.node,
      opType: l.opType,
      sqnrDb: f.sqnrDb,
      localSqnrDb: localSqnrDb(f.nsr, inFig ? inFig.nsr : 0),
      inputSqnrDb: inFig ? inFig.sqnrDb : SQNR_CAP_DB,
      cosine: f.cosine,
      maxAbs: f.maxAbs,
      tensor: l.output.qdq,
      matchedBy: l.matchedBy,
    }];
  });
  const order = unranked.map((l, i) => ({ l, i })).sort((a, b) => a.l.localSqnrDb - b.l.localSqnrDb || a.i - b.i);
  const layers: LayerNumeric[] = order.map(({ l }, k) => ({ ...l, rank: k + 1 }));
  const outputs: OutputNumeric[] = outItems.flatMap(({ name, item }) => {
    const f = fig(item);
    return f ? [{ name, sqnrDb: f.sqnrDb, cosine: f.cosine, maxAbs: f.maxAbs }] : [];
  });
  return {
    model: o.qdq.file,
    reference: o.reference.file,
    referenceKind: o.referenceKind,
    runtime: o.runtime.description,
    inputs: o.samples.map((s) => s.label),
    layers,
    outputs,
    unmatched: plan.unmatched,
    problems,
    passes,
    elapsedMs: performance.now() - t0,
  };
}

async function runFetch(s: NumericSession, sample: Sample, fetches: string[], file: string): Promise<Record<string, FetchedTensor>> {
  const feeds: Record<string, Sample['feeds'][string]> = {};
  for (const n of s.inputNames) feeds[n] = sample.feeds[n]!;
  try {
    return await s.run(feeds, [...new Set(fetches)]);
  } catch (e) {
    if (e instanceof NumericCancelledError) throw e;
    throw new NumericInputError(file, `ONNX Runtime failed on ${sample.label}: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
}
