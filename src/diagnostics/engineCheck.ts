/**
 * Prediction vs engine for open models: when the explicit Q/DQ build of a model
 * (`<dir>/<model>.trtexec/qdq.layer.json`, what the `qdq` trtexec task writes) exists, is at least
 * as new as the model file, and the model has no unsaved edits, every compute node whose predicted
 * precision differs from the precision of the engine layer it was built into is a disagreement.
 * The Problems panel and the Findings view show them beside the findings (code `engine-mismatch`).
 *
 * Checked again when the model's analysis changes (reload, edit, undo, redo, settings) and when
 * the build's layer info or log is written again (a file watcher over the workspace; a burst of
 * writes, as trtexec writes its log, is one check `BUILD_WRITE_SETTLE_MS` after the last, and a
 * change of the log alone reads only the log again). The target is
 * the one the engine report panel uses (`engineAnalysisTarget`), so both say the same.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AnalysisReport, type Target, targetLabel } from '../core/analysis/index';
import type { EngineReport, LayerInfo, PerfSource } from '../core/engineReport/index';
import { trtexecOutputs } from '../core/tasks/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import type { OpenDocuments } from '../editor/openDocuments';
import { checkPrediction, type PredictionCheck } from '../engineView/engineOverlay';
import { sourceFor } from '../engineView/sources';
import { Disposable } from '../util/dispose';
import { Gate } from '../util/gate';
import type { Logger } from '../util/logger';
import { targetFromSettings, type AnalysisService } from './analysisService';

/** The Problems-panel code of a disagreement (not a rule: rule ids are R1–R31). */
export const ENGINE_MISMATCH_CODE = 'engine-mismatch';

/** Most disagreements listed one by one; the rest are one line (a whole model off is one cause). */
export const MAX_MISMATCH_DIAGNOSTICS = 50;

/** Layer-info files larger than this are not read for the check (the report panel still opens them). */
const MAX_LAYER_INFO_BYTES = 256 * 2 ** 20;

/**
 * The analysis target an engine is checked against: the TensorRT major version the engine's log
 * names (else the setting), the settings' precision, strongly typed when the log says the engine
 * was built so (without a log: as the task builds it, `qdqStudio.analysis.stronglyTyped`).
 */
export function engineAnalysisTarget(report: Pick<EngineReport, 'trtVersion' | 'build'>, scope?: vscode.Uri): Target {
  const settings = targetFromSettings(scope);
  const major = Number(/^(\d+)/.exec(report.trtVersion ?? '')?.[1]);
  const trt: 8 | 10 = Number.isFinite(major) ? (major < 10 ? 8 : 10) : settings.trt;
  const stronglyTyped = trt === 10 && (report.build ? report.build.stronglyTyped === true : settings.stronglyTyped);
  return { trt, precision: settings.precision, stronglyTyped, refit: false };
}

/** `dir/model.onnx` → `dir/model.trtexec/qdq.layer.json`: where the `qdq` task writes its layer info (`trtexecOutputs`). */
export function qdqLayerInfoOf(model: string): string {
  return trtexecOutputs(model, 'qdq', undefined, process.platform === 'win32' ? 'win32' : 'posix').layerInfo;
}

export interface EngineCheckState {
  /** The layer-info file checked (absolute path). */
  readonly layerInfo: string;
  /** What the check was made for, e.g. `TensorRT 10.x INT8`. */
  readonly target: string;
  readonly check: PredictionCheck;
  /** The line (0-based) of each disagreeing layer's entry in the layer-info file, by layer name. */
  readonly layerLines: ReadonlyMap<string, number>;
}

/**
 * A build file change comes in bursts (trtexec writes its console log piece by piece, then the
 * layer info, then more log): the check is made once, this long after the last change.
 */
export const BUILD_WRITE_SETTLE_MS = 500;

interface CachedBuild {
  /** The layer info's size and mtime, its parsed content and text (kept while only the log changes). */
  readonly layerKey: string;
  readonly layerInfo: LayerInfo;
  readonly text: string;
  /** The log's path, size and mtime, and what it says. */
  readonly logKey: string;
  readonly run: PerfSource | undefined;
  readonly report: EngineReport;
}

/** What the test hook counts for a document (since it opened). */
interface EngineCheckRuns {
  checks: number;
  /** Changes of its build's layer info or log seen by the watcher. */
  buildEvents: number;
  /** Waits for those changes to settle that ended (each schedules one check). */
  settled: number;
}

const sameLayers = (a: Target, b: Target): boolean => a.trt === b.trt && a.precision === b.precision && Boolean(a.stronglyTyped) === Boolean(b.stronglyTyped);

function lineOf(text: string, layer: string): number {
  const at = text.indexOf(`"Name": ${JSON.stringify(layer)}`);
  if (at < 0) return 0;
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export class EngineCheckService extends Disposable {
  private readonly checks = new Map<OnnxDocument, EngineCheckState>();
  private readonly generations = new Map<OnnxDocument, number>();
  private readonly running = new Map<OnnxDocument, Promise<void>>();
  private readonly builds = new Map<string, CachedBuild>();
  /**
   * Documents whose build's files changed, waiting for the writes to settle: the gate opens
   * `BUILD_WRITE_SETTLE_MS` after the last change (each change `extend`s it), or at once, with no
   * check, when the document closes or the service is disposed.
   */
  private readonly settling = new Map<OnnxDocument, Gate>();
  private core: Promise<[typeof import('../core/engineReport/index.js'), typeof import('../core/analysis/index.js')]> | undefined;
  /**
   * Per document: checks run, build-file events received, and settle waits that ended in a check;
   * and layer-info files read (test hook `qdqStudio.internal.engineCheckRuns`).
   */
  private readonly runs = new Map<OnnxDocument, EngineCheckRuns>();
  private layerInfoReads = 0;

  private readonly _onDidChange = this._register(new vscode.EventEmitter<OnnxDocument>());
  /** The engine check of a document changed (set, replaced or cleared). */
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly documents: OpenDocuments,
    private readonly analysis: AnalysisService,
    private readonly log: Logger,
  ) {
    super();
    this._register(analysis.onDidChange((d) => this.schedule(d)));
    this._register(
      documents.onDidClose((d) => {
        this.generations.delete(d);
        this.running.delete(d);
        this.runs.delete(d);
        this.stopSettling(d);
        if (d.uri.scheme === 'file') this.builds.delete(qdqLayerInfoOf(d.uri.fsPath));
        if (this.checks.delete(d)) this._onDidChange.fire(d);
      }),
    );
    // A build writes its layer info and log again: check the open models it belongs to, once the
    // writes settle (each piece of the log trtexec writes is an event).
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.trtexec/qdq.{layer.json,log}'));
    const changed = (uri: vscode.Uri): void => {
      const dir = path.dirname(uri.fsPath);
      for (const d of this.documents.all()) if (d.uri.scheme === 'file' && path.dirname(qdqLayerInfoOf(d.uri.fsPath)) === dir) this.scheduleAfterWrites(d);
    };
    this._register(watcher.onDidCreate(changed));
    this._register(watcher.onDidChange(changed));
    this._register(watcher.onDidDelete(changed));
    for (const d of documents.all()) this.schedule(d);
    this._register({ dispose: () => [...this.settling.keys()].forEach((d) => this.stopSettling(d)) });
    this._register(
      vscode.commands.registerCommand('qdqStudio.internal.engineCheckRuns', async (uri: string) => {
        const document = this.documents.get(uri);
        if (document) await this.whenSettled(document);
        return { ...((document && this.runs.get(document)) ?? { checks: 0, buildEvents: 0, settled: 0 }), layerInfoReads: this.layerInfoReads };
      }),
    );
  }

  /** The current disagreements of a model with its build; undefined when there is no build to check. */
  get(document: OnnxDocument): EngineCheckState | undefined {
    return this.checks.get(document);
  }

  /** Resolves when the check scheduled so far for `document` has finished (test hook). */
  async whenSettled(document: OnnxDocument): Promise<EngineCheckState | undefined> {
    await this.analysis.whenSettled(document);
    for (let g = this.settling.get(document); g; g = this.settling.get(document)) await g.opened;
    for (let p = this.running.get(document); p; p = this.running.get(document)) {
      await p;
      if (this.running.get(document) === p) break;
    }
    return this.checks.get(document);
  }

  /** Checks `document` once its build's files have not changed for `BUILD_WRITE_SETTLE_MS` (a later change restarts the wait). */
  private scheduleAfterWrites(document: OnnxDocument): void {
    if (this.isDisposed || document.isDisposed) return;
    this.countOf(document).buildEvents++;
    const pending = this.settling.get(document);
    if (pending) {
      pending.extend(BUILD_WRITE_SETTLE_MS);
      return;
    }
    const gate = new Gate(BUILD_WRITE_SETTLE_MS);
    this.settling.set(document, gate);
    // Registered before anyone waits on the gate (whenSettled), so the check is scheduled before they go on.
    void gate.opened.then(() => {
      // Stopped (stopSettling took it out first): no check.
      if (this.settling.get(document) !== gate) return;
      this.settling.delete(document);
      this.countOf(document).settled++;
      this.schedule(document);
    });
  }

  /** Drops a pending check (the document closed, the service is disposed); whoever waits on it goes on. */
  private stopSettling(document: OnnxDocument): void {
    const gate = this.settling.get(document);
    if (!gate) return;
    this.settling.delete(document);
    gate.open();
  }

  private countOf(document: OnnxDocument): EngineCheckRuns {
    let counts = this.runs.get(document);
    if (!counts) this.runs.set(document, (counts = { checks: 0, buildEvents: 0, settled: 0 }));
    return counts;
  }

  private schedule(document: OnnxDocument): void {
    if (document.isDisposed) return;
    const generation = (this.generations.get(document) ?? 0) + 1;
    this.generations.set(document, generation);
    const state = this.analysis.get(document);
    // The model changed (or is being analysed again): what was checked no longer holds.
    if (state?.kind !== 'analysed' || document.isDirty) {
      this.clear(document);
      if (state?.kind !== 'pending') this.running.delete(document);
      return;
    }
    const run = this.run(document, generation).catch((e) => this.log.warn(`Prediction vs engine for ${document.uri.toString(true)}: ${(e as Error)?.message ?? String(e)}`));
    this.running.set(document, run);
  }

  private clear(document: OnnxDocument): void {
    if (this.checks.delete(document)) this._onDidChange.fire(document);
  }

  private async run(document: OnnxDocument, generation: number): Promise<void> {
    this.countOf(document).checks++;
    const current = (): boolean => !document.isDisposed && this.generations.get(document) === generation;
    const state = this.analysis.get(document);
    const loaded = document.state;
    if (state?.kind !== 'analysed' || loaded.kind !== 'loaded' || !loaded.index || document.uri.scheme !== 'file') return this.clear(document);
    const model = document.uri.fsPath;
    const layerInfo = qdqLayerInfoOf(model);
    const [layerStat, modelStat] = await Promise.all([fsp.stat(layerInfo).catch(() => undefined), fsp.stat(model).catch(() => undefined)]);
    if (!current()) return;
    // No build, or one older than the model file (built from an earlier version of it).
    if (!layerStat?.isFile() || !modelStat || layerStat.mtimeMs < modelStat.mtimeMs || layerStat.size > MAX_LAYER_INFO_BYTES) return this.clear(document);
    const build = await this.readBuild(layerInfo, layerStat);
    if (!current()) return;
    const [, analysis] = await this.modules();
    const target = engineAnalysisTarget(build.report, document.uri);
    const predicted: AnalysisReport = sameLayers(target, state.target) ? state.report : analysis.analyzeModel(loaded.decoded, loaded.index, target);
    if (!current()) return;
    const check = checkPrediction(build.report, predicted);
    const layerLines = new Map<string, number>();
    for (const d of check.disagreements.slice(0, MAX_MISMATCH_DIAGNOSTICS)) if (!layerLines.has(d.layer)) layerLines.set(d.layer, lineOf(build.text, d.layer));
    this.checks.set(document, { layerInfo, target: targetLabel(target), check, layerLines });
    this._onDidChange.fire(document);
  }

  private modules() {
    this.core ??= Promise.all([import('../core/engineReport/index.js'), import('../core/analysis/index.js')]);
    return this.core;
  }

  /**
   * The build's report (layer info and the log beside it). Each file is read again only when it
   * changed: a log still being written does not make the layer info be read and parsed again.
   */
  private async readBuild(layerInfo: string, layerStat: { mtimeMs: number; size: number }): Promise<CachedBuild> {
    const [engine] = await this.modules();
    const source = await sourceFor(layerInfo);
    const logStat = source.log ? await fsp.stat(source.log).catch(() => undefined) : undefined;
    const layerKey = `${layerStat.mtimeMs}:${layerStat.size}`;
    const logKey = `${source.log ?? ''}:${logStat?.mtimeMs ?? ''}:${logStat?.size ?? ''}`;
    const cached = this.builds.get(layerInfo);
    if (cached?.layerKey === layerKey && cached.logKey === logKey) return cached;
    let parsed: Pick<CachedBuild, 'layerInfo' | 'text'>;
    if (cached?.layerKey === layerKey) parsed = { layerInfo: cached.layerInfo, text: cached.text };
    else {
      this.layerInfoReads++;
      const text = await fsp.readFile(layerInfo, 'utf8');
      parsed = { layerInfo: engine.parseLayerInfo(text, layerInfo), text };
    }
    let run: PerfSource | undefined;
    if (cached?.logKey === logKey) run = cached.run;
    else if (source.log && logStat && logStat.size <= MAX_LAYER_INFO_BYTES) run = engine.parseRunSource(await fsp.readFile(source.log, 'utf8'), source.log);
    const build: CachedBuild = { layerKey, logKey, ...parsed, run, report: engine.buildEngineReport(run ? { layerInfo: parsed.layerInfo, run } : { layerInfo: parsed.layerInfo }) };
    this.builds.set(layerInfo, build);
    return build;
  }
}
