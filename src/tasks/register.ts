/**
 * Wires the tasks feature: the `qdq` task provider (only while the workspace is trusted), the
 * engine report panel that trtexec builds feed, and the task commands.
 */
import * as vscode from 'vscode';
import { registerTaskCommands } from '../commands/taskCommands';
import { TASK_TYPE } from '../core/tasks/index';
import type { ModelLoader } from '../editor/modelLoader';
import type { OverlayService } from '../editor/overlays';
import { EngineReportPanel } from '../engineView/engineReportPanel';
import { ENGINE_SOURCE, engineOverlay, modelOfEngineOutput } from '../engineView/engineOverlay';
import type { Logger } from '../util/logger';
import { QdqTaskProvider } from './taskProvider';
import { Tools } from './tools';
import type { TrtexecBuildResult } from './trtexecTerminal';

export interface TaskFeatureServices {
  log: Logger;
  loader: ModelLoader;
  /** When given, a shown engine report also colours its model's graph ('engine' overlay). */
  overlays?: OverlayService;
}

export function registerTasks(context: vscode.ExtensionContext, services: TaskFeatureServices): void {
  const { log, loader } = services;
  const tools = new Tools(log);
  const panel = new EngineReportPanel(context.extensionUri, log);
  context.subscriptions.push(panel);
  if (services.overlays) {
    const overlays = services.overlays;
    context.subscriptions.push(
      panel.onDidShow((shown) => {
        const model = modelOfEngineOutput(shown.source.layerInfo);
        if (model) overlays.set(vscode.Uri.file(model), ENGINE_SOURCE, engineOverlay(shown.report, `Engine: ${shown.source.label}`));
      }),
    );
  }

  const onTrtexecBuilt = async (r: TrtexecBuildResult): Promise<void> => {
    if (!r.hasLayerInfo) {
      const choice = await vscode.window.showErrorMessage(
        `trtexec (${r.label}) ${r.exitCode === 0 ? 'wrote no layer info' : `failed${r.exitCode !== undefined ? ` with exit code ${r.exitCode}` : ''}`}${r.log.diagnostics.find((d) => d.severity === 'error') ? `: ${r.log.diagnostics.find((d) => d.severity === 'error')!.message}` : ''}.`,
        'Open Log',
      );
      if (choice) await vscode.window.showTextDocument(vscode.Uri.file(r.plan.outputs.log));
      return;
    }
    if (vscode.workspace.getConfiguration('qdqStudio').get<boolean>('trtexec.openReport', true)) {
      await panel.showFile(r.plan.outputs.layerInfo, r.label);
    }
  };

  const provider = new QdqTaskProvider({ log, tools, loader, onTrtexecBuilt });
  let registration: vscode.Disposable | undefined;
  const update = () => {
    if (vscode.workspace.isTrusted && !registration) registration = vscode.tasks.registerTaskProvider(TASK_TYPE, provider);
  };
  update();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(update), { dispose: () => registration?.dispose() });
  registerTaskCommands(context, { log, tools, loader, provider, panel });
}
