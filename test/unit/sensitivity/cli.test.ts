/**
 * `qdq sensitivity RESULT --model MODEL [--json] [--metric NAME] [--yaml FILE]` (src/cli/sensitivity.ts),
 * run in-process: the JSON shape, the text, and exit code 2 with one line naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cmdSensitivity } from '../../../src/cli/sensitivity';
import { repoRoot, sharedOnnxModels } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

const fx = (f: string): string => path.join(repoRoot, 'test', 'fixtures', 'sensitivity', f);

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = cmdSensitivity(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

let builderModel: string | undefined;
function tinyModel(): string {
  if (!builderModel) {
    builderModel = path.join(makeTempDir('qdq-sens-cli-'), 'tiny.onnx');
    fs.writeFileSync(builderModel, yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes());
  }
  return builderModel;
}

test('--json: {file, model, baseline, entries: [{name, metric, delta, rank, onnxNodes}], unmapped}', () => {
  const r = run(fx('summary-sensitive-analysis.json'), '--model', tinyModel(), '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['file', 'model', 'format', 'source', 'metric', 'baseline', 'entries', 'unmapped', 'notMeasured', 'warnings']);
  assert.equal(j.baseline, 0.3815);
  assert.deepEqual(j.metric.name, 'ap');
  assert.equal(j.entries.length, 17);
  for (const e of j.entries) for (const k of ['name', 'metric', 'delta', 'rank', 'onnxNodes']) assert.ok(k in e, k);
  assert.deepEqual(j.entries.slice(0, 2).map((e: { name: string; rank: number; delta: number }) => [e.name, e.rank, e.delta]), [['model.22', 1, 0.0053], ['model.15', 2, 0.0016]]);
  // The tiny builder model has fewer layers than the result names: those are listed, not dropped.
  const mapped = j.entries.filter((e: { onnxNodes: string[] }) => e.onnxNodes.length).map((e: { name: string }) => e.name);
  assert.deepEqual([...j.unmapped, ...mapped].sort(), j.entries.map((e: { name: string }) => e.name).sort());
  assert.ok(j.unmapped.includes('model.22'));
  assert.ok(mapped.includes('model.0'));
});

test('text output: header, one row per layer by rank, unmapped and not-measured lines', () => {
  const r = run(fx('example.qdq-sensitivity.json'), '--model', tinyModel(), '--metric', 'output_sqnr_db', '--yaml', fx('gelan-t-like.yaml'));
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, /example\.qdq-sensitivity\.json \(qdq-sensitivity, from hand-made\): 6 layers ranked by output_sqnr_db \(lower is more sensitive\)$/);
  assert.match(lines[1]!, /^ {2}baseline 21\.5; model tiny\.onnx: \d of 6 names mapped to ONNX nodes$/);
  assert.match(lines[3]!, /^ {2}rank +name +output_sqnr_db +delta +nodes +compute +line +first compute node$/);
  assert.match(lines[4]!, /^ +1 +model\.22 +24\.2 +\+2\.7 +0 +0 +58 +\(unmapped\)$/);
  assert.match(r.out, /\nunmapped \(\d\): .*model\.22/);
  assert.match(r.out, /\nnot measured for output_sqnr_db \(1\): model\.19\n/);
});

test('exit 2 with one line naming the file: unreadable, malformed, wrong model, bad usage', () => {
  const dir = makeTempDir('qdq-sens-cli-');
  const bad = path.join(dir, 'summary-sensitive-analysis.json');
  fs.writeFileSync(bad, '[\n    [\n        NaN,\n        "PTQ"\n    ]\n]\n');
  const notOnnx = path.join(dir, 'not.onnx');
  fs.writeFileSync(notOnnx, 'hello');
  const cases: [string[], string][] = [
    [[path.join(dir, 'missing.json'), '--model', tinyModel()], `qdq: ${path.join(dir, 'missing.json')}: cannot read: no such file (ENOENT)`],
    [[dir, '--model', tinyModel()], `qdq: ${dir}: cannot read sensitivity result: not a regular file`],
    [[bad, '--model', tinyModel()], `qdq: ${bad}:3:9: invalid JSON: NaN is not valid JSON (Python's json module writes it for a float that is not a number)`],
    [[fx('summary-sensitive-analysis.json'), '--model', path.join(dir, 'nope.onnx')], `qdq: ${path.join(dir, 'nope.onnx')}: cannot read: no such file (ENOENT)`],
    [[fx('summary-sensitive-analysis.json'), '--model', tinyModel(), '--metric', 'map'], `qdq: ${fx('summary-sensitive-analysis.json')}: no metric "map" (metrics: ap)`],
    [[fx('summary-sensitive-analysis.json'), '--model', tinyModel(), '--yaml', path.join(dir, 'none.yaml')], `qdq: ${path.join(dir, 'none.yaml')}: cannot read: no such file (ENOENT)`],
  ];
  for (const [args, want] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.equal(r.err, `${want}\n`);
  }
  const onnxErr = run(fx('summary-sensitive-analysis.json'), '--model', notOnnx);
  assert.equal(onnxErr.code, 2);
  assert.equal(onnxErr.err.trimEnd().split('\n').length, 1);
  assert.ok(onnxErr.err.startsWith(`qdq: ${notOnnx}: not a valid ONNX model`), onnxErr.err);
  const usage = "(usage: qdq sensitivity RESULT --model MODEL [--json] [--metric NAME] [--yaml MODEL_YAML]; run 'qdq sensitivity --help' for more)";
  assert.equal(run(fx('summary-sensitive-analysis.json')).err, `qdq sensitivity: needs --model MODEL ${usage}\n`);
  assert.equal(run('--model', tinyModel()).err, `qdq sensitivity: needs a RESULT file ${usage}\n`);
  assert.equal(run('a', 'b', '--model', 'm').err, `qdq sensitivity: takes exactly one RESULT ${usage}\n`);
  assert.equal(run('a', '--model', 'm', '--top', '3').err, `qdq sensitivity: unknown option '--top' ${usage}\n`);
  assert.equal(run('a', '--model').code, 2);
});

const real = sharedOnnxModels({ cases: 1 }).find((f) => f.endsWith('yolov9t-qat.onnx'));

test('on the real yolov9t-qat export: every entry of the console log maps', { skip: real ? false : 'shared corpus absent (../shared/fixtures/onnx)' }, () => {
  const r = run(fx('sensitive-console.log'), '--model', real!, '--json', '--yaml', fx('gelan-t-like.yaml'));
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.format, 'yolov9-qat-log');
  assert.deepEqual(j.unmapped, []);
  assert.equal(j.entries.length, 17);
  assert.ok(j.entries.every((e: { onnxNodes: string[]; yamlLine: number }) => e.onnxNodes.length > 0 && e.yamlLine > 0));
  const text = run(fx('sensitive-console.log'), '--model', real!);
  assert.match(text.out, /model yolov9t-qat\.onnx: 17 of 17 names mapped to ONNX nodes/);
  assert.match(text.out, /\n +1 +model\.22 +0\.3868 +\+0\.0053 +171 +19 +\/model\.22\/cv2\.0\/cv2\.0\.0\/conv\/Conv \(\+18\)\n/);
});
