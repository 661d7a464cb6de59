/**
 * The graph view's messages and data, as they travel between host and webview. The shapes mirror
 * the core's view graph (`src/core/graphView/viewGraph.types.ts`) and layout JSON
 * (`ViewLayoutJson`); a unit test checks at compile time that the core types stay assignable to
 * these DTOs, so the webview never depends on `src/core`. Extend, never rename.
 *
 * Flow: the webview asks for a graph (`requestGraphView`: which graph, folded or raw); the host
 * builds the view graph and its layout (off the webview's UI thread) and answers `graphView`.
 * Properties, weights statistics and scale lists are separate requests (not sent up front).
 */

export interface SubgraphStepDto {
  readonly node: number;
  readonly attr: string;
  readonly index?: number;
}

export interface FunctionIdDto {
  readonly domain: string;
  readonly name: string;
  readonly overload?: string;
}

/** `{ path: [] }` is the main graph. */
export interface GraphRefDto {
  readonly function?: FunctionIdDto;
  readonly path: readonly SubgraphStepDto[];
}

export type ViewModeDto = 'folded' | 'raw';

export interface ViewNodeDto {
  /** Absent for operator nodes. */
  readonly kind?: 'input' | 'output';
  /** Operator nodes: index into `ops`. */
  readonly op?: number;
  /** ONNX node name ('' allowed) for operators; tensor name for inputs and outputs. */
  readonly name: string;
  /** Operator nodes: index in the ONNX graph's node list (findings and property requests use it). */
  readonly node?: number;
  readonly outer?: true;
  readonly missing?: true;
  /** Indices into `params`. */
  readonly params?: number[];
  /** Indices into `badges` (weight quantization folded into this node). */
  readonly weightBadges?: number[];
  readonly graphs?: { readonly attr: string; readonly index?: number; readonly nodes: number }[];
  readonly fn?: true;
}

export interface ViewTensorDto {
  readonly name: string;
  /** Index into `dtypes`. */
  readonly dtype?: number;
  readonly shape?: (number | string | null)[];
}

export interface ViewEdgeDto {
  /** Indices into `nodes`. */
  readonly s: number;
  readonly t: number;
  /** Index into `tensors`. */
  readonly tensor: number;
  /** Folded Q/DQ pairs, source side first: indices into `badges`. */
  readonly badges?: number[];
}

export interface ParamSummaryDto {
  readonly name: string;
  readonly dtype: number;
  readonly shape: number[];
  readonly bytes?: number;
  readonly constant?: true;
  readonly external?: true;
}

export interface QdqBadgeDto {
  readonly kind: 'activation' | 'weight';
  readonly q?: number;
  readonly qName?: string;
  readonly dq: number;
  readonly dqName: string;
  /** Index into `dtypes`. */
  readonly dtype: number;
  readonly scale?: number;
  readonly scales?: { readonly count: number; readonly min: number; readonly max: number; readonly axis: number; readonly blockSize?: number };
  readonly zeroPoint?: number;
  readonly zeroPoints?: { readonly min: number; readonly max: number };
  readonly tensor: number;
  readonly param?: number;
  readonly error?: string;
}

export interface ViewStatsDto {
  readonly onnxNodes: number;
  readonly opNodes: number;
  readonly foldedPairs: number;
  readonly foldedWeightDq: number;
  readonly inlinedConstants: number;
  readonly foldedConstants: number;
  readonly unfoldedQ: number;
  readonly unfoldedDq: number;
}

export interface GraphViewDto {
  readonly ref: GraphRefDto;
  readonly mode: ViewModeDto;
  readonly title: string;
  readonly ops: string[];
  readonly dtypes: string[];
  readonly nodes: ViewNodeDto[];
  readonly tensors: ViewTensorDto[];
  readonly edges: ViewEdgeDto[];
  readonly badges: QdqBadgeDto[];
  readonly params: ParamSummaryDto[];
  readonly stats: ViewStatsDto;
}

/**
 * Preset positions, top to bottom, whole pixels. Node `i` is a `w[i]` x `h[i]` box centred on
 * (`x[i]`, `y[i]`). Edge `e` (same index as `GraphViewDto.edges`) bends at the points
 * `(points[2k], points[2k+1])` for k in `[pointStart[e], pointStart[e+1])`, source side first;
 * none means a straight line (cytoscape `segments` edges take these as distances/weights relative
 * to the source-target line).
 */
export interface GraphLayoutDto {
  readonly width: number;
  readonly height: number;
  readonly x: number[];
  readonly y: number[];
  readonly w: number[];
  readonly h: number[];
  readonly pointStart: number[];
  readonly points: number[];
}

/** Sent by the webview when it needs a graph drawn: on load, on a fold/unfold toggle, on opening a subgraph or function. */
export interface RequestGraphViewMessage {
  readonly type: 'requestGraphView';
  readonly requestId: number;
  readonly ref: GraphRefDto;
  /**
   * Folded or raw. Absent: the mode the host remembers for the document (folded if none), for a
   * page that has no state of its own yet (its first request goes out before `init` says); the
   * answer's `view.mode` tells which.
   */
  readonly mode?: ViewModeDto;
  /**
   * The webview's node font, measured (average character width and line height, px), so boxes fit
   * the labels at the editor font size. Default: the core's 13 px UI font metrics.
   */
  readonly font?: { readonly charWidth: number; readonly lineHeight: number };
}

/** The host's answer to `requestGraphView`: the view graph and its layout, or why it could not be built. */
export interface GraphViewMessage {
  readonly type: 'graphView';
  readonly inReplyTo: number;
  readonly view?: GraphViewDto;
  readonly layout?: GraphLayoutDto;
  /** Host-side milliseconds: building the view graph and laying it out. */
  readonly timing?: { readonly buildMs: number; readonly layoutMs: number };
  /** Set instead of `view` and `layout` when the reference is bad (GraphRefError) or the build failed. */
  readonly error?: string;
  /**
   * `view` and `layout` as one JSON text, which is how the host posts them (`packGraphView`): VS Code
   * relays a webview message through the extension host protocol and two frames, and one string
   * crosses those relays in a fraction of the time of an object graph of thousands of small objects
   * (0.1–0.3 s for a 6,000-node model in code-server). The webview restores them with `unpackGraphView`.
   */
  readonly packed?: string;
}

/** The message as posted: `view` and `layout` folded into `packed`. */
export function packGraphView(message: GraphViewMessage): GraphViewMessage {
  const { view, layout, ...rest } = message;
  if (!view || !layout) return message;
  return { ...rest, packed: JSON.stringify({ view, layout }) };
}

/** The inverse of `packGraphView` (a message without `packed` is returned as it is). */
export function unpackGraphView(message: GraphViewMessage): GraphViewMessage {
  const { packed, ...rest } = message;
  if (packed === undefined) return message;
  try {
    const parsed = JSON.parse(packed) as { view?: GraphViewDto; layout?: GraphLayoutDto };
    if (!isRecord(parsed) || !isRecord(parsed.view) || !isRecord(parsed.layout)) return { ...rest, error: 'The graph message is malformed' };
    return { ...rest, view: parsed.view, layout: parsed.layout };
  } catch {
    return { ...rest, error: 'The graph message is malformed' };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** True when `value` is a well-formed graph reference (checked by the host: it crosses a trust boundary). */
export function isGraphRef(value: unknown): value is GraphRefDto {
  if (!isRecord(value) || !Array.isArray(value.path) || value.path.length > 64) return false;
  for (const step of value.path as unknown[]) {
    if (!isRecord(step) || !isNonNegativeInt(step.node) || typeof step.attr !== 'string') return false;
    if (step.index !== undefined && !isNonNegativeInt(step.index)) return false;
  }
  if (value.function === undefined) return true;
  const f = value.function;
  return isRecord(f) && typeof f.domain === 'string' && typeof f.name === 'string' && (f.overload === undefined || typeof f.overload === 'string');
}

/** True when `value` is a well-formed `requestGraphView` message. */
export function isRequestGraphView(value: unknown): value is RequestGraphViewMessage {
  return (
    isRecord(value) &&
    value.type === 'requestGraphView' &&
    typeof value.requestId === 'number' &&
    (value.mode === undefined || value.mode === 'folded' || value.mode === 'raw') &&
    isGraphRef(value.ref) &&
    (value.font === undefined || isFont(value.font))
  );
}

function isFont(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { charWidth, lineHeight } = value;
  return typeof charWidth === 'number' && charWidth >= 2 && charWidth <= 64 && typeof lineHeight === 'number' && lineHeight >= 6 && lineHeight <= 200;
}
