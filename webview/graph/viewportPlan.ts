/**
 * Where the viewport goes when a drawing arrives, decided from the layout alone (pure, unit-tested
 * in test/unit/webview/viewportPlan.test.ts; the panel needs it before cytoscape exists, since the
 * first paint only draws what the viewport shows).
 *
 * - A kept or remembered viewport can be stale: an edit that re-lays the graph out ("keep the k most
 *   sensitive layers in higher precision") left the view at y 76,533–77,288 while the graph now ended
 *   at y 74,986 — a blank canvas. {@link settleViewport}: a selection that still exists is centred
 *   when it is not on screen (the zoom stays); otherwise a viewport that shows no node is replaced by
 *   a fit.
 * - The legend sits over the canvas's top-left corner: {@link firstViewport} and {@link fitViewport}
 *   place the graph beside or below it when the full-canvas view would put nodes under it.
 * - Expanding the collapsed legend used to cover the nodes the view had placed next to its header:
 *   {@link clearOfLegend} moves the view (the fit beside it, or the least pan) so it covers none.
 *   The legend also grows when the colouring changes (precision → sensitivity or engine adds rows
 *   and widens it): {@link clearOfGrownLegend} applies the same move whenever it grows over nodes
 *   it did not cover before.
 * - Stepping to a search hit centred it on the whole canvas, so in a small editor or beside a tall
 *   legend the hit landed under the legend: {@link centreClearOfLegend} centres it beside or below
 *   the legend instead.
 * - The overview sits over the canvas's bottom-right corner and covered the right-hand column of a
 *   fitted graph: the first view and Fit leave room for it too (left of or above it).
 * - Resizing the editor (Split Editor Right, a smaller window) kept the pan, so the top-left corner
 *   stayed put and a node centred in the wide canvas ended up off the narrow one — a blank canvas.
 *   {@link resizedViewport} keeps the model point at the centre where it was, and a selection that
 *   was on screen stays on screen.
 */
import type { GraphLayoutDto } from '../../src/protocol/graphView';
import { FIT_MAX_ZOOM, initialViewport, type Viewport } from './viewModel';

/** A model-coordinate (or screen) rectangle. */
export interface Rect {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** A screen area of the canvas (px from its top-left corner). */
export interface Area {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The legend's box on the canvas: its right and bottom edges (px from the canvas's top-left corner). */
export interface LegendBox {
  readonly right: number;
  readonly bottom: number;
}

/** The overview's box on the canvas, anchored at its bottom-right corner: its left and top edges (px from the canvas's top-left corner). */
export interface CornerBox {
  readonly left: number;
  readonly top: number;
}

/** The model rectangle a viewport shows in a `width` × `height` canvas. */
export function shownRect(v: Viewport, width: number, height: number): Rect {
  return { x1: -v.pan.x / v.zoom, y1: -v.pan.y / v.zoom, x2: (width - v.pan.x) / v.zoom, y2: (height - v.pan.y) / v.zoom };
}

function meets(a: Rect, b: Rect): boolean {
  return a.x1 <= b.x2 && a.x2 >= b.x1 && a.y1 <= b.y2 && a.y2 >= b.y1;
}

/** Whether `inner` lies wholly inside `outer`. */
export function inside(inner: Rect, outer: Rect): boolean {
  return inner.x1 >= outer.x1 && inner.x2 <= outer.x2 && inner.y1 >= outer.y1 && inner.y2 <= outer.y2;
}

/** The box of layout node `i`. */
export function nodeBox(layout: GraphLayoutDto, i: number): Rect {
  const hw = layout.w[i]! / 2;
  const hh = layout.h[i]! / 2;
  return { x1: layout.x[i]! - hw, y1: layout.y[i]! - hh, x2: layout.x[i]! + hw, y2: layout.y[i]! + hh };
}

/** How many node boxes meet `rect`. */
export function nodesMeeting(layout: GraphLayoutDto, rect: Rect): number {
  let count = 0;
  for (let i = 0; i < layout.x.length; i++) if (meets(nodeBox(layout, i), rect)) count++;
  return count;
}

/** Whether the viewport shows any node of the layout (its box, at least in part). */
export function showsAnyNode(layout: GraphLayoutDto, v: Viewport, width: number, height: number): boolean {
  const r = shownRect(v, width, height);
  for (let i = 0; i < layout.x.length; i++) if (meets(nodeBox(layout, i), r)) return true;
  return false;
}

/** Everything the layout draws: node boxes and edge bend points; undefined when empty. */
export function layoutBounds(layout: GraphLayoutDto): Rect | undefined {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i < layout.x.length; i++) {
    const b = nodeBox(layout, i);
    x1 = Math.min(x1, b.x1);
    y1 = Math.min(y1, b.y1);
    x2 = Math.max(x2, b.x2);
    y2 = Math.max(y2, b.y2);
  }
  for (let k = 0; k + 1 < layout.points.length; k += 2) {
    x1 = Math.min(x1, layout.points[k]!);
    x2 = Math.max(x2, layout.points[k]!);
    y1 = Math.min(y1, layout.points[k + 1]!);
    y2 = Math.max(y2, layout.points[k + 1]!);
  }
  return x1 <= x2 ? { x1, y1, x2, y2 } : undefined;
}

/** `bounds` fitted into `area` with `padding`, centred, never zoomed in past FIT_MAX_ZOOM. */
export function fitIn(bounds: Rect, area: Area, padding = 24, minZoom = 0.005, maxZoom = 4): Viewport {
  const w = Math.max(1, bounds.x2 - bounds.x1);
  const h = Math.max(1, bounds.y2 - bounds.y1);
  const fit = Math.min((area.width - 2 * padding) / w, (area.height - 2 * padding) / h);
  const zoom = Math.min(maxZoom, FIT_MAX_ZOOM, Math.max(minZoom, fit));
  return {
    zoom,
    pan: { x: area.x + (area.width - zoom * (bounds.x1 + bounds.x2)) / 2, y: area.y + (area.height - zoom * (bounds.y1 + bounds.y2)) / 2 },
  };
}

/** Gap between the legend and the graph placed beside or below it (px). */
const LEGEND_GAP = 8;

/**
 * `place(area)` for the whole canvas, unless that puts nodes under the legend (top-left) or the
 * overview (bottom-right): then for the area right of or below the legend, left of or above the
 * overview, or both, each at least a third of the canvas both ways: of the places that clear both
 * boxes the one with the largest zoom; when none does, as before the overview was counted: the area
 * right of the legend or the one below it, whichever gives the larger zoom (the full canvas when
 * neither is at least a third of it).
 */
function besideLegend(
  layout: GraphLayoutDto,
  width: number,
  height: number,
  legend: LegendBox | undefined,
  place: (area: Area) => Viewport,
  overview?: CornerBox,
): Viewport {
  const full = place({ x: 0, y: 0, width, height });
  const hasLegend = legend !== undefined && legend.right > 0 && legend.bottom > 0;
  const hasOverview = overview !== undefined && overview.left < width && overview.top < height;
  const underLegend = (v: Viewport): number => (hasLegend ? nodesMeeting(layout, shownRect(v, legend.right, legend.bottom)) : 0);
  const underOverview = (v: Viewport): number => {
    if (!hasOverview) return 0;
    const r = shownRect(v, width, height);
    return nodesMeeting(layout, { x1: (overview.left - v.pan.x) / v.zoom, y1: (overview.top - v.pan.y) / v.zoom, x2: r.x2, y2: r.y2 });
  };
  const legendClear = underLegend(full) === 0;
  if (legendClear && underOverview(full) === 0) return full;
  const right = hasLegend ? legend.right + LEGEND_GAP : 0;
  const below = hasLegend ? legend.bottom + LEGEND_GAP : 0;
  const left = hasOverview ? overview.left - LEGEND_GAP : width;
  const above = hasOverview ? overview.top - LEGEND_GAP : height;
  const big = (a: Area): boolean => a.width >= width / 3 && a.height >= height / 3;
  // Places clear of both boxes: every combination of the four moves.
  let best: Viewport | undefined;
  for (const x1 of hasLegend ? [0, right] : [0]) {
    for (const x2 of hasOverview ? [width, left] : [width]) {
      for (const y1 of hasLegend ? [0, below] : [0]) {
        for (const y2 of hasOverview ? [height, above] : [height]) {
          const area: Area = { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
          if ((x1 === 0 && x2 === width && y1 === 0 && y2 === height) || !big(area)) continue;
          const v = place(area);
          if (underLegend(v) === 0 && underOverview(v) === 0 && (!best || v.zoom > best.zoom)) best = v;
        }
      }
    }
  }
  if (best) return best;
  if (legendClear) return full;
  // None clears both: clear the legend (right of it or below it, the larger zoom).
  const candidates: Area[] = [];
  if (width - right >= width / 3) candidates.push({ x: right, y: 0, width: width - right, height });
  if (height - below >= height / 3) candidates.push({ x: 0, y: below, width, height: height - below });
  for (const area of candidates) {
    const v = place(area);
    if (!best || v.zoom > best.zoom) best = v;
  }
  return best ?? full;
}

/** The first view of a drawing (viewModel's initialViewport: fit, or the top of a tall graph), beside the legend and the overview. */
export function firstViewport(layout: GraphLayoutDto, width: number, height: number, legend?: LegendBox, padding = 24, minZoom = 0.005, maxZoom = 4, overview?: CornerBox): Viewport {
  return besideLegend(
    layout,
    width,
    height,
    legend,
    (a) => {
      const v = initialViewport(layout, a.width, a.height, padding, minZoom, maxZoom);
      return { zoom: v.zoom, pan: { x: v.pan.x + a.x, y: v.pan.y + a.y } };
    },
    overview,
  );
}

/** The whole graph fitted (at most at FIT_MAX_ZOOM), beside the legend and the overview. */
export function fitViewport(layout: GraphLayoutDto, width: number, height: number, legend?: LegendBox, padding = 24, minZoom = 0.005, maxZoom = 4, overview?: CornerBox): Viewport {
  const bounds = layoutBounds(layout);
  if (!bounds || width <= 0 || height <= 0) return { zoom: 1, pan: { x: width / 2, y: height / 2 } };
  return besideLegend(layout, width, height, legend, (a) => fitIn(bounds, a, padding, minZoom, maxZoom), overview);
}

export interface ResizeInput {
  readonly layout: GraphLayoutDto;
  /** The viewport as it was in the canvas before the resize. */
  readonly viewport: Viewport;
  readonly before: { readonly width: number; readonly height: number };
  readonly after: { readonly width: number; readonly height: number };
  /** The selection's box (model coordinates), when there is one. */
  readonly selection?: Rect;
  /** The legend's box in the resized canvas. */
  readonly legend?: LegendBox;
}

/**
 * The viewport after the canvas changed size (split editor, window resize, properties pane shown,
 * hidden or moved below): the same zoom, with the model point that was at the centre of the old
 * canvas at the centre of the new one (cytoscape keeps the pan, i.e. the top-left corner, and a node
 * centred in a wide canvas fell off a narrow one). A selection that was on screen and would not be
 * wholly on screen now, or would be under the legend (which turns compact in a narrow canvas), is
 * centred instead, clear of the legend (centreClearOfLegend); so is one when the new view would
 * show no node at all.
 */
export function resizedViewport(input: ResizeInput): Viewport {
  const { layout, viewport: v, before, after, selection, legend } = input;
  if (before.width <= 0 || before.height <= 0 || after.width <= 0 || after.height <= 0) return v;
  const cx = (before.width / 2 - v.pan.x) / v.zoom;
  const cy = (before.height / 2 - v.pan.y) / v.zoom;
  const kept: Viewport = { zoom: v.zoom, pan: { x: after.width / 2 - cx * v.zoom, y: after.height / 2 - cy * v.zoom } };
  if (!selection) return kept;
  const wasShown = meets(selection, shownRect(v, before.width, before.height));
  const underLegend = legend !== undefined && legend.right > 0 && legend.bottom > 0 && meets(selection, shownRect(kept, legend.right + LEGEND_GAP, legend.bottom + LEGEND_GAP));
  const isShown = inside(selection, shownRect(kept, after.width, after.height)) && !underLegend;
  if ((wasShown && !isShown) || (!isShown && !showsAnyNode(layout, kept, after.width, after.height))) {
    return { zoom: v.zoom, pan: centreClearOfLegend(selection, v.zoom, after.width, after.height, legend) };
  }
  return kept;
}

export interface SettleInput {
  readonly layout: GraphLayoutDto;
  readonly width: number;
  readonly height: number;
  /** The candidate: kept from the previous drawing (refresh), remembered by the page, or the first view. */
  readonly viewport: Viewport;
  /**
   * The page's remembered viewport of this same drawing (hide/show): the user put it there, so it
   * is kept even when the selection is off screen — unless it shows nothing.
   */
  readonly restored: boolean;
  /** The selected node's box (an edge's: its endpoints') in the new layout, when it still exists. */
  readonly selection?: Rect;
  /** The viewport to use when the candidate shows nothing and nothing is selected. */
  readonly fit: () => Viewport;
}

export type SettleReason = 'kept' | 'centred' | 'fitted';

/**
 * The viewport for a new drawing: the candidate, unless the selection is off screen (it is centred,
 * at the candidate's zoom) or the candidate shows no node at all (the selection is centred, or the
 * graph fitted).
 */
export function settleViewport(input: SettleInput): { viewport: Viewport; reason: SettleReason } {
  const { layout, width, height, viewport, selection } = input;
  if (width <= 0 || height <= 0 || layout.x.length === 0) return { viewport, reason: 'kept' };
  const centre = (s: Rect): Viewport => ({
    zoom: viewport.zoom,
    pan: { x: width / 2 - ((s.x1 + s.x2) / 2) * viewport.zoom, y: height / 2 - ((s.y1 + s.y2) / 2) * viewport.zoom },
  });
  const shown = shownRect(viewport, width, height);
  if (selection && !input.restored && !inside(selection, shown)) return { viewport: centre(selection), reason: 'centred' };
  if (showsAnyNode(layout, viewport, width, height)) return { viewport, reason: 'kept' };
  if (selection) return { viewport: centre(selection), reason: 'centred' };
  return { viewport: input.fit(), reason: 'fitted' };
}

/**
 * The least move ≥ 0 along one axis that takes every interval `[lo, hi]` (a node's extent on
 * screen, along that axis) off `[0, edge]`: the smallest d with hi + d < 0 or lo + d > edge for each.
 */
function leastShift(spans: readonly (readonly [number, number])[], edge: number): number {
  const forbidden = spans.map(([lo, hi]) => [-hi, edge - lo] as const).sort((a, b) => a[0] - b[0]);
  let d = 0;
  for (const [from, to] of forbidden) {
    if (from > d) break;
    if (to >= d) d = to + 1;
  }
  return d;
}

/**
 * The viewport once the legend has grown over the canvas (expanded after being collapsed; the
 * first view and Fit had left room only for its header). `v` when no node is under the legend's
 * box; else, when `v` showed the whole graph, `fit()` (fitViewport: the graph beside or below the
 * legend) if that clears it; else `v` panned right or down by the least that takes every node out
 * from under the legend, in the direction that keeps more of the nodes on screen (equal: the shorter
 * move). The zoom is the user's, so it stays.
 */
export function clearOfLegend(layout: GraphLayoutDto, v: Viewport, width: number, height: number, legend: LegendBox | undefined, fit: () => Viewport): Viewport {
  if (!legend || legend.right <= 0 || legend.bottom <= 0 || width <= 0 || height <= 0) return v;
  const under = (w: Viewport): number => nodesMeeting(layout, shownRect(w, legend.right + LEGEND_GAP, legend.bottom + LEGEND_GAP));
  if (under(v) === 0) return v;
  const bounds = layoutBounds(layout);
  if (bounds && inside(bounds, shownRect(v, width, height))) {
    const fitted = fit();
    if (under(fitted) === 0) return fitted;
  }
  // Node boxes on screen (px).
  const boxes: Rect[] = [];
  for (let i = 0; i < layout.x.length; i++) {
    const b = nodeBox(layout, i);
    boxes.push({ x1: b.x1 * v.zoom + v.pan.x, y1: b.y1 * v.zoom + v.pan.y, x2: b.x2 * v.zoom + v.pan.x, y2: b.y2 * v.zoom + v.pan.y });
  }
  const right = legend.right + LEGEND_GAP;
  const bottom = legend.bottom + LEGEND_GAP;
  // Moving right only matters for the nodes level with the legend, moving down for those beside it.
  const dx = leastShift(boxes.filter((b) => b.y2 >= 0 && b.y1 <= bottom).map((b) => [b.x1, b.x2] as const), right);
  const dy = leastShift(boxes.filter((b) => b.x2 >= 0 && b.x1 <= right).map((b) => [b.y1, b.y2] as const), bottom);
  const onScreen = (b: Rect, sx: number, sy: number): boolean => b.x2 + sx >= 0 && b.x1 + sx <= width && b.y2 + sy >= 0 && b.y1 + sy <= height;
  const kept = (sx: number, sy: number): number => boxes.reduce((n, b) => n + (onScreen(b, 0, 0) && onScreen(b, sx, sy) ? 1 : 0), 0);
  const keptRight = kept(dx, 0);
  const keptDown = kept(0, dy);
  const down = keptDown > keptRight || (keptDown === keptRight && dy < dx);
  return { zoom: v.zoom, pan: down ? { x: v.pan.x, y: v.pan.y + dy } : { x: v.pan.x + dx, y: v.pan.y } };
}

/**
 * The viewport once the legend's size changed (the colouring changed its rows or title, it was
 * expanded, an overlay added a mark): {@link clearOfLegend} when it grew over nodes that `before`
 * (the size the view was last placed for) did not cover, else `v` itself. Nodes already under the
 * legend were left there by the user, and a legend that shrank or grew over empty canvas moves
 * nothing; after a move the nodes sit LEGEND_GAP clear of it, so growing by less than that moves
 * nothing again.
 */
export function clearOfGrownLegend(layout: GraphLayoutDto, v: Viewport, width: number, height: number, before: LegendBox | undefined, after: LegendBox | undefined, fit: () => Viewport): Viewport {
  if (!after || after.right <= 0 || after.bottom <= 0) return v;
  if (before && after.right <= before.right && after.bottom <= before.bottom) return v;
  const was = before ? shownRect(v, before.right, before.bottom) : undefined;
  const now = shownRect(v, after.right, after.bottom);
  let newlyCovered = false;
  for (let i = 0; i < layout.x.length && !newlyCovered; i++) {
    const b = nodeBox(layout, i);
    newlyCovered = meets(b, now) && !(was && meets(b, was));
  }
  return newlyCovered ? clearOfLegend(layout, v, width, height, after, fit) : v;
}

/**
 * The pan that centres `box` (model coordinates; a search hit, a revealed node) at `zoom` in a
 * `width` × `height` canvas: on the whole canvas when the legend does not cover it there (as
 * cytoscape's center() would), else in the part of the canvas right of the legend or the part below
 * it (LEGEND_GAP clear), whichever holds the box on screen — the larger part when both do. When
 * neither can hold it (a long edge at a high zoom), the whole canvas's centre.
 */
export function centreClearOfLegend(box: Rect, zoom: number, width: number, height: number, legend: LegendBox | undefined): { x: number; y: number } {
  const cx = ((box.x1 + box.x2) / 2) * zoom;
  const cy = ((box.y1 + box.y2) / 2) * zoom;
  const centreIn = (a: Area): { x: number; y: number } => ({ x: a.x + a.width / 2 - cx, y: a.y + a.height / 2 - cy });
  const full = centreIn({ x: 0, y: 0, width, height });
  if (!legend || legend.right <= 0 || legend.bottom <= 0) return full;
  const right = legend.right + LEGEND_GAP;
  const bottom = legend.bottom + LEGEND_GAP;
  const onScreen = (pan: { x: number; y: number }): Rect => ({ x1: box.x1 * zoom + pan.x, y1: box.y1 * zoom + pan.y, x2: box.x2 * zoom + pan.x, y2: box.y2 * zoom + pan.y });
  if (!meets(onScreen(full), { x1: 0, y1: 0, x2: right, y2: bottom })) return full;
  const w = (box.x2 - box.x1) * zoom;
  const h = (box.y2 - box.y1) * zoom;
  const parts: Area[] = [
    { x: right, y: 0, width: width - right, height },
    { x: 0, y: bottom, width, height: height - bottom },
  ].filter((a) => a.width >= w && a.height >= h);
  if (parts.length === 0) return full;
  const largest = parts.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  return centreIn(largest);
}
