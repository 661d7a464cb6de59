/**
 * Tests for test/support/fixtures.ts (the optional shared corpus lookup) and
 * for the checked-in model fixtures written by scripts/make-fixtures.ts: they
 * must be exactly what the script would write today, and (when python3-onnx is
 * installed) valid for the reference checker, except the deliberately broken
 * ones, which it must reject.
 *
 * Run: node --import tsx --test test/unit/support/fixtures.test.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findSharedCorpus, localOnnxFixtures, repoRoot, sharedFixturesRoot } from '../../support/fixtures';
import { FIXTURE_MODELS, NOT_ONNX_TEXT, truncated } from '../../support/fixtureModels';

const tmp = makeTempDir('qdq-fixtures-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const workspaceModels = path.join(repoRoot, 'test', 'workspace', 'models');

describe('fixtures: shared corpus lookup', () => {
  test('default root is <repo>/../shared/fixtures; the env var overrides it', () => {
    assert.equal(sharedFixturesRoot({}), path.resolve(repoRoot, '..', 'shared', 'fixtures'));
    assert.equal(sharedFixturesRoot({ QDQ_SHARED_FIXTURES: tmp }), tmp);
  });

  test('a missing corpus gives empty lists and exactly one clear log line', () => {
    const lines: string[] = [];
    const missing = path.join(tmp, 'nowhere');
    const c = findSharedCorpus({ env: { QDQ_SHARED_FIXTURES: missing }, cases: 6, log: (l) => lines.push(l) });
    assert.equal(c.found, false);
    assert.deepEqual([c.onnx, c.trtexec], [[], []]);
    assert.deepEqual(lines, [`[fixtures] shared corpus not found at ${missing}: skipping 6 real-model cases`]);
  });

  test('a present corpus lists .onnx and trtexec files, sorted, and logs nothing', () => {
    const root = path.join(tmp, 'corpus');
    fs.mkdirSync(path.join(root, 'onnx'), { recursive: true });
    fs.mkdirSync(path.join(root, 'trtexec'), { recursive: true });
    for (const f of ['onnx/b.onnx', 'onnx/a.onnx', 'onnx/README.md', 'trtexec/run.console.log', 'trtexec/l.layerinfo.json', 'trtexec/README.md']) {
      fs.writeFileSync(path.join(root, f), 'x');
    }
    const lines: string[] = [];
    const c = findSharedCorpus({ env: { QDQ_SHARED_FIXTURES: root }, log: (l) => lines.push(l) });
    assert.equal(c.found, true);
    assert.deepEqual(c.onnx, ['a.onnx', 'b.onnx'].map((f) => path.join(root, 'onnx', f)));
    assert.deepEqual(c.trtexec, ['l.layerinfo.json', 'run.console.log'].map((f) => path.join(root, 'trtexec', f)));
    assert.deepEqual(lines, []);
  });
});

describe('fixtures: checked-in models are reproducible', () => {
  for (const f of FIXTURE_MODELS) {
    test(f.file, () => {
      const b = f.build();
      const file = path.join(tmp, 'regen', f.file);
      const res = b.writeFile(file, f.external ? { external: f.external } : {});
      const msg = `${f.file} differs from what scripts/make-fixtures.ts writes; run: npx tsx scripts/make-fixtures.ts`;
      assert.ok(fs.readFileSync(file).equals(fs.readFileSync(path.join(localOnnxFixtures, f.file))), msg);
      if (res.dataPath) {
        const name = path.basename(res.dataPath);
        assert.ok(fs.readFileSync(res.dataPath).equals(fs.readFileSync(path.join(localOnnxFixtures, name))), msg);
      }
      if (f.workspace) assert.ok(fs.readFileSync(file).equals(fs.readFileSync(path.join(workspaceModels, f.file))), msg);
      const index = JSON.parse(fs.readFileSync(path.join(localOnnxFixtures, 'index.json'), 'utf8')) as Record<string, { nodeCount: number; quantizeLinearCount: number }>;
      const m = b.manifest();
      assert.equal(index[f.file]!.nodeCount, m.nodeCount);
      assert.equal(index[f.file]!.quantizeLinearCount, m.quantizeLinearCount);
      assert.ok(res.modelBytes < 200 * 1024 && res.dataBytes < 200 * 1024);
    });
  }

  test('broken workspace models', () => {
    const good = fs.readFileSync(path.join(localOnnxFixtures, 'tiny-qat-good.onnx'));
    assert.ok(fs.readFileSync(path.join(workspaceModels, 'broken-truncated.onnx')).equals(truncated(good)));
    assert.equal(fs.readFileSync(path.join(workspaceModels, 'not-onnx.onnx'), 'utf8'), NOT_ONNX_TEXT);
  });
});

const PYTHON = '/usr/bin/python3';
const havePyOnnx = spawnSync(PYTHON, ['-c', 'import onnx']).status === 0;
// modelBuilder.test.ts fails loudly when python3-onnx is missing; here we only skip.
describe('fixtures: reference checker', { skip: havePyOnnx ? false : 'python3-onnx not installed at /usr/bin/python3' }, () => {
  test('checked-in models pass; broken ones are rejected', () => {
    const good = fs.readdirSync(localOnnxFixtures).filter((f) => f.endsWith('.onnx')).map((f) => path.join(localOnnxFixtures, f));
    const broken = ['broken-truncated.onnx', 'not-onnx.onnx'].map((f) => path.join(workspaceModels, f));
    const run = spawnSync(PYTHON, [path.join(repoRoot, 'test', 'support', 'onnx_check.py'), ...good, ...broken], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const results = (JSON.parse(run.stdout) as { results: { path: string; ok: boolean; error: string | null }[] }).results;
    for (const r of results) {
      const expectOk = !broken.includes(r.path);
      assert.equal(r.ok, expectOk, `${path.basename(r.path)}: ${r.error}`);
    }
  });
});
