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
import type { GraphOverlayDto } from '../../src/protocol/overlay';
import type { PropertiesMessage } from '../../src/protocol/properties';
import { h } from '../dom';
import type { ViewStateStore } from '../state';
import { shareStyleKeyScratch } from './cyMemory';
import { measureFontMetrics } from './fontMetrics';
import { Overview } from './overview';
import { overlayNotes, PropertiesPane } from './propertiesPane';
import { Announcer, onGraphKey, selectionSentence } from './keyboard';
import { graphBodyLayout } from './paneLayout';
import { computeMarks, markData, markLegendRows, markPalette, type MarkPalette, type Marks } from './marks';
import { canvasColors, graphStylesheet } from './stylesheet';
import { computeColoring, type Coloring } from './coloring';
import { GraphStream } from './streaming';
import { GraphLegend, type LegendItem } from './legend';
import { GraphToolbar } from './toolbar';
import { CanvasViewport, MAX_ZOOM, MIN_ZOOM } from './canvasViewport';
import { resolveColor, themeKind, watchTheme } from './theme';
import { GraphSearch } from './graphSearch';
import { GraphContextMenu } from './contextMenu';
import { DEFAULT_COLOR_SOURCE, OP_TYPE_SOURCE, edgeId, effectiveColorSource, nodeId, nodeKey, splitForFirstPaint, toElements, viewIndexOf, viewRect, type ViewIndex, type ElementSet, type Viewport } from './viewModel';
import { firstViewport, fitViewport, nodeBox, nodesMeeting, settleViewport, shownRect, type Rect } from './viewportPlan';

export interface GraphHostApi {
  requestGraph(ref: GraphRefDto, mode: ViewModeDto, font: { charWidth: number; lineHeight: number }): Promise<GraphViewMessage>;
  requestProperties(ref: GraphRefDto, node: number): Promise<PropertiesMessage>;
  postState(state: GraphUiStateDto): void;
  /** Once per page: the first graph is on screen. */
  postPainted(firstPaintMs: number): void;
}

const MAIN: GraphRefDto = { path: [] };
/** Past this many nodes only what the first view shows is drawn before the first paint. */
const STREAM_ABOVE_NODES = 300;
/** The legend's section id in the view state's collapsed list. */
const LEGEND_SECTION = 'graph-legend';
/** The properties pane's id in the view state's collapsed list (the toolbar's Properties button). */
const PROPS_SECTION = 'graph-props';

const CANVAS_LABEL =
  'Model graph. Home selects the first node (a graph input), End the last; Enter or Space with nothing selected selects the first node. ' +
  'With a selection, Up and Down move to the producer and consumer, Left and Right to siblings, Enter opens a subgraph, Escape clears; ' +
  'without one, arrow keys pan. + and - zoom; 0 fits; Z zooms to the selection; Alt+Q folds or unfolds Q/DQ; Ctrl+F finds.';

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
  private readonly legend = new GraphLegend();
  private readonly toolbar: GraphToolbar;
  /** The toolbar's search: hits marked, stepped through, kept across redraws (graphSearch.ts). */
  private readonly search: GraphSearch;
  /** The selected node's or edge's properties (propertiesPane.ts). */
  private readonly props: PropertiesPane;
  private readonly overview: Overview;
  private readonly body: HTMLElement;
  /** Says the keyboard's selection to screen readers (aria-live), the last of a burst only. */
  private readonly announcer = new Announcer();
  /** Fit, centring, the view kept clear of the legend and through resizes (canvasViewport.ts). */
  private readonly viewport: CanvasViewport;
  /** VS Code's context menu on the canvas: what it offers for the node or edge (contextMenu.ts). */
  private readonly contextMenu: GraphContextMenu;

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
  private pendingReveal: string | undefined;
  private generation = 0;
  private badgedNodes = 0;
  private restoredViewport = false;
  /** The viewport to keep for the next drawing (a refresh after an edit). */
  private keepViewport: Viewport | undefined;
  /** Drawing counter: a stale first-paint or streaming callback stops when it changed. */
  private drawing = 0;
  private elements: ElementSet | undefined;
  private coloring: Coloring = { colors: [], fills: [], legendRows: [] };
  private marks: Marks = { nodes: new Map(), edges: new Map(), severities: [], badgeSources: [] };
  /** Finding halo colours for the current theme (marks.ts). */
  private markColors: MarkPalette = markPalette('dark');
  private viewportTimer: ReturnType<typeof setTimeout> | undefined;
  /** Adds what the first paint left out and restyles stale elements in background slices (streaming.ts). */
  private readonly stream = new GraphStream({
    cy: () => this.cy,
    view: () => this.view,
    nodeDef: (i) => this.nodeDef(i),
    edgeDef: (e) => this.edgeDef(e),
    styling: () => ({ coloring: this.coloring, marks: this.marks, palette: this.markColors }),
    completed: (t0) => this.completed(t0),
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly store: ViewStateStore,
    private readonly host: GraphHostApi,
  ) {
    const saved = store.current.graph ?? {};
    this.mode = saved.mode ?? 'folded';
    this.colorSource = saved.colorSource ?? DEFAULT_COLOR_SOURCE;

    this.toolbar = new GraphToolbar({
      toggleMode: () => this.toggleMode(),
      setColorSource: (id) => this.setColorSource(id),
      search: (query) => this.search.run(query, false),
      stepHit: (delta) => this.search.step(delta),
      leaveSearch: () => {
        this.search.run('', false);
        this.cyContainer.focus();
      },
      fit: () => this.viewport.fit(),
      zoomToSelection: () => this.zoomToSelection(),
      toggleProps: () => this.setPropsCollapsed(!this.store.isCollapsed(PROPS_SECTION)),
    });
    this.search = new GraphSearch(this.toolbar, {
      cy: () => this.cy,
      view: () => this.view,
      index: () => this.index,
      selectedKey: () => this.selectedKey,
      ensureAll: () => this.stream.ensureAll(),
      centreOn: (ele, zoom) => this.viewport.centreOn(ele, zoom),
    });

    this.cyContainer = h('div', {
      className: 'graph-canvas',
      attrs: {
        tabindex: 0,
        role: 'application',
        'aria-label': CANVAS_LABEL,
      },
      data: { testid: 'graph-canvas' },
    });
    this.cyContainer.addEventListener('keydown', (ev) =>
      onGraphKey(ev, {
        cy: () => this.cy,
        view: () => this.view,
        ensureAll: () => this.stream.ensureAll(),
        centreOn: (ele, zoom) => this.viewport.centreOn(ele, zoom),
        fit: () => this.viewport.fit(),
        zoomToSelection: () => this.zoomToSelection(),
        openFirstSubgraph: (i) => this.openFirstSubgraph(i),
        toggleMode: () => this.toggleMode(),
        announce: (text) => this.announcer.push(text),
        selectionSentence: () => this.selectionSentence(),
      }),
    );

    this.statusBox = h('div', { className: 'graph-status', attrs: { role: 'status' } });
    // Whatever changes the legend's size (the colouring's rows and title, a mark added, expanding it).
    new ResizeObserver(() => this.viewport.keepClearOfLegend()).observe(this.legend.element);
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
    this.viewport = new CanvasViewport(this.cyContainer, this.legend, this.overview, this.root, {
      cy: () => this.cy,
      layout: () => this.layout,
      layoutBody: () => this.applyBodyLayout(),
    });
    this.canvasWrap = h('div', { className: 'graph-canvas-wrap' }, this.cyContainer, this.legend.element, this.overview.element, this.statusBox);
    // A click in the graph gives it the keyboard. cytoscape's mousedown handler prevents the default
    // (which would focus this div) and blurs whatever has the focus, so the keys did nothing until
    // Tab. Taken here, one level up, after cytoscape's handler on the canvas has run.
    this.canvasWrap.addEventListener('mousedown', (ev) => {
      if (this.cyContainer.contains(ev.target as Node) && document.activeElement !== this.cyContainer) this.cyContainer.focus({ preventScroll: true });
    });
    this.contextMenu = new GraphContextMenu(this.canvasWrap, this.cyContainer, {
      cy: () => this.cy,
      view: () => this.view,
      layout: () => this.layout,
      overlays: () => this.overlays,
      shown: () => this.crumbs[this.crumbs.length - 1]?.ref,
    });
    this.props = new PropertiesPane({
      shown: () => this.crumbs[this.crumbs.length - 1]!.ref,
      requestProperties: (ref, node) => host.requestProperties(ref, node),
      openSubgraph: (n, attr, index) => this.openSubgraph(n, attr, index),
      openFunction: (domain, name) => this.openFunction(domain, name),
      reveal: (name) => this.reveal(name),
    });
    this.body = h('div', { className: 'graph-body' }, this.canvasWrap, this.props.element);

    this.element = h('div', { className: 'graph-tab' }, this.toolbar.element, this.body, this.announcer.element);
    this.updateModeButton();
    this.applyBodyLayout();
    // The pane beside or below the canvas, or hidden, by the body's size (paneLayout.ts); the canvas
    // keeps its centre through any resize (split editor, window, pane moved).
    new ResizeObserver(() => this.applyBodyLayout()).observe(this.body);
    new ResizeObserver(() => this.viewport.onCanvasResize()).observe(this.cyContainer);
    this.renderCrumbs();
    watchTheme(() => this.applyTheme());
  }

  // ---- pane layout and resizing ----------------------------------------------------------------

  /** Places the properties pane (beside, below or hidden) and sizes it, and sets the compact legend, from the body's size (paneLayout.ts). */
  private applyBodyLayout(): void {
    const collapsed = this.store.isCollapsed(PROPS_SECTION);
    this.toolbar.setPropsCollapsed(collapsed);
    const width = this.body.clientWidth;
    const height = this.body.clientHeight;
    // Not laid out yet (not attached, or another tab): only what does not depend on the size.
    const l = graphBodyLayout(width, height, collapsed);
    if (width <= 0 || height <= 0) {
      if (collapsed) this.body.dataset.props = 'hidden';
      else if (this.body.dataset.props === 'hidden') delete this.body.dataset.props;
      return;
    }
    this.body.dataset.props = l.props;
    this.body.style.setProperty('--qdq-props-size', `${l.propsSize}px`);
    this.canvasWrap.classList.toggle('compact', l.compactLegend);
  }

  private setPropsCollapsed(collapsed: boolean): void {
    this.store.setCollapsed(PROPS_SECTION, collapsed);
    this.applyBodyLayout();
    // Now rather than in the ResizeObserver's callback, so the view is settled when this returns.
    this.viewport.onCanvasResize();
  }

  /** The sentence for the selected node (keyboard.ts, announce.ts). */
  private selectionSentence(): string {
    return selectionSentence(this.view, this.cy?.$(':selected')[0], this.overlays, this.effectiveSource(), this.marks);
  }

  /** Applies the host's remembered state (reopened editor) when the page has none of its own. */
  applyHostState(state: GraphUiStateDto | undefined): void {
    if (!state || this.store.current.graph) return;
    if (state.mode) this.mode = state.mode;
    if (state.selected) this.store.updateGraph({ selected: state.selected });
    if (state.mode) this.store.updateGraph({ mode: state.mode });
    this.updateModeButton();
  }

  /**
   * The model changed (edit, undo, redo, revert, reload): fetch and redraw the current graph,
   * keeping the viewport, the mode and the selection (when its node is still there). The old
   * drawing stays up until the new one is built.
   */
  refresh(): void {
    const cy = this.cy;
    // The drawing on screen (even one still painting: refreshes come in bursts) sets the viewport.
    if (cy && !this.keepViewport) this.keepViewport = { zoom: cy.zoom(), pan: { ...cy.pan() } };
    this.refreshing = true;
    void this.load();
  }

  private refreshing = false;

  /** (Re)loads the current graph from the host (on init, model change, mode change, navigation). */
  async load(): Promise<void> {
    const generation = ++this.generation;
    const crumb = this.crumbs[this.crumbs.length - 1]!;
    this.setStatus('loading');
    this.statusBox.textContent = 'Laying out the graph…';
    let reply: GraphViewMessage;
    try {
      performance.mark('qdq:graph-requested');
      reply = await this.host.requestGraph(crumb.ref, this.mode, measureFontMetrics());
    } catch (e) {
      if (generation === this.generation) this.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    if (generation !== this.generation) return;
    const refreshing = this.refreshing;
    this.refreshing = false;
    if (reply.error || !reply.view || !reply.layout) {
      if (refreshing && this.crumbs.length > 1) {
        // The edit removed the subgraph we were in: back to the main graph.
        this.keepViewport = undefined;
        this.crumbs = [this.crumbs[0]!];
        this.store.updateGraph({ selected: undefined, zoom: undefined, pan: undefined });
        void this.load();
        return;
      }
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

  private render(view: GraphViewDto, layout: GraphLayoutDto): void {
    const t0 = this.receivedAt ?? performance.now();
    this.receivedAt = undefined;
    const drawing = ++this.drawing;
    this.view = view;
    this.layout = layout;
    this.index = viewIndexOf(view); // the one the properties panel asks too
    this.props.clearCache();
    const elements = toElements(view, layout);
    this.elements = elements;
    this.qdqBadges = elements.qdqBadges;
    const n = elements.nodes.length;
    const large = n > 2500;
    this.coloring = this.computeColoring();
    this.marks = this.computeMarks();
    // The legend first: the first view leaves room for it.
    this.renderLegend();

    // The first view, from the layout alone: only what it shows (and a margin) goes to cytoscape
    // before the first paint; the rest streams in afterwards (streaming.ts).
    this.applyBodyLayout();
    // The overview's size for this graph, before the first view leaves room for it.
    const neutral = resolveColor('descriptionForeground', 'rgb(150, 150, 150)');
    const colors = this.coloring.colors;
    this.overview.setGraph(layout, (i) => colors[i] ?? neutral, neutral);
    const width = this.cyContainer.clientWidth;
    const height = this.cyContainer.clientHeight;
    const saved = this.store.current.graph;
    const legend = this.viewport.legendExtent();
    const overview = this.viewport.overviewExtent();
    this.viewport.placed(width, height, legend);
    let candidate: Viewport;
    let restored = false;
    if (this.keepViewport) candidate = this.keepViewport;
    else if (!this.restoredViewport && saved?.zoom !== undefined && saved.pan) {
      candidate = { zoom: saved.zoom, pan: saved.pan };
      restored = true;
    } else candidate = firstViewport(layout, width, height, legend, 24, MIN_ZOOM, MAX_ZOOM, overview);
    // A kept or remembered viewport may not fit the new layout (an edit re-laid it out): centre the
    // selection when it is off screen, fit when nothing would show (viewportPlan.ts).
    const selection = this.pendingReveal === undefined && saved?.selected ? this.selectionBox(saved.selected) : undefined;
    const settled = settleViewport({
      layout,
      width,
      height,
      viewport: candidate,
      restored,
      ...(selection ? { selection } : {}),
      fit: () => fitViewport(layout, width, height, legend, 24, MIN_ZOOM, MAX_ZOOM, overview),
    });
    const viewport = settled.viewport;
    this.keepViewport = undefined;
    this.restoredViewport = true;
    let split: ReturnType<typeof splitForFirstPaint> | undefined;
    if (n > STREAM_ABOVE_NODES && width > 0 && height > 0) {
      split = splitForFirstPaint(view, layout, viewRect(viewport, width, height));
      if (split.firstNodeCount > 0.6 * n) split = undefined;
    }
    // The first paint holds everything meeting the view and half a screen around it; a little of
    // that margin is left for labels, arrows and marks drawn outside their element's box.
    const defs = this.stream.begin(n, elements.edges.length, split, split ? viewRect(viewport, width, height, 0.4) : undefined);
    delete this.root.dataset.qdqCompleteMs;

    this.cy?.destroy();
    shareStyleKeyScratch();
    const cy = cytoscape({
      container: this.cyContainer,
      elements: defs,
      // Our preset positions, our viewport (cytoscape's default with a container is a fitted grid).
      layout: { name: 'preset', fit: false },
      style: graphStylesheet(),
      zoom: viewport.zoom,
      pan: { x: viewport.pan.x, y: viewport.pan.y },
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      boxSelectionEnabled: false,
      autoungrabify: true,
      selectionType: 'single',
      textureOnViewport: large,
      hideEdgesOnViewport: n > 12_000,
      motionBlur: false,
      pixelRatio: large ? 1 : 'auto',
    });
    this.cy = cy;
    cy.one('render', () => {
      requestAnimationFrame(() => {
        if (drawing !== this.drawing) return;
        const firstOfPage = this.firstPaintMs === undefined;
        this.firstPaintMs = performance.now() - t0;
        performance.mark('qdq:first-paint');
        if (firstOfPage) this.host.postPainted(Math.round(this.firstPaintMs));
        this.root.dataset.qdqFirstPaintMs = String(Math.round(this.firstPaintMs));
        this.root.dataset.qdqNodes = String(n);
        this.root.dataset.qdqQdqBadges = String(this.qdqBadges);
        this.root.dataset.qdqZoom = String(cy.zoom());
        this.viewport.updateLegendHook();
        this.setStatus('ready');
        this.stream.firstPainted(t0);
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
      this.viewportTimer = setTimeout(() => {
        this.store.updateGraph({ zoom: cy.zoom(), pan: cy.pan() });
        this.root.dataset.qdqZoom = String(cy.zoom()); // test hook (e2e: keys that must not zoom)
        this.viewport.updateLegendHook();
      }, 300);
    });
    cy.on('mouseover', 'node', (ev) => {
      const i = (ev.target as cytoscape.NodeSingular).data('i') as number;
      this.cyContainer.title = this.tooltip(i);
    });
    cy.on('mouseout', 'node', () => (this.cyContainer.title = ''));
    this.contextMenu.attach(cy);

    this.applyColors(true);
    this.updateColorSelect();
    this.restoreSelection();
    this.search.rerun();
    this.renderCrumbs();
  }

  /** The cytoscape definition of view node `i`, with its current colour and finding mark. */
  private nodeDef(i: number): cytoscape.ElementDefinition {
    const el = this.elements!.nodes[i]!;
    const mark = this.marks.nodes.get(i);
    const data: Record<string, unknown> = { ...el.data, bg: this.coloring.colors[i], fill: this.coloring.fills[i] };
    if (mark) this.putMark(data, mark);
    return { group: 'nodes', data, position: { x: el.position.x, y: el.position.y }, classes: el.classes };
  }

  private edgeDef(e: number): cytoscape.ElementDefinition {
    const el = this.elements!.edges[e]!;
    const mark = this.marks.edges.get(e);
    const data: Record<string, unknown> = { ...el.data };
    if (mark) this.putMark(data, mark);
    return { group: 'edges', data, classes: el.classes };
  }

  /** The defined fields of a mark's element data (an element without a mark has none of them). */
  private putMark(data: Record<string, unknown>, mark: NonNullable<ReturnType<Marks['nodes']['get']>>): void {
    for (const [k, v] of Object.entries(markData(mark, this.markColors))) if (v !== undefined) data[k] = v;
  }

  /** Every node is in cytoscape (streaming.ts; `t0` undefined when it was finished at once). */
  private completed(t0: number | undefined): void {
    if (t0 !== undefined) this.root.dataset.qdqCompleteMs = String(Math.round(performance.now() - t0));
    // Streaming is over: drop what only it needed.
    this.elements = undefined;
    this.search.rerun();
  }

  /** When the last `graphView` message arrived (first paint is measured from there). */
  private receivedAt: number | undefined;

  /** Called by main.ts with the receive time of a `graphView` message. */
  noteReceived(at: number): void {
    this.receivedAt = at;
  }

  private applyTheme(): void {
    if (!this.cy) return;
    this.cy.style(graphStylesheet());
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
    return effectiveColorSource(this.colorSource, this.colorSources().map((s) => s.id));
  }

  private updateColorSelect(): void {
    const current = this.effectiveSource();
    this.toolbar.setColorSources(this.colorSources(), current);
  }

  private setColorSource(id: string): void {
    this.colorSource = id;
    this.store.updateGraph({ colorSource: id });
    this.applyColors();
  }

  /** Node colours by the current source, their opaque fills, and the legend rows (coloring.ts). */
  private computeColoring(): Coloring {
    return computeColoring(this.view!, this.index!, this.overlays, this.effectiveSource());
  }

  /** Findings and other badges from every source (marks.ts), with this theme's halo colours. */
  private computeMarks(): Marks {
    this.markColors = markPalette(themeKind());
    const index = this.index!;
    return computeMarks(this.overlays, (name) => index.targets(name));
  }

  /**
   * Colours, finding marks, legend and overview for the current source and overlays. `fresh`: the
   * drawing was just built from `this.coloring`/`this.marks` (nothing to update in cytoscape);
   * otherwise both are recomputed and only elements whose values changed are touched, visible ones
   * first, in background slices (restyling ~1,500 nodes at once was a 100–200 ms frame); elements
   * still streaming in take the current values when they are added.
   */
  private applyColors(fresh = false): void {
    const cy = this.cy;
    const view = this.view;
    if (!cy || !view) return;
    const neutral = resolveColor('descriptionForeground', 'rgb(150, 150, 150)');
    if (!fresh) {
      this.coloring = this.computeColoring();
      this.marks = this.computeMarks();
      this.stream.queueRestyle(cy);
    }
    const { colors } = this.coloring;
    this.badgedNodes = this.marks.nodes.size + this.marks.edges.size;
    if (!fresh) this.renderLegend(); // a fresh drawing rendered it before its first view
    // A fresh drawing drew its overview before its first view too (which leaves room for it).
    if (this.layout && !fresh) this.overview.setGraph(this.layout, (i) => colors[i] ?? neutral, neutral);
  }

  /**
   * The legend: the colouring's rows (squares; a heat ramp as a gradient bar between its two
   * labelled ends), then every mark drawn in this graph — finding halos (rings), badges (diamonds),
   * folded Q/DQ (purple) — and nothing that is not drawn. Its header collapses it (remembered in
   * the view state).
   */
  private renderLegend(): void {
    const source = this.effectiveSource();
    const { q, badge } = canvasColors();
    const rows: LegendItem[] = [
      ...this.coloring.legendRows.map((r) => ('ramp' in r ? r : { ...r, swatch: 'fill' as const })),
      ...markLegendRows(this.marks, this.markColors, badge, { color: q, count: this.qdqBadges }),
    ];
    const collapsed = this.store.isCollapsed(LEGEND_SECTION);
    const title = source === OP_TYPE_SOURCE ? 'Op type' : (this.overlays[source]?.label ?? source);
    this.legend.render(title, rows, collapsed, () => this.setLegendCollapsed(!this.store.isCollapsed(LEGEND_SECTION)));
  }

  private setLegendCollapsed(collapsed: boolean): void {
    this.store.setCollapsed(LEGEND_SECTION, collapsed);
    this.renderLegend();
    // Now rather than in the ResizeObserver's callback, so the view and the test hook are settled when this returns.
    this.viewport.keepClearOfLegend();
    this.legend.focusToggle();
  }

  private tooltip(i: number): string {
    const view = this.view;
    if (!view) return '';
    const v = view.nodes[i]!;
    const key = nodeKey(view, v);
    const lines = [v.op !== undefined ? `${view.ops[v.op]} ${key}` : key];
    for (const n of overlayNotes(this.overlays, key)) if (n.entry.tooltip) lines.push(n.entry.tooltip);
    return lines.join('\n');
  }

  /** The model's URI, for the context menu's commands (contextMenu.ts). */
  setDocumentUri(uri: string): void {
    this.contextMenu.setDocumentUri(uri);
  }

  // ---- mode and navigation ---------------------------------------------------------------------

  toggleMode(): void {
    this.mode = this.mode === 'folded' ? 'raw' : 'folded';
    this.store.updateGraph({ mode: this.mode, zoom: undefined, pan: undefined });
    this.restoredViewport = true; // a new drawing: fit it (keeping the selection)
    this.keepViewport = undefined;
    this.postState();
    this.updateModeButton();
    void this.load();
  }

  private updateModeButton(): void {
    this.toolbar.setMode(this.mode);
  }

  private renderCrumbs(): void {
    this.toolbar.setCrumbs(this.crumbs.map((c) => c.title), (k) => this.goTo(k));
  }

  private goTo(k: number): void {
    this.crumbs = this.crumbs.slice(0, k + 1);
    this.navigate();
  }

  /**
   * Draws the graph of the last crumb, from its initial view. The keyboard focus goes to the canvas:
   * a crumb or a properties pane button that was used is drawn anew, and the focus went with it (to
   * the page body, where no key reached the graph or the toolbar).
   */
  private navigate(): void {
    this.store.updateGraph({ selected: undefined, zoom: undefined, pan: undefined });
    this.keepViewport = undefined;
    if (document.activeElement !== this.cyContainer) this.cyContainer.focus({ preventScroll: true });
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
    this.navigate();
  }

  private openFirstSubgraph(viewNode: number): void {
    const v = this.view?.nodes[viewNode];
    const g = v?.graphs?.[0];
    if (g) this.openSubgraph(viewNode, g.attr, g.index);
  }

  private openFunction(domain: string, name: string): void {
    this.crumbs = [this.crumbs[0]!, { ref: { function: { domain, name }, path: [] }, title: `function ${name}` }];
    this.navigate();
  }

  zoomToSelection(): void {
    const cy = this.cy;
    if (!cy) return;
    this.stream.ensureAll();
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
    this.props.showHint();
  }

  private postState(): void {
    const selected = this.selectedKey?.slice(2);
    this.host.postState({ mode: this.mode, ...(selected ? { selected } : {}) });
  }

  /** The selection's properties in the pane (propertiesPane.ts). */
  private refreshProps(): void {
    const cy = this.cy;
    const view = this.view;
    if (!cy || !view) return;
    const sel = cy.$(':selected')[0];
    if (!sel) return;
    this.props.show(view, sel.data('i') as number, sel.isNode(), this.overlays);
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
      this.props.showHint();
      return;
    }
    const found = this.selectByKey(key, false);
    if (!found) this.props.showHint();
  }

  /**
   * Where the element a selection key (`n:<node key>` / `e:<tensor>`) names sits in the current
   * layout, as selectByKey would pick it: a node's box, an edge's endpoints; undefined when it is gone.
   */
  private selectionBox(key: string): Rect | undefined {
    const view = this.view;
    const layout = this.layout;
    const index = this.index;
    if (!view || !layout || !index) return undefined;
    const name = key.startsWith('n:') || key.startsWith('e:') ? key.slice(2) : key;
    const t = index.targets(name);
    if (!t) return undefined;
    if (t.edges.length && (key.startsWith('e:') || t.nodes.length === 0)) {
      const e = view.edges[t.edges[0]!]!;
      const a = { x: layout.x[e.s]!, y: layout.y[e.s]! };
      const b = { x: layout.x[e.t]!, y: layout.y[e.t]! };
      return { x1: Math.min(a.x, b.x), y1: Math.min(a.y, b.y), x2: Math.max(a.x, b.x), y2: Math.max(a.y, b.y) };
    }
    const n = t.nodes[0];
    return n === undefined || n >= layout.x.length ? undefined : nodeBox(layout, n);
  }

  /** Selects `n:<node key>` / `e:<tensor>` (or a bare name); centres it when asked. */
  private selectByKey(key: string, center: boolean): boolean {
    const cy = this.cy;
    const index = this.index;
    if (!cy || !index) return false;
    const name = key.startsWith('n:') || key.startsWith('e:') ? key.slice(2) : key;
    const t = index.targets(name);
    if (!t) return false;
    const pick = (): cytoscape.CollectionReturnValue =>
      t.edges.length && (key.startsWith('e:') || t.nodes.length === 0) ? cy.getElementById(edgeId(t.edges[0]!)) : cy.getElementById(nodeId(t.nodes[0] ?? -1));
    let ele = pick();
    if (ele.empty() && this.stream.incomplete) {
      this.stream.ensureAll(); // not streamed in yet
      ele = pick();
    }
    if (ele.empty()) return false;
    cy.$(':selected').unselect();
    ele.select();
    if (center) this.viewport.centreOn(ele, Math.max(cy.zoom(), 0.9));
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
    this.search.find(text);
  }

  // ---- keyboard ------------------------------------------------------------------------------

  /** Runs a command from the host (palette, tests). */
  command(command: GraphCommand, text?: string): void {
    switch (command) {
      case 'toggleFolding':
        this.toggleMode();
        break;
      case 'fit':
        this.viewport.fit();
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
    this.stream.ensureAll(); // the figures are about the whole drawing
    const cy = this.cy;
    const view = this.view;
    const sel = cy?.$(':selected')[0];
    let selected: string | undefined;
    if (sel && view) {
      const i = sel.data('i') as number;
      selected = sel.isNode() ? nodeKey(view, view.nodes[i]!) : view.tensors[view.edges[i]!.tensor]?.name;
    }
    const properties = this.props.report();
    const search = this.search.report();
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
      legend: this.legend.labels(),
      overlaySources: Object.keys(this.overlays),
      badgedNodes: this.badgedNodes,
      ...(search ? { search } : {}),
      ...(properties ? { properties } : {}),
      ...(cy ? { zoom: cy.zoom() } : {}),
      ...(cy && this.layout ? { visibleNodes: nodesMeeting(this.layout, shownRect({ zoom: cy.zoom(), pan: cy.pan() }, cy.width(), cy.height())) } : {}),
      ...(cy && sel ? { selectionOnScreen: this.viewport.onScreen(cy, sel) } : {}),
      ...(this.viewport.nodesUnderLegend() !== undefined ? { nodesUnderLegend: this.viewport.nodesUnderLegend()! } : {}),
      ...(this.error && this.status === 'error' ? { error: this.error } : {}),
    };
  }
}
