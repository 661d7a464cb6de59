/**
 * Host side of tool resolution: reads the settings, asks the Python extension for its selected
 * interpreter (through `@vscode/python-extension`, only when that extension is installed), looks
 * for `qat.py` in the workspace, detects the TensorRT version of trtexec, and turns a missing tool
 * into an actionable message (Open Settings / Pick File…) instead of a failing terminal.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import {
  parseTrtexecVersion,
  resolveCheckout,
  resolvePython,
  resolveTrtexec,
  versionSettingMajor,
  type LookupEnv,
  type ToolKind,
  type ToolProblem,
  type ToolResolution,
  type TrtVersion,
} from '../core/tasks/index';
import type { Logger } from '../util/logger';
import { openSettings, SettingWarnings } from '../util/settingsUi';
import { startProcess } from './processRunner';

const PYTHON_EXTENSION_ID = 'ms-python.python';

async function isFile(p: string, executable: boolean): Promise<boolean> {
  try {
    const st = await fsp.stat(p);
    if (!st.isFile()) return false;
    if (executable && process.platform !== 'win32') await fsp.access(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function lookupEnv(executable: boolean): LookupEnv {
  return {
    pathEnv: process.env.PATH,
    pathExt: process.env.PATHEXT,
    pathStyle: process.platform === 'win32' ? 'win32' : 'posix',
    exists: (p) => isFile(p, executable),
  };
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('qdqStudio');
}

/** The interpreter selected in the Python extension, when it is installed and has one. */
async function pythonFromExtension(resource: vscode.Uri | undefined, log: Logger): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  try {
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch (e) {
    log.warn(`could not ask the Python extension for its interpreter: ${(e as Error)?.message ?? String(e)}`);
    return undefined;
  }
}

export class Tools {
  private versionCache = new Map<string, Promise<TrtVersion | undefined>>();

  private readonly settingWarnings: SettingWarnings;
  /** Test hook (`qdqStudio.internal.answerToolProblems`): answers tool problems in place of the user. */
  answerer: ToolNoticeAnswerer | undefined;

  constructor(private readonly log: Logger) {
    this.settingWarnings = new SettingWarnings(log);
  }

  /** `showToolProblem` with this feature's log (and the tests' answerer, when set). */
  showProblem(problem: ToolProblem): Promise<void> {
    return showToolProblem(problem, this.log, this.answerer);
  }

  async python(resource?: vscode.Uri): Promise<ToolResolution> {
    return resolvePython(config().get<string>('python.path'), await pythonFromExtension(resource, this.log), lookupEnv(true));
  }

  async trtexec(): Promise<ToolResolution> {
    return resolveTrtexec(config().get<string>('trtexec.path'), lookupEnv(true));
  }

  async checkout(): Promise<ToolResolution> {
    const setting = config().get<string>('yolov9Qat.path');
    let found: string[] = [];
    if (!setting?.trim()) {
      const uris = await vscode.workspace.findFiles('**/qat.py', '{**/node_modules/**,**/.git/**}', 20);
      found = uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
    }
    return resolveCheckout(setting, found, lookupEnv(false));
  }

  defaultTrtexecArgs(): string[] {
    const v = config().get<unknown>('trtexec.defaultArgs');
    const args = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    if (v !== undefined && (!Array.isArray(v) || args.length !== v.length)) {
      this.settingWarnings.report([{ setting: 'qdqStudio.trtexec.defaultArgs', value: v, expected: 'a list of strings', usedInstead: args.length ? JSON.stringify(args) : 'no arguments' }]);
    }
    return args;
  }

  /**
   * The TensorRT major version: the `qdqStudio.trtexec.version` setting, else what `trtexec --help`
   * prints (cached per executable). Undefined when it cannot be told.
   */
  async trtMajor(trtexec: string): Promise<{ major: number; version?: string; source: 'setting' | 'trtexec' } | undefined> {
    const forced = versionSettingMajor(config().get<string>('trtexec.version'));
    if (forced !== undefined) return { major: forced, source: 'setting' };
    let stamp = '';
    try {
      stamp = String((await fsp.stat(trtexec)).mtimeMs);
    } catch {
      /* resolved earlier; a race is reported by the run itself */
    }
    const key = `${trtexec}\0${stamp}`;
    let p = this.versionCache.get(key);
    if (!p) {
      p = detectVersion(trtexec, this.log);
      this.versionCache.set(key, p);
    }
    const v = await p;
    return v ? { major: v.major, version: v.version, source: 'trtexec' } : undefined;
  }
}

/** Runs `trtexec --help` (no shell, 15 s limit) and reads the version from its frame. */
export async function detectVersion(trtexec: string, log: Logger): Promise<TrtVersion | undefined> {
  let text = '';
  const run = startProcess({ command: trtexec, args: ['--help'] }, { onOutput: (t) => (text.length < 1 << 20 ? (text += t) : undefined) });
  const timer = setTimeout(() => run.kill(), 15_000);
  const result = await run.done;
  clearTimeout(timer);
  const v = parseTrtexecVersion(text);
  if (!v) log.warn(`could not read the TensorRT version from \`${trtexec} --help\` (exit ${String(result.code)}${result.startError ? `, ${result.startError}` : ''})`);
  return v;
}

const FILE_FILTERS: Readonly<Record<ToolKind, Record<string, string[]> | undefined>> = { python: undefined, trtexec: undefined, checkout: undefined };

/** A tool problem's notification as the integration tests' answerer sees it (`answerToolProblems`). */
export interface ToolNotice {
  readonly message: string;
  readonly actions: readonly string[];
}
/** Answers in place of the user: the action picked, or undefined (dismissed). */
export type ToolNoticeAnswerer = (notice: ToolNotice) => string | undefined | Thenable<string | undefined>;

export const OPEN_TOOL_SETTINGS = 'Open Settings';

/**
 * Shows a missing tool as an error with the two ways out: open the setting (on the Settings
 * editor's Remote tab in a remote window: the tool settings are machine settings), or pick the file
 * (or folder) and store it in the user's (machine) settings. The problem is logged (warn) first.
 */
export async function showToolProblem(problem: ToolProblem, log: Logger, answer?: ToolNoticeAnswerer): Promise<void> {
  log.warn(problem.message);
  const open = OPEN_TOOL_SETTINGS;
  const pick = problem.kind === 'checkout' ? 'Pick Folder…' : 'Pick File…';
  const choice = answer ? await answer({ message: problem.message, actions: [open, pick] }) : await vscode.window.showErrorMessage(problem.message, open, pick);
  if (choice === open) {
    await openSettings(problem.setting, log);
  } else if (choice === pick) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: problem.kind !== 'checkout',
      canSelectFolders: problem.kind === 'checkout',
      canSelectMany: false,
      openLabel: `Use as ${problem.kind === 'checkout' ? 'yolov9-qat checkout' : problem.kind}`,
      filters: FILE_FILTERS[problem.kind],
    });
    if (picked?.[0]) {
      await vscode.workspace.getConfiguration().update(problem.setting, picked[0].fsPath, vscode.ConfigurationTarget.Global);
      log.info(`${problem.setting} set to ${picked[0].fsPath}`);
    }
  }
}
