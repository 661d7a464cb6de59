/**
 * Unknown fields (schema additions newer than the codec) survive decode → unrelated edit → encode,
 * in ModelProto, GraphProto, NodeProto and TensorProto, and an edit changes only the edited message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel, encodeModelToBytes, markDirty, MemorySource, readTensorValues, type DecodedModel, type Span } from '../../../src/core/onnx/index';
import { scanEntries } from '../../../src/core/onnx/wire/reader';
import { bytesField, concatBytes, fixed32Field, onnx, smallQdqModel, varintField } from './protoHelpers';

/** Element values as plain numbers (bigint types included). */
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

const te = new TextEncoder();

/** Build a model whose four message kinds each carry unknown fields, using the reference codec plus raw splicing. */
function modelWithUnknowns(): Uint8Array {
  const m = smallQdqModel();
  const g = m.graph!;
  const nodeBytes = g.node!.map((n, i) => {
    const known = onnx.NodeProto.encode(onnx.NodeProto.create(n)).finish();
    // One unknown field after the known fields of node 2, one before the known fields of node 4.
    if (i === 2) return concatBytes(known, varintField(99, 4242));
    if (i === 4) return concatBytes(bytesField(1000, te.encode('future-node-field')), known);
    return known;
  });
  const initBytes = g.initializer!.map((t, i) => {
    const known = onnx.TensorProto.encode(onnx.TensorProto.create(t)).finish();
    return i === 0 ? concatBytes(known, varintField(17, 5), fixed32Field(18, 0x3f800000)) : known;
  });
  const graphParts: Uint8Array[] = [];
  for (const nb of nodeBytes) graphParts.push(bytesField(1, nb));
  graphParts.push(bytesField(2, te.encode(g.name!)));
  graphParts.push(bytesField(77, te.encode('future-graph-field')));
  for (const tb of initBytes) graphParts.push(bytesField(5, tb));
  for (const v of g.input!) graphParts.push(bytesField(11, onnx.ValueInfoProto.encode(onnx.ValueInfoProto.create(v)).finish()));
  for (const v of g.output!) graphParts.push(bytesField(12, onnx.ValueInfoProto.encode(onnx.ValueInfoProto.create(v)).finish()));
  const graph = concatBytes(...graphParts);
  return concatBytes(
    varintField(1, 7),
    bytesField(2, te.encode('qdq-studio-test')),
    varintField(40, 123456789), // unknown ModelProto field before the graph
    bytesField(7, graph),
    bytesField(8, onnx.OperatorSetIdProto.encode({ domain: '', version: 13 }).finish()),
    bytesField(31, te.encode('future-model-field')),
  );
}

function bytesOf(d: DecodedModel, s: Span): Buffer {
  return Buffer.from(d.source.read(s.start, s.end - s.start));
}

/** The raw entries with the given field numbers inside a message span. */
function unknownEntries(d: DecodedModel, span: Span, fields: number[]): string[] {
  return scanEntries(d.source, span, d.file)
    .filter((e) => fields.includes(e.field))
    .map((e) => Buffer.from(d.source.read(e.start, e.end - e.start)).toString('hex'));
}

test('decoder counts unknown fields per message and keeps decoding the known ones', () => {
  const d = decodeModel(new MemorySource(modelWithUnknowns(), 'unknown.onnx'));
  assert.equal(d.unknownFields.count, 7);
  assert.deepEqual(d.unknownFields.byMessage, {
    'ModelProto#40': 1, 'ModelProto#31': 1, 'GraphProto#77': 1, 'NodeProto#99': 1, 'NodeProto#1000': 1, 'TensorProto#17': 1, 'TensorProto#18': 1,
  });
  assert.equal(d.model.graph!.node.length, 7);
  assert.equal(d.model.graph!.node[4]!.opType, 'Conv');
  assert.equal(d.model.opsetImport[0]!.version, 13);
});

test('unedited model re-encodes byte-identical, unknown fields included', () => {
  const bytes = modelWithUnknowns();
  const d = decodeModel(new MemorySource(bytes, 'unknown.onnx'));
  assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(bytes));
});

test('unknown fields survive an unrelated edit, in every message kind, in place', () => {
  const bytes = modelWithUnknowns();
  const d = decodeModel(new MemorySource(bytes, 'unknown.onnx'));
  const before = {
    model: unknownEntries(d, d.model.$span!, [31, 40]),
    graph: unknownEntries(d, d.model.graph!.$span!, [77]),
    node2: unknownEntries(d, d.model.graph!.node[2]!.$span!, [99]),
    node4: unknownEntries(d, d.model.graph!.node[4]!.$span!, [1000]),
    tensor0: unknownEntries(d, d.model.graph!.initializer[0]!.$span!, [17, 18]),
  };
  // Unrelated edit: rename node 6 (a node with no unknown fields) and add a graph doc string.
  const g = d.model.graph!;
  g.node[6]!.name = '/model.0/act/Mul_renamed';
  markDirty(g.node[6]!);
  g.docString = 'edited';
  markDirty(g);

  const out = encodeModelToBytes(d);
  const d2 = decodeModel(new MemorySource(out, 'edited.onnx'));
  assert.equal(d2.unknownFields.count, 7);
  assert.equal(d2.model.graph!.node[6]!.name, '/model.0/act/Mul_renamed');
  assert.equal(d2.model.graph!.docString, 'edited');
  assert.deepEqual(unknownEntries(d2, d2.model.$span!, [31, 40]), before.model);
  assert.deepEqual(unknownEntries(d2, d2.model.graph!.$span!, [77]), before.graph);
  assert.deepEqual(unknownEntries(d2, d2.model.graph!.node[2]!.$span!, [99]), before.node2);
  assert.deepEqual(unknownEntries(d2, d2.model.graph!.node[4]!.$span!, [1000]), before.node4);
  assert.deepEqual(unknownEntries(d2, d2.model.graph!.initializer[0]!.$span!, [17, 18]), before.tensor0);

  // Field order of the edited ModelProto is kept: 1, 2, 40, 7, 8, 31.
  assert.deepEqual(scanEntries(d2.source, d2.model.$span!, '').map((e) => e.field), [1, 2, 40, 7, 8, 31]);
  // Only the changed messages differ: every other node and every initializer is byte-identical.
  for (let i = 0; i < g.node.length; i++) {
    if (i === 6) continue;
    assert.deepEqual(bytesOf(d2, d2.model.graph!.node[i]!.$span!), bytesOf(d, g.node[i]!.$span!), `node ${i}`);
  }
  for (let i = 0; i < g.initializer.length; i++) {
    assert.deepEqual(bytesOf(d2, d2.model.graph!.initializer[i]!.$span!), bytesOf(d, g.initializer[i]!.$span!), `initializer ${i}`);
  }
  assert.deepEqual(nums(readTensorValues(d2, d2.model.graph!.initializer[0]!)), nums(readTensorValues(d, g.initializer[0]!)));
});

test('editing a message that holds unknown fields keeps them, in their original position', () => {
  const d = decodeModel(new MemorySource(modelWithUnknowns(), 'unknown.onnx'));
  const conv = d.model.graph!.node[4]!; // has unknown field 1000 BEFORE its known fields
  conv.attribute = conv.attribute.filter((a) => a.name !== 'auto_pad');
  markDirty(conv);
  const t0 = d.model.graph!.initializer[0]!; // unknown 17, 18 after its known fields
  t0.name = 'w_renamed';
  markDirty(t0);
  const d2 = decodeModel(new MemorySource(encodeModelToBytes(d), 'edited.onnx'));
  const conv2 = d2.model.graph!.node[4]!;
  assert.deepEqual(conv2.attribute.map((a) => a.name), ['kernel_shape', 'pads']);
  const convFields = scanEntries(d2.source, conv2.$span!, '').map((e) => e.field);
  assert.equal(convFields[0], 1000, 'unknown field stays first');
  const t2 = d2.model.graph!.initializer[0]!;
  assert.equal(t2.name, 'w_renamed');
  const tFields = scanEntries(d2.source, t2.$span!, '').map((e) => e.field);
  assert.deepEqual(tFields.slice(-2), [17, 18]);
  assert.equal(d2.unknownFields.count, 7);
  // Reference decoder agrees on the edited model's known content.
  const ref = onnx.ModelProto.decode(encodeModelToBytes(d));
  assert.equal(ref.graph!.initializer![0]!.name, 'w_renamed');
  assert.equal(ref.graph!.node![4]!.attribute!.length, 2);
});
