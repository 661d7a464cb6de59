/**
 * The colouring of the graph's nodes by a colour source (op type, or an overlay's legend keys or heat
 * ramp): each view node's colour (border, overview, legend), its opaque fill, and the legend rows of
 * the colours some node is drawn in. Reads theme colours (theme.ts), so it runs in the webview.
 */
import type { GraphViewDto } from '../../src/protocol/graphView';
import type { GraphOverlayDto } from '../../src/protocol/overlay';
import { mixRgb, resolveColor, themeKind } from './theme';
import { CATEGORY_LEGEND, OP_TYPE_SOURCE, heatEnds, legendRowsFor, opCategory, type ColoringLegendRow, type ViewIndex } from './viewModel';

export interface Coloring {
  /** Per view node: its colour (border, overview, legend) and its fill (that colour mixed into the editor background, opaque). */
  colors: string[];
  fills: string[];
  legendRows: ColoringLegendRow<string>[];
}

/** How much of a node's colour its fill takes (the rest is the editor background). */
const FILL_MIX = 0.28;

/** Node colours by the current source, their opaque fills, and the legend rows. */
export function computeColoring(view: GraphViewDto, index: ViewIndex, overlays: Record<string, GraphOverlayDto>, source: string): Coloring {
  const neutral = resolveColor('descriptionForeground', 'rgb(150, 150, 150)');
  const colors: string[] = new Array<string>(view.nodes.length).fill(neutral);
  const legendRows: ColoringLegendRow<string>[] = [];
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
    const overlay = overlays[source]!;
    const byKey = new Map(overlay.legend.map((l) => [l.key, resolveColor(l.color, neutral)]));
    const ends = heatEnds(overlay.legend);
    const lo = resolveColor(ends.low.color, neutral);
    const hi = resolveColor(ends.high.color, neutral);
    const drawn = new Set<string>();
    let heat = false;
    for (const [name, entry] of Object.entries(overlay.nodes)) {
      const t = index.targets(name);
      if (!t) continue;
      const color = entry.key !== undefined ? byKey.get(entry.key) : entry.heat !== undefined ? mixRgb(lo, hi, entry.heat) : undefined;
      if (!color) continue;
      // A folded Q/DQ's colour does not repaint the node carrying its badge.
      if (t.edges.length > 0 || t.nodes.length === 0) continue;
      for (const n of t.nodes) colors[n] = color;
      if (entry.key !== undefined) drawn.add(entry.key);
      else heat = true;
    }
    // Only the colours some node is drawn in (a heat ramp: its gradient, between its two ends).
    legendRows.push(...legendRowsFor(overlay.legend, drawn, heat, (c) => resolveColor(c, neutral)));
    legendRows.push({ label: 'Not a layer / not listed', color: neutral });
  }
  // Opaque fills: a halo (underlay) under a translucent fill showed through and tinted it. High
  // contrast themes draw outlines only: the fill is the background.
  const bg = resolveColor('editor.background', 'rgb(30, 30, 30)');
  const hc = themeKind().startsWith('high-contrast');
  const fillOf = new Map<string, string>();
  const fills = colors.map((c) => {
    let f = fillOf.get(c);
    if (f === undefined) fillOf.set(c, (f = hc ? bg : mixRgb(bg, c, FILL_MIX)));
    return f;
  });
  return { colors, fills, legendRows };
}
