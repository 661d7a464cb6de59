/**
 * Settings in the UI: opening the Settings editor where a setting can actually be changed, and
 * saying once when a setting holds a value the code cannot use (and what it uses instead).
 *
 * Where: in a remote window (Remote-SSH, containers, WSL, code-server) machine-scoped settings
 * (the tool paths) are shown only on the Settings editor's Remote tab; the User tab filtered to one
 * of them says "No Settings Found". So a machine setting opens with
 * `workbench.action.openRemoteSettings` there. That command takes an options object only (VS Code
 * 1.100 drops a string argument and opens unfiltered), so the query goes as `{ query }`, which
 * `workbench.action.openSettings` and `openWorkspaceSettings` accept too.
 */
import * as vscode from 'vscode';
import type { Logger } from './logger';

const EXTENSION_ID = 'qdq-studio.qdq-studio';

/** Whether a qdqStudio.* setting is machine-scoped (package.json `scope`). */
export function isMachineSetting(setting: string): boolean {
  const configuration = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes?: { configuration?: unknown } } | undefined)?.contributes?.configuration;
  const groups = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  for (const g of groups) {
    const p = (g as { properties?: Record<string, { scope?: string }> }).properties?.[setting];
    if (p) return p.scope === 'machine' || p.scope === 'machine-overridable';
  }
  return false;
}

export interface SettingsCommand {
  readonly command: string;
  readonly args: { readonly query: string };
}

/**
 * The command that shows `setting` in the Settings editor: the Remote tab for a machine setting
 * in a remote window, the Workspace tab when the workspace sets it, else the User tab.
 */
export function settingsCommand(setting: string, o: { machine: boolean; inWorkspace?: boolean; remoteName?: string | undefined }): SettingsCommand {
  const command = o.machine && o.remoteName ? 'workbench.action.openRemoteSettings' : o.inWorkspace && !o.machine ? 'workbench.action.openWorkspaceSettings' : 'workbench.action.openSettings';
  return { command, args: { query: setting } };
}

/** Opens the Settings editor at `setting` on the tab where it can be set (see `settingsCommand`). */
export async function openSettings(setting: string, log?: Logger): Promise<void> {
  const dot = setting.lastIndexOf('.');
  const inspected = dot > 0 ? vscode.workspace.getConfiguration(setting.slice(0, dot)).inspect(setting.slice(dot + 1)) : undefined;
  const inWorkspace = inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
  const { command, args } = settingsCommand(setting, { machine: isMachineSetting(setting), inWorkspace, remoteName: vscode.env.remoteName });
  log?.debug(`Settings: ${command} ${JSON.stringify(args)}`);
  try {
    await vscode.commands.executeCommand(command, args);
  } catch (e) {
    log?.warn(`Cannot open the settings at ${setting} (${command}): ${e instanceof Error ? e.message : String(e)}`);
    await vscode.commands.executeCommand('workbench.action.openSettings', args);
  }
}

/** A setting whose value cannot be used, and what is used in its place. */
export interface SettingProblem {
  /** The full id, e.g. `qdqStudio.analysis.tensorrtVersion`. */
  readonly setting: string;
  readonly value: unknown;
  /** What a valid value is: `"10" or "8"`. */
  readonly expected: string;
  /** What the code uses instead: `TensorRT 10`. */
  readonly usedInstead: string;
}

export const OPEN_SETTINGS = 'Open Settings';

export function settingProblemMessage(p: SettingProblem): string {
  return `QDQ Studio: the setting ${p.setting} is ${JSON.stringify(p.value)}, which is not ${p.expected}; using ${p.usedInstead} instead.`;
}

/**
 * Says each distinct bad setting value once per session (a warning with Open Settings, and the
 * log), however often the setting is read.
 */
export class SettingWarnings {
  private readonly said = new Set<string>();

  constructor(private readonly log: Logger) {}

  report(problems: readonly SettingProblem[]): void {
    for (const p of problems) {
      const key = `${p.setting}\0${JSON.stringify(p.value)}`;
      if (this.said.has(key)) continue;
      this.said.add(key);
      const message = settingProblemMessage(p);
      this.log.warn(message);
      void vscode.window.showWarningMessage(message, OPEN_SETTINGS).then((choice) => (choice === OPEN_SETTINGS ? openSettings(p.setting, this.log) : undefined));
    }
  }
}

/**
 * A whole-number setting of at least `min`: the value, or `fallback` with the problem added (for
 * settings such as `qdqStudio.sensitivity.keepCount`, where 0 would fill a prompt with a value the
 * prompt refuses).
 */
export function wholeNumberSetting(setting: string, value: unknown, min: number, fallback: number, problems: SettingProblem[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  problems.push({ setting, value, expected: `a whole number of at least ${min}`, usedInstead: String(fallback) });
  return fallback;
}
