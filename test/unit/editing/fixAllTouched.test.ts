/**
 * Fix All's bookkeeping (src/core/editing/fixAll.ts): which nodes a fix touches (two fixes of one
 * round must share none, or the later one waits for a fresh analysis), and how many distinct fixes
 * the findings of a rule carry (what the "Fix All Findings…" pick says).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel, type AnalysisReport, type Fix, type FixEdit } from '../../../src/core/analysis/index';
import { fixAll } from '../../../src/core/editing/index';
import { countFixes, describeFixCount, touchedBy } from '../../../src/core/editing/index';
import { buildGraphIndex, nodeLabel } from '../../../src/core/graph/index';
import { decodeModel, MemorySource, type DecodedModel } from '../../../src/core/onnx/index';
import { ModelBuilder } from '../../support/modelBuilder';
import { linkedConcats } from '../../support/linkedConcats';
import { sharedModels } from '../onnx/corpus';
import { build, graphOf, unnamed } from './kit';

const analyse = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const decode = (bytes: Uint8Array): DecodedModel => decodeModel(new MemorySource(bytes, 'm.onnx'), { file: 'm.onnx' });

/**
 * model.0's output through three Q/DQ pairs in a row (a, b, c; c with zero point 3), then model.2's
 * own input Q/DQ and conv. Scales and zero points are Constant nodes (`<scope>/Constant_1`,
 * `<scope>/Constant`), shared by each pair's Q and DQ.
 */
function chain(): DecodedModel {
  const b = new ModelBuilder({ opset: 13, qdq: 'good' });
  const x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
  const y = b.convSilu(x, { module: 'model.0', cout: 4, k: 1 });
  const t1 = b.qdq(y, { scope: '/model.1/a', kind: 'activation' });
  const t2 = b.qdq(t1, { scope: '/model.1/b', kind: 'activation' });
  const t3 = b.qdq(t2, { scope: '/model.1/c', kind: 'activation', zeroPoint: 3 });
  b.output(b.convSilu(t3, { module: 'model.2', cout: 4, k: 1 }), 'out');
  return decode(b.toBytes());
}

const Q = (s: string): string => `${s}/QuantizeLinear`;
const DQ = (s: string): string => `${s}/DequantizeLinear`;
const SCALE = (s: string): string => `${s}/Constant_1`;
const ZP = (s: string): string => `${s}/Constant`;
const [A, B, C, IN] = ['/model.1/a', '/model.1/b', '/model.1/c', '/model.2/conv/_input_quantizer'];
const CONV = '/model.2/conv/Conv';

const fix = (...edits: FixEdit[]): Fix => ({ title: 'test', edits });
const touched = (d: DecodedModel, f: Fix, findingNodes: string[] = []): string[] => [...touchedBy(graphOf(d).node, { nodes: findingNodes }, f)].sort();

test('touchedBy: removing a pair touches the readers it rewires (a Q of the next pair, a conv) and the scale and zero-point Constants it drops', () => {
  const d = chain();
  assert.deepEqual(touched(d, fix({ kind: 'removeQdqPair', quantize: Q(B), dequantize: DQ(B) })), [Q(B), SCALE(B), ZP(B), DQ(B), Q(C)].sort());
  assert.deepEqual(touched(d, fix({ kind: 'removeQdqPair', quantize: Q(IN), dequantize: DQ(IN) }), [CONV]), [Q(IN), SCALE(IN), ZP(IN), DQ(IN), CONV].sort());
});

test('touchedBy: the finding nodes and every name in the edits are in, tensors included', () => {
  const d = chain();
  const out = touched(d, fix({ kind: 'insertQdqPair', tensor: '/model.0/act/Mul_output_0', consumers: [Q(A)], scale: 0.1, dtype: 'INT8' }), ['/model.0/conv/Conv']);
  assert.deepEqual(out, ['/model.0/act/Mul_output_0', '/model.0/conv/Conv', Q(A)].sort());
});

test('touchedBy: inserting a pair without consumers touches every reader of the tensor; moving one, the readers of both tensors', () => {
  const d = chain();
  const g = graphOf(d);
  const mul = g.node.find((n) => n.name === '/model.0/act/Mul')!.output[0]!;
  assert.deepEqual(touched(d, fix({ kind: 'insertQdqPair', tensor: mul, scale: 0.1, dtype: 'INT8' })), [mul, Q(A)].sort());
  const inputQ = '/model.0/conv/_input_quantizer/QuantizeLinear';
  const out = touched(d, fix({ kind: 'moveQdqPair', quantize: Q(IN), dequantize: DQ(IN), toTensor: 'images' }));
  assert.deepEqual(out, ['images', inputQ, Q(IN), SCALE(IN), ZP(IN), DQ(IN), CONV].sort());
});

test('touchedBy: a rewired input touches the Q/DQ and Constant chain it may leave unread, not the op before it', () => {
  const d = chain();
  const out = touched(d, fix({ kind: 'rewireInput', node: CONV, inputIndex: 0, tensor: 'images' }));
  for (const s of [A, B, C, IN]) for (const n of [Q(s), DQ(s), SCALE(s), ZP(s)]) assert.ok(out.includes(n), `${n} in ${out.join(', ')}`);
  assert.ok(out.includes(CONV));
  assert.ok(!out.includes('/model.0/act/Mul'), 'the Mul stays: its output only loses a reader');
});

test('touchedBy: new scales and zero points touch the Constants that held the old ones', () => {
  const d = chain();
  assert.deepEqual(touched(d, fix({ kind: 'unifyScales', nodes: [Q(A), DQ(B)], scale: 0.1 })), [Q(A), DQ(B), SCALE(A), SCALE(B)].sort());
  assert.deepEqual(touched(d, fix({ kind: 'setZeroPoint', nodes: [Q(C), DQ(C)], value: 0 })), [Q(C), DQ(C), ZP(C)].sort());
  assert.deepEqual(touched(d, fix({ kind: 'setAttribute', node: DQ(C), name: 'axis', value: 1 })), [DQ(C), 'axis'].sort());
});

test('touchedBy on a model without node names: the readers are named by their labels in the same node list', () => {
  const named = chain();
  const bare = unnamed(chain());
  const g = graphOf(bare);
  const at = (name: string): string => {
    const i = graphOf(named).node.findIndex((n) => n.name === name);
    return nodeLabel(g.node[i]!, i);
  };
  const out = touched(bare, fix({ kind: 'removeQdqPair', quantize: at(Q(B)), dequantize: at(DQ(B)) }));
  assert.deepEqual(out, [Q(B), SCALE(B), ZP(B), DQ(B), Q(C)].map(at).sort());
  assert.match(at(Q(C)), /^QuantizeLinear#\d+$/);
});

test('fixAll: a removal that rewires a Q is not applied in the round of the zero-point fix that writes that Q', () => {
  const d = chain();
  const r1 = analyse(d).findings.find((f) => f.ruleId === 'R1' && f.nodes[0] === Q(C));
  const r26 = analyse(d).findings.find((f) => f.ruleId === 'R26' && f.fix?.edits.some((e) => e.kind === 'removeQdqPair' && e.quantize === Q(B)));
  assert.ok(r1?.fix && r26?.fix, 'R1 on the c pair, R26 removing the b pair');
  // What the second analysis sees: the first round's work.
  const seen: { b: boolean; cZeroPoint: boolean }[] = [];
  const out = fixAll(d, (m) => {
    const names = new Set(graphOf(m).node.map((n) => n.name));
    seen.push({ b: names.has(Q(B)), cZeroPoint: names.has(ZP(C)) });
    return analyse(m);
  });
  assert.ok(seen.length >= 2, JSON.stringify(seen));
  // Removals go first (fixAll.ts: a fix retuning a quantizer another fix removes would be stale).
  assert.deepEqual(seen[1], { b: false, cZeroPoint: true }, 'round 1 removed the b pair and left c\'s zero point for round 2');
  assert.equal(seen.length, 3, 'round 2 set the zero point, round 3 found nothing left');
  assert.deepEqual(out.skipped, []);
  assert.equal(out.remaining, 0);
});

test('countFixes: linked Concats share one fix: "2 findings · 1 fix", and Fix All applies one', () => {
  const d = decode(linkedConcats());
  const counts = countFixes(analyse(d).findings);
  const r16 = counts.find((c) => c.ruleId === 'R16');
  assert.deepEqual(r16 && { findings: r16.findings, fixes: r16.fixes, rule: r16.rule }, { findings: 2, fixes: 1, rule: 'QDQ-CONCAT-SCALE' });
  assert.equal(describeFixCount(r16!), '2 findings · 1 fix');
  const out = fixAll(d, analyse, { rules: ['R16'] });
  assert.equal(out.applied.length, 1);
  assert.equal(out.remaining, 0);
});

test('countFixes: one entry per rule with a fix, in rule order; findings without a fix are not counted', () => {
  const { decoded } = build({ depth: 2, sharedUpsampleDq: true, defects: { danglingQ: true } });
  const findings = analyse(decoded).findings;
  const counts = countFixes(findings);
  assert.deepEqual(counts.map((c) => c.ruleId), ['R16', 'R19', 'R22', 'R25']);
  for (const c of counts) {
    const withFix = findings.filter((f) => f.ruleId === c.ruleId && f.fix);
    assert.equal(c.findings, withFix.length, c.ruleId);
    assert.equal(c.fixes, withFix.length, `${c.ruleId}: each fix is different here`);
    assert.equal(c.title, withFix[0]!.fix!.title);
  }
  assert.ok(findings.some((f) => !f.fix && counts.every((c) => c.ruleId !== f.ruleId)), 'a rule with findings but no fix is left out');
  assert.equal(describeFixCount({ findings: 8, fixes: 8 }), '8 findings · 8 fixes');
  assert.equal(describeFixCount({ findings: 1, fixes: 1 }), '1 finding · 1 fix');
});

const qat = sharedModels().find((f) => path.basename(f) === 'yolov9t-qat.onnx');
test('countFixes on yolov9t-qat: the four neck R16 findings are two fixes, as many as Fix All applies', { skip: qat ? false : 'no shared yolov9t-qat.onnx (../shared/fixtures/onnx): real-model count skipped' }, () => {
  const d = decodeModel(new MemorySource(fs.readFileSync(qat!), qat!), { file: qat! });
  const r16 = countFixes(analyse(d).findings).find((c) => c.ruleId === 'R16');
  assert.equal(r16 && describeFixCount(r16), '4 findings · 2 fixes');
  assert.equal(fixAll(d, analyse, { rules: ['R16'] }).applied.length, 2);
});
