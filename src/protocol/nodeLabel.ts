/**
 * The text drawn on a graph-view node, shared by the host (src/core/graphView/viewLayout.ts sizes
 * each box from it) and the webview (webview/graph/viewModel.ts draws it), so a box always fits its
 * label. Plain functions over the fields both the core's `ViewGraph` and `GraphViewDto` have
 * (structural types: neither side imports the other's).
 */

/** Longest label line drawn on a node: longer lines end in `…`. */
export const MAX_LABEL_CHARS = 32;

/** What of a view the label reads: the op and dtype tables, parameter shapes, badges' dtype and parameter. */
export interface LabelView {
  readonly ops: readonly string[];
  readonly dtypes: readonly string[];
  readonly params: readonly { readonly shape: readonly number[] }[];
  readonly badges: readonly { readonly dtype: number; readonly param?: number }[];
}

/** What of a node the label reads. */
export interface LabelNode {
  readonly op?: number;
  readonly name: string;
  readonly params?: readonly number[];
  readonly weightBadges?: readonly number[];
}

/** `text` cut to `max` characters, the last one an ellipsis when cut. */
export function cutLabel(text: string, max = MAX_LABEL_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function dims(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/**
 * The lines of a node's label, each cut to `max`: an input or output shows its tensor name; an
 * operator its op type and, when it has weights (parameters or a folded weight Q/DQ), a second
 * line `W <shape of the main weight> <quantized dtype>` (e.g. `W 128×64×3×3 INT8`).
 */
export function nodeLabelLines(view: LabelView, v: LabelNode, max = MAX_LABEL_CHARS): string[] {
  if (v.op === undefined) return [cutLabel(v.name, max)];
  const lines = [cutLabel(view.ops[v.op] ?? '?', max)];
  const params = v.params ?? [];
  if (params.length > 0 || v.weightBadges?.length) {
    // The main weight: the parameter with most dimensions (a conv kernel over its bias).
    let best = -1;
    for (const p of params) if (best < 0 || (view.params[p]?.shape.length ?? 0) > (view.params[best]?.shape.length ?? 0)) best = p;
    const w = best >= 0 ? view.params[best] : undefined;
    const wb = v.weightBadges?.[0] !== undefined ? view.badges[v.weightBadges[0]] : undefined;
    const wbParam = wb?.param !== undefined ? view.params[wb.param] : undefined;
    const main = wbParam && (!w || wbParam.shape.length >= w.shape.length) ? wbParam : w;
    const shape = main ? dims(main.shape) : '';
    const q = wb ? ` ${view.dtypes[wb.dtype] ?? ''}` : '';
    lines.push(cutLabel(`W ${shape}${q}`.trim(), max));
  }
  return lines;
}
