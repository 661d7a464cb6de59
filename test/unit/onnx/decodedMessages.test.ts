/**
 * The compact forms of decodedMessages.ts keep what the model.ts interfaces promise:
 * - short lists of small integers (an attribute's `ints`, a tensor's `dims`) are shared between the
 *   messages of one decode (Ctx.takeInts): an edit assigns a new array and changes only its own
 *   message; writing into a shared list throws instead of changing every message that holds it;
 * - a payload reference keeps `byteLength` and `packed` in one number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Attribute, decodeModel, encodeModelToBytes, markDirty, MemorySource, readTensorValues } from '../../../src/core/onnx/index';
import { bytesField, concatBytes, encodeModelProto, fixed32Field, onnx, varintField } from './protoHelpers';

const A = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

function twoConvs(): Uint8Array {
  // Node b's attributes have a doc string, so that they are other bytes than a's: equal attributes
  // are one shared message (attributeTable.ts), and these tests are about their lists.
  const conv = (name: string, input: string, output: string, docString = ''): onnx.INodeProto => ({
    name, opType: 'Conv', input: [input, `${name}_w`], output: [output],
    attribute: [
      { name: 'kernel_shape', type: A.INTS, ints: [3, 3], docString },
      { name: 'pads', type: A.INTS, ints: [1, 1, 1, 1], docString },
      { name: 'big', type: A.INTS, ints: [1, 2048], docString },
      { name: 'negative', type: A.INTS, ints: [-1, 1], docString },
      { name: 'long', type: A.INTS, ints: [1, 1, 1, 1, 1], docString },
    ],
  });
  const weight = (name: string): onnx.ITensorProto => ({ name, dims: [2, 2, 3, 3], dataType: FLOAT, rawData: new Uint8Array(2 * 2 * 9 * 4) });
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [conv('a', 'x', 'y'), conv('b', 'y', 'z', 'b')],
      initializer: [weight('a_w'), weight('b_w')],
    },
  });
}

test('equal short lists of small integers are one frozen array; longer, larger or negative ones are not shared', () => {
  const d = decodeModel(new MemorySource(twoConvs(), 'two-convs.onnx'));
  const [a, b] = d.model.graph!.node;
  for (let k = 0; k < 5; k++) assert.deepEqual(nums(a!.attribute[k]!.ints), nums(b!.attribute[k]!.ints));
  assert.equal(a!.attribute[0]!.ints, b!.attribute[0]!.ints); // [3, 3]
  assert.equal(a!.attribute[1]!.ints, b!.attribute[1]!.ints); // [1, 1, 1, 1]
  assert.ok(Object.isFrozen(a!.attribute[0]!.ints));
  for (const k of [2, 3, 4]) assert.notEqual(a!.attribute[k]!.ints, b!.attribute[k]!.ints, a!.attribute[k]!.name);
  const [wa, wb] = d.model.graph!.initializer;
  assert.equal(wa!.dims, wb!.dims);
  assert.deepEqual(nums(wa!.dims), [2, 2, 3, 3]);
});

test('editing a node whose ints are shared does not change another node', () => {
  const d = decodeModel(new MemorySource(twoConvs(), 'two-convs.onnx'));
  const [a, b] = d.model.graph!.node;
  const shared = b!.attribute[0]!.ints;
  assert.throws(() => (shared as number[]).push(5), TypeError);
  assert.equal(Reflect.set(shared, 0, 5), false); // (a plain write throws in strict code)
  assert.throws(() => (shared as number[]).sort(), TypeError);
  // As an edit changes an attribute: a new one in a new list (a decoded one is frozen: attributeTable.ts).
  const edited = Object.assign(Object.create(Object.getPrototypeOf(a!.attribute[0]!) as object) as Attribute, a!.attribute[0]!, { ints: [5, 5] });
  markDirty(edited);
  a!.attribute = a!.attribute.map((x, i) => (i === 0 ? edited : x));
  d.model.graph!.initializer[0]!.dims = [2, 2, 5, 5];
  markDirty(d.model.graph!.initializer[0]!);
  const again = decodeModel(new MemorySource(encodeModelToBytes(d), 'edited.onnx'));
  const [a2, b2] = again.model.graph!.node;
  assert.deepEqual(nums(a2!.attribute[0]!.ints), [5, 5]);
  assert.deepEqual(nums(b2!.attribute[0]!.ints), [3, 3]);
  assert.deepEqual(nums(b!.attribute[0]!.ints), [3, 3]);
  assert.deepEqual(nums(again.model.graph!.initializer[0]!.dims), [2, 2, 5, 5]);
  assert.deepEqual(nums(again.model.graph!.initializer[1]!.dims), [2, 2, 3, 3]);
});

test('payload references: byteLength and packed of unpacked, packed and mixed float_data', () => {
  const f32 = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0]!;
  const packed = (values: number[]): Uint8Array => bytesField(4, new Uint8Array(new Float32Array(values).buffer));
  const tensor = (name: string, n: number, ...data: Uint8Array[]): Uint8Array =>
    bytesField(5, concatBytes(varintField(1, n), bytesField(8, new TextEncoder().encode(name)), varintField(2, FLOAT), ...data));
  const bytes = concatBytes(
    varintField(1, 8),
    bytesField(7, concatBytes(
      tensor('unpacked', 2, fixed32Field(4, f32(1)), fixed32Field(4, f32(2))),
      tensor('packed', 3, packed([1, 2, 3])),
      tensor('mixed', 3, packed([1, 2]), varintField(14, 0), fixed32Field(4, f32(3))),
    )),
  );
  const d = decodeModel(new MemorySource(bytes, 'payloads.onnx'));
  const refs = d.model.graph!.initializer.map((t) => t.floatData!);
  assert.deepEqual(refs.map((r) => (r.kind === 'source' ? [r.byteLength, r.packed] : r.kind)), [[8, false], [12, true], [12, false]]);
  assert.deepEqual(d.model.graph!.initializer.map((t) => Array.from(readTensorValues(d, t) as Float32Array)), [[1, 2], [1, 2, 3], [1, 2, 3]]);
  const ref = refs[1]!;
  assert.ok(ref.kind === 'source');
  ref.packed = false;
  assert.deepEqual([ref.byteLength, ref.packed], [12, false]);
  ref.byteLength = 16;
  ref.packed = true;
  assert.deepEqual([ref.byteLength, ref.packed], [16, true]);
});

test('payload references: a field split by other fields keeps each run of contiguous entries as one span, in file order', () => {
  const f32 = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0]!;
  const packed = (values: number[]): Uint8Array => bytesField(4, new Uint8Array(new Float32Array(values).buffer));
  // float_data (4) in three runs, split by dims (1) entries: [1, 2] [3] [4, 5 packed, then 6 unpacked].
  const runs = [
    concatBytes(fixed32Field(4, f32(1)), fixed32Field(4, f32(2))),
    fixed32Field(4, f32(3)),
    concatBytes(packed([4, 5]), fixed32Field(4, f32(6))),
  ];
  const body = concatBytes(bytesField(8, new TextEncoder().encode('split')), varintField(2, FLOAT), runs[0]!, varintField(1, 2), runs[1]!, varintField(1, 3), runs[2]!);
  const bytes = concatBytes(varintField(1, 8), bytesField(7, bytesField(5, body)));
  const d = decodeModel(new MemorySource(bytes, 'split.onnx'));
  const t = d.model.graph!.initializer[0]!;
  const ref = t.floatData!;
  assert.ok(ref.kind === 'source');
  assert.deepEqual([ref.byteLength, ref.packed], [24, false]);
  const spans = ref.fieldSpans;
  assert.deepEqual(spans.map((s) => Array.from(bytes.subarray(s.start, s.end))), runs.map((r) => Array.from(r)));
  assert.notEqual(ref.fieldSpans, spans); // a new array each time: changing it changes nothing
  spans.pop();
  assert.equal(ref.fieldSpans.length, 3);
  assert.deepEqual(nums(t.dims), [2, 3]);
  assert.deepEqual(Array.from(readTensorValues(d, t) as Float32Array), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(encodeModelToBytes(d)), Array.from(bytes));
});
