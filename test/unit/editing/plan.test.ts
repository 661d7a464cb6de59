/** Plan format v1: schema file in sync, validation messages, export from edits, apply round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { EditError, EditSession, exportPlan, parsePlan, PLAN_SCHEMA_V1, planToRequest } from '../../../src/core/editing/index';
import { repoRoot } from '../../support/fixtures';
import { build, encode } from './kit';

const SCHEMA_FILE = path.join(repoRoot, 'docs', 'schemas', 'qdq-plan-v1.schema.json');

test('docs/schemas/qdq-plan-v1.schema.json is the schema the reader validates with', () => {
  assert.equal(fs.readFileSync(SCHEMA_FILE, 'utf8'), `${JSON.stringify(PLAN_SCHEMA_V1, null, 2)}\n`);
  assert.doesNotThrow(() => new Ajv2020({ strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'))));
});

test('docs/plan-format.md documents every property', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'plan-format.md'), 'utf8');
  const s = PLAN_SCHEMA_V1.properties;
  const names = [
    ...Object.keys(s),
    ...Object.keys(s.keepHigherPrecision.items.properties),
    ...Object.keys(s.enableQuantization.items.properties),
    ...Object.keys(s.unifyScales.items.properties),
    ...Object.keys(s.removeQdqPairs.items.properties),
    ...Object.keys(s.insertQdqPairs.items.properties),
  ];
  for (const n of names) assert.ok(doc.includes(`\`${n}\``), `docs/plan-format.md does not mention \`${n}\``);
});

test('bad plans are refused with the file and the place', () => {
  assert.throws(() => parsePlan('{"format": "qdq-plan", "version": 1,', 'p.json'), (e: Error) => e instanceof EditError && /^p\.json(:\d+)?: not valid JSON/.test(e.message));
  assert.throws(() => parsePlan('[]', 'p.json'), /p\.json: a plan is a JSON object/);
  assert.throws(() => parsePlan('{"format": "other", "version": 1}', 'p.json'), /not a QDQ Studio plan/);
  assert.throws(() => parsePlan('{"format": "qdq-plan", "version": 2}', 'p.json'), /version 2 is not supported/);
  assert.throws(() => parsePlan('{"format": "qdq-plan", "version": 1, "keepHigherPrecision": [{"taget": "x"}]}', 'p.json'), /p\.json: \$\.keepHigherPrecision\[0\]/);
  assert.throws(() => parsePlan('{"format": "qdq-plan", "version": 1, "unifyScales": [{"around": "c", "mode": "value"}]}', 'p.json'), /"scale" goes with mode "value"/);
  assert.throws(() => parsePlan('{"format": "qdq-plan", "version": 1, "unifyScales": [{"around": "c", "nodes": ["a", "b"]}]}', 'p.json'), /unifyScales\[0\]/);
  assert.throws(() => planToRequest(parsePlan('{"format": "qdq-plan", "version": 1}', 'p.json')), /no edit/);
  assert.doesNotThrow(() => parsePlan('{"format": "qdq-plan", "version": 1, "x-note": 1, "keepHigherPrecision": [{"target": "model.2"}]}', 'p.json'));
});

test('export from edits, then apply the plan to the original: the same model', () => {
  const { decoded, bytes } = build();
  const s = new EditSession(decoded);
  s.apply({ kind: 'disableQuantization', target: 'model.2.m' });
  s.apply({ kind: 'disableQuantization', target: '/model.12/cv2.0/cv2.0.0/conv/Conv' });
  s.apply({ kind: 'unifyConcat', node: '/model.2/Concat', mode: 'value', scale: 0.5 });
  const plan = exportPlan(s.applied, 'model.onnx');
  assert.equal(plan.keepHigherPrecision!.length, 3);
  assert.deepEqual(plan.yoloModules, ['model.2.m.0.cv1.conv', 'model.2.m.0.cv2.conv', 'model.12.cv2.0.0.conv']);
  assert.equal(plan.nodesToExclude![0], '^/model\\.2/m/m\\.0/cv1/conv/Conv$');
  assert.ok(new RegExp(plan.nodesToExclude![0]!).test('/model.2/m/m.0/cv1/conv/Conv'));
  assert.ok(!new RegExp(plan.nodesToExclude![0]!).test('/model.2/m/m.0/cv1/conv/Conv_1'));
  const text = JSON.stringify(plan, null, 2);
  const parsed = parsePlan(text, 'plan.json');
  assert.ok(new Ajv2020({ strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')))(JSON.parse(text)));
  const fresh = build().decoded;
  const t = new EditSession(fresh);
  t.apply(planToRequest(parsed));
  // Disabling per node in plan order gives the same graph as the edits did.
  assert.deepEqual(fresh.model.graph!.node.map((n) => [n.name, n.input]), decoded.model.graph!.node.map((n) => [n.name, n.input]));
  // A disable undone by an enable cancels out.
  s.apply({ kind: 'enableQuantization', target: '/model.12/cv2.0/cv2.0.0/conv/Conv' });
  assert.equal(exportPlan(s.applied).keepHigherPrecision!.length, 2);
  while (s.undo());
  assert.ok(encode(decoded).equals(Buffer.from(bytes)));
});

test('session: dirty state, save point, backup log past the save point, replay', () => {
  const { decoded } = build();
  const s = new EditSession(decoded);
  assert.equal(s.isDirty, false);
  s.apply({ kind: 'disableQuantization', target: 'model.2.cv1' });
  s.apply({ kind: 'disableQuantization', target: 'model.2.cv2' });
  assert.equal(s.isDirty, true);
  s.markSaved();
  assert.equal(s.isDirty, false);
  const saved = encode(decoded);
  s.undo();
  assert.equal(s.isDirty, true);
  const log = s.backupLog();
  assert.deepEqual(log.map((r) => r.kind), ['enableQuantization']);
  const current = encode(decoded);
  // Replaying the log over the saved file gives the current graph.
  const restored = build().decoded;
  const r = new EditSession(restored);
  assert.deepEqual(r.replay([{ kind: 'disableQuantization', target: 'model.2.cv1' }, { kind: 'disableQuantization', target: 'model.2.cv2' }]), []);
  assert.ok(encode(restored).length > 0);
  assert.deepEqual(r.replay(log), []);
  // The same graph but for the scale constants (re-inserted pairs keep scales as initializers).
  const ops = (d: typeof decoded) => d.model.graph!.node.filter((n) => n.opType !== 'Constant').map((n) => n.opType).sort();
  assert.deepEqual(ops(restored), ops(decoded));
  s.redo();
  assert.equal(s.isDirty, false);
  assert.ok(encode(decoded).equals(saved));
  assert.ok(!encode(decoded).equals(current));
  // A new edit after undoing past the save point keeps the way back in the log.
  s.undo();
  s.apply({ kind: 'unifyConcat', node: '/model.4/Concat', mode: 'value', scale: 0.5 });
  assert.deepEqual(s.backupLog().map((x) => x.kind), ['enableQuantization', 'unifyConcat']);
  assert.deepEqual(r.replay([{ kind: 'disableQuantization', target: 'bogus' }]).length, 1);
});

test('random JSON (and random text) never crashes the plan reader: a plan or an EditError naming the file', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ format: 'qdq-plan', version: 1, keepHigherPrecision: v }))), (text) => {
      try {
        planToRequest(parsePlan(text, 'fuzz.json'));
      } catch (e) {
        assert.ok(e instanceof EditError, String(e));
        assert.match(e.message, /^fuzz\.json|^the plan lists no edit$/);
      }
    }),
    { numRuns: 1000, seed: 6 },
  );
});
