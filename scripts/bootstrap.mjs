// Dependency bootstrap for the two README commands (`npm start`, `npm test`) on a fresh clone.
// Uses only Node built-ins: it runs before node_modules exists. Installs with `npm ci` when
// node_modules is missing or package-lock.json changed since the last install (stamp file), and
// never prompts (CI=true friendly).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function ensureDependencies({ log = console.log } = {}) {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.qdq-install-stamp');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return false;
  if (installedMatchesLock(lock)) {
    writeFileSync(stamp, hash); // installed by hand (npm install / npm ci): nothing to do
    return false;
  }
  log('[bootstrap] installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...process.env, npm_config_yes: 'true' } });
  if (r.status !== 0) throw new Error(`npm ci failed with exit code ${r.status}`);
  writeFileSync(stamp, hash);
  return true;
}

/** True when node_modules/.package-lock.json (npm's record of what is installed) matches the lockfile. */
function installedMatchesLock(lockPath) {
  const hiddenPath = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hiddenPath)) return false;
  try {
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
    const hidden = JSON.parse(readFileSync(hiddenPath, 'utf8')).packages ?? {};
    for (const [key, entry] of Object.entries(lock)) {
      if (key === '') continue;
      const installed = hidden[key];
      if (!installed) {
        if (entry.optional) continue; // optional packages for other platforms are not installed
        return false;
      }
      if (installed.version !== entry.version) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureDependencies();
}
