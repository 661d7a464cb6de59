/**
 * What a new user meets before and around a first model: the context keys that show or hide menus
 * and the views' welcome content, the analysis target in the status bar, and commands run from the
 * palette with nothing to work on, which say why instead of doing nothing.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, closeAllEditors, poll, requireModel, waitForOurEditor, workspaceFile } from './support';

interface UiState {
  contextKeys: Record<string, boolean>;
  statusBar: { visible: boolean; text: string; tooltip: string; command: string };
}
interface SensitivityHook {
  state: string;
  viewMessage?: string;
  notices: { kind: string; message: string }[];
}

const ui = () => vscode.commands.executeCommand<UiState>('qdqStudio.internal.uiState');
const sensitivity = () => vscode.commands.executeCommand<SensitivityHook>('qdqStudio.internal.sensitivity');

async function waitForUi(what: string, ok: (s: UiState) => boolean): Promise<UiState> {
  let last: UiState | undefined;
  try {
    return await poll(what, 20_000, async () => {
      last = await ui();
      return ok(last) ? last : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}`);
  }
}

suite('First run: context keys, the target in the status bar, commands with nothing to work on', function () {
  this.timeout(90_000);
  const dir = 'first-run';
  const analysis = () => vscode.workspace.getConfiguration('qdqStudio.analysis');

  suiteTeardown(async () => {
    await analysis().update('tensorrtVersion', undefined, vscode.ConfigurationTarget.Workspace);
    await closeAllEditors();
    await vscode.workspace.fs.delete(workspaceFile(dir), { recursive: true }).then(undefined, () => undefined);
  });

  test('qdqStudio.hasModel follows the open models; the status bar shows the target while a model editor is in front', async () => {
    await closeAllEditors();
    let s = await waitForUi('no model open', (x) => x.contextKeys['qdqStudio.hasModel'] === false);
    assert.equal(s.statusBar.visible, false, 'no model editor: no target in the status bar');

    const model = await requireModel('models/tiny-qat-good.onnx');
    await vscode.commands.executeCommand('vscode.openWith', model, VIEW_TYPE);
    await waitForOurEditor(model);
    s = await waitForUi('the model to count and the item to show', (x) => x.contextKeys['qdqStudio.hasModel'] === true && x.statusBar.visible);
    assert.equal(s.statusBar.command, 'qdqStudio.selectAnalysisTarget');
    const trt = analysis().get<string>('tensorrtVersion', '10');
    const precision = analysis().get<string>('precision', 'int8').toUpperCase();
    assert.equal(s.statusBar.text, `$(chip) TRT ${trt} · ${precision}`);

    // The setting "Select TensorRT Target" writes: the item follows it.
    await analysis().update('tensorrtVersion', '8', vscode.ConfigurationTarget.Workspace);
    s = await waitForUi('the item to show TRT 8', (x) => x.statusBar.text.includes('TRT 8 '));
    assert.equal(s.statusBar.text, `$(chip) TRT 8 · ${precision}`);
    assert.match(s.statusBar.tooltip, /TensorRT 8\.x/);
    await analysis().update('tensorrtVersion', undefined, vscode.ConfigurationTarget.Workspace);
    await waitForUi('the item to show the default target again', (x) => x.statusBar.text === `$(chip) TRT ${trt} · ${precision}`);

    // Another kind of editor in front: the item goes, the model is still open.
    const text = await vscode.workspace.openTextDocument({ content: 'not a model' });
    await vscode.window.showTextDocument(text);
    s = await waitForUi('the item to hide behind a text editor', (x) => !x.statusBar.visible);
    assert.equal(s.contextKeys['qdqStudio.hasModel'], true);

    await closeAllEditors();
    s = await waitForUi('hasModel to clear once the model closes', (x) => x.contextKeys['qdqStudio.hasModel'] === false);
    assert.equal(s.statusBar.visible, false);
  });

  test('with no sensitivity result the view leaves room for its welcome, ranking commands say why, and hasSensitivity follows a result', async () => {
    const before = await sensitivity();
    assert.equal(before.state, 'empty', 'precondition: no sensitivity result in the workspace yet (suites run in file order)');
    assert.equal(before.viewMessage, undefined, 'a message would hide the welcome content');
    assert.equal((await ui()).contextKeys['qdqStudio.hasSensitivity'], false);

    // Each resolves without waiting for an answer (no input box or pick left open) and says why.
    const said = async (command: string, title: string) => {
      await vscode.commands.executeCommand(command);
      const last = (await sensitivity()).notices.at(-1);
      assert.match(last?.message ?? '', new RegExp(`^${title}: no sensitivity result is open\\. .*qat\\.py sensitive`), `${command}: ${JSON.stringify(last)}`);
    };
    await said('qdqStudio.sensitivity.selectMetric', 'Rank Sensitivity by Metric');
    await said('qdqStudio.sensitivity.filterTopK', 'Show Top k Sensitive Layers');
    await said('qdqStudio.sensitivity.showAll', 'Show All Sensitive Layers');

    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(ext.extensionPath, 'test', 'fixtures', 'sensitivity', 'summary-sensitive-analysis.json')));
    const result = workspaceFile(`${dir}/summary-sensitive-analysis.json`);
    await vscode.workspace.fs.writeFile(result, bytes); // found by the FileSystemWatcher
    await poll('the result to be read', 20_000, async () => ((await sensitivity()).state !== 'empty' ? true : undefined));
    await waitForUi('hasSensitivity to be set', (x) => x.contextKeys['qdqStudio.hasSensitivity'] === true);

    await vscode.workspace.fs.delete(result); // the file itself: the watcher does not report files inside a deleted folder
    await poll('the result to be forgotten', 20_000, async () => ((await sensitivity()).state === 'empty' ? true : undefined));
    await waitForUi('hasSensitivity to clear', (x) => x.contextKeys['qdqStudio.hasSensitivity'] === false);
  });
});
