/**
 * How the graph tab shares its body between the canvas and the properties pane, from the body's
 * size (pure, unit-tested in test/unit/webview/paneLayout.test.ts; the panel applies it from a
 * ResizeObserver). The pane was a fixed 340 px: in a split editor (550 px) the graph got ~210 px,
 * a third of it under the legend. Now:
 *
 * - wide (at least {@link SIDE_MIN_WIDTH}): the pane beside the canvas, 35% of the width within
 *   200–340 px;
 * - narrow: the pane below the canvas, 35% of the height within 120–300 px (never more than half),
 *   so the canvas keeps the whole width;
 * - collapsed by the user (the toolbar's Properties button, remembered in the view state): none.
 *
 * A canvas narrower than {@link COMPACT_LEGEND_BELOW} px gets the compact legend (its rows flow in
 * lines across the top instead of a tall column, and a smaller overview).
 */

export type PropsPlacement = 'side' | 'below' | 'hidden';

export interface BodyLayout {
  readonly props: PropsPlacement;
  /** The pane's width (side) or height (below), px; 0 when hidden. */
  readonly propsSize: number;
  /** What is left for the canvas. */
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  readonly compactLegend: boolean;
}

/** Below this body width the properties pane goes under the canvas. */
export const SIDE_MIN_WIDTH = 640;
/** Below this canvas width the legend is compact. */
export const COMPACT_LEGEND_BELOW = 600;

const clamp = (lo: number, v: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function graphBodyLayout(width: number, height: number, collapsed: boolean): BodyLayout {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  if (collapsed) return { props: 'hidden', propsSize: 0, canvasWidth: w, canvasHeight: h, compactLegend: w < COMPACT_LEGEND_BELOW };
  if (w >= SIDE_MIN_WIDTH) {
    const size = clamp(200, Math.round(0.35 * w), 340);
    return { props: 'side', propsSize: size, canvasWidth: w - size, canvasHeight: h, compactLegend: w - size < COMPACT_LEGEND_BELOW };
  }
  const size = Math.min(Math.floor(h / 2), clamp(120, Math.round(0.35 * h), 300));
  return { props: 'below', propsSize: size, canvasWidth: w, canvasHeight: h - size, compactLegend: w < COMPACT_LEGEND_BELOW };
}
