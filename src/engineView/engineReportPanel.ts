/**
 * The "Engine report" panel: one webview (webview/engine/) showing a trtexec build (per-layer
 * precision, reformat layers, timing) and, on request, its comparison with another build from the
 * same folder. The engine-report core is imported when the first report is shown.
 */
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import type { EngineReport } from '../core/engineReport/index';
import { modelOfEngineOutput } from '../core/tasks/index';
import { buildWebviewShell } from '../editor/webviewHtml';
import { Channel } from '../protocol/channel';
import { isFromEngineView, type EngineRenderedDto, type FromEngineView, type PredictionCheckDto, type ToEngineView } from '../protocol/engineView';
import type { Logger } from '../util/logger';
import { comparisonToDto, reportToDto } from './reportDto';
import { siblingBuilds, sourceFor, type EngineSource } from './sources';

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

/** What the panel last showed (test hook and "compare" handling). */
export interface EngineShown {
  source: EngineSource;
  report: EngineReport;
  compareWith?: EngineSource;
}

export class EngineReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: Channel<ToEngineView, FromEngineView> | undefined;
  private ready: Promise<void> | undefined;
  private markReady: (() => void) | undefined;
  private core: Promise<EngineModule> | undefined;
  private shown: EngineShown | undefined;
  private candidates: EngineSource[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDidShowEmitter = new vscode.EventEmitter<EngineShown>();
  /** Fires after a report was sent to the webview. */
  readonly onDidShow = this.onDidShowEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    /** The analysis's prediction for a build's model, to check against the engine (optional). */
    private readonly predict?: (report: EngineReport, layerInfo: string) => Promise<PredictionCheckDto | undefined>,
  ) {}

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
    if (source.log) {
      const text = await readText(source.log);
      if (text.trimStart().startsWith('{')) {
        const json: unknown = JSON.parse(text);
        if (m.looksLikeTrexMetadata(json)) inputs.run = m.trexMetadataFromJson(json, source.log);
      } else {
        inputs.run = m.parseTrtexecLog(text, source.log);
      }
    }
    return m.buildEngineReport(inputs);
  }

  /** Shows the build whose layer info is `layerInfo` (finding its profile and log). */
  async showFile(layerInfo: string, label?: string): Promise<void> {
    const source = await sourceFor(layerInfo);
    if (label) source.label = label;
    await this.show(source);
  }

  async show(source: EngineSource, compareWith?: EngineSource): Promise<void> {
    const panel = this.ensurePanel();
    panel.reveal(undefined, true);
    try {
      const report = await this.load(source);
      this.candidates = await siblingBuilds(source.layerInfo);
      let comparison;
      if (compareWith) {
        const m = await this.engine();
        const other = await this.load(compareWith);
        comparison = comparisonToDto(m.compareEngineReports(report, other), source.label, compareWith.label);
      }
      panel.title = `Engine report: ${source.label}`;
      this.shown = compareWith ? { source, report, compareWith } : { source, report };
      const dto = reportToDto(report, source.label);
      if (this.predict) {
        try {
          const prediction = await this.predict(report, source.layerInfo);
          if (prediction) dto.prediction = prediction;
        } catch (e) {
          this.log.warn(`No prediction check for ${source.layerInfo}: ${(e as Error)?.message ?? String(e)}`);
        }
      }
      await this.post({
        type: 'show',
        report: dto,
        candidates: this.candidates.map((c) => ({ id: c.layerInfo, label: c.label })),
        ...(comparison ? { comparison } : {}),
      });
      this.onDidShowEmitter.fire(this.shown);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      this.log.error(`engine report for ${source.layerInfo}`, e);
      await this.post({ type: 'error', message });
      void vscode.window.showErrorMessage(`Engine report: ${message}`);
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
        this.panel = undefined;
        this.channel = undefined;
        this.shown = undefined;
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
        const other = m.id === undefined ? undefined : this.candidates.find((c) => c.layerInfo === m.id);
        void this.show(this.shown.source, other);
        break;
      }
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
    const model = modelOfEngineOutput(this.shown.source.layerInfo);
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
    this.panel?.dispose();
    this.onDidShowEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
