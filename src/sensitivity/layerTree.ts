import * as vscode from 'vscode';
import type { LayerRow, SensitivityResult } from '../core/sensitivity/index';
import { Disposable } from '../util/dispose';
import type { SensitivitySession, SessionState } from './session';

export type SensitivityElement =
  | { readonly kind: 'layer'; readonly row: LayerRow; readonly uri: vscode.Uri }
  | { readonly kind: 'unmapped'; readonly rows: readonly LayerRow[]; readonly uri: vscode.Uri }
  | { readonly kind: 'message'; readonly text: string; readonly tooltip?: string; readonly command?: vscode.Command; readonly icon?: string };

/** A tree row as plain data (what a user sees), for the test hook. */
export interface SensitivityRow {
  readonly kind: SensitivityElement['kind'];
  readonly label: string;
  readonly description?: string;
  /** true = checked (quantized), false = unchecked, absent = no checkbox. */
  readonly checked?: boolean;
  readonly rank?: number;
  readonly children?: SensitivityRow[];
}

const TOPK_KEY = 'qdqStudio.sensitivity.topK';

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/**
 * "Sensitivity" in the QDQ Studio view container: the active result's layers by sensitivity, each
 * with a checkbox (checked = its compute nodes have Q/DQ in the model now); toggling one runs the
 * editing command. Names that match no node of the model are listed in their own group.
 */
export class SensitivityTree extends Disposable implements vscode.TreeDataProvider<SensitivityElement> {
  static readonly viewId = 'qdqStudio.sensitivity';

  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<SensitivityElement | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  readonly view: vscode.TreeView<SensitivityElement>;

  constructor(
    private readonly session: SensitivitySession,
    private readonly memento: vscode.Memento,
    onToggle: (uri: vscode.Uri, row: LayerRow, quantize: boolean) => Promise<void>,
  ) {
    super();
    this.view = this._register(vscode.window.createTreeView(SensitivityTree.viewId, { treeDataProvider: this, manageCheckboxStateManually: true, showCollapseAll: true }));
    this._register(session.onDidChange(() => this.refresh()));
    this._register(
      this.view.onDidChangeCheckboxState(async (e) => {
        for (const [element, state] of e.items) {
          if (element.kind === 'layer') await onToggle(element.uri, element.row, state === vscode.TreeItemCheckboxState.Checked);
        }
        // Whatever happened, the checkboxes show the model (an edit that did not apply reverts the click).
        this.refresh();
      }),
    );
    this.refresh();
  }

  topK(): number {
    return this.memento.get<number>(TOPK_KEY, 0);
  }

  async setTopK(k: number): Promise<void> {
    await this.memento.update(TOPK_KEY, k > 0 ? k : undefined);
    this.refresh();
  }

  refresh(): void {
    const s = this.session.state;
    this.view.message = messageOf(s);
    this.view.description = descriptionOf(s, this.topK());
    this._onDidChangeTreeData.fire(undefined);
  }

  getChildren(element?: SensitivityElement): SensitivityElement[] {
    const s = this.session.state;
    if (element) return element.kind === 'unmapped' ? element.rows.map((row) => ({ kind: 'layer', row, uri: element.uri })) : [];
    switch (s.kind) {
      case 'empty':
        return [];
      case 'error':
        return [{ kind: 'message', text: s.message, icon: 'error', command: { command: 'vscode.open', title: 'Open', arguments: [s.file.uri] } }];
      case 'noModel':
        return [{ kind: 'message', text: `Open the .onnx model ${baseName(s.file.uri)} was measured on to map its ${s.result.layers.length} layers.`, icon: 'info' }];
      case 'noMatch':
        return [
          {
            kind: 'message',
            text: `None of the ${s.result.layers.length} names of ${baseName(s.file.uri)}${measuredOn(s.result)} is a node of ${s.candidates.length === 1 ? baseName(s.candidates[0]!.uri) : `the ${s.candidates.length} open models`}. Choose Model to show it anyway…`,
            icon: 'warning',
            command: { command: 'qdqStudio.sensitivity.selectModel', title: 'Choose Model' },
          },
        ];
      case 'ambiguous':
        return [{ kind: 'message', text: `Choose which of the ${s.candidates.length} open models ${baseName(s.file.uri)} applies to…`, icon: 'question', command: { command: 'qdqStudio.sensitivity.selectModel', title: 'Choose Model' } }];
      case 'ready': {
        const tree = s.core.buildLayerTree(s.report, s.quantized, { topK: this.topK(), scaleKnown: s.scaleKnown });
        const out: SensitivityElement[] = tree.rows.map((row) => ({ kind: 'layer', row, uri: s.document.uri }));
        if (tree.hidden) out.push({ kind: 'message', text: `${tree.hidden} more below the top ${this.topK()}`, icon: 'filter', command: { command: 'qdqStudio.sensitivity.showAll', title: 'Show All' } });
        if (tree.unmapped.length) out.push({ kind: 'unmapped', rows: tree.unmapped, uri: s.document.uri });
        if (tree.notMeasured.length) out.push({ kind: 'message', text: `Not measured for ${s.report.metric.name}: ${tree.notMeasured.join(', ')}`, icon: 'dash' });
        return out;
      }
    }
  }

  getTreeItem(element: SensitivityElement): vscode.TreeItem {
    switch (element.kind) {
      case 'layer': {
        const r = element.row;
        const item = new vscode.TreeItem(r.label, vscode.TreeItemCollapsibleState.None);
        item.id = `layer:${element.uri.toString()}:${r.name}`;
        item.description = r.description;
        item.tooltip = r.tooltip;
        if (r.cannotQuantize) item.iconPath = new vscode.ThemeIcon('circle-slash');
        if (r.checked !== undefined) {
          item.checkboxState = {
            state: r.checked ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked,
            tooltip:
              r.state?.precision === 'partial'
                ? `Partly quantized (INT8 ${r.state.quantized}/${r.state.total}). Uncheck to keep all of it in FP16.`
                : r.checked
                  ? 'Quantized (INT8). Uncheck to keep this layer in FP16.'
                  : 'In FP16 (no Q/DQ). Check to quantize it.',
          };
        }
        item.contextValue = r.nodes ? 'qdqSensitivityLayer' : 'qdqSensitivityUnmapped';
        const node = r.computeNodes[0];
        if (node) item.command = { command: 'qdqStudio.revealFindingNode', title: 'Reveal in Graph', arguments: [element.uri.toString(), node] };
        return item;
      }
      case 'unmapped': {
        const item = new vscode.TreeItem(`Not in this model (${element.rows.length})`, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `unmapped:${element.uri.toString()}`;
        item.tooltip = 'Names of the result that match no ONNX node of this model (another export, or a module without nodes).';
        item.iconPath = new vscode.ThemeIcon('question');
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = element.tooltip ?? element.text;
        if (element.icon) item.iconPath = new vscode.ThemeIcon(element.icon);
        if (element.command) item.command = element.command;
        return item;
      }
    }
  }

  rows(): SensitivityRow[] {
    const toRow = (e: SensitivityElement): SensitivityRow => {
      const item = this.getTreeItem(e);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      const children = this.getChildren(e);
      const cb = item.checkboxState;
      const checked = cb === undefined ? undefined : (typeof cb === 'object' ? cb.state : cb) === vscode.TreeItemCheckboxState.Checked;
      return {
        kind: e.kind,
        label,
        ...(typeof item.description === 'string' ? { description: item.description } : {}),
        ...(checked !== undefined ? { checked } : {}),
        ...(e.kind === 'layer' ? { rank: e.row.rank } : {}),
        ...(children.length ? { children: children.map(toRow) } : {}),
      };
    };
    return this.getChildren().map(toRow);
  }
}

/** ` (measured on yolov9-e-converted.pt)` when the result says which model it was measured on. */
function measuredOn(result: SensitivityResult): string {
  return result.source.model ? ` (measured on ${result.source.model})` : '';
}

/** The view's description: result → model, the model the result was measured on, the top-k filter. */
export function descriptionOf(s: SessionState, topK: number): string | undefined {
  if (s.kind === 'empty') return undefined;
  const file = baseName(s.file.uri);
  if (s.kind === 'error') return file;
  const on = s.result.source.model ? ` · measured on ${s.result.source.model}` : '';
  return s.kind === 'ready' ? `${file} → ${baseName(s.document.uri)}${on}${topK ? ` · top ${topK}` : ''}` : `${file}${on}`;
}

function messageOf(s: SessionState): string | undefined {
  switch (s.kind) {
    case 'empty':
      // The view's welcome content (package.json viewsWelcome) says what to do, with buttons; VS Code
      // shows it only while the view has no message.
      return undefined;
    case 'ready': {
      if (!s.report.entries.length) return `${s.file.uri.path}: no layer was evaluated.`;
      const mapped = s.report.entries.filter((e) => e.onnxNodes.length).length;
      // Bound by the user's choice, though nothing maps: say so rather than show an empty colouring.
      if (mapped === 0) return `⚠ 0 of ${s.report.entries.length} names of ${baseName(s.file.uri)}${measuredOn(s.result)} map to a node of ${baseName(s.document.uri)}: is it the model this result was measured on?`;
      return undefined;
    }
    default:
      return undefined;
  }
}
