import * as vscode from 'vscode';
import { type AnalysisReport, type Finding, type Target, targetLabel } from '../core/analysis/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import type { OpenDocuments } from '../editor/openDocuments';
import { markStep } from '../editor/openTimeline';
import { Disposable } from '../util/dispose';
import type { Logger } from '../util/logger';
import { SettingWarnings, type SettingProblem } from '../util/settingsUi';

/** What the analysis of one document currently is. */
export type AnalysisState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'disabled' }
  | {
      readonly kind: 'analysed';
      readonly report: AnalysisReport;
      readonly target: Target;
      /** The graph check G1's findings (a cycle, a dangling input, a name defined twice), as `qdq lint` reports them. */
      readonly structure: readonly Finding[];
    }
  /** The model did not load (the load error is the finding) or the analysis itself failed. */
  | { readonly kind: 'failed'; readonly message: string; readonly loadError: boolean };

export const ANALYSIS_SECTION = 'qdqStudio.analysis';

/**
 * The TensorRT target from the `qdqStudio.analysis.*` settings (resource-scoped: per folder). A
 * value it cannot use (`tensorrtVersion: "9"`, `precision: "int4"`, a flag that is not true or
 * false) gives way to the default, and is added to `problems` when given (AnalysisService says
 * each one once: `SettingWarnings`).
 */
export function targetFromSettings(scope?: vscode.Uri, problems?: SettingProblem[]): Target {
  const c = vscode.workspace.getConfiguration(ANALYSIS_SECTION, scope);
  return readTarget((key) => c.get(key), problems);
}

/** `targetFromSettings` over a settings reader (`key` without the section): the checks themselves. */
export function readTarget(get: (key: string) => unknown, problems: SettingProblem[] = []): Target {
  const bad = (key: string, value: unknown, expected: string, usedInstead: string) =>
    problems.push({ setting: `${ANALYSIS_SECTION}.${key}`, value, expected, usedInstead });
  const version = get('tensorrtVersion');
  const v = version === undefined ? '10' : String(version).replace(/\.x$/, '');
  if (v !== '8' && v !== '10') bad('tensorrtVersion', version, '"10" or "8"', 'TensorRT 10');
  const trt = v === '8' ? 8 : 10;
  const p = get('precision');
  if (p !== undefined && p !== 'int8' && p !== 'fp8') bad('precision', p, '"int8" or "fp8"', 'INT8');
  const precision = p === 'fp8' ? 'fp8' : 'int8';
  const flag = (key: string): boolean => {
    const x = get(key);
    if (x === undefined || typeof x === 'boolean') return x === true;
    bad(key, x, 'true or false', 'false');
    return false;
  };
  // FP8 Q/DQ on 10.x is built --stronglyTyped (weakly typed FP8 builds fail or fall back), so it is predicted so.
  const stronglyTyped = flag('stronglyTyped') || (precision === 'fp8' && trt === 10);
  return { trt, precision, stronglyTyped, refit: flag('refit') };
}

/**
 * Runs the TensorRT Q/DQ analysis (src/core/analysis) for every open model, after it loads, after
 * it changes (reload, edit, undo, redo) and when the target settings change, and keeps the latest
 * report per document. Consumers (Problems panel, findings view, graph colouring) listen to
 * `onDidChange`. The analysis is synchronous and fast (about 80 ms for 6,000 nodes, 0.5 s for
 * 50,000 on the reference machine), so it runs on the host's thread, but never inside
 * `openCustomDocument`: it is scheduled after the load, and the first one after the model's first
 * graph reached a panel, so neither opening nor the first paint waits for it.
 */
export class AnalysisService extends Disposable {
  private readonly states = new Map<OnnxDocument, AnalysisState>();
  private readonly generations = new Map<OnnxDocument, number>();
  private core: Promise<typeof import('../core/analysis/index.js')> | undefined;
  /** Bad `qdqStudio.analysis.*` values, said once each. */
  private readonly settingWarnings: SettingWarnings;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** The analysis state of a document changed (including to `disabled`, or on close). */
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly documents: OpenDocuments,
    private readonly log: Logger,
  ) {
    super();
    this.settingWarnings = new SettingWarnings(log);
    this._register(documents.onDidOpen((d) => this.track(d)));
    this._register(
      documents.onDidClose((d) => {
        this.states.delete(d);
        this.generations.delete(d);
        this._onDidChange.fire(d);
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const d of documents.all()) if (e.affectsConfiguration(ANALYSIS_SECTION, d.uri)) this.schedule(d);
      }),
    );
    for (const d of documents.all()) this.track(d);
  }

  /** The current state; `undefined` for a document that is not open. */
  get(document: OnnxDocument): AnalysisState | undefined {
    return this.states.get(document);
  }

  /** Documents with a state, in no particular order. */
  documentsWithState(): OnnxDocument[] {
    return [...this.states.keys()];
  }

  /** Resolves when the analysis of `document` scheduled so far has finished. */
  async whenSettled(document: OnnxDocument): Promise<AnalysisState | undefined> {
    this.documents.release(document); // a first analysis held for the first paint starts now
    for (;;) {
      const s = this.states.get(document);
      if (s?.kind !== 'pending') return s;
      await new Promise<void>((resolve) => {
        const sub = this.onDidChange((d) => {
          if (d === document) {
            sub.dispose();
            resolve();
          }
        });
      });
    }
  }

  private track(document: OnnxDocument): void {
    // Reload, edit, undo, redo, revert.
    const subscription = document.onDidChangeModel(() => this.schedule(document));
    document.onDidDispose(() => subscription.dispose());
    // The first analysis waits for the first graph to reach a panel (see OpenDocuments.whenFirstShown).
    this.schedule(document, this.documents.whenFirstShown(document));
  }

  private schedule(document: OnnxDocument, after?: Promise<void>): void {
    if (document.isDisposed) return;
    const generation = (this.generations.get(document) ?? 0) + 1;
    this.generations.set(document, generation);
    this.set(document, { kind: 'pending' });
    const start = (): void => void setTimeout(() => void this.run(document, generation), 0);
    if (after) void after.then(start);
    else start();
  }

  private async run(document: OnnxDocument, generation: number): Promise<void> {
    const current = (): boolean => !document.isDisposed && this.generations.get(document) === generation;
    if (!current()) return;
    const config = vscode.workspace.getConfiguration(ANALYSIS_SECTION, document.uri);
    const enabled = config.get<unknown>('enabled', true);
    if (typeof enabled !== 'boolean') this.settingWarnings.report([{ setting: `${ANALYSIS_SECTION}.enabled`, value: enabled, expected: 'true or false', usedInstead: 'true' }]);
    if (enabled === false) {
      this.set(document, { kind: 'disabled' });
      return;
    }
    const state = document.state;
    if (state.kind === 'loading') {
      // Documents are listed once loaded, so this does not happen; never leave a caller waiting.
      this.set(document, { kind: 'failed', message: `${document.uri.toString(true)} is still loading`, loadError: true });
      return;
    }
    if (state.kind === 'error') {
      this.set(document, { kind: 'failed', message: state.error.message, loadError: true });
      return;
    }
    const index = state.index; // built with the summary; absent exactly when there is no graph
    if (!index) {
      this.log.warn(`${state.decoded.file}: the model has no graph; nothing to analyse`);
      this.set(document, { kind: 'failed', message: `${state.decoded.file}: the model has no graph`, loadError: true });
      return;
    }
    const problems: SettingProblem[] = [];
    const target = targetFromSettings(document.uri, problems);
    this.settingWarnings.report(problems);
    markStep(document, 'analysisStarted');
    try {
      this.core ??= import('../core/analysis/index.js');
      const analysis = await this.core;
      if (!current()) return;
      const t0 = performance.now();
      const report = analysis.analyzeModel(state.decoded, index, target);
      if (!current()) return;
      this.log.debug(
        `Analysed ${document.uri.toString(true)} for ${targetLabel(target)}: ${report.findings.length} findings in ${(performance.now() - t0).toFixed(0)} ms`,
      );
      const graph = state.decoded.model.graph;
      const structure = graph ? analysis.graphFindings(graph, index) : [];
      this.set(document, { kind: 'analysed', report, target, structure });
    } catch (e) {
      if (!current()) return;
      const message = `Analysis of ${document.uri.toString(true)} failed: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(message);
      this.set(document, { kind: 'failed', message, loadError: false });
    }
  }

  private set(document: OnnxDocument, state: AnalysisState): void {
    this.states.set(document, state);
    this._onDidChange.fire(document);
  }
}
