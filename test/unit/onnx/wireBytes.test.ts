/**
 * Bytes fields (AttributeProto.s and .strings): each value is a copy of its bytes, a plain
 * Uint8Array of its own, whatever its length (short ones are copied byte by byte, longer ones in one
 * call: WireReader.bytes), from memory and from a file whose reader sees a 64 KiB window at a time.
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
  const check = (d: DecodedModel): void => {
    const node = d.model.graph!.node[0]!;
    const got = [...node.attribute.slice(0, values.length).map((a) => a.s!), ...node.attribute[values.length]!.strings];
    assert.equal(got.length, 2 * values.length);
    got.forEach((b, i) => {
      const want = values[i % values.length]!;
      assert.equal(Object.getPrototypeOf(b), Uint8Array.prototype, `value ${i}`);
      assert.deepEqual(Array.from(b), Array.from(want), `value ${i} (${want.length} bytes)`);
      if (b.length) assert.equal(b.byteLength, b.buffer.byteLength, `value ${i} is not a view into the file's bytes`);
    });
    // Each value is its own copy: changing one changes no other and not the source.
    const [first, again] = [got[1]!, got[values.length + 1]!];
    first[0] = first[0]! ^ 0xff;
    assert.equal(again[0], values[1]![0]);
    assert.deepEqual(encodeModelToBytes(d), bytes, 'written back byte for byte');
  };
  try {
    check(decodeModel(new MemorySource(bytes.slice(), 'bytes.onnx')));
    check(decodeModel(source));
  } finally {
    source.close();
  }
});
