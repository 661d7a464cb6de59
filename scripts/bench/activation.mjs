// Activation time of the packaged extension in a real VS Code (code-server + Chromium), using the
// shared plumbing in test/vscode-host/host.mjs.
//
// The .vsix is unpacked into a temp folder and loaded as the extension under development (so the
// production bundle is what runs), a workspace with one model is opened, and
// scripts/bench/activationEntry.ts (the extensionTestsPath) opens the model with the QDQ Studio
// editor and records `qdqStudio.internal.activationStats().activationMs` (module evaluation to the
// end of activate()). Each run is a fresh browser window, hence a fresh extension host.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT, killTree, launchChromium, makeTempDir, remoteUri, sharedFixturesDir, startCodeServer, workbenchUrl,
} from '../../test/vscode-host/host.mjs';
import { setupTestEnv } from '../setup-test-env.mjs';

const ENTRY_SRC = path.join(REPO_ROOT, 'scripts', 'bench', 'activationEntry.ts');

async function bundleEntry(outDir) {
  const esbuild = await import('esbuild');
  const outfile = path.join(outDir, 'activationEntry.js');
  await esbuild.build({
    entryPoints: [ENTRY_SRC], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode'], logLevel: 'warning',
  });
  return outfile;
}

function unpackVsix(vsix, dest) {
  fs.mkdirSync(dest, { recursive: true });
  const res = spawnSync('unzip', ['-q', '-o', vsix, '-d', dest], { encoding: 'utf8' });
  if (res.error || res.status !== 0) throw new Error(`unzip ${vsix}: ${res.error?.message ?? res.stderr}`);
  const ext = path.join(dest, 'extension');
  if (!fs.existsSync(path.join(ext, 'package.json'))) throw new Error(`${vsix} has no extension/package.json`);
  return ext;
}

function pickModel() {
  const shared = sharedFixturesDir();
  if (shared && fs.existsSync(path.join(shared, 'yolov9t-qat.onnx'))) return path.join(shared, 'yolov9t-qat.onnx');
  const local = path.join(REPO_ROOT, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');
  return fs.existsSync(local) ? local : undefined;
}

/**
 * @returns {Promise<{ runs: object[], activationMs: number[], model: string, vscode?: string }>}
 */
export async function measureActivation({ vsixPath, runs = 3, log = console.log, timeoutMs = 120_000 }) {
  setupTestEnv({ skipApt: true });
  const tmp = makeTempDir('qdq-bench-activation');
  const extensionPath = unpackVsix(vsixPath, path.join(tmp, 'vsix'));
  const entry = await bundleEntry(path.join(tmp, 'entry'));
  const modelSrc = pickModel();
  if (!modelSrc) throw new Error('no model to open (neither the shared corpus nor test/fixtures/onnx)');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.copyFileSync(modelSrc, path.join(workspace, 'model.onnx'));
  const outFile = path.join(tmp, 'activation.jsonl');
  fs.writeFileSync(outFile, '');

  const server = await startCodeServer({
    workspace, stateDir: path.join(tmp, 'code-server'), env: { QDQ_BENCH_OUT: outFile, QDQ_BENCH_MODEL: 'model.onnx' },
  });
  let browser;
  try {
    browser = await launchChromium();
    const payload = [
      ['extensionDevelopmentPath', remoteUri(server.port, extensionPath)],
      ['extensionTestsPath', remoteUri(server.port, entry)],
      ['skipWelcome', 'true'],
    ];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const done = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const t0 = Date.now();
      await page.goto(workbenchUrl(server.origin, workspace, payload), { waitUntil: 'domcontentloaded', timeout: 60_000 });
      const outcome = await Promise.race([done, timeout]);
      clearTimeout(timer);
      log(`activation run ${i + 1}/${runs}: window done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${outcome})`);
      await context.close().catch(() => {});
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
    await killTree(undefined);
  }
  const lines = fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const errors = lines.filter((l) => l.error).map((l) => l.error);
  const activationMs = lines.map((l) => l.stats?.activationMs).filter((v) => typeof v === 'number');
  return { runs: lines, activationMs, errors, model: path.basename(modelSrc), vscode: lines[0]?.vscode };
}
