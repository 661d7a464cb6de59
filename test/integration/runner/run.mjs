#!/usr/bin/env node
// Integration tests: mocha inside the real extension host of a real VS Code (code-server 4.100.3,
// VS Code 1.100.3), driven through Debian's Chromium with playwright-core. Works offline.
//
//   npm run test:integration
//
// Steps: build the extension (npm run build), make sure code-server is installed
// (scripts/setup-test-env.mjs), compile test/integration/suite, copy test/workspace (plus the
// shared yolov9t-qat.onnx when the corpus exists) to a temp folder, start code-server on
// 127.0.0.1 with fresh user-data and extensions dirs, and open the workbench with a `payload`
// naming this repo as extensionDevelopmentPath and the compiled suite as extensionTestsPath.
// The suite streams its results to a JSON-lines file that this runner prints as they come;
// the workbench calls window.codeAutomationExit(code) when the suite's run() settles.
//
// Environment:
//   QDQ_TEST_TIMEOUT_MS      overall limit (default 1200000: the suite restarts the window three times)
//   QDQ_TEST_GREP            only tests whose full title matches
//   QDQ_SKIP_BUILD=1         do not run `npm run build` first
//   QDQ_SHARED_FIXTURES      folder of the shared ONNX corpus (default ../shared/fixtures/onnx)
//   QDQ_TEST_WORKSPACE       copy this folder instead of test/workspace (harness development)
//   QDQ_TEST_EXTENSION_PATH  load this extension folder instead of the repo (harness development)
//   QDQ_KEEP_TMP=1           keep the temp folder (workspace, code-server state, logs)
//
// Artifacts: test-results/integration/ (summary.json, code-server.log, browser-console.log,
// extension host logs, a screenshot of the workbench at the end).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT,
  formatCounts,
  killTree,
  launchChromium,
  makeTempDir,
  prepareWorkspace,
  remoteUri,
  runInherit,
  safeTail,
  startCodeServer,
  workbenchUrl,
  writeLayerSummary,
} from '../../vscode-host/host.mjs';
import { setupTestEnv } from '../../../scripts/setup-test-env.mjs';
import { SUITE_ENTRY, buildSuite } from './buildSuite.mjs';

const LAYER = 'integration';
const TIMEOUT_MS = Number(process.env.QDQ_TEST_TIMEOUT_MS) || 1_200_000;
const ARTIFACTS = path.join(REPO_ROOT, 'test-results', LAYER);
const SHARED_MODELS = ['yolov9t-qat.onnx'];

const log = (msg) => console.log(`[${LAYER}] ${msg}`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Prints the suite's JSON-lines results as they are appended, and keeps the counts. */
class ResultTail {
  constructor(file) {
    this.file = file;
    this.offset = 0;
    this.partial = '';
    this.counts = { passed: 0, failed: 0, skipped: 0 };
    this.failures = [];
    this.sawStart = false;
    this.sawEnd = false;
  }

  drain() {
    let text;
    try {
      const fd = fs.openSync(this.file, 'r');
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) {
        fs.closeSync(fd);
        return;
      }
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      fs.closeSync(fd);
      this.offset = size;
      text = this.partial + buf.toString('utf8');
    } catch {
      return;
    }
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        console.log(`  ? ${line}`);
        continue;
      }
      this.print(ev);
    }
  }

  print(ev) {
    switch (ev.event) {
      case 'start':
        this.sawStart = true;
        log(`suite started in the extension host (${ev.files.join(', ')})`);
        break;
      case 'pass':
        this.counts.passed++;
        console.log(`  ✓ ${ev.title} (${ev.durationMs} ms)`);
        break;
      case 'fail':
        this.counts.failed++;
        this.failures.push(ev);
        console.log(`  ✗ ${ev.title}\n${indent(ev.error, '      ')}`);
        break;
      case 'pending':
        this.counts.skipped++;
        console.log(`  - ${ev.title} (skipped)`);
        break;
      case 'note':
        console.log(`      note: ${ev.message}`);
        break;
      case 'end':
        this.sawEnd = true;
        break;
      default:
        console.log(`  ? ${JSON.stringify(ev)}`);
    }
  }
}

function indent(text, pad) {
  return String(text)
    .split('\n')
    .slice(0, 25)
    .map((l) => pad + l)
    .join('\n');
}

function copyArtifacts(tmp, server) {
  try {
    if (server) fs.copyFileSync(server.logFile, path.join(ARTIFACTS, 'code-server.log'));
    const logsDir = server && path.join(server.userDataDir, 'logs');
    if (logsDir && fs.existsSync(logsDir)) {
      fs.rmSync(path.join(ARTIFACTS, 'vscode-logs'), { recursive: true, force: true });
      fs.cpSync(logsDir, path.join(ARTIFACTS, 'vscode-logs'), { recursive: true });
    }
    if (tmp && fs.existsSync(path.join(tmp, 'results.jsonl'))) {
      fs.copyFileSync(path.join(tmp, 'results.jsonl'), path.join(ARTIFACTS, 'results.jsonl'));
    }
  } catch (err) {
    log(`could not copy artifacts: ${err.message}`);
  }
}

async function main() {
  const t0 = Date.now();
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const summary = { passed: 0, failed: 0, skipped: 0 };
  const finish = (status, extra = {}) => {
    const durationMs = Date.now() - t0;
    writeLayerSummary(LAYER, { status, ...summary, durationMs, ...extra });
    log(`RESULT ${formatCounts(summary)} in ${(durationMs / 1000).toFixed(1)} s${status === 'ok' ? '' : ` (${status}${extra.reason ? `: ${extra.reason}` : ''})`}`);
    return status === 'ok' ? 0 : 1;
  };

  // 1. The extension under test.
  const extensionPath = process.env.QDQ_TEST_EXTENSION_PATH ? path.resolve(process.env.QDQ_TEST_EXTENSION_PATH) : REPO_ROOT;
  if (extensionPath === REPO_ROOT && process.env.QDQ_SKIP_BUILD !== '1') {
    log('building the extension (npm run build)…');
    const code = await runInherit(npm, ['run', 'build', '--silent'], { cwd: REPO_ROOT });
    if (code !== 0) return finish('error', { reason: `npm run build exited with ${code}` });
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  const mainFile = path.resolve(extensionPath, manifest.main ?? 'dist/extension.js');
  if (!fs.existsSync(mainFile) && !fs.existsSync(`${mainFile}.js`)) {
    return finish('error', { reason: `${path.relative(REPO_ROOT, mainFile)} does not exist after the build` });
  }

  // 2. code-server, 3. the compiled suite.
  try {
    setupTestEnv();
  } catch (err) {
    return finish('error', { reason: `setup failed: ${err.message}` });
  }
  try {
    await buildSuite();
  } catch (err) {
    return finish('error', { reason: `compiling the suite failed: ${err.message}` });
  }

  // 4. Workspace and code-server.
  const tmp = makeTempDir('qdq-integration', { keep: process.env.QDQ_KEEP_TMP === '1' });
  const ws = prepareWorkspace(path.join(tmp, 'workspace'), { sharedModels: SHARED_MODELS });
  if (ws.sharedNote) log(`NOTE ${ws.sharedNote}`);
  else log(`shared models copied into the workspace: ${ws.shared.map((s) => `shared/${s}`).join(', ')}`);
  const resultsFile = path.join(tmp, 'results.jsonl');
  fs.writeFileSync(resultsFile, '');

  let server;
  let browser;
  const tail = new ResultTail(resultsFile);
  const consoleLog = fs.createWriteStream(path.join(ARTIFACTS, 'browser-console.log'));
  let timer;
  let poller;
  try {
    server = await startCodeServer({
      workspace: ws.dir,
      stateDir: path.join(tmp, 'code-server'),
      env: { QDQ_TEST_RESULTS: resultsFile, QDQ_TEST_GREP: process.env.QDQ_TEST_GREP ?? '' },
    });
    log(`code-server ${server.origin} (workspace ${ws.dir})`);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const exited = new Promise((resolve) => {
      page.exposeFunction('codeAutomationExit', (code, logs) => {
        saveWorkbenchLogs(logs);
        resolve({ kind: 'exit', code });
      });
    });
    page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    page.on('pageerror', (err) => consoleLog.write(`[pageerror] ${err.stack ?? err.message}\n`));

    const payload = [
      ['extensionDevelopmentPath', remoteUri(server.port, extensionPath)],
      ['extensionTestsPath', remoteUri(server.port, SUITE_ENTRY)],
      ['skipWelcome', 'true'],
    ];
    const deadline = t0 + TIMEOUT_MS;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(1000, deadline - Date.now()));
    });
    const serverDied = new Promise((resolve) => server.child.once('exit', (code) => resolve({ kind: 'server-exit', code })));
    poller = setInterval(() => tail.drain(), 250);

    await page.goto(workbenchUrl(server.origin, ws.dir, payload), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const outcome = await Promise.race([exited, timedOut, serverDied]);
    clearInterval(poller);
    await new Promise((r) => setTimeout(r, 300)); // let the last lines land
    tail.drain();
    await page.screenshot({ path: path.join(ARTIFACTS, 'workbench.png') }).catch(() => {});
    Object.assign(summary, tail.counts);

    if (outcome.kind === 'timeout') {
      return finish('error', { reason: `no result within ${TIMEOUT_MS} ms (see ${path.relative(REPO_ROOT, ARTIFACTS)}/)` });
    }
    if (outcome.kind === 'server-exit') {
      return finish('error', { reason: `code-server exited (${outcome.code}) during the run` });
    }
    if (!tail.sawStart) {
      return finish('error', {
        reason: `the suite never reported (exit code ${outcome.code}); did the extension host load ${path.relative(REPO_ROOT, SUITE_ENTRY)}? see browser-console.log`,
      });
    }
    if (outcome.code !== 0 || summary.failed > 0 || !tail.sawEnd) {
      return finish('failed', { exitCode: outcome.code });
    }
    if (summary.passed === 0) return finish('failed', { reason: 'no test passed' });
    return finish('ok', { exitCode: outcome.code });
  } catch (err) {
    Object.assign(summary, tail.counts);
    return finish('error', { reason: err.message });
  } finally {
    clearTimeout(timer);
    clearInterval(poller);
    consoleLog.end();
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
    copyArtifacts(tmp, server);
    if (summary.failed > 0 || !fs.existsSync(path.join(ARTIFACTS, 'summary.json')) || readStatus() !== 'ok') {
      const hostLines = safeTail(path.join(ARTIFACTS, 'browser-console.log'), 400)
        .split('\n')
        .filter((l) => /\[error\]|\[pageerror\]/.test(l) && !/open-vsx\.org|ERR_NAME_NOT_RESOLVED|status of 404/.test(l))
        .slice(-30);
      if (hostLines.length) log(`last errors in the browser console:\n${indent(hostLines.join('\n'), '  ')}`);
      log(`logs: ${path.relative(REPO_ROOT, ARTIFACTS)}/`);
    }
  }
}

/** The workbench hands its own logs ({ relativePath, contents }[]) to codeAutomationExit. */
function saveWorkbenchLogs(logs) {
  if (!Array.isArray(logs)) return;
  const root = path.join(ARTIFACTS, 'workbench-logs');
  for (const entry of logs) {
    if (!entry || typeof entry.relativePath !== 'string' || typeof entry.contents !== 'string') continue;
    const file = path.resolve(root, entry.relativePath);
    if (!file.startsWith(root + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, entry.contents);
  }
}

function readStatus() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ARTIFACTS, 'summary.json'), 'utf8')).status;
  } catch {
    return undefined;
  }
}

const code = await main();
await killTree(undefined);
process.exit(code);
