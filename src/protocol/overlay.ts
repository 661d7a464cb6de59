/**
 * Graph overlays: data several features lay over the graph view, each under its own source name
 * ('analysis': predicted precision and findings; later 'sensitivity' heat and 'engine' actual
 * precision). The host's `OverlayService` (src/editor/overlays.ts) keeps one overlay per (document,
 * source) and sends the panels of the document all of them; the webview colours nodes by one
 * source at a time (the user picks) and shows the badges of all.
 *
 * Nodes are keyed by ONNX node name (unnamed nodes as `<OpType>#<index>`, as the analysis names
 * them). A key naming a Q/DQ node that the folded view does not draw lands on the edge (or the
 * weighted node) that carries its badge.
 */

export interface OverlayLegendEntryDto {
  /** Matches `OverlayNodeDto.key`. */
  readonly key: string;
  readonly label: string;
  /** A VS Code theme colour id (`charts.blue`), a CSS variable (`--vscode-charts-blue`) or a CSS colour. */
  readonly color: string;
}

export interface OverlayNodeDto {
  /** Legend key: the colour of the node when this overlay colours the graph. */
  readonly key?: string;
  /**
   * 0..1: heat colouring, between the legend's first and last colours (a legend of fewer than two
   * entries: {@link HEAT_RAMP}). The legend draws the ramp as a gradient bar labelled with the
   * first and last entries' labels.
   */
  readonly heat?: number;
  /** A short mark drawn on the node (e.g. `⚠ 2`, `INT8→FP16`), shown whichever source colours. */
  readonly badge?: string;
  /** Shown on hover and in the properties panel. */
  readonly tooltip?: string;
  /** Severity of the badge, for its colour: findings use it. */
  readonly severity?: 'error' | 'warning' | 'info';
}

export interface GraphOverlayDto {
  /** Shown in the "Colour by" picker and above the legend. */
  readonly label: string;
  readonly legend: readonly OverlayLegendEntryDto[];
  readonly nodes: Readonly<Record<string, OverlayNodeDto>>;
  /** When false, the source only adds badges and is not offered as a colouring. Default true. */
  readonly colors?: boolean;
}

/** The reformat (standalone Q/DQ) colour of the precision colourings, in every theme. */
export const REFORMAT_YELLOW = '#FFDD00';

/**
 * The default heat ramp (low → high), and the one the sensitivity overlay uses
 * (src/core/sensitivity/overlay.ts, which cannot import this module, spells the same ids; a unit
 * test holds them equal). Not charts.blue at the low end: in both default themes it is within
 * CIE ΔE 5–12 of `focusBorder`, the selection's and search hits' outline, so a selected or found
 * least-sensitive node looked unmarked. Yellow → red keeps every point of the ramp ≥ 14 from those
 * outlines and from the finding halos (test/unit/webview/marks.test.ts).
 */
export const HEAT_RAMP = { low: 'charts.yellow', high: 'charts.red' } as const;

/**
 * The legend of the precision colourings (the analysis's prediction and the engine's actual
 * precision use the same colours, so the two overlays compare at a glance).
 */
export function precisionLegend(fp16Label = 'FP16'): OverlayLegendEntryDto[] {
  return [
    { key: 'INT8', label: 'INT8', color: 'charts.green' },
    { key: 'FP8', label: 'FP8', color: 'charts.blue' },
    { key: 'INT4', label: 'INT4', color: 'charts.purple' },
    { key: 'FP16', label: fp16Label, color: 'charts.orange' },
    { key: 'FP32', label: 'FP32', color: 'charts.red' },
    // Not charts.yellow: Light themes' #BF8803 is ΔE 6 from charts.orange (FP16), the two
    // categories a user most needs to tell apart. A clear yellow is far from every other mark.
    { key: 'reformat', label: 'Standalone Q/DQ (reformat)', color: REFORMAT_YELLOW },
  ];
}

/** Host -> webview: every overlay of the document, by source (sent on ready and on each change). */
export interface OverlaysMessage {
  readonly type: 'overlays';
  readonly overlays: Readonly<Record<string, GraphOverlayDto>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shallow structural check of an overlay (the host builds them; the webview still checks). */
export function isGraphOverlay(value: unknown): value is GraphOverlayDto {
  return (
    isRecord(value) &&
    typeof value.label === 'string' &&
    Array.isArray(value.legend) &&
    value.legend.every((e) => isRecord(e) && typeof e.key === 'string' && typeof e.label === 'string' && typeof e.color === 'string') &&
    isRecord(value.nodes)
  );
}

/** Resolves a legend colour to something CSS understands: theme ids become `var(--vscode-…)`. */
export function overlayColorCss(color: string): string {
  if (color.startsWith('--')) return `var(${color})`;
  if (/^[a-zA-Z]+(\.[a-zA-Z0-9]+)+$/.test(color)) return `var(--vscode-${color.replace(/\./g, '-')})`;
  // A colour id without a dot (`focusBorder`, `descriptionForeground`): camelCase, which a CSS
  // colour name never needs to be.
  if (/^[a-z]+[A-Z][A-Za-z0-9]*$/.test(color)) return `var(--vscode-${color})`;
  return color;
}
