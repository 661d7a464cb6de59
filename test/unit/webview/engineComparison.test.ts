import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparisonCells } from '../../../webview/engine/comparison';

describe('engine report comparison table', () => {
  it('reads left to right: the baseline, this engine, the change from the baseline to this engine', () => {
    const t = comparisonCells({
      engine: 'yolov9t-qat.qdq',
      baseline: 'yolov9t-qat.fp16',
      rows: [
        { label: 'Layers', engine: 73, baseline: 58, delta: 15, deltaPct: 25.86, better: 'lower' },
        { label: 'Throughput (qps)', engine: 1005.92, baseline: 800, delta: 205.92, deltaPct: 25.74, better: 'higher' },
        { label: 'Reformats', engine: 3, baseline: 3, delta: 0, deltaPct: 0, better: 'lower' },
      ],
    });
    assert.deepEqual(t.header, ['', 'yolov9t-qat.fp16 (baseline)', 'yolov9t-qat.qdq', 'change from yolov9t-qat.fp16']);
    assert.deepEqual(t.rows[0], { cells: ['Layers', '58', '73', '+15 (+25.9%)'], good: 'worse' });
    assert.deepEqual(t.rows[1], { cells: ['Throughput (qps)', '800', '1005.92', '+205.92 (+25.7%)'], good: 'better' });
    assert.deepEqual(t.rows[2]!.good, '');
  });
});
