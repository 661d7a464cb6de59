/**
 * A hand-written plan that unifies around two Concats of one linked scale-sharing set: the first
 * unification gives the whole set one scale, so the second has nothing left to do. It is a note in
 * the result (as `qdq edit --unify-scales` already made it), not a refusal of the whole plan. The
 * plan goes through the core's batch edit, as `qdq edit --plan` and the extension's Apply Plan do.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel, scaleShareAround, type AnalysisReport } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { applyEdit, EditError, EditSession, parsePlan, planToRequest, type QdqPlan } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, type DecodedModel } from '../../../src/core/onnx/index';
import { main as qdq } from '../../../src/cli/qdq';
import { makeTempDir } from '../../support/tempDir';
import { yoloLike } from '../../support/modelBuilder';
import { sharedModels } from '../onnx/corpus';
import { encode, graphOf, redecode, tiny } from './kit';

const analyze = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const scaleKeys = (r: AnalysisReport): string[] => r.findings.filter((f) => f.ruleId === 'R15' || f.ruleId === 'R16').map((f) => `${f.ruleId} ${f.nodes[0]}`);
const planOf = (...around: string[]): QdqPlan => parsePlan(JSON.stringify({ format: 'qdq-plan', version: 1, unifyScales: around.map((a) => ({ around: a })) }), 'plan.json');

/** yolov9-qat layout: the bottom-up neck Concat reads the upsample's input DQ, linking it with the top-down Concat. */
const shared = (): DecodedModel => {
  const bytes = yoloLike({ ...tiny, qdq: 'good', sharedUpsampleDq: true }).toBytes();
  return decodeModel(new MemorySource(bytes, 'shared.onnx'), { file: 'shared.onnx' });
};
const TOP_DOWN = '/model.7/Concat';
const BOTTOM_UP = '/model.10/Concat';

/** The per-tensor scales of the set around `concat` (distinct values). */
function setScales(d: DecodedModel, concat: string): number[] {
  const g = graphOf(d);
  return [...scaleShareAround(d, buildGraphIndex(g), g.node.findIndex((n) => n.name === concat)).scales];
}

describe('a plan naming two Concats of one linked scale-sharing set', () => {
  test('core batch (the path of qdq edit --plan and Apply Plan): the second unify is a note, the set gets one scale', () => {
    const d = shared();
    assert.ok(setScales(d, BOTTOM_UP).length > 1, 'the builder model starts with different scales in the set');
    assert.deepEqual(scaleKeys(analyze(d)), [`R16 ${BOTTOM_UP}`]);
    const a = applyEdit(d, planToRequest(planOf(BOTTOM_UP, TOP_DOWN)));
    assert.deepEqual(a.notes, [`${TOP_DOWN}: nothing left to change (an earlier unification in this edit already gave its 16 quantizers one scale).`]);
    assert.match(a.message, /16 quantizers around \/model\.10\/Concat now use scale/);
    assert.match(a.message, /Note: \/model\.7\/Concat: nothing left to change/);
    assert.equal(setScales(redecode(d), TOP_DOWN).length, 1);
    assert.deepEqual(scaleKeys(analyze(redecode(d))), []);
    // The inverse takes the one real change back.
    applyEdit(d, a.inverse!);
    assert.deepEqual(scaleKeys(analyze(redecode(d))), [`R16 ${BOTTOM_UP}`]);
  });

  test('the same through an EditSession (what the extension document holds); a lone unify of a set already on one scale is still refused', () => {
    const d = shared();
    const s = new EditSession(d);
    const a = s.apply(planToRequest(planOf(TOP_DOWN, BOTTOM_UP)));
    assert.equal(a.notes?.length, 1);
    assert.match(a.notes![0]!, /^\/model\.10\/Concat: nothing left to change/);
    assert.throws(() => s.apply(planToRequest(planOf(BOTTOM_UP))), (e: Error) => e instanceof EditError && /nothing to change: the 16 quantizers around \/model\.10\/Concat already use scale/.test(e.message));
    // A second unify that does change something (another scale) still applies: no note.
    const b = s.apply(planToRequest(parsePlan(JSON.stringify({ format: 'qdq-plan', version: 1, unifyScales: [{ around: TOP_DOWN, mode: 'value', scale: 0.5 }, { around: BOTTOM_UP, mode: 'value', scale: 0.25 }] }), 'p.json')));
    assert.equal(b.notes, undefined);
    assert.deepEqual(setScales(redecode(d), TOP_DOWN), [0.25]);
  });

  test('qdq edit --plan: exit 0, the note in the text output and in the JSON edit result', async () => {
    const dir = makeTempDir('qdq-unify-plan');
    const model = path.join(dir, 'shared.onnx');
    fs.writeFileSync(model, encode(shared()));
    const plan = path.join(dir, 'plan.json');
    fs.writeFileSync(plan, JSON.stringify({ format: 'qdq-plan', version: 1, unifyScales: [{ around: BOTTOM_UP }, { around: TOP_DOWN }] }));
    const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await qdq(['edit', model, '--plan', plan, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
      return { code, out, err };
    };
    const text = await run('-o', path.join(dir, 'out.onnx'));
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /Note: \/model\.7\/Concat: nothing left to change/);
    const json = await run('-o', path.join(dir, 'out2.onnx'), '--json');
    assert.equal(json.code, 0, json.err);
    const edits = (JSON.parse(json.out) as { edits: { label: string; message: string; nodes: string[]; notes?: string[] }[] }).edits;
    assert.equal(edits.length, 1);
    assert.deepEqual(edits[0]!.notes, [`${TOP_DOWN}: nothing left to change (an earlier unification in this edit already gave its 16 quantizers one scale).`]);
    assert.equal(edits[0]!.nodes.length, 16);
  });
});

const real = sharedModels().find((f) => path.basename(f) === 'yolov9t-qat.onnx');
describe('the real yolov9t-qat.onnx: a plan naming every neck Concat', { skip: real ? false : 'shared corpus absent: yolov9t-qat.onnx not found, the real-model plan case is skipped' }, () => {
  test('linked neck Concats: the later ones are notes, no R15/R16 is left', (t) => {
    const bytes = fs.readFileSync(real!);
    const d = decodeModel(new MemorySource(bytes, real!), { file: real! });
    const neck = analyze(d).findings.filter((f) => f.ruleId === 'R16').map((f) => f.nodes[0]!);
    assert.equal(neck.length, 4);
    // Which of them share one set (yolov9-qat links the neck Concats through shared upsample DQs).
    const g = graphOf(d);
    const index = buildGraphIndex(g);
    const key = (c: string): string => scaleShareAround(d, index, g.node.findIndex((n) => n.name === c)).qdq.join(',');
    const linked = neck.filter((c, i) => neck.slice(0, i).some((o) => key(o) === key(c)));
    t.diagnostic(`neck Concats ${neck.join(', ')}; covered by an earlier one: ${linked.join(', ') || 'none'}`);
    assert.ok(linked.length > 0, 'the real export links at least two neck Concats');
    const a = applyEdit(d, planToRequest(planOf(...neck)));
    assert.deepEqual(a.notes?.map((n) => n.split(':')[0]), linked);
    assert.deepEqual(scaleKeys(analyze(redecode(d))), []);
  });
});
