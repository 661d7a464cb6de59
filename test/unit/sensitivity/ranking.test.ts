/** Ranking: delta against the baseline, direction, ties in file order, unmeasured layers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDelta, parseSensitivityText, rankLayers, UnknownMetricError, type SensitivityResult } from '../../../src/core/sensitivity/index';
import { repoRoot } from '../../support/fixtures';

const dir = path.join(repoRoot, 'test', 'fixtures', 'sensitivity');
const load = (f: string): SensitivityResult => parseSensitivityText(fs.readFileSync(path.join(dir, f), 'utf8'), f);

test('yolov9-qat fixture: rank 1 is the highest AP, delta = ap - PTQ, ties keep file order', () => {
  const r = rankLayers(load('summary-sensitive-analysis.json'));
  assert.equal(r.metric.name, 'ap');
  assert.deepEqual(
    r.entries.map((e) => [e.rank, e.name, e.delta]),
    [
      [1, 'model.22', 0.0053],
      [2, 'model.15', 0.0016],
      [3, 'model.0', 0.0014],
      [4, 'model.4', 0.0011],
      [5, 'model.21', 0.001],
      [6, 'model.2', 0.0009],
      [7, 'model.9', 0.0008],
      [8, 'model.6', 0.0007],
      [9, 'model.1', 0.0006], // ties with model.18: model.1 comes first in the file
      [10, 'model.18', 0.0006],
      [11, 'model.8', 0.0005],
      [12, 'model.12', 0.0004],
      [13, 'model.3', 0.0003], // ties with model.16
      [14, 'model.16', 0.0003],
      [15, 'model.5', 0.0002],
      [16, 'model.7', 0.0001],
      [17, 'model.19', -0.0001], // quantizing it costs nothing measurable: below PTQ
    ],
  );
  assert.deepEqual(r.notMeasured, []);
});

test('the ranking does not depend on the order of the file except for ties', () => {
  const a = load('summary-sensitive-analysis.json');
  const reversed: SensitivityResult = { ...a, layers: [...a.layers].reverse() };
  const names = (x: SensitivityResult): string[] => rankLayers(x).entries.map((e) => e.name);
  const swapTies = (l: string[]): string[] => l.map((n) => ({ 'model.1': 'model.18', 'model.18': 'model.1', 'model.3': 'model.16', 'model.16': 'model.3' })[n] ?? n);
  assert.deepEqual(names(reversed), swapTies(names(a)));
});

test('lower-is-more-sensitive metrics rank ascending; layers without the metric are listed, not ranked', () => {
  const r = rankLayers(load('example.qdq-sensitivity.json'), 'output_sqnr_db');
  assert.deepEqual(r.entries.map((e) => [e.rank, e.name, e.value, e.delta]), [
    [1, 'model.22', 24.2, 2.7],
    [2, '/model.22/cv3.0/cv3.0.1/conv/Conv', 26.7, 5.2],
    [3, 'model.15', 29.4, 7.9],
    [4, 'model.9', 31.9, 10.4],
    [5, 'model.0', 33.1, 11.6],
    [6, 'model.4', 35.8, 14.3],
  ]);
  assert.deepEqual(r.notMeasured, ['model.19']);
  const ap = rankLayers(load('example.qdq-sensitivity.json'));
  assert.equal(ap.metric.name, 'ap', 'the first declared metric is the default');
  assert.deepEqual(ap.notMeasured, ['/model.22/cv3.0/cv3.0.1/conv/Conv']);
});

test('without a baseline (a top-10 log without PTQ), deltas are null and ranks still hold', () => {
  const r = rankLayers(parseSensitivityText('Top0: Using fp16 model.3, ap = 0.41000\nTop1: Using fp16 model.1, ap = 0.40000\n', 'top.log'));
  assert.deepEqual(r.entries.map((e) => [e.rank, e.name, e.delta]), [[1, 'model.3', null], [2, 'model.1', null]]);
});

test('an unknown metric is a typed error naming the file and the metrics it has', () => {
  assert.throws(() => rankLayers(load('example.qdq-sensitivity.json'), 'sqnr'), (e: unknown) => {
    assert.ok(e instanceof UnknownMetricError);
    assert.equal(e.message, 'example.qdq-sensitivity.json: no metric "sqnr" (metrics: ap, output_sqnr_db)');
    return true;
  });
});

test('formatDelta', () => {
  assert.equal(formatDelta(0.0041), '+0.0041');
  assert.equal(formatDelta(-0.0012), '-0.0012');
  assert.equal(formatDelta(0), '+0.0000');
  assert.equal(formatDelta(2.7, 1), '+2.7');
  assert.equal(formatDelta(null), 'n/a');
});
