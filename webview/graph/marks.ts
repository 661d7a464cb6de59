/**
 * Marks the overlays put on the graph, apart from the node colours (pure, unit-tested in
 * test/unit/webview/marks.test.ts):
 *
 * - a **finding** (an overlay entry with a badge and a severity, e.g. the analysis's rules) is a halo
 *   around its node or edge (cytoscape underlay), in a severity colour;
 * - any other **badge** (no severity: a sensitivity rank `#3 ΔAP …`, an engine reformat) is a small
 *   diamond on the node's corner (on an edge: a diamond at its middle). It used to be drawn as an
 *   info finding (a blue halo), indistinguishable from one.
 *
 * Colours. VS Code defines `charts.red/yellow/blue` as the error/warning/info foregrounds, and the
 * precision colouring uses those chart colours (FP32 red, reformat yellow, FP8 blue, FP16 orange):
 * halos in the severity colours could not be told apart from the fills (the legend's "Standalone
 * Q/DQ (reformat)" and "Finding: warning" were the same rgb(191, 136, 3)). So the halos take hues no
 * chart colour uses — magenta (error), cyan (warning) and a quiet grey (info, the most numerous and
 * least urgent) — per theme kind, checked against VS Code's default chart, focus, neutral and
 * background colours by the unit test (CIEDE2000).
 *
 * The legend lists every mark drawn in the current graph (and only those), each with a swatch of its
 * own shape: squares are fills, rings halos, diamonds badges.
 */
import type { GraphOverlayDto } from '../../src/protocol/overlay';

/**
 * The theme colour of the selection's outline (solid) and the search hits' (dashed). Colourings
 * keep clear of it: the heat ramp's low end was charts.blue, ΔE 5–12 from it (test/unit/webview/marks.test.ts).
 */
export const OUTLINE_COLOR = 'focusBorder';

export type Severity = 'error' | 'warning' | 'info';

/** The mark of one element: the worst finding severity on it, and whether a badge without severity is. */
export interface Mark {
  readonly sev?: Severity;
  readonly badge?: boolean;
}

export interface Marks {
  /** Per view node / edge index. */
  readonly nodes: Map<number, Mark>;
  readonly edges: Map<number, Mark>;
  /** Finding severities drawn (after the worst-per-element merge), worst first. */
  readonly severities: Severity[];
  /** Labels of the overlays whose badges (without severity) are drawn. */
  readonly badgeSources: string[];
}

export type ThemeKindLike = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export type MarkPalette = Readonly<Record<Severity, string>>;

const RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };
const ORDER: readonly Severity[] = ['error', 'warning', 'info'];

/** Halo colours per theme kind (see the module comment for why not VS Code's severity colours). */
export function markPalette(kind: ThemeKindLike): MarkPalette {
  return kind === 'light' || kind === 'high-contrast-light'
    ? { error: 'rgb(224, 0, 180)', warning: 'rgb(0, 153, 154)', info: 'rgb(189, 189, 189)' }
    : { error: 'rgb(255, 79, 216)', warning: 'rgb(0, 229, 255)', info: 'rgb(90, 90, 90)' };
}

/** Where an overlay node name lands in the drawn view (ViewIndex.targets). */
export type TargetsOf = (name: string) => { readonly nodes: readonly number[]; readonly edges: readonly number[] } | undefined;

/** The marks of every overlay source on the view: worst severity per element, badges apart. */
export function computeMarks(overlays: Readonly<Record<string, GraphOverlayDto>>, targets: TargetsOf): Marks {
  const nodes = new Map<number, Mark>();
  const edges = new Map<number, Mark>();
  const badgeSources: string[] = [];
  const put = (map: Map<number, Mark>, k: number, sev: Severity | undefined): void => {
    const prev = map.get(k);
    if (sev === undefined) map.set(k, { ...prev, badge: true });
    else if (!prev?.sev || RANK[sev] > RANK[prev.sev]) map.set(k, { ...prev, sev });
  };
  for (const source of Object.keys(overlays).sort()) {
    const overlay = overlays[source]!;
    let badged = false;
    for (const [name, entry] of Object.entries(overlay.nodes)) {
      if (!entry.badge) continue;
      const t = targets(name);
      if (!t || (t.nodes.length === 0 && t.edges.length === 0)) continue;
      const sev = entry.severity;
      for (const n of t.nodes) put(nodes, n, sev);
      for (const e of t.edges) put(edges, e, sev);
      if (sev === undefined) badged = true;
    }
    if (badged) badgeSources.push(overlay.label || source);
  }
  const present = new Set<Severity>();
  for (const m of nodes.values()) if (m.sev) present.add(m.sev);
  for (const m of edges.values()) if (m.sev) present.add(m.sev);
  return { nodes, edges, severities: ORDER.filter((s) => present.has(s)), badgeSources };
}

/** The element data of a mark: `sev`/`sevColor` select the halo, `badge` the diamond; undefined clears. */
export function markData(mark: Mark | undefined, palette: MarkPalette): { sev: Severity | undefined; sevColor: string | undefined; badge: 1 | undefined } {
  const sev = mark?.sev;
  return { sev, sevColor: sev ? palette[sev] : undefined, badge: mark?.badge ? 1 : undefined };
}

/** What markStale/applyMark need of a cytoscape element. */
export interface MarkedElement {
  data(key: string): unknown;
  data(values: Record<string, unknown>): unknown;
}

/** Whether an element's mark data differs from `mark`. */
export function markStale(ele: MarkedElement, mark: Mark | undefined, palette: MarkPalette): boolean {
  // Called for every element on each overlay change: no allocation.
  const sev = mark?.sev;
  return ele.data('sev') !== sev || ele.data('sevColor') !== (sev ? palette[sev] : undefined) || ele.data('badge') !== (mark?.badge ? 1 : undefined);
}

/**
 * Sets an element's mark data through `data({...})`, which restyles it. Never `removeData`: cytoscape's
 * removeData deletes the fields without updating the style (its removeData has no updateStyle, unlike
 * data), so a removed finding kept its halo until something else restyled the element. A field set
 * to undefined no longer matches `[sev]` / `[?badge]`.
 */
export function applyMark(ele: MarkedElement, mark: Mark | undefined, palette: MarkPalette): void {
  ele.data(markData(mark, palette));
}

export type LegendSwatch = 'fill' | 'halo' | 'badge' | 'qdq';

export interface LegendRow {
  readonly label: string;
  readonly color: string;
  readonly swatch: LegendSwatch;
}

/** Short label of an overlay for a legend row: `Sensitivity (mAP, …)` → `Sensitivity`. */
function shortLabel(label: string): string {
  const k = label.indexOf(' (');
  return k > 0 ? label.slice(0, k) : label;
}

/**
 * Legend rows of the marks drawn: one per finding severity present, one per overlay whose badges are
 * drawn, and the folded Q/DQ colour when the view has folded pairs.
 */
export function markLegendRows(marks: Marks, palette: MarkPalette, badgeColor: string, qdq?: { readonly color: string; readonly count: number }): LegendRow[] {
  const rows: LegendRow[] = marks.severities.map((s) => ({ label: `Finding: ${s}`, color: palette[s], swatch: 'halo' as const }));
  for (const label of marks.badgeSources) rows.push({ label: `Badge: ${shortLabel(label)}`, color: badgeColor, swatch: 'badge' });
  if (qdq && qdq.count > 0) rows.push({ label: 'Folded Q/DQ (edge badge, weight outline)', color: qdq.color, swatch: 'qdq' });
  return rows;
}

/**
 * The corner diamond of a badged node, as an SVG data URL for cytoscape's background-image (the CSP
 * allows `data:` images). Drawn at 4× its on-canvas size so it stays sharp when zoomed in.
 */
export function badgeMarkerUrl(fill: string, stroke: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
    `<path d="M32 4 L60 32 L32 60 L4 32 Z" fill="${fill}" stroke="${stroke}" stroke-width="7" stroke-linejoin="round"/></svg>`;
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`;
}
