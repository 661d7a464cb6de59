#!/usr/bin/env node
// `npm start`: try QDQ Studio in a real VS Code in your browser.
//
// Builds and packages the extension (npm run package), installs the .vsix into a code-server
// (VS Code 1.100.3, installed by scripts/setup-test-env.mjs), opens a sample workspace (the test
// models, plus the shared YOLOv9 models when ../shared/fixtures/onnx exists), and prints the URL.
// Runs until Ctrl-C. Binds to 127.0.0.1 only (use an SSH tunnel to reach it from elsewhere).
//
//   npm start                  port from $QDQ_PORT, else 8080, else any free port
//   npm start -- --skip-package  reuse dist-vsix/qdq-studio.vsix from an earlier run
//
// State (settings you change, the sample workspace) lives in .cache/start/ and survives restarts;
// the extension is reinstalled from the fresh .vsix on every start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CODE_SERVER_VERSION,
  EXTENSION_ID,
  REPO_ROOT,
  freePort,
  installVsix,
  listExtensions,
  runInherit,
  sharedFixturesDir,
  startCodeServer,
  workbenchUrl,
  workspaceSource,
} from '../test/vscode-host/host.mjs';
import { setupTestEnv } from './setup-test-env.mjs';

const STATE = path.join(REPO_ROOT, '.cache', 'start');
const VSIX = path.join(REPO_ROOT, 'dist-vsix', 'qdq-studio.vsix');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const log = (msg) => console.log(`[start] ${msg}`);

/** Copies `src` over `dst` unless it already holds the same file (size and mtime). */
function syncFile(src, dst) {
  const s = fs.statSync(src);
  try {
    const d = fs.statSync(dst);
    if (d.size === s.size && Math.abs(d.mtimeMs - s.mtimeMs) < 1) return false;
  } catch {
    /* missing */
  }
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(src, dst);
  fs.utimesSync(dst, s.atime, s.mtime);
  return true;
}

function syncTree(srcDir, dstDir) {
  let n = 0;
  if (!fs.existsSync(srcDir)) return n;
  for (const entry of fs.readdirSync(srcDir, { withFileTypes: true })) {
    const s = path.join(srcDir, entry.name);
    const d = path.join(dstDir, entry.name);
    if (entry.isDirectory()) n += syncTree(s, d);
    else if (entry.isFile()) n += syncFile(s, d) ? 1 : 0;
  }
  return n;
}

function prepareSampleWorkspace() {
  const ws = path.join(STATE, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  let copied = syncTree(workspaceSource(), ws);
  const shared = sharedFixturesDir();
  if (shared) {
    for (const f of fs.readdirSync(shared).filter((f) => f.endsWith('.onnx'))) {
      copied += syncFile(path.join(shared, f), path.join(ws, 'shared', f)) ? 1 : 0;
    }
    log(`sample workspace: test models + shared YOLOv9 models from ${shared} (${copied} files updated)`);
  } else {
    log('sample workspace: test models only (no shared fixture corpus found; set QDQ_SHARED_FIXTURES to add real models)');
  }
  return ws;
}

async function main() {
  process.env.CI ??= 'true';
  if (fs.existsSync(path.join(REPO_ROOT, 'scripts', 'bootstrap.mjs'))) {
    const { ensureDependencies } = await import('./bootstrap.mjs');
    ensureDependencies(); // a fresh clone may run `npm start` before `npm install`
  }
  if (!process.argv.includes('--skip-package') || !fs.existsSync(VSIX)) {
    log('building and packaging (npm run package)…');
    fs.mkdirSync(path.dirname(VSIX), { recursive: true }); // vsce does not create --out's folder
    const code = await runInherit(npm, ['run', 'package', '--silent'], { cwd: REPO_ROOT });
    if (code !== 0 || !fs.existsSync(VSIX)) throw new Error(`npm run package failed (exit ${code})`);
  }
  setupTestEnv();

  const extensionsDir = path.join(STATE, 'extensions');
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  installVsix(VSIX, { extensionsDir, stateDir: STATE });
  const installed = listExtensions({ extensionsDir, stateDir: STATE }).find((l) => l.startsWith(EXTENSION_ID));
  log(`installed ${installed ?? EXTENSION_ID} from ${path.relative(REPO_ROOT, VSIX)}`);

  const workspace = prepareSampleWorkspace();
  const wantedPort = Number(process.env.QDQ_PORT) || 8080;
  const port = await freePort(wantedPort);
  if (port !== wantedPort) log(`port ${wantedPort} is busy; using ${port}`);
  const server = await startCodeServer({
    workspace,
    stateDir: STATE,
    port,
    extensionsDir,
    userDataDir: path.join(STATE, 'user-data'),
    logFile: path.join(STATE, 'code-server.log'),
  });
  const url = workbenchUrl(server.origin, workspace);
  console.log('');
  console.log(`  QDQ Studio is running in VS Code (code-server ${CODE_SERVER_VERSION}):`);
  console.log(`    ${url}`);
  console.log('');
  console.log(`  Open a .onnx file from the explorer. Logs: ${path.relative(REPO_ROOT, server.logFile)}. Ctrl-C to stop.`);
  const code = await new Promise((resolve) => server.child.once('exit', (c) => resolve(c ?? 0)));
  log(`code-server exited (${code})`);
  return code;
}

try {
  process.exit(await main());
} catch (err) {
  console.error(`[start] ${err.message}`);
  process.exit(1);
}
