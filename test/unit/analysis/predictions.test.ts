/**
 * Predictions on builder models: the YOLO-like good vs naive placements (fusions, precision per
 * node, standalone conversions), the report shape, and the MobileNetV2 QAT patterns against the
 * real TREx engine dumps in ../shared/fixtures/trtexec (17 + 1 vs 2 + 1 Reformat layers).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { MAX_FUSED_LISTED } from '../../../src/core/analysis/predict';
import { toLintJson } from '../../../src/core/analysis/index';
import { analysisOverlay } from '../../../src/editor/analysisOverlay';
import { analyze, ModelBuilder, quantizedSum, yolo, type TensorRef } from './kit';
import { mobilenetV2 } from './mobilenet';
import { sharedTrtexecFiles } from '../../support/fixtures';

describe('YOLO-like builder models', () => {
  test('good placement: every quantized conv INT8 with its SiLU fused; no requantize, no standalone Q except the input', () => {
    const m = yolo('good');
    const man = m.manifest();
    const r = analyze(m);
    for (const c of man.convs) {
      const l = r.layers.find((x) => x.node === c.node)!;
      assert.equal(l.precision, c.quantized ? 'INT8' : 'FP16', c.node);
      if (c.activation) assert.ok(l.fusedWith.some((n) => n.endsWith('/act/Mul')), `${c.node} fuses its SiLU`);
    }
    assert.equal(r.summary.errors, 0);
    assert.deepEqual(r.findings.filter((f) => ['R15', 'R16', 'R17', 'R26'].includes(f.ruleId)), []);
    assert.deepEqual(r.reformats.filter((x) => x.kind === 'requantize'), []);
    // The network input Q is a conversion in any placement.
    assert.ok(r.reformats.some((x) => x.between[0] === 'images' && x.kind === 'quantize'));
  });

  test('naive placement: residual Adds in float, MaxPools/Resizes run INT8 through the Q after the Concat, branches with different scales write float', () => {
    const m = yolo('naive');
    const man = m.manifest();
    const r = analyze(m);
    const adds = man.roles['add.residual'] ?? [];
    assert.ok(adds.length > 0);
    for (const a of adds) {
      const l = r.layers.find((x) => x.node === a)!;
      assert.equal(l.precision, 'FP16', `${a}: float skip input`);
      assert.ok(l.fusedWith.some((n) => n.endsWith('/Conv')), `${a} is fused into a conv as a residual`);
    }
    assert.equal(r.findings.filter((f) => f.ruleId === 'R22').length, adds.length);
    assert.ok(r.findings.some((f) => f.ruleId === 'R19' && /different scales/.test(f.message)));
    for (const mp of man.roles['maxpool'] ?? []) assert.equal(r.layers.find((x) => x.node === mp)!.precision, 'INT8', mp);
  });

  test('the report counts match the layers and findings', () => {
    const r = analyze(yolo('good'));
    assert.equal(r.summary.int8Layers, r.layers.filter((l) => l.precision === 'INT8').length);
    assert.equal(r.summary.fp16Layers, r.layers.filter((l) => l.precision === 'FP16').length);
    assert.equal(r.summary.reformats, r.reformats.length);
    assert.equal(r.summary.warnings, r.findings.filter((f) => f.severity === 'warning').length);
    assert.ok(r.layers.every((l) => !['QuantizeLinear', 'DequantizeLinear', 'Constant', 'Shape'].includes(l.opType)));
    const order = r.findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });

  test('every member of a fusion group but its root names the root (fusedInto), the node the layer is named after; the JSON carries it', () => {
    const r = analyze(yolo('naive'));
    const byName = new Map(r.layers.map((l) => [l.node, l]));
    const fusedInto = r.layers.filter((l) => l.fusedInto !== undefined);
    assert.ok(fusedInto.length > 0);
    for (const l of r.layers) {
      if (l.fusedInto === undefined) continue;
      const root = byName.get(l.fusedInto);
      assert.ok(root, `${l.node}: its root ${l.fusedInto} is a layer`);
      assert.equal(root.fusedInto, undefined, `${l.fusedInto} is a root`);
      assert.ok(l.fusedWith.includes(root.node) && root.fusedWith.includes(l.node), `${l.node} and ${root.node} are one group`);
    }
    // A layer fused with others is a root or names one; one running alone names none.
    for (const l of r.layers) if (l.fusedWith.length === 0) assert.equal(l.fusedInto, undefined, l.node);
    // A residual Add is fused into its conv.
    const add = r.layers.find((l) => l.opType === 'Add' && l.fusedWith.some((n) => n.endsWith('/Conv')))!;
    assert.equal(byName.get(add.fusedInto!)?.opType, 'Conv');
    const json = toLintJson('m.onnx', r);
    assert.deepEqual(json.layers.map((l) => l.fusedInto), r.layers.map((l) => l.fusedInto));
    assert.ok(json.layers.every((l) => l.fusedInto !== undefined || !('fusedInto' in l)), 'absent, not undefined, on roots and lone layers');
  });

  test('two float chains joined by a Max are one group, named after its root b0 (the first node of the second chain), which comes later in the order', () => {
    const b = new ModelBuilder();
    const chain = (p: string): TensorRef => {
      let t = b.input(`${p}_in`, 'FLOAT', [1, 4]);
      for (let i = 0; i < 3; i++) [t] = b.node('Relu', [t], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: `/${p}${i}`, name: `${p}${i}` }) as [TensorRef];
      return t;
    };
    const [y] = b.node('Max', [chain('a'), chain('b')], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: '/max', name: 'max' });
    b.output(y!, 'y');
    const r = analyze(b);
    assert.deepEqual(r.layers.map((l) => l.node), ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'max']);
    assert.deepEqual(r.layers.map((l) => l.fusedInto), ['b0', 'b0', 'b0', undefined, 'b0', 'b0', 'b0']);
  });

  test('a float model: all layers FP16, no findings', () => {
    const r = analyze(yolo('none'));
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.reformats, []);
    assert.ok(r.layers.every((l) => l.precision === 'FP16'));
  });

  test('TensorRT 8 vs 10 and the rule filter', () => {
    const m = yolo('good');
    const r8 = analyze(m, { trt: 8, rules: ['R16', 'QDQ-BUILD-FLAGS'] });
    assert.deepEqual(r8.target, { trt: 8, precision: 'int8', stronglyTyped: false, refit: false });
    assert.deepEqual(r8.stats.rulesRun, ['R12', 'R16']);
    assert.ok(r8.findings.every((f) => f.ruleId === 'R12' || f.ruleId === 'R16'));
    assert.throws(() => analyze(m, { rules: ['R99'] }), /unknown rule 'R99'/);
  });
});

/** Reformat layers of a TREx layer-info dump by Origin. */
function trexReformats(file: string): { qdq: number; reformat: number } {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { Layers: { LayerType: string; Origin?: string }[] };
  const r = j.Layers.filter((l) => l.LayerType === 'Reformat');
  return { qdq: r.filter((l) => l.Origin === 'QDQ').length, reformat: r.filter((l) => l.Origin === 'REFORMAT').length };
}

describe('MobileNetV2 QAT patterns vs the TREx engine dumps', () => {
  const files = sharedTrtexecFiles();
  const poorFile = files.find((f) => f.endsWith('trex-mobilenet-qat.layerinfo.json'));
  const goodFile = files.find((f) => f.endsWith('trex-mobilenetv2-residuals-qat.layerinfo.json'));

  test('float residual skips: 15 standalone Qs after the residual blocks + the input Q + the Q after GlobalAveragePool', (t) => {
    const { b, residualAdds } = mobilenetV2({ residuals: false });
    const r = analyze(b, { trt: 8 });
    assert.equal(residualAdds, 10);
    const q = r.reformats.filter((x) => x.kind === 'quantize');
    assert.equal(r.reformats.length, 17);
    assert.equal(q.filter((x) => x.ruleId === 'R22').length, 10); // after a Conv + Add with a float skip
    assert.equal(q.filter((x) => x.ruleId === 'R19').length, 5); // block output also read by the next float skip
    assert.equal(q.filter((x) => x.ruleId === 'R23').length, 1); // after the float GlobalAveragePool
    assert.equal(q.filter((x) => x.ruleId === 'R18').length, 1); // network input
    if (!poorFile) return t.skip('shared trtexec fixtures absent: prediction checked, engine comparison skipped');
    const engine = trexReformats(poorFile);
    t.diagnostic(`engine: ${engine.qdq} QDQ + ${engine.reformat} REFORMAT Reformat layers; predicted ${r.reformats.length} Q/DQ conversions`);
    assert.deepEqual(engine, { qdq: 17, reformat: 1 });
    assert.equal(r.reformats.length, engine.qdq);
  });

  test('quantized residual skips: only the input Q and the Q after GlobalAveragePool', (t) => {
    const { b } = mobilenetV2({ residuals: true });
    const r = analyze(b, { trt: 8 });
    assert.deepEqual(r.reformats.map((x) => x.ruleId), ['R18', 'R23']);
    assert.deepEqual(r.findings.filter((f) => f.ruleId === 'R22'), []);
    const adds = r.layers.filter((l) => l.opType === 'Add');
    assert.ok(adds.every((l) => l.precision === 'INT8' && l.fusedWith.some((n) => n.endsWith('conv.2/Conv'))));
    if (!goodFile) return t.skip('shared trtexec fixtures absent: prediction checked, engine comparison skipped');
    const engine = trexReformats(goodFile);
    t.diagnostic(`engine: ${engine.qdq} QDQ + ${engine.reformat} REFORMAT Reformat layers; predicted ${r.reformats.length} Q/DQ conversions`);
    assert.deepEqual(engine, { qdq: 2, reformat: 1 });
    assert.equal(r.reformats.length, engine.qdq);
  });
});

describe('a fusion group of thousands (a float chain of pointwise ops)', () => {
  test('the root lists MAX_FUSED_LISTED others, every other layer only the root, each how many more (linear, not n²); the overlay fuses them all into the root', () => {
    const b = new ModelBuilder();
    let t = b.input('x', 'FLOAT', [1, 4]);
    const n = 350;
    for (let i = 0; i < n; i++) [t] = b.node('Relu', [t], [{ dtype: 'FLOAT', shape: [1, 4] }], { scope: `/r${i}`, name: `r${i}` }) as [TensorRef];
    b.output(t, 'y');
    const r = analyze(b);
    assert.equal(r.layers.length, n);
    // One group: without the bound each of its n layers listed the n − 1 others (n² names).
    for (const l of r.layers) {
      assert.ok(l.fusedWith.length <= MAX_FUSED_LISTED, `${l.node}: ${l.fusedWith.length}`);
      assert.ok(!l.fusedWith.includes(l.node));
      assert.equal(l.fusedWith.length + (l.fusedWithMore ?? 0), n - 1, l.node);
    }
    assert.equal(r.layers[0]!.node, 'r0');
    assert.equal(r.layers[0]!.fusedWith.length, MAX_FUSED_LISTED);
    for (const l of r.layers.slice(1)) assert.deepEqual(l.fusedWith, ['r0'], `${l.node} names only the root`);
    assert.equal(r.layers[0]!.fusedInto, undefined);
    for (const l of r.layers.slice(1)) assert.equal(l.fusedInto, 'r0', l.node);
    const json = toLintJson('m.onnx', r) as { layers: { fusedWithMore?: number }[] };
    assert.equal(json.layers[0]!.fusedWithMore, n - 1 - MAX_FUSED_LISTED);
    // The graph's tooltips: the root says how many fused into it, every other node that it fused into the root.
    const o = analysisOverlay(r);
    assert.match(o.nodes['r0']!.tooltip ?? '', new RegExp(`^Predicted FP16, ${n - 1} nodes fused into it:`));
    assert.match(o.nodes['r0']!.tooltip ?? '', new RegExp(`… and ${n - 1 - MAX_FUSED_LISTED} more`));
    for (const name of ['r1', 'r100', 'r101', `r${n - 1}`]) assert.equal(o.nodes[name]!.tooltip, 'Predicted FP16, fused into r0', name);
  });

  test('over the bound, the root still lists every Q/DQ it absorbs (the graph colours them by it), and the other layers up to the bound', () => {
    const k = 150;
    const { b, out } = quantizedSum(k);
    b.output(out.out, 'y');
    const r = analyze(b);
    const sum = r.layers.find((l) => l.node === 'sum')!;
    assert.ok(sum.fusedWith.length > MAX_FUSED_LISTED, `${sum.fusedWith.length} listed`);
    for (let i = 0; i < k; i++) assert.ok(sum.fusedWith.includes(`/in${i}/DequantizeLinear`), `/in${i}/DequantizeLinear`);
    assert.ok(sum.fusedWith.includes(out.q), 'the output Q');
    assert.equal(new Set(sum.fusedWith).size, sum.fusedWith.length, 'no name twice');
    assert.equal(sum.fusedWithMore, undefined, 'every other node named: no fusedWithMore');
    const o = analysisOverlay(r);
    for (const name of ['/in0/DequantizeLinear', '/in149/DequantizeLinear', out.q]) assert.equal(o.nodes[name]?.key, 'INT8', name);
  });
});
