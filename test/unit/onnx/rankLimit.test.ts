/**
 * MAX_RANK: a tensor's `dims` (TensorProto, SparseTensorProto) and a shape's `dim` (TensorShapeProto)
 * hold at most MAX_RANK entries. Up to it a model decodes and is written back byte for byte; one
 * more is a DecoderLimitError (a limit of this decoder, not a malformed file) naming the file, the
 * field path and the byte where the entry past the limit starts, from memory and from a file. A
 * packed run whose length alone proves it too long is refused before any of its values is read.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecoderLimitError, MAX_RANK, MemorySource, OnnxFormatError, decodeModel } from '../../../src/core/onnx/index';
import { modelWithTensor, repeat } from './hostile/cases';
import { cleanupTempDir, decodeBothWays, decodedBothWays } from './hostile/oracle';
import { concat, lenField, modelWith, strField, tag, varint, varintField } from './hostile/wire';

test.after(cleanupTempDir);

/** The DecoderLimitError decoding `bytes` gives (the same from memory and from a file: oracle.ts). */
function limitError(bytes: Uint8Array, name: string): DecoderLimitError {
  const out = decodeBothWays(bytes, name);
  assert.ok(!out.ok, 'decoded past MAX_RANK');
  const e = out.error;
  assert.ok(e instanceof DecoderLimitError, String(e));
  assert.ok(e.file.endsWith(name));
  assert.ok(e.message.startsWith(`${e.file}: cannot be read: '${e.fieldPath.split('.').pop()}' has more than 1,024 entries: QDQ Studio reads tensors and shapes of rank up to 1,024 `), e.message);
  return e;
}

const dimEntry = [0x08, 0x01]; // TensorProto.dims, unpacked: 1

test('TensorProto.dims: MAX_RANK unpacked entries decode and write back; one more is refused at that entry', () => {
  assert.equal(MAX_RANK, 1024);
  const ok = modelWithTensor(repeat(dimEntry, MAX_RANK));
  const d = decodedBothWays(ok, 'rank.onnx');
  assert.equal(d.model.graph!.initializer[0]!.dims.length, MAX_RANK);

  const over = modelWithTensor(repeat(dimEntry, MAX_RANK + 1));
  const e = limitError(over, 'over.onnx');
  assert.equal(e.fieldPath, 'ModelProto.graph.initializer[0].dims');
  // The last entry (its tag, then its value) is the one too many: the error points at its value.
  assert.equal(e.offset, over.length - 1);
});

test('TensorProto.dims: packed runs and unpacked entries count together', () => {
  const packed = (n: number): Uint8Array => lenField(1, new Uint8Array(n).fill(2));
  const ok = modelWithTensor(concat([packed(1000), repeat(dimEntry, 20), packed(MAX_RANK - 1020)]));
  assert.equal(decodedBothWays(ok, 'mixed.onnx').model.graph!.initializer[0]!.dims.length, MAX_RANK);
  // One value more in the last run: refused at that run's length prefix.
  const lastRun = packed(MAX_RANK - 1019);
  const over = modelWithTensor(concat([packed(1000), repeat(dimEntry, 20), lastRun]));
  const e = limitError(over, 'mixed-over.onnx');
  assert.equal(e.fieldPath, 'ModelProto.graph.initializer[0].dims');
  assert.equal(e.offset, over.length - lastRun.length + 1, 'at the run, after its tag');
  // One unpacked entry after a full packed run.
  const after = modelWithTensor(concat([packed(MAX_RANK), dimEntry]));
  assert.equal(limitError(after, 'after.onnx').offset, after.length - 1);
});

test('a packed dims run whose length alone is over MAX_RANK values is refused before its values are read', () => {
  // 0xff bytes never end a varint: reading any value would be a format error about the varint,
  // not the rank. Long enough that even 10 bytes per value would be too many values.
  const run = new Uint8Array(10 * MAX_RANK + 1).fill(0xff);
  const bytes = modelWithTensor(lenField(1, run));
  const e = limitError(bytes, 'long-run.onnx');
  assert.equal(e.offset, bytes.length - run.length - varint(run.length).length, 'at the run\'s length prefix');
  // At 10 bytes per value exactly, the run may hold MAX_RANK values: it is read (and is malformed).
  const edge = modelWithTensor(lenField(1, new Uint8Array(10 * MAX_RANK).fill(0xff)));
  assert.throws(
    () => decodeModel(new MemorySource(edge, 'edge.onnx')),
    (f: unknown) => f instanceof OnnxFormatError && !(f instanceof DecoderLimitError),
  );
  // 10 MB of one-byte values (a crafted file): refused, having read nothing of it.
  const huge = modelWithTensor(lenField(1, new Uint8Array(10_000_000).fill(1)));
  assert.equal(limitError(huge, 'huge.onnx').offset, huge.length - 10_000_000 - varint(10_000_000).length);
});

test('SparseTensorProto.dims and dims merged across occurrences of a singular tensor field', () => {
  // A sparse initializer (GraphProto field 15) with MAX_RANK + 1 dims.
  const sparse = (n: number): Uint8Array => modelWith(lenField(7, concat([strField(2, 'g'), lenField(15, repeat([0x18, 0x01], n))])));
  const ok = decodedBothWays(sparse(MAX_RANK), 'sparse.onnx');
  assert.equal(ok.model.graph!.sparseInitializer[0]!.dims.length, MAX_RANK);
  assert.equal(limitError(sparse(MAX_RANK + 1), 'sparse-over.onnx').fieldPath, 'ModelProto.graph.sparse_initializer[0].dims');
  // SparseTensorProto.values given twice (protobuf merges them), 600 dims each: 1,200 in all.
  const values = lenField(1, concat([strField(8, 'v'), repeat(dimEntry, 600)]));
  const twice = modelWith(lenField(7, concat([strField(2, 'g'), lenField(15, concat([values, values]))])));
  const e = limitError(twice, 'merged.onnx');
  assert.equal(e.fieldPath, 'ModelProto.graph.sparse_initializer[0].values.dims');
  assert.equal(e.offset, twice.length - (600 - (MAX_RANK - 600)) * 2 + 1, 'at the first entry past the limit, in the second occurrence');
});

test('TensorShapeProto.dim: MAX_RANK dimensions decode and write back; one more is refused at that dimension', () => {
  // graph.input[0] = { name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim × n } } } }
  const input = (n: number): Uint8Array => {
    const shape = lenField(2, repeat([0x0a, 0x02, 0x08, 0x03], n));
    return modelWith(lenField(7, concat([strField(2, 'g'), lenField(11, concat([strField(1, 'x'), lenField(2, lenField(1, concat([varintField(1, 1), shape])))]))])));
  };
  const ok = input(MAX_RANK);
  const d = decodedBothWays(ok, 'shape.onnx');
  const dims = d.model.graph!.input[0]!.type!.tensorType!.shape!.dim;
  assert.equal(dims.length, MAX_RANK);
  assert.ok(dims.every((x) => x.dimValue === 3));

  const over = input(MAX_RANK + 1);
  const e = limitError(over, 'shape-over.onnx');
  assert.equal(e.fieldPath, 'ModelProto.graph.input[0].type.tensor_type.shape.dim');
  assert.equal(e.offset, over.length - 3, 'at the last dimension, after its tag');
  // 5 M empty dimensions (10 MB): refused at the first one past the limit.
  const flood = modelWith(lenField(7, lenField(11, concat([strField(1, 'x'), lenField(2, lenField(1, lenField(2, repeat(concat([tag(1, 2), [0]]), 5_000_000))))]))));
  assert.ok(limitError(flood, 'flood.onnx').offset < 3000);
});
