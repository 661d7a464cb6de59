#!/usr/bin/env node
// `npm run package`: a clean production build of dist/ (no source maps, nothing left over from a dev
// build), then `vsce package` into dist-vsix/qdq-studio.vsix. Prints the path and size.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist-vsix', 'qdq-studio.vsix');

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`[package] ${path.basename(cmd)} ${args.join(' ')} failed (${res.error?.message ?? `exit ${res.status}`})`);
    process.exit(1);
  }
}

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production']);
fs.mkdirSync(path.dirname(out), { recursive: true }); // vsce does not create --out's folder
fs.rmSync(out, { force: true });
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out]);
console.log(`[package] ${path.relative(root, out)}: ${(fs.statSync(out).size / 1024).toFixed(1)} KB`);
