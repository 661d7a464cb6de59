// How Node code is bundled for running: dist/extension.js, dist/cli.js and dist/numericWorker.js
// (scripts/build.mjs), and the bench drivers (scripts/bench.mjs), so that the bench times the same
// kind of code the product runs.
/** @type {import('esbuild').BuildOptions} */
export const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
};
