/** Host-side properties: attributes, tensors, Q/DQ values (all channels, min/max), weight statistics; the analysis overlay. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { nodeProperties, tensorStats } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel, readTensorValues, typeString } from '../../../src/core/onnx/index';
import { analysisOverlay } from '../../../src/editor/analysisOverlay';
import { isFromWebview, isToWebview } from '../../../src/protocol/messages';
import { isGraphOverlay, overlayColorCss } from '../../../src/protocol/overlay';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { onnx } from '../onnx/protoHelpers';

const model = () => decodeModel(new MemorySource(yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes(), 'tiny.onnx'));

describe('nodeProperties', () => {
  it('a weight DequantizeLinear: every scale value with min and max, equal to the stored tensor', () => {
    const d = model();
    const g = d.model.graph!;
    const inits = new Map(g.initializer.map((t) => [t.name, t]));
    const consts = new Map(g.node.filter((n) => n.opType === 'Constant').map((n) => [n.output[0]!, n.attribute.find((a) => a.name === 'value')?.t]));
    const scaleTensor = (name: string) => inits.get(name) ?? consts.get(name);
    const i = g.node.findIndex((n) => n.opType === 'DequantizeLinear' && (scaleTensor(n.input[1] ?? '')?.dims.map(Number)[0] ?? 0) > 1);
    assert.ok(i >= 0, 'a per-channel DequantizeLinear');
    const p = nodeProperties(d, { path: [] }, i);
    const stored = Array.from(readTensorValues(d, scaleTensor(g.node[i]!.input[1]!)!) as Float32Array);
    assert.equal(p.qdq?.granularity, 'per-channel');
    assert.deepEqual(p.qdq?.scale?.values, stored);
    assert.equal(p.qdq?.scale?.min, Math.min(...stored));
    assert.equal(p.qdq?.scale?.max, Math.max(...stored));
    assert.equal(p.opType, 'DequantizeLinear');
  });

  it('a Conv: attributes as text, inputs with weight statistics computed from the data', () => {
    const d = model();
    const g = d.model.graph!;
    const i = g.node.findIndex((n) => n.opType === 'Conv');
    const p = nodeProperties(d, { path: [] }, i);
    assert.ok(p.attributes.some((a) => a.name === 'kernel_shape' && /^\[\d/.test(a.value)));
    const bias = p.inputs.find((t) => t.weight?.stats);
    if (bias) assert.ok(bias.weight!.stats!.count > 0);
    assert.throws(() => nodeProperties(d, { path: [] }, g.node.length + 5), /no node/);
  });

  it('a Conv reading its weight through Q/DQ (what the folded view draws): the weight input carries the float weight\'s statistics and names the pair; the bias stays a plain constant', () => {
    const d = model();
    const g = d.model.graph!;
    const i = g.node.findIndex((n) => n.opType === 'Conv');
    const p = nodeProperties(d, { path: [] }, i, { index: buildGraphIndex(g) });
    const [x, w, b] = p.inputs;
    assert.equal(x!.weight, undefined, 'the activation input is no weight');
    const dq = g.node.findIndex((n) => n.output[0] === g.node[i]!.input[1]);
    const q = g.node.findIndex((n) => n.output[0] === g.node[dq]!.input[0]);
    assert.equal(g.node[dq]!.opType, 'DequantizeLinear');
    assert.equal(g.node[q]!.opType, 'QuantizeLinear');
    const float = g.initializer.find((t) => t.name === g.node[q]!.input[0])!;
    assert.ok(w!.weight, 'the weight input has a weight');
    assert.deepEqual(w!.weight!.through, { quantize: g.node[q]!.name, dequantize: g.node[dq]!.name });
    assert.equal(w!.weight!.tensor, float.name);
    assert.deepEqual(w!.weight!.shape, float.dims.map(Number));
    assert.deepEqual(w!.weight!.stats, tensorStats(readTensorValues(d, float) as Float32Array));
    assert.equal(w!.dtype, 'FLOAT', 'the DQ output type (its scale\'s)');
    assert.deepEqual(w!.shape, float.dims.map(Number));
    assert.ok(b!.weight?.stats, 'the bias has statistics');
    assert.equal(b!.weight!.through, undefined);
    // The DQ itself: its input is the Q's output, not a weight of its own.
    assert.equal(nodeProperties(d, { path: [] }, dq).inputs[0]!.weight, undefined);
  });

  it('tensorStats: min, max, mean, std, zeros, non-finite', () => {
    const s = tensorStats(new Float32Array([0, 1, 2, 3, NaN]));
    assert.deepEqual({ ...s, std: Number(s.std.toFixed(6)) }, { count: 4, min: 0, max: 3, mean: 1.5, std: 1.118034, zeros: 1, nonFinite: 1 });
  });
});

describe('analysis overlay and overlay protocol', () => {
  it('colours predicted layers by precision, marks findings, and passes the protocol guards', () => {
    const d = model();
    const report = analyzeModel(d, buildGraphIndex(d.model.graph!), {});
    const o = analysisOverlay(report);
    assert.ok(isGraphOverlay(o));
    for (const layer of report.layers) assert.equal(o.nodes[layer.node]?.key, layer.precision);
    for (const f of report.findings.filter((x) => x.nodes.length > 0)) assert.ok(o.nodes[f.nodes[0]!]?.badge, `finding ${f.ruleId} on ${f.nodes[0]}`);
    assert.ok(isToWebview({ type: 'overlays', overlays: { analysis: o } }));
    assert.ok(!isToWebview({ type: 'overlays', overlays: { analysis: { label: 1 } } }));
  });

  it('a fusion group reads from its root: the root lists every node fused into it (as many as it counts), the others say they are fused into the root', () => {
    const d = model();
    const report = analyzeModel(d, buildGraphIndex(d.model.graph!), {});
    const o = analysisOverlay(report);
    const layerNames = new Set(report.layers.map((l) => l.node));
    let roots = 0;
    for (const layer of report.layers.filter((l) => l.fusedWith.length > 0)) {
      const lines = o.nodes[layer.node]!.tooltip!.split('\n');
      const head = lines.findIndex((l) => / fused into it:$/.test(l));
      if (head >= 0) {
        roots++;
        const count = Number(/, (\d+) nodes? fused into it:$/.exec(lines[head]!)![1]);
        const listed = lines.slice(head + 1).filter((l) => l.startsWith('•\u00a0')).map((l) => l.slice(2));
        assert.equal(listed.length, count, `${layer.node}: says ${count}, lists ${listed.length}`);
        assert.deepEqual(new Set(listed), new Set(layer.fusedWith));
        assert.ok(!lines.some((l) => /^(Predicted \S+, fused|Fused) into /.test(l)), `${layer.node} is a root: fused into nothing: ${lines.join(' / ')}`);
        // Each member points back at this root: a layer once (its only root), a Q/DQ once per layer it joins.
        for (const m of listed) {
          const into = o.nodes[m]!.tooltip!.split('\n').filter((l) => /fused into /i.test(l) && !/ fused into it:$/.test(l));
          if (layerNames.has(m)) assert.deepEqual(into, [`Predicted ${report.layers.find((l) => l.node === m)!.precision}, fused into ${layer.node}`]);
          else assert.equal(into.filter((l) => l === `Fused into ${layer.node} (${layer.precision})`).length, 1, `${m}: ${into.join(' / ')}`);
        }
      } else {
        assert.ok(lines.some((l) => l.startsWith('Predicted ') && l.includes(', fused into ')), `${layer.node}: ${lines.join(' / ')}`);
      }
    }
    assert.ok(roots > 0, 'the model has fused layers');
    const conv = report.layers.find((l) => l.opType === 'Conv' && l.fusedWith.some((f) => /Sigmoid/.test(f)))!;
    const sigmoid = conv.fusedWith.find((f) => /Sigmoid/.test(f))!;
    assert.match(o.nodes[sigmoid]!.tooltip!, new RegExp(`fused into ${conv.node.replace(/[/.]/g, '\\$&')}$`, 'm'));
    assert.doesNotMatch(o.nodes[conv.node]!.tooltip!, /Fused into/);
  });

  it('theme colour ids become CSS variables', () => {
    assert.equal(overlayColorCss('charts.blue'), 'var(--vscode-charts-blue)');
    assert.equal(overlayColorCss('--vscode-foo'), 'var(--vscode-foo)');
    assert.equal(overlayColorCss('#ff0000'), '#ff0000');
    // Colour ids without a dot (camelCase) are theme colours too: as CSS names they were invalid.
    assert.equal(overlayColorCss('focusBorder'), 'var(--vscode-focusBorder)');
    assert.equal(overlayColorCss('red'), 'red');
  });

  it('guards for the new webview messages', () => {
    assert.ok(isFromWebview({ type: 'requestProperties', requestId: 1, ref: { path: [] }, node: 3 }));
    assert.ok(!isFromWebview({ type: 'requestProperties', requestId: 1, ref: { path: [] }, node: -1 }));
    assert.ok(isFromWebview({ type: 'graphState', state: { selected: 'a', mode: 'raw' } }));
    assert.ok(!isFromWebview({ type: 'graphState', state: { mode: 'x' } }));
    assert.ok(isToWebview({ type: 'revealNode', name: 'n' }));
    assert.ok(isToWebview({ type: 'graphCommand', command: 'fit' }));
    assert.ok(!isToWebview({ type: 'graphCommand', command: 'rm -rf' }));
  });
});

describe('nodeProperties: values that are not tensors', () => {
  it('a sequence, optional or map input shows its whole type (seq(tensor(FLOAT)), ...), not "? ?"', () => {
    const tensor = (elemType: number) => ({ tensorType: { elemType } });
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        input: [
          { name: 's', type: { sequenceType: { elemType: tensor(1) } } },
          { name: 'o', type: { optionalType: { elemType: { sequenceType: { elemType: tensor(7) } } } } },
          { name: 'm', type: { mapType: { keyType: 7, valueType: tensor(1) } } },
          { name: 'u' },
        ],
        output: [{ name: 'y', type: { sequenceType: { elemType: tensor(1) } } }],
        node: [{ name: 'n', opType: 'SequenceInsert', input: ['s', 'o', 'm', 'u'], output: ['y'] }],
      },
    }).finish();
    const d = decodeModel(new MemorySource(bytes, 'seq.onnx'));
    const p = nodeProperties(d, { path: [] }, 0);
    assert.deepEqual(p.inputs.map((i) => i.dtype), ['seq(tensor(FLOAT))', 'optional(seq(tensor(INT64)))', 'map(INT64, tensor(FLOAT))', undefined]);
    assert.equal(p.outputs[0]!.dtype, 'seq(tensor(FLOAT))');
    assert.equal(typeString(undefined), '?');
    // An element-type attribute reads as its name too.
    const cast = onnx.ModelProto.encode({
      irVersion: 8,
      graph: { name: 'g', node: [{ opType: 'Cast', input: ['x'], output: ['y'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 8 }] }] },
    }).finish();
    assert.deepEqual(nodeProperties(decodeModel(new MemorySource(cast, 'cast.onnx')), { path: [] }, 0).attributes, [{ name: 'to', type: 'INT', value: '8 (STRING)' }]);
    assert.equal(typeString({ sparseTensorType: { elemType: 10 }, denotation: '' }), 'sparse_tensor(FLOAT16)');
  });
});
