// A real VS Code with the packaged extension, as a user gets it: the .vsix installed into a fresh
// code-server (test/vscode-host, offline) and Chromium driven with playwright-core. Shared by the
// end-to-end tests (test/e2e/run.mjs) and the "open → graph ready in VS Code" bench section
// (scripts/bench/openReady.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXTENSION_ID, installVsix, launchChromium, listExtensions, startCodeServer, workbenchUrl } from '../vscode-host/host.mjs';
import { waitForWorkbench } from './workbench.mjs';

/**
 * Installs `vsix` into `<tmp>/extensions` (state in `<tmp>/code-server`).
 * @returns {{ extensionsDir: string, stateDir: string, listed: string }} the installed `id@version`
 */
export function installPackaged(vsix, tmp) {
  const stateDir = path.join(tmp, 'code-server');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  installVsix(vsix, { extensionsDir, stateDir });
  const all = listExtensions({ extensionsDir, stateDir });
  const listed = all.find((l) => l.toLowerCase().startsWith(`${EXTENSION_ID}@`));
  if (!listed) throw new Error(`${EXTENSION_ID} not listed after install: ${all.join(', ') || '(nothing)'}`);
  return { extensionsDir, stateDir, listed };
}

/**
 * Starts code-server on `workspace` with the extensions of `installPackaged` and a Chromium.
 * `openWindow()` opens a new browser context (a new workbench window, hence a new extension host)
 * and waits for the workbench and its explorer.
 *
 * @returns {Promise<{ server, browser, openWindow(opts?): Promise<{ context, page }>, stop(): Promise<void> }>}
 */
export async function startWorkbench({ workspace, stateDir, extensionsDir, headless = true }) {
  const server = await startCodeServer({ workspace, stateDir, extensionsDir });
  let browser;
  try {
    browser = await launchChromium({ headless });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    browser,
    async openWindow({ viewport = { width: 1440, height: 900 }, onPage } = {}) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      if (onPage) onPage(page);
      await page.goto(workbenchUrl(server.origin, workspace), { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await waitForWorkbench(page);
      return { context, page };
    },
    async stop() {
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
}
