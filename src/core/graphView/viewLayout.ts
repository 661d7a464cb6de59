/**
 * Laying out a view graph: node boxes sized from their labels, the layered layout, and the compact
 * JSON form sent to the webview (whole pixels, flat arrays).
 *
 * Box rules (the webview draws to these sizes, given in the layout message): a box is as wide as
 * the longest line of the label the webview draws on it and has a line per label line
 * (`nodeLabelLines` of src/protocol/nodeLabel.ts, the one function both sides use): an operator
 * node shows its op type and, when it has weights (parameters or folded weight Q/DQ), a second
 * line for them (`W 128×64×3×3 INT8`); an input or output node shows its tensor name.
 */
import { layeredLayout, type LayoutOptions, type LayoutResult } from '../layout/index';
import type { ViewGraph } from './viewGraph.types';
import { MAX_LABEL_CHARS, nodeLabelLines } from '../../protocol/nodeLabel';

export interface NodeSizeOptions {
  /** Average character width of the node font, px (default 7.5: 13 px UI font). */
  charWidth?: number;
  /** Line height, px (default 18). */
  lineHeight?: number;
  /** Horizontal and vertical padding inside a box, px (default 16 and 8). */
  padX?: number;
  padY?: number;
  /** Narrowest box, px (default 48). */
  minWidth?: number;
  /** Label lines longer than this are cut (default `MAX_LABEL_CHARS`, as the webview draws them). */
  maxLabelChars?: number;
}

export interface NodeSizes {
  readonly widths: Float64Array;
  readonly heights: Float64Array;
}

export function viewNodeSizes(view: ViewGraph, o: NodeSizeOptions = {}): NodeSizes {
  const charWidth = o.charWidth ?? 7.5;
  const lineHeight = o.lineHeight ?? 18;
  const padX = o.padX ?? 16;
  const padY = o.padY ?? 8;
  const minWidth = o.minWidth ?? 48;
  const maxChars = o.maxLabelChars ?? MAX_LABEL_CHARS;
  const n = view.nodes.length;
  const widths = new Float64Array(n);
  const heights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lines = nodeLabelLines(view, view.nodes[i]!, maxChars);
    let chars = 0;
    for (const line of lines) chars = Math.max(chars, line.length);
    widths[i] = Math.max(minWidth, Math.ceil(chars * charWidth + padX));
    heights[i] = lines.length * lineHeight + padY;
  }
  return { widths, heights };
}

/** Layout of a view graph (node sizes from `viewNodeSizes` unless given). */
export function layoutViewGraph(view: ViewGraph, options: LayoutOptions & NodeSizeOptions & { sizes?: NodeSizes } = {}): LayoutResult {
  const sizes = options.sizes ?? viewNodeSizes(view, options);
  const m = view.edges.length;
  const sources = new Int32Array(m);
  const targets = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    sources[e] = view.edges[e]!.s;
    targets[e] = view.edges[e]!.t;
  }
  return layeredLayout({ nodeCount: view.nodes.length, sources, targets, widths: sizes.widths, heights: sizes.heights }, options);
}

/** The layout as sent to the webview: whole pixels in flat arrays (see `GraphLayoutDto`). */
export interface ViewLayoutJson {
  readonly width: number;
  readonly height: number;
  /** Node centres and box sizes, by view node index. */
  readonly x: number[];
  readonly y: number[];
  readonly w: number[];
  readonly h: number[];
  /** Bend points of edge e: x,y pairs `points[2k], points[2k+1]` for k in `[pointStart[e], pointStart[e+1])`. */
  readonly pointStart: number[];
  readonly points: number[];
}

export function layoutToJson(layout: LayoutResult, sizes: NodeSizes): ViewLayoutJson {
  const round = (a: ArrayLike<number>): number[] => Array.from(a, (v) => Math.round(v));
  return {
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    x: round(layout.x),
    y: round(layout.y),
    w: round(sizes.widths),
    h: round(sizes.heights),
    pointStart: Array.from(layout.pointStart),
    points: round(layout.points),
  };
}
