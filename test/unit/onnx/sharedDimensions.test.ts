/**
 * Shape dimensions whose content is exactly the same bytes (none, or a small dim_value in its
 * shortest varint) are one frozen Dimension per decode: a model that declares shapes for every
 * tensor keeps a few hundred dimension messages instead of one per axis. Everything else (dim_param,
 * denotation, a padded varint, an unknown field) stays a message of its own. Saving stays byte for
 * byte, also when the shape around a shared dimension is re-encoded, and a shared dimension cannot
 * be changed in place (an edit assigns new ones).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DecodedModel, type Dimension, MemorySource, decodeModel, encodeModelToBytes, markDirty } from '../../../src/core/onnx/index';
import { cleanupTempDir, decodeBothWays } from './hostile/oracle';
import { concat, lenField, modelWith, strField, tag, varint, varintField } from './hostile/wire';

test.after(cleanupTempDir);

/** A model whose graph inputs are `x0`, `x1`, ... with the given dimension contents (raw bytes each). */
function inputs(shapes: readonly (readonly Uint8Array[])[]): Uint8Array {
  const vis = shapes.map((dims, i) => {
    const shape = lenField(2, concat(dims.map((d) => lenField(1, d))));
    return lenField(11, concat([strField(1, `x${i}`), lenField(2, lenField(1, concat([varintField(1, 1), shape])))]));
  });
  return modelWith(lenField(7, concat([strField(2, 'g'), ...vis])));
}

const value = (v: number): Uint8Array => varintField(1, v);
const none = new Uint8Array(0);

function dimsOf(d: DecodedModel): Dimension[][] {
  return d.model.graph!.input.map((v) => v.type!.tensorType!.shape!.dim);
}

/** `check` on the decode from memory and on the one from a file (which agree: oracle.ts). */
function eachDecode(bytes: Uint8Array, check: (d: DecodedModel) => void): void {
  const mem = decodeBothWays(bytes, 'dims.onnx', check);
  assert.ok(mem.ok);
  check(mem.decoded);
}

test('equal small dim_values and empty dimensions are one frozen message; other dimensions are their own', () => {
  const bytes = inputs([
    [value(1), value(64), value(80), value(80)],
    [value(1), value(64), value(40), none],
    [value(300_000), none, concat([tag(1, 0), [0x81, 0x00]]), value(1 << 21)],
    [strField(2, 'batch'), concat([value(64), strField(3, 'CHANNEL')]), concat([value(80), varintField(9, 1)]), value(3_000_000)],
  ]);
  eachDecode(bytes, (d) => {
    const [a, b, c, e] = dimsOf(d) as [Dimension[], Dimension[], Dimension[], Dimension[]];
    assert.deepEqual(a.map((x) => x.dimValue), [1, 64, 80, 80]);
    assert.equal(a[0], b[0]);
    assert.equal(a[1], b[1]);
    assert.equal(a[2], a[3], 'the same value twice in one shape');
    assert.notEqual(a[2], b[2]);
    assert.equal(b[3], c[1], 'empty dimensions are one message too');
    assert.equal(b[3]!.dimValue, undefined);
    assert.ok([a[0], a[1], a[2], b[2], b[3], c[0]].every((x) => Object.isFrozen(x)));
    assert.equal(c[0]!.dimValue, 300_000);
    // A padded varint (81 00 = 1) is other bytes: its own message, though its value is 1.
    assert.equal(c[2]!.dimValue, 1);
    assert.notEqual(c[2], a[0]);
    assert.ok(!Object.isFrozen(c[2]));
    // 2^21 and up take a 4-byte varint: not shared.
    assert.equal(c[3]!.dimValue, 1 << 21);
    assert.ok(!Object.isFrozen(c[3]));
    assert.equal(e[0]!.dimParam, 'batch');
    assert.equal(e[1]!.denotation, 'CHANNEL');
    assert.notEqual(e[1], a[1]);
    assert.equal(e[2]!.dimValue, 80);
    assert.notEqual(e[2], a[2], 'a dimension with an unknown field keeps it, in a message of its own');
    assert.ok([e[0], e[1], e[2], e[3]].every((x) => !Object.isFrozen(x)));
    assert.equal(d.unknownFields.count, 1);
    assert.deepEqual(encodeModelToBytes(d), bytes, 'written back byte for byte');
  });
});

test('a shape re-encoded around shared dimensions writes their bytes; an edit replaces a dimension, never changes a shared one', () => {
  const bytes = inputs([
    [value(1), value(3), value(640), value(640)],
    [value(1), value(3), value(640), value(640)],
  ]);
  const d = decodeModel(new MemorySource(bytes, 'dims.onnx'));
  const [first, second] = d.model.graph!.input.map((v) => v.type!.tensorType!.shape!);
  // Re-encoding the shape from its fields copies each (shared) dimension from its bytes.
  markDirty(first!);
  assert.deepEqual(encodeModelToBytes(d), bytes);
  // Changing a shared dimension in place is refused loudly (it would change every shape using it).
  // (The extension's bundle is strict code, where writing to a frozen object throws.)
  const shared = first!.dim[2]!;
  assert.throws(() => {
    'use strict';
    shared.dimValue = 320;
  }, TypeError);
  assert.throws(() => {
    'use strict';
    shared.$dirty = true;
  }, TypeError);
  assert.equal(shared.dimValue, 640);
  // The edit as the numeric check makes it: a new dimension in a new list.
  first!.dim = first!.dim.map((x, i) => (i === 2 ? { dimValue: 320, denotation: '' } : x));
  markDirty(first!);
  const out = decodeModel(new MemorySource(encodeModelToBytes(d), 'out.onnx'));
  const [a, b] = dimsOf(out);
  assert.deepEqual(a!.map((x) => x.dimValue), [1, 3, 320, 640]);
  assert.deepEqual(b!.map((x) => x.dimValue), [1, 3, 640, 640], 'the other shape is untouched');
  assert.deepEqual(second!.dim.map((x) => x.dimValue), [1, 3, 640, 640]);
});

test('past 4,096 distinct values a decode stops sharing new ones; every value is still right', () => {
  const values = Array.from({ length: 5000 }, (_, i) => i * 7);
  const bytes = inputs([values.map(value).slice(0, 1000), values.map(value).slice(1000, 2000), values.map(value).slice(2000, 3000), values.map(value).slice(3000, 4000), values.map(value).slice(4000), [value(0), value(35_000 - 7)]]);
  const d = decodeModel(new MemorySource(bytes, 'many.onnx'));
  const all = dimsOf(d);
  assert.deepEqual(all.slice(0, 5).flat().map((x) => x.dimValue), values);
  assert.equal(all[5]![0], all[0]![0], 'value 0, among the first 4,096, is shared');
  assert.notEqual(all[5]![1], all[4]![999], 'value 34,993 came after the table was full: not shared');
  assert.equal(all[5]![1]!.dimValue, 34_993);
  assert.equal(all.flat().filter((x) => Object.isFrozen(x)).length, 4096 + 1);
  assert.deepEqual(encodeModelToBytes(d), bytes);
  // Lengths as the wire has them: a 3-byte varint value shares, a 4-byte one does not.
  assert.equal(varint((1 << 21) - 1).length, 3);
});
