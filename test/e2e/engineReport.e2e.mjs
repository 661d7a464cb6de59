// End-to-end cases of the engine report (webview/engine/): what a person clicks in it. Builds are
// written into the workspace from the recorded trtexec files (test/fixtures/trtexec); run by
// test/e2e/run.mjs after the editor cases, with the same { page, workspace, shot, note }.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../vscode-host/host.mjs';
import { closeAllEditors, closeQuickInput, openCommandPalette, waitForWorkbench, webviewContent } from './workbench.mjs';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'trtexec');

/** Answers VS Code's file dialog (in the browser, a quick input taking a path) with `file`. */
async function answerFileDialog(page, file) {
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: path.basename(file) }).first();
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  // The dialog puts its starting folder in the box once it has listed it, which overwrites a path
  // typed before: type until the box holds the path and the dialog lists the file.
  for (const deadline = Date.now() + 15_000; ; ) {
    await input.fill(file);
    const listed = await row.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false);
    if (listed && (await input.inputValue()) === file) break;
    if (Date.now() > deadline) throw new Error(`the file dialog does not take ${file}: it holds "${await input.inputValue()}"`);
  }
  await input.press('Enter');
  const closed = await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false);
  if (!closed) throw new Error(`the file dialog stayed open with "${await input.inputValue()}"`);
}

/** Runs `label` from the command palette, waiting for the extension's contributions to be listed (right after the workbench appears they may not be yet). */
async function runWhenListed(page, label) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  for (const deadline = Date.now() + 30_000; ; ) {
    await openCommandPalette(page, label);
    if (await row.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) break;
    await closeQuickInput(page);
    if (Date.now() > deadline) throw new Error(`"${label}" is not in the command palette`);
  }
  await row.click();
}

/** Opens the report of `layerInfo` as a person does (Open Engine Report… and its file dialog); returns the webview's document. */
async function openReport(page, layerInfo) {
  await runWhenListed(page, 'QDQ Studio: Open Engine Report');
  await answerFileDialog(page, layerInfo);
  const frame = webviewContent(page);
  await frame.locator('#app[data-status="ready"] h1').waitFor({ state: 'attached', timeout: 30_000 });
  return frame;
}

export const cases = [
  {
    name: 'engine report: a build picked with Browse… is what the Compare dropdown shows, and choosing "(no comparison)" there clears it, also when the report is opened again',
    async run({ page, workspace, shot }) {
      await waitForWorkbench(page);
      await closeAllEditors(page);
      // A model's build folder with two builds (the fp16 one a candidate), and a layer info elsewhere.
      const dir = path.join(workspace, 'models', 'e2e-report.trtexec');
      const elsewhere = path.join(workspace, 'e2e-elsewhere');
      fs.mkdirSync(dir, { recursive: true });
      fs.mkdirSync(elsewhere, { recursive: true });
      const qdq = path.join(dir, 'qdq.layer.json');
      fs.copyFileSync(path.join(FIXTURES, 'trt8-detailed.layerinfo.json'), qdq);
      fs.copyFileSync(path.join(FIXTURES, 'trt8-detailed.profile.json'), path.join(dir, 'qdq.profile.json'));
      fs.copyFileSync(path.join(FIXTURES, 'trt10-detailed.layerinfo.json'), path.join(dir, 'fp16.layer.json'));
      const browsed = path.join(elsewhere, 'base.layer.json');
      fs.copyFileSync(path.join(FIXTURES, 'trt10-detailed.layerinfo.json'), browsed);
      try {
        let frame = await openReport(page, qdq);
        const select = frame.locator('#compare');
        await select.waitFor({ state: 'attached', timeout: 10_000 });
        assert.equal(await frame.locator('table.comparison').count(), 0, 'nothing compared at first');

        // Compare with… → Browse… → the layer info elsewhere.
        await frame.locator('#compare-pick').click();
        const browse = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'Browse…' });
        await browse.waitFor({ state: 'visible', timeout: 10_000 });
        await browse.click();
        await answerFileDialog(page, browsed);
        await frame.locator('table.comparison').waitFor({ state: 'attached', timeout: 30_000 });
        // The dropdown names the browsed build (it showed "(no comparison)" beside the comparison table).
        assert.equal(await select.evaluate((el) => el.value), browsed);
        await shot('engine-report-browsed');

        // The dropdown's "(no comparison)" clears it, chosen with the keyboard (before, it was the
        // option already selected, so Enter on it changed nothing; a click did clear it).
        await select.focus();
        await select.press('Enter');
        const none = select.locator('li.option').filter({ hasText: '(no comparison)' });
        await none.waitFor({ state: 'visible', timeout: 10_000 });
        // From the selected option (the browsed build, last) up to the first.
        for (let i = 0; i < 3; i++) await select.press('ArrowUp');
        await select.press('Enter');
        await frame.locator('table.comparison').waitFor({ state: 'detached', timeout: 15_000 });
        assert.equal(await select.evaluate((el) => el.value), '');

        // Opened again, the report remembers that there is no comparison (the workspace state was updated).
        await closeAllEditors(page);
        frame = await openReport(page, qdq);
        await frame.locator('#compare').waitFor({ state: 'attached', timeout: 10_000 });
        assert.equal(await frame.locator('table.comparison').count(), 0, 'no comparison after opening again');
        assert.equal(await frame.locator('#compare').evaluate((el) => el.value), '');
        await shot('engine-report-cleared');
      } finally {
        await closeAllEditors(page).catch(() => {});
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'Quantize YOLOv9 from the command palette asks for the .pt weights (it said "right-click one in the Explorer"), then goes on to check its tools',
    async run({ page, workspace, shot }) {
      await waitForWorkbench(page);
      await closeAllEditors(page);
      const weights = path.join(workspace, 'e2e-weights', 'yolov9-e2e.pt');
      fs.mkdirSync(path.dirname(weights), { recursive: true });
      fs.writeFileSync(weights, 'not really torch weights');
      try {
        await runWhenListed(page, 'QDQ Studio: Quantize YOLOv9');
        await answerFileDialog(page, weights);
        // Past the picker: the tool check for this .pt (no yolov9-qat checkout in the e2e workspace).
        const toast = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: /yolov9-qat checkout|qat\.py|python/i });
        await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
        await shot('quantize-from-palette');
        assert.equal(await page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: /right-click one in the Explorer/ }).count(), 0);
      } finally {
        await closeAllEditors(page).catch(() => {});
        fs.rmSync(path.dirname(weights), { recursive: true, force: true });
      }
    },
  },
];
