/** External data: lazy resolution relative to the model, clear errors naming the data file, refused escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import {
  openModelFile, readTensorValues, resolveExternalData, saveModelFile, TensorDataError, tensorByteLength,
} from '../../../src/core/onnx/index';
import { summarizeModel } from '../../../src/core/graph/index';
import { encodeModelProto, onnx, vi } from './protoHelpers';

/** Element values as plain numbers (bigint types included). */
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tmpDir(): string {
  return makeTempDir('qdq-ext-');
}

/** Model with three external initializers in one data file (+ one inline), like onnx's save_as_external_data. */
function writeExternalModel(dir: string, location = 'weights.bin', options: { truncateData?: number; omitData?: boolean } = {}) {
  const a = new Float32Array(Array.from({ length: 64 }, (_, i) => i * 0.5));
  const b = new Float32Array(Array.from({ length: 16 }, (_, i) => -i));
  const c = new Int8Array(Array.from({ length: 10 }, (_, i) => i - 5));
  const data = Buffer.alloc(4096 + b.byteLength);
  Buffer.from(a.buffer).copy(data, 0);
  Buffer.from(c.buffer).copy(data, 256);
  Buffer.from(b.buffer).copy(data, 4096); // aligned offset, as onnx does for large tensors
  const ext = (offset: number, length: number) => [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
  const model = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'ext',
      input: [vi('x', [64])],
      output: [vi('y', [64])],
      initializer: [
        { name: 'a', dims: [64], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(0, a.byteLength) },
        { name: 'c', dims: [10], dataType: onnx.TensorProto.DataType.INT8, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(256, c.byteLength) },
        { name: 'b', dims: [4, 4], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(4096, b.byteLength) },
        { name: 'inline', dims: [2], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([1.5, 2.5]).buffer) },
      ],
      node: [{ name: 'add', opType: 'Add', input: ['x', 'a'], output: ['y'] }],
    },
  });
  const modelPath = path.join(dir, 'model.onnx');
  fs.writeFileSync(modelPath, model);
  if (!options.omitData) {
    const dataPath = path.join(dir, location);
    fs.mkdirSync(path.dirname(dataPath), { recursive: true });
    fs.writeFileSync(dataPath, options.truncateData !== undefined ? data.subarray(0, options.truncateData) : data);
  }
  return { modelPath, a, b, c };
}

test('external tensors are read one by one, relative to the model file', () => {
  const dir = tmpDir();
  const { modelPath, a, b, c } = writeExternalModel(dir);
  const d = openModelFile(modelPath);
  const [ta, tc, tb, ti] = d.model.graph!.initializer;
  assert.deepEqual(nums(readTensorValues(d, ta!)), Array.from(a));
  assert.deepEqual(nums(readTensorValues(d, tc!)), Array.from(c));
  assert.deepEqual(nums(readTensorValues(d, tb!)), Array.from(b));
  assert.deepEqual(nums(readTensorValues(d, ti!)), [1.5, 2.5]);
  assert.equal(tensorByteLength(tb!), 64);
  const info = resolveExternalData(tb!, modelPath);
  assert.equal(info.path, path.join(dir, 'weights.bin'));
  assert.equal(info.offset, 4096);
  const s = summarizeModel(d);
  assert.deepEqual(s.externalDataFiles, ['weights.bin']);
  assert.equal(s.initializerBytes, 256 + 10 + 64 + 8);
  d.source.close?.();
});

test('opening never reads the data file: a missing data file is reported only when a tensor is read, naming it', () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir, 'sub/weights.bin', { omitData: true });
  const d = openModelFile(modelPath); // no throw
  assert.equal(d.model.graph!.initializer.length, 4);
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!), (e: unknown) => {
    assert.ok(e instanceof TensorDataError);
    assert.match(e.message, /sub\/weights\.bin/);
    assert.match(e.message, /model\.onnx/);
    assert.match(e.message, /does not exist/);
    return true;
  });
  // the inline tensor still reads
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[3]!)), [1.5, 2.5]);
});

test('a short data file is reported with the byte range it lacks', () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir, 'weights.bin', { truncateData: 4100 });
  const d = openModelFile(modelPath);
  assert.deepEqual(readTensorValues(d, d.model.graph!.initializer[0]!).length, 64); // first tensor is complete
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[2]!), /weights\.bin' is too short: needs bytes 4096\.\.4160, file has 4100/);
});

for (const bad of ['../outside.bin', '../../etc/passwd', 'sub/../../x.bin', '/etc/passwd', 'C:\\weights.bin', '..']) {
  test(`external data location '${bad}' is refused`, () => {
    const dir = tmpDir();
    const { modelPath } = writeExternalModel(dir, 'weights.bin');
    const d = openModelFile(modelPath);
    const t = d.model.graph!.initializer[0]!;
    t.externalData.find((e) => e.key === 'location')!.value = bad;
    assert.throws(() => readTensorValues(d, t), (e: unknown) => {
      assert.ok(e instanceof TensorDataError);
      assert.match(e.message, /absolute path|escapes the model's folder/);
      return true;
    });
  });
}

test('saving a model with external data leaves the data file untouched and keeps it readable', () => {
  const dir = tmpDir();
  const { modelPath, b } = writeExternalModel(dir);
  const dataPath = path.join(dir, 'weights.bin');
  const before = fs.readFileSync(dataPath);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(dataPath, old, old);
  const mtime = fs.statSync(dataPath).mtimeMs;
  const d = openModelFile(modelPath);
  const out = path.join(dir, 'copy.onnx');
  saveModelFile(d, out);
  assert.deepEqual(fs.readFileSync(out), fs.readFileSync(modelPath));
  assert.equal(fs.statSync(dataPath).mtimeMs, mtime);
  assert.deepEqual(fs.readFileSync(dataPath), before);
  const d2 = openModelFile(out);
  assert.deepEqual(nums(readTensorValues(d2, d2.model.graph!.initializer[2]!)), Array.from(b));
});
