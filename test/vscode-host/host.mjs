// Shared plumbing for every layer that runs a real VS Code: the integration runner, the
// end-to-end UI tests and `npm start`. It knows where code-server is installed, how to start it
// bound to 127.0.0.1 with throwaway state, how to drive Debian's Chromium through playwright-core,
// and how to take every process it started down again (process groups, killed by pid).
//
// See /docs (testing-in-real-vscode) for why code-server: it is a real VS Code (1.100.3) that
// installs from the npm registry, which is all these machines can reach.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST_PACKAGE_DIR = path.join(REPO_ROOT, 'test', 'vscode-host');
/** code-server is installed here (git-ignored) by scripts/setup-test-env.mjs. */
export const HOST_INSTALL_DIR = path.join(REPO_ROOT, '.cache', 'vscode-host');
export const CODE_SERVER_VERSION = JSON.parse(
  fs.readFileSync(path.join(HOST_PACKAGE_DIR, 'package.json'), 'utf8'),
).dependencies['code-server'];
export const CODE_SERVER_ENTRY = path.join(HOST_INSTALL_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM_PATH = process.env.QDQ_CHROMIUM || '/usr/bin/chromium';
export const EXTENSION_ID = 'qdq-studio.qdq-studio';

/** Flags that keep headless Chromium from reaching for hosts it cannot reach. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: every child is spawned in its own process group and killed as a group.

const children = new Set();
const tempDirs = new Set();
let exitHooksInstalled = false;

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of children) killGroup(child.pid, 'SIGKILL');
    for (const dir of tempDirs) rmQuiet(dir);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      for (const child of children) killGroup(child.pid, 'SIGTERM');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

function killGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function rmQuiet(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

/** Spawn a child in its own process group; it is killed (as a group) when this process exits. */
export function spawnGroup(command, args, options = {}) {
  installExitHooks();
  const child = spawn(command, args, { ...options, detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM the child's process group, then SIGKILL it if it is still there after `graceMs`. */
export async function killTree(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child.pid, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    killGroup(child.pid, 'SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  }
  // Stragglers that left the group (none expected) die with the group id anyway.
  killGroup(child.pid, 'SIGKILL');
  children.delete(child);
}

/**
 * Run a command to completion with inherited stdout/stderr and no stdin (so nothing can sit
 * waiting for an answer); resolves to its exit code.
 */
export function runInherit(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawnGroup(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.once('error', (err) => {
      console.error(`[host] could not run ${command}: ${err.message}`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** A fresh directory under os.tmpdir(), removed when this process exits unless `keep`. */
export function makeTempDir(prefix, { keep = false } = {}) {
  installExitHooks();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  if (!keep) tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  tempDirs.delete(dir);
  rmQuiet(dir);
}

// ---------------------------------------------------------------------------------------------
// Ports and HTTP.

function tryListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const actual = server.address().port;
      server.close(() => resolve(actual));
    });
  });
}

/** `preferred` if it is free on 127.0.0.1, otherwise any free port. */
export async function freePort(preferred) {
  if (preferred) {
    const got = await tryListen(preferred);
    if (got) return got;
  }
  const got = await tryListen(0);
  if (!got) throw new Error('no free TCP port on 127.0.0.1');
  return got;
}

export async function waitForHttp(url, { timeoutMs = 60_000, child, what = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what}: process exited (${child.exitCode ?? child.signalCode}) before answering`);
    }
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await sleep(200);
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms (${lastError})`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// code-server.

export function assertCodeServerInstalled() {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(
      `code-server is not installed at ${path.relative(REPO_ROOT, CODE_SERVER_ENTRY)}; run: node scripts/setup-test-env.mjs`,
    );
  }
}

/** Environment for code-server processes: its config/data dirs go to `stateDir`, not to $HOME. */
function codeServerEnv(stateDir, extraEnv = {}) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(stateDir, 'xdg-cache'),
    CS_DISABLE_FILE_DOWNLOADS: '1',
    ...extraEnv,
  };
}

/** Default user settings that keep first-run noise (welcome pages, tips, update checks) out of the way. */
export const QUIET_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

export function writeUserSettings(userDataDir, settings = QUIET_USER_SETTINGS) {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * Install a .vsix into `extensionsDir` with code-server's own CLI (what a user's
 * `code --install-extension` does). Returns the installer's output.
 */
export function installVsix(vsixPath, { extensionsDir, stateDir }) {
  assertCodeServerInstalled();
  const res = spawnSync(
    process.execPath,
    [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', path.join(stateDir, 'ud-install'),
      '--config', path.join(stateDir, 'config.yaml'), '--force', '--install-extension', vsixPath],
    { env: codeServerEnv(stateDir), encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) throw new Error(`installing ${vsixPath} failed (exit ${res.status}):\n${output}`);
  return output;
}

export function listExtensions({ extensionsDir, stateDir }) {
  const res = spawnSync(
    process.execPath,
    [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', path.join(stateDir, 'ud-install'),
      '--config', path.join(stateDir, 'config.yaml'), '--list-extensions', '--show-versions'],
    { env: codeServerEnv(stateDir), encoding: 'utf8', timeout: 60_000 },
  );
  return (res.stdout ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * Start code-server on 127.0.0.1. Everything it writes (user data, extensions unless given,
 * config, logs) lives under `stateDir`. Resolves once `GET /` answers.
 *
 * @returns {Promise<{ child, port, origin: string, stateDir: string, logFile: string, stop(): Promise<void> }>}
 */
export async function startCodeServer({
  workspace,
  stateDir,
  port,
  extensionsDir,
  userDataDir,
  env = {},
  logFile,
  echo = false,
  timeoutMs = 60_000,
}) {
  assertCodeServerInstalled();
  fs.mkdirSync(stateDir, { recursive: true });
  userDataDir ??= path.join(stateDir, 'user-data');
  extensionsDir ??= path.join(stateDir, 'extensions');
  logFile ??= path.join(stateDir, 'code-server.log');
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (!fs.existsSync(path.join(userDataDir, 'User', 'settings.json'))) writeUserSettings(userDataDir);
  port ??= await freePort();

  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--config', path.join(stateDir, 'config.yaml'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  if (workspace) args.push(workspace);

  const log = fs.createWriteStream(logFile);
  const child = spawnGroup(process.execPath, args, {
    cwd: REPO_ROOT,
    env: codeServerEnv(stateDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      if (echo) process.stderr.write(chunk);
    });
  }
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}/healthz`, { timeoutMs, child, what: 'code-server' });
  } catch (err) {
    await killTree(child);
    const tail = safeTail(logFile, 40);
    throw new Error(`${err.message}\n--- code-server log (${logFile}) ---\n${tail}`);
  }
  return {
    child,
    port,
    origin,
    stateDir,
    logFile,
    extensionsDir,
    userDataDir,
    async stop() {
      await killTree(child);
      log.end();
    },
  };
}

export function safeTail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The workbench URL for `folder`, with an optional integration-test payload. */
export function workbenchUrl(origin, folder, payload) {
  let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** `vscode-remote://127.0.0.1:<port>/abs/path` for a path on the code-server machine. */
export function remoteUri(port, absPath) {
  return `vscode-remote://127.0.0.1:${port}${absPath.split(path.sep).join('/')}`;
}

// ---------------------------------------------------------------------------------------------
// Chromium.

export async function launchChromium({ headless = true } = {}) {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set QDQ_CHROMIUM)`);
  }
  const { chromium } = await import('playwright-core');
  // Chromium keeps crash reports and caches under XDG dirs ($HOME/.config/chromium); keep them in a temp dir.
  const home = makeTempDir('qdq-chromium');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
  });
}

// ---------------------------------------------------------------------------------------------
// Workspaces and fixtures.

/** The optional shared ONNX corpus (real YOLOv9 models), or undefined when it is not on this machine. */
export function sharedFixturesDir() {
  const dir = process.env.QDQ_SHARED_FIXTURES
    ? path.resolve(process.env.QDQ_SHARED_FIXTURES)
    : path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'onnx');
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : undefined;
}

/** Where the test workspace is copied from: test/workspace, or QDQ_TEST_WORKSPACE for trial runs. */
export function workspaceSource() {
  return process.env.QDQ_TEST_WORKSPACE ? path.resolve(process.env.QDQ_TEST_WORKSPACE) : path.join(REPO_ROOT, 'test', 'workspace');
}

/**
 * Copy the test workspace to `dest` and add the requested shared models under `dest/shared/`.
 * Files outside the opened folder are never referenced by the tests.
 *
 * @returns {{ dir: string, shared: string[], sharedNote?: string }}
 */
export function prepareWorkspace(dest, { sharedModels = [] } = {}) {
  const src = workspaceSource();
  fs.mkdirSync(dest, { recursive: true });
  if (fs.existsSync(src)) fs.cpSync(src, dest, { recursive: true });
  const shared = [];
  let sharedNote;
  if (sharedModels.length) {
    const dir = sharedFixturesDir();
    if (!dir) {
      sharedNote =
        `shared ONNX fixtures not found (${process.env.QDQ_SHARED_FIXTURES || path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'onnx')}; ` +
        `set QDQ_SHARED_FIXTURES) - skipping the real-model cases (${sharedModels.join(', ')})`;
    } else {
      fs.mkdirSync(path.join(dest, 'shared'), { recursive: true });
      const missing = [];
      for (const name of sharedModels) {
        const from = path.join(dir, name);
        if (fs.existsSync(from)) {
          fs.copyFileSync(from, path.join(dest, 'shared', name));
          shared.push(name);
        } else missing.push(name);
      }
      if (missing.length) sharedNote = `shared fixtures folder ${dir} lacks ${missing.join(', ')} - skipping those cases`;
    }
  }
  return { dir: dest, shared, sharedNote };
}

// ---------------------------------------------------------------------------------------------
// Layer summaries: each runner writes test-results/<layer>/summary.json for scripts/test-all.mjs.

export function writeLayerSummary(layer, summary) {
  const dir = path.join(REPO_ROOT, 'test-results', layer);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ layer, ...summary, at: new Date().toISOString() }, null, 2));
}

export function formatCounts({ passed = 0, failed = 0, skipped = 0 }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}
