/**
 * Keeps docs/cli.md true. Every JSON example there is marked `<!-- json-example … -->` and
 * followed by the command that made it (```sh) and its output (```json). This test runs each
 * command through the CLI's `main` on the same checked-in fixture and checks that the real output
 * has exactly the documented keys, at the top level and in every nested object the example shows
 * (array elements taken together), and that each documented key is named in the section's prose.
 * So a renamed key, a key added without documenting it, or a key documented but gone fails here.
 *
 * Marker attributes: `free-form="a b.c"` objects whose keys are data (op types, precisions, a
 * rule's own data) and are not compared; `checked="b.c.fix"` a member of a free-form object that
 * is compared all the same; `only="comparison"` the example shows only that member; `exit="1"`
 * the documented exit code (default 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../../src/cli/qdq';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { runtimeOrSkip } from '../numeric/support';

const DOC = path.join(repoRoot, 'docs', 'cli.md');

interface Example {
  /** Line of its `<!-- json-example` marker in docs/cli.md (1-based). */
  line: number;
  command: string;
  json: unknown;
  freeForm: Set<string>;
  checked: Set<string>;
  only?: string;
  exit: number;
  /** The doc section (from its heading to the next) without its fenced blocks: the prose. */
  prose: string;
}

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(attrs)?.[1];
}

function words(s: string | undefined): Set<string> {
  return new Set((s ?? '').split(/\s+/).filter(Boolean));
}

/** 1-based line number of a character offset. */
function lineOf(doc: string, at: number): number {
  return doc.slice(0, at).split('\n').length;
}

/** Lines of every `<!-- json-example` marker, whether or not an example follows it in the expected shape. */
export function markerLines(doc: string): number[] {
  return [...doc.matchAll(/<!-- json-example/g)].map((m) => lineOf(doc, m.index));
}

export function parseExamples(doc: string): Example[] {
  const out: Example[] = [];
  const re = /<!-- json-example([^>]*)-->\s*```sh\n(qdq [^\n]+)\n```\s*```json\n([\s\S]*?)\n```/g;
  for (let m = re.exec(doc); m; m = re.exec(doc)) {
    const at = m.index;
    const start = doc.lastIndexOf('\n#', at);
    const nextHeading = doc.slice(at).search(/\n#{1,3} /);
    const section = doc.slice(start < 0 ? 0 : start, nextHeading < 0 ? doc.length : at + nextHeading);
    const attrs = m[1]!;
    let json: unknown;
    try {
      json = JSON.parse(m[3]!);
    } catch (e) {
      throw new Error(`docs/cli.md: the example of \`${m[2]}\` is not valid JSON: ${(e as Error).message}`);
    }
    out.push({
      line: lineOf(doc, at),
      command: m[2]!,
      json,
      freeForm: words(attr(attrs, 'free-form')),
      checked: words(attr(attrs, 'checked')),
      ...(attr(attrs, 'only') ? { only: attr(attrs, 'only')! } : {}),
      exit: Number(attr(attrs, 'exit') ?? '0'),
      prose: section.replace(/```[\s\S]*?```/g, ''),
    });
  }
  return out;
}

/** Path → the keys of every object found there (array elements pooled under `path[]`). */
export function keysByPath(value: unknown, freeForm: Set<string>, checked: Set<string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const join = (p: string, k: string): string => (p ? `${p}.${k}` : k);
  const walk = (v: unknown, p: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, `${p}[]`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const obj = v as Record<string, unknown>;
    if (freeForm.has(p)) {
      for (const [k, x] of Object.entries(obj)) if (checked.has(join(p, k))) walk(x, join(p, k));
      return;
    }
    let keys = out.get(p);
    if (!keys) out.set(p, (keys = new Set()));
    for (const [k, x] of Object.entries(obj)) {
      keys.add(k);
      walk(x, join(p, k));
    }
  };
  walk(value, '');
  return out;
}

/** One line per difference between the documented and the real keys (empty: they agree). */
export function shapeDifferences(documented: unknown, real: unknown, e: Pick<Example, 'freeForm' | 'checked' | 'only'>): string[] {
  const doc = keysByPath(documented, e.freeForm, e.checked);
  const got = keysByPath(real, e.freeForm, e.checked);
  const inScope = (p: string): boolean => !e.only || p === e.only || p.startsWith(`${e.only}.`) || p.startsWith(`${e.only}[`);
  const diffs: string[] = [];
  for (const p of new Set([...doc.keys(), ...got.keys()])) {
    if (!inScope(p)) continue;
    const where = p || '(top level)';
    const d = doc.get(p);
    const g = got.get(p);
    if (!d) {
      diffs.push(`${where}: the output has an object here that the example does not show (keys ${[...g!].join(', ')})`);
      continue;
    }
    if (!g) {
      diffs.push(`${where}: documented, but the output has no object here`);
      continue;
    }
    const missing = [...d].filter((k) => !g.has(k));
    const extra = [...g].filter((k) => !d.has(k));
    if (extra.length) diffs.push(`${where}: undocumented key(s) ${extra.join(', ')}`);
    if (missing.length) diffs.push(`${where}: documented key(s) ${missing.join(', ')} not in the output`);
  }
  if (e.only && !got.has(e.only) && !(real as Record<string, unknown>)?.[e.only]) diffs.push(`${e.only}: not in the output`);
  return diffs;
}

/** The documented command's arguments: fixtures from the repository, outputs into a temporary folder. */
function argsOf(command: string, outDir: string): string[] {
  const words = command.split(/\s+/).slice(1);
  return words.map((w, i) => {
    if (['-o', '--out', '--export-plan'].includes(words[i - 1] ?? '')) return path.join(outDir, path.basename(w));
    return w.startsWith('test/fixtures/') ? path.join(repoRoot, w) : w;
  });
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const docText = fs.readFileSync(DOC, 'utf8');
const examples = parseExamples(docText);

test('every json-example marker in docs/cli.md is followed by an example this test runs', () => {
  // An example whose fences do not match (```bash, a command over several lines, no ```json) would
  // otherwise be skipped without a word.
  const markers = markerLines(docText);
  const parsed = new Set(examples.map((e) => e.line));
  const unread = markers.filter((l) => !parsed.has(l));
  assert.deepEqual(unread, [], `docs/cli.md: json-example marker(s) at line(s) ${unread.join(', ')} not followed by \`\`\`sh with one \`qdq …\` line, then \`\`\`json`);
  assert.equal(examples.length, markers.length);
});

test('docs/cli.md documents the JSON of every command that prints JSON', () => {
  const has = (...parts: string[]): boolean => examples.some((e) => parts.every((p) => e.command.split(/\s+/).includes(p)));
  for (const parts of [
    ['info', '--json'],
    ['lint', 'json'],
    ['lint', 'sarif'],
    ['engine', '--json'],
    ['engine', '--compare', '--json'],
    ['edit', '--fix', '--json'],
    ['sensitivity', '--json'],
    ['numeric', '--json'],
  ]) {
    assert.ok(has(...parts), `docs/cli.md has no json-example for qdq ${parts.join(' … ')}`);
  }
});

for (const e of examples) {
  test(`docs/cli.md: ${e.command}`, async (t) => {
    if (e.command.split(/\s+/)[1] === 'numeric' && typeof runtimeOrSkip() === 'string') return t.skip(String(runtimeOrSkip()));
    // SARIF help links point at the rule pages; from src/ (not dist/) there are none unless told.
    process.env.QDQ_RULES_DOC_BASE ??= `${pathToFileURL(path.join(repoRoot, 'docs', 'rules')).href}/`;
    const r = await run(argsOf(e.command, makeTempDir('qdq-cli-doc')));
    assert.equal(r.code, e.exit, `exit code of ${e.command} (docs/cli.md says ${e.exit}): ${r.err}`);
    const real: unknown = JSON.parse(r.out);
    const diffs = shapeDifferences(e.json, real, e);
    assert.deepEqual(diffs, [], `docs/cli.md's example of \`${e.command}\` no longer matches its output:\n  ${diffs.join('\n  ')}`);
    // Each documented key is explained in the section's text (named in backticks).
    const keys = new Set<string>();
    for (const [p, ks] of keysByPath(e.json, e.freeForm, e.checked)) {
      if (e.only && !(p === e.only || p.startsWith(`${e.only}.`) || p.startsWith(`${e.only}[`))) continue;
      for (const k of ks) keys.add(k);
    }
    const unexplained = [...keys].filter((k) => !e.prose.includes(`\`${k}\``));
    assert.deepEqual(unexplained, [], `docs/cli.md: keys of \`${e.command}\` shown but not explained in the text`);
  });
}

test('the check itself: an added, a renamed and a removed key are each reported', () => {
  const e = examples.find((x) => x.command.startsWith('qdq info'));
  assert.ok(e, 'the info example');
  const documented = e.json as Record<string, unknown>;
  assert.deepEqual(shapeDifferences(documented, structuredClone(documented), e), []);
  const added = { ...structuredClone(documented), newKey: 1 };
  assert.match(shapeDifferences(documented, added, e).join('\n'), /\(top level\): undocumented key\(s\) newKey/);
  const renamed = structuredClone(documented) as { qdq: Record<string, unknown> };
  renamed.qdq = { quantizeLinear: 1, dequantizeLinears: 1 };
  assert.deepEqual(shapeDifferences(documented, renamed, e), ['qdq: undocumented key(s) dequantizeLinears', 'qdq: documented key(s) dequantizeLinear not in the output']);
  const removed = structuredClone(documented);
  delete removed.problems;
  assert.match(shapeDifferences(documented, removed, e).join('\n'), /documented key\(s\) problems not in the output/);
  // Keys of a free-form object (op types) are data, not shape.
  const ops = structuredClone(documented) as { opTypeCounts: Record<string, number> };
  ops.opTypeCounts = { Gemm: 1 };
  assert.deepEqual(shapeDifferences(documented, ops, e), []);
});
