/**
 * The copy the numeric check hands to ONNX Runtime: every externally stored tensor is read inline,
 * wherever it sits (a main-graph initializer, a Constant's value attribute, an If branch's own
 * initializer), since ONNX Runtime gets bytes and no folder to find data files in. Checked against
 * the same model written inline, by structure and by running both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inlineExternalData, NumericInputError, type NumericRuntime, prepareModelBytes, runNumericCheck } from '../../../src/core/numeric/index';
import { DataLocation, eachTensor, encodeModelToBytes, openModelFile, readTensorValues } from '../../../src/core/onnx/index';
import { makeTempDir } from '../../support/tempDir';
import { encodeModelProto, externalTensor, onnx, vi } from '../onnx/protoHelpers';
import { decodeBytes, runtimeOrSkip } from './support';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const values = { w: [1, 2, 3, 4], k: [10, 20, 30, 40], tb: [100, 200, 300, 400] };

/** y = If(true, then: (x + w + k) + tb, else: x + w + k); w, k and tb stored externally in data.bin, or inline. */
function model(external: boolean): Uint8Array {
  const offsets = { w: 0, k: 16, tb: 32 };
  const tensor = (name: keyof typeof values): onnx.ITensorProto =>
    external
      ? externalTensor(name, [4], [['location', 'data.bin'], ['offset', String(offsets[name])], ['length', '16']])
      : { name, dims: [4], dataType: FLOAT, rawData: new Uint8Array(new Float32Array(values[name]).buffer) };
  const TENSOR = onnx.AttributeProto.AttributeType.TENSOR;
  const GRAPH = onnx.AttributeProto.AttributeType.GRAPH;
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      input: [vi('x', [4])],
      output: [vi('y', [4])],
      initializer: [tensor('w')],
      node: [
        { opType: 'Constant', output: ['k'], attribute: [{ name: 'value', type: TENSOR, t: { ...tensor('k'), name: '' } }] },
        { opType: 'Constant', output: ['cond'], attribute: [{ name: 'value', type: TENSOR, t: { dims: [], dataType: onnx.TensorProto.DataType.BOOL, int32Data: [1] } }] },
        { opType: 'Add', input: ['x', 'w'], output: ['a'] },
        { opType: 'Add', input: ['a', 'k'], output: ['b'] },
        {
          opType: 'If',
          input: ['cond'],
          output: ['y'],
          attribute: [
            { name: 'then_branch', type: GRAPH, g: { name: 'then', initializer: [tensor('tb')], output: [vi('t', [4])], node: [{ opType: 'Add', input: ['b', 'tb'], output: ['t'] }] } },
            { name: 'else_branch', type: GRAPH, g: { name: 'else', output: [vi('e', [4])], node: [{ opType: 'Identity', input: ['b'], output: ['e'] }] } },
          ],
        },
      ],
    },
  });
}

function writeExternal(): string {
  const dir = makeTempDir('qdq-numeric-ext');
  fs.writeFileSync(path.join(dir, 'model.onnx'), model(true));
  fs.writeFileSync(path.join(dir, 'data.bin'), Buffer.from(new Float32Array([...values.w, ...values.k, ...values.tb]).buffer));
  return path.join(dir, 'model.onnx');
}

test('every external tensor is read inline: main graph, Constant attribute, If branch initializer', () => {
  const d = openModelFile(writeExternal());
  try {
    assert.equal(inlineExternalData(d), 3);
    let external = 0;
    eachTensor(d.model, (t) => void (t.dataLocation === DataLocation.EXTERNAL && external++));
    assert.equal(external, 0);
    // Encoded and read back (no folder now): each tensor holds its values inline, external_data gone.
    const back = decodeBytes(encodeModelToBytes(d), 'prepared.onnx');
    const seen: number[][] = [];
    eachTensor(back.model, (t) => {
      if (t.dataType !== FLOAT) return;
      assert.equal(t.dataLocation, DataLocation.DEFAULT);
      assert.deepEqual(t.externalData, []);
      seen.push(Array.from(readTensorValues(back, t), Number));
    });
    assert.deepEqual(seen, [values.w, values.k, values.tb]);
  } finally {
    d.source.close?.();
  }
});

test('ONNX Runtime runs the prepared copy of the external-data model as it runs the inline one', async (t) => {
  const rt = runtimeOrSkip();
  if (typeof rt === 'string') return t.skip(rt);
  const d = openModelFile(writeExternal());
  const run = async (bytes: Uint8Array, label: string) => {
    const s = await rt.createSession(bytes, label);
    try {
      return (await s.run({ x: { dims: [4], data: new Float32Array([0.5, 0.5, 0.5, 0.5]) } }, ['y']))['y']!.data;
    } finally {
      await s.release();
    }
  };
  try {
    const prepared = await run(prepareModelBytes(d, []), 'prepared');
    assert.deepEqual(Array.from(prepared!), [111.5, 222.5, 333.5, 444.5]);
    assert.deepEqual(Array.from((await run(encodeModelToBytes(decodeBytes(model(false), 'inline.onnx')), 'inline'))!), Array.from(prepared!));
  } finally {
    d.source.close?.();
  }
});

/** y = x + w, w ([n] floats) stored in a data file `w.bin` that is not there: reading it fails. */
/** x + w (w external, n floats); with `qdq`, the sum goes through a QuantizeLinear/DequantizeLinear pair. */
function addModel(dir: string, name: string, n: number, qdq = false): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    encodeModelProto({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        input: [vi('x', [n])],
        output: [vi('y', [n])],
        initializer: [externalTensor('w', [n], [['location', 'w.bin']]), ...(qdq ? [{ name: 's', dataType: 1, dims: [], floatData: [0.1] }] : [])],
        node: qdq
          ? [
              { opType: 'Add', input: ['x', 'w'], output: ['sum'] },
              { opType: 'QuantizeLinear', input: ['sum', 's'], output: ['q'] },
              { opType: 'DequantizeLinear', input: ['q', 's'], output: ['y'] },
            ]
          : [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      },
    }),
  );
  return file;
}

test('a model over 2 GB with its external data is refused by name before any data is read', () => {
  const dir = makeTempDir('qdq-numeric-big');
  // 600 M floats (2.4 GB) in a data file that is not even there: nothing may be read.
  const file = addModel(dir, 'big.onnx', 600_000_000);
  const d = openModelFile(file);
  try {
    assert.throws(() => prepareModelBytes(d, []), (e: unknown) => {
      assert.ok(e instanceof NumericInputError);
      assert.match(e.message, /big\.onnx: with its external data the model is 2\.24 GB; .* protobuf caps at 2 GB/);
      return true;
    });
  } finally {
    d.source.close?.();
  }
});

test('the numeric check measures both models against the cap before reading either one\'s data', async () => {
  const dir = makeTempDir('qdq-numeric-order');
  // The Q/DQ model is small, but its data file is missing: reading it first would fail with a TensorDataError.
  const qdq = openModelFile(addModel(dir, 'small.onnx', 4, true));
  const reference = openModelFile(addModel(dir, 'big.onnx', 600_000_000));
  const unused: NumericRuntime = { description: 'none', createSession: () => Promise.reject(new Error('no session may be created')) };
  try {
    await assert.rejects(
      runNumericCheck({ qdq, reference, referenceKind: 'file', samples: [{ label: 's0', feeds: { x: { dims: [4], data: new Float32Array(4) } } }], runtime: unused }),
      (e: unknown) => e instanceof NumericInputError && e.message.startsWith(`${reference.file}: with its external data the model is 2.24 GB`),
    );
  } finally {
    qdq.source.close?.();
    reference.source.close?.();
  }
});
