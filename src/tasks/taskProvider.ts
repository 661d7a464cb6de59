/**
 * The `qdq` task type: quantize / sensitive / eval / export run yolov9-qat's scripts, and trtexec
 * its builds, each in a `CustomExecution` pseudoterminal that runs an argument list with no shell
 * and shows the command line quoted (src/tasks/processTerminal.ts, src/tasks/trtexecTerminal.ts;
 * the trtexec one also reads the results back). Every task carries its problem matcher
 * (`$qdq-python-summary`, `$qdq-trtexec`, package.json), tasks.json ones too unless they name their own.
 * Tasks exist only in a trusted workspace. A missing tool is an actionable message (Open Settings /
 * Pick File…): the commands show it and start nothing; a tasks.json task shows it and ends.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  TASK_TYPE,
  TaskOptionError,
  evalCommand,
  exportCommand,
  parseTaskDefinition,
  quantizeCommand,
  sensitiveCommand,
  taskLabel,
  taskTrustProblem,
  trtexecCommand,
  type CommandLine,
  type ModelInput,
  type QdqTaskDefinition,
  type ToolProblem,
  type TrtexecPlan,
} from '../core/tasks/index';
import { targetFromSettings } from '../diagnostics/analysisService';
import type { ModelLoader } from '../editor/modelLoader';
import type { Logger } from '../util/logger';
import { FactsCache } from './factsCache';
import type { Tools } from './tools';
import type { TrtexecBuiltHandler } from './trtexecTerminal';

export interface TaskServices {
  log: Logger;
  tools: Tools;
  loader: ModelLoader;
  onTrtexecBuilt: TrtexecBuiltHandler;
}

/**
 * The problem matchers of a task kind (contributed in package.json `problemMatchers`), one each.
 * The Python steps read the one-line summary their terminal prints after a traceback
 * (`$qdq-python-summary`), not the three-line `$qdq-python`: VS Code 1.100 feeds a task re-run in
 * its reused terminal to the matchers twice per line, so a multi-line matcher would find nothing
 * from the second run on. Only one of the two, so no problem is reported twice.
 */
export function problemMatchersFor(task: QdqTaskDefinition['task']): string[] {
  return task === 'trtexec' ? ['$qdq-trtexec'] : ['$qdq-python-summary'];
}

/** A task to run, or why there is none (shown to the user instead of running a task). */
export type TaskOrProblem = { task: vscode.Task } | { problem: string; tool?: ToolProblem };

/** A problem found while building a task: shown to the user, the task does not run. */
class TaskSetupProblem extends Error {
  constructor(
    message: string,
    readonly tool?: ToolProblem,
  ) {
    super(message);
  }
}

/** What the model says about a trtexec build: Q/DQ or not, its inputs. */
export interface ModelFacts {
  hasQdq: boolean;
  inputs: ModelInput[];
}

export async function modelFacts(loader: ModelLoader, model: string): Promise<ModelFacts> {
  const loaded = await loader.load(vscode.Uri.file(model));
  if (loaded.kind === 'error') throw new TaskSetupProblem(loaded.error.message);
  try {
    const s = loaded.summary;
    return { hasQdq: s.qdq.quantizeLinear + s.qdq.dequantizeLinear > 0, inputs: s.inputs.map((i) => ({ name: i.name, shape: i.shape })) };
  } finally {
    loaded.decoded.source.close?.();
  }
}

function resolvePath(p: string, folder: vscode.WorkspaceFolder | undefined): string {
  if (path.isAbsolute(p) || !folder) return p;
  return path.join(folder.uri.fsPath, p);
}

export class QdqTaskProvider implements vscode.TaskProvider {
  /** The listed models' facts, read again only when a file changes (the list is asked for often). */
  private readonly facts: FactsCache<ModelFacts>;

  constructor(private readonly services: TaskServices) {
    this.facts = new FactsCache((file) => modelFacts(services.loader, file));
  }

  /** Tasks for the `.onnx` models in the workspace (the builds that fit each). */
  async provideTasks(): Promise<vscode.Task[]> {
    if (taskTrustProblem(vscode.workspace.isTrusted)) return [];
    const models = await vscode.workspace.findFiles('**/*.onnx', '{**/node_modules/**,**/.git/**}', 20);
    const tasks: vscode.Task[] = [];
    for (const uri of models) {
      if (uri.scheme !== 'file') continue;
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      let flavours: Array<'fp16' | 'ptq' | 'qdq'> = ['qdq', 'fp16', 'ptq'];
      try {
        flavours = (await this.facts.get(uri.fsPath)).hasQdq ? ['qdq'] : ['fp16', 'ptq'];
      } catch {
        continue; // unreadable models get no tasks (opening them shows why)
      }
      for (const flavour of flavours) {
        const def: QdqTaskDefinition = { type: TASK_TYPE, task: 'trtexec', model: folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath, flavour };
        tasks.push(this.lazyTask(def, folder));
      }
    }
    return tasks;
  }

  /** Fills in the execution of a task from tasks.json. */
  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    if (taskTrustProblem(vscode.workspace.isTrusted)) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : undefined;
    return this.buildTask(task.definition, folder, task);
  }

  /** A task whose execution is built when it runs (tools are looked up then, not when listing). */
  private lazyTask(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): vscode.Task {
    const t = new vscode.Task(def, folder ?? vscode.TaskScope.Workspace, taskLabel(def), 'QDQ Studio', this.deferredExecution(def, folder), problemMatchersFor(def.task));
    t.group = def.task === 'trtexec' ? vscode.TaskGroup.Build : undefined;
    return t;
  }

  /**
   * The task for a definition (what the commands run), or the problem that stops it (bad
   * definition, missing tool, flavour that does not fit the model): the caller shows the problem
   * and runs nothing, so no task that only fails lands in the recently used tasks.
   */
  async taskFor(rawDef: unknown, folder: vscode.WorkspaceFolder | undefined, original?: vscode.Task): Promise<TaskOrProblem> {
    let def: QdqTaskDefinition;
    try {
      def = parseTaskDefinition(rawDef);
    } catch (e) {
      return { problem: (e as Error).message };
    }
    try {
      const execution = await this.execution(def, folder);
      // A tasks.json task keeps the matchers it names (even none); VS Code applies them over these.
      return { task: this.makeTask(original?.definition ?? def, folder, original?.name ?? taskLabel(def), execution, def) };
    } catch (e) {
      if (e instanceof TaskSetupProblem) return { problem: e.message, ...(e.tool ? { tool: e.tool } : {}) };
      if (e instanceof TaskOptionError) return { problem: e.message };
      throw e;
    }
  }

  /**
   * The task for a tasks.json definition: a problem becomes a task that shows the message and
   * ends (VS Code asked for this task to run; the commands use `taskFor` and start nothing).
   */
  async buildTask(rawDef: unknown, folder: vscode.WorkspaceFolder | undefined, original?: vscode.Task): Promise<vscode.Task> {
    const r = await this.taskFor(rawDef, folder, original);
    return 'task' in r ? r.task : this.problemTask(rawDef, folder, r.problem, original, r.tool);
  }

  private makeTask(definition: vscode.TaskDefinition, folder: vscode.WorkspaceFolder | undefined, name: string, execution: vscode.CustomExecution, def: QdqTaskDefinition): vscode.Task {
    const t = new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, name, 'QDQ Studio', execution, problemMatchersFor(def.task));
    if (def.task === 'trtexec') t.group = vscode.TaskGroup.Build;
    t.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    return t;
  }

  /** A listed (trtexec) task's execution, resolved when the task starts (provideTasks stays cheap). */
  private deferredExecution(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): vscode.CustomExecution {
    return new vscode.CustomExecution(async () => {
      try {
        return await this.trtexecTerminal(def, folder);
      } catch (e) {
        const tool = e instanceof TaskSetupProblem ? e.tool : undefined;
        return messageTerminal(this.services, (e as Error).message, tool);
      }
    });
  }

  private problemTask(rawDef: unknown, folder: vscode.WorkspaceFolder | undefined, message: string, original?: vscode.Task, tool?: ToolProblem): vscode.Task {
    const definition = original?.definition ?? (typeof rawDef === 'object' && rawDef !== null ? (rawDef as vscode.TaskDefinition) : { type: TASK_TYPE });
    // With the task's matchers, as a runnable one has: without any, VS Code first asks which to scan the output with.
    const matchers = problemMatchersFor((definition as { task?: unknown }).task === 'trtexec' ? 'trtexec' : 'quantize');
    return new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, original?.name ?? 'qdq', 'QDQ Studio', new vscode.CustomExecution(async () => messageTerminal(this.services, message, tool)), matchers);
  }

  /** The execution of a parsed definition; throws TaskSetupProblem / TaskOptionError. */
  async execution(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.CustomExecution> {
    const { tools } = this.services;
    if (def.task === 'trtexec') {
      const plan = await this.trtexecPlan(def, folder); // problems show before anything runs
      return new vscode.CustomExecution(async () => this.terminalFor(plan, def, folder));
    }
    const [python, checkout] = await Promise.all([tools.python(folder?.uri), tools.checkout()]);
    if (!python.ok) throw new TaskSetupProblem(python.message, python);
    if (!checkout.ok) throw new TaskSetupProblem(checkout.message, checkout);
    const env = { python: python.path, checkout: checkout.path, pathStyle: process.platform === 'win32' ? ('win32' as const) : ('posix' as const) };
    const weights = resolvePath(def.weights!, folder);
    // Paths in tasks.json are relative to the workspace folder (the scripts run in the checkout).
    const common = { weights, ...(def.data !== undefined ? { data: resolvePath(def.data, folder) } : {}), ...(def.hyp !== undefined ? { hyp: resolvePath(def.hyp, folder) } : {}) };
    const project = def.project !== undefined ? resolvePath(def.project, folder) : undefined;
    const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    let cl: CommandLine;
    switch (def.task) {
      case 'quantize':
        cl = quantizeCommand(env, opt({ ...common, noLastLayer: def.noLastLayer, batchSize: def.batchSize, iters: def.iters, imgsz: def.imgsz, device: def.device, gpus: def.gpus, project, name: def.name, extraArgs: def.args }));
        break;
      case 'sensitive':
        cl = sensitiveCommand(env, opt({ ...common, batchSize: def.batchSize, imgsz: def.imgsz, device: def.device, gpus: def.gpus, numImages: def.numImages, project, name: def.name, extraArgs: def.args }));
        break;
      case 'eval':
        cl = evalCommand(env, opt({ ...common, batchSize: def.batchSize, imgsz: def.imgsz, device: def.device, gpus: def.gpus, project, name: def.name, extraArgs: def.args }));
        break;
      case 'export':
        cl = exportCommand(env, opt({ weights, include: def.include, imgsz: def.imgsz, device: def.device, extraArgs: def.args }));
        break;
    }
    // Not a ProcessExecution: VS Code echoes its arguments joined by spaces, unquoted.
    const commandLine = cl;
    return new vscode.CustomExecution(async () => {
      const { ProcessTerminal } = await import('./processTerminal.js');
      return new ProcessTerminal(commandLine, { log: this.services.log, label: taskLabel(def) });
    });
  }

  private async trtexecTerminal(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Pseudoterminal> {
    return this.terminalFor(await this.trtexecPlan(def, folder), def, folder);
  }

  /** A fresh terminal for each run of the build. */
  private async terminalFor(plan: TrtexecPlan, def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Pseudoterminal> {
    const label = `${plan.outputs.engine.endsWith('.engine') ? path.basename(plan.outputs.engine, '.engine') : def.flavour ?? 'qdq'}: ${path.basename(resolvePath(def.model!, folder))}`;
    const { TrtexecTerminal } = await import('./trtexecTerminal.js');
    return new TrtexecTerminal(plan, label, this.services.onTrtexecBuilt, this.services.log);
  }

  async trtexecPlan(def: QdqTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<TrtexecPlan> {
    const { tools, loader } = this.services;
    const trtexec = await tools.trtexec();
    if (!trtexec.ok) throw new TaskSetupProblem(trtexec.message, trtexec);
    const model = resolvePath(def.model!, folder);
    try {
      await fsp.stat(model);
    } catch {
      throw new TaskSetupProblem(`The model ${model} does not exist.`);
    }
    const [facts, version] = await Promise.all([modelFacts(loader, model), tools.trtMajor(trtexec.path)]);
    if (!version) {
      throw new TaskSetupProblem(`Could not tell the TensorRT version of ${trtexec.path} (\`trtexec --help\` printed no version): set qdqStudio.trtexec.version to 8 or 10.`, {
        ok: false,
        kind: 'trtexec',
        setting: 'qdqStudio.trtexec.version',
        message: '',
      });
    }
    const flavour = def.flavour ?? (facts.hasQdq ? 'qdq' : 'fp16');
    const plan = trtexecCommand({
      trtexec: trtexec.path,
      model,
      flavour,
      trtMajor: version.major,
      // The build the analysis predicts for (Problems, graph colours, keep-k), so they agree.
      stronglyTyped: targetFromSettings(vscode.Uri.file(model)).stronglyTyped,
      hasQdq: facts.hasQdq,
      inputs: facts.inputs,
      ...(def.outputDir ? { outputDir: resolvePath(def.outputDir, folder) } : {}),
      ...(def.batch !== undefined ? { batch: def.batch } : {}),
      ...(def.imgsz !== undefined ? { imgsz: def.imgsz } : {}),
      benchmark: { ...(def.warmUpMs !== undefined ? { warmUpMs: def.warmUpMs } : {}), ...(def.durationS !== undefined ? { durationS: def.durationS } : {}) },
      extraArgs: [...tools.defaultTrtexecArgs(), ...(def.args ?? [])],
      pathStyle: process.platform === 'win32' ? 'win32' : 'posix',
    });
    plan.notes.unshift(`TensorRT ${version.version ?? `${version.major}.x`} (${version.source === 'setting' ? 'from qdqStudio.trtexec.version' : 'reported by trtexec'}); model ${facts.hasQdq ? 'has' : 'has no'} Q/DQ nodes.`);
    return plan;
  }
}

/** A pseudoterminal that shows a problem (with its actionable notification, logged) and ends. */
function messageTerminal(services: TaskServices, message: string, tool?: ToolProblem): vscode.Pseudoterminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number>();
  return {
    onDidWrite: write.event,
    onDidClose: close.event,
    open() {
      write.fire(`QDQ Studio: ${message}\r\n`);
      if (tool) void services.tools.showProblem({ ...tool, message });
      else {
        services.log.error(message);
        void vscode.window.showErrorMessage(message);
      }
      close.fire(1);
    },
    close() {},
  };
}
