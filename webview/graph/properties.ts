/** The properties panel: what the selected node or edge is, with the host's details (attributes, tensors, Q/DQ values, weight statistics). */
import type { GraphViewDto, QdqBadgeDto, ViewEdgeDto, ViewNodeDto } from '../../src/protocol/graphView';
import type { OverlayNodeDto } from '../../src/protocol/overlay';
import type { NodePropertiesDto, QdqDetailsDto, QdqValuesDto, TensorInfoDto, WeightDto } from '../../src/protocol/properties';
import { h, type Child } from '../dom';
import { formatBytes, formatShape } from '../format';
import { badgeText, formatScale, nodeKey } from './viewModel';

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

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : formatScale(v);
}

function shapeText(shape: readonly (number | string | null)[] | undefined): string {
  return shape ? formatShape(shape) : '?';
}

/** `FLOAT [1, 3]`; a sequence, optional or map value has no shape of its own: `seq(tensor(FLOAT))` alone. */
function typeText(dtype: string | undefined, shape: readonly (number | string | null)[] | undefined): string {
  return dtype !== undefined && shape === undefined && dtype.includes('(') ? dtype : `${dtype ?? '?'} ${shapeText(shape)}`;
}

function weightBlock(w: WeightDto): HTMLElement {
  const parts: HTMLElement[] = [
    row('Weight', `${w.dtype} ${formatShape(w.shape)}${w.bytes !== undefined ? ` · ${formatBytes(w.bytes)}` : ''}${w.external ? ' · external' : ''}`),
  ];
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
  return h('div', { className: 'prop-weight' }, ...parts);
}

function tensorList(title: string, tensors: readonly TensorInfoDto[], actions: PropertiesActions): HTMLElement {
  return h(
    'div',
    { className: 'props-group' },
    heading(title),
    ...tensors.map((t, i) =>
      h(
        'div',
        { className: 'prop-tensor' },
        h('div', { className: 'prop-tensor-name mono' }, t.name === '' ? h('span', { className: 'muted' }, `(input ${i} omitted)`) : t.name),
        h('div', { className: 'prop-tensor-type mono' }, `${typeText(t.dtype, t.shape)}${t.graphInput ? ' · graph input' : ''}${t.graphOutput ? ' · graph output' : ''}`),
        t.producer ? row('from', linkButton(t.producer, actions)) : null,
        t.consumers?.length ? row('to', h('span', null, ...t.consumers.slice(0, 8).flatMap((c, k) => [k > 0 ? ', ' : '', linkButton(c, actions)]), t.consumers.length > 8 ? ` +${t.consumers.length - 8}` : '')) : null,
        t.weight ? weightBlock(t.weight) : null,
      ),
    ),
  );
}

function linkButton(name: string, actions: PropertiesActions): HTMLElement {
  return h('button', { className: 'link mono', attrs: { type: 'button', title: `Reveal ${name}` }, on: { click: () => actions.reveal(name) } }, name);
}

function valuesBlock(label: string, v: QdqValuesDto, testPrefix: string): HTMLElement {
  const list = h(
    'ol',
    { className: 'qdq-values mono', data: { testid: `${testPrefix}-values` }, attrs: { start: 0, tabindex: 0, 'aria-label': `${label} values` } },
    ...v.values.map((x) => h('li', null, num(x))),
  );
  return h(
    'div',
    { className: 'props-group' },
    heading(`${label} (${v.dtype})`),
    row('values', h('span', { data: { testid: `${testPrefix}-count` } }, String(v.count)), undefined),
    row('min', h('span', { className: 'mono', data: { testid: `${testPrefix}-min` } }, num(v.min))),
    row('max', h('span', { className: 'mono', data: { testid: `${testPrefix}-max` } }, num(v.max))),
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
    q.scale ? valuesBlock('Scale', q.scale, 'qdq-scale') : null,
    q.zeroPoint ? valuesBlock('Zero point', q.zeroPoint, 'qdq-zp') : null,
  );
}

/** Host details of one node, appended under `container` when they arrive. */
function hostDetails(p: NodePropertiesDto, view: GraphViewDto, v: ViewNodeDto | undefined, viewIndex: number | undefined, actions: PropertiesActions): HTMLElement {
  const parts: Child[] = [];
  if (p.qdq) parts.push(qdqBlock(p.qdq));
  if (p.attributes.length) {
    parts.push(h('div', { className: 'props-group' }, heading('Attributes'), ...p.attributes.map((a) => row(a.name, h('span', { className: 'mono wrap', attrs: { title: a.type } }, a.value)))));
  }
  parts.push(tensorList('Inputs', p.inputs, actions), tensorList('Outputs', p.outputs, actions));
  if (v && viewIndex !== undefined) {
    for (const g of v.graphs ?? []) {
      const label = `Open ${g.attr}${g.index !== undefined ? `[${g.index}]` : ''} (${g.nodes} nodes)`;
      parts.push(h('vscode-button', { attrs: { secondary: true }, on: { click: () => actions.openSubgraph(viewIndex, g.attr, g.index) } }, label));
    }
    if (v.fn) parts.push(h('vscode-button', { attrs: { secondary: true }, on: { click: () => actions.openFunction(p.domain, p.opType) } }, `Open function ${p.opType}`));
  }
  if (p.docString) parts.push(h('div', { className: 'props-group' }, heading('Doc'), h('p', { className: 'wrap' }, p.docString)));
  void view;
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
    box.append(row('Type', h('span', { className: 'mono' }, `${t?.dtype !== undefined ? view.dtypes[t.dtype] : '?'} ${shapeText(t?.shape)}`)));
    if (v.outer) box.append(h('p', { className: 'muted' }, 'Defined by an enclosing graph.'));
    return box;
  }
  for (const b of v.weightBadges ?? []) box.append(badgeBlock(view, view.badges[b]!, actions));
  if (v.node !== undefined) loadInto(box, actions.load(v.node).then((p) => hostDetails(p, view, v, index, actions)));
  return box;
}

function badgeBlock(view: GraphViewDto, b: QdqBadgeDto, actions: PropertiesActions): HTMLElement {
  const box = h(
    'div',
    { className: 'props-group props-badge' },
    heading(`${b.kind === 'weight' ? 'Weight' : 'Activation'} Q/DQ: ${badgeText(view, b)}`),
    b.qName !== undefined || b.q !== undefined ? row('Quantize', linkButton(b.qName || `QuantizeLinear#${b.q}`, actions)) : null,
    row('Dequantize', linkButton(b.dqName || `DequantizeLinear#${b.dq}`, actions)),
    b.error ? h('p', { className: 'error-text' }, b.error) : null,
  );
  loadInto(box, actions.load(b.dq).then((p) => (p.qdq ? qdqBlock(p.qdq) : h('span'))));
  return box;
}

export function edgePropertiesView(view: GraphViewDto, e: ViewEdgeDto, actions: PropertiesActions): HTMLElement {
  const t = view.tensors[e.tensor];
  const s = view.nodes[e.s]!;
  const d = view.nodes[e.t]!;
  const box = h(
    'div',
    { className: 'props-panel' },
    h('h2', { className: 'props-title', data: { testid: 'props-title' } }, e.badges?.length ? 'Quantized tensor' : 'Tensor'),
    row('Name', h('span', { className: 'mono wrap' }, t?.name ?? '?')),
    row('Type', h('span', { className: 'mono' }, `${t?.dtype !== undefined ? view.dtypes[t.dtype] : '?'} ${shapeText(t?.shape)}`)),
    row('From', linkButton(nodeKey(view, s), actions)),
    row('To', linkButton(nodeKey(view, d), actions)),
  );
  for (const b of e.badges ?? []) box.append(badgeBlock(view, view.badges[b]!, actions));
  return box;
}
