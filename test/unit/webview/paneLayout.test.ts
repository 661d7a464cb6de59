/** How the graph tab shares its body between the canvas and the properties pane (webview/graph/paneLayout.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPACT_LEGEND_BELOW, graphBodyLayout, SIDE_MIN_WIDTH } from '../../../webview/graph/paneLayout';

describe('properties pane placement', () => {
  it('the audit: a split editor (550 px) gave the graph ~210 px beside a 340 px pane; now the pane goes below and the graph keeps the width', () => {
    const l = graphBodyLayout(550, 650, false);
    assert.equal(l.props, 'below');
    assert.equal(l.canvasWidth, 550);
    assert.ok(l.propsSize >= 120 && l.propsSize <= 300, `pane ${l.propsSize} px high`);
    assert.ok(l.canvasHeight >= 650 / 2, `canvas ${l.canvasHeight} px high, at least half`);
    assert.equal(l.compactLegend, true, 'a 550 px canvas gets the compact legend');
  });

  it('wide: beside the canvas, 35% of the width within 200–340 px', () => {
    assert.deepEqual(graphBodyLayout(1100, 700, false), { props: 'side', propsSize: 340, canvasWidth: 760, canvasHeight: 700, compactLegend: false });
    const mid = graphBodyLayout(800, 700, false);
    assert.equal(mid.props, 'side');
    assert.equal(mid.propsSize, 280);
    assert.equal(mid.canvasWidth, 520);
    assert.equal(graphBodyLayout(SIDE_MIN_WIDTH, 700, false).propsSize, 224);
    assert.equal(graphBodyLayout(3000, 700, false).propsSize, 340, 'never wider than 340');
    for (let w = SIDE_MIN_WIDTH; w <= 2000; w += 37) {
      const l = graphBodyLayout(w, 700, false);
      assert.ok(l.propsSize >= 200 && l.propsSize <= 340 && l.canvasWidth >= w - 340, `${w}: ${JSON.stringify(l)}`);
      assert.equal(l.canvasWidth + l.propsSize, w);
    }
  });

  it('narrow: below, 35% of the height within 120–300 px and never more than half', () => {
    assert.equal(graphBodyLayout(SIDE_MIN_WIDTH - 1, 700, false).props, 'below');
    assert.equal(graphBodyLayout(500, 2000, false).propsSize, 300);
    assert.equal(graphBodyLayout(500, 300, false).propsSize, 120);
    assert.equal(graphBodyLayout(500, 200, false).propsSize, 100, 'a very short editor: half');
    for (let h = 100; h <= 1500; h += 41) {
      const l = graphBodyLayout(400, h, false);
      assert.equal(l.canvasHeight + l.propsSize, h);
      assert.ok(l.canvasHeight >= l.propsSize, `${h}: ${JSON.stringify(l)}`);
    }
  });

  it('collapsed by the user: hidden at any size, the canvas takes the whole body', () => {
    assert.deepEqual(graphBodyLayout(1100, 700, true), { props: 'hidden', propsSize: 0, canvasWidth: 1100, canvasHeight: 700, compactLegend: false });
    assert.deepEqual(graphBodyLayout(500, 700, true), { props: 'hidden', propsSize: 0, canvasWidth: 500, canvasHeight: 700, compactLegend: true });
  });

  it('the legend is compact exactly when the canvas is narrower than COMPACT_LEGEND_BELOW', () => {
    for (const [w, collapsed] of [[700, false], [900, false], [1000, false], [599, true], [600, true], [640, false]] as const) {
      const l = graphBodyLayout(w, 700, collapsed);
      assert.equal(l.compactLegend, l.canvasWidth < COMPACT_LEGEND_BELOW, `${w}: ${JSON.stringify(l)}`);
    }
  });

  it('no size yet (not laid out, another tab): nothing negative', () => {
    const l = graphBodyLayout(0, 0, false);
    assert.ok(l.canvasWidth >= 0 && l.canvasHeight >= 0 && l.propsSize >= 0);
  });
});
