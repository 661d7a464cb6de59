/**
 * Hostile input: empty files, non-ONNX bytes, truncation, bit flips, lying length prefixes, absurd
 * repeated counts, deep nesting, broken graphs. Every input must give a typed OnnxFormatError
 * (file, byte offset, field path, what was expected) or, for graph-level problems, a model that
 * opens with the problems listed; never another exception, never memory driven by a length read
 * from the file, and a 10 MB input is handled in about a second.
 *
 * Property tests (fast-check) mutate real valid models; see hostile/oracle.ts for the property.
 * Set FC_SEED to replay a failing run; FC_RUNS scales the number of cases.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { buildGraphIndex, summarizeModel } from '../../../src/core/graph/index';
import {
  FileSource, MemorySource, ModelChangedError, ModelFileError, ModelTooLargeError, OnnxFormatError, TensorDataError, decodeModel, openModelFile, readTensorBytes, readTensorValues,
} from '../../../src/core/onnx/index';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { encodeModelProto, externalTensor } from './protoHelpers';
import { repoRoot } from '../../support/fixtures';
import {
  TEN_MB, deepGroups, deepMapType, deepSequenceType, deepSubgraphs, graphProblemCases, messageFloodCases, modelWithNode, modelWithTensor, randomBytes,
  randomModel, repeat, repeatedFieldCases,
} from './hostile/cases';
import { MB, type Measured, describe as describeRun, measure } from './hostile/measure';
import { graphModel, richModel, wideModel } from './hostile/models';
import { checkBytes, checkViaFile, cleanupTempDir, decodeOutcome, leastPassing, tempDir } from './hostile/oracle';
import { concat, lenField, lengthPrefixes, modelWith, replaceVarint, strField, tag, topLevelFieldEnd, varint, varintField } from './hostile/wire';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const SCALE = process.env.FC_RUNS ? Number(process.env.FC_RUNS) / 1000 : 1;
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));
const fcOptions = (n: number) => ({ numRuns: runs(n), seed: SEED, endOnFailure: true });

/**
 * A guard against hangs and blow-ups (a loop on a crafted length, work quadratic in a count), not a
 * speed figure: `npm run bench` measures the issue's one-second target on these inputs. Bounded in
 * CPU time, which other processes on a loaded machine do not stretch (wall time did: 5.3 s for the
 * 2.5 M string_data entries with the load average at 6-15 on 2 cores), at five times that target.
 */
const CPU_BOUND_MS = 5000;
const bounded = (m: Measured<unknown>): boolean => m.cpuMs < CPU_BOUND_MS;
const took = (m: Measured<unknown>): string => `took ${m.cpuMs.toFixed(0)} ms of CPU (${m.ms.toFixed(0)} ms wall)`;

after(cleanupTempDir);

const rich = richModel();
const richPrefixes = lengthPrefixes(rich);
const tiny = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();
/** Structure alone larger than the 64 KB read window, then a 200 KB payload, then more structure. */
const wide = wideModel(700, 200_000);

function expectFormatError(bytes: Uint8Array, file = 'case.onnx'): OnnxFormatError {
  const out = checkBytes(bytes, file);
  assert.ok(!out.ok, 'expected an OnnxFormatError, the model decoded');
  return out.error;
}

function mutate(base: Uint8Array, f: (b: Uint8Array) => void): Uint8Array {
  const b = base.slice();
  f(b);
  return b;
}

let cases = 0;
const counted = <T extends unknown[]>(f: (...a: T) => void) => (...a: T): void => {
  cases++;
  f(...a);
};

describe('hostile input: property tests over mutated valid models', () => {
  after(() => console.log(`[hostile] ${cases} generated/enumerated cases checked`));

  test('the base models decode and pass the property themselves', () => {
    for (const b of [rich, tiny, wide]) {
      const out = checkBytes(b, 'case.onnx', { reserialise: true, readTensors: true });
      assert.ok(out.ok);
    }
    assert.ok(wide.length > 3 * 64 * 1024 && tiny.length > 64 * 1024, 'inputs larger than the read window');
    assert.ok(richPrefixes.length > 100);
  });

  test('truncation at every offset (rich model) and at random offsets (builder model)', () => {
    // Cut inside or before the graph: an error. Cut after it: protobuf has no end marker, so a cut
    // between top-level fields is a valid (smaller) model; any other cut is an error.
    const check = (base: Uint8Array, n: number): void => {
      const out = checkBytes(base.subarray(0, n), 'case.onnx', { reserialise: true, readTensors: true });
      if (n < topLevelFieldEnd(base, 7)) assert.ok(!out.ok && out.error.offset <= n, `cut at ${n} decoded`);
    };
    for (let n = 0; n < rich.length; n++) {
      cases++;
      check(rich, n);
    }
    fc.assert(fc.property(fc.nat({ max: tiny.length - 1 }), counted((n: number) => check(tiny, n))), fcOptions(300));
  });

  test('random bit flips', () => {
    const flips = fc.array(fc.tuple(fc.nat({ max: rich.length - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(flips, counted((fl: [number, number][]) => {
        checkBytes(mutate(rich, (b) => fl.forEach(([o, bit]) => (b[o]! ^= 1 << bit))), 'case.onnx', { reserialise: true, readTensors: true });
      })),
      fcOptions(1000),
    );
  });

  test('random byte overwrites', () => {
    const writes = fc.array(fc.tuple(fc.nat({ max: rich.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(writes, counted((ws: [number, number][]) => {
        checkBytes(mutate(rich, (b) => ws.forEach(([o, v]) => (b[o] = v))), 'case.onnx', { reserialise: true, readTensors: true });
      })),
      fcOptions(1000),
    );
  });

  test('inserted junk and deleted ranges', () => {
    const edit = fc.tuple(fc.nat({ max: rich.length }), fc.nat({ max: 40 }), fc.uint8Array({ maxLength: 40 }));
    fc.assert(
      fc.property(edit, counted(([at, del, junk]: [number, number, Uint8Array]) => {
        checkBytes(concat([rich.subarray(0, at), junk, rich.subarray(Math.min(rich.length, at + del))]), 'case.onnx', { reserialise: true, readTensors: true });
      })),
      fcOptions(1000),
    );
  });

  test('length prefixes replaced by smaller, larger and absurd values', () => {
    const value = fc.oneof(
      fc.integer({ min: -8, max: 8 }).map((d) => ({ delta: d })),
      fc.constantFrom(0, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53 + 7, 2n ** 63n, 2n ** 64n - 1n).map((v) => ({ abs: v })),
      fc.nat({ max: 1 << 20 }).map((v) => ({ abs: v })),
    );
    fc.assert(
      fc.property(fc.nat({ max: richPrefixes.length - 1 }), value, counted((i: number, v: { delta?: number; abs?: number | bigint }) => {
        const p = richPrefixes[i]!;
        const next = v.abs ?? Math.max(0, p.value + v.delta!);
        checkBytes(replaceVarint(rich, p, next), 'case.onnx', { reserialise: true, readTensors: true });
      })),
      fcOptions(1000),
    );
  });

  test('random bytes, bare and behind a valid ModelProto header', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), counted((b: Uint8Array) => void checkBytes(b))), fcOptions(500));
    const header = fc.uint8Array({ maxLength: 2048 }).map((b) => concat([varintField(1, 8), tag(7, 2), varint(b.length), b]));
    fc.assert(fc.property(header, counted((b: Uint8Array) => void checkBytes(b, 'case.onnx', { reserialise: true }))), fcOptions(500));
  });

  test('random protobuf messages over ONNX field numbers (wrong wire types, odd nesting)', () => {
    fc.assert(
      fc.property(randomModel, counted((b: Uint8Array) => void checkBytes(b, 'case.onnx', { reserialise: true, readTensors: true }))),
      fcOptions(1500),
    );
  });

  test('through FileSource (64 KB window, positional reads): same outcome as from memory', () => {
    // Inputs larger than the window, mutated before, inside and after the skipped payload.
    const op = fc.oneof(
      fc.tuple(fc.constant('flip' as const), fc.nat({ max: wide.length - 1 }), fc.integer({ min: 0, max: 7 })),
      fc.tuple(fc.constant('cut' as const), fc.nat({ max: wide.length - 1 }), fc.constant(0)),
      fc.tuple(fc.constant('len' as const), fc.nat(), fc.nat({ max: 300_000 })),
    );
    const widePrefixes = lengthPrefixes(wide);
    fc.assert(
      fc.property(fc.constantFrom(wide, tiny), op, counted((base: Uint8Array, [kind, a, b]: [string, number, number]) => {
        let bytes: Uint8Array;
        if (kind === 'flip') bytes = mutate(base, (x) => (x[a % x.length]! ^= 1 << b));
        else if (kind === 'cut') bytes = base.subarray(0, a % base.length);
        else {
          const ps = base === wide ? widePrefixes : lengthPrefixes(base);
          bytes = replaceVarint(base, ps[a % ps.length]!, b);
        }
        checkViaFile(bytes);
      })),
      fcOptions(150),
    );
    fc.assert(fc.property(randomModel, counted((b: Uint8Array) => checkViaFile(b))), fcOptions(100));
    checkViaFile(wide);
    checkViaFile(tiny);
  });
});

describe('hostile input: targeted cases', () => {
  test('empty file', () => {
    const err = expectFormatError(new Uint8Array(0), 'empty.onnx');
    assert.equal(err.offset, 0);
    assert.match(err.message, /empty\.onnx.*empty/);
    const file = path.join(tempDir(), 'empty.onnx');
    fs.writeFileSync(file, '');
    assert.throws(() => openModelFile(file), (e: unknown) => e instanceof OnnxFormatError && e.file === file && /empty/.test(e.message));
  });

  test('non-ONNX bytes: text, JSON, PNG, ZIP, a single byte', () => {
    const inputs: [string, Uint8Array][] = [
      ['notes.txt', new TextEncoder().encode('This is not a model.\nJust some text.\n')],
      ['config.json', new TextEncoder().encode('{"model": "yolov9", "layers": [1, 2, 3]}')],
      ['image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])],
      ['archive.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0])],
      ['one.onnx', Uint8Array.from([0x08])],
      ['zeros.onnx', new Uint8Array(64)],
    ];
    for (const [name, bytes] of inputs) {
      const err = expectFormatError(bytes, name);
      assert.ok(err.message.startsWith(`${name}: not a valid ONNX model`), err.message);
    }
  });

  test('a valid builder model truncated at each of its first 400 offsets, in memory and from a file', () => {
    const file = path.join(tempDir(), 'truncated.onnx');
    for (let n = 0; n < 400; n++) {
      const err = expectFormatError(tiny.subarray(0, n), 'truncated.onnx');
      assert.ok(err.offset <= n && err.problem.length > 0);
      if (n % 20 === 0) {
        fs.writeFileSync(file, tiny.subarray(0, n));
        assert.throws(() => openModelFile(file), (e: unknown) => e instanceof OnnxFormatError && e.offset === err.offset && e.problem === err.problem);
      }
    }
  });

  test('a length prefix of 2^40 at each depth gives an error at that prefix, naming the field', () => {
    // Each case: bytes before the bad prefix, the field path expected, bytes after.
    const t = (f: number, payload: Uint8Array) => lenField(f, payload);
    const layers: { path: RegExp; wrap: (inner: Uint8Array) => Uint8Array; field: number }[] = [
      { path: /^ModelProto\.graph$/, wrap: (x) => x, field: 7 },
      { path: /^ModelProto\.graph\.node$/, wrap: (x) => t(7, x), field: 1 },
      { path: /^ModelProto\.graph\.node\[0\]\.attribute$/, wrap: (x) => t(7, t(1, concat([strField(4, 'Op'), x]))), field: 5 },
      { path: /^ModelProto\.graph\.node\[0\]\.attribute\[0\]\.t$/, wrap: (x) => t(7, t(1, t(5, concat([strField(1, 'a'), x])))), field: 5 },
      { path: /^ModelProto\.graph\.node\[0\]\.attribute\[0\]\.t\.raw_data$/, wrap: (x) => t(7, t(1, t(5, t(5, x)))), field: 9 },
      { path: /^ModelProto\.graph\.input\[0\]\.type\.tensor_type\.shape\.dim$/, wrap: (x) => t(7, t(11, t(2, t(1, t(2, x))))), field: 1 },
      { path: /^ModelProto\.graph\.node\[0\]\.attribute\[0\]\.g\.node\[0\]\.input$/, wrap: (x) => t(7, t(1, t(5, t(6, t(1, x))))), field: 1 },
    ];
    for (const [depth, l] of layers.entries()) {
      for (const bad of [2 ** 40, 2 ** 32 + 3, 2 ** 53]) {
        const body = l.wrap(concat([tag(l.field, 2), varint(bad), new Uint8Array(16)]));
        const bytes = modelWith(body);
        const prefixAt = bytes.length - 16 - varint(bad).length;
        const m = measure(() => decodeModel(new MemorySource(bytes, 'len.onnx')));
        assert.ok(m.error instanceof OnnxFormatError, `depth ${depth}: ${String(m.error)}`);
        assert.equal(m.error.offset, prefixAt, `depth ${depth}: offset of the length prefix`);
        assert.match(m.error.fieldPath, l.path, `depth ${depth}: ${m.error.fieldPath}`);
        assert.match(m.error.problem, new RegExp(`length ${bad} runs past the end`));
        assert.ok(m.retained < MB, 'no allocation from the length');
      }
    }
    // Lengths that do not even fit a safe number: typed errors too.
    for (const v of [2n ** 63n, 2n ** 64n - 1n]) expectFormatError(modelWith(concat([tag(7, 2), varint(v)])));
  });

  for (const { name, make } of repeatedFieldCases) {
    test(`10 MB of a repeated field: ${name} — bounded time and memory`, (t) => {
      const bytes = make();
      const m = measure(() => decodeModel(new MemorySource(bytes, 'big.onnx')));
      t.diagnostic(describeRun(m, bytes.length));
      if (m.error !== undefined) assert.ok(m.error instanceof OnnxFormatError || m.error instanceof ModelTooLargeError, String(m.error));
      assert.ok(bounded(m), took(m));
      assert.ok(m.retained < 20 * bytes.length, `retained ${(m.retained / bytes.length).toFixed(1)}x the input size`);
      if (m.value) {
        const s = measure(() => summarizeModel(m.value!));
        t.diagnostic(`summary ${s.ms.toFixed(0)} ms`);
        assert.equal(s.error, undefined);
      }
    });
  }

  for (const { name, make } of messageFloodCases) {
    test(`10 MB of tiny messages: ${name} — typed error or model, bounded time and memory`, (t) => {
      const bytes = make();
      const m = measure(() => {
        const d = decodeModel(new MemorySource(bytes, 'flood.onnx'));
        return { d, idx: d.model.graph ? buildGraphIndex(d.model.graph) : undefined };
      });
      t.diagnostic(describeRun(m, bytes.length));
      if (m.error !== undefined) assert.ok(m.error instanceof OnnxFormatError || m.error instanceof ModelTooLargeError, String(m.error));
      assert.ok(bounded(m), took(m));
      assert.ok(m.retained < 20 * bytes.length, `retained ${(m.retained / bytes.length).toFixed(1)}x the input size`);
    });
  }

  test('10 MB of random bytes, bare and behind a valid header, from memory and from a file', (t) => {
    const rnd = randomBytes(TEN_MB);
    const headed = concat([varintField(1, 8), tag(7, 2), varint(rnd.length), rnd]);
    const file = path.join(tempDir(), 'random.onnx');
    for (const [name, bytes] of [['bare', rnd], ['headed', headed]] as const) {
      const m = measure(() => decodeModel(new MemorySource(bytes, 'random.onnx')));
      t.diagnostic(`${name}: ${describeRun(m, bytes.length)}`);
      if (m.error !== undefined) assert.ok(m.error instanceof OnnxFormatError, String(m.error));
      assert.ok(bounded(m), took(m));
      fs.writeFileSync(file, bytes);
      const f = measure(() => openModelFile(file));
      t.diagnostic(`${name} via FileSource: ${describeRun(f, bytes.length)}`);
      if (f.error !== undefined) assert.ok(f.error instanceof OnnxFormatError, String(f.error));
      assert.ok(bounded(f), took(f));
    }
    // Many random 10 MB-ish inputs with different seeds behind the header: all typed, all quick.
    for (let seed = 1; seed <= 8; seed++) {
      const b = concat([varintField(1, 8), tag(7, 2), varint(MB), randomBytes(MB, seed)]);
      checkBytes(b);
    }
  });

  const nestings: [string, (n: number) => Uint8Array][] = [
    ['TypeProto sequence_type chain', deepSequenceType],
    ['TypeProto map_type chain', deepMapType],
    ['graphs in attributes in nodes', deepSubgraphs],
    ['proto2 groups in an unknown field', deepGroups],
  ];
  for (const [name, make] of nestings) {
    test(`nesting 10,000 deep: ${name} — OnnxFormatError about nesting, no stack overflow`, () => {
      const bytes = make(10_000);
      const m = measure(() => decodeModel(new MemorySource(bytes, 'deep.onnx')));
      assert.ok(m.error instanceof OnnxFormatError, `expected a format error, got ${String(m.error)}`);
      assert.match(m.error.problem, /nested/);
      assert.ok(bounded(m), took(m));
      // Also from a file, and moderately deep (within the limit) still decodes.
      const file = path.join(tempDir(), 'deep.onnx');
      fs.writeFileSync(file, bytes);
      assert.throws(() => openModelFile(file), /nested/);
      if (name !== 'proto2 groups in an unknown field') checkBytes(make(10), 'deep.onnx', { reserialise: true });
    });
  }

  test('the object budget: a model decodes at exactly its weight, one less is a ModelTooLargeError saying what the limit is', () => {
    const decodes = (max: number) => {
      try {
        decodeModel(new MemorySource(tiny, 'tiny.onnx'), { maxObjectWeight: max });
        return true;
      } catch (e) {
        assert.ok(e instanceof ModelTooLargeError, String(e));
        assert.equal(e.file, 'tiny.onnx');
        assert.match(e.problem, new RegExp(`^too large to open here: more objects than QDQ Studio decodes from a file of ${Math.round(tiny.length / 1000)} KB \\(${tiny.length} bytes\\): the limit is ${max.toLocaleString('en-US')} `));
        assert.match(e.problem, /it does not mean the file is malformed/);
        return false;
      }
    };
    const lo = leastPassing(decodes, 1 << 24);
    assert.ok(decodes(lo) && !decodes(lo - 1));
    // Objects, not only messages: the builder model has thousands of names and lists besides its messages.
    assert.ok(lo > 1000, `${lo} objects`);
    assert.ok(lo / tiny.length <= 0.5, `the default budget (1 per byte) leaves a real model at least 2x room: ${(lo / tiny.length).toFixed(2)} per byte`);
    // A flood over the default budget says where it stopped.
    const flood = messageFloodCases.find((c) => c.name === '5 M empty nodes')!.make();
    const m = measure(() => decodeModel(new MemorySource(flood, 'flood.onnx')));
    assert.ok(m.error instanceof ModelTooLargeError, String(m.error));
    assert.match(m.error.message, /^flood\.onnx: too large to open here: more objects than QDQ Studio decodes from a file of 10\.0 MB \(10000007 bytes\): the limit is 10,000,007 \(one per byte of the file, at least 4,194,304\), counting a node 8, .*The decode stopped at byte \d+, in ModelProto\.graph\.node\[\d+\]\./);
  });

  test('a decode that would take more heap than the process may use stops with a ModelFileError, not an out-of-memory crash', () => {
    // The 10 MB packed attribute-ints case would grow the heap by ~80 MB; allow 40 MB more than now.
    // (A tensor's packed dims are refused sooner, by their count: see the MAX_RANK test.)
    const bytes = repeatedFieldCases.find((c) => c.name === '10 M packed attribute ints')!.make();
    const small = messageFloodCases.find((c) => c.name === '5 M empty nodes')!.make();
    // Empty names are not counted objects; they are repeated-field entries, which are watched too.
    const emptyInputs = modelWithNode(repeat([0x0a, 0x00], 5_000_000));
    for (const input of [small, emptyInputs]) {
      const limit = getHeapStatistics().used_heap_size + 40 * MB;
      const m = measure(() => decodeModel(new MemorySource(input, 'huge.onnx'), { maxHeapBytes: limit, maxObjectWeight: Infinity }));
      assert.ok(m.error instanceof ModelTooLargeError && m.error instanceof ModelFileError, String(m.error));
      assert.equal(m.error.file, 'huge.onnx');
      assert.match(m.error.problem, /too large to open here: decoding it had added (\d+) MiB to this process's memory, which reached \d+ MiB of the \d+ MiB it may use \(at byte \d+ of \d+/);
      assert.ok(Number(/added (\d+) MiB/.exec(m.error.problem)![1]) >= 64, 'only once the decode itself added 64 MiB');
    }
    // A packed list is counted from its bytes before it is read: one too large for the heap is
    // refused at its first byte, before its array is made (and before the heap grew by it).
    const limit = getHeapStatistics().used_heap_size + 40 * MB;
    const packed = measure(() => decodeModel(new MemorySource(bytes, 'huge.onnx'), { maxHeapBytes: limit, maxObjectWeight: Infinity }));
    assert.ok(packed.error instanceof ModelTooLargeError, String(packed.error));
    assert.match(
      packed.error.problem,
      /^too large to open here: a list of 10,000,000 values would have brought what decoding it adds to this process's memory to (\d+) MiB, and the memory in use to \d+ MiB of the \d+ MiB it may use \(at byte (\d+) of \d+, .*\); the decode was stopped before the list was made$/,
    );
    assert.equal(Number(/at byte (\d+)/.exec(packed.error.problem)![1]), bytes.length - TEN_MB, 'stopped at the list, not inside it');
    // Memory that was in use before the decode is not the model's fault: with a limit already
    // exceeded at the start, a model of 300 k names (checked several times, adding ~15 MB) opens.
    const reads = graphProblemCases.find((c) => c.name === '300 k reads of one undefined name')!.make();
    assert.equal(decodeModel(new MemorySource(reads, 'reads.onnx'), { maxHeapBytes: 1 }).model.graph!.node[0]!.input.length, 300_000);
    // With the default (85% of V8's heap limit), the same file decodes.
    assert.ok(checkBytes(bytes).ok);
  });

  test('a vocabulary of 500 k tokens in a STRINGS attribute (LabelEncoder keys) opens', () => {
    const tokens = Array.from({ length: 500_000 }, (_, i) => strField(9, `tok${i.toString(36).padStart(5, '0')}`));
    const bytes = modelWithNode(lenField(5, concat([strField(1, 'keys_strings'), varintField(20, 8), ...tokens])));
    const out = checkBytes(bytes);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const attr = out.decoded.model.graph!.node[0]!.attribute[0]!;
    assert.equal(attr.strings.length, 500_000);
    assert.equal(new TextDecoder().decode(attr.strings[123_456]), `tok${(123_456).toString(36).padStart(5, '0')}`);
  });

  test('wrong wire types on known fields name the field and the expected wire type', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['ir_version as bytes', concat([lenField(1, [1]), lenField(7, [])]), /ir_version/],
      ['graph as varint', modelWith(varintField(7, 1)), /graph/],
      ['node as fixed32', modelWith(lenField(7, concat([tag(1, 5), [0, 0, 0, 0]]))), /node/],
      ['node input as varint', modelWith(lenField(7, lenField(1, varintField(1, 5)))), /input/],
      ['dims as fixed64', modelWith(lenField(7, lenField(5, concat([tag(1, 1), new Uint8Array(8)])))), /dims/],
      ['attribute f as varint', modelWith(lenField(7, lenField(1, lenField(5, varintField(2, 1))))), /'f'/],
      ['raw_data as varint', modelWith(lenField(7, lenField(5, varintField(9, 1)))), /raw_data/],
      ['string_data as fixed32', modelWith(lenField(7, lenField(5, concat([tag(6, 5), [1, 2, 3, 4]])))), /string_data/],
      ['elem_type as bytes', modelWith(lenField(7, lenField(11, lenField(2, lenField(1, lenField(1, [1])))))), /elem_type/],
      ['floats as varint', modelWith(lenField(7, lenField(1, lenField(5, varintField(7, 1))))), /floats/],
    ];
    for (const [name, bytes, field] of cases) {
      const err = expectFormatError(bytes, 'wire.onnx');
      assert.match(err.problem, /wire type/, name);
      assert.match(err.problem, field, `${name}: ${err.message}`);
      assert.ok(err.fieldPath.startsWith('ModelProto'), `${name}: field path ${err.fieldPath}`);
    }
  });

  test('invalid wire types 6 and 7, field number 0, over-long varints', () => {
    for (const wt of [6, 7]) {
      for (const bytes of [modelWith(concat([tag(30, wt)])), modelWith(lenField(7, concat([tag(40, wt), [1]])))]) {
        assert.match(expectFormatError(bytes).problem, new RegExp(`invalid wire type ${wt}`));
      }
    }
    assert.match(expectFormatError(modelWith(Uint8Array.from([0x00, 0x01]))).problem, /invalid field number 0/);
    assert.match(expectFormatError(modelWith(lenField(7, Uint8Array.from([0x02, 0x00])))).problem, /invalid field number 0/);
    const longVarint = concat([varintField(1, 8), lenField(7, []), tag(5, 0), new Uint8Array(11).fill(0x80), [0]]);
    assert.match(expectFormatError(longVarint).problem, /varint/);
    // A stray end-group tag, and an unterminated group.
    assert.match(expectFormatError(modelWith(lenField(7, []), Uint8Array.from(tag(9, 4)))).problem, /wire type 4/);
    assert.match(expectFormatError(modelWith(lenField(7, []), Uint8Array.from(tag(9, 3)))).problem, /group/);
    // A well-formed group in an unknown field is skipped and kept.
    const grouped = checkBytes(modelWith(lenField(7, []), concat([tag(9, 3), varintField(1, 5), tag(9, 4)])), 'g.onnx', { reserialise: true });
    assert.ok(grouped.ok && grouped.decoded.unknownFields.count === 1);
  });

  test('graph-level problems: the model opens and buildGraphIndex lists them with node indices', () => {
    const ok = checkBytes(
      graphModel({
        name: 'broken',
        input: [{ name: 'x' }],
        output: [{ name: 'y' }, { name: 'nowhere' }],
        initializer: [{ name: 'w', dims: [1], dataType: 1, floatData: [1] }, { name: 'w', dims: [1], dataType: 1, floatData: [2] }],
        node: [
          { name: 'a', opType: 'Add', input: ['x', 'c_out'], output: ['a_out'] }, // 0: cycle a -> b -> c -> a
          { name: 'b', opType: 'Relu', input: ['a_out'], output: ['b_out'] }, // 1
          { name: 'c', opType: 'Relu', input: ['b_out'], output: ['c_out'] }, // 2
          { name: 'a', opType: 'Mul', input: ['x', 'w'], output: ['y'] }, // 3: duplicate node name 'a'
          { name: 'd', opType: 'Sub', input: ['x', 'ghost'], output: ['y'] }, // 4: dangling 'ghost', second producer of 'y'
        ],
      }),
      'broken.onnx',
      { reserialise: true },
    );
    assert.ok(ok.ok);
    const g = ok.decoded.model.graph!;
    const idx = buildGraphIndex(g);
    const byKind = (k: string) => idx.problems.filter((p) => p.kind === k);
    assert.deepEqual(byKind('cycle').map((p) => p.nodes), [[0, 1, 2]]);
    assert.deepEqual(byKind('duplicate-node-name').map((p) => p.nodes), [[0, 3]]);
    assert.deepEqual(byKind('duplicate-tensor-producer').map((p) => [p.tensor, p.nodes]), [['y', [3, 4]]]);
    assert.deepEqual(byKind('dangling-input').map((p) => [p.tensor, p.nodes]), [['ghost', [4]]]);
    assert.deepEqual(byKind('missing-graph-output').map((p) => p.tensor), ['nowhere']);
    assert.deepEqual(byKind('duplicate-initializer').map((p) => p.tensor), ['w']);
    assert.equal(idx.problems.length, 6);
    // Topological order still lists every node once: free nodes first, the cycle last.
    assert.deepEqual(idx.topoOrder, [3, 4, 0, 1, 2]);
    const summary = summarizeModel(ok.decoded);
    assert.equal(summary.problems.length, 6);
  });

  test('a self-loop and a two-node cycle are cycles; nodes after them still sort', () => {
    const ok = checkBytes(graphModel({
      input: [{ name: 'x' }],
      node: [
        { opType: 'Loop', input: ['x', 'self'], output: ['self'] },
        { opType: 'A', input: ['q'], output: ['p'] },
        { opType: 'B', input: ['p'], output: ['q'] },
        { opType: 'C', input: ['x'], output: ['z'] },
      ],
      output: [{ name: 'z' }],
    }));
    assert.ok(ok.ok);
    const idx = buildGraphIndex(ok.decoded.model.graph!);
    assert.deepEqual(idx.problems.map((p) => [p.kind, p.nodes]), [['cycle', [0, 1, 2]]]);
    assert.deepEqual(idx.topoOrder, [3, 0, 1, 2]);
  });

  test('names that are Object.prototype properties do not confuse the index or the summary', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    const ok = checkBytes(graphModel({
      input: [{ name: '__proto__' }],
      node: names.map((n, i) => ({ name: n, opType: n, input: [i ? names[i - 1]! : '__proto__'], output: [`${n}_`] })),
      output: [{ name: 'valueOf_' }],
    }));
    assert.ok(ok.ok);
    // Decoded repeated fields may be the shared frozen empty array: assign a new array to change one.
    ok.decoded.model.metadataProps = [...ok.decoded.model.metadataProps, { key: '__proto__', value: 'p' }, { key: 'constructor', value: 'c' }];
    const idx = buildGraphIndex(ok.decoded.model.graph!);
    const s = summarizeModel(ok.decoded, idx);
    for (const n of names) assert.equal(s.opTypeCounts[n], 1, `op type count of '${n}': ${String(s.opTypeCounts[n])}`);
    assert.equal(Object.keys(s.opTypeCounts).length, names.length);
    assert.equal(s.metadataProps['__proto__'], 'p');
    assert.equal(s.metadataProps['constructor'], 'c');
    assert.ok(Object.getOwnPropertyNames(s.metadataProps).includes('__proto__'));
  });

  test('many graph inputs read by many dangling inputs: indexing stays linear', (t) => {
    // 200k graph inputs and 200k reads of undefined names in ~2.4 MB.
    const n = 200_000;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) parts.push(Uint8Array.from([0x5a, 0x00])); // graph.input: empty ValueInfo
    const reads: Uint8Array[] = [strField(4, 'Concat')];
    for (let i = 0; i < n; i++) reads.push(strField(1, `d${i % 100}`));
    const bytes = modelWith(lenField(7, concat([...parts, lenField(1, concat(reads))])));
    const ok = checkBytes(bytes);
    assert.ok(ok.ok);
    const m = measure(() => buildGraphIndex(ok.decoded.model.graph!));
    t.diagnostic(`index of ${n} inputs x ${n} dangling reads: ${m.ms.toFixed(0)} ms`);
    assert.equal(m.error, undefined);
    assert.equal(m.value!.problems.length, 10_001, "10,000 listed, then one entry counting the rest");
    assert.match(m.value!.problems.at(-1)!.message, new RegExp(`${n - 10_000} more .dangling-input. problems are not listed \\(${n} in all\\)`));
    assert.ok(bounded(m), took(m));
  });

  for (const { name, make, problem: kind } of graphProblemCases) {
    test(`graph problems by the hundred thousand: ${name} — the model opens, problems listed, bounded time and memory`, (t) => {
      const bytes = make();
      const m = measure(() => {
        const d = decodeModel(new MemorySource(bytes, 'problems.onnx'));
        const idx = buildGraphIndex(d.model.graph!);
        return { idx, summary: summarizeModel(d, idx) };
      });
      t.diagnostic(`decode + index + summary: ${describeRun(m, bytes.length)}`);
      assert.equal(m.error, undefined);
      const problems = m.value!.idx.problems;
      assert.ok(problems.length > 0 && problems[0]!.kind === kind, problems[0]?.message);
      assert.ok(bounded(m), took(m));
      // Proportional to the file, not to a length in it: every node and every distinct tensor name
      // costs a few hundred bytes decoded and indexed (measured: up to ~57x for 8-byte nodes).
      assert.ok(m.retained < 64 * bytes.length, `retained ${(m.retained / bytes.length).toFixed(1)}x the input size with ${problems.length} problems listed`);
      assert.ok(problems.length <= 2 * 10_001, `${problems.length} problems listed`);
    });
  }

  test('malformed packed integer payloads: the model opens, reading the tensor gives a TensorDataError', () => {
    // int32_data / int64_data / uint64_data packed payloads are not parsed when opening; a
    // truncated varint inside one must surface as TensorDataError naming the tensor when read.
    for (const field of [5, 7, 11]) {
      const bytes = modelWithTensor(concat([varintField(2, field === 5 ? 6 : field === 7 ? 7 : 13), varintField(1, 2), lenField(field, [0x05, 0x80])]));
      const ok = checkBytes(bytes);
      assert.ok(ok.ok);
      const t = ok.decoded.model.graph!.initializer[0]!;
      assert.throws(() => readTensorBytes(ok.decoded, t), (e: unknown) => e instanceof TensorDataError && e.tensorName === 'w' && /case\.onnx/.test(e.message));
      assert.throws(() => readTensorValues(ok.decoded, t), TensorDataError);
    }
  });

  test('a source that lies about its size still gives typed errors', () => {
    // A source reporting more bytes than it gives (as a file truncated between a size check and a read would).
    const file = path.join(tempDir(), 'shrinks.onnx');
    const short = new MemorySource(wide.subarray(0, 50_000), file);
    const liar = { name: file, size: wide.length, read: (offset: number, length: number) => short.read(offset, length) };
    const out = decodeOutcome(liar, file);
    assert.ok(!out.ok, 'a shrunk source cannot decode');
  });
  test('a file truncated while open: the decode stops with ModelChangedError naming the file', () => {
    const file = path.join(tempDir(), 'shrinks.onnx');
    fs.writeFileSync(file, wide);
    const src = new FileSource(file);
    try {
      fs.truncateSync(file, 50_000);
      assert.throws(() => decodeModel(src, { file }), (e: unknown) => e instanceof ModelChangedError && e.file === file && e.message.startsWith(`${file}: changed on disk`));
    } finally {
      src.close();
    }
  });
  test('a named pipe or a folder given as the model is refused at once (opening a pipe does not wait for a writer)', { skip: process.platform === 'win32' ? 'no named pipes here' : false }, () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    fs.writeFileSync(
      path.join(dir, 'm.onnx'),
      encodeModelProto({
        irVersion: 8,
        graph: { name: 'g', initializer: [externalTensor('w', [4], [['location', 'pipe.onnx']])] },
      }),
    );
    // In a child process with a deadline: a blocking open would stop this process's clock too.
    const script = `
      const load = async (f) => { const m = await import(f); return m.default ?? m; }; // tsx hands a CommonJS module over as default
      const onnx = await load(${JSON.stringify(path.join(repoRoot, 'src', 'core', 'onnx', 'index.ts'))});
      const { summarizeModel } = await load(${JSON.stringify(path.join(repoRoot, 'src', 'core', 'graph', 'index.ts'))});
      const tryIt = (f) => { try { f(); return 'no error'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
      const out = { pipe: tryIt(() => onnx.openModelFile(${JSON.stringify(fifo)})), folder: tryIt(() => onnx.openModelFile(${JSON.stringify(dir)})) };
      const d = onnx.openModelFile(${JSON.stringify(path.join(dir, 'm.onnx'))});
      out.status = summarizeModel(d).externalData[0].problem;
      out.read = tryIt(() => onnx.readTensorBytes(d, d.model.graph.initializer[0]));
      out.readerRead = tryIt(() => onnx.nodeFileReader.read(${JSON.stringify(fifo)}, 0, 4));
      console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.signal, null, `the child was killed after 30 s (an open waited on the pipe): ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, string>;
    assert.equal(out['pipe'], `ModelFileError: ${fifo}: not a regular file`);
    assert.equal(out['folder'], `ModelFileError: ${dir}: not a regular file`);
    // A data file that is a pipe: unusable at open, refused when read.
    assert.equal(out['status'], 'missing');
    assert.match(out['read']!, /^TensorDataError: .*external data file 'pipe\.onnx' .*is not a regular file/);
    assert.equal(out['readerRead'], `NotAFileError: ${fifo} is not a regular file`); // the reader's own open does not wait either
  });
});
