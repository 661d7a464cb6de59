/** Where the viewport goes when a drawing arrives (webview/graph/viewportPlan.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphLayoutDto } from '../../../src/protocol/graphView';
import { FIT_MAX_ZOOM, initialViewport, type Viewport } from '../../../webview/graph/viewModel';
import { clearOfLegend, firstViewport, fitViewport, layoutBounds, nodeBox, nodesMeeting, settleViewport, shownRect, showsAnyNode, type Rect } from '../../../webview/graph/viewportPlan';

/** `n` boxes of 120 × 40 in a column (x 0), `gap` apart vertically, from y 0; optional bend points. */
function column(n: number, gap = 100, points: number[] = []): GraphLayoutDto {
  const ys = Array.from({ length: n }, (_, k) => k * gap);
  return { width: 120, height: (n - 1) * gap + 40, x: ys.map(() => 0), y: ys, w: ys.map(() => 120), h: ys.map(() => 40), pointStart: [0], points };
}

const W = 1000;
const H = 800;

function visible(layout: GraphLayoutDto, v: Viewport): number {
  return nodesMeeting(layout, shownRect(v, W, H));
}

function inView(r: Rect, v: Viewport): boolean {
  const s = shownRect(v, W, H);
  return r.x1 >= s.x1 && r.x2 <= s.x2 && r.y1 >= s.y1 && r.y2 <= s.y2;
}

describe('viewport after a new drawing', () => {
  // The audit: after "keep the k most sensitive layers in higher precision" the graph was re-laid
  // out shorter; the kept viewport (y 76,533–77,288) lay below its end (y 74,986): 0 nodes visible.
  const before = column(800); // ends at y ~79,900
  const after = column(750); // ends at y ~74,920
  const kept: Viewport = { zoom: 1, pan: { x: W / 2, y: -76_533 } };

  it('the kept viewport of the audit shows nothing in the new layout (it did in the old one)', () => {
    assert.ok(visible(before, kept) > 0);
    assert.equal(visible(after, kept), 0);
    assert.equal(showsAnyNode(after, kept, W, H), false);
  });

  it('no selection: a viewport that shows nothing is replaced by a fit (at most FIT_MAX_ZOOM)', () => {
    const r = settleViewport({ layout: after, width: W, height: H, viewport: kept, restored: false, fit: () => fitViewport(after, W, H) });
    assert.equal(r.reason, 'fitted');
    assert.ok(visible(after, r.viewport) > 0, 'nodes on screen');
    assert.ok(r.viewport.zoom <= FIT_MAX_ZOOM);
    const b = layoutBounds(after)!;
    assert.ok(inView(b, r.viewport), 'the whole graph is in view');
  });

  it('the selection still exists but is off screen: it is centred, the zoom stays', () => {
    const selection = nodeBox(after, 600); // y 60,000
    const r = settleViewport({ layout: after, width: W, height: H, viewport: kept, restored: false, selection, fit: () => assert.fail('no fit') });
    assert.equal(r.reason, 'centred');
    assert.equal(r.viewport.zoom, kept.zoom);
    assert.ok(inView(selection, r.viewport));
    const s = shownRect(r.viewport, W, H);
    assert.ok(Math.abs((s.y1 + s.y2) / 2 - 60_000) < 1e-6, 'centred on it');
  });

  it('a viewport that still shows the selection is kept as it is', () => {
    const selection = nodeBox(after, 745);
    const v: Viewport = { zoom: 1, pan: { x: W / 2, y: -74_200 } };
    assert.ok(inView(selection, v));
    const r = settleViewport({ layout: after, width: W, height: H, viewport: v, restored: false, selection, fit: () => assert.fail('no fit') });
    assert.deepEqual(r, { viewport: v, reason: 'kept' });
  });

  it('a viewport that shows nodes and no selection is kept (a small edit does not move the view)', () => {
    const v: Viewport = { zoom: 0.5, pan: { x: W / 2, y: -10_000 } };
    assert.deepEqual(settleViewport({ layout: after, width: W, height: H, viewport: v, restored: false, fit: () => assert.fail('no fit') }), { viewport: v, reason: 'kept' });
  });

  it("the page's own remembered viewport (hide/show) is kept even with the selection elsewhere, unless it shows nothing", () => {
    const selection = nodeBox(after, 10);
    const elsewhere: Viewport = { zoom: 1, pan: { x: W / 2, y: -30_000 } };
    assert.equal(settleViewport({ layout: after, width: W, height: H, viewport: elsewhere, restored: true, selection, fit: () => assert.fail('no fit') }).reason, 'kept');
    const blank = settleViewport({ layout: after, width: W, height: H, viewport: kept, restored: true, selection, fit: () => assert.fail('no fit') });
    assert.equal(blank.reason, 'centred');
    assert.ok(inView(selection, blank.viewport));
  });

  it('an edge selection (its endpoints) is centred on its middle', () => {
    const a = nodeBox(after, 100);
    const b = nodeBox(after, 110);
    const edge: Rect = { x1: 0, y1: (a.y1 + a.y2) / 2, x2: 0, y2: (b.y1 + b.y2) / 2 };
    const r = settleViewport({ layout: after, width: W, height: H, viewport: kept, restored: false, selection: edge, fit: () => assert.fail('no fit') });
    const s = shownRect(r.viewport, W, H);
    assert.ok(Math.abs((s.y1 + s.y2) / 2 - 10_500) < 1e-6);
  });
});

describe('fit and first view beside the legend', () => {
  it('fit covers node boxes and bend points, never zoomed past FIT_MAX_ZOOM', () => {
    const small = column(3, 100, [-400, 50]); // a skip edge bending far left
    const b = layoutBounds(small)!;
    assert.deepEqual(b, { x1: -400, y1: -20, x2: 60, y2: 220 });
    const v = fitViewport(small, W, H);
    assert.equal(v.zoom, FIT_MAX_ZOOM);
    assert.ok(inView(b, v));
  });

  it('a fitted graph that would lie under the legend moves beside it; one clear of it does not move', () => {
    // A wide, short graph: fitted by width, its left end sits under a 300 × 200 legend.
    const wide: GraphLayoutDto = { width: 3000, height: 40, x: [0, 1000, 2000, 3000], y: [0, 0, 0, 0], w: [120, 120, 120, 120], h: [40, 40, 40, 40], pointStart: [0], points: [] };
    const legend = { right: 300, bottom: 300 };
    const plain = fitViewport(wide, W, H);
    const under = (v: Viewport): number => nodesMeeting(wide, { x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (legend.right - v.pan.x) / v.zoom, y2: (legend.bottom - v.pan.y) / v.zoom });
    assert.ok(under(plain) === 0, 'centred vertically, the row passes below this legend');
    const tall = { right: 300, bottom: 500 };
    const underTall = (v: Viewport): number => nodesMeeting(wide, { x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (tall.right - v.pan.x) / v.zoom, y2: (tall.bottom - v.pan.y) / v.zoom });
    assert.ok(underTall(plain) > 0, 'without room the first node is under a taller legend');
    const beside = fitViewport(wide, W, H, tall);
    assert.equal(underTall(beside), 0, 'with room it is not');
    assert.ok(inView(layoutBounds(wide)!, beside), 'and the whole graph is still in view');
    assert.deepEqual(fitViewport(wide, W, H, legend), plain, 'a legend that covers nothing changes nothing');
  });

  it("the first view of a tall graph (its top at 0.9) starts right of a legend that covers its top node", () => {
    const tall = column(400);
    const narrow = 500;
    const legend = { right: 260, bottom: 300 };
    const plain = initialViewport(tall, narrow, H);
    assert.equal(plain.zoom, 0.9);
    const legendModel = (v: Viewport): Rect => ({ x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (legend.right - v.pan.x) / v.zoom, y2: (legend.bottom - v.pan.y) / v.zoom });
    assert.ok(nodesMeeting(tall, legendModel(plain)) > 0, 'the top node sits under the legend');
    const v = firstViewport(tall, narrow, H, legend);
    assert.equal(v.zoom, 0.9);
    assert.equal(nodesMeeting(tall, legendModel(v)), 0);
    assert.deepEqual(firstViewport(tall, narrow, H), plain, 'without a legend: viewModel.initialViewport');
  });
});

describe('expanding the legend', () => {
  const under = (layout: GraphLayoutDto, v: Viewport, legend: { right: number; bottom: number }): number =>
    nodesMeeting(layout, { x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (legend.right - v.pan.x) / v.zoom, y2: (legend.bottom - v.pan.y) / v.zoom });
  const onScreen = (layout: GraphLayoutDto, v: Viewport, w = W): number[] => {
    const s = shownRect(v, w, H);
    const out: number[] = [];
    for (let i = 0; i < layout.x.length; i++) {
      const b = nodeBox(layout, i);
      if (b.x1 >= s.x1 && b.x2 <= s.x2 && b.y1 >= s.y1 && b.y2 <= s.y2) out.push(i);
    }
    return out;
  };
  const header = { right: 150, bottom: 28 }; // the collapsed legend: its header only
  const expanded = { right: 260, bottom: 300 };

  it('a tall graph placed beside the collapsed header: the expanded legend would cover its top node; the view moves right, same zoom, nothing lost', () => {
    const tall = column(400);
    const narrow = 500;
    const v = firstViewport(tall, narrow, H, header);
    assert.equal(under(tall, v, header), 0, 'the first view keeps clear of the header');
    assert.ok(under(tall, v, expanded) > 0, 'the defect: expanded, the legend covers the top node');
    const moved = clearOfLegend(tall, v, narrow, H, expanded, () => assert.fail('not the whole graph in view: no fit'));
    assert.equal(under(tall, moved, expanded), 0);
    assert.equal(moved.zoom, v.zoom);
    assert.equal(moved.pan.y, v.pan.y, 'moved sideways (moving down would push the bottom rows off)');
    assert.deepEqual(onScreen(tall, moved, narrow), onScreen(tall, v, narrow), 'the nodes wholly on screen stay so');
  });

  it('the whole graph in view: the fit beside the legend, as Fit does', () => {
    const wide: GraphLayoutDto = { width: 3000, height: 40, x: [0, 1000, 2000, 3000], y: [0, 0, 0, 0], w: [120, 120, 120, 120], h: [40, 40, 40, 40], pointStart: [0], points: [] };
    const tallLegend = { right: 300, bottom: 500 };
    const fitted = fitViewport(wide, W, H, header);
    assert.ok(under(wide, fitted, tallLegend) > 0, 'the defect: the row lies under the expanded legend');
    const moved = clearOfLegend(wide, fitted, W, H, tallLegend, () => fitViewport(wide, W, H, tallLegend));
    assert.deepEqual(moved, fitViewport(wide, W, H, tallLegend));
    assert.equal(under(wide, moved, tallLegend), 0);
    assert.ok(inView(layoutBounds(wide)!, moved), 'still the whole graph');
  });

  it('zoomed in on a wide row: moving right would push nodes off, so the view moves down', () => {
    // Nodes every 150 px across and beyond the canvas, at the top of the view.
    const n = 12;
    const row: GraphLayoutDto = { width: 150 * n, height: 40, x: Array.from({ length: n }, (_, k) => k * 150), y: Array(n).fill(0), w: Array(n).fill(120), h: Array(n).fill(40), pointStart: [0], points: [] };
    const v: Viewport = { zoom: 1, pan: { x: 100, y: 60 } };
    assert.ok(under(row, v, expanded) > 0);
    const moved = clearOfLegend(row, v, W, H, expanded, () => assert.fail('no fit'));
    assert.equal(moved.pan.x, v.pan.x);
    assert.ok(moved.pan.y > v.pan.y);
    assert.equal(under(row, moved, expanded), 0);
    assert.deepEqual(onScreen(row, moved), onScreen(row, v));
  });

  it('a legend that covers nothing, or none at all, leaves the view alone', () => {
    const tall = column(400);
    const v: Viewport = { zoom: 0.9, pan: { x: 700, y: 40 } };
    assert.equal(clearOfLegend(tall, v, W, H, expanded, () => assert.fail('no fit')), v);
    assert.equal(clearOfLegend(tall, v, W, H, undefined, () => assert.fail('no fit')), v);
  });

  it('nodes left of the screen are not slid in under the legend', () => {
    // Two columns: one under the legend, one just off the left edge in the same band.
    const two: GraphLayoutDto = { width: 500, height: 40, x: [-250, 100], y: [0, 0], w: [120, 120], h: [40, 40], pointStart: [0], points: [] };
    const v: Viewport = { zoom: 1, pan: { x: 100, y: 700 } }; // near the bottom: moving down is not possible without loss
    const legend = { right: 260, bottom: 760 };
    assert.ok(under(two, v, legend) > 0);
    const moved = clearOfLegend(two, v, W, H, legend, () => assert.fail('no fit'));
    assert.equal(under(two, moved, legend), 0);
  });
});
