import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { VIEW_TYPE, closeAllEditors, expectedNodeCount, requireModel, waitForOurEditor, waitForReport } from './support';

suite('Show Model Info', () => {
  setup(closeAllEditors);
  suiteTeardown(closeAllEditors);

  test('opens the summary as read-only JSON beside the model: not an untitled document, so closing it asks nothing', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    assert.equal((await waitForReport(uri)).status, 'ready');
    await vscode.commands.executeCommand('qdqStudio.showModelInfo');
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc, 'a text editor shows the summary');
    assert.equal(doc.uri.scheme, 'qdq-info');
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.isDirty, false, 'nothing to save');
    assert.equal(doc.languageId, 'json');
    assert.match(doc.uri.path, /tiny-qat-good\.onnx\.info\.json$/);
    const summary = JSON.parse(doc.getText()) as { nodeCount: number };
    assert.equal(summary.nodeCount, await expectedNodeCount(uri));
    // The same command for a file that is not open (the Explorer's argument) gives its own document.
    const other = await requireModel('models/tiny-fp32.onnx');
    await vscode.commands.executeCommand('qdqStudio.showModelInfo', other);
    const second = vscode.window.activeTextEditor!.document;
    assert.match(second.uri.path, /tiny-fp32\.onnx\.info\.json$/);
    assert.equal((JSON.parse(second.getText()) as { nodeCount: number }).nodeCount, await expectedNodeCount(other));
    assert.equal(second.isDirty, false);
  });
});
