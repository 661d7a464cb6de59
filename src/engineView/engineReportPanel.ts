/**
 * The "Engine report" panel: one webview (webview/engine/) showing a trtexec build (per-layer
 * precision, reformat layers, timing) and its comparison with another build: by default the build
 * of the same flavour before this one (kept in `history/`), or any build the user picks ("Compare
 * with…": the same folder, the other `*.trtexec/` folders beside the model, such as a QAT model's
 * float twin's baselines, earlier builds, or any layer info through Browse…, which the Compare
 * dropdown then lists too). The choice is remembered per report. An open report follows the files
 * of the build it was opened for: a rebuild moves that build into `history/` (the report shows it
 * from there and says so) and then writes the new one (the report shows it). The engine-report
 * core is imported when the first report is shown.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineReport } from '../core/engineReport/index';
import { modelOfEngineOutput } from '../core/tasks/index';
import { buildWebviewShell } from '../editor/webviewHtml';
import { Channel } from '../protocol/channel';
import {
  isFromEngineView,
  type EngineCandidateDto,
  type EngineRenderedDto,
  type EngineShowMessage,
  type FromEngineView,
  type PredictionCheckDto,
  type ToEngineView,
} from '../protocol/engineView';
import { Gate } from '../util/gate';
import type { Logger } from '../util/logger';
import type { PredictedLayers } from './engineOverlay';
import { PredictionCache } from './predictionCache';
import { comparisonToDto, reportToDto } from './reportDto';
import { buildStem, comparableBuilds, HISTORY_DIR, historyEntries, sourceFor, stampText, type ComparableBuild, type EngineSource } from './sources';

type EngineModule = typeof import('../core/engineReport/index.js');

const MAX_BYTES = 512 * 2 ** 20;

async function readText(file: string): Promise<string> {
  const st = await fsp.stat(file);
  if (st.isDirectory()) throw new Error(`cannot read ${file}: it is a folder`);
  // A named pipe or a device would leave the read, and the panel, waiting for a writer.
  if (!st.isFile()) throw new Error(`cannot read ${file}: not a regular file`);
  if (st.size > MAX_BYTES) throw new Error(`cannot read ${file}: ${st.size} bytes is more than the ${MAX_BYTES} the engine report reads`);
  return fsp.readFile(file, 'utf8');
}

/** Logs larger than this are not read just for the throughput a quick pick shows. */
const MAX_QPS_LOG_BYTES = 16 * 2 ** 20;

/** What the panel last showed (test hook and "compare" handling). */
export interface EngineShown {
  source: EngineSource;
  report: EngineReport;
  compareWith?: EngineSource;
  /** The ONNX model the build came from, when known (`modelOfBuild`). */
  model?: string;
  /** What the report says about what it shows (the build was replaced by a rebuild, its files are gone). */
  notice?: string;
}

/** Test hook: a held render goes on after this long even if not released. */
const HOLD_MS = 60_000;

/** A build's files changed: the report looks again this long after the last change (a build writes them in pieces). */
const FOLLOW_SETTLE_MS = 500;

/** The build an open report follows: the layer info it was opened for, which a rebuild replaces. */
interface Followed {
  layerInfo: string;
  /** What the user calls it (`qdq`). */
  label: string;
  watcher: vscode.Disposable;
}

/** Which of a build's files exist, with their sizes and times: what changed since the report read them. */
async function filesKey(source: EngineSource): Promise<string> {
  const files = [source.layerInfo, source.profile, source.log];
  const stats = await Promise.all(files.map((f) => (f ? fsp.stat(f).then((st) => `${st.size}:${st.mtimeMs}`, () => '-') : '')));
  return files.map((f, i) => `${f ?? ''}=${stats[i]}`).join('|');
}

/** What a report is compared with, remembered per report (its layer-info path). */
export type ComparisonChoice = { kind: 'none' } | { kind: 'previous' } | { kind: 'file'; path: string };

const CHOICES_KEY = 'qdqStudio.engineReport.compareWith';
const MAX_CHOICES = 200;

function isChoice(v: unknown): v is ComparisonChoice {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return c.kind === 'none' || c.kind === 'previous' || (c.kind === 'file' && typeof c.path === 'string');
}

/**
 * What the panel's title names: the build, and its model when known — the same whether the report
 * was opened by a build task (whose label names the model) or by a command (whose label is the
 * build's file name: it said "qdq" for the report a task called "qdq: yolov9t-qat.onnx").
 */
export function reportTitle(label: string, model: string | undefined): string {
  if (!model) return label;
  const name = path.basename(model);
  return label.includes(name) ? label : `${label}: ${name}`;
}

/** The model a build came from: its `.trtexec/` folder's, or one beside a layer info named after it. */
export function modelOfBuild(layerInfo: string): string | undefined {
  return modelOfEngineOutput(layerInfo, (p) => existsSync(p));
}

export class EngineReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: Channel<ToEngineView, FromEngineView> | undefined;
  private ready: Promise<void> | undefined;
  private markReady: (() => void) | undefined;
  private core: Promise<EngineModule> | undefined;
  private shown: EngineShown | undefined;
  /** Of the shown build: its files' key and its layer info's size and time when they were read, and the message posted. */
  private shownFiles: { key: string; size: number; mtimeMs: number; message: EngineShowMessage } | undefined;
  private follow: Followed | undefined;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private candidates: ComparableBuild[] = [];
  /** Counts shows (and closes), so a slower earlier one does not post over a later one, nor over a closed panel. */
  private showGeneration = 0;
  /** What the panel did since it was created (test hook `qdqStudio.internal.engineReportStats`). */
  private readonly counts = { shows: 0, warnings: 0, errors: 0 };
  /** The predictions `predict` made, by model and target (emptied when the panel closes). */
  private readonly predictions = new PredictionCache<PredictedLayers | undefined>();
  /** The last warning that a comparison failed (its report, baseline and text): a refresh does not show it again. */
  private compareWarning: string | undefined;
  /** Test hook: the next render waits at `release` once all is read, after opening `reached`. */
  private hold: { reached: Gate; release: Gate } | undefined;
  private readonly choices = new Map<string, ComparisonChoice>();
  private readonly qps = new Map<string, { mtimeMs: number; size: number; qps: number | undefined }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDidShowEmitter = new vscode.EventEmitter<EngineShown>();
  /** Fires after a report was sent to the webview. */
  readonly onDidShow = this.onDidShowEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    /**
     * The analysis's prediction for a build's model, to check against the engine (optional). `model`
     * is the build's model when the panel knows it (`modelOfBuild`); `cache` keeps what it predicted
     * while the panel is open (the report is drawn again at each write of the build's files).
     */
    private readonly predict?: (
      report: EngineReport,
      layerInfo: string,
      model: string | undefined,
      cache: PredictionCache<PredictedLayers | undefined>,
    ) => Promise<PredictionCheckDto | undefined>,
    /** Where the comparison chosen for each report is remembered (workspace state); in memory without it. */
    private readonly memento?: vscode.Memento,
    /** Register the test hooks below (the integration tests' extension host only). */
    testHooks = false,
  ) {
    const saved = memento?.get<Record<string, unknown>>(CHOICES_KEY);
    if (saved && typeof saved === 'object') for (const [k, v] of Object.entries(saved)) if (isChoice(v)) this.choices.set(k, v);
    // With a layer info's URI (a test, a menu on a file): compare with that build, as Browse… does.
    this.disposables.push(
      vscode.commands.registerCommand('qdqStudio.compareEngineReport', async (uri?: unknown) =>
        uri instanceof vscode.Uri && uri.scheme === 'file' ? (this.shown ? this.compareWith(await sourceFor(uri.fsPath)) : undefined) : this.pickComparison(),
      ),
    );
    if (!testHooks) return;
    this.disposables.push(
      // Test hooks (integration tests): what the panel did; and holding the next render once it has
      // read everything, until released (or a minute passed), to close the panel meanwhile.
      vscode.commands.registerCommand('qdqStudio.internal.engineReportStats', () => ({ ...this.counts, analyses: this.predictions.computed })),
      vscode.commands.registerCommand('qdqStudio.internal.holdEngineReport', () => {
        const hold = { reached: new Gate(), release: new Gate(HOLD_MS) };
        this.hold = hold;
        return { reached: hold.reached.opened, release: () => hold.release.open() };
      }),
    );
  }

  /** The panel's title (test hook). */
  get title(): string | undefined {
    return this.panel?.title;
  }

  get current(): EngineShown | undefined {
    return this.shown;
  }

  private engine(): Promise<EngineModule> {
    this.core ??= import('../core/engineReport/index.js');
    return this.core;
  }

  /** Reads one build's files into a report (the profile and log beside it when present). */
  async load(source: EngineSource): Promise<EngineReport> {
    const m = await this.engine();
    const layerInfo = m.parseLayerInfo(await readText(source.layerInfo), source.layerInfo);
    const inputs: Parameters<EngineModule['buildEngineReport']>[0] = { layerInfo };
    if (source.profile) inputs.profile = m.parseProfile(await readText(source.profile), source.profile);
    const run = source.log ? m.parseRunSource(await readText(source.log), source.log) : undefined;
    if (run) inputs.run = run;
    return m.buildEngineReport(inputs);
  }

  /** Shows the build whose layer info is `layerInfo` (finding its profile and log). */
  async showFile(layerInfo: string, label?: string): Promise<void> {
    const source = await sourceFor(layerInfo);
    if (label) source.label = label;
    await this.show(source);
  }

  /**
   * Shows a build, and follows its files while the report is open (`refresh`): a rebuild moves it
   * into `history/` and writes the new build under its name. `compareWith`: the build to compare
   * with, `null` for none, or undefined for the one remembered for this report, else the build
   * before this one when there is one.
   */
  async show(source: EngineSource, compareWith?: EngineSource | null): Promise<void> {
    this.ensurePanel().reveal(undefined, true);
    this.followBuild(source);
    await this.render(source, compareWith);
  }

  /**
   * Reads and draws a build (the panel is open); `notice` says what the user should know about it.
   * `quiet` (following the files): a build that does not read yet keeps the report as it is.
   * Everything is read first; what the panel shows (its title, `current`, the files it follows,
   * `onDidShow`) changes only if this is still the latest render of this panel.
   */
  private async render(source: EngineSource, compareWith?: EngineSource | null, notice?: string, quiet = false): Promise<void> {
    const panel = this.ensurePanel();
    // A later show (a build ending while the user picks a comparison) wins, and a closed panel shows
    // nothing (its disposal counts as a show): this one stops at its next step.
    const generation = ++this.showGeneration;
    const stale = (): boolean => generation !== this.showGeneration || this.panel !== panel;
    try {
      const [key, layerStat] = await Promise.all([filesKey(source), fsp.stat(source.layerInfo).catch(() => undefined)]);
      const report = await this.load(source);
      const found = await comparableBuilds(source.layerInfo);
      if (stale()) return;
      const baseline = compareWith === undefined ? await this.defaultBaseline(source, found) : (compareWith ?? undefined);
      if (stale()) return;
      let comparison;
      if (baseline) {
        try {
          const m = await this.engine();
          const other = await this.load(baseline);
          comparison = comparisonToDto(m.compareEngineReports(report, other), source.label, baseline.label, report);
          this.compareWarning = undefined;
        } catch (e) {
          const message = (e as Error)?.message ?? String(e);
          this.log.warn(`No comparison of ${source.layerInfo} with ${baseline.layerInfo}: ${message}`);
          const text = `Engine report: cannot compare with ${baseline.label}: ${message}`;
          const said = JSON.stringify([source.layerInfo, baseline.layerInfo, text]);
          // Following the build's files (quiet), the same failure is said once; asked for, every time.
          if (!quiet || said !== this.compareWarning) this.warn(text);
          this.compareWarning = said;
        }
      }
      if (stale()) return;
      const model = modelOfBuild(source.layerInfo);
      const dto = reportToDto(report, source.label);
      if (this.predict) {
        try {
          const prediction = await this.predict(report, source.layerInfo, model, this.predictions);
          if (prediction) dto.prediction = prediction;
        } catch (e) {
          this.log.warn(`No prediction check for ${source.layerInfo}: ${(e as Error)?.message ?? String(e)}`);
        }
      }
      const candidates = await Promise.all(found.map((c) => this.candidateDto(c)));
      await this.heldForTest();
      if (stale()) return;
      // A build picked with Browse… is no candidate: it is sent apart, so the dropdown shows it (and can clear it).
      const listed = comparison && baseline ? found.find((c) => samePath(c.layerInfo, baseline.layerInfo)) : undefined;
      const compareOther: EngineCandidateDto | undefined =
        comparison && baseline && !listed ? { id: baseline.layerInfo, label: baseline.label, description: `picked with Browse… · ${baseline.layerInfo}` } : undefined;
      const compareId = listed?.layerInfo ?? compareOther?.id;
      const message: EngineShowMessage = {
        type: 'show',
        report: dto,
        candidates,
        ...(comparison ? { comparison } : {}),
        ...(compareId ? { compareId } : {}),
        ...(compareOther ? { compareOther } : {}),
        ...(notice ? { notice } : {}),
      };
      const shown: EngineShown = { source, report, ...(comparison && baseline ? { compareWith: baseline } : {}), ...(model ? { model } : {}), ...(notice ? { notice } : {}) };
      panel.title = `Engine report: ${reportTitle(source.label, model)}`;
      this.candidates = found;
      this.shown = shown;
      this.shownFiles = { key, size: layerStat?.size ?? -1, mtimeMs: layerStat?.mtimeMs ?? -1, message };
      await this.post(message);
      // Closed while the webview was getting ready: nothing to say about a report that is gone.
      if (stale()) return;
      this.counts.shows++;
      this.onDidShowEmitter.fire(shown);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      if (quiet) {
        this.log.warn(`Engine report: ${source.layerInfo} does not read (yet): ${message}`);
        return;
      }
      this.log.error(`engine report for ${source.layerInfo}`, e);
      if (stale()) return;
      await this.post({ type: 'error', message });
      this.counts.errors++;
      void vscode.window.showErrorMessage(`Engine report: ${message}`);
    }
  }

  private warn(text: string): void {
    this.counts.warnings++;
    void vscode.window.showWarningMessage(text);
  }

  /** Test hook: a render held by `qdqStudio.internal.holdEngineReport` waits here, once all is read. */
  private async heldForTest(): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    this.hold = undefined;
    hold.reached.open();
    await hold.release.opened;
  }

  /** Watches the files of the build the report was opened for (its folder, not recursive; `refresh`). */
  private followBuild(source: EngineSource): void {
    if (this.follow && samePath(this.follow.layerInfo, source.layerInfo)) {
      this.follow.label = source.label;
      return;
    }
    this.unfollow();
    const dir = path.dirname(source.layerInfo);
    const prefix = `${path.basename(buildStem(source.layerInfo))}.`;
    // The whole folder, filtered here: a file name may hold glob characters.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*'));
    const changed = (uri: vscode.Uri): void => {
      if (path.basename(uri.fsPath).startsWith(prefix)) this.refreshSoon();
    };
    const subscriptions = [watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed)];
    this.follow = { layerInfo: source.layerInfo, label: source.label, watcher: vscode.Disposable.from(watcher, ...subscriptions) };
  }

  private unfollow(): void {
    clearTimeout(this.followTimer);
    this.followTimer = undefined;
    this.follow?.watcher.dispose();
    this.follow = undefined;
  }

  private refreshSoon(): void {
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      this.refresh().catch((e) => this.log.warn(`Engine report: following ${this.follow?.layerInfo}: ${(e as Error)?.message ?? String(e)}`));
    }, FOLLOW_SETTLE_MS);
  }

  /**
   * The followed build's files changed. Written again (a rebuild, a hand-run trtexec): the report
   * shows the new build (compared as remembered, else with the build before it). Gone while the
   * report shows it: a rebuild kept it in `history/`, and the report shows it from there, compared
   * as it was, and says so; deleted, the report stays and says its files are gone.
   */
  private async refresh(): Promise<void> {
    const follow = this.follow;
    const shown = this.shown;
    const files = this.shownFiles;
    if (!follow || !shown || !files || !this.panel) return;
    const generation = this.showGeneration;
    const moved = (): boolean => generation !== this.showGeneration || this.follow !== follow;
    if (await isFile(follow.layerInfo)) {
      const source = await sourceFor(follow.layerInfo);
      source.label = follow.label;
      if (samePath(shown.source.layerInfo, follow.layerInfo) && (await filesKey(source)) === files.key) return;
      if (moved()) return;
      return this.render(source, undefined, undefined, true);
    }
    // Gone: only what the report shows now matters (its kept copy may be shown already).
    if (!samePath(shown.source.layerInfo, follow.layerInfo)) return;
    const kept = await this.keptCopy(follow.layerInfo, files);
    if (moved()) return;
    if (kept) {
      const source = await sourceFor(kept.layerInfo);
      source.label = `${follow.label}, replaced ${stampText(kept.stamp)}`;
      const where = path.join(HISTORY_DIR, path.basename(kept.layerInfo));
      // Compared with what it was compared with (none: none), not with what is remembered for, or
      // comes before, a build in history/ (nothing): the build that replaces it runs for minutes. The
      // history keeps the build before it, and a sibling or twin build is not moved.
      return this.render(
        source,
        shown.compareWith ?? null,
        `This build was replaced by a new build of ${path.basename(follow.layerInfo)} (running, failed or stopped): shown from ${where}, where it is kept. The report shows the new build once it has written its layer info.`,
        true,
      );
    }
    const notice = `The files of this build are gone (${follow.layerInfo}): this is what they said when they were read.`;
    this.shown = { ...shown, notice };
    files.message = { ...files.message, notice };
    await this.post(files.message);
  }

  /** Where a rebuild kept the build whose layer info was `layerInfo`: the kept layer info with its size and time. */
  private async keptCopy(layerInfo: string, was: { size: number; mtimeMs: number }): Promise<{ layerInfo: string; stamp: string } | undefined> {
    const history = path.join(path.dirname(layerInfo), HISTORY_DIR);
    const flavour = path.basename(buildStem(layerInfo));
    let names: string[];
    try {
      names = await fsp.readdir(history);
    } catch {
      return undefined;
    }
    for (const h of historyEntries(names)) {
      if (h.flavour !== flavour) continue;
      const file = path.join(history, h.layerInfo);
      const st = await fsp.stat(file).catch(() => undefined);
      // Moved with rename, so its size and time are the shown one's.
      if (st?.isFile() && st.size === was.size && st.mtimeMs === was.mtimeMs) return { layerInfo: file, stamp: h.stamp };
    }
    return undefined;
  }

  /** The comparison remembered for this report, else the build of the same flavour before it (among its `candidates`). */
  private async defaultBaseline(source: EngineSource, candidates: readonly ComparableBuild[]): Promise<EngineSource | undefined> {
    const choice = this.choices.get(choiceKey(source.layerInfo));
    if (choice?.kind === 'none') return undefined;
    if (choice?.kind === 'file') {
      const listed = candidates.find((c) => samePath(c.layerInfo, choice.path));
      if (listed) return listed;
      if (!samePath(choice.path, source.layerInfo) && (await isFile(choice.path))) return sourceFor(choice.path);
    }
    return candidates.find((c) => c.kind === 'previous');
  }

  private async remember(source: EngineSource, choice: ComparisonChoice): Promise<void> {
    const key = choiceKey(source.layerInfo);
    this.choices.delete(key);
    this.choices.set(key, choice);
    while (this.choices.size > MAX_CHOICES) this.choices.delete(this.choices.keys().next().value!);
    await this.memento?.update(CHOICES_KEY, Object.fromEntries(this.choices));
  }

  /** Compares the shown report with `baseline` (none: undefined) and remembers the choice. */
  private async compareWith(baseline: ComparableBuild | EngineSource | undefined): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const choice: ComparisonChoice = !baseline
      ? { kind: 'none' }
      : 'kind' in baseline && baseline.kind === 'previous'
        ? { kind: 'previous' }
        : { kind: 'file', path: baseline.layerInfo };
    await this.remember(shown.source, choice);
    await this.render(shown.source, baseline ?? null, shown.notice);
  }

  /**
   * "Compare with…": every comparable build (throughput when its log says it), no comparison, and
   * Browse… for any layer info.
   */
  async pickComparison(): Promise<void> {
    const shown = this.shown;
    if (!shown) {
      void vscode.window.showInformationMessage('Open an engine report first (QDQ Studio: Open Engine Report…).');
      return;
    }
    type Item = vscode.QuickPickItem & { build?: ComparableBuild; action?: 'none' | 'browse' };
    const items: Item[] = [];
    for (const c of this.candidates) {
      const dto = await this.candidateDto(c);
      const current = shown.compareWith && samePath(shown.compareWith.layerInfo, c.layerInfo);
      items.push({ label: c.label, description: [dto.description, current ? '(compared now)' : undefined].filter(Boolean).join(' · '), detail: c.layerInfo, build: c });
    }
    if (items.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    if (shown.compareWith) items.push({ label: 'No comparison', action: 'none' });
    items.push({ label: '$(folder-opened) Browse…', description: 'any --exportLayerInfo JSON', action: 'browse' });
    const pick = await vscode.window.showQuickPick(items, {
      title: `Compare ${shown.source.label} with…`,
      placeHolder: items.length > 1 ? 'a build of this model or of its float twin, or an earlier build' : 'no other build found beside this one: browse for a layer info',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!pick || this.shown !== shown) return;
    if (pick.build) return this.compareWith(pick.build);
    if (pick.action === 'none') return this.compareWith(undefined);
    if (pick.action === 'browse') {
      const uris = await vscode.window.showOpenDialog({
        canSelectMany: false,
        defaultUri: vscode.Uri.file(path.dirname(shown.source.layerInfo)),
        filters: { 'trtexec layer info': ['json'] },
        title: `Compare ${shown.source.label} with the build of this --exportLayerInfo JSON`,
      });
      const file = uris?.[0]?.fsPath;
      if (!file || this.shown !== shown) return;
      return this.compareWith(await sourceFor(file));
    }
  }

  private async candidateDto(c: ComparableBuild): Promise<EngineCandidateDto> {
    const qps = await this.throughput(c);
    const description = [qps !== undefined ? `${Number(qps.toPrecision(6))} qps` : undefined, c.description].filter(Boolean).join(' · ');
    return { id: c.layerInfo, label: c.label, ...(description ? { description } : {}) };
  }

  /** The throughput a build's console log (or TREx metadata) reports; cached while the file is unchanged. */
  private async throughput(source: EngineSource): Promise<number | undefined> {
    if (!source.log) return undefined;
    try {
      const st = await fsp.stat(source.log);
      if (!st.isFile() || st.size > MAX_QPS_LOG_BYTES) return undefined;
      const cached = this.qps.get(source.log);
      if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.qps;
      const m = await this.engine();
      const qps = m.parseRunSource(await fsp.readFile(source.log, 'utf8'), source.log)?.perf?.throughputQps;
      if (this.qps.size >= 500) this.qps.clear();
      this.qps.set(source.log, { mtimeMs: st.mtimeMs, size: st.size, qps });
      return qps;
    } catch {
      return undefined;
    }
  }

  /** What the webview rendered (test hook); undefined when no panel is open. */
  async query(timeoutMs = 10_000): Promise<EngineRenderedDto | undefined> {
    if (!this.panel || !this.channel) return undefined;
    await this.ready;
    const reply = await this.channel.request({ type: 'query' }, 'queryResult', timeoutMs);
    return reply.rendered;
  }

  private async post(message: ToEngineView): Promise<void> {
    await this.ready;
    this.channel?.post(message);
  }

  private ensurePanel(): vscode.WebviewPanel {
    if (this.panel) return this.panel;
    const panel = vscode.window.createWebviewPanel('qdqStudio.engineReport', 'Engine report', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
    });
    this.panel = panel;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const webview = panel.webview;
    this.channel = new Channel<ToEngineView, FromEngineView>((m) => webview.postMessage(m));
    webview.html = this.html(webview);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        // A render still reading stops there: nothing of it reaches a closed report.
        this.showGeneration++;
        this.predictions.clear();
        this.compareWarning = undefined;
        this.panel = undefined;
        this.channel = undefined;
        this.shown = undefined;
        this.shownFiles = undefined;
        this.unfollow();
      }),
    );
    return panel;
  }

  private onMessage(m: unknown): void {
    if (!isFromEngineView(m)) return;
    if (this.channel?.receive(m)) return;
    switch (m.type) {
      case 'ready':
        this.markReady?.();
        break;
      case 'compare': {
        if (!this.shown) break;
        const id = m.id;
        // The build compared with now may be none of the candidates (picked with Browse…): choosing it again keeps it.
        const now = this.shown.compareWith;
        const other = id === undefined ? undefined : (this.candidates.find((c) => c.layerInfo === id) ?? (now && now.layerInfo === id ? now : undefined));
        if (id !== undefined && !other) break;
        void this.compareWith(other);
        break;
      }
      case 'pickComparison':
        void this.pickComparison();
        break;
      case 'revealLayer':
        // The graph view's reveal command (qdqStudio.revealNode) takes a model URI; the report knows
        // the model only for builds run from QDQ Studio, next to their output folder.
        void this.revealInModel(m.onnxNodes);
        break;
    }
  }

  private async revealInModel(onnxNodes: string[]): Promise<void> {
    const node = onnxNodes[0];
    if (!node || !this.shown) return;
    const model = this.shown.model;
    if (model) {
      await vscode.commands.executeCommand('qdqStudio.revealNode', vscode.Uri.file(model), node);
    } else {
      void vscode.window.showInformationMessage(`ONNX node: ${node}`);
    }
  }

  private html(webview: vscode.Webview): string {
    return buildWebviewShell(webview, this.extensionUri, { bundle: 'engineView', title: 'Engine report', status: 'empty', placeholder: 'Reading the engine report…' });
  }

  dispose(): void {
    this.unfollow();
    this.panel?.dispose();
    this.onDidShowEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function choiceKey(layerInfo: string): string {
  return path.resolve(layerInfo);
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fsp.stat(file)).isFile();
  } catch {
    return false;
  }
}
