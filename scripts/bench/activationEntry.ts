/**
 * Runs inside the extension host of a real VS Code (code-server) as the `extensionTestsPath` of a
 * bench window: opens a model with the QDQ Studio editor (which activates the extension), asks the
 * extension for its activation time (`qdqStudio.internal.activationStats`), and appends one JSON
 * line to $QDQ_BENCH_OUT. Bundled by scripts/bench/activation.mjs; `vscode` is external.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';

const EXTENSION_ID = 'qdq-studio.qdq-studio';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const out = process.env.QDQ_BENCH_OUT;
  const result: Record<string, unknown> = { vscode: vscode.version };
  try {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new Error('no workspace folder');
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
    result.activeBeforeOpen = ext.isActive;
    const model = vscode.Uri.joinPath(folder, process.env.QDQ_BENCH_MODEL ?? 'model.onnx');
    const t0 = Date.now();
    await vscode.commands.executeCommand('vscode.openWith', model, 'qdqStudio.onnxEditor');
    for (let i = 0; i < 400 && !ext.isActive; i++) await sleep(25);
    result.openToActiveMs = Date.now() - t0;
    result.stats = await vscode.commands.executeCommand('qdqStudio.internal.activationStats');
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  }
  if (out) fs.appendFileSync(out, `${JSON.stringify(result)}\n`);
}
