#!/usr/bin/env node
// The same integration suite under desktop VS Code, via @vscode/test-electron. It downloads a
// VS Code build, so it needs internet access (it cannot run on the offline CI machines; use
// run.mjs there). On a headless Linux box, run it under xvfb-run.
//
//   node test/integration/runner/electron.mjs            # VS Code "stable"
//   QDQ_VSCODE_VERSION=1.100.3 node test/integration/runner/electron.mjs
import * as path from 'node:path';
import { REPO_ROOT, makeTempDir, prepareWorkspace, runInherit } from '../../vscode-host/host.mjs';
import { SUITE_ENTRY, buildSuite } from './buildSuite.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function main() {
  if ((await runInherit(npm, ['run', 'build', '--silent'], { cwd: REPO_ROOT })) !== 0) return 1;
  await buildSuite();
  const tmp = makeTempDir('qdq-electron');
  const ws = prepareWorkspace(path.join(tmp, 'workspace'), { sharedModels: ['yolov9t-qat.onnx'] });
  if (ws.sharedNote) console.log(`[integration] NOTE ${ws.sharedNote}`);
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      version: process.env.QDQ_VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: SUITE_ENTRY,
      launchArgs: [
        ws.dir,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(tmp, 'user-data')}`,
      ],
      extensionTestsEnv: { QDQ_TEST_GREP: process.env.QDQ_TEST_GREP ?? '' },
    });
    return 0;
  } catch (err) {
    console.error(`[integration] ${err.message ?? err}`);
    return 1;
  }
}

process.exit(await main());
