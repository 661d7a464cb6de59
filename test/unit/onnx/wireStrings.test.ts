/**
 * String fields whose bytes are not valid UTF-8. ONNX is proto2: onnx and onnxruntime take any bytes
 * in a name or doc string, so the decoder must keep them: two names that differ only in invalid bytes
 * stay two names, and re-encoding a message (an edit) writes back the very bytes it read. Invalid
 * bytes decode as Python's `surrogateescape` does (byte b -> U+DC00 + b) and encode back to b.
 * Models are built by hand (hostile/wire.ts), since onnx-proto cannot write such bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { buildGraphIndex } from '../../../src/core/graph/index';
import {
  DataLocation, decodeModel, encodeModelToBytes, externalDataStatus, markDirty, MemorySource, readTensorBytes, TensorDataError,
} from '../../../src/core/onnx/index';
import { decodeUtf8 } from '../../../src/core/onnx/wire/reader';
import { encodeUtf8 } from '../../../src/core/onnx/wire/writer';
import { makeTempDir } from '../../support/tempDir';
import { markAllDirty } from './protoHelpers';
import { concat, lenField, varintField } from './hostile/wire';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const bytes = (...parts: (string | number[])[]): Uint8Array => concat(parts.map((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** NodeProto: input 1, output 2, name 3, op_type 4, doc_string 6. */
function node(opType: string, inputs: Uint8Array[], outputs: Uint8Array[], name: Uint8Array, doc?: Uint8Array): Uint8Array {
  return concat([...inputs.map((i) => lenField(1, i)), ...outputs.map((o) => lenField(2, o)), lenField(3, name), lenField(4, text(opType)), ...(doc ? [lenField(6, doc)] : [])]);
}

/** ModelProto: ir_version 1, graph 7 (node 1, name 2, input 11, output 12), opset_import 8. */
function model(nodes: Uint8Array[], inputs: string[], outputs: string[]): Uint8Array {
  const graph = concat([...nodes.map((n) => lenField(1, n)), lenField(2, text('g')), ...inputs.map((i) => lenField(11, lenField(1, text(i)))), ...outputs.map((o) => lenField(12, lenField(1, text(o))))]);
  return concat([varintField(1, 8), lenField(7, graph), lenField(8, concat([lenField(1, []), varintField(2, 17)]))]);
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.length));
}

test("names 't\\xff' and 't\\xfe' are two distinct tensors: no 'produced twice' problem", () => {
  const tff = bytes('t', [0xff]);
  const tfe = bytes('t', [0xfe]);
  const m = model(
    [node('Relu', [text('x')], [tff], text('r')), node('Sigmoid', [text('x')], [tfe], text('s')), node('Add', [tff, tfe], [text('y')], text('a'))],
    ['x'], ['y'],
  );
  const d = decodeModel(new MemorySource(m, 'collide.onnx'));
  const [r, s, a] = d.model.graph!.node;
  assert.equal(r!.output[0], 't\udcff');
  assert.equal(s!.output[0], 't\udcfe');
  assert.notEqual(r!.output[0], s!.output[0]);
  assert.deepEqual(a!.input, ['t\udcff', 't\udcfe']);
  const index = buildGraphIndex(d.model.graph!);
  assert.deepEqual(index.problems, [], JSON.stringify(index.problems));
  // Every message re-encoded from its fields gives the file back.
  markAllDirty(d.model);
  assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(m));
});

test('an edit of a node keeps its invalid-UTF-8 doc string and names byte for byte', () => {
  const doc = bytes('doc ', [0xff, 0xfe], ' caf', [0xe9], ' ', [0xc3]);
  const odd = bytes('x', [0xe2, 0x82], 'y', [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xef, 0xbf, 0xbd]); // cut, surrogate, past U+10FFFF, a real U+FFFD
  const m = model([node('Relu', [odd], [text('y')], text('n'), doc)], [], ['y']);
  const d = decodeModel(new MemorySource(m, 'doc.onnx'));
  const n = d.model.graph!.node[0]!;
  assert.equal(n.docString, 'doc \udcff\udcfe caf\udce9 \udcc3');
  assert.equal(n.input[0], 'x\udce2\udc82y\udced\udca0\udc80\udcf4\udc90\udc80\udc80\ufffd');
  n.name = 'renamed';
  markDirty(n);
  const out = encodeModelToBytes(d);
  assert.ok(indexOf(out, lenField(6, doc)) >= 0, 'the doc string bytes are kept');
  assert.ok(indexOf(out, lenField(1, odd)) >= 0, 'the input name bytes are kept');
  assert.equal(indexOf(out, Uint8Array.from([0xef, 0xbf, 0xbd, 0xef])), -1, 'no U+FFFD written for invalid bytes');
  const again = decodeModel(new MemorySource(out, 'edited.onnx')).model.graph!.node[0]!;
  assert.equal(again.name, 'renamed');
  assert.equal(again.docString, n.docString);
  assert.deepEqual(again.input, n.input);
});

/** Byte strings that mix ASCII, valid multi-byte UTF-8 (incl. U+FFFD itself) and arbitrary bytes. */
const byteStrings = (maxParts: number) => fc.array(
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 6 }).map(text),
    fc.constantFrom(Uint8Array.from([0xef, 0xbf, 0xbd]), Uint8Array.from([0xed, 0xb3, 0xbf]), Uint8Array.from([0xf0, 0x9f, 0x98]), Uint8Array.from([0xc0, 0x80])),
  ),
  { maxLength: maxParts },
).map((parts) => concat(parts));

test('property: decode -> encode of any byte string gives the same bytes (so distinct bytes decode to distinct strings)', () => {
  fc.assert(
    fc.property(byteStrings(40), (b) => {
      const s = decodeUtf8(b);
      assert.deepEqual(Buffer.from(encodeUtf8(s)), Buffer.from(b));
      // Valid UTF-8 decodes exactly as TextDecoder does.
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        valid = false;
      }
      if (valid) assert.equal(s, new TextDecoder().decode(b));
    }),
    { numRuns: 1000, seed: SEED, endOnFailure: true },
  );
});

test('property: names and doc strings of any bytes (short, interned-length, long) survive a decode and a full re-encode', () => {
  fc.assert(
    fc.property(byteStrings(6), byteStrings(200), (name, doc) => {
      const m = model([node('Relu', [text('x')], [text('y')], name, doc)], ['x'], ['y']);
      const d = decodeModel(new MemorySource(m, 'p.onnx'));
      markAllDirty(d.model);
      assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(m));
    }),
    { numRuns: 400, seed: SEED, endOnFailure: true },
  );
});

test('property: strings that are not escapes encode exactly as TextEncoder does', () => {
  const te = new TextEncoder();
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 3 }), (s, lone) => {
      assert.deepEqual(Buffer.from(encodeUtf8(s)), Buffer.from(te.encode(s)));
      // Lone surrogates other than U+DC80..U+DCFF are written as U+FFFD, as before.
      const other = s + lone.filter((c) => c < 0xdc80 || c > 0xdcff).map((c) => `${String.fromCharCode(c)}.`).join('');
      assert.deepEqual(Buffer.from(encodeUtf8(other)), Buffer.from(te.encode(other)));
    }),
    { numRuns: 1000, seed: SEED, endOnFailure: true },
  );
});

test('an external data location with invalid UTF-8 bytes is refused, not read as another file', () => {
  const dir = makeTempDir('qdq-utf8-');
  // The file a replacement-character spelling of the name would open: it must not be read.
  fs.writeFileSync(path.join(dir, 'w\ufffd.bin'), new Uint8Array(16));
  const location = bytes('w', [0xff], '.bin');
  const entry = (k: string, v: Uint8Array) => lenField(13, concat([lenField(1, text(k)), lenField(2, v)]));
  // TensorProto: dims 1, data_type 2, name 8, external_data 13, data_location 14.
  const tensor = concat([varintField(1, 4), varintField(2, 1), lenField(8, text('w')), entry('location', location), varintField(14, DataLocation.EXTERNAL)]);
  const graph = concat([lenField(2, text('g')), lenField(5, tensor)]);
  const m = concat([varintField(1, 8), lenField(7, graph), lenField(8, concat([lenField(1, []), varintField(2, 17)]))]);
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, m);
  const d = decodeModel(new MemorySource(m, file));
  const t = d.model.graph!.initializer[0]!;
  assert.throws(() => readTensorBytes(d, t), (e: unknown) => {
    assert.ok(e instanceof TensorDataError, String(e));
    assert.match(e.problem, /external data location 'w\\xff\.bin' is not valid UTF-8/);
    return true;
  });
  const [status] = externalDataStatus(d.model, file);
  assert.equal(status!.problem, 'refused');
  assert.match(status!.message!, /not valid UTF-8/);
  // Saved as read: the location's bytes are written back unchanged.
  assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(m));
});
