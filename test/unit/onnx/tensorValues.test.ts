/**
 * Tensor values of the sub-byte and newest types, in each layout onnx.proto allows: raw_data
 * (packed) and int32_data, where a 4-bit type holds two elements per entry, a 2-bit type four and a
 * FLOAT6 type one (bits 0-5), as onnx.helper.make_tensor writes them. Expected values are worked
 * out from the spec's packing rules; when the python3 on PATH has an onnx that knows these types,
 * the same tensors are also read by onnx.numpy_helper and compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataTypeName, rawByteLength } from '../../../src/core/onnx/dataTypes';
import { type DecodedModel, DataType, decodeModel, MemorySource, readTensorBytes, readTensorValues, TensorDataError } from '../../../src/core/onnx/index';
import { encodeModelProto, onnx } from './protoHelpers';

interface Case {
  name: string;
  dataType: number;
  dims: number[];
  int32Data?: number[];
  rawData?: number[];
  stringData?: string[];
  /** The element values (NaN compares equal to NaN). */
  values?: number[];
}

const CASES: Case[] = [
  // INT4 [1, -2, 3, -1, 2]: nibbles 1, 0xE | 3, 0xF | 2 -> bytes 0xE1, 0xF3, 0x02.
  { name: 'int4_i32', dataType: DataType.INT4, dims: [5], int32Data: [0xe1, 0xf3, 0x02], values: [1, -2, 3, -1, 2] },
  { name: 'int4_raw', dataType: DataType.INT4, dims: [5], rawData: [0xe1, 0xf3, 0x02], values: [1, -2, 3, -1, 2] },
  // Two elements are one entry: [3, -2] is 0x E3, not two entries.
  { name: 'int4_pair', dataType: DataType.INT4, dims: [2], int32Data: [0xe3], values: [3, -2] },
  { name: 'uint4_i32', dataType: DataType.UINT4, dims: [2], int32Data: [0x93], values: [3, 9] },
  // FLOAT4E2M1: 0b0010 = 1.0, 0b1011 = -1.5, 0b0111 = 6 (the largest).
  { name: 'fp4_i32', dataType: DataType.FLOAT4E2M1, dims: [3], int32Data: [0xb2, 0x07], values: [1, -1.5, 6] },
  // INT2 [1, -2, -1, 0, 1]: codes 01, 10, 11, 00 | 01 -> 0b00111001 = 57, 1.
  { name: 'int2_i32', dataType: DataType.INT2, dims: [5], int32Data: [57, 1], values: [1, -2, -1, 0, 1] },
  { name: 'int2_raw', dataType: DataType.INT2, dims: [5], rawData: [57, 1], values: [1, -2, -1, 0, 1] },
  { name: 'uint2_i32', dataType: DataType.UINT2, dims: [3], int32Data: [0b100011], values: [3, 0, 2] },
  // FLOAT6E2M3 (bias 1): 0b001000 = 1, 0b101100 = -1.5, 0b011111 = 7.5, 0b000001 = 0.125 (subnormal).
  { name: 'fp6e2m3_i32', dataType: DataType.FLOAT6E2M3, dims: [4], int32Data: [8, 44, 31, 1], values: [1, -1.5, 7.5, 0.125] },
  // The same four in raw_data's bit stream: 8 | (44 & 3) << 6, 44 >> 2 | (31 & 15) << 4, 31 >> 4 | 1 << 2.
  { name: 'fp6e2m3_raw', dataType: DataType.FLOAT6E2M3, dims: [4], rawData: [8, 251, 5], values: [1, -1.5, 7.5, 0.125] },
  // FLOAT6E3M2 (bias 3): 0b001100 = 1, 0b011111 = 28, 0b100001 = -0.0625 (subnormal); 3 elements in ceil(18 / 8) = 3 bytes.
  { name: 'fp6e3m2_i32', dataType: DataType.FLOAT6E3M2, dims: [3], int32Data: [12, 31, 33], values: [1, 28, -0.0625] },
  // FLOAT8E8M0: 2^(e - 127), 0xFF is NaN.
  { name: 'e8m0_i32', dataType: DataType.FLOAT8E8M0, dims: [4], int32Data: [127, 128, 0xff, 120], values: [1, 2, NaN, 2 ** -7] },
];

function model(cases: Case[]): Uint8Array {
  return encodeModelProto({
    irVersion: 11,
    opsetImport: [{ domain: '', version: 23 }],
    graph: {
      name: 'g',
      initializer: cases.map((c) => ({
        name: c.name, dims: c.dims, dataType: c.dataType,
        ...(c.int32Data ? { int32Data: c.int32Data } : {}),
        ...(c.rawData ? { rawData: new Uint8Array(c.rawData) } : {}),
        ...(c.stringData ? { stringData: c.stringData.map((s) => new TextEncoder().encode(s)) } : {}),
      })),
      output: cases.map((c) => ({ name: c.name })),
    } as onnx.IGraphProto,
  });
}

const open = (bytes: Uint8Array): DecodedModel => decodeModel(new MemorySource(bytes, 'types.onnx'));
const tensor = (d: DecodedModel, name: string) => d.model.graph!.initializer.find((t) => t.name === name)!;
const same = (actual: ArrayLike<number | bigint>, expected: number[], what: string) =>
  assert.deepEqual(Array.from(actual, (v) => (Number.isNaN(Number(v)) ? 'NaN' : Number(v))), expected.map((v) => (Number.isNaN(v) ? 'NaN' : v)), what);

test('sub-byte and FLOAT6 / E8M0 tensors read their values from int32_data (packed entries, as onnx.proto says) and raw_data', () => {
  const d = open(model(CASES));
  for (const c of CASES) same(readTensorValues(d, tensor(d, c.name)), c.values!, c.name);
});

test('int32_data and raw_data of the same values give the same raw bytes', () => {
  const d = open(model(CASES));
  const pairs = [['int4_i32', 'int4_raw'], ['int2_i32', 'int2_raw'], ['fp6e2m3_i32', 'fp6e2m3_raw']] as const;
  for (const [a, b] of pairs) assert.deepEqual([...readTensorBytes(d, tensor(d, a))], [...readTensorBytes(d, tensor(d, b))], `${a} vs ${b}`);
});

test('an int32_data list of the wrong length for its packing is refused with the count it needs, never read short or padded', () => {
  const bad: Case[] = [
    // One element per entry (the layout before onnx.proto settled it): 5 entries for 5 INT4 elements.
    { name: 'int4_unpacked', dataType: DataType.INT4, dims: [5], int32Data: [1, 14, 3, 15, 2] },
    { name: 'int2_short', dataType: DataType.INT2, dims: [5], int32Data: [57] },
    { name: 'fp6_short', dataType: DataType.FLOAT6E3M2, dims: [3], int32Data: [12, 31] },
  ];
  const d = open(model(bad));
  const expect = { int4_unpacked: /int32_data has 5 entries; 5 INT4 elements packed 2 per entry need 3/, int2_short: /has 1 entries; 5 INT2 elements packed 4 per entry need 2/, fp6_short: /has 2 entries; 3 FLOAT6E3M2 elements need one each/ };
  for (const c of bad) {
    assert.throws(() => readTensorValues(d, tensor(d, c.name)), (e: unknown) => {
      assert.ok(e instanceof TensorDataError, String(e));
      assert.match(e.message, expect[c.name as keyof typeof expect]);
      assert.match(e.message, /types\.onnx/);
      assert.match(e.message, new RegExp(c.name));
      return true;
    });
  }
});

test('a STRING tensor says its elements are strings rather than "no data"', () => {
  const d = open(model([{ name: 'labels', dataType: DataType.STRING, dims: [2], stringData: ['person', 'bicycle'] }]));
  assert.throws(() => readTensorBytes(d, tensor(d, 'labels')), /'labels'.*string_data: its elements are strings/);
});

test('the FLOAT6 types have names and sizes (IR 14): 4 elements in 3 bytes', () => {
  assert.equal(dataTypeName(27), 'FLOAT6E2M3');
  assert.equal(dataTypeName(28), 'FLOAT6E3M2');
  assert.equal(rawByteLength(27, 4), 3);
  assert.equal(rawByteLength(28, 3), 3);
  assert.equal(rawByteLength(28, 5), 4);
});

// The reference implementation, when the python3 on PATH has an onnx new enough (1.23 knows every
// type above; Debian's 1.12 knows none of them, and the test says so).
const probe = spawnSync('python3', ['-c', 'import onnx, numpy; from onnx import TensorProto as T; T.FLOAT6E3M2; T.FLOAT8E8M0; print(onnx.__version__)'], { encoding: 'utf8' });
const pySkip = probe.status === 0 ? false : 'python3 has no onnx that knows FLOAT6/INT2 (needs onnx >= 1.23): the cross-check with onnx.numpy_helper is skipped';

test('onnx.numpy_helper reads the same values from the same file', { skip: pySkip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-types-'));
  try {
    const file = path.join(dir, 'types.onnx');
    fs.writeFileSync(file, model(CASES));
    const script = [
      'import json, sys, onnx, numpy as np',
      'from onnx import numpy_helper',
      'm = onnx.load(sys.argv[1])',
      'out = {}',
      'for t in m.graph.initializer:',
      '    a = numpy_helper.to_array(t)',
      '    out[t.name] = [None if np.isnan(v) else v for v in a.astype(np.float64).ravel().tolist()]',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as Record<string, (number | null)[]>;
    for (const c of CASES) same(ref[c.name]!.map((v) => (v === null ? NaN : v)), c.values!, `onnx ${onnx.TensorProto.DataType[c.dataType] ?? c.dataType} ${c.name}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
