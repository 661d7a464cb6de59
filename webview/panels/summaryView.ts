/** The model summary: header with Q/DQ badges, then sections for the model, operators, I/O, metadata and problems. */
import type { ExternalDataFileDto } from '../../src/protocol/modelSummaryDto';
import type { InitMessage, ModelSummaryDto, TensorSummaryDto } from '../../src/protocol/messages';
import { h } from '../dom';
import {
  formatBytes,
  formatCount,
  formatDtype,
  formatOpsets,
  formatPercent,
  formatProducer,
  formatShape,
  histogramRows,
  isQdqOp,
} from '../format';
import type { ViewStateStore } from '../state';
import { emptyNote, propertyList, section } from './section';
import { table } from './table';

/** Metadata values longer than this are shown in a scrolling box. */
const longValueChars = 240;

export interface SummaryActions {
  copySummary(): void;
}

function badge(label: string, value: string, className: string, title: string, testId?: string): HTMLElement {
  return h(
    'span',
    { className: `badge ${className}`, attrs: { title }, data: testId ? { testid: testId } : undefined },
    h('span', { className: 'badge-label' }, label),
    h('span', { className: 'badge-value' }, value),
  );
}

function header(message: InitMessage, actions: SummaryActions): HTMLElement {
  const s = message.summary;
  const { quantizeLinear: q, dequantizeLinear: dq } = s.qdq;
  const badges = h('div', { className: 'badges', attrs: { role: 'list', 'aria-label': 'Quantization' } });
  if (q === 0 && dq === 0) {
    badges.append(badge('Q/DQ', 'none', 'badge-muted', 'No QuantizeLinear or DequantizeLinear nodes: not a Q/DQ (explicitly quantized) model', 'qdq-none'));
  } else {
    badges.append(
      badge('QuantizeLinear', formatCount(q), 'badge-q', `${q} QuantizeLinear nodes`, 'q-count'),
      badge('DequantizeLinear', formatCount(dq), 'badge-dq', `${dq} DequantizeLinear nodes`, 'dq-count'),
    );
  }
  const badData = s.externalData.filter((f) => f.problem);
  if (badData.length > 0) {
    const what = badData.every((f) => f.problem === 'missing') ? 'missing' : 'unusable';
    const title = `${badData.map((f) => f.message).join('\n')}\nTensors stored there cannot be shown or checked; saving keeps their references as they are.`;
    badges.append(badge('External data', what, 'badge-warning', title, 'external-data-problem'));
  }
  if (s.problems.length > 0) {
    const n = s.problems.length;
    badges.append(
      badge(
        STRUCTURE_TITLE,
        formatCount(n),
        'badge-warning',
        `${n} problem${n === 1 ? '' : 's'} in the graph's structure (cycles, undefined inputs, duplicate names…), found while indexing it. ${FINDINGS_ELSEWHERE}`,
        'problem-count',
      ),
    );
  }
  for (const b of badges.children) b.setAttribute('role', 'listitem');

  const copy = h('vscode-button', { attrs: { secondary: true, title: 'Copy the model summary as JSON' } }, 'Copy summary');
  copy.addEventListener('click', () => actions.copySummary());

  return h(
    'header',
    { className: 'model-header' },
    h(
      'div',
      { className: 'title-row' },
      h('h1', { className: 'file-name', data: { testid: 'file-name' }, attrs: { title: s.file } }, message.fileName),
      h('span', { className: 'file-size', attrs: { title: `${message.fileSize} bytes` } }, formatBytes(message.fileSize)),
      h('div', { className: 'header-actions' }, copy),
    ),
    badges,
  );
}

function modelSection(s: ModelSummaryDto, store: ViewStateStore): HTMLElement {
  const nodeCount = h('span', { className: 'num', data: { testid: 'node-count' } }, formatCount(s.nodeCount));
  const initializers = h(
    'span',
    null,
    h('span', { className: 'num', data: { testid: 'initializer-count' } }, formatCount(s.initializerCount)),
    s.sparseInitializerCount ? h('span', { className: 'muted' }, ` + ${formatCount(s.sparseInitializerCount)} sparse`) : null,
    h('span', { className: 'muted' }, ' · '),
    h('span', { className: 'num', data: { testid: 'initializer-bytes' }, attrs: { title: `${s.initializerBytes} bytes` } }, formatBytes(s.initializerBytes)),
  );
  const unknown =
    s.unknownFieldCount > 0
      ? h('span', null, h('span', { className: 'num' }, formatCount(s.unknownFieldCount)), h('span', { className: 'muted' }, ' (kept verbatim on save)'))
      : h('span', { className: 'num' }, '0');
  return section(
    { id: 'model', title: 'Model', store },
    propertyList([
      ['Nodes', nodeCount],
      ['Initializers', initializers],
      ['IR version', h('span', { className: 'num' }, String(s.irVersion))],
      ['Producer', formatProducer(s.producerName, s.producerVersion)],
      ['Opsets', h('span', { data: { testid: 'opsets' } }, formatOpsets(s.opsetImports))],
      ['Graph', s.graphName === '' ? h('span', { className: 'muted' }, 'unnamed') : h('span', { className: 'mono' }, s.graphName)],
      s.domain !== '' ? ['Domain', h('span', { className: 'mono' }, s.domain)] : null,
      s.modelVersion !== 0 ? ['Model version', h('span', { className: 'num' }, String(s.modelVersion))] : null,
      ['Functions', h('span', { className: 'num' }, formatCount(s.functionCount))],
      ['Subgraphs', h('span', { className: 'num' }, formatCount(s.subgraphCount))],
      s.externalData.length > 0 ? ['External data', externalDataList(s.externalData)] : null,
      ['Unknown fields', unknown, 'Fields this version of the codec does not know; they are written back unchanged'],
      s.mergedFieldCount > 0
        ? [
            'Merged fields',
            h('span', { data: { testid: 'merged-fields' } }, h('span', { className: 'num' }, formatCount(s.mergedFieldCount)), h('span', { className: 'muted' }, ' (written back as they were unless edited)')),
            'Single fields that occur more than once in their message (a graph or a tensor split in two): read merged, as protobuf, onnxruntime and TensorRT read them',
          ]
        : null,
    ]),
  );
}

const DATA_PROBLEM: Record<NonNullable<ExternalDataFileDto['problem']>, string> = {
  missing: 'missing',
  short: 'cut short',
  refused: 'outside the model folder: not read',
};

/** Each external data file: its name, then its size or what is wrong with it (details in the tooltip). */
function externalDataList(files: readonly ExternalDataFileDto[]): HTMLElement {
  return h(
    'span',
    { className: 'external-data', data: { testid: 'external-data' } },
    ...files.map((f) =>
      h(
        'span',
        {
          className: f.problem ? 'external-file external-file-problem' : 'external-file',
          attrs: {
            title: f.message ?? `${f.path ?? f.location}: ${f.tensors} tensor${f.tensors === 1 ? '' : 's'}${f.checked ? '' : ' (not looked at: the model was not read from a local file)'}`,
          },
          data: f.problem ? { problem: f.problem } : undefined,
        },
        h('span', { className: 'mono' }, f.location),
        h('span', { className: 'muted' }, f.problem ? ` ${DATA_PROBLEM[f.problem]}` : f.fileBytes === null ? '' : ` ${formatBytes(f.fileBytes)}`),
      ),
    ),
  );
}

function histogramSection(s: ModelSummaryDto, store: ViewStateStore): HTMLElement {
  const rows = histogramRows(s.opTypeCounts);
  const body =
    rows.length === 0
      ? emptyNote('The graph has no nodes.')
      : table({
          label: 'Operator types by node count',
          testId: 'op-histogram',
          className: 'histogram',
          columns: [
            { label: 'Operator', width: '38%', className: 'col-name' },
            { label: 'Nodes', width: '14%', className: 'col-num' },
            { label: 'Share', width: '48%', className: 'col-bar' },
          ],
          rows: rows.map((r) => {
            const fill = h('span', { className: 'bar-fill' });
            fill.style.width = `${Math.max(r.fraction * 100, 0.5).toFixed(2)}%`; // CSSOM: allowed by the CSP
            const bar = h(
              'span',
              { className: 'bar', attrs: { 'aria-hidden': 'true' } },
              fill,
            );
            return [
              { content: h('span', { className: 'mono' }, r.opType), title: r.opType },
              { content: formatCount(r.count), className: 'num' },
              { content: h('span', { className: 'bar-cell' }, bar, h('span', { className: 'bar-label' }, formatPercent(r.share))) },
            ];
          }),
          rowClass: (i) => (isQdqOp(rows[i]?.opType ?? '') ? 'row-qdq' : undefined),
        });
  return section({ id: 'operators', title: 'Operators', count: rows.length, store, className: 'section-wide' }, body);
}

function tensorSection(id: string, title: string, tensors: readonly TensorSummaryDto[], store: ViewStateStore): HTMLElement {
  const body =
    tensors.length === 0
      ? emptyNote(`The graph declares no ${title.toLowerCase()}.`)
      : table({
          label: `Graph ${title.toLowerCase()}`,
          testId: id,
          columns: [
            { label: 'Name', width: '46%' },
            { label: 'Type', width: '20%' },
            { label: 'Shape', width: '34%' },
          ],
          rows: tensors.map((t) => {
            const shape = formatShape(t.shape);
            return [
              { content: h('span', { className: 'mono' }, t.name), title: t.name },
              { content: h('span', { className: 'mono' }, formatDtype(t.dtype)) },
              { content: h('span', { className: 'mono' }, shape), title: shape },
            ];
          }),
        });
  return section({ id, title, count: tensors.length, store }, body);
}

function metadataSection(s: ModelSummaryDto, store: ViewStateStore): HTMLElement {
  const entries = Object.entries(s.metadataProps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body =
    entries.length === 0
      ? emptyNote('No metadata properties.')
      : propertyList(
          entries.map(([k, v]) => {
            // Long values (class-name tables, configs) scroll inside a keyboard-focusable box.
            const value =
              v.length > longValueChars
                ? h('div', { className: 'mono wrap clamp', attrs: { tabindex: 0, role: 'region', 'aria-label': `Value of ${k}` } }, v)
                : h('span', { className: 'mono wrap' }, v);
            return [k, value] as const;
          }),
        );
  return section({ id: 'metadata', title: 'Metadata', count: entries.length, store }, body);
}

/** The summary's own problems are the graph's structure only; the analysis findings live elsewhere. */
const STRUCTURE_TITLE = 'Structure problems';
const STRUCTURE_OK = 'The graph is well-formed: no cycles, undefined inputs or duplicate names.';
const FINDINGS_ELSEWHERE = 'Quantization findings of the TensorRT analysis (rules R1–R31) are in the Problems panel and the QDQ Studio Findings view.';

/** Problems of the graph's structure (from indexing it), not the analysis's findings: says so, and where those are. */
function problemsSection(s: ModelSummaryDto, store: ViewStateStore): HTMLElement {
  const body = h(
    'div',
    { data: { testid: 'structure' } },
    s.problems.length === 0
      ? emptyNote(STRUCTURE_OK, 'structure-ok')
      : h(
          'ul',
          { className: 'problems', data: { testid: 'problems' } },
          ...s.problems.map((p) => h('li', null, h('span', { className: 'problem-kind' }, p.kind), h('span', { className: 'problem-message' }, p.message))),
        ),
    h('p', { className: 'muted', data: { testid: 'findings-elsewhere' } }, FINDINGS_ELSEWHERE),
  );
  return section({ id: 'problems', title: STRUCTURE_TITLE, count: s.problems.length, store }, body);
}

/** Builds the whole summary view for one `init` message. */
export function summaryView(message: InitMessage, store: ViewStateStore, actions: SummaryActions): HTMLElement {
  const s = message.summary;
  return h(
    'div',
    { className: 'summary' },
    header(message, actions),
    h('vscode-divider', { attrs: { role: 'presentation' } }),
    h(
      'div',
      { className: 'sections' },
      h(
        'div',
        { className: 'column' },
        modelSection(s, store),
        tensorSection('inputs', 'Inputs', s.inputs, store),
        tensorSection('outputs', 'Outputs', s.outputs, store),
        metadataSection(s, store),
        problemsSection(s, store),
      ),
      h('div', { className: 'column' }, histogramSection(s, store)),
    ),
  );
}
