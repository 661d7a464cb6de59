import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  VIEW_TYPE,
  closeAllEditors,
  exists,
  expectedNodeCount,
  note,
  requireModel,
  waitForOurEditor,
  waitForReport,
  workspaceFile,
} from './support';

/** Opens `uri` the given way and checks it lands in QDQ Studio with the model's real node count. */
async function openAndExpectReady(uri: vscode.Uri, how: 'openWith' | 'open', timeoutMs = 30_000): Promise<number> {
  const expected = await expectedNodeCount(uri);
  const t0 = Date.now();
  if (how === 'openWith') await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  else await vscode.commands.executeCommand('vscode.open', uri);
  const input = await waitForOurEditor(uri);
  assert.equal(input.viewType, VIEW_TYPE);
  const report = await waitForReport(uri, timeoutMs);
  assert.equal(report.status, 'ready', `webview status for ${uri.path}: ${JSON.stringify(report)}`);
  assert.equal(report.nodeCount, expected, `webview shows ${report.nodeCount} nodes, the file has ${expected}`);
  return Date.now() - t0;
}

async function openAndExpectError(uri: vscode.Uri, fileName: string): Promise<string> {
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  await waitForOurEditor(uri);
  const report = await waitForReport(uri);
  assert.equal(report.status, 'error', `expected an error for ${fileName}, webview reported ${JSON.stringify(report)}`);
  assert.ok(report.error && report.error.includes(fileName), `error message should name ${fileName}: ${JSON.stringify(report.error)}`);
  return report.error;
}

suite('Custom editor', () => {
  setup(closeAllEditors);
  suiteTeardown(closeAllEditors);

  test('vscode.openWith opens tiny-qat-good.onnx in QDQ Studio with the real node count', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    await openAndExpectReady(uri, 'openWith');
  });

  test('vscode.open picks QDQ Studio as the default editor for *.onnx (tiny-fp32.onnx)', async () => {
    const uri = await requireModel('models/tiny-fp32.onnx');
    await openAndExpectReady(uri, 'open');
  });

  test('vscode.open on tiny-qat-good.onnx is QDQ Studio too', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    await openAndExpectReady(uri, 'open');
  });

  test('a truncated model shows an error naming the file, and the extension keeps working', async () => {
    const broken = await requireModel('models/broken-truncated.onnx');
    const message = await openAndExpectError(broken, 'broken-truncated.onnx');
    note(`broken-truncated.onnx: "${message}"`);
    // The extension host survived: the hooks answer and a good model still opens.
    const stats = await vscode.commands.executeCommand<{ activationMs: number }>('qdqStudio.internal.activationStats');
    assert.equal(typeof stats?.activationMs, 'number');
    await openAndExpectReady(await requireModel('models/tiny-qat-good.onnx'), 'openWith');
  });

  test('a file that is not ONNX shows an error naming the file', async () => {
    const uri = await requireModel('models/not-onnx.onnx');
    const message = await openAndExpectError(uri, 'not-onnx.onnx');
    note(`not-onnx.onnx: "${message}"`);
  });

  test('every well-formed model in models/ opens with its real node count', async () => {
    const dir = workspaceFile('models');
    const entries = await vscode.workspace.fs.readDirectory(dir);
    // Files named broken-* / not-* are the deliberately bad fixtures (checked above).
    const good = entries
      .filter(([name, type]) => type === vscode.FileType.File && name.endsWith('.onnx') && !/^(broken|not)-/.test(name))
      .map(([name]) => name)
      .sort();
    assert.ok(good.length >= 2, `expected the fixture models in models/, found: ${entries.map(([n]) => n).join(', ')}`);
    for (const name of good) {
      await closeAllEditors();
      await openAndExpectReady(vscode.Uri.joinPath(dir, name), 'open');
    }
    note(`opened ${good.length} models: ${good.join(', ')}`);
  });

  test('real model from the shared corpus: yolov9t-qat.onnx shows 2530 nodes', async function () {
    const uri = workspaceFile('shared/yolov9t-qat.onnx');
    if (!(await exists(uri))) {
      note('shared fixture yolov9t-qat.onnx not in the workspace (shared corpus absent) - skipped');
      this.skip();
    }
    this.timeout(120_000);
    assert.equal(await expectedNodeCount(uri), 2530, 'the corpus copy of yolov9t-qat.onnx should have 2530 nodes');
    const ms = await openAndExpectReady(uri, 'open', 90_000);
    note(`yolov9t-qat.onnx (2530 nodes) ready in ${ms} ms after vscode.open`);
  });
});
