/** `qdq edit`: flags, plans, exit codes, nothing written on refusal or bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main as qdq } from '../../../src/cli/qdq';
import { openModelFile } from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { sharedModels } from '../onnx/corpus';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');
const dir = makeTempDir('qdq-edit-cli');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await qdq(['edit', ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

test('flags and the exported plan give the same file; the plan lists ModelOpt patterns and YOLO modules', async () => {
  const a = path.join(dir, 'a.onnx');
  const plan = path.join(dir, 'plan.json');
  const r = await run(MODEL, '-o', a, '--disable-quant', 'model.2.m', '--unify-scales', '/model.4/Concat:0.5', '--export-plan', plan);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Disabled quantization of 2 layers under model\.2\.m/);
  const b = path.join(dir, 'b.onnx');
  const r2 = await run(MODEL, '-o', b, '--plan', plan, '--json');
  assert.equal(r2.code, 0, r2.err);
  const json = JSON.parse(r2.out) as { edits: unknown[]; plan: { yoloModules: string[]; nodesToExclude: string[] } };
  assert.equal(json.edits.length, 1);
  assert.deepEqual(json.plan.yoloModules, ['model.2.m.0.cv1.conv', 'model.2.m.0.cv2.conv']);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  const d = openModelFile(a);
  try {
    const conv = d.model.graph!.node.find((n) => n.name === '/model.2/m/m.0/cv1/conv/Conv')!;
    assert.equal(conv.input[1], 'model.2.m.0.cv1.conv.weight');
  } finally {
    d.source.close?.();
  }
});

test('--float-reference strips every Q/DQ; --enable-quant NODE:SCALE re-quantizes', async () => {
  const f = path.join(dir, 'float.onnx');
  assert.equal((await run(MODEL, '-o', f, '--float-reference')).code, 0);
  const d = openModelFile(f);
  try {
    assert.ok(!d.model.graph!.node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'));
  } finally {
    d.source.close?.();
  }
  const q = path.join(dir, 'requant.onnx');
  const r = await run(f, '-o', q, '--enable-quant', '/model.2/cv1/conv/Conv:0.02');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /2 Q\/DQ pairs inserted/);
  assert.equal((await run(f, '-o', q, '--enable-quant', '/model.2/cv2/conv/Conv')).code, 1, 'no scale remembered nor given');
});

test('refused edits exit 1 and write nothing; bad input exits 2 naming the file', async () => {
  const out = path.join(dir, 'never.onnx');
  let r = await run(MODEL, '-o', out, '--disable-quant', 'model.77');
  assert.equal(r.code, 1);
  assert.match(r.err, /no node matches "model\.77".*nothing written/);
  r = await run(MODEL, '-o', out, '--disable-quant', 'model.2.cv1', '--disable-quant', 'model.2.cv1');
  assert.equal(r.code, 1);
  assert.match(r.err, /nothing to disable/);
  assert.ok(!fs.existsSync(out));
  const bad = path.join(dir, 'bad plan.json');
  fs.writeFileSync(bad, '{"format": "qdq-plan", "version": 1, "keepHigherPrecision": [{}]}');
  r = await run(MODEL, '-o', out, '--plan', bad);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad plan\.json: \$\.keepHigherPrecision\[0\]/);
  r = await run(MODEL, '-o', out, '--plan', path.join(dir, 'missing.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /^qdq: .*missing\.json: cannot read: no such file \(ENOENT\)$/m);
  const trunc = path.join(dir, 'trunc.onnx');
  fs.writeFileSync(trunc, fs.readFileSync(MODEL).subarray(0, 1000));
  r = await run(trunc, '-o', out, '--disable-quant', 'model.2');
  assert.equal(r.code, 2);
  assert.match(r.err, /trunc\.onnx/);
  assert.equal((await run(MODEL)).code, 2);
  assert.equal((await run(MODEL, '-o', out, '--bogus')).code, 2);
  assert.ok(!fs.existsSync(out));
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('--fix R22 applies every R22 fix as one edit (JSON lists them); the output lints clean of R22; --export-plan carries the removals', async () => {
  const lint = async (file: string): Promise<{ ruleId: string; data?: { fix?: unknown } }[]> => {
    let out = '';
    await qdq(['lint', file, '--format', 'json'], { out: (t) => (out += t), err: () => undefined });
    return (JSON.parse(out) as { findings: { ruleId: string; data?: { fix?: unknown } }[] }).findings;
  };
  const r22 = (await lint(MODEL)).filter((f) => f.ruleId === 'R22' && f.data?.fix).length;
  assert.ok(r22 >= 2, `R22 findings with a fix: ${r22}`);
  const out = path.join(dir, 'fixed.onnx');
  const plan = path.join(dir, 'fixed-plan.json');
  const r = await run(MODEL, '-o', out, '--fix', 'R22', '--json', '--export-plan', plan);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { edits: { label: string; message: string; fixes: { applied: { ruleId: string }[]; skipped: unknown[]; remaining: number } }[] };
  assert.equal(json.edits.length, 1);
  const e = json.edits[0]!;
  assert.equal(e.fixes.applied.length, r22);
  assert.ok(e.fixes.applied.every((a) => a.ruleId === 'R22'));
  assert.deepEqual(e.fixes.skipped, []);
  assert.equal(e.fixes.remaining, 0);
  assert.equal(e.message, `Applied ${r22} fixes of R22 as one edit.`);
  assert.equal((await lint(out)).filter((f) => f.ruleId === 'R22').length, 0);
  const p = JSON.parse(fs.readFileSync(plan, 'utf8')) as { removeQdqPairs?: unknown[] };
  assert.equal(p.removeQdqPairs?.length, r22, 'the plan removes the pairs the fixes removed');

  const text = await run(MODEL, '-o', path.join(dir, 'fixed-all.onnx'), '--fix', 'all');
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, new RegExp(`^Applied \\d+ fixes as one edit \\((R\\d+( ×\\d+)?, )*R22 ×${r22}\\)\\.`, 'm'));
});

test('--fix with an unknown rule is bad usage: exit 2, the rule named, nothing written', async () => {
  const out = path.join(dir, 'never.onnx');
  const r = await run(MODEL, '-o', out, '--fix', 'R22,R99');
  assert.equal(r.code, 2);
  assert.match(r.err, /--fix: unknown rule 'R99'/);
  assert.ok(!fs.existsSync(out));
  const bad = await run(MODEL, '-o', out, '--fix', 'R22', '--trt', '9');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--trt must be 8 or 10/);
  assert.ok(!fs.existsSync(out));
});

test('a --disable-quant whose layers an earlier one kept (a module, then one of its layers) is a note; either order writes the same file; a flag with nothing to disable is still refused', async () => {
  const a = path.join(dir, 'nested-a.onnx');
  const r = await run(MODEL, '-o', a, '--disable-quant', 'model.2.m', '--disable-quant', '/model.2/m/m.0/cv1/conv/Conv', '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { edits: { label: string; message: string; nodes: string[] }[] };
  assert.deepEqual(json.edits[1], {
    label: 'Disable quantization of /model.2/m/m.0/cv1/conv/Conv',
    message: '/model.2/m/m.0/cv1/conv/Conv: nothing left to change (an earlier --disable-quant already kept it in higher precision).',
    nodes: [],
  });
  const b = path.join(dir, 'nested-b.onnx');
  const r2 = await run(MODEL, '-o', b, '--disable-quant', '/model.2/m/m.0/cv1/conv/Conv', '--disable-quant', 'model.2.m');
  assert.equal(r2.code, 0, r2.err);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  // Nothing disabled earlier: a layer with no Q/DQ is refused, nothing written.
  const c = path.join(dir, 'nested-c.onnx');
  const r3 = await run(a, '-o', c, '--disable-quant', '/model.2/m/m.0/cv1/conv/Conv');
  assert.equal(r3.code, 1);
  assert.match(r3.err, /nothing to disable/);
  assert.equal(fs.existsSync(c), false);
});

const qat = sharedModels().find((f) => path.basename(f) === 'yolov9t-qat.onnx');
test('a --disable-quant of a head module some of whose convs never had Q/DQ, after its parent: a note naming both parts', { skip: qat ? false : 'no shared yolov9t-qat.onnx (../shared/fixtures/onnx): real-model head case skipped' }, async () => {
  const out = path.join(dir, 'head.onnx');
  const r = await run(qat!, '-o', out, '--disable-quant', 'model.22', '--disable-quant', 'model.22.cv2.0');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^model\.22\.cv2\.0: nothing left to change \(an earlier --disable-quant already kept 2 of its 3 layers in higher precision; the rest had no Q\/DQ\)\.$/m);
});
