/**
 * `qdq info --json` figures that must not depend on what a model claims or on the machine:
 * `initializerBytes` counts an external tensor of a fixed-size type by its shape and type (not a
 * `length` entry a read would refuse), op types that tie are in code-unit order (not the locale's),
 * and a non-tensor graph input says its kind (`sequence`, `map`, `optional`) as docs/cli.md says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { makeTempDir } from '../../support/tempDir';
import { encodeModelProto, externalTensor, onnx, vi } from '../onnx/protoHelpers';

const { FLOAT, STRING } = onnx.TensorProto.DataType;

async function info(file: string): Promise<{ initializerBytes: number; opTypeCounts: Record<string, number>; inputs: { name: string; dtype: string }[] }> {
  const r = await qdq('info', file, '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

test('initializerBytes: an external FLOAT [2, 3] whose length says 99,999,999,999 counts 24; a string tensor counts its length', async () => {
  const dir = makeTempDir('qdq-info-bytes');
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      output: [vi('w', [2, 3])],
      initializer: [
        externalTensor('w', [2, 3], [['location', 'd.data'], ['offset', '0'], ['length', '99999999999']]),
        externalTensor('ok', [4], [['location', 'd.data'], ['offset', '0'], ['length', '16']]),
        externalTensor('names', [2], [['location', 'd.data'], ['offset', '0'], ['length', '10']], STRING),
      ],
    },
  }));
  fs.writeFileSync(path.join(dir, 'd.data'), Buffer.alloc(24));
  assert.equal((await info(file)).initializerBytes, 24 + 16 + 10);
});

test('opTypeCounts: ties in code-unit order, whatever the locale (Zeta before alpha)', async () => {
  const dir = makeTempDir('qdq-info-ops');
  const file = path.join(dir, 'm.onnx');
  const node = (opType: string, i: number) => ({ name: `n${i}`, opType, domain: 'custom', input: ['x'], output: [`y${i}`] });
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }, { domain: 'custom', version: 1 }],
    graph: { name: 'g', input: [vi('x', [1])], output: [vi('y0', [1])], node: [node('alpha', 0), node('Zeta', 1), node('beta', 2), node('Beta', 3), node('beta', 4)] },
  }));
  assert.deepEqual(Object.entries((await info(file)).opTypeCounts), [['custom::beta', 2], ['custom::Beta', 1], ['custom::Zeta', 1], ['custom::alpha', 1]]);
});

test('inputs[].dtype: sequence, map and optional inputs say their kind; a tensor its element type', async () => {
  const dir = makeTempDir('qdq-info-types');
  const file = path.join(dir, 'm.onnx');
  const tensor = { tensorType: { elemType: FLOAT } };
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'g',
      input: [
        vi('x', [1]),
        { name: 'seq', type: { sequenceType: { elemType: tensor } } },
        { name: 'map', type: { mapType: { keyType: onnx.TensorProto.DataType.INT64, valueType: tensor } } },
        { name: 'opt', type: { optionalType: { elemType: tensor } } },
        { name: 'untyped' },
      ],
      output: [vi('x', [1])],
    },
  }));
  assert.deepEqual((await info(file)).inputs.map((i) => [i.name, i.dtype]), [['x', 'FLOAT'], ['seq', 'sequence'], ['map', 'map'], ['opt', 'optional'], ['untyped', '']]);
});

test('a graph split in two ModelProto.graph fields: info counts both parts and says the fields were merged', async () => {
  const dir = makeTempDir('qdq-info-merged');
  const file = path.join(dir, 'm.onnx');
  const relu = (name: string, input: string, output: string) => ({ name, opType: 'Relu', input: [input], output: [output] });
  const first = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', input: [vi('x', [1])], node: [relu('r1', 'x', 'y')] },
  });
  // A second `graph` field (field 7): protobuf merges it into the first (repeated fields concatenate).
  const second = encodeModelProto({ graph: { node: [relu('r2', 'y', 'z')], output: [vi('z', [1])] } });
  fs.writeFileSync(file, Buffer.concat([first, second]));
  const r = await qdq('info', file, '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.equal(json.nodeCount, 2);
  assert.equal(json.mergedFieldCount, 1);
  assert.deepEqual(json.mergedFields, { 'graph (GraphProto)': 1 });
  const text = await qdq('info', file);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^ {2}1 later occurrence of single fields, merged into the first as protobuf reads them \(kept on save unless edited\): graph \(GraphProto\) 1$/m);
  // A model without such fields says nothing of it.
  fs.writeFileSync(file, first);
  const plain = await qdq('info', file);
  assert.doesNotMatch(plain.out, /occurrence/);
  assert.equal(JSON.parse((await qdq('info', file, '--json')).out).mergedFieldCount, 0);
});
