import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, closeAllEditors, note, queryWebview } from './support';

suite('Activation', () => {
  test(`the extension is installed as ${EXTENSION_ID} and activates`, async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found; installed: ${vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id).join(', ')}`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.publisher, 'qdq-studio');
    assert.equal(ext.packageJSON.name, 'qdq-studio');
    const editors: Array<{ viewType: string }> = ext.packageJSON.contributes?.customEditors ?? [];
    assert.ok(editors.some((e) => e.viewType === VIEW_TYPE), `package.json contributes no custom editor ${VIEW_TYPE}`);
    note(`VS Code ${vscode.version}${vscode.env.remoteName ? ` (remote: ${vscode.env.remoteName})` : ''}, ${ext.id} ${ext.packageJSON.version}`);
  });

  test('the test hooks are registered and activationStats reports the activation time', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['qdqStudio.internal.queryWebview', 'qdqStudio.internal.activationStats']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
    const stats = await vscode.commands.executeCommand<{ activationMs: number }>('qdqStudio.internal.activationStats');
    assert.ok(stats && typeof stats.activationMs === 'number', `activationStats returned ${JSON.stringify(stats)}`);
    assert.ok(Number.isFinite(stats.activationMs) && stats.activationMs >= 0, `activationMs = ${stats.activationMs}`);
    assert.ok(stats.activationMs < 10_000, `activation took ${stats.activationMs} ms`);
    note(`activation took ${stats.activationMs.toFixed(1)} ms (module evaluation to end of activate)`);
  });

  test('the test hooks are hidden from the command palette', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const palette: Array<{ command: string; when?: string }> = ext.packageJSON.contributes?.menus?.commandPalette ?? [];
    for (const id of ['qdqStudio.internal.queryWebview', 'qdqStudio.internal.activationStats']) {
      assert.equal(palette.find((m) => m.command === id)?.when, 'false', `${id} should have "when": "false" in menus.commandPalette`);
    }
  });

  test('queryWebview has no answer when no QDQ Studio editor is active', async () => {
    await closeAllEditors();
    let answer: unknown;
    try {
      answer = await queryWebview();
    } catch {
      answer = undefined; // rejecting is allowed by the contract
    }
    assert.equal(answer, undefined, `queryWebview answered ${JSON.stringify(answer)} with no editor open`);
  });
});
