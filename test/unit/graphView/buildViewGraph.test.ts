/**
 * buildViewGraph: the folded and raw views against what the model builder says it built (its
 * manifest: every Q/DQ pair with its scale values), hand-made edge cases (lone weight DQ, Q
 * without DQ, unused pair, Q on a graph output, back-to-back pairs, a Q read by two DQs),
 * subgraphs and functions, and plain-JSON output.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { type QdqBadge, type ViewGraph, buildViewGraph } from '../../../src/core/graphView/index';
import { type DecodedModel, MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { float32Payload, quantPayload } from '../../support/builder/weights';
import { type BuildManifest, type QdqRecord, ModelBuilder, YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { graphModel, onnx } from '../onnx/hostile/models';

function decode(bytes: Uint8Array, name = 'm.onnx'): DecodedModel {
  return decodeModel(new MemorySource(bytes, name));
}

function built(b: ModelBuilder): { d: DecodedModel; manifest: BuildManifest } {
  return { d: decode(b.toBytes()), manifest: b.manifest() };
}

/** Folded vs raw: the nodes removed are exactly the folded Q/DQ nodes. */
function assertFoldCounts(d: DecodedModel): { folded: ViewGraph; raw: ViewGraph } {
  const index = buildGraphIndex(d.model.graph!);
  const folded = buildViewGraph(d, { index });
  const raw = buildViewGraph(d, { index, mode: 'raw' });
  assert.equal(raw.stats.foldedPairs, 0);
  assert.equal(raw.badges.length, 0);
  assert.equal(raw.stats.opNodes - folded.stats.opNodes, 2 * folded.stats.foldedPairs + folded.stats.foldedWeightDq);
  assert.equal(folded.badges.length, folded.stats.foldedPairs + folded.stats.foldedWeightDq);
  assert.equal(raw.stats.opNodes, d.model.graph!.node.length - raw.stats.inlinedConstants, 'raw keeps every node but inlined Constants');
  assertWellFormed(folded);
  assertWellFormed(raw);
  return { folded, raw };
}

/** Indices in range, no undefined-valued keys (the view is plain JSON), edges unique. */
function assertWellFormed(v: ViewGraph): void {
  assert.deepEqual(JSON.parse(JSON.stringify(v)), v, 'plain JSON: survives a JSON round trip unchanged');
  const seen = new Set<string>();
  for (const e of v.edges) {
    assert.ok(e.s >= 0 && e.s < v.nodes.length && e.t >= 0 && e.t < v.nodes.length);
    assert.ok(e.tensor >= 0 && e.tensor < v.tensors.length);
    for (const b of e.badges ?? []) assert.equal(v.badges[b]!.kind, 'activation');
    const key = `${e.s}/${e.t}/${e.tensor}`;
    assert.ok(!seen.has(key), `duplicate edge ${key}`);
    seen.add(key);
  }
  for (const n of v.nodes) {
    if (n.kind === undefined) assert.ok(n.op! >= 0 && n.op! < v.ops.length);
    for (const p of n.params ?? []) assert.ok(p >= 0 && p < v.params.length);
    for (const b of n.weightBadges ?? []) assert.equal(v.badges[b]!.kind, 'weight');
  }
  for (const b of v.badges) {
    assert.ok(b.dtype >= 0 && b.dtype < v.dtypes.length);
    assert.ok(b.tensor >= 0 && b.tensor < v.tensors.length);
  }
  // Inputs first, operators in topological order, outputs last.
  const firstOp = v.nodes.findIndex((n) => n.kind === undefined);
  if (firstOp >= 0) assert.ok(v.nodes.slice(0, firstOp).every((n) => n.kind === 'input'));
}

/** The badge of the manifest record (found by its Q node, or its DQ for a lone DQ). */
function badgeFor(v: ViewGraph, rec: QdqRecord): QdqBadge | undefined {
  return v.badges.find((b) => b.qName === rec.quantizeNode);
}

function assertBadgeMatches(v: ViewGraph, b: QdqBadge, rec: QdqRecord): void {
  assert.equal(b.kind, rec.kind === 'activation' ? 'activation' : 'weight', rec.quantizeNode);
  assert.equal(v.dtypes[b.dtype], rec.dtype, `${rec.quantizeNode}: dtype`);
  assert.equal(b.dqName, rec.dequantizeNode);
  if (typeof rec.scale === 'number') {
    assert.equal(b.scale, rec.scale, `${rec.quantizeNode}: scale`);
    assert.equal(b.scales, undefined);
  } else {
    const values = Array.from(rec.scale);
    assert.equal(b.scale, undefined);
    assert.deepEqual(
      { count: b.scales!.count, min: b.scales!.min, max: b.scales!.max, axis: b.scales!.axis, blockSize: b.scales!.blockSize },
      { count: values.length, min: Math.min(...values), max: Math.max(...values), axis: rec.axis, blockSize: rec.blockSize },
      `${rec.quantizeNode}: per-channel scales`,
    );
  }
  assert.equal(b.zeroPoint, rec.zeroPoint ?? undefined, `${rec.quantizeNode}: zero point`);
  assert.equal(b.error, undefined);
  assert.equal(v.tensors[b.tensor]!.name, rec.output);
}

describe('folded view of builder models (manifest as the oracle)', () => {
  const cases: [string, () => ModelBuilder][] = [
    ['good, scales in Constant nodes', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' })],
    ['good, scales in initializers', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', scalesAs: 'initializer' })],
    ['naive', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'naive' })],
    ['FP8', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', opset: 19, quantTypes: { activation: 'FLOAT8E4M3FN', weight: 'FLOAT8E4M3FN', saturate: true } })],
    ['INT4 block weights, zero points omitted', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', opset: 21, quantTypes: { weight: 'INT4', weightBlockSize: 4, zeroPoint: 'outputDtype' } })],
    ['defects', () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', defects: { nonZeroZeroPoint: true, uint8Activation: true, missingWeightQdq: true, danglingQ: true, biasQdq: true } })],
  ];
  for (const [name, make] of cases) {
    test(name, () => {
      const { d, manifest } = built(make());
      const { folded, raw } = assertFoldCounts(d);
      const pairs = manifest.qdq.filter((r) => r.dequantizeNode !== null && r.consumers.length > 0);
      assert.equal(folded.stats.foldedPairs, pairs.length, 'every read pair is folded');
      assert.equal(folded.stats.foldedWeightDq, 0);
      for (const rec of pairs) {
        const b = badgeFor(folded, rec);
        assert.ok(b, `no badge for ${rec.quantizeNode}`);
        assertBadgeMatches(folded, b, rec);
      }
      // Weight badges sit on the convs that read the weight; activation badges on edges into the readers.
      for (const rec of pairs) {
        const b = folded.badges.indexOf(badgeFor(folded, rec)!);
        for (const reader of rec.consumers) {
          const at = folded.nodes.findIndex((n) => n.kind === undefined && n.name === reader);
          assert.ok(at >= 0, `reader ${reader} drawn`);
          if (rec.kind === 'activation') {
            assert.ok(folded.edges.some((e) => e.t === at && e.badges?.includes(b)), `edge into ${reader} carries ${rec.quantizeNode}`);
          } else {
            assert.ok(folded.nodes[at]!.weightBadges?.includes(b), `${reader} carries the weight badge ${rec.quantizeNode}`);
            assert.equal(folded.params[folded.badges[b]!.param!]!.name, rec.input);
          }
        }
      }
      // Without Q/DQ the folded graph has the float model's shape: no Q/DQ op drawn.
      const dangling = manifest.qdq.filter((r) => r.dequantizeNode === null).length;
      assert.equal(folded.stats.unfoldedQ, dangling);
      const drawnOps = new Set(folded.nodes.filter((n) => n.kind === undefined).map((n) => folded.ops[n.op!]));
      if (!dangling) assert.ok(!drawnOps.has('QuantizeLinear') && !drawnOps.has('DequantizeLinear'));
      assert.equal(raw.nodes.filter((n) => n.kind === undefined && raw.ops[n.op!] === 'QuantizeLinear').length, manifest.quantizeLinearCount);
    });
  }

  test('the folded quantized model has the float model\'s graph', () => {
    const fp = buildViewGraph(built(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'none' })).d);
    const q = buildViewGraph(built(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' })).d);
    const shape = (v: ViewGraph): string[] =>
      v.edges.map((e) => `${v.nodes[e.s]!.name || v.ops[v.nodes[e.s]!.op!]} -> ${v.nodes[e.t]!.name}`).sort();
    assert.deepEqual(shape(q), shape(fp));
    assert.deepEqual(q.nodes.map((n) => n.name), fp.nodes.map((n) => n.name));
  });

  test('a dangling Q stays drawn, named as in the manifest', () => {
    const { d, manifest } = built(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', defects: { danglingQ: true } }));
    const v = buildViewGraph(d);
    const defect = manifest.defects.find((x) => x.kind === 'danglingQ')!;
    const q = v.nodes.find((n) => n.name === defect.nodes[0]);
    assert.ok(q, 'the dangling Q is a node');
    assert.equal(v.ops[q.op!], 'QuantizeLinear');
    assert.equal(v.stats.unfoldedQ, 1);
    assert.ok(q.params && q.params.length === 2, 'its scale and zero point are listed as parameters');
  });
});

/** A tiny hand-made graph on the builder's low-level API. */
function handModel(build: (b: ModelBuilder) => void, opset = 13): DecodedModel {
  const b = new ModelBuilder({ opset });
  build(b);
  return decode(b.toBytes());
}

describe('folding edge cases', () => {
  test('a lone DequantizeLinear on an INT8 weight becomes a weight badge', () => {
    const d = handModel((b) => {
      const x = b.input('x', 'FLOAT', [1, 3, 8, 8]);
      const w = b.initializer('w_int8', 'INT8', [4, 3, 3, 3], quantPayload('INT8', Array.from({ length: 108 }, (_, i) => (i % 17) - 8)));
      const s = b.initializer('w_scale', 'FLOAT', [4], float32Payload([0.5, 0.25, 0.125, 1]));
      const zp = b.initializer('w_zp', 'INT8', [4], quantPayload('INT8', [0, 0, 0, 0]));
      const [wf] = b.node('DequantizeLinear', [w, s, zp], [{ dtype: 'FLOAT', shape: [4, 3, 3, 3] }], { scope: '/w', attrs: { axis: 0 } });
      const [y] = b.node('Conv', [x, wf!], [{ dtype: 'FLOAT', shape: [1, 4, 8, 8] }], { scope: '/conv', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } });
      b.output(y!, 'y');
    });
    const { folded } = assertFoldCounts(d);
    assert.equal(folded.stats.foldedWeightDq, 1);
    assert.equal(folded.stats.foldedPairs, 0);
    const conv = folded.nodes.find((n) => n.name === '/conv/Conv')!;
    const b = folded.badges[conv.weightBadges![0]!]!;
    assert.equal(b.kind, 'weight');
    assert.equal(b.q, undefined);
    assert.equal(b.dqName, '/w/DequantizeLinear');
    assert.equal(folded.dtypes[b.dtype], 'INT8');
    assert.deepEqual(b.scales, { count: 4, min: 0.125, max: 1, axis: 0 });
    assert.equal(b.zeroPoint, 0);
    assert.deepEqual(folded.params[b.param!], { name: 'w_int8', dtype: folded.dtypes.indexOf('INT8'), shape: [4, 3, 3, 3], bytes: 108 });
    assert.equal(folded.nodes.length, 3, 'x, Conv, y');
  });

  const actQdq = (b: ModelBuilder, x: ReturnType<ModelBuilder['input']>, scope: string, scale: number, o: { dq?: boolean } = {}) => {
    const s = b.initializer(`${scope}/scale`, 'FLOAT', [], float32Payload([scale]));
    const zp = b.initializer(`${scope}/zp`, 'UINT8', [], quantPayload('UINT8', [128]));
    const [q] = b.node('QuantizeLinear', [x, s, zp], [{ dtype: 'UINT8', shape: x.shape }], { scope });
    if (o.dq === false) return q!;
    const [y] = b.node('DequantizeLinear', [q!, s, zp], [{ dtype: 'FLOAT', shape: x.shape }], { scope });
    return y!;
  };

  test('back-to-back pairs give one edge with both badges, source side first', () => {
    const d = handModel((b) => {
      const x = b.input('x', 'FLOAT', [1, 4]);
      const y1 = actQdq(b, x, '/a', 0.5);
      const y2 = actQdq(b, y1, '/b', 0.25);
      const [r] = b.node('Relu', [y2], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/relu' });
      b.output(r!, 'out');
    });
    const { folded } = assertFoldCounts(d);
    assert.equal(folded.stats.foldedPairs, 2);
    const relu = folded.nodes.findIndex((n) => n.name === '/relu/Relu');
    const e = folded.edges.find((x) => x.t === relu)!;
    assert.equal(folded.nodes[e.s]!.name, 'x');
    assert.equal(folded.tensors[e.tensor]!.name, 'x');
    assert.deepEqual(e.badges!.map((b) => folded.badges[b]!.scale), [0.5, 0.25]);
    assert.deepEqual(e.badges!.map((b) => folded.badges[b]!.zeroPoint), [128, 128]);
    assert.equal(folded.dtypes[folded.badges[e.badges![0]!]!.dtype], 'UINT8');
  });

  test('not folded: Q without DQ, unused pair, Q on a graph output, Q read by two DQs', () => {
    const d = handModel((b) => {
      const x = b.input('x', 'FLOAT', [1, 4]);
      actQdq(b, x, '/dangling', 0.5, { dq: false }); // Q whose output nobody reads
      actQdq(b, x, '/unused', 0.5); // Q -> DQ, DQ output unread
      const qOut = actQdq(b, x, '/qout', 0.5, { dq: false });
      b.output(qOut, 'q_output'); // Q output is a graph output
      const s = b.initializer('/two/scale', 'FLOAT', [], float32Payload([0.1]));
      const [q] = b.node('QuantizeLinear', [x, s], [{ dtype: 'UINT8', shape: [1, 4] }], { scope: '/two' });
      const [d1] = b.node('DequantizeLinear', [q!, s], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/two' });
      const [d2] = b.node('DequantizeLinear', [q!, s], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/two' });
      const [sum] = b.node('Add', [d1!, d2!], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/sum' });
      b.output(sum!, 'out');
    });
    const { folded } = assertFoldCounts(d);
    assert.equal(folded.stats.foldedPairs, 0);
    assert.equal(folded.stats.unfoldedQ, 4);
    assert.equal(folded.stats.unfoldedDq, 3);
  });

  test('a pair on a graph input feeding a graph output is folded onto the input -> output edge', () => {
    const d = handModel((b) => {
      const x = b.input('x', 'FLOAT', [1, 4]);
      b.output(actQdq(b, x, '/io', 2), 'y');
    });
    const { folded } = assertFoldCounts(d);
    assert.equal(folded.nodes.length, 2);
    assert.equal(folded.edges.length, 1);
    const e = folded.edges[0]!;
    assert.deepEqual([e.s, e.t, folded.tensors[e.tensor]!.name, e.badges], [0, 1, 'x', [0]]);
    assert.equal(folded.tensors[folded.badges[0]!.tensor]!.name, 'y', 'the badge names the DQ output');
    assert.equal(folded.nodes[1]!.kind, 'output');
  });

  test('constants: "nodes" draws Constant nodes; folded, those that only fed folded Q/DQ go too', () => {
    const { d } = built(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }));
    const raw = buildViewGraph(d, { mode: 'raw', constants: 'nodes' });
    assert.equal(raw.stats.opNodes, d.model.graph!.node.length);
    assert.equal(raw.stats.inlinedConstants, 0);
    const folded = buildViewGraph(d, { constants: 'nodes' });
    const inline = buildViewGraph(d);
    assert.equal(folded.stats.foldedPairs, inline.stats.foldedPairs);
    assert.ok(folded.stats.foldedConstants > 0);
    assert.equal(
      raw.stats.opNodes - folded.stats.opNodes,
      2 * folded.stats.foldedPairs + folded.stats.foldedWeightDq + folded.stats.foldedConstants,
    );
    assert.equal(folded.stats.opNodes - inline.stats.opNodes, inline.stats.inlinedConstants - folded.stats.foldedConstants);
  });

  test('shapes and dtypes on edges come from value_info, inputs, outputs and initializers', () => {
    const b = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', valueInfo: true });
    const v = buildViewGraph(decode(b.toBytes()));
    const known = v.edges.filter((e) => v.tensors[e.tensor]!.shape !== undefined).length;
    assert.equal(known, v.edges.length, 'every edge tensor has a shape when value_info is complete');
    const images = v.tensors.find((t) => t.name === 'images')!;
    assert.deepEqual(images.shape, [1, 3, 64, 64]);
    assert.equal(v.dtypes[images.dtype!], 'FLOAT');
    const w = v.params.find((p) => p.name === 'model.0.conv.weight')!;
    assert.deepEqual(w.shape, [4, 3, 3, 3]);
    assert.equal(w.bytes, 4 * 3 * 3 * 3 * 4);
  });

  test('the view is deterministic', () => {
    const { d } = built(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }));
    assert.deepEqual(buildViewGraph(d), buildViewGraph(d));
  });
});

describe('subgraph readers', () => {
  /** x -> Q -> DQ -> y; an If whose then-branch reads y; optionally a Relu reading y too. */
  const model = (withRelu: boolean): DecodedModel => decode(graphModel({
    input: [{ name: 'x' }, { name: 'cond' }],
    initializer: [
      { name: 's', dims: [], dataType: 1, floatData: [0.5] },
      { name: 'zp', dims: [], dataType: 2, int32Data: [128] },
    ],
    node: [
      { name: 'q', opType: 'QuantizeLinear', input: ['x', 's', 'zp'], output: ['xq'] },
      { name: 'dq', opType: 'DequantizeLinear', input: ['xq', 's', 'zp'], output: ['y'] },
      {
        name: 'if', opType: 'If', input: ['cond'], output: ['out'],
        attribute: [{
          name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
          g: { name: 'then', node: [{ opType: 'Identity', input: ['y'], output: ['u'] }], output: [{ name: 'u' }] },
        }],
      },
      ...(withRelu ? [{ name: 'relu', opType: 'Relu', input: ['y'], output: ['r'] }] : []),
    ],
    output: [{ name: 'out' }, ...(withRelu ? [{ name: 'r' }] : [])],
  }));

  test('a Q/DQ pair read only inside an If branch stays drawn (the If has no edge to carry its badge)', () => {
    const d = model(false);
    const index = buildGraphIndex(d.model.graph!);
    assert.deepEqual(index.consumers.get('y'), [2], 'the index lists the If as the reader of y');
    const folded = buildViewGraph(d, { index });
    assert.equal(folded.stats.foldedPairs, 0);
    assert.ok(folded.nodes.some((n) => n.name === 'q') && folded.nodes.some((n) => n.name === 'dq'));
  });

  test('a Constant that feeds only a folded pair goes with it, even when a branch reads it too', () => {
    const d = decode(graphModel({
      input: [{ name: 'x' }, { name: 'cond' }],
      node: [
        { name: 'sc', opType: 'Constant', output: ['s'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [], dataType: 1, floatData: [0.5] } }] },
        { name: 'q', opType: 'QuantizeLinear', input: ['x', 's'], output: ['xq'] },
        { name: 'dq', opType: 'DequantizeLinear', input: ['xq', 's'], output: ['y'] },
        { name: 'relu', opType: 'Relu', input: ['y'], output: ['r'] },
        {
          name: 'if', opType: 'If', input: ['cond'], output: ['out'],
          attribute: [{
            name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
            g: { name: 'then', node: [{ opType: 'Identity', input: ['s'], output: ['u'] }], output: [{ name: 'u' }] },
          }],
        },
      ],
      output: [{ name: 'r' }, { name: 'out' }],
    }));
    const index = buildGraphIndex(d.model.graph!);
    assert.deepEqual(index.consumers.get('s'), [1, 2, 4]);
    const folded = buildViewGraph(d, { index });
    assert.equal(folded.stats.foldedPairs, 1);
    assert.equal(folded.nodes.some((n) => n.name === 'sc'), false, 'the scale Constant is inlined with its pair, not left drawn without edges');
  });

  test('with a drawn reader too, the pair folds onto that reader\'s edge', () => {
    const d = model(true);
    const folded = buildViewGraph(d, { index: buildGraphIndex(d.model.graph!) });
    assert.equal(folded.stats.foldedPairs, 1);
    const relu = folded.nodes.findIndex((n) => n.name === 'relu');
    assert.equal(folded.edges.find((e) => e.t === relu)!.badges!.length, 1);
  });
});
