/**
 * Lossless save: byte-identical round trips over every model we have, the re-encoder's canonical
 * output when every message is marked dirty, edits that change only what they touch, atomic saves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import {
  type ByteSource, type DecodedModel, type Graph, decodeModel, encodeModelToBytes, markDirty, MemorySource, ModelFileError,
  openModelFile, saveModelFile,
} from '../../../src/core/onnx/index';
import { main as qdq } from '../../../src/cli/qdq';
import { checkedInModels, sharedModels } from './corpus';
import { encodeModelProto, smallQdqModel } from './protoHelpers';

function markAllDirty(g: Graph): void {
  markDirty(g);
  for (const n of g.node) {
    markDirty(n);
    for (const a of n.attribute) {
      markDirty(a);
      if (a.t) markDirty(a.t);
      if (a.g) markAllDirty(a.g);
      a.graphs.forEach(markAllDirty);
    }
  }
  for (const t of g.initializer) markDirty(t);
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) markDirty(v);
}

const models = [...checkedInModels(), ...sharedModels()];

test('there is a corpus to test on', () => {
  assert.ok(checkedInModels().length >= 3, 'test/fixtures/onnx should hold the builder fixtures');
});

for (const file of models) {
  const name = path.relative(path.resolve(__dirname, '../../..'), file);
  test(`round trip is byte-identical: ${name}`, () => {
    const original = fs.readFileSync(file);
    const fromFile = openModelFile(file);
    try {
      assert.ok(Buffer.from(encodeModelToBytes(fromFile)).equals(original), 'file source');
    } finally {
      fromFile.source.close?.();
    }
    const fromMemory = decodeModel(new MemorySource(original, file));
    assert.ok(Buffer.from(encodeModelToBytes(fromMemory)).equals(original), 'memory source');
  });

  test(`re-encoding every message from its typed fields reproduces the file: ${name}`, () => {
    const original = fs.readFileSync(file);
    const d = decodeModel(new MemorySource(original, file));
    markDirty(d.model);
    if (d.model.graph) markAllDirty(d.model.graph);
    const out = Buffer.from(encodeModelToBytes(d));
    // Exporters write canonical protobuf (fields in schema order, unpacked dims), so a full
    // re-serialisation gives the same bytes; any codec field-table mistake shows up here.
    assert.equal(out.length, original.length);
    assert.ok(out.equals(original));
  });
}

test('an edit changes only the edited node; every other message is copied verbatim', () => {
  const bytes = encodeModelProto(smallQdqModel());
  const d = decodeModel(new MemorySource(bytes, 'small.onnx'));
  const g = d.model.graph!;
  const conv = g.node.find((n) => n.opType === 'Conv')!;
  conv.attribute.find((a) => a.name === 'pads')!.ints = [0, 0, 0, 0];
  markDirty(conv.attribute.find((a) => a.name === 'pads')!);
  const out = encodeModelToBytes(d);
  const d2 = decodeModel(new MemorySource(out, 'edited.onnx'));
  const slice = (x: DecodedModel, s: { start: number; end: number }) => Buffer.from(x.source.read(s.start, s.end - s.start));
  let differing = 0;
  g.node.forEach((n, i) => {
    if (!slice(d, n.$span!).equals(slice(d2, d2.model.graph!.node[i]!.$span!))) differing++;
  });
  assert.equal(differing, 1);
  g.initializer.forEach((t, i) => assert.ok(slice(d, t.$span!).equals(slice(d2, d2.model.graph!.initializer[i]!.$span!))));
  assert.deepEqual(d2.model.graph!.node.find((n) => n.opType === 'Conv')!.attribute.find((a) => a.name === 'pads')!.ints, [0, 0, 0, 0]);
  assert.equal(out.length, bytes.length);
});

test('saves are atomic: the target appears complete or not at all, no temp files left', () => {
  const dir = makeTempDir('qdq-save-');
  const bytes = encodeModelProto(smallQdqModel());
  const target = path.join(dir, 'target.onnx');
  fs.writeFileSync(target, 'previous content');
  // A source that fails halfway through the copy of a payload.
  const good = new MemorySource(bytes, 'src.onnx');
  const d = decodeModel(good);
  markDirty(d.model); // force re-encode so the copy ranges are many
  const failing: ByteSource = {
    size: good.size,
    name: 'failing.onnx',
    read(offset, length) {
      if (offset > 200) throw new Error('disk went away');
      return good.read(offset, length);
    },
  };
  assert.throws(() => saveModelFile({ ...d, source: failing }, target), (e: unknown) => e instanceof ModelFileError && /target\.onnx/.test(e.message));
  assert.equal(fs.readFileSync(target, 'utf8'), 'previous content');
  assert.deepEqual(fs.readdirSync(dir), ['target.onnx']);
  // And a successful save replaces it in one step, keeping its mode.
  fs.chmodSync(target, 0o640);
  saveModelFile(d, target);
  assert.ok(fs.readFileSync(target).equals(Buffer.from(bytes)));
  assert.equal(fs.statSync(target).mode & 0o777, 0o640);
  assert.deepEqual(fs.readdirSync(dir), ['target.onnx']);
});

test('saving over the file the model was opened from works (the open source stays readable)', () => {
  const dir = makeTempDir('qdq-save-');
  const file = path.join(dir, 'm.onnx');
  const bytes = encodeModelProto(smallQdqModel());
  fs.writeFileSync(file, bytes);
  const d = openModelFile(file);
  d.model.producerName = 'edited';
  markDirty(d.model);
  saveModelFile(d, file);
  const d2 = openModelFile(file);
  assert.equal(d2.model.producerName, 'edited');
  assert.equal(d2.model.graph!.node.length, 7);
  d.source.close?.();
  d2.source.close?.();
});

test('qdq save round-trips a model and qdq info --json reports it', () => {
  const dir = makeTempDir('qdq-cli-');
  const file = path.join(dir, 'small.onnx');
  fs.writeFileSync(file, encodeModelProto(smallQdqModel()));
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  assert.equal(qdq(['save', file, '-o', path.join(dir, 'copy.onnx')], io), 0);
  assert.ok(fs.readFileSync(path.join(dir, 'copy.onnx')).equals(fs.readFileSync(file)));
  assert.equal(qdq(['info', file, '--json'], io), 0);
  const info = JSON.parse(out[out.length - 1]!);
  assert.equal(info.nodeCount, 7);
  assert.deepEqual(info.qdq, { quantizeLinear: 2, dequantizeLinear: 2 });
  assert.deepEqual(info.opsetImports, [{ domain: 'ai.onnx', version: 13 }]);
  assert.deepEqual(info.inputs, [{ name: 'images', dtype: 'FLOAT', shape: [1, 3, 8, 8] }]);
  assert.equal(info.initializerCount, 5);
  assert.equal(info.initializerBytes, 4 * 27 * 4 + 4 + 1 + 16 + 4);
  assert.equal(info.opTypeCounts.QuantizeLinear, 2);
  // Exit codes: 2 for unreadable input or bad usage, with a one-line message naming the file.
  fs.writeFileSync(path.join(dir, 'bad.onnx'), 'not a model at all');
  err.length = 0;
  assert.equal(qdq(['info', path.join(dir, 'bad.onnx')], io), 2);
  assert.equal(err.length, 1);
  assert.match(err[0]!, /bad\.onnx/);
  assert.equal(qdq(['info', path.join(dir, 'missing.onnx')], io), 2);
  assert.match(err[1]!, /missing\.onnx: cannot open: ENOENT/);
  assert.equal(qdq(['info'], io), 2);
  assert.equal(qdq(['frobnicate'], io), 2);
  assert.equal(qdq(['save', file], io), 2);
});
