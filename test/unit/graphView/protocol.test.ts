/**
 * The graph-view protocol (src/protocol/graphView.ts): the core's view graph and layout JSON stay
 * assignable to the DTOs (checked by the compiler here), a whole `graphView` message survives JSON,
 * and the request guard refuses malformed references.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes, type ViewGraph, type ViewLayoutJson } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { type GraphLayoutDto, type GraphViewDto, type GraphViewMessage, isGraphRef, isRequestGraphView } from '../../../src/protocol/graphView';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

// Compile-time guards: a core view graph / layout must stay assignable to the protocol's DTOs.
const viewIsDto = (v: ViewGraph): GraphViewDto => v;
const layoutIsDto = (l: ViewLayoutJson): GraphLayoutDto => l;

describe('graph view protocol', () => {
  test('a graphView message built from a real model survives JSON', () => {
    const d = decodeModel(new MemorySource(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes(), 'tiny.onnx'));
    const view = buildViewGraph(d);
    const sizes = viewNodeSizes(view);
    const layout = layoutToJson(layoutViewGraph(view, { sizes }), sizes);
    const msg: GraphViewMessage = { type: 'graphView', inReplyTo: 1, view: viewIsDto(view), layout: layoutIsDto(layout), timing: { buildMs: 1, layoutMs: 2 } };
    assert.deepEqual(JSON.parse(JSON.stringify(msg)), msg);
    assert.equal(layout.x.length, view.nodes.length);
    assert.equal(layout.pointStart.length, view.edges.length + 1);
    assert.equal(layout.points.length, 2 * layout.pointStart.at(-1)!);
    assert.ok(layout.x.every(Number.isInteger) && layout.points.every(Number.isInteger), 'whole pixels');
  });

  test('requestGraphView guard', () => {
    const ok = { type: 'requestGraphView', requestId: 3, mode: 'folded', ref: { path: [] } };
    assert.ok(isRequestGraphView(ok));
    assert.ok(isRequestGraphView({ ...ok, mode: 'raw', ref: { path: [{ node: 2, attr: 'body' }, { node: 0, attr: 'branches', index: 1 }] } }));
    assert.ok(isRequestGraphView({ ...ok, ref: { function: { domain: 'local', name: 'F' }, path: [] } }));
    for (const bad of [
      { ...ok, mode: 'fancy' },
      { ...ok, requestId: '3' },
      { ...ok, ref: { path: [{ node: -1, attr: 'x' }] } },
      { ...ok, ref: { path: [{ node: 1.5, attr: 'x' }] } },
      { ...ok, ref: { path: [{ node: 1, attr: 7 }] } },
      { ...ok, ref: { path: [{ node: 1, attr: 'x', index: -2 }] } },
      { ...ok, ref: { function: { name: 'F' }, path: [] } },
      { ...ok, ref: { path: Array.from({ length: 65 }, () => ({ node: 0, attr: 'body' })) } },
      { ...ok, ref: null },
      null,
      'requestGraphView',
    ]) {
      assert.equal(isRequestGraphView(bad), false, JSON.stringify(bad));
    }
    assert.equal(isGraphRef({ path: {} }), false);
  });
});
