/** Where the viewport goes when a drawing arrives (webview/graph/viewportPlan.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphLayoutDto } from '../../../src/protocol/graphView';
import { FIT_MAX_ZOOM, initialViewport, type Viewport } from '../../../webview/graph/viewModel';
import { centreClearOfLegend, clearOfGrownLegend, clearOfLegend, firstViewport, fitViewport, layoutBounds, nodeBox, nodesMeeting, resizedViewport, settleViewport, shownRect, showsAnyNode, type Rect } from '../../../webview/graph/viewportPlan';

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

describe('the legend growing because the colouring changed', () => {
  const under = (layout: GraphLayoutDto, v: Viewport, legend: { right: number; bottom: number }): number =>
    nodesMeeting(layout, { x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (legend.right - v.pan.x) / v.zoom, y2: (legend.bottom - v.pan.y) / v.zoom });
  const tall = column(400);
  const narrow = 500;
  // Coloured by precision: a short legend; by sensitivity: more rows and a wider title.
  const precision = { right: 200, bottom: 120 };
  const sensitivity = { right: 260, bottom: 300 };

  it('grown over a node placed beside it: the view moves off it, same zoom (as when it is expanded)', () => {
    const v: Viewport = { zoom: 0.9, pan: { x: 274, y: 40 } }; // the column's left side at x 220, between the two legends' right edges
    assert.equal(under(tall, v, precision), 0, 'the view keeps clear of the precision legend');
    assert.ok(under(tall, v, sensitivity) > 0, 'the defect: the sensitivity legend covers the top node');
    const moved = clearOfGrownLegend(tall, v, narrow, H, precision, sensitivity, () => assert.fail('not the whole graph in view: no fit'));
    assert.equal(under(tall, moved, sensitivity), 0);
    assert.equal(moved.zoom, v.zoom);
    assert.deepEqual(moved, clearOfLegend(tall, v, narrow, H, sensitivity, () => assert.fail('no fit')), 'the same move as expanding it');
  });

  it('grown over empty canvas, or shrunk: the view stays', () => {
    const v: Viewport = { zoom: 0.9, pan: { x: 700, y: 40 } }; // the column starts right of both
    assert.equal(clearOfGrownLegend(tall, v, W, H, precision, sensitivity, () => assert.fail('no fit')), v);
    const beside = firstViewport(tall, narrow, H, sensitivity);
    assert.equal(clearOfGrownLegend(tall, beside, narrow, H, sensitivity, precision, () => assert.fail('no fit')), beside, 'shrunk');
    assert.equal(clearOfGrownLegend(tall, beside, narrow, H, sensitivity, undefined, () => assert.fail('no fit')), beside, 'hidden (another tab)');
  });

  it('nodes the user left under the legend stay when it grows without covering more', () => {
    const v: Viewport = { zoom: 1, pan: { x: 100, y: 40 } }; // nodes at x 40..160, y 20..60, 120..160, ...
    const small = { right: 200, bottom: 100 }; // covers the top node only
    assert.equal(under(tall, v, small), 1);
    const wider = { right: 300, bottom: 100 }; // still the top node only
    assert.equal(clearOfGrownLegend(tall, v, W, H, small, wider, () => assert.fail('no fit')), v);
    const taller = { right: 200, bottom: 180 }; // reaches the second node
    const moved = clearOfGrownLegend(tall, v, W, H, small, taller, () => assert.fail('no fit'));
    assert.notEqual(moved, v, 'a newly covered node moves the view');
    assert.equal(under(tall, moved, taller), 0);
  });

  it('no second move for a growth of a few pixels after the first (the move leaves a gap)', () => {
    const v: Viewport = { zoom: 0.9, pan: { x: 274, y: 40 } };
    const moved = clearOfGrownLegend(tall, v, narrow, H, precision, sensitivity, () => assert.fail('no fit'));
    assert.notEqual(moved, v);
    const bit = { right: sensitivity.right + 4, bottom: sensitivity.bottom + 4 };
    assert.equal(clearOfGrownLegend(tall, moved, narrow, H, sensitivity, bit, () => assert.fail('no fit')), moved);
  });

  it('the first size seen (none before): moves only when it covers nodes', () => {
    const v: Viewport = { zoom: 0.9, pan: { x: 274, y: 40 } };
    assert.equal(clearOfGrownLegend(tall, v, narrow, H, undefined, precision, () => assert.fail('no fit')), v);
    assert.equal(under(tall, clearOfGrownLegend(tall, v, narrow, H, undefined, sensitivity, () => assert.fail('no fit')), sensitivity), 0);
  });
});

describe('centring a search hit beside the legend', () => {
  /** The hit's box on screen for a pan at `zoom`. */
  const screenBox = (b: Rect, zoom: number, pan: { x: number; y: number }): Rect => ({ x1: b.x1 * zoom + pan.x, y1: b.y1 * zoom + pan.y, x2: b.x2 * zoom + pan.x, y2: b.y2 * zoom + pan.y });
  const meetsLegend = (s: Rect, legend: { right: number; bottom: number }): boolean => s.x1 <= legend.right && s.y1 <= legend.bottom;
  const within = (s: Rect, w: number, h: number): boolean => s.x1 >= 0 && s.y1 >= 0 && s.x2 <= w && s.y2 <= h;
  const hit: Rect = { x1: 940, y1: 4980, x2: 1060, y2: 5020 }; // a 120 × 40 node at (1000, 5000)

  it('a legend clear of the centred hit changes nothing: the hit is centred on the canvas', () => {
    const pan = centreClearOfLegend(hit, 0.9, W, H, { right: 260, bottom: 300 });
    assert.deepEqual(pan, { x: W / 2 - 1000 * 0.9, y: H / 2 - 5000 * 0.9 });
    assert.deepEqual(centreClearOfLegend(hit, 0.9, W, H, undefined), pan);
  });

  it('a small editor with a tall legend: the centred hit was under it; now it is centred right of it, on screen', () => {
    const w = 560;
    const h = 420;
    const legend = { right: 236, bottom: 330 };
    const centred = screenBox(hit, 0.9, { x: w / 2 - 1000 * 0.9, y: h / 2 - 5000 * 0.9 });
    assert.ok(meetsLegend(centred, legend), 'the defect: centred on the canvas, the hit is under the legend');
    const s = screenBox(hit, 0.9, centreClearOfLegend(hit, 0.9, w, h, legend));
    assert.ok(!meetsLegend(s, legend), `the hit ${JSON.stringify(s)} is clear of the legend`);
    assert.ok(within(s, w, h), 'and on screen');
    assert.ok(Math.abs((s.y1 + s.y2) / 2 - h / 2) < 1e-9, 'centred vertically in the part right of the legend');
    assert.ok(Math.abs((s.x1 + s.x2) / 2 - (legend.right + 8 + w) / 2) < 1e-9, 'and horizontally');
  });

  it('a wide, short legend: the hit goes below it (the larger part that holds it)', () => {
    const w = 500;
    const h = 700;
    const legend = { right: 420, bottom: 380 };
    const s = screenBox(hit, 1, centreClearOfLegend(hit, 1, w, h, legend));
    assert.ok(!meetsLegend(s, legend));
    assert.ok(within(s, w, h));
    assert.ok(s.y1 > legend.bottom);
    assert.ok(Math.abs((s.x1 + s.x2) / 2 - w / 2) < 1e-9, 'centred across the whole width');
  });

  it('both parts hold it: the larger one', () => {
    const centred = (w: number, h: number): Rect => screenBox(hit, 1, { x: w / 2 - 1000, y: h / 2 - 5000 });
    const a = { right: 320, bottom: 250 }; // in 600 × 400: right of it 272 × 400, below 600 × 142
    assert.ok(meetsLegend(centred(600, 400), a));
    const right = screenBox(hit, 1, centreClearOfLegend(hit, 1, 600, 400, a));
    assert.ok(right.x1 > a.right && right.y1 < a.bottom, `right of it: ${JSON.stringify(right)}`);
    const b = { right: 300, bottom: 440 }; // in 600 × 900: right of it 292 × 900, below 600 × 452
    assert.ok(meetsLegend(centred(600, 900), b));
    const below = screenBox(hit, 1, centreClearOfLegend(hit, 1, 600, 900, b));
    assert.ok(below.y1 > b.bottom && below.x1 < b.right, `below it: ${JSON.stringify(below)}`);
  });

  it('a box neither part can hold (a long edge zoomed in): centred on the canvas, as before', () => {
    const edge: Rect = { x1: 1000, y1: 0, x2: 1000, y2: 2000 }; // vertical, 2000 long
    const legend = { right: 260, bottom: 300 };
    const pan = centreClearOfLegend(edge, 1, W, H, legend);
    assert.deepEqual(pan, { x: W / 2 - 1000, y: H / 2 - 1000 });
  });
});

describe('resizing the canvas (split editor, smaller window, properties pane moved)', () => {
  const tall = column(400); // x 0, y 0 … 39,900
  const inside = (r: Rect, v: Viewport, w: number, h: number): boolean => {
    const s = shownRect(v, w, h);
    return r.x1 >= s.x1 && r.x2 <= s.x2 && r.y1 >= s.y1 && r.y2 <= s.y2;
  };
  const centre = (v: Viewport, w: number, h: number): { x: number; y: number } => {
    const s = shownRect(v, w, h);
    return { x: (s.x1 + s.x2) / 2, y: (s.y1 + s.y2) / 2 };
  };

  it('the audit: a node centred in a 1,100 px canvas, the editor split to 210 px: keeping the pan shows nothing; the centre is kept', () => {
    const sel = nodeBox(tall, 200); // (0, 20,000)
    const v: Viewport = { zoom: 0.9, pan: { x: 550, y: 400 - 20_000 * 0.9 } };
    const before = { width: 1100, height: 800 };
    const after = { width: 210, height: 800 };
    assert.ok(inside(sel, v, before.width, before.height));
    assert.equal(showsAnyNode(tall, v, after.width, after.height), false, 'the defect: the old pan in the narrow canvas shows no node');
    const next = resizedViewport({ layout: tall, viewport: v, before, after });
    assert.equal(next.zoom, v.zoom);
    const c = centre(next, after.width, after.height);
    assert.ok(Math.abs(c.x - 0) < 1e-9 && Math.abs(c.y - 20_000) < 1e-9, `the same model point is at the centre: ${JSON.stringify(c)}`);
    assert.ok(inside(sel, next, after.width, after.height), 'and the selected node is on screen');
    assert.ok(showsAnyNode(tall, next, after.width, after.height));
  });

  it('a selection on screen that the kept centre would cut off is centred (beside the legend); one off screen before does not pull the view', () => {
    const sel = nodeBox(tall, 100); // (0, 10,000), 120 × 40
    // The node near the left edge of a wide canvas, the centre elsewhere in the row (x 400).
    const v: Viewport = { zoom: 1, pan: { x: 500 - 400, y: 400 - 10_000 } };
    const before = { width: 1000, height: 800 };
    const after = { width: 400, height: 800 };
    assert.ok(inside(sel, v, before.width, before.height));
    const kept = resizedViewport({ layout: tall, viewport: v, before, after: { width: 1000, height: 600 } });
    assert.ok(Math.abs(centre(kept, 1000, 600).x - 400) < 1e-9, 'no selection: the centre is kept');
    assert.ok(!inside(sel, resizedViewport({ layout: tall, viewport: v, before, after }), after.width, after.height), 'keeping the centre alone would cut the selection off');
    const next = resizedViewport({ layout: tall, viewport: v, before, after, selection: sel, legend: { right: 120, bottom: 100 } });
    assert.ok(inside(sel, next, after.width, after.height), 'the selection stays on screen');
    assert.equal(next.zoom, 1);
    // A selection the user had panned away from: the centre is kept, not the selection.
    const far = nodeBox(tall, 300);
    const away = resizedViewport({ layout: tall, viewport: v, before, after: { width: 900, height: 800 }, selection: far });
    assert.ok(Math.abs(centre(away, 900, 800).y - 10_000) < 1e-9);
  });

  it('a selection the compact legend would cover at the kept centre is centred clear of it, on screen', () => {
    const sel = nodeBox(tall, 100); // (0, 10,000)
    const v: Viewport = { zoom: 1, pan: { x: 546, y: 339 - 10_000 } }; // centred in 1,092 × 678
    const after = { width: 552, height: 317 };
    const legend = { right: 544, bottom: 150 }; // a strip across the top
    const kept = resizedViewport({ layout: tall, viewport: v, before: { width: 1092, height: 678 }, after });
    const k = shownRect(kept, legend.right, legend.bottom);
    assert.ok(sel.y1 < k.y2 && sel.x1 < k.x2, 'the case: at the kept centre the strip covers the selection');
    const next = resizedViewport({ layout: tall, viewport: v, before: { width: 1092, height: 678 }, after, selection: sel, legend });
    const s = { x1: sel.x1 * next.zoom + next.pan.x, y1: sel.y1 * next.zoom + next.pan.y, x2: sel.x2 * next.zoom + next.pan.x, y2: sel.y2 * next.zoom + next.pan.y };
    assert.ok(s.y1 > legend.bottom, `below the legend: ${JSON.stringify(s)}`);
    assert.ok(s.x1 >= 0 && s.y1 >= 0 && s.x2 <= after.width && s.y2 <= after.height, `on screen: ${JSON.stringify(s)}`);
  });

  it('a hidden canvas (another tab: size 0) leaves the viewport alone', () => {
    const v: Viewport = { zoom: 1, pan: { x: 10, y: 20 } };
    assert.equal(resizedViewport({ layout: tall, viewport: v, before: { width: 800, height: 600 }, after: { width: 0, height: 0 } }), v);
    assert.equal(resizedViewport({ layout: tall, viewport: v, before: { width: 0, height: 0 }, after: { width: 800, height: 600 } }), v);
  });
});

describe('fit and first view leave room for the overview (bottom-right)', () => {
  // A wide graph: 9 columns of 120 × 40 boxes, two rows; fitted by width its right column reaches
  // the canvas's right edge, where the overview sits.
  const xs = Array.from({ length: 18 }, (_, k) => (k % 9) * 300);
  const ys = Array.from({ length: 18 }, (_, k) => (k < 9 ? 0 : 300));
  const wide: GraphLayoutDto = { width: 2520, height: 340, x: xs, y: ys, w: xs.map(() => 120), h: xs.map(() => 40), pointStart: [0], points: [] };
  const overview = { left: W - 188, top: H - 188 }; // a 180 × 180 overview, 8 px from the corner
  const underOverview = (v: Viewport): number => {
    const s = shownRect(v, W, H);
    return nodesMeeting(wide, { x1: (overview.left - v.pan.x) / v.zoom, y1: (overview.top - v.pan.y) / v.zoom, x2: s.x2, y2: s.y2 });
  };

  it('fitted as before, the right-hand column of nodes is under the overview; with it counted, none is and the whole graph is in view', () => {
    // 1440 px window, 800 px tall canvas: the graph fitted by width with a 24 px padding.
    const plain = fitViewport(wide, W, H);
    const tallerOverview = { left: W - 188, top: 200 };
    const under = (v: Viewport): number => {
      const s = shownRect(v, W, H);
      return nodesMeeting(wide, { x1: (tallerOverview.left - v.pan.x) / v.zoom, y1: (tallerOverview.top - v.pan.y) / v.zoom, x2: s.x2, y2: s.y2 });
    };
    assert.ok(under(plain) > 0, 'the defect: the right column is under the overview');
    const v = fitViewport(wide, W, H, undefined, 24, 0.005, 4, tallerOverview);
    assert.equal(under(v), 0);
    assert.ok(inView(layoutBounds(wide)!, v), 'the whole graph still in view');
    assert.ok(Math.abs(v.zoom - (tallerOverview.left - 8 - 48) / 2520) < 1e-9, `fitted left of it (zoom ${v.zoom}, was ${plain.zoom})`);
  });

  it('an overview that covers nothing changes nothing; nor does a legend-and-overview pair clear of the graph', () => {
    const plain = fitViewport(wide, W, H);
    assert.equal(underOverview(plain), 0, 'vertically centred, the short graph passes above a 180 px overview');
    assert.deepEqual(fitViewport(wide, W, H, undefined, 24, 0.005, 4, overview), plain);
    assert.deepEqual(firstViewport(wide, W, H, { right: 100, bottom: 100 }, 24, 0.005, 4, overview), firstViewport(wide, W, H, { right: 100, bottom: 100 }));
  });

  it('a legend top-left and an overview bottom-right that both cover nodes: the view clears both', () => {
    // A 5 × 5 grid 300 apart: fitted by height it spans x 100–900 of the 1,000 px canvas.
    const gx = Array.from({ length: 25 }, (_, k) => (k % 5) * 300);
    const gy = Array.from({ length: 25 }, (_, k) => Math.floor(k / 5) * 300);
    const grid: GraphLayoutDto = { width: 1320, height: 1240, x: gx, y: gy, w: gx.map(() => 120), h: gx.map(() => 40), pointStart: [0], points: [] };
    const legend = { right: 260, bottom: 330 };
    const ov = { left: W - 188, top: H - 188 };
    const underLegend = (v: Viewport): number => nodesMeeting(grid, shownRect(v, legend.right, legend.bottom));
    const underOv = (v: Viewport): number => {
      const s = shownRect(v, W, H);
      return nodesMeeting(grid, { x1: (ov.left - v.pan.x) / v.zoom, y1: (ov.top - v.pan.y) / v.zoom, x2: s.x2, y2: s.y2 });
    };
    const plain = fitViewport(grid, W, H);
    assert.ok(underLegend(plain) > 0 && underOv(plain) > 0, 'the case: fitted on the whole canvas, nodes are under both');
    assert.ok(underOv(fitViewport(grid, W, H, legend)) > 0, 'clear of the legend alone, a node is still under the overview');
    const v = fitViewport(grid, W, H, legend, 24, 0.005, 4, ov);
    assert.equal(underLegend(v), 0);
    assert.equal(underOv(v), 0);
    assert.ok(inView(layoutBounds(grid)!, v), 'the whole graph in view');
  });
});
