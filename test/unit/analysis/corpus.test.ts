/**
 * The analysis on the real yolov9 exports of ../shared/fixtures/onnx (skipped, with a message, when
 * the corpus is absent). Expected lists are computed here independently of the engine: a direct
 * walk over the decoded graph that reads scale values from the Constant nodes (or initializers)
 * with the ONNX layer's tensor reader.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel, type AnalysisReport } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { type DecodedModel, type Node, openModelFile, readTensorValues } from '../../../src/core/onnx/index';
import { sharedOnnxModels } from '../../support/fixtures';

const models = sharedOnnxModels({ cases: 6 });
const find = (name: string): string | undefined => models.find((f) => path.basename(f) === name);
const skipMsg = (name: string): string | false => (find(name) ? false : `shared corpus absent: ${name} not found`);

interface Loaded {
  d: DecodedModel;
  nodes: readonly Node[];
  producer: Map<string, Node>;
  consumers: Map<string, Node[]>;
  report: AnalysisReport;
}

const cache = new Map<string, Loaded>();
function load(name: string): Loaded {
  const hit = cache.get(name);
  if (hit) return hit;
  const d = openModelFile(find(name)!);
  const g = d.model.graph!;
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of g.node) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const report = analyzeModel(d, buildGraphIndex(g));
  const l = { d, nodes: g.node, producer, consumers, report };
  cache.set(name, l);
  return l;
}

/** Scale value of a Q/DQ node: its input 1 is a Constant node (torch export) or an initializer. */
function scaleOf(l: Loaded, n: Node): number {
  const p = l.producer.get(n.input[1]!);
  const t = p ? p.attribute.find((a) => a.name === 'value')!.t! : l.d.model.graph!.initializer.find((i) => i.name === n.input[1])!;
  return readTensorValues(l.d, t)[0] as number;
}

/** Data-movement / commuting ops the walk crosses (R14), and which inputs carry data. */
const COMMUTING = new Set(['MaxPool', 'Resize', 'Upsample', 'Slice', 'Reshape', 'Transpose', 'Concat', 'Split', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Pad', 'Gather', 'Expand', 'Tile']);
const dataIns = (n: Node): string[] => (n.opType === 'Concat' ? n.input : [n.input[0]!]).filter(Boolean);

/** Walk back from a tensor through commuting ops: the DQ scales reached, and whether a float producer is reached. */
function walkBack(l: Loaded, t: string, seen = new Set<string>()): { scales: number[]; float: boolean } {
  if (seen.has(t)) return { scales: [], float: false };
  seen.add(t);
  const p = l.producer.get(t);
  if (!p) return { scales: [], float: !l.d.model.graph!.initializer.some((i) => i.name === t) };
  if (p.opType === 'Constant') return { scales: [], float: false };
  if (p.opType === 'DequantizeLinear') return { scales: [scaleOf(l, p)], float: false };
  if (COMMUTING.has(p.opType)) {
    const parts = dataIns(p).map((x) => walkBack(l, x, seen));
    return { scales: parts.flatMap((x) => x.scales), float: parts.some((x) => x.float) };
  }
  return { scales: [], float: true };
}

/** Q scales reached forward from a tensor through commuting ops. */
function walkForward(l: Loaded, t: string): number[] {
  const out: number[] = [];
  for (const c of l.consumers.get(t) ?? []) {
    if (c.opType === 'QuantizeLinear') out.push(scaleOf(l, c));
    else if (COMMUTING.has(c.opType) && dataIns(c).includes(t)) for (const o of c.output) out.push(...walkForward(l, o));
  }
  return out;
}

function expectedConcats(l: Loaded): { differentScales: string[]; mixed: string[] } {
  const differentScales: string[] = [];
  const mixed: string[] = [];
  for (const n of l.nodes) {
    if (n.opType !== 'Concat') continue;
    const ins = n.input.filter(Boolean).map((x) => walkBack(l, x));
    const inScales = new Set(ins.flatMap((x) => x.scales));
    const outScales = new Set(walkForward(l, n.output[0]!));
    // R16: inputs with different scales; or (one input scale) an output Q with another scale.
    if (inScales.size > 1 || (inScales.size === 1 && [...outScales].some((s) => !inScales.has(s)))) differentScales.push(n.name);
    if (ins.some((x) => x.scales.length > 0) && ins.some((x) => x.float)) mixed.push(n.name);
  }
  return { differentScales, mixed };
}

const flagged = (r: AnalysisReport, id: string): string[] => r.findings.filter((f) => f.ruleId === id).map((f) => f.nodes[0]!).sort();

describe('real yolov9 QAT exports: Concat scale findings (R16/R17) match an independent walk', () => {
  for (const name of ['yolov9t-qat.onnx', 'yolov9s-qat.onnx', 'yolov9t-qat-nolast.onnx', 'yolov9t-qat-end2end.onnx']) {
    test(name, { skip: skipMsg(name) }, (t) => {
      const l = load(name);
      const exp = expectedConcats(l);
      t.diagnostic(`${exp.differentScales.length} Concats with different scales (${exp.differentScales.join(', ')}); mixed: ${exp.mixed.join(', ')}`);
      assert.ok(exp.differentScales.length >= 4, 'the neck Concats carry different scales');
      assert.equal(exp.mixed.length, 1, 'one Concat (SPPELAN) mixes a float and quantized inputs');
      assert.deepEqual(flagged(l.report, 'R16'), [...exp.differentScales].sort());
      assert.deepEqual(flagged(l.report, 'R17'), [...exp.mixed].sort());
      for (const f of l.report.findings.filter((x) => x.ruleId === 'R16')) {
        assert.match(f.message, /ratio \d/);
        assert.ok((f.data.inputScales as number[]).length >= 1);
        assert.equal(f.fix?.edits[0]?.kind, 'unifyScales');
      }
      assert.equal(l.report.summary.errors, 0);
      // Each scale mismatch around a neck Concat is a predicted requantize layer.
      assert.ok(l.report.reformats.filter((x) => x.ruleId === 'R16').length >= exp.differentScales.length);
    });
  }
});

describe('yolov9t-qat-naive: each predicted pattern checked against the rules document', () => {
  const name = 'yolov9t-qat-naive.onnx';
  test('residual Adds with no Q/DQ on the skip input run outside an INT8 Conv+Add fusion (R22)', { skip: skipMsg(name) }, (t) => {
    const l = load(name);
    const residual = l.nodes.filter((n) => n.opType === 'Add' && n.input.every((x) => l.producer.get(x) && l.producer.get(x)!.opType !== 'Constant') && n.input.some((x) => l.producer.get(x)!.opType === 'Mul'));
    const noQdqSkip = residual.filter((n) => n.input.every((x) => l.producer.get(x)!.opType !== 'DequantizeLinear'));
    const outside = residual.filter((n) => {
      const layer = l.report.layers.find((x) => x.node === n.name)!;
      return layer.precision !== 'INT8';
    });
    t.diagnostic(`${residual.length} residual Adds, ${noQdqSkip.length} without Q/DQ on the skip input, ${outside.length} predicted outside an INT8 fusion`);
    assert.ok(noQdqSkip.length > 0);
    assert.equal(outside.length, noQdqSkip.length);
    assert.equal(l.report.findings.filter((f) => f.ruleId === 'R22' && /skip input .* is float/.test(f.message)).length, noQdqSkip.length);
  });
  test('AveragePools stay in float (and run INT8 in the yolov9-qat placement)', { skip: skipMsg(name) || skipMsg('yolov9t-qat.onnx') }, () => {
    const naive = load(name).report.layers.filter((x) => x.opType === 'AveragePool');
    const qat = load('yolov9t-qat.onnx').report.layers.filter((x) => x.opType === 'AveragePool');
    assert.equal(naive.length, 5);
    assert.ok(naive.every((x) => x.precision === 'FP16'));
    assert.ok(qat.every((x) => x.precision === 'INT8'));
    assert.equal(load(name).report.reformats.filter((x) => x.ruleId === 'R23').length, 5); // the Q after each runs standalone
  });
  test('branches of one tensor (through Slice/Concat) with different scales cannot fuse their Q into the producer (R19)', { skip: skipMsg(name) }, (t) => {
    const l = load(name);
    const expected: string[] = [];
    for (const n of l.nodes) {
      if (n.opType !== 'Mul' || !n.name.endsWith('/act/Mul')) continue;
      if (new Set(walkForward(l, n.output[0]!)).size > 1) expected.push(l.producer.get(n.input[0]!)!.name);
    }
    t.diagnostic(`${expected.length} convs whose output goes to Qs of different scales`);
    assert.ok(expected.length > 0);
    const withStandaloneQ = new Set(l.report.reformats.filter((x) => x.kind === 'quantize').map((x) => x.between[0]));
    for (const c of expected) assert.ok(withStandaloneQ.has(c), `${c}: standalone Q predicted`);
    const r19 = l.report.findings.filter((f) => f.ruleId === 'R19' && /different scales/.test(f.message)).map((f) => f.nodes[0]!);
    assert.ok(r19.length > 0);
    for (const c of r19) assert.ok(expected.includes(c), `${c}: R19 reports different scales`);
  });
  test('a single Q after a float Concat propagates backward: those Concats run INT8 with one scale', { skip: skipMsg(name) }, () => {
    const l = load(name);
    const onlyQ = l.nodes.filter((n) => n.opType === 'Concat' && (l.consumers.get(n.output[0]!) ?? []).length > 0 && (l.consumers.get(n.output[0]!) ?? []).every((c) => c.opType === 'QuantizeLinear'));
    assert.ok(onlyQ.length > 0);
    for (const n of onlyQ) assert.equal(l.report.layers.find((x) => x.node === n.name)!.precision, 'INT8', n.name);
    assert.deepEqual(flagged(l.report, 'R16'), []); // no DQ inputs: nothing to mismatch
  });
});

describe('last layer and float exports', () => {
  const headConv = /^\/model\.22\/cv[23]\.\d\/cv[23]\.\d\.[01]\/conv\/Conv$/;
  test('yolov9t-qat-nolast: the 12 head convs are predicted in higher precision (INT8 in yolov9t-qat)', { skip: skipMsg('yolov9t-qat-nolast.onnx') || skipMsg('yolov9t-qat.onnx') }, () => {
    const nolast = load('yolov9t-qat-nolast.onnx').report;
    const heads = nolast.layers.filter((x) => headConv.test(x.node));
    assert.equal(heads.length, 12);
    assert.ok(heads.every((x) => x.precision === 'FP16'));
    const info = nolast.findings.find((f) => f.ruleId === 'R18' && f.severity === 'info')!;
    for (const h of heads) assert.ok(info.nodes.includes(h.node));
    const qat = load('yolov9t-qat.onnx').report.layers.filter((x) => headConv.test(x.node));
    assert.ok(qat.every((x) => x.precision === 'INT8'));
  });
  test('yolov9t-fp32: no Q/DQ findings, every layer FP16', { skip: skipMsg('yolov9t-fp32.onnx') }, () => {
    const r = load('yolov9t-fp32.onnx').report;
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.reformats, []);
    assert.ok(r.layers.length > 600 && r.layers.every((x) => x.precision === 'FP16'));
  });
});
