/** The properties panel: what the selected node or edge is, with the host's details (attributes, tensors, Q/DQ values, weight statistics). */
import type { GraphViewDto, QdqBadgeDto, ViewNodeDto } from '../../src/protocol/graphView';
import type { OverlayNodeDto } from '../../src/protocol/overlay';
import type { NodePropertiesDto, QdqDetailsDto, QdqValuesDto, TensorInfoDto, WeightDto } from '../../src/protocol/properties';
import { h, type Child } from '../dom';
import { formatBytes, formatShape } from '../format';
import { badgeText, constantLabel, foldedHere, formatScale, formatScaleExact, nodeKey, qdqKey, tensorTypeText } from './viewModel';

export interface PropertiesActions {
  /** Loads the host's properties of graph node `node` (index in the ONNX graph). */
  load(node: number): Promise<NodePropertiesDto>;
  /** Opens a subgraph of this node, or the function it calls. */
  openSubgraph(viewNode: number, attr: string, index: number | undefined): void;
  openFunction(domain: string, name: string): void;
  reveal(name: string): void;
}

function row(label: string, value: Child, testId?: string): HTMLElement {
  return h('div', { className: 'prop-row' }, h('span', { className: 'prop-label' }, label), h('span', { className: 'prop-value', data: testId ? { testid: testId } : undefined }, value));
}

function heading(text: string): HTMLElement {
  return h('h3', { className: 'props-heading' }, text);
}

/** Statistics (compact: 4 significant digits). */
function num(v: number): string {
  return Number.isInteger(v) ? String(v) : formatScale(v);
}

/** What the panel shows and where its links start from: the selected node or edge of `view`. */
interface Ctx {
  readonly view: GraphViewDto;
  readonly actions: PropertiesActions;
  readonly here: { readonly node?: number; readonly edge?: number };
}

/** A tensor's type (see tensorTypeText); what the model does not record reads as muted words. */
function typeSpan(dtype: string | undefined, shape: readonly (number | string | null)[] | undefined, suffix = ''): HTMLElement {
  const unknown = dtype === undefined && shape === undefined;
  return h('span', { className: unknown ? 'muted' : 'mono', data: { testid: 'tensor-type' } }, `${tensorTypeText(dtype, shape)}${suffix}`);
}

function weightBlock(w: WeightDto, label: string, ctx: Ctx): HTMLElement {
  const parts: HTMLElement[] = [
    row(label, `${w.dtype} ${formatShape(w.shape)}${w.bytes !== undefined ? ` · ${formatBytes(w.bytes)}` : ''}${w.external ? ' · external' : ''}`),
  ];
  if (w.through) {
    const { quantize, dequantize } = w.through;
    if (w.tensor) parts.push(row('Tensor', h('span', { className: 'mono wrap' }, w.tensor)));
    // The Q/DQ pair the folded view shows as this node's weight badge (its scales are listed above).
    const badge = foldedBadge(ctx, dequantize);
    if (badge) parts.push(row('Quantized', h('span', { className: 'mono wrap' }, badgeText(ctx.view, badge, true))));
    parts.push(row('Through', h('span', null, ...(quantize !== undefined ? [refLink(quantize, ctx), ' → '] : []), refLink(dequantize, ctx))));
  }
  if (w.stats) {
    const s = w.stats;
    parts.push(
      h(
        'div',
        { className: 'prop-stats', data: { testid: 'weight-stats' } },
        row('min / max', `${num(s.min)} / ${num(s.max)}`),
        row('mean ± std', `${num(s.mean)} ± ${num(s.std)}`),
        row('zeros', `${s.zeros} of ${s.count}${s.nonFinite ? ` · ${s.nonFinite} non-finite` : ''}`),
      ),
    );
  } else if (w.statsNote) {
    parts.push(row('Statistics', h('span', { className: 'muted' }, w.statsNote)));
  }
  return h('div', { className: 'prop-weight', data: { role: label } }, ...parts);
}

/** The badge of the selected node that folds DequantizeLinear `dq` (by its label), if any. */
function foldedBadge(ctx: Ctx, dq: string): QdqBadgeDto | undefined {
  const v = ctx.here.node !== undefined ? ctx.view.nodes[ctx.here.node] : undefined;
  for (const b of v?.weightBadges ?? []) {
    const badge = ctx.view.badges[b];
    if (badge && qdqKey(badge.dqName, 'DequantizeLinear', badge.dq) === dq) return badge;
  }
  return undefined;
}

function tensorList(title: string, tensors: readonly TensorInfoDto[], ctx: Ctx, opType: string, side: 'in' | 'out'): HTMLElement {
  return h(
    'div',
    { className: 'props-group' },
    heading(title),
    ...tensors.map((t, i) =>
      h(
        'div',
        { className: 'prop-tensor' },
        h('div', { className: 'prop-tensor-name mono' }, t.name === '' ? h('span', { className: 'muted' }, `(${side === 'in' ? 'input' : 'output'} ${i} omitted)`) : t.name),
        t.name === '' ? null : h('div', { className: 'prop-tensor-type' }, typeSpan(t.dtype, t.shape, `${t.graphInput ? ' · graph input' : ''}${t.graphOutput ? ' · graph output' : ''}`)),
        t.producer && !t.weight?.through ? row('from', refLink(t.producer, ctx)) : null,
        t.consumers?.length ? row('to', h('span', null, ...t.consumers.slice(0, 8).flatMap((c, k) => [k > 0 ? ', ' : '', refLink(c, ctx)]), t.consumers.length > 8 ? ` +${t.consumers.length - 8}` : '')) : null,
        t.weight ? weightBlock(t.weight, constantLabel(opType, i), ctx) : null,
      ),
    ),
  );
}

function linkButton(name: string, actions: PropertiesActions): HTMLElement {
  return h('button', { className: 'link mono', attrs: { type: 'button', title: `Reveal ${name}` }, on: { click: () => actions.reveal(name) } }, name);
}

/**
 * A node named in the panel: a link that reveals it, except for a Q/DQ node folded into the very
 * node or edge shown (its badge), which a link could only select again: named as text there.
 */
function refLink(name: string, ctx: Ctx): HTMLElement {
  if (!foldedHere(ctx.view, name, ctx.here)) return linkButton(name, ctx.actions);
  const what = ctx.here.edge !== undefined ? 'this edge' : 'this node';
  return h(
    'span',
    { className: 'mono wrap', data: { testid: 'folded-here' }, attrs: { title: `Folded into ${what}'s Q/DQ badge; the raw view draws it as a node` } },
    name,
    h('span', { className: 'muted' }, ' (folded here)'),
  );
}

function valuesBlock(label: string, v: QdqValuesDto, testPrefix: string, format: (x: number) => string): HTMLElement {
  const list = h(
    'ol',
    { className: 'qdq-values mono', data: { testid: `${testPrefix}-values` }, attrs: { start: 0, tabindex: 0, 'aria-label': `${label} values` } },
    ...v.values.map((x) => h('li', null, format(x))),
  );
  return h(
    'div',
    { className: 'props-group' },
    heading(`${label} (${v.dtype})`),
    row('values', h('span', { data: { testid: `${testPrefix}-count` } }, String(v.count)), undefined),
    row('min', h('span', { className: 'mono', data: { testid: `${testPrefix}-min` } }, format(v.min))),
    row('max', h('span', { className: 'mono', data: { testid: `${testPrefix}-max` } }, format(v.max))),
    v.count > 1 ? list : null,
    v.truncated ? h('p', { className: 'muted' }, `First ${v.values.length} of ${v.count} values shown.`) : null,
  );
}

function qdqBlock(q: QdqDetailsDto): HTMLElement {
  return h(
    'div',
    { className: 'props-qdq' },
    row('Granularity', `${q.granularity}${q.axis !== undefined ? `, axis ${q.axis}` : ''}${q.blockSize !== undefined ? `, block ${q.blockSize}` : ''}`),
    q.quantizedType ? row('Quantized type', q.quantizedType) : null,
    q.error ? h('p', { className: 'error-text' }, q.error) : null,
    // Scales exactly (distinct float32 values never print alike); zero points are integers (or FP8 values).
    q.scale ? valuesBlock('Scale', q.scale, 'qdq-scale', formatScaleExact) : null,
    q.zeroPoint ? valuesBlock('Zero point', q.zeroPoint, 'qdq-zp', num) : null,
  );
}

/** Host details of one node, appended under `container` when they arrive. */
function hostDetails(p: NodePropertiesDto, v: ViewNodeDto | undefined, viewIndex: number | undefined, ctx: Ctx): HTMLElement {
  const actions = ctx.actions;
  const parts: Child[] = [];
  if (p.qdq) parts.push(qdqBlock(p.qdq));
  if (p.attributes.length) {
    parts.push(h('div', { className: 'props-group' }, heading('Attributes'), ...p.attributes.map((a) => row(a.name, h('span', { className: 'mono wrap', attrs: { title: a.type } }, a.value)))));
  }
  parts.push(tensorList('Inputs', p.inputs, ctx, p.opType, 'in'), tensorList('Outputs', p.outputs, ctx, p.opType, 'out'));
  if (v && viewIndex !== undefined) {
    for (const g of v.graphs ?? []) {
      const label = `Open ${g.attr}${g.index !== undefined ? `[${g.index}]` : ''} (${g.nodes} nodes)`;
      parts.push(h('vscode-button', { attrs: { secondary: true }, on: { click: () => actions.openSubgraph(viewIndex, g.attr, g.index) } }, label));
    }
    if (v.fn) parts.push(h('vscode-button', { attrs: { secondary: true }, on: { click: () => actions.openFunction(p.domain, p.opType) } }, `Open function ${p.opType}`));
  }
  if (p.docString) parts.push(h('div', { className: 'props-group' }, heading('Doc'), h('p', { className: 'wrap' }, p.docString)));
  return h('div', { className: 'props-details' }, ...parts);
}

function overlayNotes(notes: readonly { source: string; entry: OverlayNodeDto }[]): HTMLElement | null {
  const withText = notes.filter((n) => n.entry.tooltip || n.entry.badge || n.entry.key);
  if (!withText.length) return null;
  return h(
    'div',
    { className: 'props-group', data: { testid: 'overlay-notes' } },
    heading('Overlays'),
    ...withText.map((n) =>
      h(
        'div',
        { className: `overlay-note${n.entry.severity ? ` sev-${n.entry.severity}` : ''}` },
        h('span', { className: 'overlay-source' }, n.source),
        n.entry.key ? h('span', { className: 'overlay-key' }, n.entry.key) : null,
        n.entry.tooltip ? h('div', { className: 'wrap' }, n.entry.tooltip) : null,
      ),
    ),
  );
}

function loadInto(container: HTMLElement, promise: Promise<HTMLElement>): void {
  const status = h('p', { className: 'muted', attrs: { role: 'status' } }, 'Loading…');
  container.append(status);
  promise.then(
    (el) => status.replaceWith(el),
    (e: unknown) => status.replaceWith(h('p', { className: 'error-text' }, e instanceof Error ? e.message : String(e))),
  );
}

export function nodePropertiesView(
  view: GraphViewDto,
  index: number,
  notes: readonly { source: string; entry: OverlayNodeDto }[],
  actions: PropertiesActions,
): HTMLElement {
  const v = view.nodes[index]!;
  const op = v.op !== undefined ? view.ops[v.op] : undefined;
  const title = op ?? (v.kind === 'input' ? 'Graph input' : 'Graph output');
  const box = h(
    'div',
    { className: 'props-panel' },
    h('h2', { className: 'props-title', data: { testid: 'props-title' } }, title),
    row('Name', h('span', { className: 'mono wrap' }, nodeKey(view, v))),
    v.node !== undefined ? row('Node index', String(v.node)) : null,
    overlayNotes(notes),
  );
  if (v.op === undefined) {
    const edges = view.edges.filter((e) => e.s === index || e.t === index);
    const t = edges[0] ? view.tensors[edges[0].tensor] : undefined;
    box.append(row('Type', typeSpan(t?.dtype !== undefined ? view.dtypes[t.dtype] : undefined, t?.shape)));
    if (v.outer) box.append(h('p', { className: 'muted' }, 'Defined by an enclosing graph.'));
    return box;
  }
  const ctx: Ctx = { view, actions, here: { node: index } };
  for (const b of v.weightBadges ?? []) box.append(badgeBlock(view.badges[b]!, ctx));
  if (v.node !== undefined) loadInto(box, actions.load(v.node).then((p) => hostDetails(p, v, index, ctx)));
  return box;
}

function badgeBlock(b: QdqBadgeDto, ctx: Ctx): HTMLElement {
  const box = h(
    'div',
    { className: 'props-group props-badge' },
    heading(`${b.kind === 'weight' ? 'Weight' : 'Activation'} Q/DQ: ${badgeText(ctx.view, b, true)}`),
    b.qName !== undefined || b.q !== undefined ? row('Quantize', refLink(qdqKey(b.qName, 'QuantizeLinear', b.q)!, ctx)) : null,
    row('Dequantize', refLink(qdqKey(b.dqName, 'DequantizeLinear', b.dq)!, ctx)),
    b.error ? h('p', { className: 'error-text' }, b.error) : null,
  );
  loadInto(box, ctx.actions.load(b.dq).then((p) => (p.qdq ? qdqBlock(p.qdq) : h('span'))));
  return box;
}

/** The properties of edge `i` of `view`. */
export function edgePropertiesView(view: GraphViewDto, i: number, actions: PropertiesActions): HTMLElement {
  const e = view.edges[i]!;
  const t = view.tensors[e.tensor];
  const s = view.nodes[e.s]!;
  const d = view.nodes[e.t]!;
  const ctx: Ctx = { view, actions, here: { edge: i } };
  const box = h(
    'div',
    { className: 'props-panel' },
    h('h2', { className: 'props-title', data: { testid: 'props-title' } }, e.badges?.length ? 'Quantized tensor' : 'Tensor'),
    row('Name', h('span', { className: 'mono wrap' }, t?.name ?? '?')),
    row('Type', typeSpan(t?.dtype !== undefined ? view.dtypes[t.dtype] : undefined, t?.shape)),
    row('From', linkButton(nodeKey(view, s), actions)),
    row('To', linkButton(nodeKey(view, d), actions)),
  );
  for (const b of e.badges ?? []) box.append(badgeBlock(view.badges[b]!, ctx));
  return box;
}
