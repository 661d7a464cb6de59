import * as vscode from 'vscode';
import type { KeepPrediction, LayerRow, SensitivityOverlay } from '../core/sensitivity/index';
import { sessionHasResult } from '../contextKeys';
import { displayPath } from '../editor/modelLoader';
import type { AnalysisService } from '../diagnostics/analysisService';
import type { OpenDocuments } from '../editor/openDocuments';
import type { Logger } from '../util/logger';
import { SettingWarnings, wholeNumberSetting, type SettingProblem } from '../util/settingsUi';
import { setLayerQuantization, showNotice, type Notify, type ToggleOutcome } from './edits';
import { describeKeepEffect, predictKeepEffect } from './keepEffect';
import { SensitivityTree, type SensitivityRow } from './layerTree';
import { SensitivityResults } from './results';
import { SensitivitySession, type SessionState } from './session';
import { YamlAnnotator, type AppliedAnnotations } from './yamlAnnotations';

/** Where the graph overlay goes: the graph view's `OverlayService` (src/editor/overlays.ts) once it exists. */
export interface OverlaySink {
  set(documentUri: string, source: string, overlay: SensitivityOverlay | undefined): void;
  get(documentUri: string, source: string): unknown;
}

export interface SensitivityServices {
  readonly documents: OpenDocuments;
  readonly log: Logger;
  readonly overlays?: OverlaySink;
  /** The shared analysis (src/diagnostics): the "before" side of keep-k's predicted effect. */
  readonly analysis: AnalysisService;
}

/** What `qdqStudio.internal.sensitivity` returns. */
export interface SensitivityHookState {
  readonly state: SessionState['kind'];
  readonly result?: string;
  readonly model?: string;
  readonly message?: string;
  readonly rows: SensitivityRow[];
  /** Every result file known (read or failed), by URI. */
  readonly known: readonly string[];
  /** The view's description and message, as the user sees them above the rows. */
  readonly viewDescription?: string;
  readonly viewMessage?: string;
  /** Messages the sensitivity commands showed, oldest first (the last 20). */
  readonly notices: readonly { readonly kind: 'info' | 'warning' | 'error'; readonly message: string }[];
  readonly yaml: AppliedAnnotations[];
  /** The `sensitivity` graph overlay of the bound model, as the overlay service holds it. */
  readonly overlay?: unknown;
}

export interface KeepResult {
  readonly k: number;
  readonly prediction: KeepPrediction;
  readonly lines: readonly string[];
  /** Layers the edit commands changed. */
  readonly applied: readonly string[];
  /** Why nothing (more) was applied, if so. */
  readonly problem?: string;
}

const CONFIG_SECTION = 'qdqStudio.sensitivity';
const SOURCE = 'sensitivity';

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/**
 * Sensitivity in VS Code: result files found by watchers (or opened by command), the layer tree
 * with checkboxes, YAML decorations/hover/CodeLens, the graph heat overlay and the keep-k action.
 */
export function registerSensitivity(context: vscode.ExtensionContext, services: SensitivityServices): SensitivitySession {
  const notices: { kind: 'info' | 'warning' | 'error'; message: string }[] = [];
  const notify: Notify = (kind, message) => {
    notices.push({ kind, message });
    if (notices.length > 20) notices.shift();
    showNotice(kind, message);
  };
  const settingWarnings = new SettingWarnings(services.log);
  const results = new SensitivityResults(services.log);
  const session = new SensitivitySession(results, services.documents, context.workspaceState, services.log);
  const toggleRow = async (uri: vscode.Uri, row: LayerRow, quantize: boolean): Promise<void> => {
    await setLayerQuantization(uri, row.name, quantize, notify);
  };
  const tree = new SensitivityTree(session, context.workspaceState, toggleRow);
  const yaml = new YamlAnnotator(session);
  context.subscriptions.push(results, session, tree, yaml);

  // Graph overlay: the bound model gets the heat map; a model that is no longer bound loses it.
  let overlaid: string | undefined;
  if (services.overlays) {
    const sink = services.overlays;
    context.subscriptions.push(
      session.onDidChange((s) => {
        const uri = s.kind === 'ready' ? s.document.uri.toString() : undefined;
        if (overlaid && overlaid !== uri) sink.set(overlaid, SOURCE, undefined);
        overlaid = uri;
        if (s.kind === 'ready' && uri) sink.set(uri, SOURCE, s.core.sensitivityOverlay(s.report));
      }),
    );
  }

  setTimeout(() => void results.scan(), 0);
  // Opening a model with no result known yet: search again (a result may have arrived unseen).
  context.subscriptions.push(services.documents.onDidOpen(() => results.all().length === 0 && results.rescan()));

  const openResults = async (arg?: vscode.Uri | string): Promise<SessionState['kind'] | undefined> => {
    let uri: vscode.Uri | undefined = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      await results.scan();
      const browse: vscode.QuickPickItem & { uri?: vscode.Uri } = { label: '$(folder-opened) Browse…', description: 'a yolov9-qat JSON or console log, or a .qdq-sensitivity.json' };
      const known = results.all().map((f): vscode.QuickPickItem & { uri?: vscode.Uri } => ({
        label: baseName(f.uri),
        description: vscode.workspace.asRelativePath(f.uri),
        detail: f.state.kind === 'error' ? `$(error) ${f.state.message}` : `${f.state.result.layers.length} layers · ${f.state.result.source.tool}`,
        uri: f.uri,
      }));
      const pick = await vscode.window.showQuickPick([...known, browse], { title: 'Sensitivity results', placeHolder: 'Which result should the views show?' });
      if (!pick) return undefined;
      if (pick.uri) uri = pick.uri;
      else {
        const chosen = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Open Sensitivity Results',
          filters: { 'Sensitivity results': ['json', 'log', 'txt'], 'All files': ['*'] },
        });
        uri = chosen?.[0];
      }
    }
    if (!uri) return undefined;
    const file = await results.read(uri, 'opened');
    await session.setActiveResult(uri);
    const s = await session.settled();
    if (file.state.kind === 'loaded') void vscode.commands.executeCommand(`${SensitivityTree.viewId}.focus`).then(undefined, () => undefined);
    return s.kind;
  };

  const selectModel = async (arg?: vscode.Uri | string): Promise<void> => {
    const s = await session.settled();
    if (s.kind === 'empty' || s.kind === 'error') {
      void vscode.window.showInformationMessage('Open a sensitivity result first ("QDQ Studio: Open Sensitivity Results…").');
      return;
    }
    let model: vscode.Uri | undefined = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : undefined;
    if (!model) {
      const open = services.documents.all().filter((d) => d.state.kind === 'loaded');
      if (!open.length) {
        void vscode.window.showInformationMessage(`Open the .onnx model ${baseName(s.file.uri)} was measured on first.`);
        return;
      }
      const pick = await vscode.window.showQuickPick(
        open.map((d) => ({ label: baseName(d.uri), description: vscode.workspace.asRelativePath(d.uri), uri: d.uri })),
        { title: `Model for ${baseName(s.file.uri)}`, placeHolder: 'Which open model was this sensitivity result measured on?' },
      );
      model = pick?.uri;
    }
    if (model) await session.setModelFor(s.file.uri, model);
  };

  /**
   * Says why a command that works on a result cannot (no result read, or the file does not parse),
   * with a button that opens one: from the palette or a key binding these commands would otherwise
   * do nothing visible. Returns whether it said so.
   */
  const saidNoResult = (title: string, s: SessionState): boolean => {
    if (sessionHasResult(s)) return false;
    const why =
      s.kind === 'error'
        ? `${baseName(s.file.uri)} could not be read (${s.message})`
        : "no sensitivity result is open. yolov9-qat's qat.py sensitive writes one (summary-sensitive-analysis.json), so does a numeric check (a .qdq-sensitivity.json)";
    const message = `${title}: ${why}.`;
    notices.push({ kind: 'info', message });
    if (notices.length > 20) notices.shift();
    const open = 'Open Sensitivity Results…';
    void vscode.window.showInformationMessage(message, open).then((c) => c === open && vscode.commands.executeCommand('qdqStudio.openSensitivityResults'));
    return true;
  };

  const filterTopK = async (k?: number): Promise<void> => {
    if (typeof k !== 'number') {
      if (saidNoResult('Show Top k Sensitive Layers', await session.settled())) return;
      const text = await vscode.window.showInputBox({
        title: 'Show the top k layers',
        prompt: 'How many of the most sensitive layers to list (0 = all)',
        value: String(tree.topK() || 10),
        validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a whole number ≥ 0'),
      });
      if (text === undefined) return;
      k = Number(text.trim());
    }
    await tree.setTopK(k);
  };

  const selectMetric = async (): Promise<void> => {
    const s = await session.settled();
    if (saidNoResult('Rank Sensitivity by Metric', s) || s.kind === 'empty' || s.kind === 'error') return;
    const pick = await vscode.window.showQuickPick(
      s.result.metrics.map((m) => ({ label: m.name, description: `${m.direction === 'higher-is-more-sensitive' ? 'higher' : 'lower'} is more sensitive · baseline ${m.baseline ?? 'unknown'}`, detail: m.description })),
      { title: 'Rank layers by' },
    );
    if (pick) await session.setMetric(pick.label);
  };

  const toggleLayer = async (arg: { uri: string; target: string; quantize: boolean }): Promise<ToggleOutcome | undefined> => {
    if (!arg || typeof arg.target !== 'string') return undefined;
    return setLayerQuantization(vscode.Uri.parse(arg.uri), arg.target, arg.quantize, notify);
  };

  const keepMostSensitive = async (arg?: { k?: number; confirm?: boolean }): Promise<KeepResult | undefined> => {
    const s = await session.settled();
    if (s.kind !== 'ready') {
      const why =
        s.kind === 'empty'
          ? 'no sensitivity result is open ("QDQ Studio: Open Sensitivity Results…")'
          : s.kind === 'error'
            ? s.message
            : s.kind === 'noModel'
              ? `open the .onnx model ${baseName(s.file.uri)} was measured on`
              : s.kind === 'noMatch'
                ? `none of the names of ${baseName(s.file.uri)}${s.result.source.model ? ` (measured on ${s.result.source.model})` : ''} is in the open model${s.candidates.length === 1 ? '' : 's'}`
                : 'choose the model the result applies to first';
      void vscode.window.showWarningMessage(`Keep the most sensitive layers in higher precision: ${why}.`);
      return undefined;
    }
    let k = arg?.k;
    if (typeof k !== 'number') {
      // A setting that is no whole number of at least 1 is said once (it filled the box with 0, which the box then refused).
      const problems: SettingProblem[] = [];
      const def = wholeNumberSetting(`${CONFIG_SECTION}.keepCount`, vscode.workspace.getConfiguration(CONFIG_SECTION, s.document.uri).get<unknown>('keepCount'), 1, 3, problems);
      settingWarnings.report(problems);
      const text = await vscode.window.showInputBox({
        title: 'Keep the k most sensitive layers in higher precision (FP16)',
        prompt: `k, between 1 and ${s.report.entries.length} (ranked by ${s.report.metric.name})`,
        value: String(Math.min(def, Math.max(1, s.report.entries.length))),
        validateInput: (v) => s.core.checkKeepCount(v, s.report.entries.length),
      });
      if (text === undefined) return undefined;
      k = Number(text.trim());
    }
    // k beyond the ranking keeps all of it (and the dialog says so).
    const decision = s.core.keepMostSensitive(s.core.rankLayers(s.result, s.report.metric.name), s.index, k);
    const prediction = s.core.predictKeep(decision, s.quantized, s.report.entries.length);
    const lines = [...s.core.describePrediction(prediction)];
    if (prediction.toFp16.length) {
      try {
        lines.push(...describeKeepEffect(await predictKeepEffect(s.document, prediction.toFp16.map((l) => l.name), services.analysis)));
      } catch (e) {
        lines.push(`Findings before/after could not be predicted: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (arg?.confirm !== false) {
      const apply = prediction.toFp16.length ? 'Apply' : undefined;
      const copy = 'Copy Node Names';
      const pick = await vscode.window.showInformationMessage(
        `Keep the ${k >= s.report.entries.length ? `${s.report.entries.length} (all)` : k} most sensitive layers of ${baseName(s.document.uri)} in FP16 (${s.report.metric.name}, ${baseName(s.file.uri)})`,
        { modal: true, detail: lines.join('\n') },
        ...(apply ? [apply] : []),
        copy,
      );
      if (pick === copy) await vscode.env.clipboard.writeText(decision.nodesToExclude.join('\n'));
      if (pick !== apply || !apply) return { k, prediction, lines, applied: [], ...(pick === undefined ? { problem: 'cancelled' } : {}) };
    }
    // All layers in one edit: one undo step takes the whole decision back.
    const applied: string[] = [];
    let problem: string | undefined;
    if (prediction.toFp16.length) {
      const names = prediction.toFp16.map((l) => l.name);
      const out = await vscode.commands.executeCommand<{ applied: boolean; message: string } | undefined>('qdqStudio.disableQuantization', { uri: s.document.uri.toString(), targets: names });
      if (out?.applied) applied.push(...names);
      else problem = out?.message ?? 'the edit was not applied';
    }
    const summary = `Kept ${applied.length} of ${prediction.toFp16.length} layers in FP16 in ${displayPath(s.document.uri)}${problem ? `; ${problem}` : ''}.`;
    notify(problem ? 'warning' : 'info', summary);
    return { k, prediction, lines, applied, ...(problem ? { problem } : {}) };
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('qdqStudio.openSensitivityResults', openResults),
    vscode.commands.registerCommand('qdqStudio.sensitivity.selectModel', selectModel),
    vscode.commands.registerCommand('qdqStudio.sensitivity.filterTopK', filterTopK),
    // The filter is cleared either way (it is kept for the next result); with no result, say so.
    vscode.commands.registerCommand('qdqStudio.sensitivity.showAll', async () => {
      await tree.setTopK(0);
      saidNoResult('Show All Sensitive Layers', await session.settled());
    }),
    vscode.commands.registerCommand('qdqStudio.sensitivity.selectMetric', selectMetric),
    vscode.commands.registerCommand('qdqStudio.sensitivity.toggleLayer', toggleLayer),
    vscode.commands.registerCommand('qdqStudio.sensitivity.keepMostSensitive', keepMostSensitive),
    vscode.commands.registerCommand('qdqStudio.internal.sensitivity', async (): Promise<SensitivityHookState> => {
      await results.scan();
      const s = await session.settled();
      await yaml.settled();
      return {
        state: s.kind,
        ...(s.kind !== 'empty' ? { result: s.file.uri.toString() } : {}),
        ...(s.kind === 'ready' ? { model: s.document.uri.toString() } : {}),
        ...(s.kind === 'error' ? { message: s.message } : {}),
        rows: tree.rows(),
        known: results.all().map((f) => f.uri.toString()),
        ...(tree.view.description ? { viewDescription: tree.view.description } : {}),
        ...(tree.view.message ? { viewMessage: tree.view.message } : {}),
        notices: [...notices],
        yaml: yaml.appliedAnnotations(),
        ...(s.kind === 'ready' && services.overlays ? { overlay: services.overlays.get(s.document.uri.toString(), SOURCE) } : {}),
      };
    }),
  );
  return session;
}
