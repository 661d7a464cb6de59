/** Input, options and output of the layered layout (plain data; no ONNX, no DOM). */

export interface LayoutInput {
  readonly nodeCount: number;
  /** Edge endpoints, node indices; edge `e` goes from `sources[e]` to `targets[e]`. */
  readonly sources: ArrayLike<number>;
  readonly targets: ArrayLike<number>;
  /** Node sizes (the box drawn), same units as the output. */
  readonly widths: ArrayLike<number>;
  readonly heights: ArrayLike<number>;
}

export interface LayoutOptions {
  /** Horizontal gap between two nodes of a layer (default 24). */
  nodeSep?: number;
  /** Horizontal gap next to an edge passing through a layer (default 10). */
  edgeSep?: number;
  /** Vertical gap between layers (default 36). */
  rankSep?: number;
  /**
   * Barycenter sweeps of the crossing reduction (default 8, alternating down and up; the best
   * order seen is kept, and sweeping stops early when it no longer improves).
   */
  sweeps?: number;
  /**
   * Most dummy nodes (points where long edges cross layers) to create; beyond it the longest edges
   * are drawn straight instead (default max(200,000, 4 x nodeCount)).
   */
  maxDummies?: number;
}

export interface LayoutStats {
  readonly layers: number;
  readonly dummies: number;
  /** Edges (after removing duplicates and self-loops) drawn against the layer order to break cycles. */
  readonly reversedEdges: number;
  /** Long edges drawn straight because of `maxDummies`. */
  readonly straightLongEdges: number;
  /** Edge crossings between adjacent layers: after the initial order and after crossing reduction. */
  readonly crossingsInitial: number;
  readonly crossings: number;
  readonly sweeps: number;
  /** Milliseconds per phase. */
  readonly ms: { readonly layering: number; readonly ordering: number; readonly coordinates: number; readonly routing: number; readonly total: number };
}

export interface LayoutResult {
  /** Node centers; top-to-bottom, x and y >= 0 at the top-left corner of the drawing. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly layer: Int32Array;
  /** Bounding box of the drawing (its top-left corner is (0, 0)). */
  readonly width: number;
  readonly height: number;
  /**
   * Bend points of edge `e`, in order from its source to its target, as x,y pairs:
   * `points[2 * k], points[2 * k + 1]` for `k` in `[pointStart[e], pointStart[e + 1])`.
   * An edge between adjacent layers (or a self-loop) has none. Collinear bends are removed.
   */
  readonly pointStart: Int32Array;
  readonly points: Float64Array;
  /** 1 when edge `e` points upward (it closes a cycle). */
  readonly reversed: Uint8Array;
  readonly stats: LayoutStats;
}
