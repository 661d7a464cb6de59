import * as vscode from 'vscode';
import { targetLabel } from '../core/analysis/index';
import type { OpenDocuments } from '../editor/openDocuments';
import { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import type { Logger } from '../util/logger';
import { ANALYSIS_SECTION, AnalysisService, targetFromSettings } from './analysisService';
import { EngineCheckService } from './engineCheck';
import { FindingsView, type FindingsElement } from './findingsView';
import { ProblemsReporter } from './problems';

export interface DiagnosticsServices {
  readonly extensionUri: vscode.Uri;
  readonly documents: OpenDocuments;
  readonly log: Logger;
}

interface TargetPick extends vscode.QuickPickItem {
  readonly trt: '8' | '10';
  readonly precision: 'int8' | 'fp8';
}

async function selectTarget(): Promise<void> {
  const current = targetFromSettings();
  const picks: TargetPick[] = [
    { label: targetLabel({ trt: 10, precision: 'int8', stronglyTyped: false }), trt: '10', precision: 'int8', description: 'explicit quantization; --int8 --fp16 builds (or --stronglyTyped: qdqStudio.analysis.stronglyTyped)' },
    { label: targetLabel({ trt: 10, precision: 'fp8', stronglyTyped: false }), trt: '10', precision: 'fp8', description: 'FP8 Q/DQ (Hopper and newer)' },
    { label: targetLabel({ trt: 8, precision: 'int8', stronglyTyped: false }), trt: '8', precision: 'int8', description: '--int8 --fp16 builds' },
  ].map((p) => ({ ...p, picked: String(current.trt) === p.trt && current.precision === p.precision })) as TargetPick[];
  const pick = await vscode.window.showQuickPick(picks, { title: 'TensorRT target for the Q/DQ analysis', placeHolder: `now: ${targetLabel(current)}` });
  if (!pick) return;
  const config = vscode.workspace.getConfiguration(ANALYSIS_SECTION);
  const where = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update('tensorrtVersion', pick.trt, where);
  await config.update('precision', pick.precision, where);
}

/**
 * Brings the model a fix edits to the front (with several open, it may be another tab than the one
 * in view), so the edit, its dirty state and its undo are where the user looks. Its own tab where
 * it has one (the editor allows several per document: openWith without a column would open a
 * second one in the active group).
 */
async function bringForward(uri: vscode.Uri): Promise<void> {
  const key = uri.toString();
  const tab = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === OnnxEditorProvider.viewType && t.input.uri.toString() === key);
  await vscode.commands.executeCommand('vscode.openWith', uri, OnnxEditorProvider.viewType, { preserveFocus: true, ...(tab ? { viewColumn: tab.group.viewColumn } : {}) });
}

/**
 * The analysis in VS Code: Problems-panel diagnostics and the Findings view for every open model,
 * kept current through reloads, edits and settings changes.
 */
export function registerDiagnostics(context: vscode.ExtensionContext, services: DiagnosticsServices): AnalysisService {
  const analysis = new AnalysisService(services.documents, services.log);
  // Where the model's Q/DQ build (model.trtexec/qdq.layer.json) disagrees with the prediction.
  const engineChecks = new EngineCheckService(services.documents, analysis, services.log);
  const problems = new ProblemsReporter(analysis, services.extensionUri, engineChecks);
  const view = new FindingsView(services.documents, analysis, engineChecks);
  context.subscriptions.push(
    analysis,
    engineChecks,
    problems,
    view,
    // The graph view's reveal (opens the model if needed, selects and centres the node).
    vscode.commands.registerCommand('qdqStudio.revealFindingNode', (uri: string, node: string) => vscode.commands.executeCommand('qdqStudio.revealNode', uri, node)),
    vscode.commands.registerCommand('qdqStudio.openRuleDoc', async (element?: FindingsElement | string) => {
      const ruleId = typeof element === 'string' ? element : element?.kind === 'finding' || element?.kind === 'node' ? element.finding.ruleId : undefined;
      if (!ruleId || !/^R\d+$/.test(ruleId)) return;
      await vscode.commands.executeCommand('markdown.showPreview', problems.ruleDoc(ruleId));
    }),
    vscode.commands.registerCommand('qdqStudio.applyFindingFix', async (element?: FindingsElement) => {
      if (element?.kind !== 'finding' || !element.finding.fix) return;
      await bringForward(element.document.uri);
      await vscode.commands.executeCommand('qdqStudio.applyFix', { uri: element.document.uri.toString(), fix: element.finding.fix });
    }),
    // Every fix of the row's rule in that model, as one edit (the fixes are found again in rounds: see core/editing/fixAll).
    vscode.commands.registerCommand('qdqStudio.applyFindingFixAll', async (element?: FindingsElement) => {
      if (element?.kind !== 'finding' || !element.finding.fix) return undefined;
      await bringForward(element.document.uri);
      return vscode.commands.executeCommand('qdqStudio.fixAll', { uri: element.document.uri.toString(), rules: [element.finding.ruleId], interactive: true });
    }),
    vscode.commands.registerCommand('qdqStudio.selectAnalysisTarget', () => selectTarget()),
    vscode.commands.registerCommand('qdqStudio.showFindingsForNode', (uri?: unknown, node?: unknown) =>
      (typeof uri === 'string' || uri instanceof vscode.Uri) && typeof node === 'string' ? view.revealNode(uri, node) : false,
    ),
    vscode.commands.registerCommand('qdqStudio.internal.findings', async (uri?: string) => {
      if (uri !== undefined) {
        const document = services.documents.get(uri);
        if (document) await analysis.whenSettled(document);
      }
      return view.rows();
    }),
    // The context menu's Apply Fix on the row of `uri`'s finding `ruleId` on `node` (test hook).
    // With `which` 'all', the menu's Fix All of This Rule (returns its outcome).
    vscode.commands.registerCommand('qdqStudio.internal.applyFindingFixByRow', async (uri: string, ruleId: string, node: string, which?: 'one' | 'all') => {
      const document = services.documents.get(uri);
      if (document) await analysis.whenSettled(document);
      const row = view.findingRow(uri, ruleId, node);
      if (!row) return false;
      if (which === 'all') return vscode.commands.executeCommand('qdqStudio.applyFindingFixAll', row);
      await vscode.commands.executeCommand('qdqStudio.applyFindingFix', row);
      return true;
    }),
    // The engine check of an open model once settled (test hook): the layer info, target and disagreements.
    vscode.commands.registerCommand('qdqStudio.internal.engineCheck', async (uri: string) => {
      const document = services.documents.get(uri);
      const e = document ? await engineChecks.whenSettled(document) : undefined;
      return e && { layerInfo: e.layerInfo, target: e.target, ...e.check };
    }),
    vscode.commands.registerCommand('qdqStudio.internal.findingsSelection', () =>
      view.view.selection.map((e) => (e.kind === 'finding' ? { ruleId: e.finding.ruleId, nodes: e.finding.nodes } : { kind: e.kind })),
    ),
  );
  return analysis;
}
