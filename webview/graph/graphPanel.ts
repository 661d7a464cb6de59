/**
 * The graph tab: cytoscape with the host's preset layout (never a cytoscape layout), a toolbar
 * (folded/raw, colour source, search with hit navigation, fit, zoom to selection), the legend, an
 * overview, and the properties panel. State that must survive hide/show (mode, selection, colour
 * source, viewport) goes to the view state store; selection and mode also go to the host so a
 * reopened editor comes back to them.
 */
import cytoscape from 'cytoscape';
import type { GraphLayoutDto, GraphRefDto, GraphViewDto, GraphViewMessage, SubgraphStepDto, ViewModeDto } from '../../src/protocol/graphView';
import type { GraphCommand, GraphReportDto, GraphUiStateDto } from '../../src/protocol/messages';
import type { GraphOverlayDto, OverlayNodeDto } from '../../src/protocol/overlay';
import type { NodePropertiesDto, PropertiesMessage } from '../../src/protocol/properties';
import { h, replaceChildren } from '../dom';
import type { ViewStateStore } from '../state';
import { Overview } from './overview';
import { edgePropertiesView, nodePropertiesView } from './properties';
import { mixRgb, resolveColor, themeKind, watchTheme } from './theme';
import { CATEGORY_LEGEND, ViewIndex, edgeId, nodeId, nodeKey, opCategory, toElements } from './viewModel';

export interface GraphHostApi {
  requestGraph(ref: GraphRefDto, mode: ViewModeDto, font: { charWidth: number; lineHeight: number }): Promise<GraphViewMessage>;
  requestProperties(ref: GraphRefDto, node: number): Promise<PropertiesMessage>;
  postState(state: GraphUiStateDto): void;
}

const OP_TYPE_SOURCE = 'opType';
const MAIN: GraphRefDto = { path: [] };

type Status = 'loading' | 'ready' | 'error';

interface Crumb {
  readonly ref: GraphRefDto;
  readonly title: string;
}

export class GraphPanel {
  readonly element: HTMLElement;
  private readonly canvasWrap: HTMLElement;
  private readonly cyContainer: HTMLElement;
  private readonly statusBox: HTMLElement;
  private readonly legendBox: HTMLElement;
  private readonly propsBox: HTMLElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchCount: HTMLElement;
  private readonly modeButton: HTMLElement;
  private readonly colorSelect: HTMLSelectElement;
  private readonly crumbsBox: HTMLElement;
  private readonly overview: Overview;

  private cy: cytoscape.Core | undefined;
  private view: GraphViewDto | undefined;
  private layout: GraphLayoutDto | undefined;
  private index: ViewIndex | undefined;
  private qdqBadges = 0;
  private status: Status = 'loading';
  private error: string | undefined;
  private firstPaintMs: number | undefined;
  private mode: ViewModeDto;
  private colorSource: string;
  private overlays: Record<string, GraphOverlayDto> = {};
  private crumbs: Crumb[] = [{ ref: MAIN, title: 'Main graph' }];
  private hits: { kind: 'node' | 'edge'; index: number }[] = [];
  private hitCursor = -1;
  private pendingReveal: string | undefined;
  private generation = 0;
  private badgedNodes = 0;
  private propsTitle: string | undefined;
  private restoredViewport = false;
  private viewportTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly propCache = new Map<string, Promise<NodePropertiesDto>>();

  constructor(
    private readonly root: HTMLElement,
    private readonly store: ViewStateStore,
    private readonly host: GraphHostApi,
  ) {
    const saved = store.current.graph ?? {};
    this.mode = saved.mode ?? 'folded';
    this.colorSource = saved.colorSource ?? 'analysis';

    this.modeButton = h('vscode-button', { attrs: { secondary: true, title: 'Show Q/DQ pairs folded into edge badges, or every node (Alt+Q)' }, data: { testid: 'mode-toggle' } });
    this.modeButton.addEventListener('click', () => this.toggleMode());
    this.colorSelect = h('select', { className: 'graph-select', attrs: { 'aria-label': 'Colour nodes by', title: 'Colour nodes by' }, data: { testid: 'color-source' } });
    this.colorSelect.addEventListener('change', () => this.setColorSource(this.colorSelect.value));
    this.searchInput = h('input', {
      className: 'graph-search',
      attrs: { type: 'search', placeholder: 'Find node, op type or tensor', 'aria-label': 'Find node, op type or tensor (Enter: next, Shift+Enter: previous)', spellcheck: 'false' },
      data: { testid: 'graph-search' },
    });
    this.searchInput.addEventListener('input', () => this.runSearch(this.searchInput.value, false));
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === 'F3') {
        ev.preventDefault();
        this.stepHit(ev.shiftKey ? -1 : 1);
      } else if (ev.key === 'Escape') {
        this.searchInput.value = '';
        this.runSearch('', false);
        this.cyContainer.focus();
      }
    });
    this.searchCount = h('span', { className: 'graph-search-count', attrs: { 'aria-live': 'polite' }, data: { testid: 'search-count' } });
    const prev = this.toolButton('↑', 'Previous match (Shift+Enter)', () => this.stepHit(-1));
    const next = this.toolButton('↓', 'Next match (Enter)', () => this.stepHit(1));
    const fit = this.toolButton('Fit', 'Fit the graph to the window (0)', () => this.fit());
    const zoomSel = this.toolButton('Zoom to selection', 'Zoom to the selected node (Z)', () => this.zoomToSelection());
    this.crumbsBox = h('nav', { className: 'graph-crumbs', attrs: { 'aria-label': 'Graph' } });

    this.cyContainer = h('div', {
      className: 'graph-canvas',
      attrs: {
        tabindex: 0,
        role: 'application',
        'aria-label': 'Model graph. Arrow keys pan; with a selection, Up and Down move to the producer and consumer, Left and Right to siblings; + and - zoom; 0 fits; Ctrl+F finds.',
      },
      data: { testid: 'graph-canvas' },
    });
    this.cyContainer.addEventListener('keydown', (ev) => this.onKey(ev));
    this.statusBox = h('div', { className: 'graph-status', attrs: { role: 'status' } });
    this.legendBox = h('div', { className: 'graph-legend', data: { testid: 'legend' }, attrs: { 'aria-label': 'Legend' } });
    this.overview = new Overview({
      extent: () => {
        const e = this.cy?.extent();
        return e ? { x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2 } : { x1: 0, y1: 0, x2: 0, y2: 0 };
      },
      centerOn: (x, y) => {
        const cy = this.cy;
        if (!cy) return;
        const z = cy.zoom();
        cy.pan({ x: cy.width() / 2 - x * z, y: cy.height() / 2 - y * z });
      },
    });
    this.canvasWrap = h('div', { className: 'graph-canvas-wrap' }, this.cyContainer, this.legendBox, this.overview.element, this.statusBox);
    this.propsBox = h('aside', { className: 'graph-props', attrs: { 'aria-label': 'Properties', tabindex: -1 }, data: { testid: 'properties' } });
    this.showPropsHint();

    this.element = h(
      'div',
      { className: 'graph-tab' },
      h(
        'div',
        { className: 'graph-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph' } },
        this.crumbsBox,
        this.modeButton,
        h('label', { className: 'graph-label' }, 'Colour', this.colorSelect),
        h('span', { className: 'graph-search-box' }, this.searchInput, prev, next, this.searchCount),
        fit,
        zoomSel,
      ),
      h('div', { className: 'graph-body' }, this.canvasWrap, this.propsBox),
    );
    this.updateModeButton();
    this.renderCrumbs();
    watchTheme(() => this.applyTheme());
  }

  private toolButton(label: string, title: string, onClick: () => void): HTMLElement {
    const b = h('vscode-button', { attrs: { secondary: true, title, 'aria-label': title } }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  /** Applies the host's remembered state (reopened editor) when the page has none of its own. */
  applyHostState(state: GraphUiStateDto | undefined): void {
    if (!state || this.store.current.graph) return;
    if (state.mode) this.mode = state.mode;
    if (state.selected) this.store.updateGraph({ selected: state.selected });
    if (state.mode) this.store.updateGraph({ mode: state.mode });
    this.updateModeButton();
  }

  /** (Re)loads the current graph from the host (on init, model change, mode change, navigation). */
  async load(): Promise<void> {
    const generation = ++this.generation;
    const crumb = this.crumbs[this.crumbs.length - 1]!;
    this.setStatus('loading');
    this.statusBox.textContent = 'Laying out the graph…';
    let reply: GraphViewMessage;
    try {
      reply = await this.host.requestGraph(crumb.ref, this.mode, this.fontMetrics());
    } catch (e) {
      if (generation === this.generation) this.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    if (generation !== this.generation) return;
    if (reply.error || !reply.view || !reply.layout) {
      this.fail(reply.error ?? 'The host sent no graph');
      return;
    }
    this.render(reply.view, reply.layout);
  }

  private fail(message: string): void {
    this.error = message;
    this.statusBox.textContent = message;
    this.statusBox.classList.add('error-text');
    this.setStatus('error');
  }

  private setStatus(status: Status): void {
    this.status = status;
    this.root.dataset.qdqState = status;
    this.statusBox.hidden = status === 'ready';
    if (status !== 'error') this.statusBox.classList.remove('error-text');
  }

  /** Node font metrics at the editor font size, so the host sizes boxes for our labels. */
  private fontMetrics(): { charWidth: number; lineHeight: number } {
    const { size, family } = this.font();
    const c = document.createElement('canvas').getContext('2d');
    let charWidth = size * 0.6;
    if (c) {
      c.font = `${size}px ${family}`;
      const sample = 'ConvDequantizeLinearReshapeSigmoid0123456789×';
      charWidth = c.measureText(sample).width / sample.length;
    }
    return { charWidth: Math.min(64, Math.max(2, charWidth)), lineHeight: Math.min(200, Math.max(6, Math.round(size * 1.35))) };
  }

  private font(): { size: number; family: string } {
    const style = getComputedStyle(document.documentElement);
    const size = parseFloat(style.getPropertyValue('--vscode-editor-font-size')) || 14;
    const family = style.getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif';
    return { size, family };
  }

  private render(view: GraphViewDto, layout: GraphLayoutDto): void {
    const t0 = performance.now();
    this.view = view;
    this.layout = layout;
    this.index = new ViewIndex(view);
    this.propCache.clear();
    const elements = toElements(view, layout);
    this.qdqBadges = elements.qdqBadges;
    const n = elements.nodes.length;
    const large = n > 2500;
    const coloring = this.computeColoring();
    for (let i = 0; i < n; i++) (elements.nodes[i]!.data as { bg?: string }).bg = coloring.colors[i];
    this.cy?.destroy();
    const cy = cytoscape({
      container: this.cyContainer,
      elements: [...elements.nodes, ...elements.edges] as cytoscape.ElementDefinition[],
      layout: { name: 'preset' },
      style: this.styles(),
      minZoom: 0.005,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: true,
      selectionType: 'single',
      textureOnViewport: large,
      hideEdgesOnViewport: n > 12_000,
      motionBlur: false,
      pixelRatio: large ? 1 : 'auto',
    } as cytoscape.CytoscapeOptions);
    this.cy = cy;
    cy.one('render', () => {
      requestAnimationFrame(() => {
        this.firstPaintMs = performance.now() - (this.receivedAt ?? t0);
        this.receivedAt = undefined;
        this.root.dataset.qdqFirstPaintMs = String(Math.round(this.firstPaintMs));
        this.root.dataset.qdqNodes = String(cy.nodes().length);
        this.root.dataset.qdqQdqBadges = String(this.qdqBadges);
        this.setStatus('ready');
      });
    });
    cy.on('select', 'node, edge', (ev) => this.onSelect(ev.target as cytoscape.SingularElementArgument));
    cy.on('unselect', 'node, edge', () => {
      if (cy.$(':selected').length === 0) this.onUnselect();
    });
    cy.on('dbltap', 'node.sub', (ev) => this.openFirstSubgraph((ev.target as cytoscape.NodeSingular).data('i') as number));
    cy.on('viewport', () => {
      this.overview.update();
      if (this.viewportTimer) clearTimeout(this.viewportTimer);
      this.viewportTimer = setTimeout(() => this.store.updateGraph({ zoom: cy.zoom(), pan: cy.pan() }), 300);
    });
    cy.on('mouseover', 'node', (ev) => {
      const i = (ev.target as cytoscape.NodeSingular).data('i') as number;
      this.cyContainer.title = this.tooltip(i);
    });
    cy.on('mouseout', 'node', () => (this.cyContainer.title = ''));

    this.applyColors(coloring);
    this.updateColorSelect();
    this.restoreViewport();
    this.restoreSelection();
    if (this.searchInput.value) this.runSearch(this.searchInput.value, false);
    this.renderCrumbs();
  }

  /** When the last `graphView` message arrived (first paint is measured from there). */
  private receivedAt: number | undefined;

  /** Called by main.ts with the receive time of a `graphView` message. */
  noteReceived(at: number): void {
    this.receivedAt = at;
  }

  private styles(): cytoscape.StylesheetJson {
    const { size, family } = this.font();
    const fg = resolveColor('editor.foreground', 'rgb(204, 204, 204)');
    const bg = resolveColor('editor.background', 'rgb(30, 30, 30)');
    const edge = mixRgb(fg, bg, 0.45);
    const q = resolveColor('charts.purple', 'rgb(177, 128, 215)');
    const focus = resolveColor('focusBorder', 'rgb(0, 127, 212)');
    const hit = resolveColor('editor.findMatchHighlightBackground', 'rgba(234, 92, 0, 0.33)');
    const hc = themeKind().startsWith('high-contrast');
    return [
      {
        selector: 'node',
        style: {
          shape: 'round-rectangle',
          width: 'data(w)',
          height: 'data(h)',
          label: 'data(label)',
          'text-wrap': 'wrap',
          'text-valign': 'center',
          'text-halign': 'center',
          'font-size': size,
          'font-family': family,
          color: fg,
          'background-color': 'data(bg)',
          'background-opacity': hc ? 0 : 0.28,
          'border-width': hc ? 2 : 1.5,
          'border-color': 'data(bg)',
          'min-zoomed-font-size': 7,
        },
      },
      { selector: 'node.input, node.output', style: { shape: 'round-tag', 'border-style': 'dashed' } as cytoscape.Css.Node },
      { selector: 'node.sub', style: { 'border-style': 'double', 'border-width': 4 } },
      { selector: 'node.wq', style: { 'outline-width': 2, 'outline-color': q, 'outline-offset': 2 } as cytoscape.Css.Node },
      {
        selector: 'node[sev]',
        style: {
          'underlay-color': 'data(sevColor)',
          'underlay-opacity': 0.55,
          'underlay-padding': 5,
          'underlay-shape': 'round-rectangle',
        } as cytoscape.Css.Node,
      },
      {
        selector: 'edge',
        style: {
          width: 1.2,
          'line-color': edge,
          'target-arrow-color': edge,
          'target-arrow-shape': 'triangle',
          'arrow-scale': 0.8,
          'curve-style': 'straight',
        },
      },
      {
        selector: 'edge.bent',
        style: {
          'curve-style': 'segments',
          'edge-distances': 'node-position',
          'segment-distances': ((e: cytoscape.EdgeSingular) => e.data('sd') as number[]) as unknown as number,
          'segment-weights': ((e: cytoscape.EdgeSingular) => e.data('sw') as number[]) as unknown as number,
        } as cytoscape.Css.Edge,
      },
      {
        selector: 'edge.q',
        style: {
          width: 2.2,
          'line-color': q,
          'target-arrow-color': q,
          label: 'data(label)',
          'font-size': size,
          'font-family': family,
          color: fg,
          'text-background-color': bg,
          'text-background-opacity': 0.9,
          'text-background-padding': '2px',
          'text-border-color': q,
          'text-border-width': 1,
          'text-border-opacity': 1,
          'min-zoomed-font-size': 9,
        } as cytoscape.Css.Edge,
      },
      {
        selector: 'edge[sev]',
        style: { 'underlay-color': 'data(sevColor)', 'underlay-opacity': 0.55, 'underlay-padding': 4 } as cytoscape.Css.Edge,
      },
      { selector: '.hit', style: { 'overlay-color': hit, 'overlay-opacity': 0.45, 'overlay-padding': 6 } as cytoscape.Css.Node },
      {
        selector: 'node:selected',
        style: { 'border-width': 4, 'border-color': focus, 'border-style': 'solid', 'background-opacity': hc ? 0.2 : 0.45 },
      },
      { selector: 'edge:selected', style: { width: 4, 'line-color': focus, 'target-arrow-color': focus } },
    ] as cytoscape.StylesheetJson;
  }

  private applyTheme(): void {
    if (!this.cy) return;
    this.cy.style(this.styles());
    this.applyColors();
  }

  // ---- colouring and overlays ----------------------------------------------------------------

  setOverlays(overlays: Record<string, GraphOverlayDto>): void {
    this.overlays = overlays;
    this.updateColorSelect();
    this.applyColors();
    if (this.selectedKey) this.refreshProps();
  }

  private colorSources(): { id: string; label: string }[] {
    const list = [{ id: OP_TYPE_SOURCE, label: 'Op type' }];
    for (const [id, o] of Object.entries(this.overlays)) if (o.colors !== false) list.push({ id, label: o.label });
    return list;
  }

  private effectiveSource(): string {
    const sources = this.colorSources();
    return sources.some((s) => s.id === this.colorSource) ? this.colorSource : OP_TYPE_SOURCE;
  }

  private updateColorSelect(): void {
    const current = this.effectiveSource();
    replaceChildren(this.colorSelect, ...this.colorSources().map((s) => h('option', { attrs: { value: s.id, selected: s.id === current } }, s.label)));
    this.colorSelect.value = current;
  }

  private setColorSource(id: string): void {
    this.colorSource = id;
    this.store.updateGraph({ colorSource: id });
    this.applyColors();
  }

  /** Node colours by the current source, and the legend rows. */
  private computeColoring(): { colors: string[]; legendRows: { label: string; color: string }[] } {
    const view = this.view!;
    const source = this.effectiveSource();
    const neutral = resolveColor('descriptionForeground', 'rgb(150, 150, 150)');
    const colors: string[] = new Array(view.nodes.length).fill(neutral);
    const legendRows: { label: string; color: string }[] = [];
    if (source === OP_TYPE_SOURCE) {
      const byCat = new Map(CATEGORY_LEGEND.map((c) => [c.key, resolveColor(c.color, neutral)]));
      const used = new Set<string>();
      view.nodes.forEach((v, i) => {
        const cat = opCategory(v.op !== undefined ? view.ops[v.op] : undefined);
        used.add(cat);
        colors[i] = byCat.get(cat) ?? neutral;
      });
      for (const c of CATEGORY_LEGEND) if (used.has(c.key)) legendRows.push({ label: c.label, color: byCat.get(c.key)! });
    } else {
      const overlay = this.overlays[source]!;
      const byKey = new Map(overlay.legend.map((l) => [l.key, resolveColor(l.color, neutral)]));
      const lo = resolveColor(overlay.legend[0]?.color ?? 'charts.blue', neutral);
      const hi = resolveColor(overlay.legend[overlay.legend.length - 1]?.color ?? 'charts.red', neutral);
      for (const [name, entry] of Object.entries(overlay.nodes)) {
        const t = this.index!.targets(name);
        if (!t) continue;
        const color = entry.key !== undefined ? byKey.get(entry.key) : entry.heat !== undefined ? mixRgb(lo, hi, entry.heat) : undefined;
        if (!color) continue;
        // A folded Q/DQ's colour does not repaint the node carrying its badge.
        if (t.edges.length === 0) for (const n of t.nodes) colors[n] = color;
      }
      for (const l of overlay.legend) legendRows.push({ label: l.label, color: byKey.get(l.key)! });
      legendRows.push({ label: 'Not a layer / not listed', color: neutral });
    }
    return { colors, legendRows };
  }

  private applyColors(coloring?: { colors: string[]; legendRows: { label: string; color: string }[] }): void {
    const cy = this.cy;
    const view = this.view;
    if (!cy || !view) return;
    const source = this.effectiveSource();
    const neutral = resolveColor('descriptionForeground', 'rgb(150, 150, 150)');
    const { colors, legendRows } = coloring ?? this.computeColoring();
    const fresh = coloring !== undefined;

    // Badges (findings and other marks) from every source: node underlay by worst severity.
    const sev = new Map<string, { rank: number; sev: string }>();
    const rank = { error: 3, warning: 2, info: 1 } as const;
    const sevKey = (kind: 'n' | 'e', i: number): string => `${kind}${i}`;
    for (const overlay of Object.values(this.overlays)) {
      for (const [name, entry] of Object.entries(overlay.nodes)) {
        if (!entry.badge) continue;
        const t = this.index!.targets(name);
        if (!t) continue;
        const s = entry.severity ?? 'info';
        const keys = [...t.nodes.map((n) => sevKey('n', n)), ...t.edges.map((e) => sevKey('e', e))];
        for (const k of keys) {
          const prev = sev.get(k);
          if (!prev || rank[s] > prev.rank) sev.set(k, { rank: rank[s], sev: s });
        }
      }
    }
    const sevColor = {
      error: resolveColor('editorError.foreground', 'rgb(241, 76, 76)'),
      warning: resolveColor('editorWarning.foreground', 'rgb(204, 167, 0)'),
      info: resolveColor('editorInfo.foreground', 'rgb(55, 148, 255)'),
    } as Record<string, string>;
    let badged = 0;
    cy.batch(() => {
      cy.nodes().forEach((node) => {
        const i = node.data('i') as number;
        if (!fresh) node.data('bg', colors[i]);
        const s = sev.get(sevKey('n', i));
        if (s) {
          badged++;
          node.data({ sev: s.sev, sevColor: sevColor[s.sev] });
        } else if (node.data('sev') !== undefined) node.removeData('sev sevColor');
      });
      cy.edges().forEach((edge) => {
        const s = sev.get(sevKey('e', edge.data('i') as number));
        if (s) {
          badged++;
          edge.data({ sev: s.sev, sevColor: sevColor[s.sev] });
        } else if (edge.data('sev') !== undefined) edge.removeData('sev sevColor');
      });
    });
    this.badgedNodes = badged;
    const findings = Object.values(this.overlays).some((o) => Object.values(o.nodes).some((e) => e.badge));
    if (findings) {
      legendRows.push({ label: 'Finding: error', color: sevColor.error! }, { label: 'Finding: warning', color: sevColor.warning! });
    }
    replaceChildren(
      this.legendBox,
      h('div', { className: 'legend-title' }, source === OP_TYPE_SOURCE ? 'Op type' : this.overlays[source]!.label),
      ...legendRows.map((r) => {
        const sw = h('span', { className: 'legend-swatch', attrs: { 'aria-hidden': 'true' } });
        sw.style.backgroundColor = r.color;
        return h('div', { className: 'legend-row' }, sw, h('span', { className: 'legend-label' }, r.label));
      }),
    );
    if (this.layout) this.overview.setGraph(this.layout, (i) => colors[i] ?? neutral, neutral);
  }

  private overlayNotes(name: string): { source: string; entry: OverlayNodeDto }[] {
    const notes: { source: string; entry: OverlayNodeDto }[] = [];
    for (const [source, o] of Object.entries(this.overlays)) {
      const entry = o.nodes[name];
      if (entry) notes.push({ source: o.label || source, entry });
    }
    return notes;
  }

  private tooltip(i: number): string {
    const view = this.view;
    if (!view) return '';
    const v = view.nodes[i]!;
    const key = nodeKey(view, v);
    const lines = [v.op !== undefined ? `${view.ops[v.op]} ${key}` : key];
    for (const n of this.overlayNotes(key)) if (n.entry.tooltip) lines.push(n.entry.tooltip);
    return lines.join('\n');
  }

  // ---- mode and navigation ---------------------------------------------------------------------

  toggleMode(): void {
    this.mode = this.mode === 'folded' ? 'raw' : 'folded';
    this.store.updateGraph({ mode: this.mode, zoom: undefined, pan: undefined });
    this.restoredViewport = true; // a new drawing: fit it (keeping the selection)
    this.postState();
    this.updateModeButton();
    void this.load();
  }

  private updateModeButton(): void {
    this.modeButton.textContent = this.mode === 'folded' ? 'Q/DQ folded' : 'Q/DQ raw';
    this.modeButton.setAttribute('aria-pressed', String(this.mode === 'folded'));
  }

  private renderCrumbs(): void {
    replaceChildren(
      this.crumbsBox,
      ...this.crumbs.flatMap((c, k) => {
        const last = k === this.crumbs.length - 1;
        const el = last
          ? h('span', { className: 'crumb current', attrs: { 'aria-current': 'page' }, data: { testid: 'graph-title' } }, c.title)
          : h('button', { className: 'link crumb', attrs: { type: 'button' }, on: { click: () => this.goTo(k) } }, c.title);
        return k === 0 ? [el] : [h('span', { className: 'crumb-sep', attrs: { 'aria-hidden': 'true' } }, '›'), el];
      }),
    );
  }

  private goTo(k: number): void {
    this.crumbs = this.crumbs.slice(0, k + 1);
    this.store.updateGraph({ selected: undefined, zoom: undefined, pan: undefined });
    void this.load();
  }

  private openSubgraph(viewNode: number, attr: string, index: number | undefined): void {
    const view = this.view;
    const v = view?.nodes[viewNode];
    if (!view || !v || v.node === undefined) return;
    const current = this.crumbs[this.crumbs.length - 1]!.ref;
    const step: SubgraphStepDto = index === undefined ? { node: v.node, attr } : { node: v.node, attr, index };
    const ref: GraphRefDto = { ...(current.function ? { function: current.function } : {}), path: [...current.path, step] };
    this.crumbs.push({ ref, title: `${nodeKey(view, v)} / ${attr}${index !== undefined ? `[${index}]` : ''}` });
    this.store.updateGraph({ selected: undefined, zoom: undefined, pan: undefined });
    void this.load();
  }

  private openFirstSubgraph(viewNode: number): void {
    const v = this.view?.nodes[viewNode];
    const g = v?.graphs?.[0];
    if (g) this.openSubgraph(viewNode, g.attr, g.index);
  }

  private openFunction(domain: string, name: string): void {
    this.crumbs = [this.crumbs[0]!, { ref: { function: { domain, name }, path: [] }, title: `function ${name}` }];
    this.store.updateGraph({ selected: undefined, zoom: undefined, pan: undefined });
    void this.load();
  }

  private restoreViewport(): void {
    const cy = this.cy!;
    const g = this.store.current.graph;
    if (!this.restoredViewport && g?.zoom !== undefined && g.pan) {
      cy.viewport({ zoom: g.zoom, pan: g.pan });
    } else {
      cy.fit(undefined, 24);
      if (cy.zoom() < 0.6) {
        // A tall detector: start readable at the top (the inputs), like a document; 0 fits all.
        const first = cy.nodes().min((n) => n.position('y')).ele;
        const z = 0.9;
        cy.zoom(z);
        cy.pan({ x: cy.width() / 2 - (first?.position('x') ?? 0) * z, y: 40 - ((first?.position('y') ?? 0) - (first?.height() ?? 0) / 2) * z });
      }
    }
    this.restoredViewport = true;
  }

  fit(): void {
    this.cy?.fit(undefined, 24);
  }

  zoomToSelection(): void {
    const cy = this.cy;
    if (!cy) return;
    const sel = cy.$(':selected');
    if (sel.length === 0) return;
    cy.animate({ fit: { eles: sel.closedNeighborhood(), padding: 60 } } as cytoscape.AnimationOptions, { duration: 150 });
  }

  // ---- selection and properties ----------------------------------------------------------------

  private selectedKey: string | undefined;

  private onSelect(ele: cytoscape.SingularElementArgument): void {
    const view = this.view;
    if (!view) return;
    const i = ele.data('i') as number;
    if (ele.isNode()) {
      this.selectedKey = `n:${nodeKey(view, view.nodes[i]!)}`;
    } else {
      this.selectedKey = `e:${view.tensors[view.edges[i]!.tensor]?.name ?? ''}`;
    }
    this.store.updateGraph({ selected: this.selectedKey });
    this.postState();
    this.refreshProps();
  }

  private onUnselect(): void {
    this.selectedKey = undefined;
    this.store.updateGraph({ selected: undefined });
    this.postState();
    this.showPropsHint();
  }

  private postState(): void {
    const selected = this.selectedKey?.slice(2);
    this.host.postState({ mode: this.mode, ...(selected ? { selected } : {}) });
  }

  private showPropsHint(): void {
    this.propsTitle = undefined;
    replaceChildren(this.propsBox, h('p', { className: 'muted props-hint' }, 'Select a node or a quantized edge to see its properties.'));
  }

  private loadProps = (node: number): Promise<NodePropertiesDto> => {
    const ref = this.crumbs[this.crumbs.length - 1]!.ref;
    const key = `${JSON.stringify(ref)}#${node}`;
    let p = this.propCache.get(key);
    if (!p) {
      p = this.host.requestProperties(ref, node).then((m) => {
        if (!m.properties) throw new Error(m.error ?? 'no properties');
        return m.properties;
      });
      this.propCache.set(key, p);
      p.catch(() => this.propCache.delete(key));
    }
    return p;
  };

  private refreshProps(): void {
    const cy = this.cy;
    const view = this.view;
    if (!cy || !view) return;
    const sel = cy.$(':selected')[0];
    if (!sel) return;
    const actions = {
      load: this.loadProps,
      openSubgraph: (n: number, attr: string, index: number | undefined) => this.openSubgraph(n, attr, index),
      openFunction: (domain: string, name: string) => this.openFunction(domain, name),
      reveal: (name: string) => this.reveal(name),
    };
    const i = sel.data('i') as number;
    const content = sel.isNode()
      ? nodePropertiesView(view, i, this.overlayNotes(nodeKey(view, view.nodes[i]!)), actions)
      : edgePropertiesView(view, view.edges[i]!, actions);
    replaceChildren(this.propsBox, content);
    this.propsTitle = content.querySelector('[data-testid="props-title"]')?.textContent ?? undefined;
  }

  private restoreSelection(): void {
    if (this.pendingReveal !== undefined) {
      const name = this.pendingReveal;
      this.pendingReveal = undefined;
      this.revealNow(name);
      return;
    }
    const key = this.store.current.graph?.selected;
    if (!key) {
      this.showPropsHint();
      return;
    }
    const found = this.selectByKey(key, false);
    if (!found) this.showPropsHint();
  }

  /** Selects `n:<node key>` / `e:<tensor>` (or a bare name); centres it when asked. */
  private selectByKey(key: string, center: boolean): boolean {
    const cy = this.cy;
    const index = this.index;
    if (!cy || !index) return false;
    const name = key.startsWith('n:') || key.startsWith('e:') ? key.slice(2) : key;
    const t = index.targets(name);
    if (!t) return false;
    const ele = t.edges.length && (key.startsWith('e:') || t.nodes.length === 0) ? cy.getElementById(edgeId(t.edges[0]!)) : cy.getElementById(nodeId(t.nodes[0] ?? -1));
    if (ele.empty()) return false;
    cy.$(':selected').unselect();
    ele.select();
    if (center) {
      const z = Math.max(cy.zoom(), 0.9);
      cy.zoom(z);
      cy.center(ele);
    }
    return true;
  }

  /** Selects and centres a node (by node key, folded Q/DQ name or tensor name); queued until the graph is drawn. */
  reveal(name: string): void {
    if (!this.cy || this.status === 'loading') {
      this.pendingReveal = name;
      return;
    }
    this.revealNow(name);
  }

  private revealNow(name: string): void {
    if (!this.selectByKey(name, true)) {
      if (this.mode === 'folded' && this.crumbs.length === 1) {
        // Maybe a node the folded view does not draw at all: try the raw view.
        this.pendingReveal = name;
        this.toggleMode();
        return;
      }
      this.statusBox.hidden = false;
      this.statusBox.textContent = `No node or tensor named '${name}' in this graph`;
      setTimeout(() => (this.statusBox.hidden = this.status === 'ready'), 4000);
    }
    this.cyContainer.focus();
  }

  // ---- search --------------------------------------------------------------------------------

  find(text?: string): void {
    if (text !== undefined) {
      this.searchInput.value = text;
      this.runSearch(text, true);
    }
    this.searchInput.focus();
    this.searchInput.select();
  }

  private runSearch(query: string, jump: boolean): void {
    const cy = this.cy;
    const index = this.index;
    if (!cy || !index) return;
    cy.batch(() => cy.$('.hit').removeClass('hit'));
    this.hits = index.search(query);
    this.hitCursor = -1;
    cy.batch(() => {
      for (const hit of this.hits.slice(0, 5000)) cy.getElementById(hit.kind === 'node' ? nodeId(hit.index) : edgeId(hit.index)).addClass('hit');
    });
    this.updateSearchCount(query);
    if (jump && this.hits.length) this.stepHit(1);
  }

  private updateSearchCount(query: string): void {
    this.searchCount.textContent = query.trim() === '' ? '' : this.hits.length === 0 ? 'No results' : `${this.hitCursor + 1 || '–'} of ${this.hits.length}`;
  }

  private stepHit(delta: number): void {
    const cy = this.cy;
    if (!cy || this.hits.length === 0) return;
    this.hitCursor = (this.hitCursor + delta + this.hits.length) % this.hits.length;
    const hit = this.hits[this.hitCursor]!;
    const ele = cy.getElementById(hit.kind === 'node' ? nodeId(hit.index) : edgeId(hit.index));
    cy.$(':selected').unselect();
    ele.select();
    cy.zoom(Math.max(cy.zoom(), 0.6));
    cy.center(ele);
    this.updateSearchCount(this.searchInput.value);
  }

  // ---- keyboard ------------------------------------------------------------------------------

  private onKey(ev: KeyboardEvent): void {
    const cy = this.cy;
    if (!cy) return;
    const step = 80;
    const sel = cy.$(':selected')[0];
    const move = (next: cytoscape.SingularElementArgument | cytoscape.CollectionReturnValue | undefined): void => {
      if (!next || next.empty()) return;
      cy.$(':selected').unselect();
      next.select();
      cy.center(next);
    };
    switch (ev.key) {
      case 'ArrowUp':
        if (sel?.isNode()) move(sel.incomers('node').first());
        else cy.panBy({ x: 0, y: step });
        break;
      case 'ArrowDown':
        if (sel?.isNode()) move(sel.outgoers('node').first());
        else cy.panBy({ x: 0, y: -step });
        break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        if (sel?.isNode()) {
          const node = sel as cytoscape.NodeSingular;
          const siblings = node.incomers('node').outgoers('node').union(node).nodes().toArray().sort((a, b) => a.position('x') - b.position('x'));
          const k = siblings.findIndex((s) => s.same(node)) + (ev.key === 'ArrowLeft' ? -1 : 1);
          move(k >= 0 && k < siblings.length ? siblings[k] : undefined);
        } else cy.panBy({ x: ev.key === 'ArrowLeft' ? step : -step, y: 0 });
        break;
      }
      case '+':
      case '=':
        cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
        break;
      case '-':
        cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
        break;
      case '0':
        this.fit();
        break;
      case 'z':
        this.zoomToSelection();
        break;
      case 'Escape':
        cy.$(':selected').unselect();
        break;
      case 'Enter':
        if (sel?.isNode()) this.openFirstSubgraph(sel.data('i') as number);
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  /** Runs a command from the host (palette, tests). */
  command(command: GraphCommand, text?: string): void {
    switch (command) {
      case 'toggleFolding':
        this.toggleMode();
        break;
      case 'fit':
        this.fit();
        break;
      case 'zoomToSelection':
        this.zoomToSelection();
        break;
      case 'find':
        this.find(text);
        break;
      default:
        break;
    }
  }

  /** Called when the tab becomes visible again (the canvas was display:none). */
  resized(): void {
    this.cy?.resize();
    this.overview.update();
  }

  report(tab: 'graph' | 'summary'): GraphReportDto {
    const cy = this.cy;
    const view = this.view;
    const sel = cy?.$(':selected')[0];
    let selected: string | undefined;
    if (sel && view) {
      const i = sel.data('i') as number;
      selected = sel.isNode() ? nodeKey(view, view.nodes[i]!) : view.tensors[view.edges[i]!.tensor]?.name;
    }
    const props = this.propsBox;
    const scaleCount = props.querySelector('[data-testid="qdq-scale-count"]')?.textContent;
    return {
      state: this.status,
      tab,
      mode: this.mode,
      ...(this.crumbs.length ? { title: this.crumbs[this.crumbs.length - 1]!.title } : {}),
      renderedNodes: cy?.nodes().length ?? 0,
      renderedEdges: cy?.edges().length ?? 0,
      qdqBadges: this.qdqBadges,
      ...(this.firstPaintMs !== undefined ? { firstPaintMs: Math.round(this.firstPaintMs) } : {}),
      ...(selected !== undefined ? { selected, selectedKind: sel!.isNode() ? ('node' as const) : ('edge' as const) } : {}),
      colorSource: this.effectiveSource(),
      legend: [...this.legendBox.querySelectorAll('.legend-label')].map((e) => e.textContent ?? ''),
      overlaySources: Object.keys(this.overlays),
      badgedNodes: this.badgedNodes,
      ...(this.searchInput.value ? { search: { query: this.searchInput.value, hits: this.hits.length, current: this.hitCursor + 1 } } : {}),
      ...(this.propsTitle !== undefined
        ? {
            properties: {
              title: this.propsTitle,
              ...(scaleCount ? { scaleValues: Number(scaleCount) } : {}),
              ...(props.querySelector('[data-testid="qdq-scale-min"]') ? { scaleMin: props.querySelector('[data-testid="qdq-scale-min"]')!.textContent ?? '' } : {}),
              ...(props.querySelector('[data-testid="qdq-scale-max"]') ? { scaleMax: props.querySelector('[data-testid="qdq-scale-max"]')!.textContent ?? '' } : {}),
              weights: props.querySelectorAll('.prop-weight').length,
              stats: props.querySelectorAll('[data-testid="weight-stats"]').length,
            },
          }
        : {}),
      ...(cy ? { zoom: cy.zoom() } : {}),
      ...(this.error && this.status === 'error' ? { error: this.error } : {}),
    };
  }
}
