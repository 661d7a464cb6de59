/**
 * The pure pieces behind the VS Code views: which compute nodes still have Q/DQ (checked against the
 * builder's own manifest), the layer tree (ranking order, top k, unmapped group, checkbox state), the
 * YAML after-line text and hover, the keep-k prediction and the graph overlay.
 *
 * Data: the hand-made yolov9-qat result (model.0 … model.22, 17 ranked), gelan-t-like.yaml (line
 * numbers listed in its README), and a builder model with 3 levels (model.0 … model.20; its 12, 15
 * and 18 are Concat blocks without compute, model.21 and model.22 do not exist).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import {
  buildLayerTree,
  buildSensitivityReport,
  decorationText,
  describePrediction,
  keepMostSensitive,
  layerQuantState,
  ModuleIndex,
  parseModelYaml,
  parseSensitivityText,
  predictKeep,
  quantizedComputeNodes,
  rankLayers,
  sensitivityOverlay,
  yamlAnnotations,
  yamlMatchesModel,
  type SensitivityReport,
} from '../../../src/core/sensitivity/index';
import { HEAT_RAMP } from '../../../src/protocol/overlay';
import { repoRoot } from '../../support/fixtures';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

const dir = path.join(repoRoot, 'test', 'fixtures', 'sensitivity');
const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');

function builder(qdq: 'good' | 'none' | 'naive' = 'good') {
  const b = yoloLike({ ...YOLO_PRESETS.tiny, levels: 3, qdq });
  const decoded = decodeModel(new MemorySource(b.toBytes(), 'b.onnx'));
  const nodes = decoded.model.graph!.node;
  return { b, manifest: b.manifest(), nodes, index: ModuleIndex.fromNodes(nodes) };
}

function setup(): { report: SensitivityReport; index: ModuleIndex; quantized: Set<string>; manifest: ReturnType<typeof builder>['manifest'] } {
  const { nodes, index, manifest } = builder('good');
  const result = parseSensitivityText(read('summary-sensitive-analysis.json'), 'summary-sensitive-analysis.json');
  const yaml = parseModelYaml(read('gelan-t-like.yaml'), 'gelan-t-like.yaml');
  return { report: buildSensitivityReport(result, index, { yaml }), index, quantized: quantizedComputeNodes(nodes), manifest };
}

test('quantizedComputeNodes agrees with the builder manifest (good, naive, none, and a missing weight Q/DQ)', () => {
  for (const mode of ['good', 'naive', 'none'] as const) {
    const { nodes, manifest } = builder(mode);
    const q = quantizedComputeNodes(nodes);
    const expected = manifest.convs.filter((c) => c.quantized).map((c) => c.node).sort();
    assert.deepEqual([...q].sort(), expected, mode);
    if (mode === 'none') assert.equal(q.size, 0);
    else assert.ok(q.size > 10, `${mode}: ${q.size}`);
  }
  // A conv whose weight has no Q/DQ but whose input still has one keeps Q/DQ (it is not FP16 yet).
  const b = yoloLike({ ...YOLO_PRESETS.tiny, levels: 3, qdq: 'good', defects: { missingWeightQdq: true } });
  const conv = b.manifest().defects.find((d) => d.kind === 'missingWeightQdq')!;
  const q = quantizedComputeNodes(decodeModel(new MemorySource(b.toBytes(), 'd.onnx')).model.graph!.node);
  assert.ok(conv.nodes.some((n) => q.has(n)), JSON.stringify(conv));
});

test('layerQuantState: int8 / fp16 / partial / none', () => {
  const q = new Set(['a', 'b']);
  assert.deepEqual(layerQuantState(['a', 'b'], q), { precision: 'int8', quantized: 2, total: 2 });
  assert.deepEqual(layerQuantState(['c'], q), { precision: 'fp16', quantized: 0, total: 1 });
  assert.deepEqual(layerQuantState(['a', 'c'], q), { precision: 'partial', quantized: 1, total: 2 });
  assert.deepEqual(layerQuantState([], q), { precision: 'none', quantized: 0, total: 0 });
});

test('layer tree: mapped layers by rank, unmapped in their own group, checkboxes from the model', () => {
  const { report, quantized, index } = setup();
  const tree = buildLayerTree(report, quantized);
  assert.deepEqual(
    tree.unmapped.map((r) => r.name),
    ['model.22', 'model.21'],
    'model.21/22 are not in the 3-level builder model; listed by rank, not dropped',
  );
  assert.ok(tree.unmapped.every((r) => r.checked === undefined && /not in this model/.test(r.description)));
  const ranks = tree.rows.map((r) => r.rank);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
  assert.equal(tree.rows.length + tree.unmapped.length, 17);
  assert.equal(tree.hidden, 0);
  // model.15 (AP 0.3831, rank 2) is a Concat in the builder: mapped, no compute, no checkbox.
  const m15 = tree.rows.find((r) => r.name === 'model.15')!;
  assert.equal(m15.rank, 2);
  assert.equal(m15.checked, undefined);
  assert.equal(m15.state?.precision, 'none');
  // model.0 (rank 3): one quantized conv, checked; its description has rank, delta, node counts, precision.
  const m0 = tree.rows.find((r) => r.name === 'model.0')!;
  assert.equal(m0.checked, true);
  assert.equal(m0.description, `#3 · ΔAP +0.0014 · ${index.resolve('model.0')!.nodes.length} nodes (1 compute) · INT8`);
  assert.match(m0.tooltip, /rank 3 of 17 by ap/);
  assert.match(m0.tooltip, /baseline 0\.3815/);
  // Dropping model.4's compute nodes from the quantized set unchecks it (state comes from the model).
  const m4 = index.resolve('model.4')!;
  const without = new Set([...quantized].filter((n) => !m4.computeNodes.includes(n)));
  const t2 = buildLayerTree(report, without);
  assert.equal(t2.rows.find((r) => r.name === 'model.4')!.checked, false);
  assert.match(t2.rows.find((r) => r.name === 'model.4')!.description, /· FP16$/);
  const partial = new Set([...quantized].filter((n) => n !== m4.computeNodes[0]));
  const p = buildLayerTree(report, partial).rows.find((r) => r.name === 'model.4')!;
  // Partly quantized is checked: unchecking it keeps the whole layer in FP16.
  assert.equal(p.checked, true);
  assert.match(p.description, new RegExp(`INT8 ${m4.computeNodes.length - 1}/${m4.computeNodes.length}$`));
});

test('layer tree: top k filters the ranking (ranks 1..k), unmapped stay listed', () => {
  const { report, quantized } = setup();
  const tree = buildLayerTree(report, quantized, { topK: 4 });
  assert.deepEqual(tree.rows.map((r) => [r.rank, r.name]), [[2, 'model.15'], [3, 'model.0'], [4, 'model.4']]);
  assert.equal(tree.unmapped.length, 2);
  assert.equal(tree.hidden, 17 - 2 - 3);
  assert.equal(buildLayerTree(report, quantized, { topK: 0 }).rows.length, 15);
});

test('layer tree: order follows the metric direction, not the file order', () => {
  const result = parseSensitivityText(read('example.qdq-sensitivity.json'), 'example.qdq-sensitivity.json');
  const { index, nodes } = builder('good');
  const report = buildSensitivityReport(result, index, { metric: 'output_sqnr_db' });
  const tree = buildLayerTree(report, quantizedComputeNodes(nodes));
  const all = [...tree.rows, ...tree.unmapped].sort((a, b) => a.rank - b.rank);
  // lower SQNR = more sensitive: 24.2 (model.22), 26.7 (node), 29.4 (model.15), 31.9, 33.1, 35.8
  assert.deepEqual(all.map((r) => r.value), [24.2, 26.7, 29.4, 31.9, 33.1, 35.8]);
  assert.match(all[0]!.description, /^#1 · Δoutput_sqnr_db \+2\.7 dB · /);
});

test('decorationText: the after-line text of a YAML layer', () => {
  const { report, quantized, index } = setup();
  const e = (name: string) => report.entries.find((x) => x.name === name)!;
  assert.equal(decorationText(e('model.22'), 17, null), 'ΔAP +0.0053 · rank 1/17 · not in model');
  assert.equal(decorationText(e('model.0'), 17, layerQuantState(e('model.0').computeNodes, quantized)), 'ΔAP +0.0014 · rank 3/17 · INT8');
  assert.equal(decorationText(e('model.4'), 17, layerQuantState(index.resolve('model.4')!.computeNodes, new Set())), 'ΔAP +0.0011 · rank 4/17 · FP16');
  assert.equal(decorationText(e('model.19'), 17, layerQuantState(e('model.19').computeNodes, quantized)), 'ΔAP -0.0001 · rank 17/17 · INT8');
  const noBaseline = { ...e('model.0'), delta: null };
  assert.equal(decorationText(noBaseline, 17, null), 'AP 0.3829 · rank 3/17');
});

test('yamlAnnotations: one per ranked layer at its YAML line, with the hover numbers', () => {
  const { report, quantized, index } = setup();
  const yaml = parseModelYaml(read('gelan-t-like.yaml'), 'gelan-t-like.yaml');
  const ann = yamlAnnotations(report, yaml, index, quantized);
  assert.equal(ann.length, 17);
  const at = (layer: string) => ann.find((a) => a.layer === layer)!;
  // Lines from test/fixtures/sensitivity/README.md.
  assert.equal(at('model.0').line, 15);
  assert.equal(at('model.9').line, 37);
  assert.equal(at('model.15').line, 46);
  assert.equal(at('model.22').line, 58);
  assert.equal(at('model.0').text, 'ΔAP +0.0014 · rank 3/17 · INT8');
  assert.equal(at('model.22').text, 'ΔAP +0.0053 · rank 1/17 · not in model');
  assert.equal(at('model.15').text, 'ΔAP +0.0016 · rank 2/17 · no compute');
  assert.equal(at('model.22').state, null);
  const hover = at('model.9').hover.join('\n');
  assert.match(hover, /^model\.9 \(SPPELAN, line 37\)/);
  assert.match(hover, /ap = 0\.3823, baseline 0\.3815, delta \+0\.000800/);
  assert.match(hover, /from summary-sensitive-analysis\.json \(yolov9-qat\)/);
  // A layer with no entry (model.10, Upsample) gets no annotation.
  assert.equal(ann.find((a) => a.layer === 'model.10'), undefined);
  // Without scaleKnown nothing is said about scales; with it, an FP16 layer none of whose compute
  // nodes has a known scale cannot be quantized (the CodeLens then offers nothing), others can.
  assert.equal(at('model.4').cannotQuantize, undefined);
  const m4 = index.resolve('model.4')!.computeNodes;
  const fp16At4 = new Set([...quantized].filter((n) => !m4.includes(n))); // model.4 in FP16
  assert.equal(yamlAnnotations(report, yaml, index, fp16At4).find((a) => a.layer === 'model.4')!.state?.precision, 'fp16');
  const none = yamlAnnotations(report, yaml, index, fp16At4, new Set());
  const n4 = none.find((a) => a.layer === 'model.4')!;
  assert.match(n4.cannotQuantize ?? '', /^model\.4 cannot be quantized here: no activation scale is known/);
  assert.match(n4.hover.join('\n'), /cannot be quantized here/);
  assert.equal(none.find((a) => a.layer === 'model.0')!.cannotQuantize, undefined, 'model.0 is INT8: nothing to quantize');
  const known = yamlAnnotations(report, yaml, index, fp16At4, new Set([m4[0]!]));
  assert.equal(known.find((a) => a.layer === 'model.4')!.cannotQuantize, undefined, 'one compute node with a known scale is enough');
  // 23 YAML layers vs the builder's 21: not the same network by count.
  assert.equal(yamlMatchesModel(yaml, index), false);
  const yaml21 = parseModelYaml(`backbone:\n${Array.from({ length: 10 }, () => '  - [-1, 1, Conv, [8]]').join('\n')}\nhead:\n${Array.from({ length: 11 }, () => '  - [-1, 1, Conv, [8]]').join('\n')}\n`, 'x.yaml');
  assert.equal(yamlMatchesModel(yaml21, index), true);
});

test('yamlAnnotations: a sub-module entry annotates its layer, state is the whole layer', () => {
  const { index, nodes } = builder('good');
  const sub = index.resolve('model.2')!.computeNodes[0]!;
  const result = parseSensitivityText(
    JSON.stringify({ format: 'qdq-sensitivity', version: 1, source: { tool: 't' }, metrics: { ap: { direction: 'higher-is-more-sensitive', baseline: 0.5 } }, layers: [{ name: sub, kind: 'node', values: { ap: 0.51 } }, { name: 'model.0', values: { ap: 0.502 } }] }),
    'n.qdq-sensitivity.json',
  );
  const report = buildSensitivityReport(result, index);
  const yaml = parseModelYaml(read('gelan-t-like.yaml'), 'gelan-t-like.yaml');
  const ann = yamlAnnotations(report, yaml, index, quantizedComputeNodes(nodes));
  const m2 = ann.find((a) => a.layer === 'model.2')!;
  assert.equal(m2.line, 19);
  assert.equal(m2.rank, 1);
  assert.equal(m2.state?.total, index.resolve('model.2')!.computeNodes.length);
  assert.match(m2.hover.join('\n'), new RegExp(sub.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
});

test('predictKeep: how many layers and compute nodes move to FP16', () => {
  const { report, quantized, index } = setup();
  const result = parseSensitivityText(read('summary-sensitive-analysis.json'), 'summary-sensitive-analysis.json');
  const decision = keepMostSensitive(rankLayers(result), index, 5);
  // top 5: model.22 (unmapped), model.15 (concat), model.0, model.4, model.21 (unmapped)
  const p = predictKeep(decision, quantized);
  assert.deepEqual(p.toFp16.map((l) => l.name), ['model.0', 'model.4']);
  assert.equal(p.computeNodesToFp16, 1 + index.resolve('model.4')!.computeNodes.length);
  assert.deepEqual(p.noCompute, ['model.15']);
  assert.deepEqual(p.unmapped, ['model.22', 'model.21']);
  const text = describePrediction(p).join('\n');
  assert.match(text, /^2 layers move to FP16 \(\d+ compute nodes lose their Q\/DQ\): #3 model\.0, #4 model\.4/);
  assert.match(text, /Not in this model \(counted in the top 5, nothing to edit\): model\.22, model\.21/);
  // Once model.0 is FP16, it is "already" and only model.4 changes.
  const after = predictKeep(decision, new Set([...quantized].filter((n) => !index.resolve('model.0')!.computeNodes.includes(n))));
  assert.deepEqual(after.alreadyFp16, ['model.0']);
  assert.deepEqual(after.toFp16.map((l) => l.name), ['model.4']);
  void report;
});

test('sensitivityOverlay: heat by rank, badges on compute nodes, most specific entry wins', () => {
  const { report, index } = setup();
  const o = sensitivityOverlay(report);
  assert.equal(o.legend.length, 2);
  // The protocol's heat ramp (the core cannot import it), checked against the selection outline in marks.test.ts.
  assert.deepEqual([o.legend[0]!.color, o.legend[1]!.color], [HEAT_RAMP.low, HEAT_RAMP.high]);
  assert.match(o.label, /ap, higher is more sensitive/);
  // Mapped values range from 0.3814 (model.19) to 0.3831 (model.15).
  const n15 = index.resolve('model.15')!.nodes[0]!;
  assert.equal(o.nodes[n15]!.heat, 1);
  const c19 = index.resolve('model.19')!.computeNodes[0]!;
  assert.equal(o.nodes[c19]!.heat, 0);
  assert.equal(o.nodes[c19]!.badge, '#17 ΔAP -0.0001');
  const c0 = index.resolve('model.0')!.computeNodes[0]!;
  // By rank among the mapped entries (ties share their mean position), not by value.
  const mappedValues = report.entries.filter((e) => e.onnxNodes.length).map((e) => e.value).sort((a, b) => b - a);
  const first = mappedValues.indexOf(0.3829);
  const last = mappedValues.lastIndexOf(0.3829);
  assert.equal(o.nodes[c0]!.heat, Math.round((1 - (first + last) / 2 / (mappedValues.length - 1)) * 1000) / 1000);
  assert.match(o.nodes[c0]!.tooltip!, /^model\.0: rank 3\/17 · ΔAP \+0\.0014/);
  // Non-compute nodes get heat and tooltip but no badge.
  const other = index.resolve('model.0')!.nodes.find((n) => n !== c0)!;
  assert.equal(o.nodes[other]!.badge, undefined);
  assert.ok(o.nodes[other]!.heat !== undefined);
  // Every mapped node is present; nothing for unmapped names.
  const mappedNodes = new Set(report.entries.flatMap((e) => e.onnxNodes));
  assert.equal(Object.keys(o.nodes).length, mappedNodes.size);

  // A node entry inside a module entry overrides the module's heat for that node.
  const conv = index.resolve('model.4')!.computeNodes[0]!;
  const result = parseSensitivityText(
    JSON.stringify({ format: 'qdq-sensitivity', version: 1, source: { tool: 't' }, metrics: { s: { direction: 'lower-is-more-sensitive', baseline: 30 } }, layers: [{ name: conv, kind: 'node', values: { s: 10 } }, { name: 'model.4', values: { s: 25 } }, { name: 'model.0', values: { s: 40 } }] }),
    'n.qdq-sensitivity.json',
  );
  const o2 = sensitivityOverlay(buildSensitivityReport(result, index));
  assert.equal(o2.nodes[conv]!.heat, 1, 'lowest SQNR is hottest');
  assert.equal(o2.nodes[conv]!.badge, '#1 Δs -20.0');
  const other4 = index.resolve('model.4')!.nodes.find((n) => n !== conv)!;
  assert.equal(o2.nodes[other4]!.heat, 0.5, 'the middle of three ranks');
  assert.equal(o2.nodes[index.resolve('model.0')!.nodes[0]!]!.heat, 0);
});
