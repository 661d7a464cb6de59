/**
 * Keep-k decisions and the mapped report (the `qdq sensitivity --json` shape), on a builder model
 * and, when present, on the real yolov9t-qat export with the hand-made yolov9-qat result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel, MemorySource, openModelFile } from '../../../src/core/onnx/index';
import {
  buildSensitivityReport,
  exactPattern,
  keepMostSensitive,
  ModuleIndex,
  parseModelYaml,
  parseSensitivityText,
  rankLayers,
  type SensitivityResult,
} from '../../../src/core/sensitivity/index';
import { repoRoot, sharedOnnxModels } from '../../support/fixtures';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

const dir = path.join(repoRoot, 'test', 'fixtures', 'sensitivity');
const load = (f: string): SensitivityResult => parseSensitivityText(fs.readFileSync(path.join(dir, f), 'utf8'), f);

function builderIndex(): { index: ModuleIndex; convsOf: (module: string) => string[] } {
  const b = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' });
  const m = b.manifest();
  const index = ModuleIndex.fromNodes(decodeModel(new MemorySource(b.toBytes(), 'b.onnx')).model.graph!.node);
  return { index, convsOf: (module) => m.convs.filter((c) => c.module.startsWith(`${module}.`) || c.module === module).map((c) => c.node) };
}

/** A result over the builder's layers (yoloLike tiny has model.0 .. model.N). */
function builderResult(index: ModuleIndex): SensitivityResult {
  const layers = index.layers().map((l, i) => ({ name: l.layer, kind: 'module' as const, values: { ap: 0.5 + ((i * 7) % 5) / 1000 } }));
  return {
    file: 'b.json',
    format: 'yolov9-qat-json',
    source: { tool: 'test' },
    metrics: [{ name: 'ap', direction: 'higher-is-more-sensitive', baseline: 0.5 }],
    layers: [...layers, { name: 'model.99', kind: 'module', values: { ap: 0.9 } }],
    warnings: [],
  };
}

test('keepMostSensitive: compute nodes per layer, exact names, anchored ModelOpt patterns, YOLO modules', () => {
  const { index, convsOf } = builderIndex();
  const ranking = rankLayers(builderResult(index));
  const d = keepMostSensitive(ranking, index, 3);
  assert.equal(d.k, 3);
  assert.equal(d.metric, 'ap');
  assert.deepEqual(d.layers.map((l) => l.rank), [1, 2, 3]);
  // model.99 is the most sensitive but maps to nothing: kept in the list, nothing to edit.
  assert.equal(d.layers[0]!.name, 'model.99');
  assert.deepEqual(d.layers[0]!.computeNodes, []);
  assert.deepEqual(d.unmapped, ['model.99']);
  for (const l of d.layers.slice(1)) {
    assert.deepEqual([...l.computeNodes].sort(), convsOf(l.name).sort(), l.name); // Upsample/Concat blocks: none
    assert.equal(l.layer, l.name);
  }
  assert.ok(d.layers.some((l) => l.computeNodes.length > 0));
  const all = d.layers.flatMap((l) => l.computeNodes);
  assert.deepEqual([...d.nodesToExclude].sort(), [...new Set(all)].sort());
  // Graph order, whatever the rank order.
  const order = d.nodesToExclude.map((n) => index.node(n)!.order);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(d.modelOptPatterns.length, d.nodesToExclude.length);
  d.modelOptPatterns.forEach((p, i) => {
    const re = new RegExp(p);
    assert.ok(re.test(d.nodesToExclude[i]!));
    assert.ok(!re.test(`${d.nodesToExclude[i]!}_1`), 'anchored at the end');
    assert.ok(!re.test(d.nodesToExclude[i]!.replace('.', 'x')), 'dots are literal');
  });
  assert.deepEqual(d.yoloModules, ['model.99', ...d.layers.slice(1).map((l) => l.name)]);
});

test('keepMostSensitive: k = 0, k past the end, ties at the cut, bad k', () => {
  const { index } = builderIndex();
  const ranking = rankLayers(builderResult(index));
  const none = keepMostSensitive(ranking, index, 0);
  assert.deepEqual([none.layers, none.nodesToExclude, none.yoloModules, none.tiedAtCut], [[], [], [], []]);
  const every = keepMostSensitive(ranking, index, 1000);
  assert.equal(every.layers.length, ranking.entries.length);
  assert.deepEqual(every.tiedAtCut, []);
  // Values cycle through 5 levels, so cutting inside a level leaves tied layers past the cut.
  const cut = keepMostSensitive(ranking, index, 2);
  const last = ranking.entries[1]!;
  assert.deepEqual(cut.tiedAtCut, ranking.entries.slice(2).filter((e) => e.value === last.value).map((e) => e.name));
  assert.ok(cut.tiedAtCut.length > 0);
  assert.throws(() => keepMostSensitive(ranking, index, -1), /k must be a whole number >= 0, got -1/);
  assert.throws(() => keepMostSensitive(ranking, index, 1.5), RangeError);
});

test('exactPattern escapes regular-expression characters', () => {
  assert.equal(exactPattern('/model.22/cv2.0/cv2.0.0/conv/Conv'), '^/model\\.22/cv2\\.0/cv2\\.0\\.0/conv/Conv$');
  assert.equal(exactPattern('a+b(c)[d]{e}|f?*^$\\'), '^a\\+b\\(c\\)\\[d\\]\\{e\\}\\|f\\?\\*\\^\\$\\\\$');
});

test('keep decisions on node-named entries use the node and its module', () => {
  const index = ModuleIndex.fromNodes([
    { name: '/model.3/cv1/conv/Conv', opType: 'Conv' },
    { name: '/model.3/cv1/act/Mul', opType: 'Mul' },
  ]);
  const result: SensitivityResult = {
    file: 'n.json',
    format: 'qdq-sensitivity',
    source: { tool: 't' },
    metrics: [{ name: 'sqnr', direction: 'lower-is-more-sensitive', baseline: 30 }],
    layers: [
      { name: '/model.3/cv1/conv/Conv', kind: 'node', values: { sqnr: 10 } },
      { name: '/model.3/cv1/act/Mul', kind: 'auto', values: { sqnr: 20 } },
    ],
    warnings: [],
  };
  const d = keepMostSensitive(rankLayers(result), index, 2);
  assert.deepEqual(d.nodesToExclude, ['/model.3/cv1/conv/Conv']);
  assert.deepEqual(d.yoloModules, ['model.3.cv1.conv', 'model.3.cv1.act']);
  assert.deepEqual(d.layers.map((l) => l.layer), ['model.3', 'model.3']);
});

test('buildSensitivityReport on a builder model: entries by rank, unmapped listed, shape stable', () => {
  const { index } = builderIndex();
  const r = buildSensitivityReport(builderResult(index), index);
  assert.deepEqual(Object.keys(r), ['file', 'format', 'source', 'metric', 'baseline', 'entries', 'unmapped', 'notMeasured', 'warnings']);
  assert.equal(r.baseline, 0.5);
  assert.deepEqual(r.unmapped, ['model.99']);
  const e = r.entries.find((x) => x.name === 'model.99')!;
  assert.deepEqual([e.onnxNodes, e.computeNodes, e.layer], [[], [], 'model.99']);
  assert.deepEqual(Object.keys(r.entries[1]!), ['name', 'metric', 'value', 'delta', 'rank', 'layer', 'onnxNodes', 'computeNodes']);
  assert.ok(r.entries.filter((x) => x.name !== 'model.99').every((x) => x.onnxNodes.length > 0));
});

const realQat = sharedOnnxModels({ cases: 1 }).find((f) => f.endsWith('yolov9t-qat.onnx'));

test('real yolov9t-qat export + hand-made yolov9-qat result + YAML: all 17 layers map, lines attached', { skip: realQat ? false : 'shared corpus absent (../shared/fixtures/onnx)' }, () => {
  const decoded = openModelFile(realQat!);
  try {
    const index = ModuleIndex.fromNodes(decoded.model.graph!.node);
    const yamlFile = path.join(dir, 'gelan-t-like.yaml');
    const yaml = parseModelYaml(fs.readFileSync(yamlFile, 'utf8'), yamlFile);
    const r = buildSensitivityReport(load('summary-sensitive-analysis.json'), index, { yaml });
    assert.deepEqual(r.unmapped, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.entries.length, 17);
    const head = r.entries[0]!;
    assert.deepEqual([head.name, head.rank, head.delta, head.layer, head.yamlLine, head.computeNodes.length], ['model.22', 1, 0.0053, 'model.22', 58, 19]);
    assert.ok(head.onnxNodes.includes('/model.22/cv2.0/cv2.0.0/conv/_input_quantizer/QuantizeLinear'));
    // Keep the top 3 (model.22, model.15, model.0): 19 + 22 + 1 convs to run in FP16.
    const d = keepMostSensitive(rankLayers(load('summary-sensitive-analysis.json')), index, 3);
    assert.equal(d.nodesToExclude.length, 42);
    assert.deepEqual(d.yoloModules, ['model.22', 'model.15', 'model.0']);
    assert.ok(d.nodesToExclude.includes('/model.0/conv/Conv'));
    assert.ok(d.nodesToExclude.includes('/model.22/dfl/conv/Conv'));
  } finally {
    decoded.source.close?.();
  }
});
