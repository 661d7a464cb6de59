#!/usr/bin/env node
// One esbuild script, one entry per runtime: the extension host (Node, `vscode` external),
// the `qdq` CLI (Node), and the webview (browser). Output goes to dist/, the only code the VSIX ships.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import { nodeBundle } from './nodeBundle.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
mkdirSync('dist', { recursive: true });

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [
  {
    ...common,
    ...nodeBundle,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
  {
    ...common,
    ...nodeBundle,
    entryPoints: { cli: 'src/cli/qdq.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The numeric check's worker thread (src/numeric/worker.ts); onnxruntime-node is loaded at run time, never bundled.
    ...common,
    ...nodeBundle,
    entryPoints: { numericWorker: 'src/numeric/worker.ts' },
    outdir: 'dist',
  },
  {
    ...common,
    entryPoints: { webview: 'webview/main.ts', engineView: 'webview/engine/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    tsconfig: 'webview/tsconfig.json',
    loader: { '.css': 'css' },
  },
];

if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('[build] watching…');
} else {
  const t0 = performance.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755); // the `qdq` bin runs directly (shebang banner)
  console.log(`[build] dist/ written in ${Math.round(performance.now() - t0)} ms${production ? ' (production)' : ''}`);
}
