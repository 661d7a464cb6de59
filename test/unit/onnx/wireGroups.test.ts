/**
 * proto2 groups in unknown fields: a group must be closed by the end-group tag of its own field;
 * protobuf rejects another field's end-group tag ("Wire format was corrupt"), and so does the
 * decoder, with a typed format error naming the file, the offset of that tag and the field path.
 * Models are built by hand (hostile/wire.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderLimitError, decodeModel, encodeModelToBytes, MemorySource, OnnxFormatError } from '../../../src/core/onnx/index';
import { scanEntries } from '../../../src/core/onnx/wire/reader';
import { concat, lenField, modelWith, strField, tag, varintField } from './hostile/wire';

function formatError(bytes: Uint8Array, file: string): OnnxFormatError {
  try {
    decodeModel(new MemorySource(bytes, file));
  } catch (e) {
    assert.ok(e instanceof OnnxFormatError && !(e instanceof DecoderLimitError), String(e));
    return e;
  }
  assert.fail('the model decoded');
}

const graph = lenField(7, strField(2, 'g'));

test('an end-group tag of another field than its start-group is a format error at that tag', () => {
  // ModelProto: unknown field 99 START_GROUP { varint 1 } closed by END_GROUP of field 98.
  const head = modelWith(graph, Uint8Array.from(tag(99, 3)), varintField(1, 5));
  const bytes = concat([head, tag(98, 4)]);
  const e = formatError(bytes, 'mismatch.onnx');
  assert.equal(e.problem, 'the group of field 99 is ended by the end-group tag of field 98 (corrupt wire format)');
  assert.equal(e.offset, head.length);
  assert.equal(e.fieldPath, 'ModelProto.#99');
  assert.match(e.message, /^mismatch\.onnx: not a valid ONNX model: the group of field 99/);
});

test('nested groups: each end-group tag must match the innermost open group, also inside a submessage', () => {
  // GraphProto: unknown 77 { 5 { } 77 }: the inner group of field 5 is closed by field 77's tag.
  const inner = concat([strField(2, 'g'), tag(77, 3), tag(5, 3), varintField(1, 1)]);
  const bytes = modelWith(lenField(7, concat([inner, tag(77, 4), tag(5, 4)])));
  const e = formatError(bytes, 'nested.onnx');
  assert.equal(e.problem, 'the group of field 5 is ended by the end-group tag of field 77 (corrupt wire format)');
  assert.equal(e.offset, 1 + 1 + 1 + 1 + inner.length); // ir_version (2 bytes), graph tag and length, then the content before the tag
  assert.equal(e.fieldPath, 'ModelProto.graph.#77');
});

test('matching nested groups are skipped, counted as one unknown field and kept byte for byte', () => {
  const group = concat([tag(77, 3), tag(5, 3), varintField(1, 1), tag(5, 4), lenField(2, [1, 2]), tag(77, 4)]);
  const bytes = modelWith(lenField(7, concat([strField(2, 'g'), group])));
  const d = decodeModel(new MemorySource(bytes, 'ok.onnx'));
  assert.equal(d.unknownFields.count, 1);
  assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(bytes));
  // The entry scanner used to re-encode an edited message checks the same.
  assert.deepEqual(scanEntries(d.source, d.model.graph!.$span!, 'ok.onnx').map((x) => x.field), [2, 77]);
  const bad = concat([strField(2, 'g'), tag(77, 3), tag(76, 4)]);
  assert.throws(() => scanEntries(new MemorySource(bad, 'bad.onnx'), { start: 0, end: bad.length }, 'bad.onnx'), /the group of field 77 is ended by the end-group tag of field 76/);
});
