// Keep this import first: it records the time the bundle started to evaluate.
import { moduleStart } from './util/activationClock';
import * as vscode from 'vscode';
import { registerEditCommands } from './commands/editCommands';
import { registerGraphCommands } from './commands/graphCommands';
import { registerModelCommands } from './commands/modelCommands';
import { registerTestHooks, type ActivationStats } from './commands/testHooks';
import { registerDiagnostics } from './diagnostics/register';
import { GraphHost } from './editor/graphHost';
import { ModelLoader } from './editor/modelLoader';
import { OnnxEditorProvider } from './editor/onnxEditorProvider';
import { OpenDocuments } from './editor/openDocuments';
import { OverlayService } from './editor/overlays';
import { registerSensitivity } from './sensitivity/register';
import { WebviewRegistry } from './editor/webviewRegistry';
import { stopAllProcesses } from './tasks/processRunner';
import { registerTasks } from './tasks/register';
import { Logger } from './util/logger';
import { registerNumericCommands } from './numeric/numericCommand';
import { ContextKeys } from './contextKeys';
import { TargetStatusBar } from './statusBar';

/**
 * Builds the services and registers each feature. Kept cheap (target < 100 ms): nothing is decoded
 * or read here, and the ONNX core is imported lazily by `ModelLoader` when a model opens.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = new Logger();
  const registry = new WebviewRegistry();
  const documents = new OpenDocuments();
  context.subscriptions.push(log, registry, documents);
  const loader = new ModelLoader(log);
  const overlays = new OverlayService();
  context.subscriptions.push(overlays);
  // One analysis per model, shared by the Problems panel and the graph's colouring.
  const analysis = registerDiagnostics(context, { extensionUri: context.extensionUri, documents, log });
  const graph = new GraphHost({ log, overlays, memento: context.workspaceState, analysis });
  context.subscriptions.push(graph);

  let stats: ActivationStats = { activationMs: -1 };
  OnnxEditorProvider.register(context, { extensionUri: context.extensionUri, log, loader, registry, documents, graph });
  registerGraphCommands(context, { log, registry, overlays });
  const sensitivity = registerSensitivity(context, { documents, log, overlays, analysis });
  registerModelCommands(context, { log, loader, registry });
  registerNumericCommands(context, log);
  registerEditCommands(context, { documents, log, loader, analysis });
  registerTestHooks(context, { registry, documents, overlays, activationStats: () => stats });
  registerTasks(context, { log, loader, overlays });
  // What menus, the palette and the views' welcome content follow; the target while a model is in front.
  const contextKeys = new ContextKeys({ documents, sensitivity });
  const statusBar = new TargetStatusBar();
  context.subscriptions.push(
    contextKeys,
    statusBar,
    vscode.commands.registerCommand('qdqStudio.internal.uiState', () => ({ contextKeys: contextKeys.snapshot(), statusBar: statusBar.state() })),
  );

  stats = { activationMs: performance.now() - moduleStart };
}

export function deactivate(): void {
  // Everything else is disposed through context.subscriptions. Task programs lead their own
  // process groups, so they are stopped here rather than left to a signal to the host's group.
  stopAllProcesses();
}
