/**
 * Odd user files in a real VS Code: a named pipe where a plan, a sensitivity result or an engine's
 * layer info should be is refused at once, naming it (a read of a pipe waits for a writer, so
 * before, the command never returned and the view stayed as it was). Each command is raced
 * against a deadline so that a regression fails here instead of hanging the suite.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, VIEW_TYPE, closeAllEditors, requireModel, waitForOurEditor, waitForReport, workspaceFile } from './support';

const CONV = '/model.2/cv1/conv/Conv';

function within<T>(what: string, ms: number, p: Thenable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms (waiting on the pipe?)`)), ms);
    Promise.resolve(p).then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

interface EditOutcome {
  applied: boolean;
  message: string;
}

suite('Odd user files: named pipes are refused at once', function () {
  this.timeout(90_000);
  const dir = 'pipes-it';
  const fifo = (name: string): vscode.Uri => {
    const uri = workspaceFile(`${dir}/${name}`);
    execFileSync('mkfifo', [uri.fsPath]);
    return uri;
  };

  suiteSetup(async function () {
    if (process.platform === 'win32') this.skip();
    await closeAllEditors();
    await vscode.workspace.fs.createDirectory(workspaceFile(dir));
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
    await closeAllEditors();
    await vscode.workspace.fs.delete(workspaceFile(dir), { recursive: true }).then(undefined, () => undefined);
  });

  test('a plan: applyPlan refuses a pipe and still applies a real plan', async () => {
    const model = workspaceFile(`${dir}/plan-model.onnx`);
    await vscode.workspace.fs.copy(await requireModel('models/tiny-qat-good.onnx'), model, { overwrite: true });
    await vscode.commands.executeCommand('vscode.openWith', model, VIEW_TYPE);
    await waitForOurEditor(model);
    assert.equal((await waitForReport(model)).status, 'ready');

    const pipe = fifo('plan.json');
    const refused = await within('applyPlan on a pipe', 15_000, vscode.commands.executeCommand<EditOutcome>('qdqStudio.applyPlan', { uri: model.toString(), plan: pipe.fsPath }));
    assert.equal(refused.applied, false);
    assert.equal(refused.message, `${pipe.fsPath}: cannot read plan: not a regular file`);

    const plan = workspaceFile(`${dir}/plan-ok.json`);
    await vscode.workspace.fs.writeFile(plan, new TextEncoder().encode(JSON.stringify({ format: 'qdq-plan', version: 1, keepHigherPrecision: [{ target: CONV }] })));
    const applied = await within('applyPlan', 15_000, vscode.commands.executeCommand<EditOutcome>('qdqStudio.applyPlan', { uri: model.toString(), plan: plan.fsPath }));
    assert.equal(applied.applied, true, applied.message);
  });

  test('a sensitivity result: the pipe is an error naming it, the view keeps working', async () => {
    const pipe = fifo('pipe.qdq-sensitivity.json');
    const kind = await within('openSensitivityResults on a pipe', 15_000, vscode.commands.executeCommand<string>('qdqStudio.openSensitivityResults', pipe));
    assert.equal(kind, 'error');
    const s = await within('the sensitivity state', 15_000, vscode.commands.executeCommand<{ message?: string }>('qdqStudio.internal.sensitivity'));
    assert.match(s.message ?? '', /pipe\.qdq-sensitivity\.json: not a regular file$/);
  });

  test('an engine report: a pipe as the layer info is an error naming it; a pipe beside it is not taken for its profile', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const fixture = (name: string) => vscode.Uri.file(path.join(ext.extensionPath, 'test', 'fixtures', 'trtexec', name));
    const state = () => vscode.commands.executeCommand<{ rendered?: { status: string; error?: string; layerRows: number } } | undefined>('qdqStudio.internal.engineReportState');

    // A real report first, so that the panel exists and can be asked what it shows.
    await within('a real engine report', 30_000, vscode.commands.executeCommand('qdqStudio.openEngineReport', fixture('trt8-detailed.layerinfo.json')));
    assert.ok(((await state())?.rendered?.layerRows ?? 0) > 0);

    const pipe = fifo('engine.layerinfo.json');
    await within('openEngineReport on a pipe', 15_000, vscode.commands.executeCommand('qdqStudio.openEngineReport', pipe));
    assert.equal((await state())?.rendered?.error, `cannot read ${pipe.fsPath}: not a regular file`);

    // A real layer info whose sibling profile is a pipe: the pipe is not taken for its profile.
    const layerInfo = workspaceFile(`${dir}/b.layerinfo.json`);
    await vscode.workspace.fs.copy(fixture('trt8-detailed.layerinfo.json'), layerInfo, { overwrite: true });
    fifo('b.profile.json');
    await within('openEngineReport beside a pipe', 15_000, vscode.commands.executeCommand('qdqStudio.openEngineReport', layerInfo));
    const shown = await state();
    assert.equal(shown?.rendered?.error, undefined);
    assert.ok((shown?.rendered?.layerRows ?? 0) > 0);
    assert.equal((shown as { profile?: string } | undefined)?.profile, undefined);
  });
});
