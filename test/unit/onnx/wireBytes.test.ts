/**
 * Bytes fields (AttributeProto.s and .strings): each value holds a copy of its bytes, never a view
 * into the source's, whatever its length, from memory and from a file whose reader sees a 64 KiB
 * window at a time. A value of up to 64 bytes is a view into a chunk that later short values share
 * (WireReader.bytes); a longer one is a Uint8Array with a buffer of its own.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FileSource, MemorySource, decodeModel, encodeModelToBytes, type DecodedModel } from '../../../src/core/onnx/index';
import { modelWithNode } from './hostile/cases';
import { cleanupTempDir, tempDir } from './hostile/oracle';
import { concat, lenField, strField, varintField } from './hostile/wire';

test.after(cleanupTempDir);

/** Deterministic bytes of every value 0..255. */
function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff);
}

test('attribute s and strings of 0 to 70,000 bytes read as copies of their bytes, from memory and from a file', () => {
  const lengths = [0, 1, 2, 63, 64, 65, 1000, 70_000, 3];
  const values = lengths.map((n, i) => pattern(n, i));
  // One STRING attribute per length (s), then one STRINGS attribute holding them all, at offsets that
  // cross the file reader's 64 KiB window.
  const attrs = [
    ...values.map((v, i) => lenField(5, concat([strField(1, `s${i}`), varintField(20, 3), lenField(4, v)]))),
    lenField(5, concat([strField(1, 'all'), varintField(20, 8), ...values.map((v) => lenField(9, v))])),
  ];
  const bytes = modelWithNode(concat(attrs));
  const file = path.join(tempDir(), 'bytes.onnx');
  fs.writeFileSync(file, bytes);
  const source = new FileSource(file);
  const check = (d: DecodedModel, sourceBytes?: Uint8Array): void => {
    const node = d.model.graph!.node[0]!;
    const got = [...node.attribute.slice(0, values.length).map((a) => a.s!), ...node.attribute[values.length]!.strings];
    assert.equal(got.length, 2 * values.length);
    const short = got.filter((b) => b.length > 0 && b.length <= 64);
    assert.equal(short.length, 2 * 5);
    got.forEach((b, i) => {
      const want = values[i % values.length]!;
      assert.equal(Object.getPrototypeOf(b), Uint8Array.prototype, `value ${i}`);
      assert.deepEqual(Array.from(b), Array.from(want), `value ${i} (${want.length} bytes)`);
      if (b.length > 64) assert.equal(b.byteLength, b.buffer.byteLength, `value ${i} has a buffer of its own`);
      else if (b.length) assert.equal(b.buffer, short[0]!.buffer, `value ${i} shares the chunk of short values`);
      if (sourceBytes) assert.notEqual(b.buffer, sourceBytes.buffer, `value ${i} is not a view into the source's bytes`);
    });
    assert.deepEqual(encodeModelToBytes(d), bytes, 'written back byte for byte');
    if (sourceBytes) {
      // Copies: clearing the source's bytes changes no value.
      sourceBytes.fill(0);
      got.forEach((b, i) => assert.deepEqual(Array.from(b), Array.from(values[i % values.length]!), `value ${i} after the source changed`));
    }
  };
  try {
    const memory = bytes.slice();
    check(decodeModel(new MemorySource(memory, 'bytes.onnx')), memory);
    check(decodeModel(source));
  } finally {
    source.close();
  }
});

test('a million short attribute strings fill chunk after chunk, each value its own bytes', () => {
  // 1,000,000 values of 1 to 64 bytes (~32 MB) cross thousands of chunk boundaries.
  const values = Array.from({ length: 1_000_000 }, (_, i) => pattern(1 + (i % 64), i));
  const bytes = modelWithNode(lenField(5, concat([strField(1, 'many'), varintField(20, 8), ...values.map((v) => lenField(9, v))])));
  const d = decodeModel(new MemorySource(bytes, 'many.onnx'), { maxObjectWeight: 1e8 });
  const got = d.model.graph!.node[0]!.attribute[0]!.strings;
  assert.equal(got.length, values.length);
  const buffers = new Set<ArrayBufferLike>();
  got.forEach((b, i) => {
    const want = values[i]!;
    if (b.length !== want.length || b.some((x, k) => x !== want[k])) assert.fail(`value ${i}: ${Array.from(b)} instead of ${Array.from(want)}`);
    buffers.add(b.buffer);
  });
  assert.ok(buffers.size > 1000 && buffers.size < got.length / 100, `${buffers.size} buffers for ${got.length} values`);
  assert.deepEqual(encodeModelToBytes(d), bytes, 'written back byte for byte');
});
