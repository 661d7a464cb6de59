/**
 * VS Code side of the numeric check:
 *
 * - `qdqStudio.numericCheck` ("QDQ Studio: Numeric Check (ONNX Runtime)"): asks for the reference
 *   (derived from the model, or an FP32 file) and the samples (seeded random, or a folder), runs the
 *   job in a worker thread (`dist/numericWorker.js`) under `withProgress`; Cancel asks the worker
 *   to stop. The job reads the files on disk: when the model (or the reference) is open with unsaved
 *   changes, a modal asks first: "Save and Check", "Check the Saved File" or Cancel. The result is
 *   saved atomically beside the model as `<name>.numeric.qdq-sensitivity.json` (our sensitivity
 *   format, so the sensitivity views read it); the message after the run says which inputs and which
 *   reference produced the ranking, and is a warning when the result has warnings (layers or outputs
 *   not compared, a quantized reference). The command returns `{result, saved}` (tests call it with
 *   a `NumericCommandArgs` object and no UI; `answer` then sees and answers its messages).
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
import { describeReference, describeSamples } from '../core/numeric/describe';
import { findOnPath } from '../core/tasks/index';
import type { Logger } from '../util/logger';
import { openSettings } from '../util/settingsUi';
import { findOrt, ortPackageDir } from './ortRuntime';
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
  /**
   * Test hook: sees every message the command shows (the unsaved-changes question, the result, an
   * error) and answers it in place of the user: the action picked, or undefined (dismissed / Cancel).
   */
  readonly answer?: NumericNoticeAnswerer;
}

/** One message of the numeric check command, as its test hook sees it. */
export interface NumericNotice {
  readonly kind: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly actions: readonly string[];
  readonly modal?: boolean;
}
export type NumericNoticeAnswerer = (notice: NumericNotice) => string | undefined | Thenable<string | undefined>;

/** The unsaved-changes question's actions. */
export const SAVE_AND_CHECK = 'Save and Check';
export const CHECK_SAVED_FILE = 'Check the Saved File';

export interface NumericCommandResult {
  readonly result?: NumericResult;
  readonly saved?: string;
  readonly cancelled?: boolean;
  readonly error?: string;
}

/**
 * Test hooks, set through `qdqStudio.internal.numericHooks` in the integration tests' extension
 * host only: they reach the runs started from the UI (a URI or nothing as the argument) too.
 */
export interface NumericTestHooks {
  /** Sees and answers the messages (of runs without their own `answer`, and of the installer). */
  readonly answer?: NumericNoticeAnswerer;
  /** Where normal resolution of onnxruntime-node starts (default: this bundle): a place without it makes it missing. */
  readonly ortResolveFrom?: string;
  /** Answers "Pick Folder…" in place of the folder dialog. */
  readonly pickFolder?: () => string | undefined;
}

/** The ONNX Runtime message's actions. */
export const INSTALL_ORT = 'Install ONNX Runtime';
export const PICK_ORT_FOLDER = 'Pick Folder…';
export const OPEN_ORT_SETTING = 'Open Settings';
const ORT_SETTING = 'qdqStudio.numeric.onnxRuntimePath';

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

/** Shows a message (a modal when asked), or hands it to the test hook. */
function show(answer: NumericNoticeAnswerer | undefined, kind: NumericNotice['kind'], message: string, modal: boolean, ...actions: string[]): Thenable<string | undefined> {
  if (answer) return Promise.resolve(answer({ kind, message, actions, ...(modal ? { modal: true } : {}) }));
  const fn = kind === 'info' ? vscode.window.showInformationMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  return modal ? fn(message, { modal: true }, ...actions) : fn(message, ...actions);
}

/** Open editor tabs of `file` with unsaved changes (QDQ Studio's model editor, or any other). */
function dirtyTabs(file: string): vscode.Tab[] {
  const target = vscode.Uri.file(file).toString();
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    if (!t.isDirty) return false;
    const input = t.input;
    const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
    return uri?.toString() === target;
  });
}

/**
 * The job reads the files on disk. When the model or the reference has unsaved changes in an
 * editor, ask: save them and check (the check then measures what the editor shows), check the
 * saved file anyway, or cancel. Running on the unsaved model is not offered: the result is saved
 * beside the model and names it, and would describe a model no file holds. False: do not run.
 */
async function settleUnsaved(args: NumericCommandArgs, ask: boolean, log: Logger): Promise<boolean> {
  const files = [args.model, ...(args.reference ? [args.reference] : [])].filter((f) => dirtyTabs(f).length);
  if (!files.length) return true;
  const names = files.map((f) => path.basename(f)).join(' and ');
  if (!ask) {
    // Called with arguments and nobody to answer (another command, a script): no modal that would
    // wait for ever; the saved file is checked, and the log says so.
    log.warn(`numeric check called with arguments: ${names} ${files.length === 1 ? 'has' : 'have'} unsaved changes; the file${files.length === 1 ? '' : 's'} on disk ${files.length === 1 ? 'is' : 'are'} checked`);
    return true;
  }
  const choice = await show(
    args.answer,
    'warning',
    `${names} ${files.length === 1 ? 'has' : 'have'} unsaved changes. The numeric check runs ONNX Runtime on the file${files.length === 1 ? '' : 's'} on disk, so it would not measure your changes.`,
    true,
    SAVE_AND_CHECK,
    CHECK_SAVED_FILE,
  );
  if (choice === CHECK_SAVED_FILE) return true;
  if (choice !== SAVE_AND_CHECK) return false;
  for (const f of files) {
    const saved = await vscode.workspace.save(vscode.Uri.file(f));
    if (!saved || dirtyTabs(f).length) {
      void show(args.answer, 'error', `QDQ Studio numeric check: ${path.basename(f)} was not saved; nothing was checked.`, false);
      return false;
    }
  }
  return true;
}

export function defaultResultPath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.numeric.qdq-sensitivity.json`);
}

/**
 * ONNX Runtime is needed: offers to install it, to pick the folder of an onnxruntime-node install
 * (stored in qdqStudio.numeric.onnxRuntimePath), or to open that setting. True when it is found
 * after an install or a pick (the caller goes on with what the user asked for).
 */
async function offerOrt(context: vscode.ExtensionContext, log: Logger, hooks: NumericTestHooks, answer: NumericNoticeAnswerer | undefined, problem: string): Promise<boolean> {
  log.warn(problem);
  const choice = await show(
    answer,
    'error',
    `QDQ Studio: ${problem}. Install ONNX Runtime (CPU, ~70 MB download, needs npm), or pick the folder of an onnxruntime-node install (setting ${ORT_SETTING}).`,
    false,
    INSTALL_ORT,
    PICK_ORT_FOLDER,
    OPEN_ORT_SETTING,
  );
  if (choice === OPEN_ORT_SETTING) {
    await openSettings(ORT_SETTING, log);
    return false;
  }
  if (choice === INSTALL_ORT) {
    if (!(await installOrt(context, log, hooks, answer))) return false;
  } else if (choice === PICK_ORT_FOLDER) {
    const picked = hooks.pickFolder
      ? hooks.pickFolder()
      : (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this onnxruntime-node', title: 'The onnxruntime-node package folder, or a folder with node_modules/onnxruntime-node' }))?.[0]?.fsPath;
    if (!picked) return false;
    if (!ortPackageDir(picked)) {
      const message = `QDQ Studio: ${picked} holds no onnxruntime-node (neither its package.json nor node_modules/onnxruntime-node); ${ORT_SETTING} is unchanged.`;
      log.warn(message);
      void show(answer, 'error', message, false);
      return false;
    }
    await vscode.workspace.getConfiguration().update(ORT_SETTING, picked, vscode.ConfigurationTarget.Global);
    log.info(`${ORT_SETTING} set to ${picked}`);
  } else {
    return false;
  }
  try {
    const found = findOrt(ortFolders(context), hooks.ortResolveFrom);
    log.info(`ONNX Runtime found in ${found}`);
    return true;
  } catch (e) {
    const message = `QDQ Studio: ONNX Runtime is still not found: ${e instanceof Error ? e.message : String(e)}`;
    log.warn(message);
    void show(answer, 'error', message, false);
    return false;
  }
}

async function runNumericCommand(context: vscode.ExtensionContext, log: Logger, hooks: NumericTestHooks, arg?: vscode.Uri | NumericCommandArgs): Promise<NumericCommandResult> {
  const given = arg && !(arg instanceof vscode.Uri) && 'model' in arg ? arg : undefined;
  const hookAnswer = given?.answer ?? hooks.answer;
  // ONNX Runtime first (found, not loaded: the job loads it in its thread), before any question:
  // when it is missing, the answers would be for nothing. After an install or a pick, go on.
  try {
    findOrt(ortFolders(context), hooks.ortResolveFrom);
  } catch (e) {
    const problem = e instanceof Error ? e.message : String(e);
    if (!(await offerOrt(context, log, hooks, hookAnswer, problem))) return { error: problem };
  }
  const args = given ?? (await askArgs(arg instanceof vscode.Uri ? arg : undefined));
  if (!args) return { cancelled: true };
  const ui = !given; // started by the user, not with arguments
  if (!(await settleUnsaved({ ...args, ...(hookAnswer ? { answer: hookAnswer } : {}) }, ui || hookAnswer !== undefined, log))) return { cancelled: true };
  return runJob(context, log, hooks, args, ui, given ? args.answer : hooks.answer);
}

/**
 * The check itself, after the questions: the worker, then what the user is told (`ui`: started by
 * the user; `answer`: a test's answerer). Run again, with the same arguments and without asking
 * anything again, when ONNX Runtime turned out not loadable and the user sorted it out.
 */
async function runJob(
  context: vscode.ExtensionContext,
  log: Logger,
  hooks: NumericTestHooks,
  args: NumericCommandArgs,
  ui: boolean,
  answer: NumericNoticeAnswerer | undefined,
): Promise<NumericCommandResult> {
  const tell = ui || answer !== undefined;
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
    // Found but not loadable (a broken install, a binary for another platform): the same offer,
    // and the same run again once it is sorted out.
    const message = outcome.error.slice(4);
    if (await offerOrt(context, log, hooks, answer, message)) return runJob(context, log, hooks, args, ui, answer);
    return { error: message };
  }
  if (outcome.error) {
    log.error(`numeric check of ${args.model}`, outcome.error);
    void show(answer, 'error', `QDQ Studio numeric check: ${outcome.error}`, false);
  } else if (outcome.result) {
    const r = outcome.result;
    log.info(`numeric check of ${args.model}: ${r.layers.length} layers, ${r.passes} passes, ${Math.round(r.elapsedMs)} ms; saved ${outcome.saved ?? 'nowhere'}`);
    for (const w of r.warnings) log.warn(`numeric check of ${args.model}: ${w}`);
    if (tell) {
      void show(answer, r.warnings.length ? 'warning' : 'info', resultMessage(r), false, ...(outcome.saved ? ['Open Result'] : [])).then((c) => {
        if (c && outcome.saved) void vscode.window.showTextDocument(vscode.Uri.file(outcome.saved));
      });
    }
  }
  return outcome;
}

/**
 * `Numeric check of m.onnx (4 random inputs (seed 1), against the derived reference (Q/DQ pairs
 * removed)): output SQNR 16.8 dB; most sensitive /model.18/…/Conv (local SQNR 4.4 dB).`, then the
 * warnings.
 */
export function resultMessage(r: NumericResult): string {
  const top = r.layers[0];
  const head = `Numeric check of ${path.basename(r.model)} (${describeSamples(r.inputs)}, against ${describeReference(r)}): output SQNR ${r.outputs[0]?.sqnrDb.toFixed(1) ?? '?'} dB; most sensitive ${top ? `${top.node} (local SQNR ${top.localSqnrDb.toFixed(1)} dB)` : '–'}.`;
  return r.warnings.length ? `${head} ${r.warnings.map((w) => `⚠ ${w[0]!.toUpperCase()}${w.slice(1)}.`).join(' ')}` : head;
}

/**
 * `npm install onnxruntime-node` into the extension's global storage. VS Code ships no npm: when
 * the extension host's PATH has none, says so (install Node.js with npm, or point the setting at
 * an install) and runs nothing. True when it installed.
 */
async function installOrt(context: vscode.ExtensionContext, log: Logger, hooks: NumericTestHooks, answer = hooks.answer): Promise<boolean> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const lookup = { pathEnv: process.env.PATH, pathExt: process.env.PATHEXT, pathStyle: process.platform === 'win32' ? ('win32' as const) : ('posix' as const), exists: isExecutable };
  if (!(await findOnPath(process.platform === 'win32' ? 'npm' : npm, lookup))) {
    const message = `QDQ Studio: cannot install ONNX Runtime: npm is not on the PATH of VS Code's extension host (VS Code ships no npm). Install Node.js with npm where VS Code's extension host runs, then restart VS Code; or run \`npm install onnxruntime-node\` in a folder yourself and set ${ORT_SETTING} to that folder.`;
    log.error(message);
    const choice = await show(answer, 'error', message, false, OPEN_ORT_SETTING);
    if (choice === OPEN_ORT_SETTING) await openSettings(ORT_SETTING, log);
    return false;
  }
  const dir = path.join(context.globalStorageUri.fsPath, 'onnxruntime');
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"qdq-studio-onnxruntime","private":true}\n');
  log.info(`Installing ONNX Runtime: ${npm} install onnxruntime-node (in ${dir})`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Installing ONNX Runtime (onnxruntime-node, CPU)', cancellable: true },
    (progress, token) =>
      new Promise<boolean>((resolve) => {
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
          const message = `QDQ Studio: cannot run npm to install ONNX Runtime (${e.message}). Install Node.js/npm, or run \`npm install onnxruntime-node\` in a folder and set ${ORT_SETTING} to it.`;
          log.error(message);
          void show(answer, 'error', message, false);
          resolve(false);
        });
        child.on('close', (code) => {
          if (code === 0) {
            log.info(`ONNX Runtime installed in ${dir}`);
            void show(answer, 'info', `ONNX Runtime installed in ${dir}.`, false);
          } else if (token.isCancellationRequested) {
            log.warn('Installing ONNX Runtime was cancelled');
          } else {
            const message = `QDQ Studio: npm install onnxruntime-node failed (exit ${code}); see the QDQ Studio output.`;
            log.error(message);
            void show(answer, 'error', message, false);
          }
          resolve(code === 0);
        });
      }),
  );
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    const st = await fs.promises.stat(p);
    if (!st.isFile()) return false;
    if (process.platform !== 'win32') await fs.promises.access(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function registerNumericCommands(context: vscode.ExtensionContext, log: Logger): void {
  let hooks: NumericTestHooks = {};
  context.subscriptions.push(
    vscode.commands.registerCommand(NUMERIC_COMMAND, (arg?: vscode.Uri | NumericCommandArgs) => runNumericCommand(context, log, hooks, arg)),
    vscode.commands.registerCommand(INSTALL_ORT_COMMAND, () => installOrt(context, log, hooks)),
  );
  // Only in the extension host of the integration tests (hooks hold functions, which only code in
  // the same extension host can pass): numericHooks(hooks | undefined).
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(
      vscode.commands.registerCommand('qdqStudio.internal.numericHooks', (h: unknown) => {
        if (h !== undefined && (typeof h !== 'object' || h === null)) return false;
        hooks = (h as NumericTestHooks | undefined) ?? {};
        return true;
      }),
    );
  }
}
