// Page helpers for driving the VS Code web workbench (code-server) with playwright-core:
// the explorer, the command palette, editor tabs, and QDQ Studio's webview, which lives two
// iframes deep (the workbench's `iframe.webview` host, then its `iframe#active-frame`).
import { createRequire } from 'node:module';
import * as fs from 'node:fs';

const require = createRequire(import.meta.url);

export async function waitForWorkbench(page, timeout = 60_000) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  // The explorer is populated once the remote file system answers.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
}

/** A row of the explorer tree by its exact label. */
export function explorerRow(page, name) {
  return page.locator('.explorer-folders-view').getByRole('treeitem', { name, exact: true });
}

/** Expands each folder of `folders` (top-down) in the explorer, if not already expanded. */
export async function expandFolders(page, folders) {
  for (const name of folders) {
    const row = explorerRow(page, name);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') {
      await row.click();
      // Ask the locator again each time, not an element handle taken after the click: the tree
      // re-renders its rows when the file watcher reports new folders (a test that has just
      // written them), and a handle to the replaced row never turns expanded (seen: a 10 s timeout
      // while the screenshot showed the folder open).
      const deadline = Date.now() + 10_000;
      while ((await row.getAttribute('aria-expanded', { timeout: 10_000 })) !== 'true') {
        if (Date.now() > deadline) throw new Error(`the explorer folder ${name} did not expand within 10 s`);
        await page.waitForTimeout(100);
      }
    }
  }
}

/** Clicks `relPath` (e.g. "models/tiny-qat-good.onnx") in the explorer, expanding its folders. */
export async function openFromExplorer(page, relPath) {
  const parts = relPath.split('/');
  const file = parts.pop();
  await expandFolders(page, parts);
  const row = explorerRow(page, file);
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await activeTab(page, file).waitFor({ state: 'visible', timeout: 15_000 });
}

export function activeTab(page, label) {
  return page.locator('.tabs-container .tab.active').filter({ hasText: label });
}

/** Runs a command through the command palette (F1), by the label the palette shows. */
export async function runCommand(page, label) {
  await openCommandPalette(page, label);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  // Click the matching row: Enter runs the first row, which can be a recently used other command.
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Opens the command palette with `text` typed; returns its input. */
export async function openCommandPalette(page, text) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${text}`);
  return input;
}

/** Labels of the rows the open quick input currently lists. */
export async function quickInputLabels(page) {
  await page.waitForTimeout(400); // the list filters asynchronously
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((rows) =>
    rows.map((r) => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim()),
  );
}

export async function closeQuickInput(page) {
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
}

export async function closeAllEditors(page) {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
}

/** The document inside QDQ Studio's webview of the visible editor. */
export function webviewContent(page) {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
}

/**
 * Waits for the webview's `#app` to leave `loading`; returns { status, nodeCountText, errorText }.
 */
export async function waitForWebview(page, timeout = 30_000) {
  const frame = webviewContent(page);
  const app = frame.locator('#app:is([data-status="ready"], [data-status="error"])');
  await app.waitFor({ state: 'attached', timeout });
  const status = await app.getAttribute('data-status');
  const text = async (sel) => {
    const loc = frame.locator(sel).first();
    return (await loc.count()) ? (await loc.innerText()).trim() : undefined;
  };
  return {
    frame,
    status,
    nodeCountText: await text('[data-testid="node-count"]'),
    errorText: await text('[data-testid="error"]'),
  };
}

/** "2,530 nodes" -> 2530. */
export function parseCount(text) {
  const m = String(text ?? '').replace(/[\s,.\u00a0\u202f']/g, '').match(/\d+/);
  return m ? Number(m[0]) : NaN;
}

/** The model's node count and op types, decoded independently of the extension (onnx-proto). */
export function decodeModel(file) {
  const { onnx } = require('onnx-proto');
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  const nodes = model.graph?.node ?? [];
  const histogram = new Map();
  for (const n of nodes) histogram.set(n.opType, (histogram.get(n.opType) ?? 0) + 1);
  return { nodeCount: nodes.length, histogram };
}
