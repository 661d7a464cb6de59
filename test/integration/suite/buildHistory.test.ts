/**
 * Build history through the task system (stand-in trtexec, test/support/standins/trtexec): what is
 * said about a kept build goes when the history deletes it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAllEditors, poll, requireModel } from './support';

function standin(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return path.join(ext.extensionUri.fsPath, 'test', 'support', 'standins', name);
}

const settings = () => vscode.workspace.getConfiguration('qdqStudio');

suite('Build history', function () {
  this.timeout(120_000);
  let root: string;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-history-'));
    // The stand-in trtexec, with an [E] line first: a build that passed with errors in its log.
    const trtexec = path.join(root, 'trtexec-with-error');
    fs.writeFileSync(
      trtexec,
      [
        '#!/usr/bin/env node',
        "if (!process.argv.includes('--help')) process.stdout.write('[12/06/2026-17:20:00] [E] Error[2]: [weightConvertors.cpp::quantizeBiasCommon::337] Error Code 2: Internal Error (fake)\\n');",
        `require(${JSON.stringify(standin('trtexec'))});`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    await settings().update('trtexec.path', trtexec, vscode.ConfigurationTarget.Global);
    await settings().update('trtexec.openReport', false, vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await settings().update('trtexec.path', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('trtexec.openReport', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the Problems entries of a kept build\'s log go when the history deletes that build', async () => {
    const model = await requireModel('models/tiny-qat-defects.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-defects.trtexec');
    const history = path.join(outDir, 'history');
    fs.rmSync(outDir, { recursive: true, force: true });
    try {
      // Two builds: the first is kept in history/.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const first = fs.readdirSync(history).find((n) => n.endsWith('.layer.json'));
      assert.ok(first, 'the first build is kept');
      const firstLog = vscode.Uri.file(path.join(history, first.replace(/\.layer\.json$/, '.log')));
      // Its report, opened from the Explorer, puts its log's [E] and [W] lines in Problems.
      await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(path.join(history, first)));
      const said = await poll('the kept build\'s log lines in Problems', 30_000, async () => {
        const d = vscode.languages.getDiagnostics(firstLog);
        return d.some((x) => x.severity === vscode.DiagnosticSeverity.Error) ? d : undefined;
      });
      assert.equal(said.length, 4, said.map((d) => d.message).join(' | '));
      // Three more builds: the history keeps the last 3, so the first goes.
      for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      assert.ok(!fs.existsSync(firstLog.fsPath), 'the first build was deleted');
      assert.equal(fs.readdirSync(history).filter((n) => n.endsWith('.layer.json')).length, 3);
      // Its log is gone, and so are its Problems entries (they stayed, at a file that is no more).
      await poll('the deleted log\'s Problems entries to go', 10_000, async () => (vscode.languages.getDiagnostics(firstLog).length === 0 ? true : undefined)).catch((e: Error) => {
        throw new Error(`${e.message}: ${vscode.languages.getDiagnostics(firstLog).map((d) => d.message).join(' | ')}`);
      });
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
