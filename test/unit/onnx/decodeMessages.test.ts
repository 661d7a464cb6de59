/**
 * Numbers in the decoder's refusals (the object budget, the heap guard) are grouped as
 * toLocaleString('en-US') groups them, without loading ICU's number formatting (grouped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grouped } from '../../../src/core/onnx/decodeContext';
import { ModelTooLargeError, MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { encodeModelProto, smallQdqModel } from './protoHelpers';

test('grouped writes integers as toLocaleString("en-US") does, and other numbers through it', () => {
  const values = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 12_345, 123_456, 999_999, 1_000_000, 4_194_304, 10_000_007, 2 ** 31, 2 ** 53 - 1, -1, -999, -1000, -1_234_567];
  for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10 ** (1 + (i % 16))) * (i % 3 === 0 ? -1 : 1));
  for (const n of [...values, 0.5, 1234.5678, 2 ** 60, -(2 ** 60), Infinity, -Infinity, NaN]) {
    assert.equal(grouped(n), n.toLocaleString('en-US'), String(n));
  }
});

test('the object budget refusal names the limit grouped', () => {
  const bytes = encodeModelProto(smallQdqModel());
  assert.throws(
    () => decodeModel(new MemorySource(bytes, 'm.onnx'), { maxObjectWeight: 12 }),
    (e: unknown) => e instanceof ModelTooLargeError && e.message.includes('the limit is 12 (one per byte of the file, at least 4,194,304)'),
  );
});
