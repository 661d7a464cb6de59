/**
 * Repeated fields of a node and of an attribute in any order, interleaved with each other and with
 * nested messages that have repeated fields of their own: each value lands in its own list. (The
 * decoder takes the collector of a rarely present repeated field when the field first occurs, so
 * collectors are taken in file order, between nested messages: decodeGraph.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySource, decodeModel, encodeModelToBytes } from '../../../src/core/onnx/index';
import { Ctx } from '../../../src/core/onnx/decodeContext';
import { node } from '../../../src/core/onnx/decodeGraph';
import { WireReader } from '../../../src/core/onnx/wire/reader';
import { bytesField, concatBytes, varintField } from './protoHelpers';

const text = (s: string) => new TextEncoder().encode(s);
const strField = (no: number, s: string) => bytesField(no, text(s));
/** One raw field: a float (wire type 5), as AttributeProto.floats holds unpacked. */
const floatField = (no: number, v: number) => concatBytes(new Uint8Array([(no << 3) | 5]), new Uint8Array(new Float32Array([v]).buffer));

function nodeBytes(): Uint8Array {
  const innerNode = concatBytes(strField(1, 'gi'), strField(2, 'go'), strField(4, 'Relu'));
  const subgraph = concatBytes(bytesField(1, innerNode), strField(2, 'g'));
  const attrX = concatBytes(
    strField(1, 'x'),
    bytesField(5, concatBytes(varintField(1, 2), strField(8, 'tt'))), // t: dims [2]
    varintField(8, 7), // ints
    bytesField(10, concatBytes(varintField(1, 3), varintField(1, 4), strField(8, 'u'))), // tensors[0]: dims [3, 4]
    varintField(8, 9), // ints again, after a nested message took collectors of its own
    floatField(7, 1.5), // floats
    strField(9, 'q'), // strings
    bytesField(11, subgraph), // graphs[0]
    varintField(8, 11),
    floatField(7, 2.5),
    varintField(20, 7),
  );
  const attrY = concatBytes(strField(1, 'y'), varintField(3, 5), varintField(20, 2));
  return concatBytes(
    strField(1, 'a'),
    bytesField(5, attrX),
    strField(2, 'b'),
    strField(1, 'c'),
    strField(4, 'Custom'),
    bytesField(5, attrY),
    bytesField(9, concatBytes(strField(1, 'k'), strField(2, 'v'))),
    strField(2, 'd'),
    strField(1, 'e'),
  );
}

test('a node and its attributes with repeated fields interleaved and nested: every value in its own list, the bytes written back as read', () => {
  const graphBytes = concatBytes(bytesField(1, nodeBytes()), bytesField(1, concatBytes(strField(1, 'd'), strField(2, 'z'))), strField(2, 'main'));
  const model = concatBytes(varintField(1, 8), bytesField(7, graphBytes));
  const decoded = decodeModel(new MemorySource(model, 'order.onnx'));
  const [n, second] = decoded.model.graph!.node;
  assert.deepEqual(n!.input, ['a', 'c', 'e']);
  assert.deepEqual(n!.output, ['b', 'd']);
  assert.equal(n!.opType, 'Custom');
  assert.deepEqual(n!.metadataProps.map((e) => [e.key, e.value]), [['k', 'v']]);
  const [x, y] = n!.attribute;
  assert.equal(x!.name, 'x');
  assert.deepEqual([...x!.ints], [7, 9, 11]);
  assert.deepEqual(x!.floats, [1.5, 2.5]);
  assert.deepEqual(x!.strings.map((s) => new TextDecoder().decode(s)), ['q']);
  assert.deepEqual([...x!.t!.dims], [2]);
  assert.equal(x!.t!.name, 'tt');
  assert.equal(x!.tensors.length, 1);
  assert.deepEqual([...x!.tensors[0]!.dims], [3, 4]);
  assert.equal(x!.tensors[0]!.name, 'u');
  assert.equal(x!.graphs.length, 1);
  assert.deepEqual(x!.graphs[0]!.node[0]!.input, ['gi']);
  assert.deepEqual(x!.graphs[0]!.node[0]!.output, ['go']);
  assert.equal(x!.type, 7);
  assert.equal(y!.name, 'y');
  assert.equal(y!.i, 5);
  assert.deepEqual(y!.ints, []);
  assert.deepEqual(y!.floats, []);
  assert.deepEqual(second!.input, ['d']);
  assert.deepEqual(second!.output, ['z']);
  assert.deepEqual(second!.attribute, []);
  assert.deepEqual(Buffer.from(encodeModelToBytes(decoded)), Buffer.from(model));
});

test('decoding a node gives back every collector it took (the stack of collectors is where it was)', () => {
  const bytes = nodeBytes();
  const r = new WireReader(new MemorySource(bytes, 'node.bin'), 'node.bin');
  const c = new Ctx(r);
  c.list<string>(); // as graph() holds its own lists while its nodes are decoded
  const above = c.list<string>();
  c.release(1);
  const n = node(c, bytes.length);
  assert.deepEqual(n.input, ['a', 'c', 'e']);
  assert.equal(r.pos, bytes.length);
  assert.equal(c.list<string>(), above, 'the collector above the outer one is free again');
});
