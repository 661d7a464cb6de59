/**
 * The "Engine report" webview (its own program; bundled to dist/engineView.js). Draws what the
 * host sends (src/protocol/engineView.ts): run figures, a comparison with another build, the
 * reformat / re-quantize layers, top layers by time and the per-layer precision table. Model
 * strings only ever enter the DOM as text nodes (see ../dom.ts).
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import './main.css';
import { Channel } from '../../src/protocol/channel';
import {
  isToEngineView,
  type EngineComparisonDto,
  type EngineRenderedDto,
  type EngineReportDto,
  type EngineShowMessage,
  type FromEngineView,
  type TimingDto,
  type ToEngineView,
} from '../../src/protocol/engineView';
import { h, type Child } from '../dom';
import { acquireApi } from '../vscodeApi';
import { comparisonCells, num } from './comparison';

const api = acquireApi();
const channel = new Channel<FromEngineView, ToEngineView>((m) => api.postMessage(m));
const post = (m: FromEngineView) => channel.post(m);
const root = document.getElementById('app')!;
let rendered: EngineRenderedDto = { status: 'empty', layerRows: 0, reformatRows: 0, comparisonRows: 0 };


function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'section' }, h('h2', null, title), ...children);
}

function table(headers: string[], rows: Child[][], className = ''): HTMLTableElement {
  return h(
    'table',
    { className: `grid ${className}` },
    h('thead', null, h('tr', null, ...headers.map((x) => h('th', { attrs: { scope: 'col' } }, x)))),
    h('tbody', null, ...rows.map((cells) => h('tr', null, ...cells.map((c) => h('td', null, c))))),
  );
}

function timingText(t: TimingDto | undefined): string {
  if (!t) return '';
  return (['min', 'mean', 'median', 'p90', 'p95', 'p99', 'max'] as const)
    .filter((k) => t[k] !== undefined)
    .map((k) => `${k} ${num(t[k])}`)
    .join(', ');
}

function summary(r: EngineReportDto): HTMLElement {
  const facts: Array<[string, string]> = [];
  if (r.trtVersion) facts.push(['TensorRT', r.trtVersion]);
  if (r.device) facts.push(['Device', r.device]);
  if (r.buildPrecision) facts.push(['Build precision', r.buildPrecision]);
  facts.push(['Layers', `${r.layerCount}${r.detailed ? '' : ' (names only: build with --profilingVerbosity=detailed for precisions)'}`]);
  if (r.precisionCounts) facts.push(['Precision', Object.entries(r.precisionCounts).map(([k, v]) => `${k} ${v}`).join(', ')]);
  if (r.weightsMB !== undefined) facts.push(['Weights', `${r.weightsComplete ? '' : '≥ '}${num(r.weightsMB, 4)} MiB`]);
  facts.push(['Reformat layers', String(r.reformats.length)]);
  const p = r.perf;
  if (p?.throughputQps !== undefined) facts.push(['Throughput', `${num(p.throughputQps)} qps`]);
  if (p?.latencyMs) facts.push(['Latency (ms)', timingText(p.latencyMs)]);
  if (p?.gpuComputeMs) facts.push(['GPU compute (ms)', timingText(p.gpuComputeMs)]);
  if (p?.enqueueMs) facts.push(['Enqueue (ms)', timingText(p.enqueueMs)]);
  if (p?.h2dMs) facts.push(['H2D (ms)', timingText(p.h2dMs)]);
  if (p?.d2hMs) facts.push(['D2H (ms)', timingText(p.d2hMs)]);
  if (p?.totalHostWalltimeS !== undefined) facts.push(['Total host walltime', `${num(p.totalHostWalltimeS)} s`]);
  if (r.totalTimeMs !== undefined) facts.push(['Summed layer time', `${num(r.totalTimeMs)} ms${r.profileIterations ? ` (${r.profileIterations} iterations)` : ''}`]);
  if (r.diagnostics) facts.push(['Log', `${r.diagnostics.errors} errors, ${r.diagnostics.warnings} warnings`]);
  return h('dl', { className: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', { data: { fact: k } }, v)]));
}

/** A candidate as listed: `previous qdq — 1005.92 qps · before this build, 2025-05-01 09:30:12`. */
function candidateText(c: EngineShowMessage['candidates'][number]): string {
  return c.description ? `${c.label} — ${c.description}` : c.label;
}

function comparisonSection(msg: EngineShowMessage): HTMLElement {
  const pick = h('vscode-button', { attrs: { secondary: true, id: 'compare-pick', title: 'Pick any build to compare with: this model\'s, its float twin\'s, an earlier one, or a layer info file' } }, 'Compare with…');
  pick.addEventListener('click', () => post({ type: 'pickComparison' }));
  const row: Child[] = [];
  // A build picked with Browse… is listed after the candidates: the dropdown shows what is compared, and "(no comparison)" clears it.
  const options = msg.compareOther ? [...msg.candidates, msg.compareOther] : msg.candidates;
  if (options.length) {
    const select = h('vscode-single-select', { attrs: { 'aria-label': 'Compare with', id: 'compare' } });
    select.appendChild(h('vscode-option', { attrs: { value: '' } }, '(no comparison)'));
    for (const c of options) {
      const opt = h('vscode-option', { attrs: { value: c.id } }, candidateText(c));
      if (msg.compareId === c.id) opt.setAttribute('selected', '');
      select.appendChild(opt);
    }
    select.addEventListener('change', () => {
      const value = (select as unknown as { value: string }).value;
      post(value ? { type: 'compare', id: value } : { type: 'compare' });
    });
    row.push(h('label', { attrs: { for: 'compare' } }, 'Compare with '), select, pick);
  } else {
    row.push(h('span', { className: 'muted' }, 'No other build beside this one or its model. '), pick);
  }
  const body: Child[] = [h('div', { className: 'row' }, ...row)];
  if (msg.comparison) body.push(comparisonTable(msg.comparison), ...layerChanges(msg.comparison));
  return section('Comparison', ...body);
}

/** What changed layer by layer: nodes whose layer runs in another precision, then the layers whose time changed most. */
function layerChanges(c: EngineComparisonDto): HTMLElement[] {
  const out: HTMLElement[] = [];
  const p = c.precisionChanges;
  if (p) {
    const n = p.changed.length + p.more;
    out.push(
      h(
        'p',
        { className: 'layer-change-summary' },
        p.compared === 0
          ? 'No ONNX node is named by both builds: nothing to compare layer by layer.'
          : n === 0
          ? `No ONNX node changed precision from ${c.baseline} (${p.compared} nodes named by both builds).`
          : `${n} of the ${p.compared} ONNX nodes named by both builds run in another precision than in ${c.baseline}${p.more ? ` (the first ${p.changed.length} listed)` : ''}:`,
      ),
    );
    if (p.changed.length) {
      out.push(table(['Node', c.baseline, c.engine, 'Layer'], p.changed.map((x) => [layerName(x.node, x.onnxNodes), precisionCell(x.baseline), precisionCell(x.engine), x.layer]), 'precision-changes'));
    }
  }
  const t = c.layerTimes;
  if (t) {
    out.push(
      h(
        'p',
        { className: 'layer-change-summary' },
        t.largest.length === 0
          ? `No layer's time changed (${t.matched} layers timed in both builds).`
          : `Largest per-layer time changes (of ${t.matched} layers of the same name timed in both builds):`,
      ),
    );
    if (t.largest.length) {
      out.push(
        table(
          ['Layer', `${c.baseline} ms`, `${c.engine} ms`, 'change'],
          t.largest.map((x) => {
            const change = `${x.deltaMs > 0 ? '+' : ''}${num(x.deltaMs)}${x.deltaPct !== undefined ? ` (${x.deltaPct > 0 ? '+' : ''}${num(x.deltaPct, 3)}%)` : ''}`;
            return [layerName(x.name, x.onnxNodes), num(x.baselineMs), num(x.engineMs), h('span', { className: x.deltaMs < 0 ? 'better' : 'worse' }, change)];
          }),
          'layer-times',
        ),
      );
    }
  }
  return out;
}

function precisionCell(p: string): HTMLElement {
  return h('span', { className: `prec prec-${p.toLowerCase()}` }, p);
}

function comparisonTable(c: EngineComparisonDto): HTMLTableElement {
  const { header, rows } = comparisonCells(c);
  return table(
    header,
    rows.map(({ cells: [label, baseline, engine, change], good }) => [label, baseline, engine, good ? h('span', { className: good }, change) : change]),
    'comparison',
  );
}

function reformatSection(r: EngineReportDto): HTMLElement {
  if (!r.reformats.length) return section('Reformat / re-quantize layers', h('p', { className: 'muted' }, 'None: every Q/DQ fused and no layout or precision conversion was inserted.'));
  return section(
    `Reformat / re-quantize layers (${r.reformats.length})`,
    table(['#', 'Layer', 'Kind', 'Origin'], r.reformats.map((f) => [String(f.index), f.name, h('vscode-badge', null, f.kind), f.description]), 'reformats'),
  );
}

/** A layer's name, as a link that reveals its ONNX nodes in the model's graph when it has some. */
function layerName(name: string, onnxNodes: readonly string[] | undefined): Child {
  return onnxNodes?.length
    ? h('a', { attrs: { href: '#', title: `ONNX: ${onnxNodes.join(', ')}` }, on: { click: (e) => (e.preventDefault(), post({ type: 'revealLayer', onnxNodes: [...onnxNodes] })) } }, name)
    : name;
}

function topSection(r: EngineReportDto): HTMLElement | null {
  if (!r.topLayers.length) return null;
  const nodesOf = new Map(r.layers.map((l) => [l.name, l.onnxNodes]));
  return section(
    'Top layers by time',
    table(['ms', '%', 'Type', 'Layer'], r.topLayers.map((t) => [num(t.averageMs), t.percentage !== undefined ? num(t.percentage, 3) : '', t.type ?? '', layerName(t.name, nodesOf.get(t.name))]), 'top'),
  );
}

function layerSection(r: EngineReportDto): HTMLElement {
  const rows = r.layers.map((l) => {
    const name = layerName(l.name, l.onnxNodes);
    return [String(l.index), name, l.type ?? '', l.precision ? h('span', { className: `prec prec-${l.precision.toLowerCase()}` }, l.precision) : '', l.inputs, l.outputs, l.tactic ?? '', num(l.averageMs), l.percentage !== undefined ? num(l.percentage, 3) : '', l.reformat ? h('vscode-badge', null, l.reformat) : ''];
  });
  return section(`Layers (${r.layers.length}${r.layers.length < r.layerCount ? ` of ${r.layerCount}` : ''})`, table(['#', 'Name', 'Type', 'Precision', 'Inputs', 'Outputs', 'Tactic', 'ms', '%', 'Reformat'], rows, 'layers'));
}

function predictionSection(r: EngineReportDto): HTMLElement | null {
  const p = r.prediction;
  if (!p) return null;
  const line =
    p.compared === 0
      ? `No layer of this engine names a compute node of ${p.model}: nothing to compare (build with TensorRT 10.x and --profilingVerbosity=detailed for layer metadata).`
      : `${p.agree} of ${p.compared} compute nodes run in the predicted precision (${p.target}); ${p.disagreements.length} ${p.disagreements.length === 1 ? 'differs' : 'differ'}. Standalone Q/DQ conversions: ${p.predictedReformats} predicted, ${p.actualReformats} in the engine.`;
  const body: Child[] = [h('p', { className: 'prediction-summary' }, line)];
  if (p.disagreements.length) {
    body.push(table(['Node', 'Op', 'Predicted', 'Engine', 'Engine layer'], p.disagreements.map((d) => [d.node, d.opType, d.predicted, h('vscode-badge', null, d.actual), d.layer]), 'prediction'));
  }
  return section('Prediction vs engine', ...body);
}

function diagnosticsSection(r: EngineReportDto): HTMLElement | null {
  const items = r.diagnostics?.items ?? [];
  if (!items.length && !r.problems.length) return null;
  return section('Log warnings and input problems', h('ul', null, ...items.map((d) => h('li', null, `line ${d.line}: ${d.severity}: ${d.message}`)), ...r.problems.map((p) => h('li', null, p))));
}

function show(msg: EngineShowMessage): void {
  const r = msg.report;
  const files = [r.files.layerInfo, r.files.profile, r.files.log].filter((f): f is string => !!f);
  const parts: Array<HTMLElement | null> = [
    h('header', null, h('h1', null, `Engine report: ${r.label}`), h('p', { className: 'muted files' }, files.join(' · '))),
    msg.notice ? h('p', { className: 'notice', attrs: { role: 'status' } }, msg.notice) : null,
    summary(r),
    comparisonSection(msg),
    predictionSection(r),
    reformatSection(r),
    topSection(r),
    layerSection(r),
    diagnosticsSection(r),
  ];
  root.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
  root.dataset.status = 'ready';
  rendered = {
    status: 'ready',
    label: root.querySelector('h1')?.textContent?.replace(/^Engine report: /, '') ?? r.label,
    layerRows: root.querySelectorAll('table.layers tbody tr').length,
    reformatRows: root.querySelectorAll('table.reformats tbody tr').length,
    comparisonRows: root.querySelectorAll('table.comparison tbody tr').length,
    topRows: root.querySelectorAll('table.top tbody tr').length,
    precisionChangeRows: root.querySelectorAll('table.precision-changes tbody tr').length,
    layerTimeRows: root.querySelectorAll('table.layer-times tbody tr').length,
    topLinks: root.querySelectorAll('table.top tbody a').length,
  };
  const qps = root.querySelector('dd[data-fact="Throughput"]')?.textContent;
  if (qps) rendered.throughputText = qps;
  if (msg.comparison) rendered.compareWith = msg.comparison.baseline;
  if (msg.notice) rendered.notice = msg.notice;
  rendered.candidates = msg.candidates.map(candidateText);
  const layerChangeText = [...root.querySelectorAll('p.layer-change-summary')].map((e) => e.textContent).join('\n');
  if (layerChangeText) rendered.layerChangeText = layerChangeText;
  const prediction = root.querySelector('p.prediction-summary')?.textContent;
  if (prediction) {
    rendered.predictionText = prediction;
    rendered.predictionRows = root.querySelectorAll('table.prediction tbody tr').length;
  }
}

function showError(message: string): void {
  root.replaceChildren(h('p', { className: 'error', attrs: { role: 'alert' } }, message));
  root.dataset.status = 'error';
  rendered = { status: 'empty', layerRows: 0, reformatRows: 0, comparisonRows: 0, error: message };
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isToEngineView(m)) return;
  if (channel.receive(m)) return;
  switch (m.type) {
    case 'show':
      show(m);
      break;
    case 'error':
      showError(m.message);
      break;
    case 'query': {
      const select = document.getElementById('compare') as (HTMLElement & { value?: string }) | null;
      post({ type: 'queryResult', inReplyTo: m.requestId, rendered: select ? { ...rendered, compareSelected: select.value ?? '' } : rendered });
      break;
    }
  }
});
post({ type: 'ready' });
