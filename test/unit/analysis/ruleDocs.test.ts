/**
 * The rule registry against the rules specification and the generated rule pages: R1–R31 in order,
 * long ids as in tensorrt-qdq-rules.md (when ../shared/docs is present), one module per rule, and
 * docs/rules/*.md up to date with the metadata (regenerate with `npx tsx scripts/make-rule-docs.ts`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../../src/core/analysis/index';
import { repoRoot } from '../../support/fixtures';
import { RULE_DOCS_DIR, ruleDocs } from '../../../scripts/make-rule-docs';

test('the registry holds R1..R31 in order, one module per rule, each with complete metadata', () => {
  assert.deepEqual(RULES.map((r) => r.meta.id), Array.from({ length: 31 }, (_, i) => `R${i + 1}`));
  const files = fs.readdirSync(path.join(repoRoot, 'src', 'core', 'analysis', 'rules')).filter((f) => /^r\d\d[A-Z]/.test(f));
  assert.equal(files.length, 31);
  for (const r of RULES) {
    const n = r.meta.id.slice(1).padStart(2, '0');
    assert.ok(files.some((f) => f.startsWith(`r${n}`)), `module for ${r.meta.id}`);
    for (const k of ['title', 'matches', 'tensorrt', 'fix'] as const) assert.ok(r.meta[k].length > 10, `${r.meta.id}.${k}`);
    assert.ok(r.meta.sources.length > 0);
    if (r.meta.coverage === 'partial') assert.ok(r.meta.limits, `${r.meta.id} says what it does not model`);
  }
});

const spec = path.resolve(repoRoot, '..', 'shared', 'docs', 'tensorrt-qdq-rules.md');
test('long ids and worst severities match the rules specification', { skip: fs.existsSync(spec) ? false : `rules specification absent at ${spec}` }, () => {
  const text = fs.readFileSync(spec, 'utf8');
  const ids = [...text.matchAll(/^\*\*(R\d+)\. (QDQ-[A-Z0-9-]+) —/gm)].map((m) => [m[1], m[2]]);
  assert.equal(ids.length, 31);
  assert.deepEqual(RULES.map((r) => [r.meta.id, r.meta.name]), ids);
});

test('docs/rules pages are generated from the metadata and up to date', () => {
  for (const [name, text] of ruleDocs()) {
    const file = path.join(RULE_DOCS_DIR, name);
    assert.ok(fs.existsSync(file), `docs/rules/${name} missing (run npx tsx scripts/make-rule-docs.ts)`);
    assert.equal(fs.readFileSync(file, 'utf8'), text, `docs/rules/${name} is stale (run npx tsx scripts/make-rule-docs.ts)`);
  }
});
