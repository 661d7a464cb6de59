/**
 * The graph's context menu: VS Code's own `webview/context` menu (package.json), which reads
 * `data-vscode-context` from the element the contextmenu event reaches. Here that context is set for
 * what is under the pointer (or, from the keyboard, the selected node): a node (keep in higher
 * precision or quantize, copy the name, show the findings), an edge (its tensor and the Q/DQ pair
 * folded on it) or the canvas, and whether the main graph is shown (`qdqMainGraph`: edits name
 * main-graph nodes, so the menus offer them only there). A right-clicked node becomes the selection.
 */
import type cytoscape from 'cytoscape';
import type { GraphLayoutDto, GraphRefDto, GraphViewDto } from '../../src/protocol/graphView';
import type { GraphOverlayDto } from '../../src/protocol/overlay';
import { nodeId, nodeKey } from './viewModel';

/** What the menu reads from the panel. */
export interface ContextMenuHost {
  cy(): cytoscape.Core | undefined;
  view(): GraphViewDto | undefined;
  layout(): GraphLayoutDto | undefined;
  overlays(): Record<string, GraphOverlayDto>;
  /** The graph on screen (the last crumb). */
  shown(): GraphRefDto | undefined;
}

export class GraphContextMenu {
  /** The model's URI, for the menu's commands. */
  private documentUri: string | undefined;
  /** The edge under the last right mouse-down, for the context menu that follows it. */
  private cxtEdge: { i: number; at: number } | undefined;

  constructor(
    /** The canvas's wrapper: it carries `data-vscode-context` and dispatches the event VS Code reads. */
    private readonly wrap: HTMLElement,
    /** The cytoscape container. */
    private readonly canvas: HTMLElement,
    private readonly host: ContextMenuHost,
  ) {
    // cytoscape calls preventDefault() on every contextmenu in its container, and VS Code's webview
    // host then shows no menu. So the event is taken before cytoscape sees it (capture phase, one
    // level up) and a copy is dispatched from here, where VS Code reads data-vscode-context.
    wrap.addEventListener(
      'contextmenu',
      (ev) => {
        if (ev.target === wrap || !canvas.contains(ev.target as Node)) return;
        ev.stopPropagation();
        ev.preventDefault();
        this.onContextMenu(ev);
        wrap.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: ev.clientX, clientY: ev.clientY, screenX: ev.screenX, screenY: ev.screenY, button: ev.button }));
      },
      { capture: true },
    );
  }

  setDocumentUri(uri: string): void {
    this.documentUri = uri;
  }

  /** A new drawing: right mouse down on an edge (cytoscape hit-tests edges; the DOM contextmenu that follows does not). */
  attach(cy: cytoscape.Core): void {
    cy.on('cxttapstart', 'edge', (ev) => {
      this.cxtEdge = { i: (ev.target as cytoscape.EdgeSingular).data('i') as number, at: performance.now() };
    });
  }

  /** The view node whose box contains the client point, topmost (last drawn) first. */
  private nodeAt(clientX: number, clientY: number): number | undefined {
    const cy = this.host.cy();
    const layout = this.host.layout();
    if (!cy || !layout) return undefined;
    const r = this.canvas.getBoundingClientRect();
    const z = cy.zoom();
    const pan = cy.pan();
    const x = (clientX - r.left - pan.x) / z;
    const y = (clientY - r.top - pan.y) / z;
    for (let i = layout.x.length - 1; i >= 0; i--) {
      if (Math.abs(x - layout.x[i]!) <= layout.w[i]! / 2 && Math.abs(y - layout.y[i]!) <= layout.h[i]! / 2) return i;
    }
    return undefined;
  }

  /**
   * Sets `data-vscode-context` for the node under the pointer (or, from the keyboard, the selected
   * node) so VS Code's menu offers what applies to it: keep in higher precision or quantize, copy
   * the name, show the findings. The right-clicked node becomes the selection.
   */
  private onContextMenu(ev: MouseEvent): void {
    const view = this.host.view();
    const cy = this.host.cy();
    let i: number | undefined;
    if (view && cy) {
      if (ev.button === 2) i = this.nodeAt(ev.clientX, ev.clientY);
      else {
        const sel = cy.$('node:selected')[0];
        if (sel) i = sel.data('i') as number;
      }
    }
    const shown = this.host.shown();
    // Edits name main-graph nodes: the menus offer them only there (package.json `when`).
    const context: Record<string, unknown> = { preventDefaultContextMenuItems: true, qdqMainGraph: !shown || (shown.path.length === 0 && !shown.function) };
    if (view && cy && i !== undefined) {
      const v = view.nodes[i]!;
      const key = nodeKey(view, v);
      context.webviewSection = v.op === undefined ? 'graphTensor' : 'graphNode';
      context.qdqNode = key;
      context.qdqQuantized = this.isQuantized(view, i);
      if (v.op !== undefined) context.qdqOpType = view.ops[v.op];
      if (this.documentUri) context.qdqUri = this.documentUri;
      const ele = cy.getElementById(nodeId(i));
      if (ele.nonempty() && !ele.selected()) {
        cy.$(':selected').unselect();
        ele.select();
      }
    } else if (view && cy && ev.button === 2 && this.cxtEdge && performance.now() - this.cxtEdge.at < 1500) {
      // An edge: its tensor, and the first Q/DQ pair folded on it (a badge) that can be removed.
      const e = view.edges[this.cxtEdge.i];
      context.webviewSection = 'graphEdge';
      if (this.documentUri) context.qdqUri = this.documentUri;
      if (e) {
        context.qdqTensor = view.tensors[e.tensor]?.name;
        const badge = (e.badges ?? []).map((k) => view.badges[k]).find((b) => b?.qName !== undefined);
        if (badge) {
          context.qdqQuantize = badge.qName;
          context.qdqDequantize = badge.dqName;
        }
        context.qdqHasPair = badge !== undefined;
      }
    } else {
      context.webviewSection = 'graphCanvas';
      if (this.documentUri) context.qdqUri = this.documentUri;
    }
    this.cxtEdge = undefined;
    this.wrap.dataset.vscodeContext = JSON.stringify(context);
  }

  /**
   * A node counts as quantized when the analysis predicts it in a quantized precision (fused
   * activations included), or its weights or any of its inputs carry a Q/DQ badge.
   */
  private isQuantized(view: GraphViewDto, i: number): boolean {
    const v = view.nodes[i]!;
    const predicted = this.host.overlays().analysis?.nodes[nodeKey(view, v)]?.key;
    if (predicted !== undefined) return /^(INT8|FP8|INT4)$/.test(predicted);
    if (v.weightBadges?.length) return true;
    if (v.op !== undefined && /^(QuantizeLinear|DequantizeLinear)$/.test(view.ops[v.op] ?? '')) return true;
    const dq = (s: number): boolean => {
      const op = view.nodes[s]!.op;
      return op !== undefined && view.ops[op] === 'DequantizeLinear';
    };
    return view.edges.some((e) => e.t === i && ((e.badges?.length ?? 0) > 0 || dq(e.s)));
  }
}
