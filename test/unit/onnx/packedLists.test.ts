/**
 * Long packed lists (AttributeProto.ints and floats; TensorProto.dims up to MAX_RANK) are counted from their bytes
 * and their arrays made at their size before they are read (Collector.reserve, WireReader.varintsIn).
 * These check that the values are still exactly protobuf's: packed runs longer than the reader's
 * window, mixed with unpacked entries and with other packed runs of the same field (which protobuf
 * concatenates), 64-bit and negative values, from memory and from a file; and that a packed run cut
 * short is still a typed error.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RANK, MemorySource, OnnxFormatError, type Int64, decodeModel } from '../../../src/core/onnx/index';
import { modelWithNode, modelWithTensor } from './hostile/cases';
import { cleanupTempDir, decodedBothWays } from './hostile/oracle';
import { concat, lenField, strField, tag, varint, varintField } from './hostile/wire';

test.after(cleanupTempDir);

/** A packed field of int64 values (two's complement varints, as protobuf writes them). */
function packedInts(field: number, values: readonly bigint[]): Uint8Array {
  return lenField(field, concat(values.map((v) => varint(BigInt.asUintN(64, v)))));
}

/** As the decoder hands an int64 out: a number when it is exactly one, else a bigint. */
function asInt64(v: bigint): Int64 {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Deterministic int64 values of every varint length: small, 32-bit, past 2^53, negative. */
function values(n: number, seed: number): bigint[] {
  let x = seed >>> 0 || 1;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const kind = x % 5;
    out.push(kind === 0 ? BigInt(x % 100) : kind === 1 ? BigInt(x) * 4099n : kind === 2 ? (BigInt(x) << 31n) | 7n : kind === 3 ? -BigInt(x % 1000) - 1n : BigInt(x & 0x7f));
  }
  return out;
}

test('attribute ints: unpacked entries, a packed run longer than the window, unpacked again, a second packed run', () => {
  const a = values(3, 1);
  const run1 = values(40_000, 2); // ~150 KB: past the 64 KiB window
  const b = values(2, 3);
  const run2 = values(5_000, 4);
  const bytes = modelWithNode(
    lenField(
      5,
      concat([
        strField(1, 'a'),
        varintField(20, 7),
        ...a.map((v) => varintField(8, BigInt.asUintN(64, v))),
        packedInts(8, run1),
        ...b.map((v) => varintField(8, BigInt.asUintN(64, v))),
        packedInts(8, run2),
      ]),
    ),
  );
  const ints = decodedBothWays(bytes).model.graph!.node[0]!.attribute[0]!.ints;
  const expected = [...a, ...run1, ...b, ...run2].map(asInt64);
  assert.equal(ints.length, expected.length);
  assert.deepEqual(ints, expected);
  assert.ok(ints.some((d) => typeof d === 'bigint') && ints.some((d) => typeof d === 'number' && d < 0), 'both 64-bit and negative values were in the lists');
});

test('dims: unpacked entries and packed runs up to MAX_RANK values in all, 64-bit and negative', () => {
  const a = values(3, 1);
  const run1 = values(1_000, 2);
  const b = values(2, 3);
  const run2 = values(MAX_RANK - 1_005, 4);
  const bytes = modelWithTensor(
    concat([
      ...a.map((v) => varintField(1, BigInt.asUintN(64, v))),
      packedInts(1, run1),
      ...b.map((v) => varintField(1, BigInt.asUintN(64, v))),
      packedInts(1, run2),
      varintField(2, 1),
    ]),
  );
  const dims = decodedBothWays(bytes).model.graph!.initializer[0]!.dims;
  assert.deepEqual(dims, [...a, ...run1, ...b, ...run2].map(asInt64));
  assert.equal(dims.length, MAX_RANK);
});

test('attribute ints and floats: long packed runs read to the same values', () => {
  const ints = values(30_000, 5);
  const floats = Float32Array.from({ length: 20_000 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
  const floatBytes = new Uint8Array(floats.buffer);
  const bytes = modelWithNode(
    concat([
      lenField(5, concat([strField(1, 'ints'), varintField(20, 7), varintField(8, 11n), packedInts(8, ints)])),
      lenField(5, concat([strField(1, 'floats'), varintField(20, 6), lenField(7, floatBytes), tag(7, 5), [0, 0, 0x80, 0x3f]])),
    ]),
  );
  const [ia, fa] = decodedBothWays(bytes).model.graph!.node[0]!.attribute;
  assert.deepEqual(ia!.ints, [11, ...ints.map(asInt64)]);
  assert.deepEqual(fa!.floats, [...floats, 1]);
});

test('a packed run whose last varint is cut off by its length is a typed error at that varint', () => {
  const run = concat([...values(5_000, 6).map((v) => varint(BigInt.asUintN(64, v))), [0x80, 0x80]]);
  const bytes = modelWithNode(lenField(5, concat([strField(1, 'a'), varintField(20, 7), lenField(8, run)])));
  const listEnd = bytes.length;
  assert.throws(
    () => decodeModel(new MemorySource(bytes, 'cut.onnx')),
    (e: unknown) => {
      assert.ok(e instanceof OnnxFormatError, String(e));
      assert.equal(e.offset, listEnd, 'the varint runs to the end of the list');
      assert.match(e.fieldPath, /attribute\[0\]\.ints$/);
      return true;
    },
  );
});
