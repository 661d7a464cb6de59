/**
 * The graph overlay's heat is by rank: a numeric check's SQNRs (a few layers near 4 dB, most between
 * 10 and 40, a dozen at the 200 dB cap) must spread over the whole ramp, not crowd its hot end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankHeat, sensitivityOverlay } from '../../../src/core/sensitivity/overlay';
import { buildSensitivityReport, parseSensitivityText } from '../../../src/core/sensitivity/index';
import { ModuleIndex } from '../../../src/core/sensitivity/nameMapping';
import { ModelBuilder } from '../../support/modelBuilder';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';

test('rankHeat: evenly spaced by rank, ties share their mean position, either direction', () => {
  const lower = rankHeat([4.4, 10, 20, 200, 200], false);
  assert.equal(lower(4.4), 1);
  assert.equal(lower(10), 0.75);
  assert.equal(lower(20), 0.5);
  assert.equal(lower(200), 0.125); // positions 3 and 4 of 0..4
  const higher = rankHeat([0.1, 0.3, 0.2], true);
  assert.deepEqual([higher(0.3), higher(0.2), higher(0.1)], [1, 0.5, 0]);
  assert.equal(rankHeat([7], false)(7), 1);
  assert.equal(rankHeat([7, 7], true)(7), 1, 'all equal: all most sensitive, as before');
});

test('sensitivityOverlay: a numeric-check-like SQNR spread uses the whole ramp (values at the 200 dB cap do not squash it)', () => {
  const b = new ModelBuilder({ opset: 13, qdq: 'none', seed: 1 });
  let x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
  const n = 40;
  for (let i = 0; i < n; i++) x = b.convSilu(x, { module: `model.${i}`, cout: 4, k: 1 });
  b.output(x, 'output0');
  const decoded = decodeModel(new MemorySource(b.toBytes(), 'm.onnx'), { file: 'm.onnx' });
  const index = ModuleIndex.fromNodes(decoded.model.graph!.node);
  // 2 bad layers, 30 spread between 10 and 40 dB, 8 at the cap.
  const values = [4.4, 5.1, ...Array.from({ length: 30 }, (_, i) => 10 + i), ...Array.from({ length: 8 }, () => 200)];
  const json = {
    format: 'qdq-sensitivity', version: 1, source: { tool: 'qdq-studio' },
    metrics: { localSqnr: { direction: 'lower-is-more-sensitive', baseline: 0, unit: 'dB' } },
    layers: values.map((v, i) => ({ name: `/model.${i}/conv/Conv`, kind: 'node', values: { localSqnr: v } })),
  };
  const report = buildSensitivityReport(parseSensitivityText(JSON.stringify(json), 'n.qdq-sensitivity.json'), index);
  assert.equal(report.entries.filter((e) => e.onnxNodes.length).length, n);
  const o = sensitivityOverlay(report);
  const heats = values.map((_, i) => o.nodes[`/model.${i}/conv/Conv`]!.heat!);
  const topFifth = heats.filter((h) => h >= 0.8).length;
  assert.ok(topFifth <= Math.ceil(n / 5), `${topFifth} of ${n} layers in the top fifth of the ramp: ${heats.join(' ')}`);
  assert.equal(heats[0], 1);
  assert.ok(heats[31]! > 0.2, `the least bad of the spread (40 dB) is still above the capped ones: ${heats[31]}`);
  assert.ok(heats.slice(32).every((h) => h < 0.1 && h === heats[32]), 'the capped layers share the cold end');
});
