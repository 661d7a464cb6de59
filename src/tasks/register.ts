/**
 * Wires the tasks feature: the `qdq` task provider (only while the workspace is trusted), the
 * engine report panel that trtexec builds feed, and the task commands.
 */
import * as vscode from 'vscode';
import { registerTaskCommands } from '../commands/taskCommands';
import { targetLabel } from '../core/analysis/index';
import { modelOfEngineOutput, TASK_TYPE } from '../core/tasks/index';
import { engineAnalysisTarget } from '../diagnostics/engineCheck';
import type { ModelLoader } from '../editor/modelLoader';
import type { OverlayService } from '../editor/overlays';
import { EngineReportPanel } from '../engineView/engineReportPanel';
import { checkPrediction, ENGINE_SOURCE, engineOverlay, type PredictedLayers } from '../engineView/engineOverlay';
import type { PredictionCache } from '../engineView/predictionCache';
import type { EngineReport, LogDiagnostic } from '../core/engineReport/index';
import type { PredictionCheckDto } from '../protocol/engineView';
import type { Logger } from '../util/logger';
import { QdqTaskProvider } from './taskProvider';
import { Tools, type ToolNoticeAnswerer } from './tools';
import type { TrtexecBuildResult } from './trtexecTerminal';

export interface TaskFeatureServices {
  log: Logger;
  loader: ModelLoader;
  /** When given, a shown engine report also colours its model's graph ('engine' overlay). */
  overlays?: OverlayService;
}

/**
 * The analysis's prediction for the model a build came from (`dir/model.trtexec/` → `dir/model.onnx`),
 * for the TensorRT major version the engine was built with, checked against the engine. With a
 * `cache` (the report panel's), an unchanged model (path, size, time) is decoded and analysed once
 * per target: the report is drawn again at each write of a build's files.
 */
async function predictFor(
  report: EngineReport,
  layerInfo: string,
  model = modelOfEngineOutput(layerInfo),
  cache?: PredictionCache<PredictedLayers | undefined>,
): Promise<PredictionCheckDto | undefined> {
  // Our folders name the flavour: only the explicit Q/DQ build follows the model's Q/DQ (the FP16
  // and implicit-INT8 baselines ignore it; kept builds too). A layer info saved beside its model
  // names none: it is checked when the model has Q/DQ.
  const ours = /\.trtexec[\\/](?:history[\\/])?[^\\/]+$/.test(layerInfo);
  if (!model || (ours && !/(^|[\\/])qdq\.layer\.json$/.test(layerInfo))) return undefined;
  const modelUri = vscode.Uri.file(model);
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(modelUri);
  } catch {
    return undefined;
  }
  // The settings' target, as the engine was built (its TensorRT version, --stronglyTyped from its
  // log): the same target the Problems panel's engine-mismatch warnings use.
  const target = engineAnalysisTarget(report, modelUri);
  const analyse = async (): Promise<PredictedLayers | undefined> => {
    const [onnx, graph, analysis] = await Promise.all([import('../core/onnx/index.js'), import('../core/graph/index.js'), import('../core/analysis/index.js')]);
    const decoded = onnx.openModelFile(model);
    try {
      if (!decoded.model.graph) return undefined;
      if (!ours && !decoded.model.graph.node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear')) return undefined;
      const predicted = analysis.analyzeModel(decoded, graph.buildGraphIndex(decoded.model.graph), target);
      // What the check reads, not the whole analysis (findings, fusion groups) of a model that may be large.
      return { layers: predicted.layers.map(({ node, opType, precision }) => ({ node, opType, precision })), reformats: predicted.reformats };
    } finally {
      decoded.source.close?.();
    }
  };
  const key = JSON.stringify([model, stat.size, stat.mtime, ours, target]);
  const predicted = cache ? await cache.get(key, analyse) : await analyse();
  if (!predicted) return undefined;
  return { target: targetLabel(target), model: model.slice(Math.max(model.lastIndexOf('/'), model.lastIndexOf('\\')) + 1), ...checkPrediction(report, predicted) };
}

export function registerTasks(context: vscode.ExtensionContext, services: TaskFeatureServices): void {
  const { log, loader } = services;
  const tools = new Tools(log);
  const panel = new EngineReportPanel(context.extensionUri, log, predictFor, context.workspaceState, context.extensionMode === vscode.ExtensionMode.Test);
  context.subscriptions.push(panel);
  // trtexec's warnings and errors, at their lines of the saved console log: set when a report is
  // shown, and when a build ends (a failed one shows no report; a passing one clears the errors).
  const logDiagnostics = vscode.languages.createDiagnosticCollection('trtexec');
  const setLogDiagnostics = (file: string, items: readonly LogDiagnostic[]): void => {
    logDiagnostics.set(
      vscode.Uri.file(file),
      items.map((d) => {
        const line = Math.max(0, d.line - 1);
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          d.message,
          d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        diagnostic.source = d.tensorrt ? 'TensorRT' : 'trtexec';
        return diagnostic;
      }),
    );
  };
  context.subscriptions.push(
    logDiagnostics,
    panel.onDidShow((shown) => {
      if (shown.source.log) setLogDiagnostics(shown.source.log, shown.report.diagnostics?.items ?? []);
    }),
  );
  if (services.overlays) {
    const overlays = services.overlays;
    context.subscriptions.push(
      panel.onDidShow((shown) => {
        const model = shown.model;
        if (model) overlays.set(vscode.Uri.file(model), ENGINE_SOURCE, engineOverlay(shown.report, `Engine: ${shown.source.label}`));
      }),
    );
  }

  // The build's terminal closes (and its task ends) after this returns: nothing here waits on the user.
  const onTrtexecBuilt = async (r: TrtexecBuildResult): Promise<void> => {
    // What this build's log says, failed or not (the log file was rewritten: earlier lines are gone).
    setLogDiagnostics(r.plan.outputs.log, r.log.diagnostics);
    // The kept builds the history deleted to make room: what their logs said goes with them.
    for (const file of r.removed) logDiagnostics.delete(vscode.Uri.file(file));
    if (r.stopped) {
      const message = `trtexec (${r.label}) was stopped before it finished.`;
      log.warn(message);
      void vscode.window.showWarningMessage(message);
      return;
    }
    if (!r.hasLayerInfo) {
      const firstError = r.log.diagnostics.find((d) => d.severity === 'error');
      const message = `trtexec (${r.label}) ${r.exitCode === 0 ? 'wrote no layer info' : `failed${r.exitCode !== undefined ? ` with exit code ${r.exitCode}` : ''}`}${firstError ? `: ${firstError.message}` : ''}.`;
      log.error(`${message} Log: ${r.plan.outputs.log}`);
      void vscode.window.showErrorMessage(message, 'Open Log').then((choice) => (choice ? vscode.window.showTextDocument(vscode.Uri.file(r.plan.outputs.log)) : undefined));
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
  // Only in the extension host of the integration tests (an answerer is a function, which only
  // code in the same extension host can pass). The log is every feature's; its hook sits here
  // with the tools' because the tasks are where most of what it records comes from.
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(
      // answerToolProblems(answerer | undefined): answers "trtexec not found"-like errors in place of the user.
      vscode.commands.registerCommand('qdqStudio.internal.answerToolProblems', (answerer: unknown) => {
        if (answerer !== undefined && typeof answerer !== 'function') return false;
        tools.answerer = answerer as ToolNoticeAnswerer | undefined;
        return true;
      }),
      // logLines(): the latest lines of the QDQ Studio log, every level (debug included), oldest first.
      vscode.commands.registerCommand('qdqStudio.internal.logLines', () => log.recent()),
    );
  }
}
