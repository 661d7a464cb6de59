/**
 * VS Code side of the numeric check:
 *
 * - `qdqStudio.numericCheck` ("QDQ Studio: Numeric Check (ONNX Runtime)"): asks for the reference
 *   (derived from the model, or an FP32 file) and the samples (seeded random, or a folder), runs the
 *   job in a worker thread (`dist/numericWorker.js`) under `withProgress`; Cancel terminates the
 *   worker. The result is saved atomically beside the model as `<name>.numeric.qdq-sensitivity.json`
 *   (our sensitivity format, so the sensitivity views read it) and the command returns
 *   `{result, saved}` (tests call it with a `NumericCommandArgs` object and no UI).
 * - `qdqStudio.installOnnxRuntime`: `npm install onnxruntime-node` (CPU, install script skipped)
 *   into the extension's global storage, with progress.
 *
 * ONNX Runtime is looked for in: the machine-scoped setting `qdqStudio.numeric.onnxRuntimePath`,
 * the global storage install, then the extension's own node_modules (development and tests).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { NumericResult } from '../core/numeric/index';
import type { Logger } from '../util/logger';
import type { FromWorker, NumericJob, ToWorker } from './protocol';

export const NUMERIC_COMMAND = 'qdqStudio.numericCheck';
export const INSTALL_ORT_COMMAND = 'qdqStudio.installOnnxRuntime';

/** Arguments for running without UI (tests, other commands). */
export interface NumericCommandArgs {
  readonly model: string;
  readonly reference?: string;
  readonly inputsDir?: string;
  readonly random?: number;
  /** Where to save; default beside the model. `null`: do not save. */
  readonly out?: string | null;
  /** Test hook: called with the worker once started. */
  readonly onWorker?: (w: Worker) => void;
}

export interface NumericCommandResult {
  readonly result?: NumericResult;
  readonly saved?: string;
  readonly cancelled?: boolean;
  readonly error?: string;
}

function ortFolders(context: vscode.ExtensionContext): string[] {
  const setting = vscode.workspace.getConfiguration('qdqStudio.numeric').get<string>('onnxRuntimePath')?.trim();
  return [...(setting ? [setting] : []), path.join(context.globalStorageUri.fsPath, 'onnxruntime')];
}

function activeOnnx(uri?: vscode.Uri): vscode.Uri | undefined {
  if (uri?.path.toLowerCase().endsWith('.onnx')) return uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom && input.uri.path.toLowerCase().endsWith('.onnx')) return input.uri;
  return undefined;
}

async function askArgs(uri?: vscode.Uri): Promise<NumericCommandArgs | undefined> {
  let model = activeOnnx(uri);
  if (!model) {
    model = (await vscode.window.showOpenDialog({ openLabel: 'Check this Q/DQ model', filters: { 'ONNX models': ['onnx'] } }))?.[0];
    if (!model) return undefined;
  }
  const ref = await vscode.window.showQuickPick(
    [
      { label: 'Derive the FP32 reference', description: 'the same model with every Q/DQ pair removed', id: 'derive' },
      { label: 'Choose the FP32 model…', description: 'its float twin (same node names)', id: 'file' },
    ],
    { title: 'Numeric check: reference' },
  );
  if (!ref) return undefined;
  let reference: string | undefined;
  if (ref.id === 'file') {
    reference = (await vscode.window.showOpenDialog({ openLabel: 'FP32 reference', filters: { 'ONNX models': ['onnx'] } }))?.[0]?.fsPath;
    if (!reference) return undefined;
  }
  const inp = await vscode.window.showQuickPick(
    [
      { label: '4 random inputs', description: 'seeded, uniform [0, 1)', id: 'random' },
      { label: 'A folder of samples…', description: '.npy, .jpg, .png (letterboxed)', id: 'dir' },
    ],
    { title: 'Numeric check: sample inputs' },
  );
  if (!inp) return undefined;
  let inputsDir: string | undefined;
  if (inp.id === 'dir') {
    inputsDir = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use these samples' }))?.[0]?.fsPath;
    if (!inputsDir) return undefined;
  }
  return { model: model.fsPath, reference, inputsDir, random: 4 };
}

export function defaultResultPath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.numeric.qdq-sensitivity.json`);
}

async function runNumericCommand(context: vscode.ExtensionContext, log: Logger, arg?: vscode.Uri | NumericCommandArgs): Promise<NumericCommandResult> {
  const args = arg && !(arg instanceof vscode.Uri) && 'model' in arg ? arg : await askArgs(arg instanceof vscode.Uri ? arg : undefined);
  if (!args) return { cancelled: true };
  const job: NumericJob = {
    model: args.model,
    ...(args.reference ? { reference: args.reference } : {}),
    inputs: args.inputsDir ? { dir: args.inputsDir } : { random: args.random ?? 4 },
    ortFolders: ortFolders(context),
    ...(args.out === null ? {} : { out: args.out ?? defaultResultPath(args.model) }),
  };
  const workerFile = path.join(context.extensionPath, 'dist', 'numericWorker.js');
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Numeric check: ${path.basename(args.model)}`, cancellable: true },
    (progress, token) =>
      new Promise<NumericCommandResult>((resolve) => {
        const worker = new Worker(workerFile, { workerData: job });
        args.onWorker?.(worker);
        let settled = false;
        let last = 0;
        // The thread ends on its own after its last message (and after a cancel, once the
        // inference in flight is done). It is terminated only if it has not ended a while later:
        // terminating it while ONNX Runtime runs can abort the whole extension host (worker.ts).
        let exited = false;
        worker.once('exit', () => (exited = true));
        const reap = (ms: number): void => {
          const timer = setTimeout(() => {
            if (exited) return;
            log.warn(`The numeric-check worker did not end ${ms / 1000} s after it was done or cancelled; terminating it.`);
            void worker.terminate();
          }, ms);
          timer.unref?.();
          worker.once('exit', () => clearTimeout(timer));
        };
        const finish = (r: NumericCommandResult): void => {
          if (settled) return;
          settled = true;
          sub.dispose();
          reap(r.cancelled ? 120_000 : 30_000);
          resolve(r);
        };
        const sub = token.onCancellationRequested(() => {
          const cancel: ToWorker = { type: 'cancel' };
          worker.postMessage(cancel);
          finish({ cancelled: true });
        });
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'cancelled') finish({ cancelled: true });
          else if (m.type === 'progress') {
            const pct = Math.round(m.progress.fraction * 100);
            progress.report({ message: m.progress.message, increment: Math.max(0, pct - last) });
            last = Math.max(last, pct);
          } else if (m.type === 'result') finish({ result: m.result, ...(m.saved ? { saved: m.saved } : {}) });
          else finish({ error: m.ortMissing ? `ORT:${m.message}` : m.message });
        });
        worker.on('error', (e) => finish({ error: e.message }));
        worker.on('exit', (code) => finish({ error: `the numeric-check worker stopped (exit code ${code})` }));
      }),
  );
  if (outcome.error?.startsWith('ORT:')) {
    const message = outcome.error.slice(4);
    log.warn(message);
    void vscode.window
      .showErrorMessage(`QDQ Studio: ${message}. Install ONNX Runtime (CPU, ~70 MB download) or point the setting qdqStudio.numeric.onnxRuntimePath at an onnxruntime-node install.`, 'Install ONNX Runtime', 'Open Setting')
      .then((choice) => {
        if (choice === 'Install ONNX Runtime') void vscode.commands.executeCommand(INSTALL_ORT_COMMAND);
        else if (choice === 'Open Setting') void vscode.commands.executeCommand('workbench.action.openSettings', 'qdqStudio.numeric.onnxRuntimePath');
      });
    return { error: message };
  }
  if (outcome.error) {
    log.error(`numeric check of ${args.model}`, outcome.error);
    void vscode.window.showErrorMessage(`QDQ Studio numeric check: ${outcome.error}`);
  } else if (outcome.result) {
    const r = outcome.result;
    const top = r.layers[0];
    log.info(`numeric check of ${args.model}: ${r.layers.length} layers, ${r.passes} passes, ${Math.round(r.elapsedMs)} ms; saved ${outcome.saved ?? 'nowhere'}`);
    if (!(arg && !(arg instanceof vscode.Uri))) {
      const msg = `Numeric check: output SQNR ${r.outputs[0]?.sqnrDb.toFixed(1) ?? '?'} dB; most sensitive ${top ? `${top.node} (local SQNR ${top.localSqnrDb.toFixed(1)} dB)` : '–'}.`;
      void vscode.window.showInformationMessage(msg, ...(outcome.saved ? ['Open Result'] : [])).then((c) => {
        if (c && outcome.saved) void vscode.window.showTextDocument(vscode.Uri.file(outcome.saved));
      });
    }
  }
  return outcome;
}

async function installOrt(context: vscode.ExtensionContext, log: Logger): Promise<boolean> {
  const dir = path.join(context.globalStorageUri.fsPath, 'onnxruntime');
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"qdq-studio-onnxruntime","private":true}\n');
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Installing ONNX Runtime (onnxruntime-node, CPU)', cancellable: true },
    (progress, token) =>
      new Promise<boolean>((resolve) => {
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const child = spawn(npm, ['install', 'onnxruntime-node', '--no-audit', '--no-fund', '--onnxruntime-node-install=skip'], {
          cwd: dir,
          env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
          shell: process.platform === 'win32',
        });
        token.onCancellationRequested(() => child.kill());
        const onData = (b: Buffer): void => {
          const line = b.toString().trim().split('\n').pop();
          if (line) progress.report({ message: line.slice(0, 120) });
          log.info(`npm: ${b.toString().trimEnd()}`);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', (e) => {
          void vscode.window.showErrorMessage(`QDQ Studio: cannot run npm to install ONNX Runtime (${e.message}). Install Node.js/npm, or run \`npm install onnxruntime-node\` in a folder and set qdqStudio.numeric.onnxRuntimePath to it.`);
          resolve(false);
        });
        child.on('close', (code) => {
          if (code === 0) void vscode.window.showInformationMessage(`ONNX Runtime installed in ${dir}.`);
          else if (!token.isCancellationRequested) void vscode.window.showErrorMessage(`QDQ Studio: npm install onnxruntime-node failed (exit ${code}); see the QDQ Studio output.`);
          resolve(code === 0);
        });
      }),
  );
}

export function registerNumericCommands(context: vscode.ExtensionContext, log: Logger): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(NUMERIC_COMMAND, (arg?: vscode.Uri | NumericCommandArgs) => runNumericCommand(context, log, arg)),
    vscode.commands.registerCommand(INSTALL_ORT_COMMAND, () => installOrt(context, log)),
  );
}
