/**
 * Name mapping: the torch.onnx scope rule on hand-written names, on builder models (whose names
 * follow the same convention), and on the real YOLOv9 exports in ../shared/fixtures/onnx when
 * present: every `model.N` that has nodes must map, and the module path rebuilt from each Conv's
 * node name must be the prefix of its weight initializer's state-dict name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel, MemorySource, openModelFile, type Graph } from '../../../src/core/onnx/index';
import { layerIndexOf, layerOfModule, ModuleIndex, moduleOfNodeName, parseModelYaml, yamlLayerOf } from '../../../src/core/sensitivity/index';
import { sharedOnnxModels, repoRoot } from '../../support/fixtures';
import { ModelBuilder, YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

test('moduleOfNodeName: the torch.onnx scope rule', () => {
  const cases: [string, string | null][] = [
    ['/model.22/cv2.0/cv2.0.0/conv/Conv', 'model.22.cv2.0.0.conv'],
    ['/model.22/cv2.0/cv2.0.2/Conv', 'model.22.cv2.0.2'],
    ['/model.4/cv2/cv2.0/m/m.1/cv1/conv/Conv', 'model.4.cv2.0.m.1.cv1.conv'],
    ['/model.4/cv2/cv2.0/m/m.0/addop/Add', 'model.4.cv2.0.m.0.addop'],
    ['/model.4/cv4/conv/_input_quantizer/QuantizeLinear', 'model.4.cv4.conv._input_quantizer'],
    ['/model.2/Slice_1', 'model.2'],
    ['/model.22/dfl/conv/Conv', 'model.22.dfl.conv'],
    ['/model/model.22/cv3.0/cv3.0.1/conv/Conv', 'model.22.cv3.0.1.conv'], // end2end wrapper scope
    ['/end2end/EfficientNMS_TRT', 'end2end'],
    ['/Concat', null],
    ['Conv_12', null],
    ['Identity_0', null],
    ['', null],
  ];
  for (const [name, module] of cases) assert.equal(moduleOfNodeName(name), module, name);
  assert.equal(layerOfModule('model.22.cv2.0.0.conv'), 'model.22');
  assert.equal(layerOfModule('model.22'), 'model.22');
  assert.equal(layerOfModule('model'), null);
  assert.equal(layerIndexOf('model.40.cv1'), 40);
  assert.equal(layerIndexOf('/model.4/cv1/conv/Conv'), null);
});

test('ModuleIndex: prefixes stop at a dot; exact node names win; unmapped is null', () => {
  const idx = ModuleIndex.fromNodes([
    { name: '/model.4/cv1/conv/Conv', opType: 'Conv' },
    { name: '/model.4/cv1/act/Mul', opType: 'Mul' },
    { name: '/model.40/cv1/conv/Conv', opType: 'Conv' },
    { name: '/model.4/m/MatMul', opType: 'MatMul' },
    { name: 'Identity_0', opType: 'Identity' },
  ]);
  assert.deepEqual(idx.resolve('model.4')?.nodes, ['/model.4/cv1/conv/Conv', '/model.4/cv1/act/Mul', '/model.4/m/MatMul']);
  assert.deepEqual(idx.resolve('model.4')?.computeNodes, ['/model.4/cv1/conv/Conv', '/model.4/m/MatMul']);
  assert.deepEqual(idx.resolve('model.4.cv1.conv')?.nodes, ['/model.4/cv1/conv/Conv']);
  assert.deepEqual(idx.resolve('/model.4/cv1/act/Mul'), {
    name: '/model.4/cv1/act/Mul', kind: 'node', module: 'model.4.cv1.act', layer: 'model.4', nodes: ['/model.4/cv1/act/Mul'], computeNodes: [],
  });
  assert.equal(idx.resolve('Identity_0')?.kind, 'node');
  assert.equal(idx.resolve('model.4', 'node'), null);
  assert.equal(idx.resolve('/model.4/cv1/conv/Conv', 'module'), null);
  assert.equal(idx.resolve('model.5'), null);
  assert.equal(idx.resolve('model.4.cv'), null);
  assert.equal(idx.resolve('/model.9/cv1/conv/Conv'), null);
  assert.deepEqual(idx.layers().map((l) => [l.layer, l.nodes.length]), [['model.4', 3], ['model.40', 1]]);
});

function graphOf(b: ModelBuilder): Graph {
  return decodeModel(new MemorySource(b.toBytes(), 'builder.onnx')).model.graph!;
}

for (const qdq of ['none', 'good', 'naive'] as const) {
  test(`builder model (yoloLike tiny, qdq ${qdq}): every module maps, each conv's module names its weight`, () => {
    const b = yoloLike({ ...YOLO_PRESETS.tiny, qdq });
    const manifest = b.manifest();
    const idx = ModuleIndex.fromNodes(graphOf(b).node);
    for (const { module } of b.layout.modules) {
      const m = idx.resolve(module);
      assert.ok(m && m.nodes.length > 0, `${module} maps to no node`);
      const convs = manifest.convs.filter((c) => c.module === module || c.module.startsWith(`${module}.`));
      assert.deepEqual([...m.computeNodes].sort(), convs.map((c) => c.node).sort(), module);
    }
    for (const c of manifest.convs) {
      assert.equal(`${moduleOfNodeName(c.node)}.weight`, c.weight, c.node);
      assert.equal(idx.resolve(c.module)?.computeNodes.includes(c.node), true, c.module);
    }
    assert.deepEqual(idx.layers().map((l) => l.layer), b.layout.modules.map((m) => m.module));
  });
}

// --- the real yolov9 exports --------------------------------------------------------------------

const real = sharedOnnxModels({ cases: 6, log: (l) => console.log(`${l} (sensitivity name mapping)`) });

test('real YOLOv9 exports: every model.N that has nodes maps; Conv module paths match their weights', { skip: real.length ? false : 'shared corpus absent (../shared/fixtures/onnx)' }, () => {
  for (const file of real) {
    const decoded = openModelFile(file);
    try {
      const graph = decoded.model.graph!;
      const idx = ModuleIndex.fromNodes(graph.node);
      const base = path.basename(file);
      // Which model.N have nodes, read straight from the names (independently of the index).
      const expected = new Set<number>();
      for (const n of graph.node) {
        const m = /^\/(?:model\/)?model\.(\d+)\//.exec(n.name);
        if (m) expected.add(Number(m[1]));
      }
      assert.ok(expected.size >= 23, `${base}: ${expected.size} layers`);
      for (const n of expected) {
        const m = idx.resolve(`model.${n}`);
        assert.ok(m && m.nodes.length > 0, `${base}: model.${n} does not map`);
        assert.equal(m.layer, `model.${n}`);
      }
      assert.deepEqual(idx.layers().map((l) => l.index), [...expected].sort((a, b) => a - b), base);
      // Every Conv: rebuilt module path + ".weight" is its weight initializer (through Q/DQ when quantized).
      const inits = new Set(graph.initializer.map((t) => t.name));
      const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
      let convs = 0;
      for (const node of graph.node) {
        if (node.opType !== 'Conv') continue;
        let w = node.input[1]!;
        for (let hop = 0; hop < 2 && !inits.has(w); hop++) w = producer.get(w)?.input[0] ?? w;
        assert.ok(inits.has(w), `${base}: weight of ${node.name} not found`);
        const module = moduleOfNodeName(node.name);
        // The end2end wrapper's state dict adds "model." in front; the YOLO-relative path is ours.
        assert.ok(w === `${module}.weight` || w === `model.${module}.weight`, `${base}: ${node.name} -> ${module}, weight ${w}`);
        assert.ok(idx.resolve(module!)?.computeNodes.includes(node.name));
        convs++;
      }
      assert.equal(convs, 186, base);
      // The head: 19 convs (3 x (cv2 3 + cv3 3) + DFL).
      assert.equal(idx.resolve('model.22')!.computeNodes.length, 19, base);
      assert.deepEqual(idx.resolve('model.22.cv2.0.0.conv')!.computeNodes.map((n) => n.replace('/model/model.', '/model.')), ['/model.22/cv2.0/cv2.0.0/conv/Conv']);
      // Names that are not in the model are reported as unmapped (null), not guessed.
      assert.equal(idx.resolve('model.23'), null);
      assert.equal(idx.resolve('model.22.cv9'), null);
    } finally {
      decoded.source.close?.();
    }
  }
});

test('real YOLOv9 end2end export: node names from the plain export map through the wrapper scope', { skip: real.some((f) => f.endsWith('yolov9t-qat-end2end.onnx')) ? false : 'shared corpus absent' }, () => {
  const decoded = openModelFile(real.find((f) => f.endsWith('yolov9t-qat-end2end.onnx'))!);
  try {
    const idx = ModuleIndex.fromNodes(decoded.model.graph!.node);
    const m = idx.resolve('/model.22/cv3.0/cv3.0.1/conv/Conv');
    assert.deepEqual(m?.nodes, ['/model/model.22/cv3.0/cv3.0.1/conv/Conv']);
    assert.equal(m?.kind, 'node');
    assert.equal(idx.resolve('/model.22/cv3.0/cv3.0.1/conv/Conv', 'node')?.nodes[0], '/model/model.22/cv3.0/cv3.0.1/conv/Conv');
    assert.equal(idx.resolve('/model.2/Slice_9'), null);
  } finally {
    decoded.source.close?.();
  }
});

// --- model YAML ---------------------------------------------------------------------------------

const yamlFile = path.join(repoRoot, 'test', 'fixtures', 'sensitivity', 'gelan-t-like.yaml');

test('model YAML: the N-th entry across backbone then head is model.N, with its line', () => {
  const y = parseModelYaml(fs.readFileSync(yamlFile, 'utf8'), yamlFile);
  assert.equal(y.layers.length, 23);
  assert.deepEqual(y.warnings, []);
  assert.deepEqual(
    y.layers.map((l) => `${l.layer}:${l.line}:${l.type}`),
    [
      'model.0:15:Conv', 'model.1:16:Conv', 'model.2:19:ELAN1', 'model.3:22:AConv', 'model.4:23:RepNCSPELAN4', 'model.5:26:AConv',
      'model.6:27:RepNCSPELAN4', 'model.7:30:AConv', 'model.8:31:RepNCSPELAN4', 'model.9:37:SPPELAN', 'model.10:40:nn.Upsample',
      'model.11:41:Concat', 'model.12:42:RepNCSPELAN4', 'model.13:44:nn.Upsample', 'model.14:45:Concat', 'model.15:46:RepNCSPELAN4',
      'model.16:49:AConv', 'model.17:50:Concat', 'model.18:51:RepNCSPELAN4', 'model.19:53:AConv', 'model.20:54:Concat',
      'model.21:55:RepNCSPELAN4', 'model.22:58:DDetect',
    ],
  );
  const head = y.layers[22]!;
  assert.deepEqual([head.section, head.column, head.endLine, head.from, head.repeats, head.args], ['head', 4, 58, [15, 18, 21], 1, ['nc']]);
  assert.equal(y.layers[8]!.section, 'backbone');
  assert.equal(y.layers[9]!.section, 'head');
  // The line of a sub-module is its layer's line; names without a layer have none.
  assert.equal(yamlLayerOf(y, 'model.22.cv2.0.0.conv')?.line, 58);
  assert.equal(yamlLayerOf(y, 'model.23'), undefined);
  assert.equal(yamlLayerOf(y, '/model.22/cv2.0/cv2.0.0/conv/Conv'), undefined);
  // The source lines really are those entries.
  const lines = fs.readFileSync(yamlFile, 'utf8').split('\n');
  assert.match(lines[58 - 1]!, /DDetect/);
  assert.match(lines[37 - 1]!, /SPPELAN/);
});

test('model YAML: block-style entries, odd entries still counted, errors with file:line:column', () => {
  const block = 'backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - oops\nhead:\n  - [[-1], 1, Detect, [nc]]\n';
  const y = parseModelYaml(block, 'm.yaml');
  assert.deepEqual(y.layers.map((l) => [l.layer, l.line, l.type]), [['model.0', 2, 'Conv'], ['model.1', 3, null], ['model.2', 5, 'Detect']]);
  assert.deepEqual(y.warnings, ['m.yaml:3: backbone entry 1 is not [from, number, module, args]']);
  const err = (text: string): string => {
    try {
      parseModelYaml(text, 'm.yaml');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.equal(err('nc: 80\nhead: []\n'), 'm.yaml: no "backbone" list: not a YOLO model definition');
  assert.equal(err('backbone: 3\nhead: []\n'), 'm.yaml:1:11: "backbone" is not a list of layers');
  assert.match(err('backbone:\n  [\n   [-1, 1, Conv, [16, 3, 2]\n  ]\nhead: ['), /^m\.yaml:5:1: invalid YAML: /);
  assert.match(err('backbone: []\nbackbone: []\nhead: []\n'), /^m\.yaml:2:1: invalid YAML: Map keys must be unique/);
});
