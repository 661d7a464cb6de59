/**
 * The numeric check: run the Q/DQ model and its FP32 reference on the same samples and compare,
 * layer by layer, what each computes.
 *
 * Both models are prepared once (every compared tensor added as a graph output, open input
 * dimensions pinned to the samples' shape when they all share one; see prepare.ts) and get one
 * session each. Memory is capped by fetching only a batch of tensors per run: a pass runs both
 * models on every sample, fetching the batch's tensors, feeds them to the accumulators and drops
 * them. The batches are planned once, before the first pass, from the shapes ONNX Runtime inferred
 * for the added outputs, so that both models' fetched tensors for one sample stay under
 * `memoryBudgetBytes`; a tensor whose size it could not infer is counted as
 * `UNKNOWN_TENSOR_BYTES`. Each pass costs two inferences per sample, so the budget trades memory
 * for time.
 *
 * Refused up front: a "Q/DQ model" without a single QuantizeLinear/DequantizeLinear (an FP32 model
 * picked by mistake: it would compare equal to itself). Refused after the run: a reference of which
 * fewer than half of the compute layers could be compared, or whose graph output has another shape
 * (not the float twin of the model). Smaller gaps are `warnings` of the result.
 */
import type { DecodedModel, Graph } from '../onnx/index';
import { NumericCancelledError, NumericInputError } from './errors';
import type { Sample } from './inputs';
import { ErrorAccumulator, localSqnrDb, SQNR_CAP_DB, type ErrorFigures } from './metrics';
import { DEFAULT_LAYER_OPS, planLayers, type TensorPair } from './plan';
import { assertFitsInOneMessage, pinInputShapes, prepareModelBytes } from './prepare';
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
  /**
   * What makes the ranking less than complete, one sentence each: layers not compared, graph outputs
   * not compared, a reference that has Q/DQ nodes itself. Show them as warnings.
   */
  readonly warnings: readonly string[];
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

const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** QuantizeLinear/DequantizeLinear nodes of a graph (its top level: where exporters put them). */
export function countQdqNodes(g: Graph): number {
  let n = 0;
  for (const node of g.node) if (QDQ_OPS.has(node.opType)) n++;
  return n;
}

/** The sample feeds' shape per input when every sample has the same one (what the sessions can be pinned to). */
function commonShapes(samples: readonly Sample[]): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  for (const [name, t] of Object.entries(samples[0]!.feeds)) {
    const same = samples.every((s) => {
      const d = s.feeds[name]?.dims;
      return d !== undefined && d.length === t.dims.length && d.every((v, i) => v === t.dims[i]);
    });
    if (same) shapes.set(name, t.dims);
  }
  return shapes;
}

export async function runNumericCheck(o: NumericOptions): Promise<NumericResult> {
  const t0 = performance.now();
  const qGraph = o.qdq.model.graph;
  const rGraph = o.reference.model.graph;
  if (!qGraph) throw new NumericInputError(o.qdq.file, 'the model has no graph');
  if (!rGraph) throw new NumericInputError(o.reference.file, 'the model has no graph');
  if (!o.samples.length) throw new NumericInputError(o.qdq.file, 'no sample inputs');
  if (countQdqNodes(qGraph) === 0) {
    throw new NumericInputError(o.qdq.file, 'has no Q/DQ nodes (QuantizeLinear/DequantizeLinear), so there is no quantization to measure: pick it as the reference of its Q/DQ twin');
  }
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
  const shapes = commonShapes(o.samples);
  const pinned = [...new Set([...pinInputShapes(o.qdq, shapes), ...pinInputShapes(o.reference, shapes)])];
  // When ONNX Runtime refuses a pinned model over a shape, say which shape we set.
  const pinNote = pinned.length
    ? ` (open input dimensions set to the samples' shape: ${pinned.map((n) => `'${n}' (${shapes.get(n)!.join(', ')})`).join(', ')}; a model exported at a fixed size may not run at another)`
    : '';
  const createSession = (bytes: Uint8Array, file: string): Promise<NumericSession> =>
    o.runtime.createSession(bytes, file).catch((e: unknown) => {
      const message = String((e as Error)?.message ?? e).split('\n')[0]!;
      throw pinNote && /shape|dimension/i.test(message) ? new Error(`${message}${pinNote}`) : e;
    });
  const qBytes = prepareModelBytes(o.qdq, all.map((i) => i.pair.qdq));
  const rBytes = prepareModelBytes(o.reference, all.map((i) => i.pair.ref));
  check(o.signal);
  let qs: NumericSession | undefined;
  let rs: NumericSession | undefined;
  let passes = 0;
  try {
    qs = await createSession(qBytes, o.qdq.file);
    check(o.signal);
    rs = await createSession(rBytes, o.reference.file);
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
  const warnings = coverage(o, plan.layers.length + plan.unmatched.length, layers.length, plan.unmatched.length, all, outItems);
  if (o.referenceKind === 'file') {
    const qdqInRef = countQdqNodes(rGraph);
    if (qdqInRef) warnings.push(`the reference ${o.reference.file} has ${qdqInRef} Q/DQ nodes itself: the figures compare two quantized models, not quantization against float`);
  }
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
    warnings,
    passes,
    elapsedMs: performance.now() - t0,
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `322 tensors differ in shape, 2 are not float32` from the items' problems. */
function problemSummary(items: readonly Item[]): string {
  const kinds = new Map<string, number>();
  for (const it of items) {
    if (!it.problem) continue;
    const kind = it.problem.startsWith('shape') ? 'differ in shape' : it.problem.startsWith('not float32') ? 'are not float32' : 'were not produced';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n], i) => (i === 0 ? `${plural(n, 'tensor')} ${kind}` : `${n} ${kind}`)).join(', ');
}

/**
 * How much of the model the comparison covers. Throws when the reference cannot be the model's
 * float twin: fewer than half of the compute layers compared, or a graph output of another shape
 * (the same network on the same input gives the same shapes). Else the gaps, as warnings.
 */
function coverage(
  o: NumericOptions,
  total: number,
  compared: number,
  unmatched: number,
  all: readonly Item[],
  outItems: readonly { readonly name: string; readonly item: Item }[],
): string[] {
  const what = [
    ...(unmatched ? [`${unmatched} without a counterpart in the reference`] : []),
    ...(all.some((i) => i.problem) ? [problemSummary(all)] : []),
  ].join('; ');
  const twin = o.referenceKind === 'file' ? `: is ${o.reference.file} the float twin of ${o.qdq.file}?` : '';
  const badOutput = outItems.find(({ item }) => item.problem?.startsWith('shape'));
  if (total > 0 && compared * 2 < total) {
    throw new NumericInputError(o.referenceKind === 'file' ? o.reference.file : o.qdq.file, `only ${compared} of ${total} layers could be compared (${what})${twin}`);
  }
  if (badOutput && o.referenceKind === 'file') {
    throw new NumericInputError(o.reference.file, `graph output '${badOutput.name}' has ${badOutput.item.problem}${twin}`);
  }
  const warnings: string[] = [];
  if (compared < total) warnings.push(`${total - compared} of ${total} layers not compared (${what}); they are missing from the ranking`);
  const missing = outItems.filter(({ item }) => item.problem);
  if (missing.length) warnings.push(`graph output${missing.length === 1 ? '' : 's'} ${missing.map(({ name, item }) => `'${name}' (${item.problem})`).join(', ')} not compared`);
  if (!outItems.length) warnings.push('no graph output of the model has a counterpart in the reference');
  return warnings;
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
