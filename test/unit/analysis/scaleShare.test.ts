/**
 * The R15/R16 fixes change the whole scale-sharing set (src/core/analysis/scaleShare.ts): the
 * quantizers behind a Resize on a Concat input, and another path's that meet a shared DQ. Applying
 * the fix then leaves no R15/R16 anywhere (before, the requantize moved to the Resize or the Concat).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeModel, type AnalysisReport, type Fix } from '../../../src/core/analysis/index';
import { applyEdit } from '../../../src/core/editing/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { decodeModel, MemorySource, type DecodedModel } from '../../../src/core/onnx/index';
import { float32Payload } from '../../support/builder/weights';
import { conv, findings, op, qdq, start } from './kit';
import { coarserNote } from '../../../src/core/analysis/scaleShare';

const run = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const requantizes = (r: AnalysisReport): string[] => r.reformats.filter((x) => x.kind === 'requantize').map((x) => x.reason);
const scaleKeys = (r: AnalysisReport): string[] => r.findings.filter((f) => f.ruleId === 'R15' || f.ruleId === 'R16').map((f) => `${f.ruleId} ${f.nodes[0]}`);

/** Applies `fix` to `d`: no R15/R16 is left (`why`), and the one requantize before it is gone with a reformat. */
function assertFixClears(d: DecodedModel, before: AnalysisReport, fix: Fix, why: string): void {
  applyEdit(d, { kind: 'applyFix', fix });
  const after = run(d);
  assert.deepEqual(scaleKeys(after), [], why);
  assert.equal(requantizes(before).length, 1);
  assert.deepEqual(requantizes(after), []);
  assert.ok(after.summary.reformats < before.summary.reformats);
}

describe('scale-sharing sets in the R15/R16 fixes', () => {
  test('R16: Q/DQ(0.1) → nearest Resize → Q/DQ(0.1) → Concat with an input and output at 0.2: the fix takes the Resize input pair too', () => {
    const { b, x } = start();
    const up = qdq(b, x, { scope: '/up', scale: 0.1 });
    b.initializer('scales', 'FLOAT', [4], float32Payload([1, 1, 1, 1]));
    const rs = op(b, 'Resize', [up.out, '', 'scales'], '/rs', { attrs: { mode: 'nearest' } });
    const in0 = qdq(b, rs.out, { scope: '/in0', scale: 0.1 });
    const in1 = qdq(b, x, { scope: '/in1', scale: 0.2 });
    const cat = op(b, 'Concat', [in0.out, in1.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    const out = qdq(b, cat.out, { scope: '/out', scale: 0.2 });
    b.output(conv(b, out.out, { scope: '/c', cout: 16 }).out);
    const d = decodeModel(new MemorySource(b.toBytes(), 'r16.onnx'));
    const before = run(d);
    assert.deepEqual(scaleKeys(before), [`R16 ${cat.name}`]);
    const fix = findings(before, 'R16')[0]!.fix!;
    assert.deepEqual(new Set((fix.edits[0] as { nodes: string[] }).nodes), new Set([up.q, up.dq, in0.q, in0.dq, in1.q, in1.dq, out.q, out.dq]));
    assert.equal((fix.edits[0] as { scale: number }).scale, Math.fround(0.2));
    assertFixClears(d, before, fix, 'no R15 across the Resize');
  });

  test('R15: DQ(0.1) → MaxPool → Q(0.2), the DQ also feeds a Concat at 0.1: the fix takes the Concat in too', () => {
    const { b, x } = start();
    const a = qdq(b, x, { scope: '/a', scale: 0.1 });
    const mp = op(b, 'MaxPool', [a.out], '/mp', { attrs: { kernel_shape: [1, 1] } });
    const q = qdq(b, mp.out, { scope: '/q', scale: 0.2 });
    const other = qdq(b, x, { scope: '/other', scale: 0.1 });
    const cat = op(b, 'Concat', [a.out, other.out], '/cat', { attrs: { axis: 1 }, shape: [1, 32, 8, 8] });
    const out = qdq(b, cat.out, { scope: '/out', scale: 0.1 });
    const c1 = conv(b, q.out, { scope: '/c1', cout: 16 });
    const c2 = conv(b, out.out, { scope: '/c2', cout: 16 });
    b.output(c1.out);
    b.output(c2.out);
    const d = decodeModel(new MemorySource(b.toBytes(), 'r15.onnx'));
    const before = run(d);
    assert.deepEqual(scaleKeys(before), [`R15 ${a.dq}`]);
    const r15 = findings(before, 'R15')[0]!;
    const fix = r15.fix!;
    assert.deepEqual(new Set((fix.edits[0] as { nodes: string[] }).nodes), new Set([a.q, a.dq, q.q, q.dq, other.q, other.dq, out.q, out.dq]));
    // The fix says how far it reaches: the Concat it links in.
    // 0.1 → 0.2 halves that quantizer's resolution: the title says so and asks for re-calibration.
    assert.equal(fix.title, `Use scale 0.2 on both sides and, linked to them, every quantizer around ${cat.name}; the finest scale there (0.1) becomes 2.0× coarser: re-calibrate or fine-tune after`);
    assert.equal(fix.recalibrate, true);
    assert.deepEqual(r15.data.sharedWith, [cat.name]);
    assertFixClears(d, before, fix, 'no R16 at the Concat the shared DQ feeds');
  });
});

test('coarserNote: a unified scale at least twice the finest one it replaces is said, with re-calibration advised', () => {
  assert.deepEqual(coarserNote([0.1, 0.19], 0.19), { text: '' });
  assert.deepEqual(coarserNote([0.2, 0.2], 0.2), { text: '' });
  assert.deepEqual(coarserNote([0.1, 0.2, 0.15], 0.2), { text: '; the finest scale there (0.1) becomes 2.0× coarser: re-calibrate or fine-tune after', recalibrate: true });
  assert.deepEqual(coarserNote([0, 0.2], 0.2), { text: '' }, 'a zero scale (invalid, R-rules report it) says nothing');
});
