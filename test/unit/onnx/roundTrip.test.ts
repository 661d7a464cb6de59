/**
 * Lossless save: byte-identical round trips over every model we have, the re-encoder's canonical
 * output when every message is marked dirty, edits that change only what they touch, atomic saves,
 * and `qdq info --json` checked key by key against an independent decode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import {
  type Attribute, type ByteSource, type DecodedModel, decodeModel, encodeModelToBytes, markDirty, MemorySource, ModelFileError,
  openModelFile, saveModelFile,
} from '../../../src/core/onnx/index';
import { main as qdq } from '../../../src/cli/qdq';
import { checkedInModels, sharedModels } from './corpus';
import { dataTypeName, num, rawByteLength, YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { encodeModelProto, markAllDirty, onnx, smallQdqModel } from './protoHelpers';

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
    markAllDirty(d.model);
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
  // As an edit changes an attribute: a new one in a new list (decoded ones may be shared: attributeTable.ts).
  conv.attribute = conv.attribute.map((a) => (a.name === 'pads' ? Object.assign(Object.create(Object.getPrototypeOf(a) as object) as Attribute, a, { ints: [0, 0, 0, 0], $dirty: true }) : a));
  markDirty(conv);
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

test('qdq save round-trips a model and qdq info --json reports it', async () => {
  const dir = makeTempDir('qdq-cli-');
  const file = path.join(dir, 'small.onnx');
  fs.writeFileSync(file, encodeModelProto(smallQdqModel()));
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  assert.equal(await qdq(['save', file, '-o', path.join(dir, 'copy.onnx')], io), 0);
  assert.ok(fs.readFileSync(path.join(dir, 'copy.onnx')).equals(fs.readFileSync(file)));
  assert.equal(qdq(['info', file, '--json'], io), 0);
  const info = pickInfo(JSON.parse(out[out.length - 1]!));
  // The values written into smallQdqModel(), spelled out ...
  assert.deepEqual(info, {
    irVersion: 7,
    producerName: 'qdq-studio-test',
    opsetImports: [{ domain: 'ai.onnx', version: 13 }],
    nodeCount: 7,
    initializerCount: 5,
    initializerBytes: 4 * 27 * 4 + 4 + 1 + 16 + 4, // w, x_scale, x_zp, w_scale, w_zp in raw layout
    opTypeCounts: { QuantizeLinear: 2, DequantizeLinear: 2, Conv: 1, Sigmoid: 1, Mul: 1 },
    qdq: { quantizeLinear: 2, dequantizeLinear: 2 },
    inputs: [{ name: 'images', dtype: 'FLOAT', shape: [1, 3, 8, 8] }],
    outputs: [{ name: 'out', dtype: 'FLOAT', shape: [1, 4, 8, 8] }],
  });
  // ... and as onnx-proto decodes the file.
  assert.deepEqual(info, expectedInfo(fs.readFileSync(file)));
  // Exit codes: 2 for unreadable input or bad usage, with a one-line message naming the file.
  fs.writeFileSync(path.join(dir, 'bad.onnx'), 'not a model at all');
  err.length = 0;
  assert.equal(qdq(['info', path.join(dir, 'bad.onnx')], io), 2);
  assert.equal(err.length, 1);
  assert.match(err[0]!, /bad\.onnx/);
  assert.equal(qdq(['info', path.join(dir, 'missing.onnx')], io), 2);
  assert.match(err[1]!, /missing\.onnx: cannot read: no such file \(ENOENT\)$/);
  assert.equal(qdq(['info'], io), 2);
  assert.equal(qdq(['frobnicate'], io), 2);
  assert.equal(await qdq(['save', file], io), 2);
});

test('qdq info --json on a builder YOLO-like model: every key matches the build manifest and onnx-proto', () => {
  const dir = makeTempDir('qdq-cli-');
  const file = path.join(dir, 'yolo.onnx');
  const b = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', scalesAs: 'initializer', extraOpsets: [{ domain: 'com.example', version: 2 }] });
  b.writeFile(file);
  const m = b.manifest();
  const out: string[] = [];
  assert.equal(qdq(['info', file, '--json'], { out: (t) => out.push(t), err: (t) => assert.fail(t) }), 0);
  const info = pickInfo(JSON.parse(out[0]!));
  assert.deepEqual(info, expectedInfo(fs.readFileSync(file)));
  assert.deepEqual(info, {
    irVersion: m.irVersion,
    producerName: 'qdq-studio-test',
    opsetImports: [{ domain: 'ai.onnx', version: m.opset }, { domain: 'com.example', version: 2 }],
    nodeCount: m.nodeCount,
    initializerCount: m.initializerCount,
    initializerBytes: m.initializerBytes,
    opTypeCounts: m.opCounts,
    qdq: { quantizeLinear: m.quantizeLinearCount, dequantizeLinear: m.dequantizeLinearCount },
    inputs: [{ name: 'images', dtype: 'FLOAT', shape: [1, 3, 64, 64] }],
    outputs: [{ name: 'output0', dtype: 'FLOAT', shape: [1, 4 + 4, 16 * 16 + 8 * 8] }], // 4 box + 4 classes, over the 16x16 and 8x8 levels
  });
  assert.deepEqual(m.inputs, ['images']);
  assert.deepEqual(m.outputs, ['output0']);
  assert.ok(m.quantizeLinearCount > 10 && m.initializerCount > m.convs.length * 2, 'scales and zero points are initializers too');
});

/** The keys of `qdq info --json` that the issue names. */
const INFO_KEYS = [
  'irVersion', 'producerName', 'opsetImports', 'nodeCount', 'initializerCount', 'initializerBytes', 'opTypeCounts', 'qdq',
  'inputs', 'outputs',
] as const;

type InfoTensor = { name: string; dtype: string; shape: (number | string | null)[] | null };
interface Info {
  irVersion: number;
  producerName: string;
  opsetImports: { domain: string; version: number }[];
  nodeCount: number;
  initializerCount: number;
  initializerBytes: number;
  opTypeCounts: Record<string, number>;
  qdq: { quantizeLinear: number; dequantizeLinear: number };
  inputs: InfoTensor[];
  outputs: InfoTensor[];
}

/** Those keys of the printed JSON (each must be present). */
function pickInfo(json: Record<string, unknown>): Info {
  for (const k of INFO_KEYS) assert.ok(k in json, `qdq info --json has no '${k}'`);
  return Object.fromEntries(INFO_KEYS.map((k) => [k, json[k]])) as unknown as Info;
}

/**
 * The same keys computed from the file with onnx-proto (the reference decoder) and the builder's
 * data type table, without our codec or summary. Bytes are the raw-layout payload of every dense
 * initializer and of the values and indices of every sparse one; inputs leave out initializers.
 */
function expectedInfo(bytes: Uint8Array): Info {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const payload = (t: onnx.ITensorProto | null | undefined): number => {
    if (!t) return 0;
    const count = (t.dims ?? []).reduce<number>((n, d) => n * num(d as number), 1);
    return rawByteLength(dataTypeName(t.dataType!)!, count);
  };
  const tensor = (v: onnx.IValueInfoProto): InfoTensor => ({
    name: v.name!,
    dtype: dataTypeName(v.type!.tensorType!.elemType!)!,
    shape: v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : num(d.dimValue as number))),
  });
  const opTypeCounts: Record<string, number> = {};
  for (const n of g.node ?? []) opTypeCounts[n.opType!] = (opTypeCounts[n.opType!] ?? 0) + 1;
  const initializers = g.initializer ?? [];
  const initializerNames = new Set(initializers.map((t) => t.name));
  return {
    irVersion: num(model.irVersion as number),
    producerName: model.producerName,
    opsetImports: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: num(o.version as number) })),
    nodeCount: (g.node ?? []).length,
    initializerCount: initializers.length,
    initializerBytes:
      initializers.reduce((n, t) => n + payload(t), 0) +
      (g.sparseInitializer ?? []).reduce((n, sp) => n + payload(sp.values) + payload(sp.indices), 0),
    opTypeCounts,
    qdq: { quantizeLinear: opTypeCounts['QuantizeLinear'] ?? 0, dequantizeLinear: opTypeCounts['DequantizeLinear'] ?? 0 },
    inputs: (g.input ?? []).filter((v) => !initializerNames.has(v.name)).map(tensor),
    outputs: (g.output ?? []).map(tensor),
  };
}
