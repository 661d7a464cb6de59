#!/usr/bin/env node
// Unit tests: every test/unit/**/*.test.ts under plain Node's test runner, TypeScript through tsx.
// Node 20's --test takes no globs, so the files are listed here.
//
//   npm run test:unit [-- <substring> ...]   only files whose path contains one of the substrings
//
// Prints the spec report, then `[unit] RESULT <n> passed, <m> failed`, writes
// test-results/unit/summary.json, and exits non-zero when anything failed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UNIT_DIR = path.join(REPO_ROOT, 'test', 'unit');
const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'unit');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...findTests(full));
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out.sort();
}

/** Totals from the TAP trailer ("# pass 12", "# fail 0", ...). */
function parseTap(text) {
  const get = (key) => {
    const m = text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : 0;
  };
  return {
    tests: get('tests'),
    passed: get('pass'),
    failed: get('fail') + get('cancelled'),
    skipped: get('skipped') + get('todo'),
    found: /^# tests \d+$/m.test(text),
  };
}

const filters = process.argv.slice(2);
const files = findTests(UNIT_DIR).filter((f) => !filters.length || filters.some((s) => f.includes(s)));
fs.mkdirSync(ARTIFACTS, { recursive: true });
const tapFile = path.join(ARTIFACTS, 'results.tap');
const writeSummary = (s) =>
  fs.writeFileSync(path.join(ARTIFACTS, 'summary.json'), JSON.stringify({ layer: 'unit', ...s, at: new Date().toISOString() }, null, 2));

if (!files.length) {
  console.log(`[unit] no test files under ${path.relative(REPO_ROOT, UNIT_DIR)}/${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  writeSummary({ status: filters.length ? 'failed' : 'ok', passed: 0, failed: 0, skipped: 0, files: 0 });
  console.log('[unit] RESULT 0 passed, 0 failed');
  process.exit(filters.length ? 1 : 0);
}

console.log(`[unit] ${files.length} test files`);
const t0 = Date.now();
fs.rmSync(tapFile, { force: true });
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files.map((f) => path.relative(REPO_ROOT, f)),
  ],
  { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));

const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
const counts = parseTap(tap);
const durationMs = Date.now() - t0;
const ok = code === 0 && counts.found && counts.failed === 0;
if (!counts.found) console.log(`[unit] no TAP totals in ${path.relative(REPO_ROOT, tapFile)} (node exited with ${code})`);
if (code !== 0 && counts.found && counts.failed === 0) counts.failed = 1; // crashed outside a test
writeSummary({ status: ok ? 'ok' : 'failed', passed: counts.passed, failed: counts.failed, skipped: counts.skipped, files: files.length, durationMs });
console.log(
  `[unit] RESULT ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} ` +
    `(${files.length} files) in ${(durationMs / 1000).toFixed(1)} s`,
);
process.exit(ok ? 0 : 1);
