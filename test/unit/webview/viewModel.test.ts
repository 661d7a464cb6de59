/** Pure graph-view webview helpers: elements from a real builder model, segment bends, keys, search. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { ViewIndex, badgeText, nodeKey, segmentPoint, segmentsFor, toElements } from '../../../webview/graph/viewModel';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

function tinyView(mode: 'folded' | 'raw') {
  const d = decodeModel(new MemorySource(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes(), 'tiny.onnx'));
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
});
