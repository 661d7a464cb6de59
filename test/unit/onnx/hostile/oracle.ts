/**
 * The property every hostile input must satisfy: decoding either fails with an OnnxFormatError that
 * names the file and points inside it, or returns a model that the rest of the core (graph index,
 * summary, lossless encoder, full re-serialisation) handles without surprises, and that re-decodes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildGraphIndex, summarizeModel } from '../../../../src/core/graph/index';
import {
  type ByteSource, type DecodedModel, type Graph, type Tensor, FileSource, MemorySource, OnnxFormatError, TensorDataError,
  decodeModel, encodeModelToBytes, readTensorBytes, readTensorValues,
} from '../../../../src/core/onnx/index';

export type Outcome =
  | { ok: true; decoded: DecodedModel }
  | { ok: false; error: OnnxFormatError };

/** Decode and classify; any exception other than OnnxFormatError fails the assertion. */
export function decodeOutcome(source: ByteSource, file: string): Outcome {
  try {
    return { ok: true, decoded: decodeModel(source, { file }) };
  } catch (e) {
    if (!(e instanceof OnnxFormatError)) {
      assert.fail(`decodeModel threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
    }
    assert.ok(e.message.includes(file), `error message names the file: ${e.message}`);
    assert.equal(e.file, file);
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= source.size, `offset ${e.offset} within [0, ${source.size}]: ${e.message}`);
    assert.equal(typeof e.fieldPath, 'string');
    assert.ok(e.problem.length > 0, 'the error says what was expected');
    return { ok: false, error: e };
  }
}

/** Every graph of a model with the names visible from its outer scope. */
function* graphsOf(g: Graph, outer: ReadonlySet<string>): Generator<[Graph, ReadonlySet<string>]> {
  yield [g, outer];
  const inner = new Set(outer);
  for (const t of g.initializer) inner.add(t.name);
  for (const v of g.input) inner.add(v.name);
  for (const n of g.node) for (const o of n.output) inner.add(o);
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.g) yield* graphsOf(a.g, inner);
      for (const sg of a.graphs) yield* graphsOf(sg, inner);
    }
  }
}

/**
 * A message or list the decode shares (frozen: equal shape dimensions, attributes, a node's attribute
 * list) as a copy of its own, which can be marked dirty, as an edit would replace it; anything else as it is.
 */
function own(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return v;
  if (Array.isArray(v)) return v.some((e) => own(e) !== e) ? v.map(own) : v;
  return '$span' in v ? Object.assign(Object.create(Object.getPrototypeOf(v) as object) as object, v) : v;
}

/** Mark every decoded message dirty so the encoder re-serialises all of it from the typed values. */
function markAllDirty(x: unknown, seen = new Set<object>()): void {
  if (typeof x !== 'object' || x === null || x instanceof Uint8Array || seen.has(x)) return;
  seen.add(x);
  if (Array.isArray(x)) {
    for (const v of x) markAllDirty(v, seen);
    return;
  }
  const o = x as Record<string, unknown>;
  if ((o as { kind?: unknown }).kind === 'source' && 'fieldSpans' in o) return; // a DataRef
  if ('$span' in o) o.$dirty = true;
  for (const [k, v] of Object.entries(o)) {
    if (k === '$span') continue;
    const w = own(v);
    if (w !== v) o[k] = w;
    markAllDirty(w, seen);
  }
}

/**
 * A plain, position-free view of a decoded model for equality checks: spans and other `$`
 * bookkeeping dropped, payload references replaced by their length and the bytes they cover.
 */
export function comparable(d: DecodedModel): unknown {
  const conv = (x: unknown): unknown => {
    if (typeof x !== 'object' || x === null) return x;
    if (x instanceof Uint8Array) return Array.from(x);
    if (Array.isArray(x)) return x.map(conv);
    const o = x as Record<string, unknown>;
    if (o.kind === 'source' && Array.isArray(o.fieldSpans)) {
      const parts = (o.fieldSpans as { start: number; end: number }[]).map((s) => Array.from(d.source.read(s.start, s.end - s.start)));
      return { byteLength: o.byteLength, packed: o.packed, bytes: parts.flat() };
    }
    const out: Record<string, unknown> = {};
    // Bookkeeping ($span, $start/$end, $dirty, $packed) is not a value.
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('$')) out[k] = conv(v);
    return out;
  };
  return conv(d.model);
}

export interface CheckOptions {
  /** Also re-serialise the whole model from its typed values and compare the re-decoded result. */
  reserialise?: boolean;
  /** Also read the payloads of (small) tensors: must succeed or throw TensorDataError. */
  readTensors?: boolean;
}

function allowTensorError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TensorDataError)) assert.fail(`tensor read threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
  }
}

function tensorsOf(d: DecodedModel): Tensor[] {
  const out: Tensor[] = [];
  if (!d.model.graph) return out;
  for (const [g] of graphsOf(d.model.graph, new Set())) {
    out.push(...g.initializer);
    for (const n of g.node) for (const a of n.attribute) {
      if (a.t) out.push(a.t);
      out.push(...a.tensors);
    }
  }
  return out;
}

/** Run the whole property on a decoded model. */
export function checkDecoded(d: DecodedModel, file: string, opts: CheckOptions = {}): void {
  if (d.model.graph) {
    for (const [g, outer] of graphsOf(d.model.graph, new Set())) {
      const idx = buildGraphIndex(g, outer);
      assert.equal(idx.topoOrder.length, g.node.length);
      assert.deepEqual([...idx.topoOrder].sort((a, b) => a - b), g.node.map((_, i) => i));
    }
  }
  const summary = summarizeModel(d);
  assert.equal(summary.nodeCount, d.model.graph?.node.length ?? 0);
  for (const v of Object.values(summary.opTypeCounts)) assert.equal(typeof v, 'number');
  JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (opts.readTensors) {
    for (const t of tensorsOf(d)) {
      allowTensorError(() => readTensorBytes(d, t, noFiles));
      allowTensorError(() => readTensorValues(d, t, noFiles));
    }
  }
  const bytes = encodeModelToBytes(d);
  const again = decodeOutcome(new MemorySource(bytes, file), file);
  assert.ok(again.ok, `re-decoding the saved bytes failed: ${again.ok ? '' : again.error.message}`);
  if (opts.reserialise) {
    markAllDirty(d.model);
    const rebuilt = encodeModelToBytes(d);
    const re = decodeOutcome(new MemorySource(rebuilt, file), file);
    assert.ok(re.ok, `re-decoding the re-serialised model failed: ${re.ok ? '' : re.error.message}`);
    assert.deepStrictEqual(comparable(re.decoded), comparable(d), 're-serialised model decodes to the same values');
    // Equal unless a singular message field was given twice: the decoder keeps the last one (where
    // protobuf would merge them), so unknown fields counted inside the discarded one are gone.
    assert.ok(re.decoded.unknownFields.count <= d.unknownFields.count);
  }
}

/** External-data reads are refused (a hostile location must never reach the disk here). */
const noFiles = {
  size(): number {
    throw new Error('no external files in this test');
  },
  read(): Uint8Array {
    throw new Error('no external files in this test');
  },
};

/** The property for a byte string held in memory. Returns the outcome for extra checks. */
export function checkBytes(bytes: Uint8Array, file = 'case.onnx', opts: CheckOptions = {}): Outcome {
  const out = decodeOutcome(new MemorySource(bytes, file), file);
  if (out.ok) checkDecoded(out.decoded, file, opts);
  return out;
}

let tmpDir: string | undefined;
let counter = 0;

export function tempDir(): string {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-hostile-'));
  return tmpDir;
}

export function cleanupTempDir(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

/**
 * `bytes` decoded from memory and through a FileSource (positional reads, 64 KiB window), as file
 * `name` in the temporary folder: the two must agree (the same error message at the same offset
 * and field path, or equal models, spans included). `withFileDecode` runs on the file's decode
 * before its source is closed. Returns the outcome from memory (its source stays readable).
 */
export function decodeBothWays(bytes: Uint8Array, name = `case-${counter++}.onnx`, withFileDecode?: (d: DecodedModel) => void): Outcome {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, bytes);
  try {
    const mem = decodeOutcome(new MemorySource(bytes, file), file);
    const src = new FileSource(file);
    try {
      const disk = decodeOutcome(src, file);
      assert.equal(disk.ok, mem.ok, `file and memory decodes agree (${disk.ok ? 'ok' : disk.error.message} vs ${mem.ok ? 'ok' : mem.error.message})`);
      if (!disk.ok && !mem.ok) {
        assert.equal(disk.error.message, mem.error.message);
        assert.equal(disk.error.offset, mem.error.offset);
        assert.equal(disk.error.fieldPath, mem.error.fieldPath);
      } else if (disk.ok && mem.ok) {
        assert.deepStrictEqual(stripSource(disk.decoded), stripSource(mem.decoded));
        withFileDecode?.(disk.decoded);
      }
      return mem;
    } finally {
      src.close();
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The hostile-input property through a file too: decodes as from memory, and a model passes checkDecoded. */
export function checkViaFile(bytes: Uint8Array): void {
  decodeBothWays(bytes, undefined, (d) => checkDecoded(d, d.file));
}

/** The model `bytes` decode to (from memory and from a file, which agree), written back byte for byte. */
export function decodedBothWays(bytes: Uint8Array, name?: string): DecodedModel {
  const out = decodeBothWays(bytes, name);
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.deepEqual(encodeModelToBytes(out.decoded), bytes, 'written back byte for byte');
  return out.decoded;
}

function stripSource(d: DecodedModel): unknown {
  return { model: d.model, file: d.file, unknownFields: d.unknownFields };
}

/** The smallest n in [1, hi] for which `ok(n)` holds, `ok` being monotone (false up to it, true from it on). */
export function leastPassing(ok: (n: number) => boolean, hi: number): number {
  let lo = 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
