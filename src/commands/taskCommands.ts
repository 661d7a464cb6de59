/**
 * "Quantize YOLOv9" (explorer context menu on a `.pt`, or the palette, which asks for it), "Export to TensorRT" (command palette, on
 * the active `.onnx` or a QAT `.pt`) and "Open Engine Report…". Each asks only for what matters,
 * remembers the answers per workspace (workspaceState), checks the tools first (a missing one is
 * an actionable message, nothing starts), and runs the steps as `qdq` tasks.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  FLAVOUR_LABELS,
  TASK_TYPE,
  exportedOnnxPath,
  formatQatReport,
  parseQatReport,
  quantizeOutputs,
  TRTEXEC_FLAVOURS,
  taskTrustProblem,
  type QdqTaskDefinition,
  type TrtexecFlavour,
} from '../core/tasks/index';
import type { EngineReportPanel } from '../engineView/engineReportPanel';
import type { QdqTaskProvider } from '../tasks/taskProvider';
import { modelFacts } from '../tasks/taskProvider';
import type { Tools } from '../tasks/tools';
import { STOPPED_BY_USER } from '../tasks/processPseudoterminal';
import { pickOne } from './pickOne';
import type { ModelLoader } from '../editor/modelLoader';
import type { Logger } from '../util/logger';

export interface TaskCommandServices {
  log: Logger;
  tools: Tools;
  loader: ModelLoader;
  provider: QdqTaskProvider;
  panel: EngineReportPanel;
}

/**
 * Options of "Quantize YOLOv9"; remembered per workspace. Passing them to the command (tests, other
 * extensions) skips the prompts; see `isQuantizeChoices`.
 */
export interface QuantizeChoices {
  data: string;
  hyp?: string;
  noLastLayer: boolean;
  batchSize: number;
  iters: number;
  device: string;
}

const QUANTIZE_STATE = 'qdqStudio.quantize.choices';
const DEFAULTS: QuantizeChoices = { data: '', noLastLayer: false, batchSize: 10, iters: 200, device: 'cuda:0' };

/**
 * Runs a task and resolves with its exit code, or undefined when it ended without one: stopped
 * (Terminate Task, the terminal closed) before its program ended. VS Code's terminal task system
 * reports the end of every terminal task's process, CustomExecution tasks included, with the
 * terminal's exit code: for ours, the code the pseudoterminal closes with (the program's, or 1 when
 * it did not start or died of a signal; `STOPPED_BY_USER` after Ctrl+C, which counts as stopped here). That report (`onDidEndTaskProcess`) comes before the
 * task's end (`onDidEndTask`), which only settles a task whose process never ended.
 */
async function runTask(task: vscode.Task): Promise<number | undefined> {
  const execution = await vscode.tasks.executeTask(task);
  return new Promise((resolve) => {
    const subs: vscode.Disposable[] = [];
    const done = (code: number | undefined) => {
      for (const s of subs) s.dispose();
      resolve(code);
    };
    subs.push(
      // Ctrl+C in the step's terminal: stopped, as Terminate Task is.
      vscode.tasks.onDidEndTaskProcess((e) => e.execution === execution && done(e.exitCode === STOPPED_BY_USER ? undefined : e.exitCode)),
      vscode.tasks.onDidEndTask((e) => e.execution === execution && done(undefined)),
    );
  });
}

/**
 * Whether a command argument is a real `QuantizeChoices`. The Explorer's context menu calls the
 * command with `(uri, selectedUris[])`, so the second argument may be an array of URIs (or
 * anything another caller passes); only a complete choices object skips the prompts.
 */
export function isQuantizeChoices(x: unknown): x is QuantizeChoices {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const c = x as Record<string, unknown>;
  const whole = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  return (
    typeof c.data === 'string' &&
    c.data !== '' &&
    (c.hyp === undefined || typeof c.hyp === 'string') &&
    typeof c.noLastLayer === 'boolean' &&
    whole(c.batchSize) &&
    whole(c.iters) &&
    typeof c.device === 'string' &&
    c.device.trim() !== ''
  );
}

/** Whether a command argument is a list of trtexec flavours (not the Explorer's selected URIs). */
export function isFlavourList(x: unknown): x is TrtexecFlavour[] {
  return Array.isArray(x) && x.length > 0 && x.every((f) => typeof f === 'string' && (TRTEXEC_FLAVOURS as readonly string[]).includes(f));
}

/** Remembered choices from workspaceState, each value kept only when it has the right type. */
function rememberedChoices(stored: unknown): QuantizeChoices {
  const r = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  const whole = (v: unknown, d: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : d);
  return {
    data: typeof r.data === 'string' ? r.data : DEFAULTS.data,
    // '' is a choice too: the script's own default (no --hyp).
    ...(typeof r.hyp === 'string' ? { hyp: r.hyp } : {}),
    noLastLayer: typeof r.noLastLayer === 'boolean' ? r.noLastLayer : DEFAULTS.noLastLayer,
    batchSize: whole(r.batchSize, DEFAULTS.batchSize),
    iters: whole(r.iters, DEFAULTS.iters),
    device: typeof r.device === 'string' && r.device.trim() ? r.device : DEFAULTS.device,
  };
}

/** GPUs named by a device string: `0,1,2` → 3 (torchrun), `cuda:0` → 1. */
export function gpuCount(device: string): number {
  const ids = device.split(',').map((s) => s.trim()).filter((s) => /^\d+$/.test(s));
  return Math.max(1, ids.length);
}

async function pickYaml(title: string, remembered: string | undefined, pattern: string, optional: boolean): Promise<string | undefined | null> {
  const found = await vscode.workspace.findFiles(pattern, '{**/node_modules/**,**/.git/**}', 50);
  const items: Array<vscode.QuickPickItem & { value?: string; browse?: boolean }> = [];
  const scriptDefault = { label: '(script default)', value: '' };
  // The remembered answer comes first (the active item, what Enter takes), the script's default included.
  if (remembered) items.push({ label: path.basename(remembered), description: remembered, detail: 'last used', value: remembered });
  else if (optional && remembered === '') items.push({ ...scriptDefault, detail: 'last used' });
  for (const u of found) if (u.fsPath !== remembered) items.push({ label: vscode.workspace.asRelativePath(u), value: u.fsPath });
  if (optional && remembered !== '') items.push(scriptDefault);
  items.push({ label: 'Browse…', browse: true });
  const pick = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true, matchOnDescription: true });
  if (!pick) return null;
  if (pick.browse) {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { YAML: ['yaml', 'yml'] }, title });
    return uris?.[0]?.fsPath ?? null;
  }
  return pick.value;
}

async function askNumber(title: string, value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'a whole number of at least 1'),
  });
  return text === undefined ? undefined : Number(text.trim());
}

async function askQuantizeChoices(last: QuantizeChoices): Promise<QuantizeChoices | undefined> {
  const data = await pickYaml('Quantize YOLOv9 (1/6): dataset yaml (--data)', last.data || undefined, '**/data/*.{yaml,yml}', false);
  if (!data) return undefined;
  const hyp = await pickYaml('Quantize YOLOv9 (2/6): hyperparameters (--hyp)', last.hyp, '**/hyp*.{yaml,yml}', true);
  if (hyp === null) return undefined;
  // `picked` does nothing in a single-choice pick: the remembered answer is made the active item,
  // the one Enter accepts.
  const lastLayerItems = [
    { label: 'Quantize every layer', value: false },
    { label: 'Keep the detection head in higher precision (--no-last-layer)', value: true },
  ];
  const lastLayer = await pickOne(lastLayerItems, lastLayerItems.find((i) => i.value === last.noLastLayer), { title: 'Quantize YOLOv9 (3/6): last layer', ignoreFocusOut: true });
  if (!lastLayer) return undefined;
  const batchSize = await askNumber('Quantize YOLOv9 (4/6): batch size (--batch-size)', last.batchSize);
  if (batchSize === undefined) return undefined;
  const iters = await askNumber('Quantize YOLOv9 (5/6): iterations per epoch (--iters)', last.iters);
  if (iters === undefined) return undefined;
  const device = await vscode.window.showInputBox({
    title: 'Quantize YOLOv9 (6/6): device (--device): cuda:0, or GPU ids such as 0,1 for a torchrun run on several GPUs',
    value: last.device,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'a device such as cuda:0 or 0,1'),
  });
  if (device === undefined) return undefined;
  return { data, ...(hyp !== undefined ? { hyp } : {}), noLastLayer: lastLayer.value, batchSize, iters, device: device.trim() };
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}

function activeResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}

export function registerTaskCommands(context: vscode.ExtensionContext, s: TaskCommandServices): void {
  const folderOf = (uri: vscode.Uri) => vscode.workspace.getWorkspaceFolder(uri);
  // Every failure or warning the commands show is in the log too (the notification goes away).
  const fail = (message: string, ...actions: string[]): Thenable<string | undefined> => {
    s.log.error(message);
    return vscode.window.showErrorMessage(message, ...actions);
  };
  const warn = (message: string, ...actions: string[]): Thenable<string | undefined> => {
    s.log.warn(message);
    return vscode.window.showWarningMessage(message, ...actions);
  };
  /**
   * The workspace trust the commands go by: VS Code's, or in the integration tests' extension host
   * the one `qdqStudio.internal.workspaceTrust` set (their code-server always trusts the workspace).
   */
  let trustForTests: false | undefined;
  /** False, with a warning (logged too) offering Manage Workspace Trust, when tasks may not run. */
  function trusted(): boolean {
    const problem = taskTrustProblem(trustForTests ?? vscode.workspace.isTrusted);
    if (!problem) return true;
    void warn(problem, 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(
      // workspaceTrust(false | undefined): act as in Restricted Mode (undefined: VS Code's trust again).
      // It can only take trust away, never grant it.
      vscode.commands.registerCommand('qdqStudio.internal.workspaceTrust', (given: unknown) => {
        if (given !== undefined && given !== false) return false;
        trustForTests = given;
        return true;
      }),
    );
  }

  async function checkTools(kinds: Array<'python' | 'checkout' | 'trtexec'>, resource?: vscode.Uri): Promise<boolean> {
    for (const kind of kinds) {
      const r = kind === 'python' ? await s.tools.python(resource) : kind === 'checkout' ? await s.tools.checkout() : await s.tools.trtexec();
      if (!r.ok) {
        void s.tools.showProblem(r);
        return false;
      }
    }
    return true;
  }

  /**
   * Runs the task of a definition and resolves with its exit code; when the task cannot be made
   * (missing tool, a flavour that does not fit the model…) shows why and resolves null: nothing
   * runs, so no task that only fails lands in the recently used tasks.
   */
  async function runDefinition(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<number | undefined | null> {
    const r = await s.provider.taskFor(def, folder);
    if ('task' in r) return runTask(r.task);
    if (r.tool) void s.tools.showProblem({ ...r.tool, message: r.problem });
    else void fail(r.problem);
    return null;
  }

  async function afterQuantize(def: QdqTaskDefinition, code: number | undefined): Promise<void> {
    const out = quantizeOutputs(def.project!, def.name!);
    if (code === undefined) {
      void warn('Quantize YOLOv9 was stopped before it finished.');
      return;
    }
    if (code !== 0) {
      void fail(`Quantize YOLOv9 failed (exit code ${code}); see the task terminal.`);
      return;
    }
    if (!(await exists(out.report))) {
      void warn(`Quantize YOLOv9 ended, but ${out.report} was not written.`);
      return;
    }
    let summary = '';
    try {
      summary = formatQatReport(parseQatReport(await fsp.readFile(out.report, 'utf8'), out.report));
    } catch (e) {
      summary = (e as Error).message;
    }
    const best = out.bestWeights(def.weights!);
    const onnx = exportedOnnxPath(best);
    const actions = ['Open report.json', ...((await exists(onnx)) ? ['Open ONNX'] : (await exists(best)) ? ['Export ONNX'] : [])];
    const choice = await vscode.window.showInformationMessage(`Quantize YOLOv9 finished. ${summary}`, ...actions);
    if (choice === 'Open report.json') await vscode.window.showTextDocument(vscode.Uri.file(out.report));
    else if (choice === 'Open ONNX') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(onnx));
    else if (choice === 'Export ONNX') await exportPt(vscode.Uri.file(best), false);
  }

  /** Runs export_qat.py on a `.pt`; resolves with the ONNX it wrote (undefined on failure). */
  async function exportPt(pt: vscode.Uri, quiet: boolean): Promise<string | undefined> {
    if (!(await checkTools(['python', 'checkout'], pt))) return undefined;
    const def: QdqTaskDefinition = { type: TASK_TYPE, task: 'export', weights: pt.fsPath, include: 'onnx' };
    const code = await runDefinition(def, folderOf(pt));
    if (code === null) return undefined;
    if (code === undefined) {
      void warn(`Export of ${path.basename(pt.fsPath)} was stopped before it finished.`);
      return undefined;
    }
    const onnx = exportedOnnxPath(pt.fsPath);
    if (code !== 0 || !(await exists(onnx))) {
      void fail(`Export of ${path.basename(pt.fsPath)} did not write ${onnx}; see the task terminal.`);
      return undefined;
    }
    if (!quiet) {
      const c = await vscode.window.showInformationMessage(`Exported ${onnx}`, 'Open ONNX', 'Export to TensorRT');
      if (c === 'Open ONNX') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(onnx));
      else if (c === 'Export to TensorRT') await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', vscode.Uri.file(onnx));
    }
    return onnx;
  }

  context.subscriptions.push(
    // The Explorer passes (uri, selectedUris[]); tests and other callers may pass choices.
    vscode.commands.registerCommand('qdqStudio.quantizeYolov9', async (arg?: unknown, given?: unknown) => {
      if (!trusted()) return;
      let pt = arg instanceof vscode.Uri ? arg : activeResource();
      if (!pt || !pt.fsPath.toLowerCase().endsWith('.pt')) {
        // From the command palette (a .pt is never the active editor): ask for the weights.
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'PyTorch weights': ['pt'] }, openLabel: 'Quantize', title: 'Quantize YOLOv9: the .pt weights' });
        if (!picked?.[0]) return;
        pt = picked[0];
      }
      if (pt.scheme !== 'file') {
        void fail('Quantize YOLOv9 needs a .pt file on disk, where Python runs.');
        return;
      }
      if (!(await checkTools(['python', 'checkout'], pt))) return;
      const checkout = await s.tools.checkout();
      const last = rememberedChoices(context.workspaceState.get<unknown>(QUANTIZE_STATE));
      const choices = isQuantizeChoices(given) ? given : await askQuantizeChoices(last);
      if (!choices) return;
      await context.workspaceState.update(QUANTIZE_STATE, choices);
      const gpus = gpuCount(choices.device);
      const def: QdqTaskDefinition = {
        type: TASK_TYPE,
        task: 'quantize',
        weights: pt.fsPath,
        data: choices.data,
        ...(choices.hyp ? { hyp: choices.hyp } : {}),
        noLastLayer: choices.noLastLayer,
        batchSize: choices.batchSize,
        iters: choices.iters,
        device: choices.device,
        ...(gpus > 1 ? { gpus } : {}),
        project: path.join(checkout.ok ? checkout.path : path.dirname(pt.fsPath), 'runs', 'qat'),
        name: `${path.basename(pt.fsPath, '.pt')}-${timestamp()}`,
      };
      const code = await runDefinition(def, folderOf(pt));
      if (code === null) return;
      await afterQuantize(def, code);
    }),

    // The Explorer passes (uri, selectedUris[]); tests and other callers may pass the flavours.
    vscode.commands.registerCommand('qdqStudio.exportToTensorRT', async (arg?: unknown, flavours?: unknown) => {
      if (!trusted()) return;
      let target = arg instanceof vscode.Uri ? arg : activeResource();
      if (!target || !/\.(onnx|pt)$/i.test(target.fsPath)) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX model or QAT weights': ['onnx', 'pt'] }, title: 'Export to TensorRT' });
        if (!picked?.[0]) return;
        target = picked[0];
      }
      if (target.scheme !== 'file') {
        void fail('Export to TensorRT needs a file on disk (where trtexec runs).');
        return;
      }
      if (!(await checkTools(target.fsPath.endsWith('.pt') ? ['python', 'checkout', 'trtexec'] : ['trtexec'], target))) return;
      let model = target.fsPath;
      if (model.toLowerCase().endsWith('.pt')) {
        const onnx = await exportPt(target, true);
        if (!onnx) return;
        model = onnx;
      }
      let facts;
      try {
        facts = await modelFacts(s.loader, model);
      } catch (e) {
        void fail((e as Error).message);
        return;
      }
      let chosen = isFlavourList(flavours) ? flavours : undefined;
      if (!chosen) {
        if (facts.hasQdq) chosen = ['qdq'];
        else {
          const pick = await vscode.window.showQuickPick(
            [
              { label: 'FP16 and implicit-INT8 PTQ baselines', value: ['fp16', 'ptq'] as TrtexecFlavour[] },
              { label: FLAVOUR_LABELS.fp16, value: ['fp16'] as TrtexecFlavour[] },
              { label: FLAVOUR_LABELS.ptq, value: ['ptq'] as TrtexecFlavour[] },
            ],
            { title: `Export to TensorRT: ${path.basename(model)} has no Q/DQ nodes; which baseline?` },
          );
          if (!pick) return;
          chosen = pick.value;
        }
      }
      for (const flavour of chosen) {
        const def: QdqTaskDefinition = { type: TASK_TYPE, task: 'trtexec', model, flavour };
        const code = await runDefinition(def, folderOf(vscode.Uri.file(model)));
        if (code !== 0) break; // refused (null), failed, or stopped (undefined)
      }
    }),

    vscode.commands.registerCommand('qdqStudio.openEngineReport', async (uri?: vscode.Uri) => {
      let file = uri?.fsPath;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'trtexec layer info': ['json'] }, title: 'Open the --exportLayerInfo JSON of an engine' });
        file = picked?.[0]?.fsPath;
      }
      if (file) await s.panel.showFile(file);
    }),

    vscode.commands.registerCommand('qdqStudio.internal.engineReportState', async () => {
      const shown = s.panel.current;
      if (!shown) return undefined;
      return {
        label: shown.source.label,
        title: s.panel.title,
        layerInfo: shown.source.layerInfo,
        profile: shown.source.profile,
        log: shown.source.log,
        compareWith: shown.compareWith?.label,
        layerCount: shown.report.layerCount,
        reformats: shown.report.reformats.length,
        throughputQps: shown.report.perf?.throughputQps,
        trtVersion: shown.report.trtVersion,
        rendered: await s.panel.query(),
      };
    }),
  );
}
