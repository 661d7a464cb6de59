#!/usr/bin/env node
// End-to-end UI tests: package the extension as users get it, install the .vsix into a fresh
// code-server, open the test workspace in Chromium and drive the workbench like a person would
// (explorer clicks, command palette), checking what QDQ Studio's webview draws.
//
//   npm run test:e2e
//
// Environment:
//   QDQ_E2E_VSIX            use this .vsix instead of running `npm run package`
//   QDQ_E2E_GREP            only cases whose name matches this regular expression
//   QDQ_TEST_TIMEOUT_MS     overall limit (default 600000)
//   QDQ_SHARED_FIXTURES     folder of the shared ONNX corpus (default ../shared/fixtures/onnx)
//   QDQ_TEST_WORKSPACE      copy this folder instead of test/workspace (harness development)
//   QDQ_KEEP_TMP=1          keep the temp folder
//   QDQ_HEADED=1            show the browser (needs a display)
//
// Artifacts: test-results/e2e/ (screenshots *.png, summary.json, code-server.log, browser-console.log).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, formatCounts, makeTempDir, prepareWorkspace, runInherit, writeLayerSummary } from '../vscode-host/host.mjs';
import { setupTestEnv } from '../../scripts/setup-test-env.mjs';
import { cases as editorCases } from './editor.e2e.mjs';
import { cases as engineReportCases } from './engineReport.e2e.mjs';
import { cases as graphToolbarCases } from './graphToolbar.e2e.mjs';
import { cases as problemsCases } from './problems.e2e.mjs';
import { installPackaged, startWorkbench } from './session.mjs';

const LAYER = 'e2e';
const TIMEOUT_MS = Number(process.env.QDQ_TEST_TIMEOUT_MS) || 600_000;
const CASE_TIMEOUT_MS = 60_000;
const ARTIFACTS = path.join(REPO_ROOT, 'test-results', LAYER);
const VSIX = path.join(REPO_ROOT, 'dist-vsix', 'qdq-studio.vsix');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const log = (msg) => console.log(`[${LAYER}] ${msg}`);
const cases = [...editorCases, ...graphToolbarCases, ...problemsCases, ...engineReportCases];

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

function indent(text, pad = '      ') {
  return String(text).split('\n').slice(0, 20).map((l) => pad + l).join('\n');
}

async function main() {
  const t0 = Date.now();
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const results = [];
  const record = (name, status, extra = {}) => {
    results.push({ name, status, ...extra });
    if (status === 'pass') {
      counts.passed++;
      console.log(`  ✓ ${name}${extra.durationMs !== undefined ? ` (${extra.durationMs} ms)` : ''}`);
    } else if (status === 'skip') {
      counts.skipped++;
      console.log(`  - ${name} (skipped${extra.reason ? `: ${extra.reason}` : ''})`);
    } else {
      counts.failed++;
      console.log(`  ✗ ${name}\n${indent(extra.error)}`);
    }
  };
  const finish = (status, extra = {}) => {
    const durationMs = Date.now() - t0;
    writeLayerSummary(LAYER, { status, ...counts, durationMs, results, ...extra });
    log(`RESULT ${formatCounts(counts)} in ${(durationMs / 1000).toFixed(1)} s${status === 'ok' ? '' : ` (${status}${extra.reason ? `: ${extra.reason}` : ''})`}`);
    return status === 'ok' ? 0 : 1;
  };
  const overall = setTimeout(() => {
    log(`overall timeout (${TIMEOUT_MS} ms) reached; stopping`);
    finish('error', { reason: 'overall timeout' });
    process.exit(1); // exit hooks kill code-server and Chromium
  }, TIMEOUT_MS);
  overall.unref();

  // 1. The VSIX, exactly as `npm run package` makes it.
  let vsix = process.env.QDQ_E2E_VSIX ? path.resolve(process.env.QDQ_E2E_VSIX) : VSIX;
  if (!process.env.QDQ_E2E_VSIX) {
    log('packaging the extension (npm run package)…');
    fs.rmSync(VSIX, { force: true });
    fs.mkdirSync(path.dirname(VSIX), { recursive: true }); // vsce does not create --out's folder
    const code = await runInherit(npm, ['run', 'package', '--silent'], { cwd: REPO_ROOT, env: { ...process.env, CI: 'true' } });
    if (code !== 0 || !fs.existsSync(vsix)) return finish('error', { reason: `npm run package exited with ${code}${fs.existsSync(vsix) ? '' : `, no ${path.relative(REPO_ROOT, VSIX)}`}` });
  }
  log(`vsix: ${path.relative(REPO_ROOT, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KB)`);

  try {
    setupTestEnv();
  } catch (err) {
    return finish('error', { reason: `setup failed: ${err.message}` });
  }

  const tmp = makeTempDir('qdq-e2e', { keep: process.env.QDQ_KEEP_TMP === '1' });
  const sharedWanted = [...new Set(cases.map((c) => c.shared).filter(Boolean))];
  const ws = prepareWorkspace(path.join(tmp, 'workspace'), { sharedModels: sharedWanted });
  if (ws.sharedNote) log(`NOTE ${ws.sharedNote}`);

  // 2. Install it the way a user would.
  const installStart = Date.now();
  let installed;
  try {
    installed = installPackaged(vsix, tmp);
    record(`the packaged VSIX installs into code-server (${installed.listed})`, 'pass', { durationMs: Date.now() - installStart });
  } catch (err) {
    record('the packaged VSIX installs into code-server', 'fail', { error: err.message });
    return finish('failed');
  }

  let session;
  let server;
  let page;
  const consoleLog = fs.createWriteStream(path.join(ARTIFACTS, 'browser-console.log'));
  try {
    session = await startWorkbench({ workspace: ws.dir, stateDir: installed.stateDir, extensionsDir: installed.extensionsDir, headless: process.env.QDQ_HEADED !== '1' });
    server = session.server;
    log(`code-server ${server.origin} (workspace ${ws.dir})`);
    ({ page } = await session.openWindow({
      onPage: (p) => {
        p.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
        p.on('pageerror', (err) => consoleLog.write(`[pageerror] ${err.stack ?? err.message}\n`));
      },
    }));

    const grep = process.env.QDQ_E2E_GREP ? new RegExp(process.env.QDQ_E2E_GREP, 'i') : undefined;
    for (const c of cases) {
      if (grep && !grep.test(c.name)) continue;
      if (c.shared && !ws.shared.includes(c.shared)) {
        record(c.name, 'skip', { reason: `shared fixture ${c.shared} not available` });
        continue;
      }
      const notes = [];
      const ctx = {
        page,
        workspace: ws.dir,
        note: (m) => notes.push(m),
        shot: async (name) => {
          const file = path.join(ARTIFACTS, `${name}.png`);
          await page.screenshot({ path: file });
          notes.push(`screenshot ${path.relative(REPO_ROOT, file)}`);
        },
      };
      const start = Date.now();
      try {
        await withTimeout(c.run(ctx), c.timeoutMs ?? CASE_TIMEOUT_MS, c.name);
        record(c.name, 'pass', { durationMs: Date.now() - start, notes });
      } catch (err) {
        const failShot = path.join(ARTIFACTS, `FAILED-${results.length}.png`);
        await page.screenshot({ path: failShot }).catch(() => {});
        record(c.name, 'fail', { error: `${err.stack ?? err.message}\n(screenshot: ${path.relative(REPO_ROOT, failShot)})`, notes });
        // Leave the workbench in a known state for the next case.
        await page.keyboard.press('Escape').catch(() => {});
      }
      for (const n of notes) console.log(`      note: ${n}`);
    }
    return finish(counts.failed === 0 && counts.passed > 0 ? 'ok' : 'failed');
  } catch (err) {
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'FAILED-workbench.png') }).catch(() => {});
    return finish('error', { reason: err.message });
  } finally {
    clearTimeout(overall);
    consoleLog.end();
    if (session) {
      await session.stop();
      try {
        fs.copyFileSync(server.logFile, path.join(ARTIFACTS, 'code-server.log'));
      } catch {
        /* ignore */
      }
    }
  }
}

process.exit(await main());
