/**
 * Node attributes whose content is exactly the same bytes are one frozen Attribute per decode, and
 * nodes whose attributes are the same shared ones in the same order share one frozen `attribute`
 * array (attributeTable.ts): a 50,000-node model repeats ~20 attributes 26,000 times, and a small
 * Constant `value` tensor 5,500 times. Attributes with nested messages (graphs; tensors stored
 * externally or with segment, metadata or unknown fields), unknown fields or over 64 bytes keep their own message;
 * past 4,096 distinct ones nothing new is shared. Saving stays byte for byte; an edit through the edit
 * API changes only its node; a shared attribute refuses writes; the object budget counts every
 * occurrence as if it had been decoded.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Attribute, type DecodedModel, type Node, MemorySource, ModelTooLargeError, decodeModel, encodeModelToBytes, markDirty, openModelFile,
  readTensorValues,
} from '../../../src/core/onnx/index';
import { applyEdit } from '../../../src/core/editing/index';
import { inlineExternalData } from '../../../src/core/numeric/index';
import { cleanupTempDir, decodeBothWays, decodedBothWays, leastPassing, tempDir } from './hostile/oracle';
import { markAllDirty } from './protoHelpers';
import { concat, lenField, modelWith, strField, tag, varint, varintField } from './hostile/wire';

test.after(cleanupTempDir);

const INT = 2;
const INTS = 7;

/** An AttributeProto (content) from its fields. */
const attr = (...fields: (Uint8Array | number[])[]): Uint8Array => concat(fields);
const intAttr = (name: string, v: number): Uint8Array => attr(strField(1, name), varintField(3, v), varintField(20, INT));
const intsAttr = (name: string, vs: readonly number[]): Uint8Array => attr(strField(1, name), lenField(8, concat(vs.map((v) => varint(v)))), varintField(20, INTS));

/** A NodeProto field of a graph: inputs, outputs, name, op type, then the attributes (contents). */
function node(name: string, op: string, input: readonly string[], output: readonly string[], ...attributes: Uint8Array[]): Uint8Array {
  return lenField(1, concat([...input.map((i) => strField(1, i)), ...output.map((o) => strField(2, o)), strField(3, name), strField(4, op), ...attributes.map((a) => lenField(5, a))]));
}

/** A model whose graph has these nodes, its input `x` and the given outputs. */
function model(nodes: readonly Uint8Array[], outputs: readonly string[] = []): Uint8Array {
  const vi = (field: number, name: string) => lenField(field, concat([strField(1, name), lenField(2, lenField(1, varintField(1, 1)))]));
  return modelWith(lenField(8, concat([strField(1, ''), varintField(2, 17)])), lenField(7, concat([...nodes, strField(2, 'g'), vi(11, 'x'), ...outputs.map((o) => vi(12, o))])));
}

const byName = (d: DecodedModel): Map<string, Node> => new Map(d.model.graph!.node.map((n) => [n.name, n]));
const values = (a: Attribute): unknown => ({ name: a.name, type: a.type, i: a.i, ints: a.ints.map(Number) });

const pads = intsAttr('pads', [1, 1, 1, 1]);
const strides = intsAttr('strides', [1, 1]);
const group = intAttr('group', 1);
// pads again, its `ints` length prefix padded (81 00 = 1 byte... of 4): the same value in other bytes.
const paddedPads = attr(strField(1, 'pads'), tag(8, 2), [0x84, 0x00], [1, 1, 1, 1], varintField(20, INTS));

test('equal attributes are one frozen message, equal attribute lists one frozen array; other bytes are their own', () => {
  const bytes = model([
    node('c0', 'Conv', ['x'], ['y0'], pads, strides, group),
    node('c1', 'Conv', ['y0'], ['y1'], pads, strides, group),
    node('c2', 'Conv', ['y1'], ['y2'], strides, pads, group),
    node('c3', 'Conv', ['y2'], ['y3'], paddedPads, strides, group),
    node('k0', 'Concat', ['y3', 'x'], ['z0'], intAttr('axis', 1)),
    node('k1', 'Concat', ['z0', 'x'], ['z1'], intAttr('axis', 1)),
    node('k2', 'Concat', ['z1', 'x'], ['z2'], intAttr('axis', -1)),
    node('r', 'Relu', ['z2'], ['out']),
  ], ['out']);
  // `canonical`: after a re-serialisation, which writes c3's padded prefix in its shortest form.
  const check = (d: DecodedModel, canonical = false) => {
    const n = byName(d);
    const [c0, c1, c2, c3, k0, k1, k2, r] = ['c0', 'c1', 'c2', 'c3', 'k0', 'k1', 'k2', 'r'].map((x) => n.get(x)!) as Node[] as [Node, Node, Node, Node, Node, Node, Node, Node];
    assert.deepEqual(c0.attribute.map(values), [
      { name: 'pads', type: INTS, i: undefined, ints: [1, 1, 1, 1] },
      { name: 'strides', type: INTS, i: undefined, ints: [1, 1] },
      { name: 'group', type: INT, i: 1, ints: [] },
    ]);
    assert.equal(c1.attribute, c0.attribute, 'the same attributes in the same order: one array');
    assert.ok(Object.isFrozen(c0.attribute));
    assert.ok(c0.attribute.every((a) => Object.isFrozen(a) && Object.isFrozen(a.ints)));
    assert.notEqual(c2.attribute, c0.attribute, 'another order is another list');
    assert.equal(c2.attribute[0], c0.attribute[1]);
    assert.equal(c2.attribute[1], c0.attribute[0]);
    assert.equal(c2.attribute[2], c0.attribute[2]);
    // A padded length prefix: the same value in other bytes, so a message of its own.
    assert.deepEqual(values(c3.attribute[0]!), values(c0.attribute[0]!));
    if (canonical) assert.equal(c3.attribute[0], c0.attribute[0]);
    else assert.notEqual(c3.attribute[0], c0.attribute[0]);
    assert.equal(c3.attribute[1], c0.attribute[1]);
    assert.equal(k1.attribute, k0.attribute);
    assert.equal(k0.attribute[0]!.i, 1);
    assert.equal(k2.attribute[0]!.i, -1);
    assert.notEqual(k2.attribute[0], k0.attribute[0]);
    assert.equal(r.attribute.length, 0);
  };
  const d = decodedBothWays(bytes, 'shared.onnx');
  check(d);
  decodeBothWays(bytes, 'shared2.onnx', (x) => check(x));
  // A node re-encoded from its fields writes each shared attribute from its (equal) bytes.
  markDirty(byName(d).get('c1')!);
  markDirty(byName(d).get('k1')!);
  assert.deepEqual(encodeModelToBytes(d), bytes);
  // Everything re-serialised from its values (the test helper copies shared messages and lists first).
  markAllDirty(d.model);
  const again = decodeModel(new MemorySource(encodeModelToBytes(d), 'again.onnx'));
  check(again, true);
});

/** A Constant's `value` attribute (content): a FLOAT tensor of dims [1] holding 1.0 as raw_data, plus `extra` tensor fields. */
const tensorAttr = (...extra: Uint8Array[]): Uint8Array =>
  attr(strField(1, 'value'), lenField(5, concat([varintField(1, 1), varintField(2, 1), lenField(9, [0, 0, 128, 63]), ...extra])), varintField(20, 4));
/** The same tensor stored in the external data file `w.bin` (bytes 0..4). */
const externalEntry = (key: string, value: string): Uint8Array => lenField(13, concat([strField(1, key), strField(2, value)]));
const externalTensorAttr = attr(
  strField(1, 'value'),
  lenField(5, concat([varintField(1, 1), varintField(2, 1), externalEntry('location', 'w.bin'), externalEntry('length', '4'), varintField(14, 1)])),
  varintField(20, 4),
);

test('attributes with graphs, external or unplain tensors, or unknown fields, and attributes over 64 bytes, are never shared', () => {
  const withSegment = tensorAttr(lenField(3, concat([varintField(1, 0), varintField(2, 1)])));
  const unknownInTensor = tensorAttr(varintField(99, 7));
  const graph = attr(strField(1, 'body'), lenField(6, strField(2, 'b')), varintField(20, 5));
  const unknown = attr(strField(1, 'axis'), varintField(3, 2), varintField(20, INT), varintField(99, 7));
  const at64 = intAttr('n'.repeat(57), 1);
  const at65 = intAttr('n'.repeat(58), 1);
  assert.equal(at64.length, 64);
  assert.equal(at65.length, 65);
  assert.ok(externalTensorAttr.length <= 64 && withSegment.length <= 64 && unknownInTensor.length <= 64);
  const bytes = model([
    node('a', 'Constant', [], ['ta'], externalTensorAttr),
    node('b', 'Constant', [], ['tb'], externalTensorAttr),
    node('a2', 'Constant', [], ['ta2'], withSegment),
    node('b2', 'Constant', [], ['tb2'], withSegment),
    node('a3', 'Constant', [], ['ta3'], unknownInTensor),
    node('b3', 'Constant', [], ['tb3'], unknownInTensor),
    node('c', 'Loop', [], ['la'], graph, unknown, at64, at65),
    node('d', 'Loop', [], ['lb'], graph, unknown, at64, at65),
  ]);
  const d = decodedBothWays(bytes, 'unshared.onnx');
  const n = byName(d);
  const [a, b, a2, b2, a3, b3, c, e] = ['a', 'b', 'a2', 'b2', 'a3', 'b3', 'c', 'd'].map((x) => n.get(x)!) as [Node, Node, Node, Node, Node, Node, Node, Node];
  assert.equal(a.attribute[0]!.t!.dataLocation, 1);
  assert.notEqual(a.attribute[0], b.attribute[0], 'a tensor in an external data file');
  assert.notEqual(a2.attribute[0], b2.attribute[0], 'a tensor with a segment');
  assert.notEqual(a3.attribute[0], b3.attribute[0], 'a tensor with an unknown field');
  assert.equal(c.attribute[0]!.g!.name, 'b');
  assert.notEqual(c.attribute[0], e.attribute[0], 'a graph attribute');
  assert.equal(c.attribute[1]!.i, 2);
  assert.notEqual(c.attribute[1], e.attribute[1], 'an attribute with an unknown field');
  assert.equal(c.attribute[2], e.attribute[2], '64 bytes: shared');
  assert.notEqual(c.attribute[3], e.attribute[3], '65 bytes: not shared');
  const unshared = [a, b, a2, b2, a3, b3].map((x) => x.attribute[0]!);
  for (const x of [...unshared, ...c.attribute.filter((_, i) => i !== 2), ...e.attribute.filter((_, i) => i !== 2)]) assert.ok(!Object.isFrozen(x));
  for (const x of unshared) assert.ok(!Object.isFrozen(x.t));
  assert.notEqual(c.attribute, e.attribute, 'a list with an unshared attribute is its own');
  assert.ok(!Object.isFrozen(c.attribute));
  assert.equal(d.unknownFields.count, 4);
});

test('a small plain tensor attribute (a Constant value) is one frozen attribute; its values read the same; external ones still inline', () => {
  const value = tensorAttr();
  const bytes = model([
    node('a', 'Constant', [], ['ta'], value),
    node('b', 'Constant', [], ['tb'], value),
    node('c', 'Constant', [], ['tc'], externalTensorAttr),
    node('m', 'Mul', ['ta', 'tb'], ['y']),
    node('s', 'Add', ['y', 'tc'], ['out']),
  ], ['out']);
  const d = decodedBothWays(bytes, 'constants.onnx');
  const [a, b, c] = d.model.graph!.node as [Node, Node, Node];
  const shared = a.attribute[0]!;
  assert.equal(b.attribute[0], shared, 'one message');
  assert.equal(b.attribute, a.attribute, 'one list');
  const t = shared.t!;
  // The attribute is frozen (its tensor is not: see attributeTable.ts; nothing writes into it).
  assert.ok(Object.isFrozen(shared));
  assert.throws(() => {
    'use strict';
    (shared as { t?: unknown }).t = undefined;
  }, TypeError);
  assert.deepEqual(t.dims.map(Number), [1]);
  assert.deepEqual(Array.from(readTensorValues(d, t) as Float32Array), [1]);
  assert.notEqual(c.attribute[0], shared);
  // The numeric check's inlining replaces external tensors in place: they are never shared ones.
  const file = path.join(tempDir(), 'constants-external.onnx');
  fs.writeFileSync(file, bytes);
  fs.writeFileSync(path.join(tempDir(), 'w.bin'), new Uint8Array(new Float32Array([2]).buffer));
  const opened = openModelFile(file);
  try {
    assert.equal(inlineExternalData(opened), 1);
    const [oa, ob, oc] = opened.model.graph!.node as [Node, Node, Node];
    assert.equal(oa.attribute[0], ob.attribute[0]);
    assert.deepEqual(Array.from(readTensorValues(opened, oc.attribute[0]!.t!) as Float32Array), [2]);
    const again = decodeModel(new MemorySource(encodeModelToBytes(opened), 'inlined.onnx'));
    assert.deepEqual(again.model.graph!.node.map((x) => Array.from(readTensorValues(again, x.attribute[0]?.t ?? t) as Float32Array)).slice(0, 3), [[1], [1], [2]]);
  } finally {
    opened.source.close?.();
  }
});

test('past 4,096 distinct attributes a decode stops sharing new ones; every value is still right', () => {
  const distinct = 4200;
  const nodes = Array.from({ length: distinct }, (_, k) => node(`n${k}`, 'Op', [], [`t${k}`], intAttr('a', k)));
  nodes.push(node('again0', 'Op', [], ['u0'], intAttr('a', 0)), node('again4150', 'Op', [], ['u1'], intAttr('a', 4150)));
  const bytes = model(nodes);
  const d = decodeModel(new MemorySource(bytes, 'many.onnx'));
  const g = d.model.graph!.node;
  assert.deepEqual(g.slice(0, distinct).map((x) => x.attribute[0]!.i), Array.from({ length: distinct }, (_, k) => k));
  assert.equal(g[distinct]!.attribute[0], g[0]!.attribute[0], 'value 0, among the first 4,096, is shared');
  assert.notEqual(g[distinct + 1]!.attribute[0], g[4150]!.attribute[0], 'value 4150 came after the table was full');
  assert.equal(g[distinct + 1]!.attribute[0]!.i, 4150);
  assert.equal(new Set(g.map((x) => x.attribute[0]).filter((a) => Object.isFrozen(a))).size, 4096);
  assert.deepEqual(encodeModelToBytes(d), bytes);
});

test('the object budget counts a shared attribute as if it had been decoded again', () => {
  // The smallest budget each model decodes with (it fails one below).
  const least = (bytes: Uint8Array): number => {
    const decodes = (max: number): boolean => {
      try {
        decodeModel(new MemorySource(bytes, 'budget.onnx'), { maxObjectWeight: max });
        return true;
      } catch (e) {
        assert.ok(e instanceof ModelTooLargeError, String(e));
        return false;
      }
    };
    return leastPassing(decodes, 1 << 20);
  };
  // 300 nodes with the same attributes, and 300 whose attributes all differ (values of the same sizes:
  // 2-byte varints), so that nothing is shared there.
  const same = model(Array.from({ length: 300 }, (_, k) => node(`n${k}`, 'Op', [], [`t${k}`], intAttr('a', 200), intsAttr('b', [2, 200]))));
  const other = model(Array.from({ length: 300 }, (_, k) => node(`n${k}`, 'Op', [], [`t${k}`], intAttr('a', 128 + k), intsAttr('b', [2, 128 + k]))));
  assert.equal(same.length, other.length);
  const [s, o] = [same, other].map((b) => decodeModel(new MemorySource(b, 'budget.onnx')).model.graph!.node);
  assert.equal(s![299]!.attribute, s![0]!.attribute);
  assert.notEqual(o![299]!.attribute[1], o![0]!.attribute[1]);
  assert.equal(least(same), least(other));
});

test('an edit of one node\'s shared attribute (setAttribute) changes that node only, saves, and undoes to the same bytes', () => {
  const bytes = model([
    node('k0', 'Concat', ['x', 'x'], ['z0'], intAttr('axis', 1)),
    node('k1', 'Concat', ['z0', 'x'], ['z1'], intAttr('axis', 1)),
    node('k2', 'Concat', ['z1', 'x'], ['z2'], intAttr('axis', 1)),
  ], ['z2']);
  const d = decodedBothWays(bytes, 'edit.onnx');
  const [k0, k1, k2] = d.model.graph!.node as [Node, Node, Node];
  const shared = k0.attribute[0]!;
  assert.equal(k1.attribute, k0.attribute);
  const applied = applyEdit(d, { kind: 'setAttribute', node: 'k1', name: 'axis', value: 0 });
  assert.equal(d.model.graph!.node[1], k1);
  assert.equal(k1.attribute[0]!.i, 0);
  assert.notEqual(k1.attribute, k0.attribute);
  assert.equal(k0.attribute[0], shared);
  assert.equal(k2.attribute, k0.attribute);
  assert.equal(shared.i, 1);
  const saved = encodeModelToBytes(d);
  const out = decodeModel(new MemorySource(saved, 'out.onnx'));
  assert.deepEqual(out.model.graph!.node.map((n) => n.attribute.map((a) => [a.name, a.i])), [[['axis', 1]], [['axis', 0]], [['axis', 1]]]);
  // Only k1's bytes differ.
  const nodeBytes = (x: DecodedModel, i: number) => {
    const s = x.model.graph!.node[i]!.$span!;
    return Array.from(x.source.read(s.start, s.end - s.start));
  };
  assert.deepEqual(nodeBytes(out, 0), nodeBytes(d, 0));
  assert.notDeepEqual(nodeBytes(out, 1), nodeBytes(d, 1));
  assert.deepEqual(nodeBytes(out, 2), nodeBytes(d, 2));
  applied.journal.undo();
  assert.equal(k1.attribute, k0.attribute);
  assert.deepEqual(encodeModelToBytes(d), bytes);
});

test('a shared attribute and a shared attribute list refuse writes', () => {
  const bytes = model([
    node('c0', 'Conv', ['x'], ['y0'], pads, group),
    node('c1', 'Conv', ['y0'], ['y1'], pads, group),
  ]);
  const d = decodeModel(new MemorySource(bytes, 'frozen.onnx'));
  const [c0, c1] = d.model.graph!.node as [Node, Node];
  const [p, g] = c0.attribute as [Attribute, Attribute];
  // (The extension's bundle is strict code, where writing to a frozen object throws.)
  assert.throws(() => {
    'use strict';
    g.i = 2;
  }, TypeError);
  assert.throws(() => {
    'use strict';
    g.docString = 'changed';
  }, TypeError);
  assert.throws(() => markDirty(g), TypeError);
  assert.throws(() => (p.ints as number[]).push(1), TypeError);
  assert.throws(() => c0.attribute.push(g), TypeError);
  assert.throws(() => {
    'use strict';
    c0.attribute[0] = g;
  }, TypeError);
  assert.throws(() => c0.attribute.splice(0, 1), TypeError);
  assert.equal(g.i, 1);
  assert.equal(g.docString, '');
  assert.deepEqual(c1.attribute.map((a) => a.name), ['pads', 'group']);
  assert.deepEqual(encodeModelToBytes(d), bytes);
});
