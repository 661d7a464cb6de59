#!/usr/bin/env node
// `npm test`: every check this project has, in order, continuing past a failing layer.
//
//   setup (idempotent: system packages, code-server) -> typecheck -> lint -> unit
//   -> integration (real extension host) -> e2e (packaged VSIX, real UI)
//
// Ends with one line:
//   SUMMARY unit: 89 passed, 0 failed | integration: 10 passed, 0 failed | e2e: 8 passed, 0 failed | lint: ok | typecheck: ok
// and exits 0 only when everything passed. Never reads stdin.
//
//   node scripts/test-all.mjs [--only=unit,integration] [--skip=e2e]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
process.env.CI ??= 'true';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]?.split(',').filter(Boolean);
const only = arg('only');
const skip = arg('skip') ?? [];
const wanted = (step) => (!only || only.includes(step)) && !skip.includes(step);

let current;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current?.pid) {
      try {
        process.kill(-current.pid, sig);
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

function run(command, args) {
  return new Promise((resolve) => {
    // Own process group, so an interrupt can take down everything the step started.
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: process.env });
    current = child;
    child.on('error', (err) => {
      console.error(`[test] ${command}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function banner(title) {
  console.log(`\n${'='.repeat(20)} ${title} ${'='.repeat(Math.max(0, 60 - title.length))}`);
}

function summaryFile(layer) {
  return path.join(REPO_ROOT, 'test-results', layer, 'summary.json');
}

function readSummary(layer) {
  try {
    return JSON.parse(fs.readFileSync(summaryFile(layer), 'utf8'));
  } catch {
    return undefined;
  }
}

const results = {}; // name -> { text, ok, seconds }
const t0 = Date.now();

async function checkStep(name, command, args) {
  if (!wanted(name)) return;
  banner(name);
  const start = Date.now();
  const code = await run(command, args);
  results[name] = { ok: code === 0, text: code === 0 ? 'ok' : `failed (exit ${code})`, seconds: (Date.now() - start) / 1000 };
}

async function testLayer(layer, command, args) {
  if (!wanted(layer)) return;
  banner(layer);
  fs.rmSync(summaryFile(layer), { force: true });
  const start = Date.now();
  const code = await run(command, args);
  const s = readSummary(layer);
  const seconds = (Date.now() - start) / 1000;
  if (!s) {
    results[layer] = { ok: false, text: `error (exit ${code}, no results)`, seconds };
    return;
  }
  let text = `${s.passed ?? 0} passed, ${s.failed ?? 0} failed`;
  if (s.skipped) text += `, ${s.skipped} skipped`;
  const ok = code === 0 && s.status === 'ok' && !s.failed;
  if (!ok && s.status === 'error') text += ` (error: ${String(s.reason ?? `exit ${code}`).split('\n')[0].slice(0, 120)})`;
  else if (!ok && !s.failed) text += ` (exit ${code})`;
  results[layer] = { ok, text, seconds };
}

// Dependencies first (a fresh clone may run `npm test` before `npm install`), then the test host.
let depsError;
if (fs.existsSync(path.join(REPO_ROOT, 'scripts', 'bootstrap.mjs'))) {
  try {
    const { ensureDependencies } = await import('./bootstrap.mjs');
    ensureDependencies();
  } catch (err) {
    depsError = err.message;
    console.error(`[test] installing dependencies failed: ${depsError}`);
  }
}
await checkStep('setup', process.execPath, ['scripts/setup-test-env.mjs']);
if (depsError) results.setup = { ...results.setup, ok: false, text: `failed (dependencies: ${depsError.slice(0, 80)})` };
if (pkg.scripts?.typecheck) await checkStep('typecheck', npm, ['run', '--silent', 'typecheck']);
if (pkg.scripts?.lint) await checkStep('lint', npm, ['run', '--silent', 'lint']);
await testLayer('unit', process.execPath, ['scripts/test-unit.mjs']);
await testLayer('integration', process.execPath, ['test/integration/runner/run.mjs']);
await testLayer('e2e', process.execPath, ['test/e2e/run.mjs']);

const order = ['unit', 'integration', 'e2e', 'lint', 'typecheck', 'setup'];
const parts = order.filter((k) => results[k] && (k !== 'setup' || !results[k].ok)).map((k) => `${k}: ${results[k].text}`);
const allOk = Object.values(results).every((r) => r.ok) && Object.keys(results).length > 0;
console.log(
  `\n[test] times: ${order.filter((k) => results[k]).map((k) => `${k} ${results[k].seconds.toFixed(1)} s`).join(', ')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`SUMMARY ${parts.join(' | ')}`);
process.exit(allOk ? 0 : 1);
