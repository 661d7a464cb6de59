// Compiles test/integration/suite/*.ts to out/test/integration/suite/*.js with esbuild:
// one CommonJS bundle per file, `vscode` (provided by the extension host) and `mocha`
// (resolved from the repo's node_modules at run time) left external.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SUITE_SRC = path.join(REPO_ROOT, 'test', 'integration', 'suite');
export const SUITE_OUT = path.join(REPO_ROOT, 'out', 'test', 'integration', 'suite');
export const SUITE_ENTRY = path.join(SUITE_OUT, 'index.js');

export async function buildSuite() {
  const esbuild = await import('esbuild');
  const entries = fs
    .readdirSync(SUITE_SRC)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(SUITE_SRC, f));
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return { entry: SUITE_ENTRY, files: entries.map((e) => path.basename(e)) };
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const { files } = await buildSuite();
  console.log(`[integration] compiled ${files.length} files to ${path.relative(REPO_ROOT, SUITE_OUT)}/`);
}
