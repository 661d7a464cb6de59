/**
 * Tests for test/support/modelBuilder.ts: decode its output with onnx-proto
 * and check structure, Q/DQ placement per mode, defects, opset-dependent
 * encodings, external data and the manifest; then run the reference checker
 * (Debian's python3-onnx, /usr/bin/python3) over a set of builder outputs.
 *
 * Run: node --import tsx --test test/unit/support/modelBuilder.test.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildManifest, ModelBuilder, YoloLikeOptions } from '../../support/modelBuilder';
import { GraphView, ModelBuilder as Builder, num, scopeOf, YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { repoRoot } from '../../support/fixtures';

const tiny = YOLO_PRESETS.tiny;
const tmp = makeTempDir('qdq-model-builder-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function build(o: YoloLikeOptions): { b: ReturnType<typeof yoloLike>; g: GraphView; m: BuildManifest; bytes: Uint8Array } {
  const b = yoloLike({ ...tiny, ...o });
  const bytes = b.toBytes();
  return { b, g: new GraphView(bytes), m: b.manifest(), bytes };
}

/** Scale value of a per-tensor Q/DQ node. */
function scalar(g: GraphView, qOrDq: { input?: string[] | null }): number {
  const v = g.values(qOrDq.input![1]!);
  assert.equal(v.length, 1);
  return v[0]!;
}

/** Expected op counts of yoloLike, derived from its layout independently of the manifest. */
function expectedFloatCounts(levels: number, blocks: number, depth: number): Record<string, number> {
  const elans = levels * blocks + 2 * (levels - 1);
  const adowns = 2 * (levels - 1);
  const convs = 2 + elans * (4 + 2 * depth) + adowns * 2 + 2 + 2 * levels;
  return {
    Conv: convs,
    Sigmoid: convs - levels + 1, // head prediction convs have no SiLU; +1 head Sigmoid
    Mul: convs - levels,
    Add: elans * depth,
    Split: elans + 1,
    Slice: 2 * adowns,
    MaxPool: adowns + 3,
    Resize: levels - 1,
    Concat: elans + adowns + 1 + (levels - 1) * 2 + 2,
    Reshape: levels,
  };
}

describe('modelBuilder: structure (qdq none)', () => {
  const { g, m, bytes } = build({ qdq: 'none' });

  test('model header, input and output', () => {
    assert.equal(num(g.model.irVersion), 7);
    assert.deepEqual(g.model.opsetImport.map((o) => [o.domain ?? '', num(o.version)]), [['', 13]]);
    assert.equal(g.model.producerName, 'qdq-studio-test');
    const input = g.graph.input![0]!;
    assert.equal(input.name, 'images');
    assert.deepEqual(input.type!.tensorType!.shape!.dim!.map((d) => num(d.dimValue)), [1, 3, 64, 64]);
    const out = g.graph.output![0]!;
    assert.equal(out.name, 'output0');
    // two levels at strides 4 and 8 on 64x64: 256 + 64 anchors; 4 box + 4 classes.
    assert.deepEqual(out.type!.tensorType!.shape!.dim!.map((d) => num(d.dimValue)), [1, 8, 320]);
    assert.deepEqual(g.model.metadataProps.map((p) => [p.key, p.value]), [['stride', '8']]);
    assert.equal(g.producer.get('output0')!.opType, 'Concat');
  });

  test('op counts follow the layout and match the manifest', () => {
    const counts = g.opCounts();
    const expected = expectedFloatCounts(tiny.levels, tiny.blocks, tiny.depth);
    for (const [op, n] of Object.entries(expected)) assert.equal(counts[op], n, op);
    assert.deepEqual(counts, m.opCounts);
    assert.equal(g.nodes.length, m.nodeCount);
    assert.equal(counts['QuantizeLinear'], undefined);
  });

  test('PyTorch export naming: nodes, outputs, weights', () => {
    for (const n of g.nodes) {
      assert.match(n.name!, /^\/model\.\d+\//, n.name!);
      n.output!.forEach((o, i) => assert.ok(o === 'output0' || o === `${n.name}_output_${i}`, o));
    }
    assert.ok(g.byName.has('/model.2/cv1/conv/Conv'));
    assert.ok(g.byName.has('/model.2/cv1/act/Sigmoid'));
    assert.ok(g.byName.has('/model.2/m/m.0/cv1/conv/Conv'));
    assert.ok(g.byName.has('/model.12/cv2.0/cv2.0.1/Conv'), 'plain head conv');
    for (const conv of g.ofType('Conv')) {
      const [, w, bias] = conv.input!;
      assert.match(w!, /^model\.\d+(\.[\w]+)*\.weight$/);
      assert.equal(bias, w!.replace(/weight$/, 'bias'));
      const t = g.initializers.get(w!)!;
      assert.equal(t.dataType, 1);
      const dims = t.dims!.map((d) => num(d as number));
      assert.equal(t.rawData!.byteLength, dims.reduce((a, d) => a * d, 1) * 4);
      assert.equal(dims[0], m.convs.find((c) => c.node === conv.name)!.outChannels);
      assert.deepEqual(g.attr(conv, 'kernel_shape')!.ints, [dims[2], dims[3]]);
    }
  });

  test('SiLU is Sigmoid + Mul reading the conv output', () => {
    const conv = g.node('/model.0/conv/Conv');
    const y = conv.output![0]!;
    const sig = g.node('/model.0/act/Sigmoid');
    const mul = g.node('/model.0/act/Mul');
    assert.deepEqual(sig.input, [y]);
    assert.deepEqual(mul.input, [y, sig.output![0]]);
  });

  test('deterministic bytes; the seed changes weights only', () => {
    assert.deepEqual(build({ qdq: 'none' }).bytes, bytes);
    const other = build({ qdq: 'none', seed: 7 });
    assert.notDeepEqual(other.bytes, bytes);
    assert.equal(other.bytes.byteLength, bytes.byteLength);
    assert.deepEqual(other.g.nodes.map((n) => n.name), g.nodes.map((n) => n.name));
  });

  test('scopeOf follows torch.onnx scoping', () => {
    assert.equal(scopeOf('model.4.cv2.0.m.1.cv1'), '/model.4/cv2/cv2.0/m/m.1/cv1');
    assert.equal(scopeOf('model.22'), '/model.22');
    assert.equal(scopeOf('model.9.cv5'), '/model.9/cv5');
  });
});

describe('modelBuilder: good Q/DQ', () => {
  const { g, m } = build({ qdq: 'good' });

  test('every quantized conv reads DQ(Q(x)) and per-channel INT8 weights with zero point 0', () => {
    const quantized = m.convs.filter((c) => c.quantized);
    assert.equal(quantized.length, m.convs.length - tiny.levels, 'only head prediction convs stay float');
    for (const c of m.convs) {
      const conv = g.node(c.node);
      const inQ = g.qdqOf(conv.input![0]!);
      const wQ = g.qdqOf(conv.input![1]!);
      if (!c.quantized) {
        assert.equal(inQ, undefined, c.node);
        assert.equal(conv.input![1], c.weight);
        continue;
      }
      assert.ok(inQ, `${c.node} input`);
      assert.equal(g.values(inQ.q.input![2]!)[0], 0);
      assert.equal(g.tensorProto(inQ.q.input![2]!)!.dataType, 3);
      assert.ok(wQ, `${c.node} weight`);
      assert.equal(wQ.q.input![0], c.weight);
      assert.equal(g.attr(wQ.q, 'axis')!.i, 0);
      assert.equal(g.attr(wQ.dq, 'axis')!.i, 0);
      assert.deepEqual(g.dims(wQ.q.input![1]!), [c.outChannels]);
      const zp = g.tensorProto(wQ.q.input![2]!)!;
      assert.equal(zp.dataType, 3);
      assert.ok(g.values(zp.name ? zp.name : wQ.q.input![2]!).every((v) => v === 0));
      assert.equal(conv.input![2], c.bias, 'bias stays float');
    }
  });

  test('Concat inputs share one scale, also with the conv after the Concat', () => {
    const concats = [...(m.roles['concat.elan'] ?? []), ...(m.roles['concat.spp'] ?? []), ...(m.roles['concat.neck'] ?? []), ...(m.roles['concat.down'] ?? [])];
    assert.equal(concats.length, g.ofType('Concat').length - 2, 'all but the two head concats');
    for (const name of concats) {
      const cat = g.node(name);
      const scales = cat.input!.map((i) => {
        const qdq = g.qdqOf(i);
        assert.ok(qdq, `${name} input ${i}`);
        return scalar(g, qdq.q);
      });
      assert.equal(new Set(scales).size, 1, name);
      for (const consumer of g.consumersOf(cat.output![0]!)) {
        assert.equal(consumer.opType, 'QuantizeLinear');
        assert.equal(scalar(g, consumer), scales[0], `${name} -> ${consumer.name}`);
      }
    }
    for (const name of m.roles['head.concat']!) assert.ok(g.node(name).input!.every((i) => !g.qdqOf(i)));
  });

  test('MaxPool and Resize: same scale on both sides', () => {
    for (const name of [...m.roles['maxpool']!, ...m.roles['resize']!]) {
      const node = g.node(name);
      const qdq = g.qdqOf(node.input![0]!);
      assert.ok(qdq, name);
      const s = scalar(g, qdq.q);
      const after = g.consumersOf(node.output![0]!).filter((c) => c.opType === 'QuantizeLinear');
      assert.ok(after.length >= 1, `${name} output is quantized`);
      for (const q of after) assert.equal(scalar(g, q), s, `${name} -> ${q.name}`);
    }
  });

  test('residual Add: both inputs DQ with one scale', () => {
    assert.equal(m.roles['add.residual']!.length, g.ofType('Add').length);
    for (const name of m.roles['add.residual']!) {
      const [a, b] = g.node(name).input!.map((i) => g.qdqOf(i));
      assert.ok(a && b, name);
      assert.equal(scalar(g, a.q), scalar(g, b.q));
    }
  });

  test('no dangling or duplicate Q/DQ; scale groups are consistent', () => {
    for (const q of g.ofType('QuantizeLinear')) {
      const cons = g.consumersOf(q.output![0]!);
      assert.equal(cons.length, 1, q.name!);
      assert.equal(cons[0]!.opType, 'DequantizeLinear');
      assert.ok(g.consumersOf(cons[0]!.output![0]!).length >= 1, `${cons[0]!.name} is read`);
    }
    const seen = new Set<string>();
    for (const q of g.ofType('QuantizeLinear')) {
      if (g.initializers.has(q.input![0]!)) continue;
      const key = `${q.input![0]}|${scalar(g, q)}`;
      assert.ok(!seen.has(key), `tensor quantized twice with one scale: ${key}`);
      seen.add(key);
    }
    for (const [group, { scale, quantizeNodes }] of Object.entries(m.scaleGroups)) {
      for (const qn of quantizeNodes) assert.equal(scalar(g, g.node(qn)), scale, group);
    }
  });

  test('scales as Constant nodes in the quantizer scope, torch order', () => {
    const q = g.node('/model.2/cv1/conv/_input_quantizer/QuantizeLinear');
    assert.deepEqual(q.input!.slice(1), [
      '/model.2/cv1/conv/_input_quantizer/Constant_1_output_0',
      '/model.2/cv1/conv/_input_quantizer/Constant_output_0',
    ]);
    const wq = g.node('/model.2/cv1/conv/_weight_quantizer/QuantizeLinear');
    assert.deepEqual(wq.input, [
      'model.2.cv1.conv.weight',
      '/model.2/cv1/conv/_weight_quantizer/Constant_output_0',
      '/model.2/cv1/conv/_weight_quantizer/Constant_1_output_0',
    ]);
    const dq = g.node('/model.2/cv1/conv/_input_quantizer/DequantizeLinear');
    assert.deepEqual(dq.input!.slice(1), q.input!.slice(1), 'Q and DQ share scale and zero point');
  });

  test('scales as initializers: one pair per scale group', () => {
    const { g: gi, m: mi } = build({ qdq: 'good', scalesAs: 'initializer' });
    assert.equal(gi.opCounts()['Constant'], g.opCounts()['Constant']! - 2 * m.quantizeLinearCount);
    for (const q of gi.ofType('QuantizeLinear')) {
      assert.ok(gi.initializers.has(q.input![1]!) && gi.initializers.has(q.input![2]!), q.name!);
    }
    for (const { quantizeNodes } of Object.values(mi.scaleGroups)) {
      assert.equal(new Set(quantizeNodes.map((n) => gi.node(n).input![1])).size, 1);
    }
  });
});

describe('modelBuilder: naive Q/DQ', () => {
  const { g, m } = build({ qdq: 'naive' });

  test('every conv (head included) has its own input and weight Q/DQ, nothing else is quantized', () => {
    const convs = g.ofType('Conv');
    assert.ok(m.convs.every((c) => c.quantized));
    assert.equal(m.quantizeLinearCount, 2 * convs.length);
    for (const q of g.ofType('QuantizeLinear')) {
      const dq = g.consumersOf(q.output![0]!);
      assert.equal(dq.length, 1);
      const users = g.consumersOf(dq[0]!.output![0]!);
      assert.equal(users.length, 1);
      assert.equal(users[0]!.opType, 'Conv', q.name!);
    }
    for (const op of ['Concat', 'MaxPool', 'Resize', 'Add']) {
      for (const n of g.ofType(op)) assert.ok(n.input!.every((i) => !g.qdqOf(i)), n.name!);
    }
  });

  test('independent scales', () => {
    const act = m.qdq.filter((r) => r.kind === 'activation');
    assert.equal(new Set(act.map((r) => r.scale)).size, act.length);
  });

  test('a tensor feeding two convs gets one pair per consumer (naive) or one shared pair (good, same group)', () => {
    const make = (qdq: 'naive' | 'good'): GraphView => {
      const b = new Builder({ qdq });
      const x = b.input('images', 'FLOAT', [1, 4, 8, 8]);
      const group = b.newScaleGroup('/model.1/shared');
      const a = b.convSilu(x, { module: 'model.1.cv1', cout: 4, inputGroup: group });
      const c = b.convSilu(x, { module: 'model.1.cv2', cout: 4, inputGroup: group });
      b.output(b.concat([a, c], { scope: '/model.1', quantizeInputs: false }), 'output0');
      return new GraphView(b.toBytes());
    };
    const naive = make('naive');
    const nq = naive.consumersOf('images').filter((n) => n.opType === 'QuantizeLinear');
    assert.equal(nq.length, 2);
    assert.notEqual(scalar(naive, nq[0]!), scalar(naive, nq[1]!));
    const good = make('good');
    const gq = good.consumersOf('images').filter((n) => n.opType === 'QuantizeLinear');
    assert.equal(gq.length, 1);
    const dq = good.consumersOf(gq[0]!.output![0]!)[0]!;
    assert.equal(good.consumersOf(dq.output![0]!).length, 2);
  });
});

describe('modelBuilder: defects', () => {
  const kinds = ['nonZeroZeroPoint', 'uint8Activation', 'missingWeightQdq', 'danglingQ', 'biasQdq'] as const;
  const base = build({ qdq: 'good' });

  for (const kind of kinds) {
    test(`${kind} alone`, () => {
      const { b, g, m } = build({ qdq: 'good', defects: { [kind]: true } });
      assert.equal(m.defects.length, 1);
      const d = m.defects[0]!;
      assert.equal(d.kind, kind);
      const conv = g.node(d.conv);
      assert.equal(m.convs.find((c) => c.node === d.conv)!.module, b.layout.defectTargets[kind]);
      switch (kind) {
        case 'nonZeroZeroPoint': {
          const q = g.qdqOf(conv.input![0]!)!.q;
          assert.equal(q.name, d.nodes[0]);
          assert.equal(g.tensorProto(q.input![2]!)!.dataType, 3);
          assert.deepEqual(g.values(q.input![2]!), [3]);
          break;
        }
        case 'uint8Activation': {
          const q = g.qdqOf(conv.input![0]!)!.q;
          assert.equal(g.tensorProto(q.input![2]!)!.dataType, 2);
          assert.deepEqual(g.values(q.input![2]!), [128]);
          break;
        }
        case 'missingWeightQdq':
          assert.ok(g.qdqOf(conv.input![0]!), 'input Q/DQ stays');
          assert.ok(g.initializers.has(conv.input![1]!), 'weight read directly');
          assert.equal(m.quantizeLinearCount, base.m.quantizeLinearCount - 1);
          break;
        case 'danglingQ': {
          const q = g.node(d.nodes[0]!);
          assert.equal(q.opType, 'QuantizeLinear');
          assert.equal(g.consumersOf(q.output![0]!).length, 0);
          assert.equal(q.input![0], g.qdqOf(conv.input![0]!)!.q.input![0], 'reads the conv input tensor');
          assert.equal(m.quantizeLinearCount, base.m.quantizeLinearCount + 1);
          assert.equal(m.dequantizeLinearCount, base.m.dequantizeLinearCount);
          break;
        }
        case 'biasQdq': {
          const qdq = g.qdqOf(conv.input![2]!);
          assert.ok(qdq);
          assert.match(qdq.q.input![0]!, /\.bias$/);
          assert.deepEqual(d.nodes, [qdq.q.name, qdq.dq.name]);
          break;
        }
      }
    });
  }

  test('all defects together, on a naive model, at chosen convs', () => {
    const { m, g } = build({
      qdq: 'naive',
      defects: { nonZeroZeroPoint: ['model.1'], uint8Activation: ['model.2.cv2'], missingWeightQdq: ['model.12.cv2.0.1'], danglingQ: ['model.2.cv4'], biasQdq: ['model.0'] },
    });
    assert.deepEqual(m.defects.map((d) => d.kind).sort(), [...kinds].sort());
    assert.ok(g.initializers.has(g.node('/model.12/cv2.0/cv2.0.1/Conv').input![1]!));
  });

  test('unknown or unquantized targets are errors', () => {
    assert.throws(() => build({ qdq: 'good', defects: { danglingQ: ['model.99'] } }), /never built/);
    assert.throws(() => build({ qdq: 'good', defects: { biasQdq: ['model.12.cv2.0.1'] } }), /not a quantized conv/);
    assert.throws(() => build({ qdq: 'none', defects: { biasQdq: true } }), /need qdq/);
  });
});

describe('modelBuilder: opset-dependent encodings', () => {
  test('opset 13: Split sizes and Slice params as inputs, Resize without roi', () => {
    const { g } = build({ qdq: 'none' });
    for (const s of g.ofType('Split')) {
      assert.equal(s.input!.length, 2);
      assert.equal(g.attr(s, 'split'), undefined);
    }
    for (const s of g.ofType('Slice')) assert.equal(s.input!.length, 5);
    const r = g.ofType('Resize')[0]!;
    assert.equal(r.input![1], '');
    assert.deepEqual(g.values(r.input![2]!), [1, 1, 2, 2]);
    assert.equal(g.attr(r, 'mode')!.s, 'nearest');
    assert.equal(g.attr(r, 'coordinate_transformation_mode')!.s, 'asymmetric');
  });

  test('opset 11: Split as attribute, Resize with an empty roi input', () => {
    const { g } = build({ qdq: 'none', opset: 11 });
    assert.equal(num(g.model.irVersion), 6);
    for (const s of g.ofType('Split')) {
      assert.equal(s.input!.length, 1);
      assert.ok(g.attr(s, 'split')!.ints!.length >= 2);
    }
    const r = g.ofType('Resize')[0]!;
    assert.equal(r.input!.length, 3);
    assert.deepEqual(g.dims(r.input![1]!), [0]);
  });

  test('opset 9: Slice with attributes', () => {
    const b = new Builder({ opset: 9 });
    const x = b.input('x', 'FLOAT', [1, 4, 2, 2]);
    b.output(b.slice(x, { scope: '/model.0', axis: 1, start: 0, end: 2 }), 'y');
    const g = new GraphView(b.toBytes());
    const s = g.ofType('Slice')[0]!;
    assert.equal(s.input!.length, 1);
    assert.deepEqual(g.attr(s, 'starts')!.ints, [0]);
    assert.deepEqual(g.graph.output![0]!.type!.tensorType!.shape!.dim!.map((d) => num(d.dimValue)), [1, 2, 2, 2]);
  });

  test('invalid combinations are refused', () => {
    assert.throws(() => build({ qdq: 'good', opset: 11 }), /opset >= 13/);
    assert.throws(() => build({ qdq: 'good', quantTypes: { activation: 'FLOAT8E4M3FN' } }), /opset >= 19/);
    assert.throws(() => build({ qdq: 'good', opset: 19, quantTypes: { weightBlockSize: 4 } }), /opset >= 21/);
  });
});

describe('modelBuilder: newer Q/DQ types', () => {
  test('FP8 E4M3FN with saturate (opset 19, IR 9)', () => {
    const { g } = build({ qdq: 'good', opset: 19, quantTypes: { activation: 'FLOAT8E4M3FN', weight: 'FLOAT8E4M3FN', saturate: true } });
    assert.equal(num(g.model.irVersion), 9);
    for (const q of g.ofType('QuantizeLinear')) {
      assert.equal(g.tensorProto(q.input![2]!)!.dataType, 17);
      assert.equal(g.attr(q, 'saturate')!.i, 1);
    }
    for (const dq of g.ofType('DequantizeLinear')) assert.equal(g.attr(dq, 'saturate'), undefined);
  });

  test('INT4 block-quantized weights with output_dtype (opset 21)', () => {
    const { g, m } = build({ qdq: 'good', opset: 21, quantTypes: { weight: 'INT4', weightBlockSize: 4, zeroPoint: 'outputDtype' } });
    assert.equal(num(g.model.irVersion), 10);
    for (const q of g.ofType('QuantizeLinear')) assert.equal(q.input!.length, 2, 'zero point omitted');
    const w = m.convs.find((c) => c.module === 'model.2.m.0.cv1')!;
    const q = g.node(w.weightQuantize!);
    assert.equal(g.attr(q, 'block_size')!.i, 4);
    assert.equal(g.attr(q, 'axis')!.i, 1);
    assert.equal(g.attr(q, 'output_dtype')!.i, 22);
    const wDims = g.dims(w.weight);
    assert.deepEqual(g.dims(q.input![1]!), [wDims[0], Math.ceil(wDims[1]! / 4), wDims[2], wDims[3]]);
    const aq = g.node(w.inputQuantize!);
    assert.equal(g.attr(aq, 'output_dtype')!.i, 3);
  });

  test('INT4 zero points are packed two per byte; DQ output_dtype at opset 23', () => {
    const { g, m } = build({ qdq: 'good', opset: 23, quantTypes: { weight: 'INT4', weightBlockSize: 2, dequantizeOutputDtype: true } });
    const rec = m.qdq.find((r) => r.kind === 'weight')!;
    const zp = g.tensorProto(rec.zeroPointTensor!)!;
    assert.equal(zp.dataType, 22);
    const n = g.dims(rec.zeroPointTensor!).reduce((a, d) => a * d, 1);
    assert.equal(zp.rawData!.byteLength, Math.ceil(n / 2));
    for (const dq of g.ofType('DequantizeLinear')) assert.equal(g.attr(dq, 'output_dtype')!.i, 1);
  });
});

describe('modelBuilder: external data', () => {
  const b = yoloLike({ ...tiny, qdq: 'good' });
  const inline = new GraphView(b.toBytes());

  test('writeFile puts big tensors in <name>.data with location/offset/length', () => {
    const file = path.join(tmp, 'ext.onnx');
    const res = b.writeFile(file, { external: { threshold: 1024 } });
    assert.equal(res.dataPath, `${file}.data`);
    const data = fs.readFileSync(res.dataPath!);
    assert.equal(data.byteLength, res.dataBytes);
    const g = new GraphView(fs.readFileSync(file));
    let external = 0;
    let end = 0;
    for (const t of g.graph.initializer!) {
      const ref = inline.initializers.get(t.name!)!;
      if (ref.rawData!.byteLength < 1024) {
        assert.deepEqual(new Uint8Array(t.rawData!), new Uint8Array(ref.rawData!));
        continue;
      }
      external++;
      assert.equal(t.dataLocation, 1);
      assert.equal(t.rawData!.byteLength, 0);
      assert.deepEqual(t.externalData!.map((e) => e.key), ['location', 'offset', 'length']);
      const [loc, off, len] = t.externalData!.map((e) => e.value!);
      assert.equal(loc, 'ext.onnx.data');
      assert.equal(Number(off), end, 'sequential offsets');
      assert.equal(Number(len), ref.rawData!.byteLength);
      assert.deepEqual(new Uint8Array(data.subarray(Number(off), Number(off) + Number(len))), new Uint8Array(ref.rawData!));
      end += Number(len);
    }
    assert.ok(external > 5);
    assert.equal(end, data.byteLength);
  });

  test('aligned offsets, and toExternal matches writeFile', () => {
    const e = b.toExternal({ threshold: 1024, location: 'x.data', align: { granularity: 4096 } });
    assert.ok(e.entries.length > 5);
    for (const en of e.entries) assert.equal(en.offset % 4096, 0, en.name);
    const file = path.join(tmp, 'x');
    const w = b.writeFile(file, { external: { threshold: 1024, location: 'x.data', align: { granularity: 4096 } } });
    assert.deepEqual(new Uint8Array(fs.readFileSync(w.modelPath)), e.model);
    assert.deepEqual(new Uint8Array(fs.readFileSync(w.dataPath!)), e.data);
  });
});

describe('modelBuilder: manifest', () => {
  const { g, m } = build({ qdq: 'good', defects: { danglingQ: true } });

  test('counts and names match the decoded model', () => {
    assert.deepEqual(m.opCounts, g.opCounts());
    assert.equal(m.quantizeLinearCount, g.ofType('QuantizeLinear').length);
    assert.equal(m.dequantizeLinearCount, g.ofType('DequantizeLinear').length);
    assert.equal(m.initializerCount, g.graph.initializer!.length);
    const opOfRole: Record<string, string> = { conv: 'Conv', maxpool: 'MaxPool', resize: 'Resize', split: 'Split', slice: 'Slice', 'add.residual': 'Add', 'silu.sigmoid': 'Sigmoid' };
    for (const [role, op] of Object.entries(opOfRole)) {
      assert.ok(m.roles[role]!.length > 0, role);
      for (const n of m.roles[role]!) assert.equal(g.node(n).opType, op, `${role}: ${n}`);
    }
    assert.deepEqual(m.inputs, ['images']);
    assert.deepEqual(m.outputs, ['output0']);
  });

  test('Q/DQ records describe the decoded nodes', () => {
    for (const r of m.qdq) {
      const q = g.node(r.quantizeNode);
      assert.equal(q.input![0], r.input);
      assert.equal(q.input![1], r.scaleTensor);
      const values = g.values(r.scaleTensor);
      assert.deepEqual(values, typeof r.scale === 'number' ? [r.scale] : [...r.scale]);
      if (r.dequantizeNode === null) {
        assert.deepEqual(r.consumers, []);
        assert.equal(g.consumersOf(q.output![0]!).length, 0);
      } else {
        assert.deepEqual(r.consumers, g.consumersOf(r.output!).map((n) => n.name));
      }
    }
    const weights = m.qdq.filter((r) => r.kind === 'weight');
    assert.equal(weights.length, m.convs.filter((c) => c.quantized).length);
    assert.ok(weights.every((r) => r.axis === 0 && r.zeroPoint === 0 && r.dtype === 'INT8'));
  });
});

describe('modelBuilder: benchmark presets', () => {
  test('bench6k: ~6,000 nodes, ~250 MB of weights, encoded as views in well under a few seconds', () => {
    const t0 = performance.now();
    const b = yoloLike({ ...YOLO_PRESETS.bench6k, qdq: 'good' });
    const m = b.manifest();
    assert.ok(m.nodeCount > 5500 && m.nodeCount < 6500, String(m.nodeCount));
    assert.ok(m.weightBytes > 230e6 && m.weightBytes < 270e6, String(m.weightBytes));
    const e = b.encode();
    assert.ok(e.model.byteLength > m.weightBytes);
    assert.ok(performance.now() - t0 < 20_000);
  });

  test('bench50k: ~50,000 nodes', () => {
    const m = yoloLike({ ...YOLO_PRESETS.bench50k, qdq: 'good' }).manifest();
    assert.ok(m.nodeCount > 45_000 && m.nodeCount < 55_000, String(m.nodeCount));
  });
});

// ---- reference checker ------------------------------------------------------

const PYTHON = '/usr/bin/python3';
const CHECKER = path.join(repoRoot, 'test', 'support', 'onnx_check.py');
const allowNoPy = process.env['QDQ_ALLOW_NO_PYONNX'] === '1';
const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
const havePyOnnx = probe.status === 0;

interface CheckResult {
  path: string;
  ok: boolean;
  mode: 'full' | 'compat';
  error: string | null;
  notes: string[];
}

describe('modelBuilder: reference checker (python3-onnx)', () => {
  test('python3-onnx is available at /usr/bin/python3', () => {
    if (havePyOnnx) return;
    const msg =
      `${PYTHON} -c 'import onnx' failed (${probe.error?.message ?? probe.stderr.trim()}). ` +
      'Install Debian\'s python3-onnx (the setup script does: apt-get install python3-onnx), ' +
      'or set QDQ_ALLOW_NO_PYONNX=1 to skip the reference-checker tests.';
    if (allowNoPy) {
      console.log(`[modelBuilder.test] ${msg} Skipping (QDQ_ALLOW_NO_PYONNX=1).`);
      return;
    }
    assert.fail(msg);
  });

  test('builder outputs pass onnx.checker.check_model(full_check=True)', { skip: !havePyOnnx }, () => {
    const cases: { name: string; build: () => ModelBuilder; external?: boolean; mode: 'full' | 'compat' }[] = [];
    for (const qdq of ['none', 'good', 'naive'] as const) {
      for (const scalesAs of ['constant', 'initializer'] as const) {
        cases.push({ name: `${qdq}-${scalesAs}`, build: () => yoloLike({ ...tiny, qdq, scalesAs, valueInfo: true }), mode: 'full' });
      }
    }
    const all = { nonZeroZeroPoint: true, uint8Activation: true, missingWeightQdq: true, danglingQ: true, biasQdq: true } as const;
    cases.push(
      { name: 'defects-good', build: () => yoloLike({ ...tiny, qdq: 'good', defects: all, valueInfo: true }), mode: 'full' },
      { name: 'defects-naive', build: () => yoloLike({ ...tiny, qdq: 'naive', defects: all, scalesAs: 'initializer' }), mode: 'full' },
      { name: 'external', build: () => yoloLike({ ...tiny, qdq: 'good' }), external: true, mode: 'full' },
      { name: 'opset11-fp32', build: () => yoloLike({ ...tiny, qdq: 'none', opset: 11, valueInfo: true }), mode: 'full' },
      { name: 'opset13-deep', build: () => yoloLike({ levels: 3, blocks: 2, depth: 2, width: 4, imageSize: 64, qdq: 'good', valueInfo: true }), mode: 'full' },
      { name: 'opset17', build: () => yoloLike({ ...tiny, qdq: 'good', opset: 17, valueInfo: true }), mode: 'full' },
      // Debian's onnx 1.12 knows IR <= 8 and opset <= 17: it cannot check FP8 (opset 19,
      // IR 9) or INT4/block quantization/output_dtype (opset 21, IR 10) as they are.
      // onnx_check.py then checks a lowered copy (types mapped to 8-bit, newer
      // attributes dropped) and reports mode "compat" plus what it changed.
      {
        name: 'opset19-fp8',
        build: () => yoloLike({ ...tiny, qdq: 'good', opset: 19, valueInfo: true, quantTypes: { activation: 'FLOAT8E4M3FN', weight: 'FLOAT8E4M3FN', saturate: true } }),
        mode: 'compat',
      },
      {
        name: 'opset21-int4-block',
        build: () => yoloLike({ ...tiny, qdq: 'good', opset: 21, valueInfo: true, quantTypes: { weight: 'INT4', weightBlockSize: 4, zeroPoint: 'outputDtype' } }),
        mode: 'compat',
      },
      {
        name: 'opset21-int4-zp',
        build: () => yoloLike({ ...tiny, qdq: 'good', opset: 21, valueInfo: true, quantTypes: { weight: 'INT4', weightBlockSize: 2 } }),
        mode: 'compat',
      },
    );
    const files = cases.map((c) => {
      const file = path.join(tmp, 'check', `${c.name}.onnx`);
      c.build().writeFile(file, c.external ? { external: { threshold: 1024 } } : {});
      return file;
    });
    const before = files.map((f) => fs.readFileSync(f));
    const run = spawnSync(PYTHON, [CHECKER, ...files], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.equal(run.status, 0, run.stderr);
    // onnx 1.12's check_model(path, full_check=True) rewrites the file it checks;
    // the helper checks copies, so the inputs must be untouched.
    files.forEach((f, i) => assert.ok(fs.readFileSync(f).equals(before[i]!), `${f} was modified by the checker`));
    const out = JSON.parse(run.stdout) as { onnx: string; maxOpset: number; results: CheckResult[] };
    assert.equal(out.results.length, cases.length);
    out.results.forEach((r, i) => {
      const c = cases[i]!;
      // A newer onnx would check the opset 19/21 models directly: accept "full" then.
      const expectedMode = c.mode === 'compat' && out.maxOpset >= 21 ? 'full' : c.mode;
      assert.ok(r.ok, `${c.name}: ${r.error}`);
      assert.equal(r.mode, expectedMode, `${c.name} (onnx ${out.onnx}) notes: ${r.notes.join('; ')}`);
    });
  });

  test('the checker rejects broken models (the helper really checks)', { skip: !havePyOnnx }, () => {
    const b = new Builder();
    const x = b.input('x', 'FLOAT', [1, 2]);
    b.output(b.node('NoSuchOp', [x], [{ dtype: 'FLOAT', shape: [1, 2] }], { scope: '/model.0' })[0]!, 'y');
    const bad = path.join(tmp, 'bad', 'unknown-op.onnx');
    b.writeFile(bad);
    // External data whose side file is too short.
    const short = path.join(tmp, 'bad', 'short-data.onnx');
    const w = yoloLike({ ...tiny, qdq: 'none' }).writeFile(short, { external: { threshold: 1024 } });
    fs.truncateSync(w.dataPath!, 1000);
    const run = spawnSync(PYTHON, [CHECKER, bad, short], { encoding: 'utf8' });
    const [r1, r2] = (JSON.parse(run.stdout) as { results: CheckResult[] }).results;
    assert.equal(r1!.ok, false);
    assert.match(r1!.error!, /NoSuchOp/);
    assert.equal(r2!.ok, false);
    assert.match(r2!.error!, /past the end/);
  });
});
