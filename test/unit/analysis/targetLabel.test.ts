/** The analysis target in words: one wording wherever it is shown (status bar, Findings view, engine check, CLI). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TARGET, targetLabel } from '../../../src/core/analysis/index';

test('short form for the status bar, long form for labels and messages', () => {
  assert.equal(targetLabel(DEFAULT_TARGET, 'short'), 'TRT 10 · INT8');
  assert.equal(targetLabel(DEFAULT_TARGET), 'TensorRT 10.x INT8');
  assert.equal(targetLabel({ trt: 8, precision: 'int8', stronglyTyped: false }), 'TensorRT 8.x INT8');
});

test('a strongly typed build says so in both forms', () => {
  const typed = { ...DEFAULT_TARGET, precision: 'fp8' as const, stronglyTyped: true };
  assert.equal(targetLabel(typed, 'short'), 'TRT 10 · FP8 · typed');
  assert.equal(targetLabel(typed), 'TensorRT 10.x FP8, strongly typed');
});
