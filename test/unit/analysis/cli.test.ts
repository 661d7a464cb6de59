/**
 * `qdq lint` through the built binary (dist/cli.js): the JSON shape, SARIF 2.1.0 structure, the text
 * format, the rule filter and the exit codes (0 clean, 1 error-severity finding, 2 unreadable input
 * or bad usage).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { localOnnxFixtures, repoRoot, sharedOnnxModels } from '../../support/fixtures';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const good = path.join(localOnnxFixtures, 'tiny-qat-good.onnx');
const defects = path.join(localOnnxFixtures, 'tiny-qat-defects.onnx');
const fp32 = path.join(localOnnxFixtures, 'tiny-fp32.onnx');

before(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'pipe' });
});

function qdq(...args: string[]) {
  const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('qdq lint --format json', () => {
  test('has exactly the documented shape', () => {
    const r = qdq('lint', good, '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['model', 'target', 'findings', 'layers', 'reformats', 'summary']);
    assert.equal(j.model, good);
    assert.deepEqual(j.target, { trt: '10.x', precision: 'int8', stronglyTyped: false, refit: false });
    assert.ok(j.findings.length > 0);
    for (const f of j.findings) {
      assert.deepEqual(Object.keys(f), ['ruleId', 'rule', 'severity', 'message', 'nodes', 'data']);
      assert.match(f.ruleId, /^R([1-9]|[12]\d|3[01])$/);
      assert.match(f.rule, /^QDQ-[A-Z0-9-]+$/);
      assert.ok(['error', 'warning', 'info'].includes(f.severity));
      assert.ok(Array.isArray(f.nodes) && typeof f.data === 'object');
    }
    assert.ok(j.layers.length > 100);
    for (const l of j.layers) {
      // fusedInto (the group's root) only on a member that is not the root; fusedWithMore only over the listing bound.
      assert.deepEqual(Object.keys(l).filter((k) => k !== 'fusedInto' && k !== 'fusedWithMore'), ['node', 'opType', 'precision', 'fusedWith']);
      if ('fusedInto' in l) assert.ok(l.fusedWith.includes(l.fusedInto), `${l.node}: fused into ${l.fusedInto}`);
      assert.ok(['INT8', 'FP8', 'INT4', 'FP16', 'FP32'].includes(l.precision));
    }
    for (const x of j.reformats) {
      assert.deepEqual(Object.keys(x), ['between', 'reason', 'ruleId']);
      assert.equal(x.between.length, 2);
    }
    assert.deepEqual(Object.keys(j.summary), ['int8Layers', 'fp16Layers', 'reformats', 'errors', 'warnings']);
    assert.equal(j.summary.reformats, j.reformats.length);
    assert.equal(j.summary.warnings, j.findings.filter((f: { severity: string }) => f.severity === 'warning').length);
    const withFix = j.findings.find((f: { data: { fix?: unknown } }) => f.data.fix);
    assert.ok(withFix, 'a fix travels as data.fix');
  });

  test('--rules and --trt select rules and target', () => {
    const j = JSON.parse(qdq('lint', good, '--format', 'json', '--rules', 'R12,QDQ-ADD-RESIDUAL', '--trt', '8').out);
    assert.deepEqual([...new Set(j.findings.map((f: { ruleId: string }) => f.ruleId))].sort(), ['R12', 'R22']);
    assert.equal(j.target.trt, '8.x');
    assert.ok(j.reformats.every((x: { ruleId: string }) => x.ruleId === 'R12' || x.ruleId === 'R22'));
  });
});

describe('qdq lint --format sarif', () => {
  test('help links follow $QDQ_RULES_DOC_BASE when set', () => {
    const r = spawnSync(cli, ['lint', defects, '--format', 'sarif'], { encoding: 'utf8', env: { ...process.env, QDQ_RULES_DOC_BASE: 'https://example.org/qdq/rules' } });
    const driver = JSON.parse(r.stdout).runs[0].tool.driver;
    assert.equal(driver.informationUri, 'https://example.org/qdq/rules/');
    assert.equal(driver.rules[15].helpUri, 'https://example.org/qdq/rules/R16.md');
  });

  test('is SARIF 2.1.0 with rule descriptors, help links and logical locations', () => {
    const r = qdq('lint', defects, '--format', 'sarif');
    assert.equal(r.code, 1);
    const s = JSON.parse(r.out);
    assert.equal(s.version, '2.1.0');
    assert.match(s.$schema, /sarif-2\.1\.0/);
    assert.equal(s.runs.length, 1);
    const run = s.runs[0];
    const driver = run.tool.driver;
    assert.equal(driver.name, 'QDQ Studio');
    assert.equal(driver.rules.length, 31);
    driver.rules.forEach((rule: { id: string; helpUri: string; shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string }; properties: { longId: string } }, i: number) => {
      assert.equal(rule.id, `R${i + 1}`);
      // No public address is invented: by default the links point at the rule pages installed beside qdq.
      assert.equal(rule.helpUri, pathToFileURL(path.join(repoRoot, 'docs', 'rules', `R${i + 1}.md`)).href);
      assert.ok(fs.existsSync(fileURLToPath(rule.helpUri)), rule.helpUri);
      assert.ok(rule.shortDescription.text && rule.fullDescription.text && rule.help.text);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
      assert.match(rule.properties.longId, /^QDQ-/);
    });
    assert.deepEqual(run.artifacts, [{ location: { uri: pathToFileURL(defects).href } }]);
    assert.ok(run.results.length > 0);
    for (const res of run.results) {
      assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.equal(typeof res.message.text, 'string');
      assert.equal(res.locations[0].physicalLocation.artifactLocation.index, 0);
      for (const ll of res.locations[0].logicalLocations ?? []) assert.equal(typeof ll.name, 'string');
    }
    assert.ok(run.results.some((x: { level: string }) => x.level === 'error'));
    const withNodes = run.results.find((x: { locations: { logicalLocations?: unknown[] }[] }) => x.locations[0]!.logicalLocations?.length);
    assert.ok(withNodes, 'node names are logical locations');
  });
});

describe('qdq lint text and exit codes', () => {
  test('text: a readable summary, findings and predicted conversions', () => {
    const r = qdq('lint', good);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /TensorRT 10\.x INT8/);
    assert.match(r.out, /predicted: \d+ INT8, \d+ FP16; \d+ standalone conversion layers/);
    assert.match(r.out, /^warning R22 QDQ-ADD-RESIDUAL: /m);
    assert.match(r.out, /Predicted conversion layers/);
    assert.match(r.out, /^\d+ errors?, \d+ warnings?, \d+ info$/m);
  });
  test('exit 1 when a finding is an error; 0 for a float model', () => {
    const r = qdq('lint', defects);
    assert.equal(r.code, 1);
    assert.match(r.out, /^error\s+R1 QDQ-ZP-NONZERO/m);
    const f = qdq('lint', fp32, '--format', 'json');
    assert.equal(f.code, 0);
    assert.deepEqual(JSON.parse(f.out).findings, []);
  });
  test('exit 2 with one line naming the file for unreadable input; 2 for bad usage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-lint-'));
    const bad = path.join(dir, 'not a model.onnx');
    fs.writeFileSync(bad, 'hello, this is text');
    const r = qdq('lint', bad, '--format', 'json');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.ok(r.err.includes(bad));
    assert.equal(qdq('lint', path.join(dir, 'missing.onnx')).code, 2);
    assert.equal(qdq('lint', good, '--format', 'xml').code, 2);
    assert.equal(qdq('lint', good, '--trt', '9').code, 2);
    const unknown = qdq('lint', good, '--rules', 'R16,R99');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown rule 'R99'/);
    assert.equal(qdq('lint').code, 2);
  });
});

const real = sharedOnnxModels().find((f) => f.endsWith('yolov9t-qat.onnx'));
test('qdq lint on the real yolov9t-qat export flags the neck Concats', { skip: real ? false : 'shared corpus absent' }, () => {
  const r = qdq('lint', real!, '--format', 'json', '--rules', 'R16,R17');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.findings.filter((f: { ruleId: string }) => f.ruleId === 'R16').map((f: { nodes: string[] }) => f.nodes[0]), ['/model.11/concatop/Concat', '/model.14/concatop/Concat', '/model.17/concatop/Concat', '/model.20/concatop/Concat']);
});
