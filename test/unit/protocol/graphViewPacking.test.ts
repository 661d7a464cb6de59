import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../../src/core/graphView/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { packGraphView, unpackGraphView, type GraphViewMessage } from '../../../src/protocol/graphView';
import { isFromWebview, isToWebview } from '../../../src/protocol/messages';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

function realReply(): GraphViewMessage {
  const bytes = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();
  const decoded = decodeModel(new MemorySource(bytes, 'packing.onnx'), { file: 'packing.onnx' });
  const view = buildViewGraph(decoded, { ref: { path: [] }, mode: 'folded', index: buildGraphIndex(decoded.model.graph!) });
  const sizes = viewNodeSizes(view, {});
  const layout = layoutToJson(layoutViewGraph(view, { sizes }), sizes);
  return { type: 'graphView', inReplyTo: 7, view, layout, timing: { buildMs: 1, layoutMs: 2 } };
}

describe('graphView packing (what the host posts)', () => {
  it('packs view and layout into one JSON text and restores them exactly', () => {
    const reply = realReply();
    assert.ok(reply.view!.nodes.length > 10);
    const packed = packGraphView(reply);
    assert.equal(packed.view, undefined);
    assert.equal(packed.layout, undefined);
    assert.equal(typeof packed.packed, 'string');
    assert.equal(packed.inReplyTo, 7);
    assert.deepEqual(packed.timing, reply.timing);
    assert.ok(isToWebview(packed), 'the webview accepts the packed message');
    // Through a structured clone, as VS Code relays it.
    const restored = unpackGraphView(structuredClone(packed));
    assert.deepEqual(restored, reply);
  });

  it('leaves error replies and unpacked messages alone', () => {
    const error: GraphViewMessage = { type: 'graphView', inReplyTo: 1, error: 'bad ref' };
    assert.equal(packGraphView(error), error);
    assert.equal(unpackGraphView(error), error);
  });

  it('turns a malformed packed text into an error reply, never a throw', () => {
    for (const packed of ['{', '[]', '{"view":1,"layout":{}}', 'null']) {
      const out = unpackGraphView({ type: 'graphView', inReplyTo: 3, packed });
      assert.equal(out.inReplyTo, 3);
      assert.match(out.error ?? '', /malformed/);
      assert.equal(out.view, undefined);
    }
  });
});

describe('graphPainted (webview -> host, once per page)', () => {
  it('is accepted with a finite firstPaintMs and refused otherwise', () => {
    assert.equal(isFromWebview({ type: 'graphPainted', firstPaintMs: 123 }), true);
    for (const bad of [{ type: 'graphPainted' }, { type: 'graphPainted', firstPaintMs: Number.NaN }, { type: 'graphPainted', firstPaintMs: '12' }, { type: 'graphPainted', firstPaintMs: Infinity }]) {
      assert.equal(isFromWebview(bad), false, JSON.stringify(bad));
    }
  });
});

describe('requestGraphView (webview -> host)', () => {
  it('may leave the mode to the host (the page\'s first request, before init), and names it right otherwise', () => {
    const font = { charWidth: 7.5, lineHeight: 19 };
    assert.equal(isFromWebview({ type: 'requestGraphView', requestId: 1, ref: { path: [] }, font }), true);
    assert.equal(isFromWebview({ type: 'requestGraphView', requestId: 1, ref: { path: [] }, mode: 'raw', font }), true);
    for (const bad of [
      { type: 'requestGraphView', requestId: 1, ref: { path: [] }, mode: 'sideways', font },
      { type: 'requestGraphView', requestId: 1, ref: { path: [] }, mode: null, font },
      { type: 'requestGraphView', ref: { path: [] } },
    ]) {
      assert.equal(isFromWebview(bad), false, JSON.stringify(bad));
    }
  });
});
