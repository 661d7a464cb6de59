#!/usr/bin/env node
// Prepares this machine for the integration and end-to-end tests. Idempotent and
// non-interactive; safe to run before every `npm test` (a second run takes well under a second).
//
//  1. Debian packages: the native-module build deps of code-server, ripgrep, Chromium and
//     python3-onnx. Installed with apt-get only when `dpkg -s` says one is missing.
//  2. code-server (pinned in test/vscode-host/package.json + package-lock.json), installed
//     into .cache/vscode-host/ (git-ignored), offline apart from the npm registry:
//       - `npm ci --ignore-scripts` unpacks the tree;
//       - the nested @vscode/ripgrep's downloader is satisfied from a cache archive holding
//         Debian's /usr/bin/rg (it would otherwise fetch rg from GitHub);
//       - `npm rebuild --unsafe-perm` then runs the install scripts (native modules via
//         node-gyp against the system Node headers, code-server's own postinstall).
//     A stamp file records what was installed; a matching stamp skips the whole step.
//
// Usage: node scripts/setup-test-env.mjs [--force] [--skip-apt]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST_PACKAGE_DIR = path.join(REPO_ROOT, 'test', 'vscode-host');
const INSTALL_DIR = path.join(REPO_ROOT, '.cache', 'vscode-host');
const STAMP = path.join(INSTALL_DIR, '.installed.json');
const LOCK_DIR = path.join(REPO_ROOT, '.cache', 'vscode-host.lock');

export const APT_PACKAGES = [
  'libkrb5-dev',
  'libsecret-1-dev',
  'libxkbfile-dev',
  'libx11-dev',
  'pkg-config',
  'ripgrep',
  'chromium',
  'python3-onnx',
];

const RG_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const log = (msg) => console.log(`[setup] ${msg}`);

function sh(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
  return res;
}

// ---------------------------------------------------------------------------------------------
// 1. Debian packages

function dpkgInstalled(pkg) {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return res.status === 0 && /\binstall ok installed\b/.test(res.stdout);
}

function ensureAptPackages() {
  if (spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).status !== 0) {
    log('dpkg not found (not Debian?): skipping system packages; make sure Chromium, ripgrep and a C++ toolchain exist');
    return;
  }
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (!missing.length) {
    log(`system packages present (${APT_PACKAGES.length})`);
    return;
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const prefix = root ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    sh(cmd, rest, { env });
  };
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...missing]);
  const still = missing.filter((p) => !dpkgInstalled(p));
  if (still.length) throw new Error(`apt-get did not install: ${still.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------
// 2. code-server

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

function wantedStamp() {
  const pkg = JSON.parse(fs.readFileSync(path.join(HOST_PACKAGE_DIR, 'package.json'), 'utf8'));
  return {
    codeServer: pkg.dependencies['code-server'],
    lockHash: hashFiles([path.join(HOST_PACKAGE_DIR, 'package.json'), path.join(HOST_PACKAGE_DIR, 'package-lock.json')]),
    node: process.versions.modules, // native modules are built for this ABI
  };
}

function installedOk(want) {
  try {
    const have = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    const entry = path.join(INSTALL_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    const vscodeModules = path.join(INSTALL_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
    return (
      have.codeServer === want.codeServer &&
      have.lockHash === want.lockHash &&
      have.node === want.node &&
      fs.existsSync(entry) &&
      fs.existsSync(vscodeModules)
    );
  } catch {
    return false;
  }
}

/** The @vscode/ripgrep version that code-server's bundled VS Code pins (1.15.11 for 4.100.3). */
function nestedRipgrepVersion() {
  const shrinkwrap = path.join(INSTALL_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'npm-shrinkwrap.json');
  try {
    const json = JSON.parse(fs.readFileSync(shrinkwrap, 'utf8'));
    const v = json.packages?.['node_modules/@vscode/ripgrep']?.version;
    if (v) return v;
  } catch {
    /* fall through */
  }
  log(`could not read @vscode/ripgrep version from ${shrinkwrap}; assuming 1.15.11`);
  return '1.15.11';
}

/** Put a tar.gz of the system `rg` where @vscode/ripgrep's postinstall looks before downloading. */
function prepareRipgrepCache(version) {
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => fs.existsSync(p));
  if (!rg) throw new Error('ripgrep (rg) not found; apt-get install ripgrep');
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${version}`);
  const archive = path.join(cacheDir, RG_ARCHIVE);
  if (fs.existsSync(archive) && fs.statSync(archive).size > 0) {
    log(`ripgrep cache present: ${archive}`);
    return;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-rg-'));
  try {
    fs.copyFileSync(rg, path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    sh('tar', ['-czf', `${archive}.partial`, '-C', staging, 'rg']);
    fs.renameSync(`${archive}.partial`, archive);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`ripgrep cache written: ${archive} (from ${rg})`);
}

/** node-gyp must not download Node headers (no internet): point it at the system ones if they match. */
function nodeGypEnv() {
  const env = {};
  if (process.env.npm_config_nodedir) return env;
  const versionHeader = path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node', 'node_version.h');
  try {
    const text = fs.readFileSync(versionHeader, 'utf8');
    const part = (name) => text.match(new RegExp(`#define ${name} (\\d+)`))?.[1];
    const headerVersion = `${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
    if (headerVersion === process.versions.node) env.npm_config_nodedir = path.dirname(path.dirname(process.execPath));
  } catch {
    /* leave node-gyp to its own config */
  }
  return env;
}

function acquireLock() {
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      let alive = false;
      try {
        if (owner) {
          process.kill(owner, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (owner && !alive) {
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (i === 0) log('another setup is installing code-server; waiting…');
      if (i > 600) throw new Error(`setup lock ${LOCK_DIR} held for 10 minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
}

function ensureCodeServer({ force }) {
  const want = wantedStamp();
  if (!force && installedOk(want)) {
    log(`code-server ${want.codeServer} already installed in ${path.relative(REPO_ROOT, INSTALL_DIR)}/`);
    return;
  }
  const release = acquireLock();
  try {
    if (!force && installedOk(want)) return; // another process finished it meanwhile
    const t0 = Date.now();
    log(`installing code-server ${want.codeServer} into ${path.relative(REPO_ROOT, INSTALL_DIR)}/ (about a minute)…`);
    fs.rmSync(INSTALL_DIR, { recursive: true, force: true });
    fs.mkdirSync(INSTALL_DIR, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) {
      fs.copyFileSync(path.join(HOST_PACKAGE_DIR, f), path.join(INSTALL_DIR, f));
    }
    const env = {
      ...process.env,
      ...nodeGypEnv(),
      CI: 'true',
      npm_config_yes: 'true', // code-server's postinstall runs `npx node-gyp`
      npm_config_unsafe_perm: 'true',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_update_notifier: 'false',
    };
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    sh(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: INSTALL_DIR, env });
    prepareRipgrepCache(nestedRipgrepVersion());
    const verbose = process.env.QDQ_SETUP_VERBOSE === '1';
    const res = spawnSync(npm, ['rebuild', '--unsafe-perm', '--foreground-scripts'], {
      cwd: INSTALL_DIR,
      env,
      stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (res.status !== 0) {
      if (!verbose) process.stderr.write(`${res.stdout ?? ''}\n${res.stderr ?? ''}`.split('\n').slice(-80).join('\n'));
      throw new Error(`npm rebuild (code-server install scripts) failed with ${res.status ?? res.error?.message}`);
    }
    const rgBin = path.join(INSTALL_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
    if (!fs.existsSync(rgBin)) throw new Error(`ripgrep was not installed at ${rgBin}`);
    const check = spawnSync(process.execPath, [path.join(INSTALL_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js'), '--version'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: path.join(INSTALL_DIR, '.xdg-config'), XDG_DATA_HOME: path.join(INSTALL_DIR, '.xdg-data') },
    });
    if (check.status !== 0) throw new Error(`code-server does not start:\n${check.stdout}\n${check.stderr}`);
    fs.writeFileSync(STAMP, JSON.stringify({ ...want, installedAt: new Date().toISOString() }, null, 2));
    log(`code-server ready: ${check.stdout.trim().split('\n').pop()} (${Math.round((Date.now() - t0) / 1000)} s)`);
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------

export function setupTestEnv({ force = false, skipApt = false } = {}) {
  const t0 = Date.now();
  if (!skipApt) ensureAptPackages();
  ensureCodeServer({ force });
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  process.env.CI ??= 'true';
  try {
    setupTestEnv({
      force: process.argv.includes('--force'),
      skipApt: process.argv.includes('--skip-apt') || process.env.QDQ_SKIP_APT === '1',
    });
  } catch (err) {
    console.error(`[setup] FAILED: ${err.message}`);
    process.exit(1);
  }
}
