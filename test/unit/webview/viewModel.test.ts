/** Pure graph-view webview helpers: elements from a real builder model, segment bends, keys, search. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import {
  FIT_MAX_ZOOM,
  FIT_READABLE_ZOOM,
  DEFAULT_COLOR_SOURCE,
  OP_TYPE_SOURCE,
  ViewIndex,
  badgeText,
  effectiveColorSource,
  constantLabel,
  foldedHere,
  formatScale,
  formatScaleExact,
  heatEnds,
  initialViewport,
  legendRowsFor,
  nodeKey,
  segmentPoint,
  segmentsFor,
  splitForFirstPaint,
  tensorTypeText,
  toElements,
  viewIndexOf,
  viewRect,
} from '../../../webview/graph/viewModel';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { HEAT_RAMP } from '../../../src/protocol/overlay';

function tinyView(mode: 'folded' | 'raw', preset: keyof typeof YOLO_PRESETS = 'tiny') {
  const d = decodeModel(new MemorySource(yoloLike({ ...YOLO_PRESETS[preset], qdq: 'good' }).toBytes(), 'tiny.onnx'));
  const view = buildViewGraph(d, { mode });
  const sizes = viewNodeSizes(view);
  return { view, layout: layoutToJson(layoutViewGraph(view, { sizes }), sizes) };
}

describe('graph view elements', () => {
  it('one cytoscape node per view node at its layout position, one edge per view edge, every badge counted once', () => {
    const { view, layout } = tinyView('folded');
    const els = toElements(view, layout);
    assert.equal(els.nodes.length, view.nodes.length);
    assert.equal(els.edges.length, view.edges.length);
    els.nodes.forEach((n, i) => assert.deepEqual(n.position, { x: layout.x[i], y: layout.y[i] }));
    const badges = new Set([...view.edges.flatMap((e) => e.badges ?? []), ...view.nodes.flatMap((v) => v.weightBadges ?? [])]);
    assert.equal(els.qdqBadges, badges.size);
    assert.ok(els.qdqBadges > 0);
    const labelled = els.edges.filter((e) => e.data.label);
    assert.equal(labelled.length, view.edges.filter((e) => e.badges?.length).length);
    assert.match(labelled[0]!.data.label!, /^(INT8|UINT8)/);
  });

  it('segment bends come back at the layout\'s bend points (as cytoscape computes them)', () => {
    const { view, layout } = tinyView('raw');
    let checked = 0;
    view.edges.forEach((e, k) => {
      const from = layout.pointStart[k]!;
      const to = layout.pointStart[k + 1]!;
      const seg = segmentsFor(layout.x[e.s]!, layout.y[e.s]!, layout.x[e.t]!, layout.y[e.t]!, layout.points, from, to);
      if (!seg) return;
      seg.sd.forEach((d, j) => {
        const [x, y] = segmentPoint(layout.x[e.s]!, layout.y[e.s]!, layout.x[e.t]!, layout.y[e.t]!, d, seg.sw[j]!);
        assert.ok(Math.abs(x - layout.points[2 * (from + j)]!) < 1e-6 && Math.abs(y - layout.points[2 * (from + j) + 1]!) < 1e-6);
        checked++;
      });
    });
    assert.ok(checked > 0, 'the model has bent edges');
  });

  it('badge text: dtype, scale or per-channel count, zero point', () => {
    const { view } = tinyView('folded');
    const texts = view.badges.map((b) => badgeText(view, b));
    assert.ok(texts.some((t) => /s \d/.test(t)), texts.slice(0, 3).join(' | '));
    assert.ok(texts.some((t) => /per-channel, \d+ scales/.test(t)), 'weights are per-channel');
    assert.ok(texts.every((t) => /zp /.test(t)));
  });

  it('ViewIndex: folded Q/DQ names land on their edges or weighted nodes; search finds op types and tensors', () => {
    const { view } = tinyView('folded');
    const index = new ViewIndex(view);
    const edgeBadge = view.badges.findIndex((b, i) => b.kind === 'activation' && view.edges.some((e) => e.badges?.includes(i)));
    const b = view.badges[edgeBadge]!;
    const t = index.targets(b.dqName)!;
    assert.ok(t.edges.length > 0);
    const weightBadge = view.badges.find((x) => x.kind === 'weight')!;
    assert.ok(index.targets(weightBadge.dqName)!.nodes.length > 0);
    const first = view.nodes.findIndex((v) => v.op !== undefined);
    assert.deepEqual(index.targets(nodeKey(view, view.nodes[first]!)), { nodes: [first], edges: [] });
    const convs = view.nodes.filter((v) => v.op !== undefined && view.ops[v.op] === 'Conv').length;
    assert.ok(index.search('CONV').filter((h) => h.kind === 'node').length >= convs);
    const tensor = view.tensors[view.edges[0]!.tensor]!.name;
    assert.ok(index.search(tensor).some((h) => h.kind === 'edge' && h.index === 0));
    assert.deepEqual(index.search('   '), []);
  });
  it('search finds folded Q/DQ by name, part of a name or op type: one hit per edge (or weighted node) carrying the badge, as reveal lands', () => {
    const { view } = tinyView('folded');
    const index = new ViewIndex(view);
    const onEdge = view.edges.findIndex((e) => e.badges?.some((b) => view.badges[b]!.qName));
    assert.ok(onEdge >= 0, 'the folded view has a badge edge');
    const b = view.badges[view.edges[onEdge]!.badges![0]!]!;
    const qName = b.qName!;
    assert.equal(index.node(qName), undefined, `${qName} is folded, not drawn`);
    for (const query of [qName, qName.toUpperCase(), qName.slice(3, -4), b.dqName]) {
      const hits = index.search(query);
      assert.ok(hits.some((h) => h.kind === 'edge' && h.index === onEdge), `"${query}": ${JSON.stringify(hits.slice(0, 5))}`);
      // Every hit is an element reveal would land the folded name on (or a drawn node / tensor that matches).
      for (const h of hits) assert.ok(h.kind === 'node' || view.tensors[view.edges[h.index]!.tensor]!.name.toLowerCase().includes(query.toLowerCase()) || view.edges[h.index]!.badges?.length);
    }
    assert.deepEqual(
      index.search(qName).filter((h) => h.kind === 'edge').map((h) => h.index),
      index.targets(qName)!.edges,
      'the full name: exactly the edges reveal lands it on',
    );
    const weight = view.badges.findIndex((x) => x.kind === 'weight');
    const carrier = view.nodes.findIndex((v) => v.weightBadges?.includes(weight));
    assert.ok(index.search(view.badges[weight]!.dqName).some((h) => h.kind === 'node' && h.index === carrier), 'a folded weight DQ: its node');
    // By op type: every element carrying a badge, once, besides the Q/DQ still drawn.
    const hits = index.search('QuantizeLinear'); // also matches DequantizeLinear
    const keys = hits.map((h) => `${h.kind}${h.index}`);
    assert.equal(new Set(keys).size, keys.length, 'no element twice');
    const carriers = view.edges.filter((e) => e.badges?.length).length + view.nodes.filter((v) => v.weightBadges?.length).length;
    const drawnQdq = view.nodes.filter((v) => v.op !== undefined && /QuantizeLinear$/.test(view.ops[v.op]!)).length;
    assert.ok(carriers > 0);
    assert.equal(hits.length, carriers + drawnQdq);
    // The raw view draws them: the same name is a node hit there (and its output tensor's edge).
    const raw = tinyView('raw').view;
    const rawHits = new ViewIndex(raw).search(qName);
    assert.deepEqual(rawHits.filter((h) => h.kind === 'node').map((h) => raw.nodes[h.index]!.name), [qName]);
  });
});

describe('first view and streaming split', () => {
  it('a small graph is fitted whole, centred, inside the padding', () => {
    const { layout } = tinyView('folded');
    const layoutSmall = { ...layout, x: layout.x.slice(0, 3), y: layout.y.slice(0, 3), w: layout.w.slice(0, 3), h: layout.h.slice(0, 3) };
    const v = initialViewport(layoutSmall, 1600, 1000, 24);
    assert.ok(v.zoom >= FIT_READABLE_ZOOM);
    for (let i = 0; i < 3; i++) {
      const sx = layoutSmall.x[i]! * v.zoom + v.pan.x;
      const sy = layoutSmall.y[i]! * v.zoom + v.pan.y;
      assert.ok(sx >= 24 - 1e-6 && sx <= 1600 - 24 + 1e-6 && sy >= 24 - 1e-6 && sy <= 1000 - 24 + 1e-6, `node ${i} on screen at (${sx}, ${sy})`);
    }
  });

  it('a graph of a few nodes is not blown up to fill the panel: at most FIT_MAX_ZOOM, in the middle', () => {
    const layout = { x: [0, 0, 120], y: [0, 80, 80], w: [60, 60, 60], h: [30, 30, 30] };
    const v = initialViewport(layout as Parameters<typeof initialViewport>[0], 1600, 1000, 24, 0.005, 4);
    assert.equal(v.zoom, FIT_MAX_ZOOM);
    // The bounding box's centre (60, 40) is the panel's centre.
    assert.ok(Math.abs(60 * v.zoom + v.pan.x - 800) < 1e-6 && Math.abs(40 * v.zoom + v.pan.y - 500) < 1e-6, JSON.stringify(v));
  });

  it('a tall graph starts at its top at 0.9; the first set holds what that view shows, the rest comes nearest first', () => {
    const { view, layout } = tinyView('raw');
    const width = 800;
    const height = 400;
    const v = initialViewport(layout, width, height);
    assert.equal(v.zoom, 0.9);
    const top = layout.y.reduce((best, y, i) => (y - layout.h[i]! / 2 < layout.y[best]! - layout.h[best]! / 2 ? i : best), 0);
    assert.ok(Math.abs((layout.y[top]! - layout.h[top]! / 2) * v.zoom + v.pan.y - 40) < 1e-6, 'the topmost node 40 px below the top edge');
    const rect = viewRect(v, width, height, 0);
    const split = splitForFirstPaint(view, layout, rect);
    // Every node whose box meets the view is in the first set.
    view.nodes.forEach((_, i) => {
      const meets = layout.x[i]! + layout.w[i]! / 2 >= rect.x1 && layout.x[i]! - layout.w[i]! / 2 <= rect.x2 && layout.y[i]! + layout.h[i]! / 2 >= rect.y1 && layout.y[i]! - layout.h[i]! / 2 <= rect.y2;
      if (meets) assert.equal(split.firstNodes[i], 1, `node ${i} is visible`);
    });
    assert.ok(split.firstNodeCount > 0 && split.firstNodeCount < view.nodes.length / 2, `${split.firstNodeCount} of ${view.nodes.length} first`);
    // First edges have both ends in the first set; first + rest cover every node once.
    view.edges.forEach((e, k) => {
      if (split.firstEdges[k] === 1) assert.ok(split.firstNodes[e.s] === 1 && split.firstNodes[e.t] === 1);
    });
    assert.equal(split.firstNodeCount + split.rest.length, view.nodes.length);
    assert.equal(new Set(split.rest).size, split.rest.length);
    for (const i of split.rest) assert.equal(split.firstNodes[i], 0);
    // Nearest first: the rest runs down the graph from the view.
    const firstRestY = layout.y[split.rest[0]!]!;
    const lastRestY = layout.y[split.rest[split.rest.length - 1]!]!;
    assert.ok(firstRestY < lastRestY);
  });

  it('a long edge crossing the view brings both its ends into the first set', () => {
    const view = { ops: ['Add'], dtypes: [], tensors: [{ name: 't' }], params: [], badges: [], nodes: [{ name: 'a', op: 0, node: 0 }, { name: 'b', op: 0, node: 1 }, { name: 'c', op: 0, node: 2 }], edges: [{ s: 0, t: 1, tensor: 0 }] } as unknown as Parameters<typeof splitForFirstPaint>[0];
    const layout = { width: 100, height: 2000, x: [0, 0, 5000], y: [0, 2000, 1000], w: [10, 10, 10], h: [10, 10, 10], pointStart: [0, 0], points: [] };
    const split = splitForFirstPaint(view, layout, { x1: -50, y1: 900, x2: 50, y2: 1100 });
    assert.deepEqual([...split.firstNodes], [1, 1, 0]);
    assert.deepEqual([...split.firstEdges], [1]);
    assert.deepEqual(split.rest, [2]);
  });
});

/** The float32 right after `v` (towards +∞). */
function nextFloat32(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer);
  u[0]! += v >= 0 ? 1 : -1;
  return f[0]!;
}

describe('properties panel text', () => {
  it('an exact scale reads back as the same float32, and neighbouring float32 scales never print alike (the compact form merges them)', () => {
    const a = Math.fround(0.09225);
    const b = nextFloat32(a);
    assert.equal(formatScale(a), formatScale(b), 'the compact badge form cannot tell them apart');
    assert.equal(formatScaleExact(a), '0.09225');
    assert.equal(formatScaleExact(b), '0.092250004');
    assert.equal(formatScaleExact(Math.fround(0.1)), '0.1');
    assert.equal(formatScaleExact(0.1), '0.1', 'a DOUBLE scale: its shortest double');
    assert.equal(formatScaleExact(1), '1');
    assert.equal(formatScaleExact(0), '0');
    // A sweep over float32 bit patterns of scale-like magnitudes (1e-8 .. 1e4), both signs.
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    let seed = 12345;
    for (let k = 0; k < 20_000; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bits[0] = ((seed % 2 ? 0x80000000 : 0) | ((((seed >>> 8) % 46) + 100) << 23) | ((seed * 2654435761) >>> 9)) >>> 0;
      const v = f[0]!;
      const s = formatScaleExact(v);
      assert.equal(Math.fround(Number(s)), v, `${s} reads back as ${v}`);
      assert.ok(s.replace(/^-?0\.0*|[-.]|e.*$/g, '').length <= 9, `${s}: at most 9 significant digits`);
      const n = nextFloat32(v);
      assert.notEqual(formatScaleExact(n), s, `${v} and ${n} print alike`);
    }
  });

  it('the properties panel\'s badge heading shows the scale exactly; edge labels stay compact', () => {
    const { view } = tinyView('folded');
    const badge = { ...view.badges.find((b) => b.kind === 'activation' && b.scale !== undefined)!, scale: nextFloat32(Math.fround(0.09225)) };
    assert.match(badgeText(view, badge), /s 0\.09225 /);
    assert.match(badgeText(view, badge, true), /s 0\.092250004 /);
  });

  it('a tensor type the model does not record reads in words, never "? ?"', () => {
    assert.equal(tensorTypeText(undefined, undefined), 'type not recorded in the model');
    assert.equal(tensorTypeText('FLOAT', undefined), 'FLOAT, shape not recorded');
    assert.equal(tensorTypeText(undefined, [1, 3]), '1×3, element type not recorded');
    assert.equal(tensorTypeText('FLOAT', [1, 'batch', null]), 'FLOAT 1×batch×?');
    assert.equal(tensorTypeText('FLOAT', []), 'FLOAT scalar');
    assert.equal(tensorTypeText('seq(tensor(FLOAT))', undefined), 'seq(tensor(FLOAT))');
  });

  it('constant inputs are named by their role: a Conv\'s weight and bias', () => {
    assert.deepEqual([1, 2].map((i) => constantLabel('Conv', i)), ['Weight', 'Bias']);
    assert.deepEqual([1, 2].map((i) => constantLabel('Gemm', i)), ['Weight', 'Bias']);
    assert.equal(constantLabel('MatMul', 0), 'Weight');
    assert.equal(constantLabel('BatchNormalization', 4), 'Variance');
    assert.equal(constantLabel('Reshape', 1), 'Constant');
  });

  it('folded view: a Q/DQ folded into the node or edge shown is not a link target there; elsewhere (another edge) and in the raw view it is', () => {
    const { view } = tinyView('folded');
    const conv = view.nodes.findIndex((v) => v.weightBadges?.length);
    const wb = view.badges[view.nodes[conv]!.weightBadges![0]!]!;
    assert.equal(foldedHere(view, wb.dqName, { node: conv }), true);
    assert.equal(foldedHere(view, wb.qName!, { node: conv }), true);
    // The activation pair feeding that Conv lands on its input edge: a link there selects that edge.
    const inEdge = view.edges.findIndex((e) => e.t === conv && e.badges?.length);
    assert.ok(inEdge >= 0, 'the Conv reads a quantized activation');
    const ab = view.badges[view.edges[inEdge]!.badges![0]!]!;
    assert.equal(foldedHere(view, ab.dqName, { node: conv }), false);
    assert.deepEqual(viewIndexOf(view).targets(ab.dqName)?.edges.includes(inEdge), true);
    assert.equal(foldedHere(view, ab.dqName, { edge: inEdge }), true);
    assert.equal(foldedHere(view, ab.qName!, { edge: inEdge }), true);
    // A drawn node is always a link.
    assert.equal(foldedHere(view, nodeKey(view, view.nodes[conv]!), { node: conv }), false);
    const raw = tinyView('raw').view;
    const rawConv = raw.nodes.findIndex((v) => v.name === view.nodes[conv]!.name);
    assert.equal(foldedHere(raw, wb.dqName, { node: rawConv }), false);
    assert.equal(viewIndexOf(view), viewIndexOf(view), 'one index per view');
  });
});

describe('legendRowsFor', () => {
  const legend = [
    { key: 'INT8', label: 'INT8', color: 'charts.green' },
    { key: 'FP16', label: 'FP16', color: 'charts.orange' },
    { key: 'reformat', label: 'Standalone Q/DQ (reformat)', color: '#FFDD00' },
  ];
  it('lists only the keys some drawn node is coloured by, in legend order', () => {
    // Folded view: the reformat Q/DQ nodes are edge badges, so nothing is drawn in its colour.
    const rows = legendRowsFor(legend, new Set(['FP16', 'INT8']), false, (c) => `c-${c}`);
    assert.deepEqual(rows, [
      { label: 'INT8', color: 'c-charts.green' },
      { label: 'FP16', color: 'c-charts.orange' },
    ]);
  });
  it('a heat ramp is one gradient row between its two labelled ends, not two lone colours', () => {
    const ramp = [
      { key: 'lo', label: 'least sensitive', color: 'charts.yellow' },
      { key: 'hi', label: 'most sensitive', color: 'charts.red' },
    ];
    assert.deepEqual(legendRowsFor(ramp, new Set(), true, (c) => c), [
      { ramp: { low: { label: 'least sensitive', color: 'charts.yellow' }, high: { label: 'most sensitive', color: 'charts.red' } } },
    ]);
    assert.deepEqual(legendRowsFor(ramp, new Set(['lo']), true, (c) => c).length, 1, 'an end drawn by key is in the ramp already');
    assert.deepEqual(legendRowsFor(ramp, new Set(), false, (c) => c), [], 'no heat drawn, no ramp');
    // Keyed entries between the ends stay squares, after the ramp.
    const three = [ramp[0]!, { key: 'skip', label: 'skipped', color: 'grey' }, ramp[1]!];
    assert.deepEqual(legendRowsFor(three, new Set(['skip']), true, (c) => c).slice(1), [{ label: 'skipped', color: 'grey' }]);
  });
  it('a heat ramp without two legend entries takes the default ramp', () => {
    assert.deepEqual(heatEnds([]), { low: { label: 'low', color: HEAT_RAMP.low }, high: { label: 'high', color: HEAT_RAMP.high } });
    assert.deepEqual(heatEnds([{ label: 'a', color: 'x' }, { label: 'b', color: 'y' }]), { low: { label: 'a', color: 'x' }, high: { label: 'b', color: 'y' } });
  });
});

describe('effectiveColorSource', () => {
  it('a chosen colouring that went away (sensitivity results removed) falls back to predicted precision, not op type; the choice comes back with it', () => {
    const withSens = [OP_TYPE_SOURCE, DEFAULT_COLOR_SOURCE, 'sensitivity'];
    const without = [OP_TYPE_SOURCE, DEFAULT_COLOR_SOURCE];
    assert.equal(DEFAULT_COLOR_SOURCE, 'analysis');
    assert.equal(effectiveColorSource('sensitivity', withSens), 'sensitivity');
    assert.equal(effectiveColorSource('sensitivity', without), DEFAULT_COLOR_SOURCE);
    assert.equal(effectiveColorSource('engine', without), DEFAULT_COLOR_SOURCE);
    assert.equal(effectiveColorSource(OP_TYPE_SOURCE, withSens), OP_TYPE_SOURCE, 'op type chosen: kept');
    // Before the analysis overlay arrives (or when it colours nothing): op type.
    assert.equal(effectiveColorSource('sensitivity', [OP_TYPE_SOURCE]), OP_TYPE_SOURCE);
    assert.equal(effectiveColorSource(DEFAULT_COLOR_SOURCE, [OP_TYPE_SOURCE]), OP_TYPE_SOURCE);
  });
});
