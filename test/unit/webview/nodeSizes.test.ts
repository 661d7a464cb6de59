/**
 * Node boxes fit the labels the webview draws on them: the host sizes each box (viewNodeSizes) from
 * the same text the webview draws (nodeLabel), so `W 128×128×1×1 INT8` stays inside its Conv box.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { toElements } from '../../../webview/graph/viewModel';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

describe('node boxes fit their drawn labels', () => {
  for (const mode of ['folded', 'raw'] as const) {
    it(`${mode}: every label line of a detector-sized model (convs of 128 channels, INT8 weights) fits its box`, () => {
      const d = decodeModel(new MemorySource(yoloLike({ ...YOLO_PRESETS.tiny, width: 32, qdq: 'good' }).toBytes(), 'wide.onnx'));
      const view = buildViewGraph(d, { mode });
      const font = { charWidth: 8.1, lineHeight: 19 }; // a measured editor font (fontMetrics.ts)
      const padX = 16;
      const padY = 8;
      const sizes = viewNodeSizes(view, { ...font, padX, padY });
      const layout = layoutToJson(layoutViewGraph(view, { sizes }), sizes);
      const els = toElements(view, layout);
      let longest = '';
      for (const n of els.nodes) {
        const lines = n.data.label.split('\n');
        for (const line of lines) {
          if (line.length > longest.length) longest = line;
          assert.ok(line.length * font.charWidth + padX <= n.data.w, `"${line}" (${line.length} characters) is drawn in a box ${n.data.w} px wide`);
        }
        assert.ok(lines.length * font.lineHeight + padY <= n.data.h, `${lines.length} lines in a box ${n.data.h} px high`);
      }
      if (mode === 'folded') {
        // The case: a conv's weights line is longer than the 16 characters boxes used to assume.
        const conv = els.nodes.find((n) => n.data.label === 'Conv\nW 128×128×1×1 INT8');
        assert.ok(conv, `a 128-channel conv is drawn (longest line: "${longest}")`);
      }
    });
  }
});
