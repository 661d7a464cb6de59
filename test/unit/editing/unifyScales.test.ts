/**
 * "Unify scales around a Concat" (unifyConcat, the R16 quick fix, `qdq edit --unify-scales`) on
 * YOLO necks: every quantizer TensorRT needs on one scale changes — back through Q/DQ ← Resize ←
 * Q/DQ chains, and into another Concat sharing a quantizer — so the requantize goes away instead of
 * moving across the Resize (R15). Builder models (an upsample → Concat neck; with
 * `sharedUpsampleDq` the bottom-up Concat reads the upsample's input DQ, as in the real yolov9-qat
 * exports) and, when present, the real yolov9t-qat.onnx.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel, type AnalysisReport } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { applyEdit, type EditRequest } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, readTensorValues, type DecodedModel } from '../../../src/core/onnx/index';
import { main as qdq } from '../../../src/cli/qdq';
import { makeTempDir } from '../../support/tempDir';
import { yoloLike } from '../../support/modelBuilder';
import { sharedModels } from '../onnx/corpus';
import { assertValid, build, encode, graphOf, redecode, tiny } from './kit';

const analyze = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const scaleFindings = (r: AnalysisReport) => r.findings.filter((f) => f.ruleId === 'R15' || f.ruleId === 'R16');
const keys = (r: AnalysisReport) => scaleFindings(r).map((f) => `${f.ruleId} ${f.nodes.join(' ')}`).sort();

/** The per-tensor scale of a Q/DQ node (initializer or Constant `value`). */
function scaleOf(d: DecodedModel, name: string): number {
  const g = graphOf(d);
  const n = g.node.find((x) => x.name === name);
  assert.ok(n, `no node ${name}`);
  const s = n.input[1]!;
  const t = g.initializer.find((i) => i.name === s) ?? g.node.find((x) => x.output.includes(s))?.attribute.find((a) => a.name === 'value')?.t;
  assert.ok(t, `no constant scale for ${name}`);
  return Number(readTensorValues(d, t)[0]);
}

const pair = (scope: string): string[] => [`${scope}/QuantizeLinear`, `${scope}/DequantizeLinear`];

// The tiny builder model's neck (levels 2): model.6 upsamples the SPP output, model.7 concatenates
// it with the level-0 feature (model.8's ELAN follows), model.9 is the bottom-up downsample and
// model.10 the bottom-up Concat, read by model.11's ELAN.
const RESIZE_IN = pair('/model.6/_input_quantizer');
const TOP_DOWN = '/model.7/Concat';
const TOP_DOWN_SET = [...RESIZE_IN, ...pair('/model.7/_input0_quantizer'), ...pair('/model.7/_input1_quantizer'), ...pair('/model.8/cv1/conv/_input_quantizer')];
const BOTTOM_UP = '/model.10/Concat';
const BOTTOM_UP_OWN = [...pair('/model.10/_input0_quantizer'), ...pair('/model.11/cv1/conv/_input_quantizer')];

function assertOneScale(d: DecodedModel, names: string[]): number {
  const scales = [...new Set(names.map((n) => scaleOf(d, n)))];
  assert.equal(scales.length, 1, `one scale across ${names.join(', ')}: ${scales.join(', ')}`);
  return scales[0]!;
}

describe('unify scales around a neck Concat fed through Q/DQ ← Resize ← Q/DQ', () => {
  /** The top-down Concat with its second input and output at twice the upsample's scale (as model.11 of the real export). */
  function broken(): { d: DecodedModel; before: AnalysisReport } {
    const { decoded } = build();
    assert.equal(graphOf(decoded).node.find((n) => n.name === '/model.6/Resize')?.opType, 'Resize');
    const s = scaleOf(decoded, RESIZE_IN[0]!);
    assertOneScale(decoded, TOP_DOWN_SET);
    applyEdit(decoded, { kind: 'setScales', scales: [...pair('/model.7/_input1_quantizer'), ...pair('/model.8/cv1/conv/_input_quantizer')].map((node) => ({ node, scale: 2 * s })) });
    const d = redecode(decoded);
    const before = analyze(d);
    assert.deepEqual(keys(before).map((k) => k.split(' ').slice(0, 2).join(' ')), [`R16 ${TOP_DOWN}`]);
    return { d, before };
  }

  for (const how of ['unifyConcat', 'R16 quick fix'] as const) {
    test(`${how}: the upsample's input quantizer changes too; no R15/R16 anywhere, one requantize fewer`, () => {
      const { d, before } = broken();
      const fix = before.findings.find((f) => f.ruleId === 'R16')!.fix!;
      const request: EditRequest = how === 'unifyConcat' ? { kind: 'unifyConcat', node: TOP_DOWN } : { kind: 'applyFix', fix };
      const a = applyEdit(d, request);
      for (const n of TOP_DOWN_SET) assert.ok(a.nodes.includes(n), `${n} is unified`);
      const after = redecode(d);
      assertValid(after);
      assert.equal(assertOneScale(after, TOP_DOWN_SET), 2 * scaleOf(redecode(build().decoded), RESIZE_IN[0]!), 'max = the output scale');
      const r = analyze(after);
      assert.deepEqual(keys(r), [], 'no R15 across the Resize, no R16');
      assert.equal(r.summary.reformats, before.summary.reformats - 1);
      // The inverse puts every scale back.
      applyEdit(d, a.inverse!);
      assert.deepEqual(keys(analyze(redecode(d))), keys(before));
    });
  }
});

describe('unify scales where the upsample quantizer is shared with the bottom-up Concat (yolov9-qat exports)', () => {
  const shared = (): DecodedModel => {
    const bytes = yoloLike({ ...tiny, qdq: 'good', sharedUpsampleDq: true }).toBytes();
    return decodeModel(new MemorySource(bytes, 'shared.onnx'), { file: 'shared.onnx' });
  };

  test('the builder reproduces it: the bottom-up Concat reads the Resize input DQ and has an R16', () => {
    const d = shared();
    const cat = graphOf(d).node.find((n) => n.name === BOTTOM_UP)!;
    assert.equal(cat.input[1], '/model.6/_input_quantizer/DequantizeLinear_output_0');
    assert.deepEqual(keys(analyze(d)).map((k) => k.split(' ').slice(0, 2).join(' ')), [`R16 ${BOTTOM_UP}`]);
  });

  for (const how of ['unifyConcat', 'R16 quick fix'] as const) {
    test(`${how} on the bottom-up Concat includes the top-down Concat's quantizers: no R15/R16 appears`, () => {
      const d = shared();
      const before = analyze(d);
      const finding = before.findings.find((f) => f.ruleId === 'R16' && f.nodes[0] === BOTTOM_UP)!;
      assert.match(finding.fix!.title, /around \/model\.10\/Concat and, linked to it, \/model\.7\/Concat, \/model\.9\/Concat; the finest scale there \(0\.00739195\) becomes 2\.7× coarser: re-calibrate or fine-tune after$/);
      assert.deepEqual(finding.data.sharedWith, ['/model.7/Concat', '/model.9/Concat']);
      const a = applyEdit(d, how === 'unifyConcat' ? { kind: 'unifyConcat', node: BOTTOM_UP } : { kind: 'applyFix', fix: finding.fix! });
      if (how === 'unifyConcat') assert.match(a.message, /They include those of \/model\.7\/Concat, \/model\.9\/Concat, linked to it/);
      const after = redecode(d);
      assertValid(after);
      assertOneScale(after, [...TOP_DOWN_SET, ...BOTTOM_UP_OWN, ...pair('/model.9/_input0_quantizer'), ...pair('/model.9/_input1_quantizer')]);
      const r = analyze(after);
      assert.deepEqual(keys(r), [], 'the shared upsample quantizer changed with the top-down path: no R15 at model.7');
      assert.equal(r.summary.reformats, before.summary.reformats - 1);
    });
  }

  test('both neck Concats name the same set', () => {
    const top = applyEdit(shared(), { kind: 'unifyConcat', node: TOP_DOWN, mode: 'value', scale: 0.5 });
    const bottom = applyEdit(shared(), { kind: 'unifyConcat', node: BOTTOM_UP, mode: 'value', scale: 0.5 });
    assert.deepEqual([...top.nodes].sort(), [...bottom.nodes].sort());
    assert.equal(top.nodes.length, 16);
  });

  test('qdq edit with --unify-scales for both: the second is a note, not a refusal', async () => {
    const dir = makeTempDir('qdq-unify-neck');
    const model = path.join(dir, 'shared.onnx');
    fs.writeFileSync(model, encode(shared()));
    let out = '';
    let err = '';
    const code = await qdq(['edit', model, '-o', path.join(dir, 'out.onnx'), '--unify-scales', BOTTOM_UP, '--unify-scales', TOP_DOWN], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    assert.equal(code, 0, err);
    assert.match(out, /16 quantizers around \/model\.10\/Concat now use scale/);
    assert.match(out, /\/model\.7\/Concat: nothing left to change \(an earlier --unify-scales already gave its 16 quantizers one scale\)/);
    // A Resize that does not commute (linear) is refused, naming why.
    const linear = shared();
    const resize = graphOf(linear).node.find((n) => n.name === '/model.6/Resize')!;
    // A new attribute in a new list, as an edit makes it (decoded attributes may be shared, frozen).
    resize.attribute = resize.attribute.map((x) => (x.name === 'mode' ? Object.assign(Object.create(Object.getPrototypeOf(x) as object) as typeof x, x, { s: new TextEncoder().encode('linear') }) : x));
    assert.throws(() => applyEdit(linear, { kind: 'unifyConcat', node: '/model.6/Resize' }), /\/model\.6\/Resize is a Resize in a mode that does not commute with Q\/DQ/);
  });
});

const real = sharedModels().find((f) => path.basename(f) === 'yolov9t-qat.onnx');
describe('the real yolov9t-qat.onnx: unify scales around each neck Concat', { skip: real ? false : 'shared corpus absent: yolov9t-qat.onnx not found, the real-model unify cases are skipped' }, () => {
  const bytes = real ? fs.readFileSync(real) : new Uint8Array();
  const open = (b: Uint8Array): DecodedModel => decodeModel(new MemorySource(b, real!), { file: real! });
  const NECK = ['/model.11/concatop/Concat', '/model.14/concatop/Concat', '/model.17/concatop/Concat', '/model.20/concatop/Concat'];

  for (const how of ['unifyConcat', 'R16 quick fix'] as const) {
    test(`${how} on each neck Concat adds no R15/R16 and removes requantizes`, (t) => {
      const before = analyze(open(bytes));
      assert.deepEqual(scaleFindings(before).filter((f) => f.ruleId === 'R16').map((f) => f.nodes[0]), NECK);
      for (const concat of NECK) {
        const d = open(bytes);
        const fix = before.findings.find((f) => f.ruleId === 'R16' && f.nodes[0] === concat)!.fix!;
        applyEdit(d, how === 'unifyConcat' ? { kind: 'unifyConcat', node: concat } : { kind: 'applyFix', fix });
        const r = analyze(redecode(d));
        t.diagnostic(`${concat}: reformats ${before.summary.reformats} -> ${r.summary.reformats}; R15/R16 ${keys(before).length} -> ${keys(r).length}`);
        const added = keys(r).filter((k) => !keys(before).includes(k));
        assert.deepEqual(added, [], `${concat}: no new R15/R16`);
        assert.ok(!keys(r).some((k) => k.startsWith(`R16 ${concat}`)), `${concat}: its R16 is gone`);
        assert.ok(r.summary.reformats < before.summary.reformats, `${concat}: ${before.summary.reformats} -> ${r.summary.reformats} reformats`);
      }
    });
  }

  test('all four in sequence: no R15/R16 left, one standalone conversion (the network input) remains', (t) => {
    const d = open(bytes);
    const before = analyze(d);
    for (const concat of NECK) {
      const f = analyze(redecode(d)).findings.find((x) => x.ruleId === 'R16' && x.nodes[0] === concat);
      if (f) applyEdit(d, { kind: 'applyFix', fix: f.fix! });
    }
    const r = analyze(redecode(d));
    t.diagnostic(`reformats ${before.summary.reformats} -> ${r.summary.reformats}`);
    assert.deepEqual(keys(r), []);
    assert.equal(r.summary.reformats, 1);
    assert.equal(r.reformats[0]!.kind, 'quantize');
  });
});
