import * as vscode from 'vscode';
import { type Finding, targetLabel } from '../core/analysis/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import { activeModelUri } from '../editor/onnxEditorProvider';
import type { OpenDocuments } from '../editor/openDocuments';
import { Disposable } from '../util/dispose';
import type { AnalysisService, AnalysisState } from './analysisService';
import type { EngineCheckService } from './engineCheck';
import type { PredictionDisagreement } from '../engineView/engineOverlay';
import { engineFileLabel, mismatchMessage, problemMessage } from './problems';

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };
const SEVERITY_ICON: Record<Finding['severity'], vscode.ThemeIcon> = {
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
};

/** Elements of the tree: a model, one of its findings, or one node a finding involves. */
export type FindingsElement =
  | { readonly kind: 'model'; readonly document: OnnxDocument }
  | { readonly kind: 'message'; readonly document: OnnxDocument; readonly text: string }
  | { readonly kind: 'finding'; readonly document: OnnxDocument; readonly finding: Finding }
  | { readonly kind: 'node'; readonly document: OnnxDocument; readonly finding: Finding; readonly node: string }
  /** A node the model's Q/DQ build put in another precision than predicted (see engineCheck.ts). */
  | { readonly kind: 'mismatch'; readonly document: OnnxDocument; readonly mismatch: PredictionDisagreement; readonly layerInfo: string; readonly target: string };

/** The plain description of a tree row, for the test hook. */
export interface FindingsRow {
  readonly kind: FindingsElement['kind'];
  readonly label: string;
  readonly description?: string;
  readonly ruleId?: string;
  readonly node?: string;
  readonly children?: FindingsRow[];
}

function fileName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line on a model row: the target and what the analysis predicts. */
export function modelDescription(state: AnalysisState | undefined): string {
  switch (state?.kind) {
    case undefined:
    case 'pending':
      return 'analysing…';
    case 'disabled':
      return 'analysis off (qdqStudio.analysis.enabled)';
    case 'failed':
      return state.loadError ? 'cannot be read' : 'analysis failed';
    case 'analysed': {
      const s = state.report.summary;
      const layers = [
        s.int8Layers && `${s.int8Layers} INT8`,
        s.fp8Layers && `${s.fp8Layers} FP8`,
        s.int4Layers && `${s.int4Layers} INT4`,
        s.fp16Layers && `${s.fp16Layers} FP16`,
        s.fp32Layers && `${s.fp32Layers} FP32`,
      ].filter(Boolean);
      return [
        targetLabel(state.target),
        `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`,
        layers.length ? `${layers.join(' / ')} layers` : 'no compute layers',
        plural(s.reformats, 'reformat'),
      ].join(' · ');
    }
  }
}

/**
 * "Findings" in the QDQ Studio view container: the analysis of every open model, findings sorted
 * by severity and rule, each expandable into the nodes it names; the model in front first. Selecting a finding or a node
 * reveals the node in the graph view (`qdqStudio.revealNode`); the context menu opens the rule page.
 */
export class FindingsView extends Disposable implements vscode.TreeDataProvider<FindingsElement> {
  static readonly viewId = 'qdqStudio.findings';

  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<FindingsElement | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  readonly view: vscode.TreeView<FindingsElement>;

  /** Elements are kept per analysis state (and engine check), so a revealed element is the one the tree holds. */
  private readonly modelElements = new Map<OnnxDocument, FindingsElement>();
  private readonly childCache = new WeakMap<object, FindingsElement[]>();
  private readonly modelChildCache = new Map<OnnxDocument, { state: AnalysisState; engine: unknown; children: FindingsElement[] }>();
  private readonly parents = new WeakMap<FindingsElement, FindingsElement>();
  /** The model whose editor was last the active tab (a URI string). */
  private activeModel: string | undefined;

  constructor(
    private readonly documents: OpenDocuments,
    private readonly analysis: AnalysisService,
    private readonly engineChecks?: EngineCheckService,
  ) {
    super();
    this._register(analysis.onDidChange(() => this.refresh()));
    if (engineChecks) this._register(engineChecks.onDidChange(() => this.refresh()));
    this._register(documents.onDidClose(() => this.refresh()));
    // The model in front comes first: with several models open, its findings are the ones at hand
    // (and a fix applied from the top group is applied to the model the user is looking at).
    this.activeModel = activeModelUri()?.toString();
    const look = () => {
      const active = activeModelUri()?.toString();
      if (active === undefined || active === this.activeModel) return; // another kind of tab: keep the order
      this.activeModel = active;
      this.refresh();
    };
    // The active tab may settle after the event that announced the change (seen once with focus
    // moving between groups, and no later event set the order right): look again a moment later.
    let again: ReturnType<typeof setTimeout> | undefined;
    this._register({ dispose: () => clearTimeout(again) });
    const follow = () => {
      look();
      clearTimeout(again);
      again = setTimeout(look, 150);
    };
    // A tab change within a group, or focus moving to another group (models side by side).
    this._register(vscode.window.tabGroups.onDidChangeTabs(follow));
    this._register(vscode.window.tabGroups.onDidChangeTabGroups(follow));
    this.view = this._register(vscode.window.createTreeView(FindingsView.viewId, { treeDataProvider: this, showCollapseAll: true }));
    this.refresh();
  }

  private refresh(): void {
    this._onDidChangeTreeData.fire(undefined);
    let errors = 0;
    let warnings = 0;
    for (const d of this.documents.all()) {
      const s = this.analysis.get(d);
      if (s?.kind === 'analysed') {
        errors += s.report.summary.errors;
        warnings += s.report.summary.warnings + (this.engineChecks?.get(d)?.check.disagreements.length ?? 0);
      } else if (s?.kind === 'failed') errors++;
    }
    this.view.badge = errors + warnings > 0 ? { value: errors + warnings, tooltip: `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in open models` } : undefined;
    // No `view.message`: with no model open, the view's welcome content (package.json
    // viewsWelcome) says what to do, with buttons, and VS Code shows it only while there is none.
  }

  getChildren(element?: FindingsElement): FindingsElement[] {
    if (!element) {
      for (const d of [...this.modelElements.keys()]) if (d.isDisposed) this.modelElements.delete(d);
      for (const d of [...this.modelChildCache.keys()]) if (d.isDisposed) this.modelChildCache.delete(d);
      return this.documents
        .all()
        .sort((a, b) => Number(b.uri.toString() === this.activeModel) - Number(a.uri.toString() === this.activeModel) || a.uri.toString().localeCompare(b.uri.toString()))
        .map((document) => {
          let e = this.modelElements.get(document);
          if (!e) this.modelElements.set(document, (e = { kind: 'model', document }));
          return e;
        });
    }
    if (element.kind === 'model') {
      const state = this.analysis.get(element.document);
      if (!state) return [];
      const engine = this.engineChecks?.get(element.document);
      const cached = this.modelChildCache.get(element.document);
      if (cached?.state === state && cached.engine === engine) return cached.children;
      const children = this.modelChildren(element.document, state);
      for (const c of children) this.parents.set(c, element);
      this.modelChildCache.set(element.document, { state, engine, children });
      return children;
    }
    if (element.kind === 'finding' && element.finding.nodes.length > 1) {
      let children = this.childCache.get(element);
      if (!children) {
        children = element.finding.nodes.map((node) => ({ kind: 'node', document: element.document, finding: element.finding, node }));
        for (const c of children) this.parents.set(c, element);
        this.childCache.set(element, children);
      }
      return children;
    }
    return [];
  }

  private modelChildren(document: OnnxDocument, state: AnalysisState): FindingsElement[] {
    if (state.kind === 'failed') return [{ kind: 'message', document, text: state.message }];
    if (state.kind !== 'analysed') return [];
    // Where the model's Q/DQ build disagrees with the prediction, after the findings.
    const engine = this.engineChecks?.get(document);
    const mismatches: FindingsElement[] = (engine?.check.disagreements ?? []).map((mismatch) => ({ kind: 'mismatch', document, mismatch, layerInfo: engine!.layerInfo, target: engine!.target }));
    if (state.report.findings.length === 0) {
      return mismatches.length ? mismatches : [{ kind: 'message', document, text: 'No findings: TensorRT should build this as the Q/DQ placement says.' }];
    }
    return [
      ...[...state.report.findings]
        .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || Number(a.ruleId.slice(1)) - Number(b.ruleId.slice(1)))
        .map((finding): FindingsElement => ({ kind: 'finding', document, finding })),
      ...mismatches,
    ];
  }

  getParent(element: FindingsElement): FindingsElement | undefined {
    return this.parents.get(element);
  }

  /**
   * Shows the findings that name `node` in the view: focuses it and selects the first such finding
   * (errors first). Resolves false when the model has no finding on that node.
   */
  async revealNode(uri: vscode.Uri | string, node: string): Promise<boolean> {
    const document = this.documents.get(uri);
    if (!document) return false;
    await this.analysis.whenSettled(document);
    const model = this.getChildren().find((e) => e.kind === 'model' && e.document === document);
    if (!model) return false;
    const hit = this.getChildren(model).find((e) => e.kind === 'finding' && e.finding.nodes.includes(node));
    if (!hit) {
      await this.view.reveal(model, { select: true, focus: true, expand: true });
      void vscode.window.showInformationMessage(`QDQ Studio: no finding on ${node}.`);
      return false;
    }
    await this.view.reveal(hit, { select: true, focus: true, expand: true });
    return true;
  }

  getTreeItem(element: FindingsElement): vscode.TreeItem {
    switch (element.kind) {
      case 'model': {
        const item = new vscode.TreeItem(fileName(element.document.uri), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `model:${element.document.uri.toString()}`;
        item.resourceUri = element.document.uri;
        const engine = this.engineChecks?.get(element.document);
        item.description = [modelDescription(this.analysis.get(element.document)), ...(engine ? [`engine: ${engine.check.agree} of ${engine.check.compared} as predicted`] : [])].join(' · ');
        item.tooltip = `${element.document.uri.toString(true)}\n${item.description}`;
        item.contextValue = 'qdqModel';
        item.command = { command: 'vscode.openWith', title: 'Open', arguments: [element.document.uri, 'qdqStudio.onnxEditor'] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = element.text;
        return item;
      }
      case 'finding': {
        const f = element.finding;
        const item = new vscode.TreeItem(`${f.ruleId} ${f.message}`, f.nodes.length > 1 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = f.nodes.length === 0 ? undefined : f.nodes.length === 1 ? f.nodes[0] : `${f.nodes[0]} +${f.nodes.length - 1}`;
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**${f.ruleId} ${f.rule}** (${f.severity})\n\n`);
        tip.appendText(problemMessage(f));
        if (f.fix) tip.appendMarkdown('\n\nA fix is available as a graph edit.');
        item.tooltip = tip;
        item.iconPath = SEVERITY_ICON[f.severity];
        item.contextValue = f.fix ? 'qdqFinding.fixable' : 'qdqFinding';
        if (f.nodes.length > 0) item.command = { command: 'qdqStudio.revealFindingNode', title: 'Reveal in Graph', arguments: [element.document.uri.toString(), f.nodes[0]] };
        return item;
      }
      case 'mismatch': {
        const m = element.mismatch;
        const item = new vscode.TreeItem(`engine: ${m.actual}, predicted ${m.predicted}`, vscode.TreeItemCollapsibleState.None);
        item.description = m.node;
        item.tooltip = `${mismatchMessage(m, element)}\nFrom ${engineFileLabel(element.layerInfo)}: the engine TensorRT built from this model.`;
        item.iconPath = SEVERITY_ICON.warning;
        item.contextValue = 'qdqEngineMismatch';
        item.command = { command: 'qdqStudio.revealFindingNode', title: 'Reveal in Graph', arguments: [element.document.uri.toString(), m.node] };
        return item;
      }
      case 'node': {
        const item = new vscode.TreeItem(element.node, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.contextValue = 'qdqFindingNode';
        item.command = { command: 'qdqStudio.revealFindingNode', title: 'Reveal in Graph', arguments: [element.document.uri.toString(), element.node] };
        return item;
      }
    }
  }

  /** The tree's element for `uri`'s finding `ruleId` whose first node is `node` (test hook). */
  findingRow(uri: string, ruleId: string, node: string): FindingsElement | undefined {
    const model = this.getChildren().find((e) => e.kind === 'model' && e.document.uri.toString() === uri);
    return model && this.getChildren(model).find((e) => e.kind === 'finding' && e.finding.ruleId === ruleId && e.finding.nodes[0] === node);
  }

  /** The tree as plain rows (what a user would see), for the integration tests. */
  rows(): FindingsRow[] {
    const toRow = (e: FindingsElement): FindingsRow => {
      const item = this.getTreeItem(e);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      const children = this.getChildren(e);
      return {
        kind: e.kind,
        label,
        description: typeof item.description === 'string' ? item.description : undefined,
        ...(e.kind === 'finding' ? { ruleId: e.finding.ruleId, node: e.finding.nodes[0] } : {}),
        ...(e.kind === 'node' ? { node: e.node } : {}),
        ...(e.kind === 'mismatch' ? { ruleId: 'engine-mismatch', node: e.mismatch.node } : {}),
        ...(children.length ? { children: children.map(toRow) } : {}),
      };
    };
    return this.getChildren().map(toRow);
  }
}
