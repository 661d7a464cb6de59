/**
 * Where the graph canvas's viewport goes, as DOM/cytoscape glue around viewportPlan.ts (pure): Fit,
 * centring an element clear of the legend, keeping the view off nodes the legend grew over, keeping
 * the centre (and an on-screen selection) through a canvas resize, and the test hooks that say how
 * many nodes the legend covers and where the selection is (`data-qdq-under-legend`,
 * `data-qdq-selection-box`). It remembers the canvas and legend sizes the view was last placed for.
 */
import type cytoscape from 'cytoscape';
import type { GraphLayoutDto } from '../../src/protocol/graphView';
import type { GraphLegend } from './legend';
import type { Overview } from './overview';
import type { Viewport } from './viewModel';
import { centreClearOfLegend, clearOfGrownLegend, fitViewport, inside, nodesMeeting, resizedViewport, shownRect, type CornerBox, type LegendBox } from './viewportPlan';

export const MIN_ZOOM = 0.005;
export const MAX_ZOOM = 4;

/** An element's own box: without its label, marks (halo, outline) and the overlay cytoscape draws on tap. */
export const BODY_BOX = { includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false } as cytoscape.BoundingBoxOptions;

/** What the viewport glue reads from the panel. */
export interface ViewportHost {
  /** The current drawing (undefined before the first). */
  cy(): cytoscape.Core | undefined;
  layout(): GraphLayoutDto | undefined;
  /** Places the properties pane and the compact legend for the body's size now (paneLayout.ts). */
  layoutBody(): void;
}

export class CanvasViewport {
  /** The legend's size the view was last placed for (the first view, or keepClearOfLegend). */
  private legendSeen: LegendBox | undefined;
  /** The canvas's size the viewport was last placed for (a resize keeps its centre: onCanvasResize). */
  private canvasSeen: { width: number; height: number } | undefined;

  constructor(
    /** The cytoscape container. */
    private readonly canvas: HTMLElement,
    private readonly legend: GraphLegend,
    private readonly overview: Overview,
    /** Carries the test hooks. */
    private readonly root: HTMLElement,
    private readonly host: ViewportHost,
  ) {}

  /** A new drawing's first view was placed for this canvas size (when laid out) and legend. */
  placed(width: number, height: number, legend: LegendBox | undefined): void {
    this.canvasSeen = width > 0 && height > 0 ? { width, height } : this.canvasSeen;
    this.legendSeen = legend;
  }

  /**
   * The canvas changed size: cytoscape keeps the pan (its top-left corner), so a node centred in a
   * wide canvas fell off a narrow one. The model point at the old centre stays at the centre, and a
   * selection on screen stays on screen (viewportPlan.ts's resizedViewport).
   */
  onCanvasResize(): void {
    // The pane and the compact legend first (the body's observer may not have run yet), so the
    // view is placed for the legend as it will be drawn.
    this.host.layoutBody();
    const { width, height } = this.canvasSize();
    if (width <= 0 || height <= 0) return; // hidden (another tab): keep the size last seen
    const before = this.canvasSeen;
    this.canvasSeen = { width, height };
    const cy = this.host.cy();
    const layout = this.host.layout();
    if (!cy || !layout || !before || (before.width === width && before.height === height)) return;
    const sel = cy.$(':selected')[0];
    const legend = this.legendExtent();
    const next = resizedViewport({
      layout,
      viewport: { zoom: cy.zoom(), pan: cy.pan() },
      before,
      after: { width, height },
      ...(sel ? { selection: sel.boundingBox(BODY_BOX) } : {}),
      ...(legend ? { legend } : {}),
    });
    cy.resize();
    cy.viewport({ zoom: next.zoom, pan: { x: next.pan.x, y: next.pan.y } });
    // The view is placed for the legend as it is now (compact or not): keepClearOfLegend moves it
    // only when the legend later grows over more nodes.
    this.legendSeen = legend;
    this.overview.update();
    this.updateLegendHook();
  }

  /** The overview's box on the canvas (its left and top edges), when it is shown. */
  overviewExtent(): CornerBox | undefined {
    const canvas = this.canvas.getBoundingClientRect();
    const r = this.overview.element.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return undefined;
    return { left: r.left - canvas.left, top: r.top - canvas.top };
  }

  /**
   * Moves the view off the nodes the legend grew over since the view was placed for it (expanded
   * over nodes beside its header, re-coloured with more rows or a longer title): viewportPlan.ts's
   * clearOfGrownLegend, which leaves alone nodes it already covered and a legend that shrank or
   * grew over empty canvas. A hidden legend (another tab) keeps the size last seen.
   */
  keepClearOfLegend(): void {
    const cy = this.host.cy();
    const layout = this.host.layout();
    const legend = this.legendExtent();
    if (!cy || !layout || !legend) return;
    const { width, height } = this.canvasSize();
    if (width <= 0 || height <= 0) return;
    // The canvas changed size too (the legend turns compact in a narrow canvas): the resize places
    // the view for the new size and legend, this observer may simply have been called first.
    const seen = this.canvasSeen;
    if (seen && (seen.width !== width || seen.height !== height)) {
      this.onCanvasResize();
      return;
    }
    const before = this.legendSeen;
    this.legendSeen = legend;
    const v: Viewport = { zoom: cy.zoom(), pan: cy.pan() };
    const next = clearOfGrownLegend(layout, v, width, height, before, legend, () => fitViewport(layout, width, height, legend, 24, MIN_ZOOM, MAX_ZOOM, this.overviewExtent()));
    if (next !== v) cy.viewport({ zoom: next.zoom, pan: { x: next.pan.x, y: next.pan.y } });
    this.updateLegendHook();
  }

  /** Centres `ele` at `zoom`, beside or below the legend when it would cover it there (viewportPlan.ts). */
  centreOn(ele: cytoscape.SingularElementArgument | cytoscape.CollectionReturnValue, zoom: number): void {
    const cy = this.host.cy();
    if (!cy) return;
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    const { width, height } = this.canvasSize();
    const pan = centreClearOfLegend(ele.boundingBox(), z, width, height, this.legendExtent());
    cy.viewport({ zoom: z, pan });
    this.updateLegendHook();
  }

  /** The canvas's size now (cy.width() and cy.height() lag a resize of the editor until cytoscape's debounced resize handler runs). */
  canvasSize(): { width: number; height: number } {
    return { width: this.canvas.clientWidth, height: this.canvas.clientHeight };
  }

  /** How many nodes the legend's box covers now (test hook `data-qdq-under-legend`, and the report). */
  nodesUnderLegend(): number | undefined {
    const cy = this.host.cy();
    const layout = this.host.layout();
    const legend = this.legendExtent();
    if (!cy || !layout) return undefined;
    return legend ? nodesMeeting(layout, shownRect({ zoom: cy.zoom(), pan: cy.pan() }, legend.right, legend.bottom)) : 0;
  }

  /** Test hooks: `data-qdq-under-legend`, and `data-qdq-selection-box` (the selection's own box on the canvas, BODY_BOX, px: `x1,y1,x2,y2`). */
  updateLegendHook(): void {
    const n = this.nodesUnderLegend();
    if (n === undefined) delete this.root.dataset.qdqUnderLegend;
    else this.root.dataset.qdqUnderLegend = String(n);
    const sel = this.host.cy()?.$(':selected')[0];
    if (!sel) delete this.root.dataset.qdqSelectionBox;
    else {
      const b = sel.renderedBoundingBox(BODY_BOX);
      this.root.dataset.qdqSelectionBox = [b.x1, b.y1, b.x2, b.y2].map((x) => Math.round(x)).join(',');
    }
  }

  /** The legend's right and bottom edges on the canvas (px), when it is shown; for the first view and Fit. */
  legendExtent(): LegendBox | undefined {
    return this.legend.extent(this.canvas);
  }

  /** The whole graph in view (at most at FIT_MAX_ZOOM), beside the legend when it would cover nodes. */
  fit(): void {
    const cy = this.host.cy();
    const layout = this.host.layout();
    if (!cy || !layout) return;
    const { width, height } = this.canvasSize();
    const v = fitViewport(layout, width, height, this.legendExtent(), 24, MIN_ZOOM, MAX_ZOOM, this.overviewExtent());
    cy.viewport({ zoom: v.zoom, pan: { x: v.pan.x, y: v.pan.y } });
  }

  /** Whether an element's box (without labels and marks) lies wholly inside the viewport. */
  onScreen(cy: cytoscape.Core, ele: cytoscape.SingularElementArgument): boolean {
    return inside(ele.boundingBox(BODY_BOX), cy.extent());
  }
}
