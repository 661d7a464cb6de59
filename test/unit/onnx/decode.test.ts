/**
 * Differential decode: our codec against the reference protobufjs codec (`onnx-proto`, ONNX 1.10
 * schema) on every model we have, plus decoding of schema content newer than ONNX 1.10.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Attribute, type DecodedModel, type ModelProto, DataType, dataTypeName, decodeModel, encodeModelToBytes, markDirty,
  MemorySource, readTensorBytes, readTensorValues, tensorByteLength,
} from '../../../src/core/onnx/index';
import { checkedInModels, sharedModels } from './corpus';
import { bytesField, concatBytes, encodeModelProto, onnx, smallQdqModel, varintField, vi } from './protoHelpers';

/** Element values as plain numbers (bigint types included). */
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

/** protobufjs gives int64 as number or Long. */
const num = (v: number | { toNumber(): number } | bigint | null | undefined): number =>
  v == null ? 0 : typeof v === 'object' ? v.toNumber() : Number(v);
const text = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');

function compareAttributes(ours: Attribute[], ref: onnx.IAttributeProto[], where: string): void {
  assert.equal(ours.length, ref.length, `${where}: attribute count`);
  ours.forEach((a, i) => {
    const r = ref[i]!;
    assert.equal(a.name, r.name, where);
    assert.equal(a.type, r.type ?? 0, `${where}.${a.name} type`);
    // protobufjs puts defaults on the prototype: compare only fields present on the wire.
    const has = (k: string) => Object.prototype.hasOwnProperty.call(r, k);
    if (has('i')) assert.equal(Number(a.i), num(r.i), `${where}.${a.name}.i`);
    if (has('f')) assert.equal(a.f, r.f, `${where}.${a.name}.f`);
    if (has('s')) assert.equal(text(a.s), text(r.s), `${where}.${a.name}.s`);
    assert.deepEqual(a.ints.map(Number), (r.ints ?? []).map(num), `${where}.${a.name}.ints`);
    assert.deepEqual(a.floats, r.floats ?? [], `${where}.${a.name}.floats`);
    assert.deepEqual(a.strings.map(text), (r.strings ?? []).map(text), `${where}.${a.name}.strings`);
    if (has('t') && r.t) {
      assert.equal(a.t?.dataType, r.t.dataType ?? 0);
      assert.deepEqual(a.t?.dims.map(Number), (r.t.dims ?? []).map(num));
    }
    if (has('g') && r.g) assert.equal(a.g?.node.length, r.g.node?.length ?? 0, `${where}.${a.name}.g`);
  });
}

function compareWithReference(d: DecodedModel, bytes: Uint8Array): void {
  const ref = onnx.ModelProto.decode(bytes);
  const m: ModelProto = d.model;
  assert.equal(Number(m.irVersion), num(ref.irVersion));
  assert.equal(m.producerName, ref.producerName ?? '');
  assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), (ref.opsetImport ?? []).map((o) => [o.domain ?? '', num(o.version)]));
  assert.deepEqual(m.metadataProps.map((p) => [p.key, p.value]), (ref.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const g = m.graph!;
  const rg = ref.graph!;
  assert.equal(g.node.length, rg.node?.length ?? 0);
  g.node.forEach((n, i) => {
    const rn = rg.node![i]!;
    assert.equal(n.name, rn.name ?? '');
    assert.equal(n.opType, rn.opType ?? '');
    assert.equal(n.domain, rn.domain ?? '');
    assert.deepEqual(n.input, rn.input ?? []);
    assert.deepEqual(n.output, rn.output ?? []);
    compareAttributes(n.attribute, rn.attribute ?? [], `node ${n.name}`);
  });
  assert.equal(g.initializer.length, rg.initializer?.length ?? 0);
  g.initializer.forEach((t, i) => {
    const rt = rg.initializer![i]!;
    assert.equal(t.name, rt.name ?? '');
    assert.equal(t.dataType, rt.dataType ?? 0);
    assert.deepEqual(t.dims.map(Number), (rt.dims ?? []).map(num));
    if (rt.rawData?.length) {
      assert.equal(tensorByteLength(t), rt.rawData.length);
      assert.ok(Buffer.from(readTensorBytes(d, t)).equals(Buffer.from(rt.rawData)), `initializer ${t.name} bytes`);
    }
    if (rt.floatData?.length) assert.deepEqual(nums(readTensorValues(d, t)), rt.floatData);
  });
  for (const [ours, theirs] of [[g.input, rg.input], [g.output, rg.output], [g.valueInfo, rg.valueInfo]] as const) {
    assert.deepEqual(
      ours.map((v) => [v.name, v.type?.tensorType?.elemType, v.type?.tensorType?.shape?.dim.map((x) => x.dimParam ?? Number(x.dimValue))]),
      (theirs ?? []).map((v) => [v.name, v.type?.tensorType?.elemType ?? undefined, v.type?.tensorType?.shape?.dim?.map((x) => x.dimParam || num(x.dimValue))]),
    );
  }
}

test('small hand-built model agrees with the reference decoder', () => {
  const bytes = encodeModelProto(smallQdqModel());
  const d = decodeModel(new MemorySource(bytes, 'small.onnx'));
  compareWithReference(d, bytes);
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[3]!)), Array.from(new Float32Array([0.01, 0.02, 0.03, 0.04])));
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[4]!)), [0, 0, 0, 0]);
});

for (const file of [...checkedInModels(), ...sharedModels()]) {
  test(`agrees with the reference decoder: ${path.basename(file)}`, () => {
    const bytes = fs.readFileSync(file);
    compareWithReference(decodeModel(new MemorySource(bytes, file)), bytes);
  });
}

test('schema content newer than ONNX 1.10 decodes: FP8/INT4 types, block_size, output_dtype, saturate', () => {
  const model = smallQdqModel();
  const g = model.graph!;
  g.initializer!.push(
    { name: 'fp8_zp', dims: [], dataType: DataType.FLOAT8E4M3FN, rawData: new Uint8Array([0x38]) }, // 1.0 in E4M3FN
    { name: 'int4_w', dims: [4], dataType: DataType.INT4, rawData: new Uint8Array([0x21, 0xf8]) }, // 1, 2, -8, -1
  );
  g.node!.push({
    name: 'q_fp8', opType: 'QuantizeLinear', input: ['out', 'x_scale', 'fp8_zp'], output: ['fp8'],
    attribute: [
      { name: 'saturate', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      { name: 'block_size', type: onnx.AttributeProto.AttributeType.INT, i: 32 },
      { name: 'output_dtype', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT8E4M3FN },
    ],
  });
  g.output!.push(vi('fp8', [1, 4, 8, 8], DataType.FLOAT8E4M3FN));
  model.opsetImport = [{ domain: '', version: 21 }];
  const bytes = encodeModelProto(model);
  const d = decodeModel(new MemorySource(bytes, 'fp8.onnx'));
  const q = d.model.graph!.node.at(-1)!;
  assert.deepEqual(q.attribute.map((a) => [a.name, Number(a.i)]), [['saturate', 1], ['block_size', 32], ['output_dtype', 17]]);
  assert.equal(dataTypeName(d.model.graph!.output.at(-1)!.type!.tensorType!.elemType), 'FLOAT8E4M3FN');
  const [fp8, int4] = d.model.graph!.initializer.slice(-2);
  assert.deepEqual(nums(readTensorValues(d, fp8!)), [1]);
  assert.deepEqual(nums(readTensorValues(d, int4!)), [1, 2, -8, -1]);
  assert.equal(dataTypeName(99), 'UNKNOWN(99)');
  assert.ok(Buffer.from(encodeModelToBytes(d)).equals(Buffer.from(bytes)));
});

test('fields added after ONNX 1.10 (node metadata_props, graph metadata_props, tensor metadata_props) decode and re-encode', () => {
  const te = new TextEncoder();
  const entry = (k: string, v: string) => concatBytes(bytesField(1, te.encode(k)), bytesField(2, te.encode(v)));
  const node = concatBytes(bytesField(1, te.encode('x')), bytesField(2, te.encode('y')), bytesField(4, te.encode('Relu')), bytesField(9, entry('pass', 'fused')));
  const tensor = concatBytes(varintField(1, 2), varintField(2, 1), bytesField(8, te.encode('t')), bytesField(9, new Uint8Array(8)), bytesField(16, entry('origin', 'ptq')));
  const graph = concatBytes(bytesField(1, node), bytesField(2, te.encode('g')), bytesField(5, tensor),
    bytesField(11, onnx.ValueInfoProto.encode(vi('x', [2])).finish()), bytesField(12, onnx.ValueInfoProto.encode(vi('y', [2])).finish()),
    bytesField(16, entry('graph', 'meta')));
  const bytes = concatBytes(varintField(1, 10), bytesField(7, graph), bytesField(8, onnx.OperatorSetIdProto.encode({ domain: '', version: 21 }).finish()));
  const d = decodeModel(new MemorySource(bytes, 'new-fields.onnx'));
  assert.equal(d.unknownFields.count, 0);
  assert.deepEqual(d.model.graph!.node[0]!.metadataProps.map((p) => [p.key, p.value]), [['pass', 'fused']]);
  assert.deepEqual(d.model.graph!.initializer[0]!.metadataProps.map((p) => [p.key, p.value]), [['origin', 'ptq']]);
  assert.deepEqual(d.model.graph!.metadataProps.map((p) => [p.key, p.value]), [['graph', 'meta']]);
  markDirty(d.model.graph!.node[0]!);
  markDirty(d.model.graph!);
  assert.ok(Buffer.from(encodeModelToBytes(d)).equals(Buffer.from(bytes)));
});

test('files that are not ONNX at all say so, naming the file', () => {
  const cases: [string, Uint8Array][] = [
    ['notes.onnx', new TextEncoder().encode('This is a text file, not a model.\n')],
    ['image.onnx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['zip.onnx', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0])],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => decodeModel(new MemorySource(bytes, name)), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, new RegExp(`^${name.replace('.', '\\.')}: not a valid ONNX model: (probably not an ONNX file at all|no ir_version field|this looks like a zip archive)`), e.message);
      return true;
    });
  }
  // A real model that breaks after ir_version is a broken ONNX model, not "not ONNX".
  const good = encodeModelProto({ irVersion: 8, graph: { name: 'g' } });
  const broken = concatBytes(good, Uint8Array.from([0x3a, 0x7f])); // graph field claiming 127 bytes
  assert.throws(() => decodeModel(new MemorySource(broken, 'cut.onnx')), (e: unknown) =>
    e instanceof Error && e.message.startsWith('cut.onnx: not a valid ONNX model:') && !/probably not an ONNX file/.test(e.message));
});
