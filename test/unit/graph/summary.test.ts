/**
 * summarizeModel: initializerBytes counts sparse initializers (their values and indices tensors,
 * inline or external) besides dense ones, and their data files are listed.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeModel } from '../../../src/core/graph/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { encodeModelProto, onnx, vi } from '../onnx/protoHelpers';

const T = onnx.TensorProto.DataType;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;
const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const i64 = (values: number[]): Uint8Array => new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);

function sparseModel(): Uint8Array {
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'sparse',
      input: [vi('x', [2, 3])],
      output: [vi('y', [2, 3])],
      initializer: [{ name: 'w', dims: [2, 3], dataType: T.FLOAT, rawData: f32([1, 2, 3, 4, 5, 6]) }], // 24 bytes
      sparseInitializer: [
        {
          // 3 FLOAT values (12 bytes, float_data) at 3 INT64 linear indices (24 bytes, int64_data)
          values: { name: 'sp_linear', dims: [3], dataType: T.FLOAT, floatData: [1, 2, 3] },
          indices: { name: 'sp_linear_idx', dims: [3], dataType: T.INT64, int64Data: [0, 4, 9] },
          dims: [10],
        },
        {
          // 2 FLOAT values (8 bytes, raw_data) at [2, 2] coordinates (32 bytes, raw_data)
          values: { name: 'sp_coo', dims: [2], dataType: T.FLOAT, rawData: f32([7, 8]) },
          indices: { name: 'sp_coo_idx', dims: [2, 2], dataType: T.INT64, rawData: i64([0, 1, 1, 2]) },
          dims: [2, 3],
        },
        {
          // values in an external file (16 bytes by its length entry), indices inline (16 bytes)
          values: {
            name: 'sp_ext', dims: [4], dataType: T.FLOAT, dataLocation: EXTERNAL,
            externalData: [{ key: 'location', value: 'sparse.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: '16' }],
          },
          indices: { name: 'sp_ext_idx', dims: [2], dataType: T.INT64, int64Data: [1, 3] },
          dims: [2, 2],
        },
      ],
      node: [{ name: 'add', opType: 'Add', input: ['x', 'w'], output: ['y'] }],
    },
  });
}

test('initializerBytes includes the values and indices of sparse initializers', () => {
  const d = decodeModel(new MemorySource(sparseModel(), 'sparse.onnx'));
  assert.equal(d.model.graph!.sparseInitializer.length, 3);
  const s = summarizeModel(d);
  assert.equal(s.initializerBytes, 24 + (12 + 24) + (8 + 32) + (16 + 16));
  assert.equal(s.initializerCount, 1, 'initializerCount counts dense initializers only');
  assert.equal(s.sparseInitializerCount, 3);
  assert.deepEqual(s.externalDataFiles, ['sparse.bin']);
});

test('a model without sparse initializers counts its dense initializers only', () => {
  const bytes = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'dense',
      input: [vi('x', [2])],
      output: [vi('y', [2])],
      initializer: [{ name: 'w', dims: [2], dataType: T.FLOAT, rawData: f32([1, 2]) }],
      node: [{ name: 'add', opType: 'Add', input: ['x', 'w'], output: ['y'] }],
    },
  });
  const s = summarizeModel(decodeModel(new MemorySource(bytes, 'dense.onnx')));
  assert.equal(s.initializerBytes, 8);
  assert.deepEqual(s.externalDataFiles, []);
});
