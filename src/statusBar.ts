import * as vscode from 'vscode';
import { type Target, targetLabel } from './core/analysis/index';
import { ANALYSIS_SECTION, targetFromSettings } from './diagnostics/analysisService';
import { activeModelUri } from './editor/onnxEditorProvider';
import { Disposable } from './util/dispose';

export const SELECT_TARGET_COMMAND = 'qdqStudio.selectAnalysisTarget';

/** What the status bar item shows, as plain data (test hook). */
export interface TargetStatus {
  readonly visible: boolean;
  readonly text: string;
  readonly tooltip: string;
  readonly command: string;
}

/** The item's text and tooltip for a target (`enabled`: `qdqStudio.analysis.enabled`). */
export function describeTarget(target: Target, enabled: boolean): { text: string; tooltip: string; label: string } {
  const name = targetLabel(target, 'short');
  const build = target.stronglyTyped ? 'strongly typed builds (--stronglyTyped)' : `--${target.precision} --fp16 builds`;
  const tooltip = enabled
    ? `QDQ Studio predicts how TensorRT ${target.trt}.x builds this model with ${target.precision.toUpperCase()} Q/DQ: ${build}${target.refit ? ', refittable engine' : ''}. Click to change the target.`
    : 'QDQ Studio analysis is off (qdqStudio.analysis.enabled). Click to choose the TensorRT target it would predict for.';
  return {
    text: `$(chip) ${enabled ? name : `${name} (analysis off)`}`,
    tooltip,
    label: enabled ? `QDQ Studio analysis target: ${targetLabel(target)}` : 'QDQ Studio analysis is off',
  };
}

/**
 * The analysis target in the status bar while a QDQ Studio model editor is the active tab
 * ("TRT 10 · INT8", from the `qdqStudio.analysis.*` settings of that model's folder, as the
 * analysis reads them); clicking it runs "Select TensorRT Target for Analysis…".
 */
export class TargetStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private visible = false;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('qdqStudio.target', vscode.StatusBarAlignment.Right, 100));
    this.item.name = 'QDQ Studio: TensorRT Target';
    this.item.command = SELECT_TARGET_COMMAND;
    const update = () => this.update();
    this._register(vscode.window.tabGroups.onDidChangeTabs(update));
    this._register(vscode.window.tabGroups.onDidChangeTabGroups(update));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(ANALYSIS_SECTION) && update()));
    update();
  }

  private update(): void {
    const model = activeModelUri();
    if (!model) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const enabled = vscode.workspace.getConfiguration(ANALYSIS_SECTION, model).get<boolean>('enabled', true);
    const shown = describeTarget(targetFromSettings(model), enabled);
    this.item.text = shown.text;
    this.item.tooltip = shown.tooltip;
    this.item.accessibilityInformation = { label: shown.label, role: 'button' };
    this.item.show();
    this.visible = true;
  }

  /** What the item shows now (test hook). */
  state(): TargetStatus {
    return { visible: this.visible, text: this.item.text, tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '', command: SELECT_TARGET_COMMAND };
  }
}
