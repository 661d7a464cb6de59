/**
 * What the VS Code views show of a sensitivity report, as plain data: the layer tree's rows (by
 * rank, a "top k" filter, unmapped names in their own group), the after-line text and hover of
 * each model-YAML layer, and the predicted effect of "keep the k most sensitive layers in higher
 * precision". Pure: the views only turn these into TreeItems, decorations and CodeLenses.
 */
import type { KeepDecision } from './decision';
import type { ModelYaml } from './modelYaml';
import type { ModuleIndex } from './nameMapping';
import { formatDelta, valueDecimals } from './ranking';
import { layerQuantState, precisionLabel, type LayerQuantState } from './quantState';
import type { ReportEntry, SensitivityReport } from './sensitivityReport';

/** `AP` for yolov9-qat's `ap`, else the metric's own name. */
export function metricLabel(name: string): string {
  return /^ap$/i.test(name) ? 'AP' : name;
}

/** How one report's numbers are printed: the decimals the file wrote its values with, and the declared unit. */
export interface MetricFormat {
  readonly decimals: number;
  readonly unit?: string;
}

/** The format of a report's metric (the CLI's decimals: `valueDecimals` of the ranked values; its unit). */
export function metricFormat(report: Pick<SensitivityReport, 'entries' | 'metric'>): MetricFormat {
  const decimals = valueDecimals(report.entries.map((e) => e.value));
  return report.metric.unit ? { decimals, unit: report.metric.unit } : { decimals };
}

/**
 * `ΔAP +0.0041`, `Δoutput_sqnr_db +2.7 dB`, or `AP 0.3868` when the baseline is unknown: decimals and
 * unit from `fmt` (`metricFormat(report)`); the unit is left out when it is the label itself (`AP`).
 */
export function metricText(e: Pick<ReportEntry, 'metric' | 'value' | 'delta'>, fmt: MetricFormat = { decimals: 4 }): string {
  const label = metricLabel(e.metric);
  const unit = fmt.unit && fmt.unit.toLowerCase() !== label.toLowerCase() ? ` ${fmt.unit}` : '';
  return e.delta === null ? `${label} ${e.value}${unit}` : `Δ${label} ${formatDelta(e.delta, fmt.decimals)}${unit}`;
}

export interface LayerRow {
  readonly name: string;
  readonly rank: number;
  /** Number of ranked entries (the `42` of `rank 3/42`). */
  readonly total: number;
  readonly metric: string;
  readonly value: number;
  readonly delta: number | null;
  /** `model.N`, or null. */
  readonly layer: string | null;
  readonly nodes: number;
  readonly computeNodes: readonly string[];
  /** Unmapped rows have no state. */
  readonly state: LayerQuantState | null;
  /**
   * Checkbox: true = quantized; undefined = no checkbox (unmapped, no compute node to toggle, or in
   * FP16 with no activation scale known to quantize it with: `cannotQuantize` says why).
   */
  readonly checked: boolean | undefined;
  /** Why checking this FP16 layer could not quantize it, when that is known in advance. */
  readonly cannotQuantize?: string;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
}

export interface LayerTreeModel {
  /** Mapped entries within the top-k filter, by rank. */
  readonly rows: readonly LayerRow[];
  /** Entries that map to no ONNX node of the model (all of them, whatever the filter). */
  readonly unmapped: readonly LayerRow[];
  /** Mapped entries the top-k filter hides. */
  readonly hidden: number;
  readonly notMeasured: readonly string[];
}

export interface LayerTreeOptions {
  /** Show only ranks 1..topK (0 or undefined: all). */
  readonly topK?: number;
  /**
   * Compute nodes whose activation scale is known (their input quantizer was removed by an edit in
   * effect, so "enable" can put it back). When given, an FP16 layer none of whose compute nodes is
   * in it gets no checkbox: quantizing it needs a scale the view cannot ask for.
   */
  readonly scaleKnown?: ReadonlySet<string>;
}

/** Why an FP16 layer cannot be quantized from the view (the tree row's and the refusal's words). */
export const NO_SCALE_REASON =
  'no activation scale is known for it: QDQ Studio knows only the scales of quantizers removed in this session. Calibrate it in the QAT run, or give a scale with qdq edit --enable-quant NODE:SCALE.';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function entryState(e: ReportEntry, quantized: ReadonlySet<string> | undefined): LayerQuantState | null {
  if (!e.onnxNodes.length) return null;
  return quantized ? layerQuantState(e.computeNodes, quantized) : null;
}

/** Full numbers of one entry, one fact a line (hover and tooltip text). */
export function entryDetails(report: SensitivityReport, e: ReportEntry, state: LayerQuantState | null): string[] {
  const dir = report.metric.direction === 'higher-is-more-sensitive' ? 'higher is more sensitive' : 'lower is more sensitive';
  const lines = [
    `${e.name}: rank ${e.rank} of ${report.entries.length} by ${e.metric} (${dir})`,
    `${e.metric} = ${e.value}, baseline ${report.baseline === null ? 'unknown' : report.baseline}, delta ${formatDelta(e.delta, 6)}`,
  ];
  if (report.metric.description) lines.push(report.metric.description);
  if (!e.onnxNodes.length) lines.push('not in this model: no ONNX node matches this name');
  else {
    lines.push(`${plural(e.onnxNodes.length, 'ONNX node')}, ${e.computeNodes.length} compute (Conv/Gemm/MatMul)`);
    if (state) {
      lines.push(
        state.precision === 'none'
          ? 'no compute node: nothing to quantize'
          : `now ${precisionLabel(state)}: ${state.quantized} of ${state.total} compute nodes have Q/DQ`,
      );
    }
  }
  lines.push(`from ${report.file} (${report.source.tool})`);
  return lines;
}

function baseRow(report: SensitivityReport, e: ReportEntry, state: LayerQuantState | null) {
  return {
    name: e.name,
    rank: e.rank,
    total: report.entries.length,
    metric: e.metric,
    value: e.value,
    delta: e.delta,
    layer: e.layer,
    nodes: e.onnxNodes.length,
    computeNodes: e.computeNodes,
    state,
    label: e.name,
  };
}

function toRow(report: SensitivityReport, e: ReportEntry, quantized: ReadonlySet<string> | undefined, fmt: MetricFormat, scaleKnown?: ReadonlySet<string>): LayerRow {
  const state = entryState(e, quantized);
  const mapped = e.onnxNodes.length > 0;
  const parts = [`#${e.rank}`, metricText(e, fmt)];
  if (mapped) parts.push(`${plural(e.onnxNodes.length, 'node')} (${e.computeNodes.length} compute)`);
  else parts.push('not in this model');
  if (state && state.precision !== 'none') parts.push(precisionLabel(state));
  const blocked = state?.precision === 'fp16' && scaleKnown !== undefined && !e.computeNodes.some((n) => scaleKnown.has(n));
  if (blocked) {
    parts.push('no scale to quantize with');
    return {
      ...baseRow(report, e, state),
      checked: undefined,
      cannotQuantize: `${e.name} cannot be quantized here: ${NO_SCALE_REASON}`,
      description: parts.join(' · '),
      tooltip: [...entryDetails(report, e, state), `cannot be quantized here: ${NO_SCALE_REASON}`].join('\n'),
    };
  }
  return {
    ...baseRow(report, e, state),
    // Partly quantized counts as checked: unchecking then moves the whole layer to FP16 (the head of
    // a yolov9-qat export has convs that never carry Q/DQ, and "keep it in FP16" is what users ask of it).
    checked: state && state.precision !== 'none' ? state.precision !== 'fp16' : undefined,
    description: parts.join(' · '),
    tooltip: entryDetails(report, e, state).join('\n'),
  };
}

/**
 * The layer tree: mapped entries by rank (the top k when asked), checked = some compute node still
 * has Q/DQ (INT8 or partly); unmapped names in their own list, never dropped. `quantized` is
 * `quantizedComputeNodes(model)`; without it rows carry no state.
 */
export function buildLayerTree(report: SensitivityReport, quantized: ReadonlySet<string> | undefined, o: LayerTreeOptions = {}): LayerTreeModel {
  const topK = o.topK && o.topK > 0 ? o.topK : Infinity;
  const rows: LayerRow[] = [];
  const unmapped: LayerRow[] = [];
  let hidden = 0;
  const fmt = metricFormat(report);
  for (const e of report.entries) {
    if (!e.onnxNodes.length) unmapped.push(toRow(report, e, quantized, fmt));
    else if (e.rank <= topK) rows.push(toRow(report, e, quantized, fmt, o.scaleKnown));
    else hidden++;
  }
  return { rows, unmapped, hidden, notMeasured: report.notMeasured };
}

/** `ΔAP +0.0041 · rank 3/42 · FP16`: the after-line text of a YAML layer. */
export function decorationText(e: ReportEntry, total: number, state: LayerQuantState | null, fmt?: MetricFormat): string {
  const precision = !e.onnxNodes.length ? 'not in model' : state ? precisionLabel(state) : undefined;
  return [metricText(e, fmt), `rank ${e.rank}/${total}`, ...(precision ? [precision] : [])].join(' · ');
}

export interface YamlAnnotation {
  /** `model.N`. */
  readonly layer: string;
  /** 1-based line of the YAML entry. */
  readonly line: number;
  /** After-line text. */
  readonly text: string;
  /** Hover lines (every entry of the result that belongs to this layer). */
  readonly hover: readonly string[];
  /** The layer's state in the model (all compute nodes of `model.N`), null when the model has no such layer. */
  readonly state: LayerQuantState | null;
  /** The rank the text shows (the layer's own entry, else its best-ranked sub-entry). */
  readonly rank: number;
  /**
   * Set when the layer is FP16 and no compute node of it has a known scale (`scaleKnown` given): why it
   * cannot be quantized from the view, as the layer tree says it.
   */
  readonly cannotQuantize?: string;
}

/**
 * One annotation per YAML layer the result ranks: the entry named `model.N` when there is one, else
 * the best-ranked entry inside it (`model.22.cv2.0.0.conv`). The state is the whole layer's, from
 * `index` and `quantized`.
 */
export function yamlAnnotations(
  report: SensitivityReport,
  yaml: ModelYaml,
  index: ModuleIndex | undefined,
  quantized: ReadonlySet<string> | undefined,
  scaleKnown?: ReadonlySet<string>,
): YamlAnnotation[] {
  const byLayer = new Map<string, ReportEntry[]>();
  for (const e of report.entries) {
    if (!e.layer) continue;
    let list = byLayer.get(e.layer);
    if (!list) byLayer.set(e.layer, (list = []));
    list.push(e);
  }
  const out: YamlAnnotation[] = [];
  const fmt = metricFormat(report);
  for (const y of yaml.layers) {
    const entries = byLayer.get(y.layer);
    if (!entries?.length) continue;
    const primary = entries.find((e) => e.name === y.layer) ?? entries[0]!;
    const layerMapping = index?.resolve(y.layer, 'module') ?? null;
    const state = layerMapping && quantized ? layerQuantState(layerMapping.computeNodes, quantized) : null;
    // The text's precision is the layer's own; an entry named after a node inside it keeps its numbers.
    const shown: ReportEntry = layerMapping && !primary.onnxNodes.length ? { ...primary, onnxNodes: layerMapping.nodes, computeNodes: layerMapping.computeNodes } : primary;
    const hover: string[] = [`${y.layer} (${y.type ?? 'entry'}, line ${y.line})`];
    for (const e of entries) hover.push('', ...entryDetails(report, e, e === primary ? state : entryState(e, quantized)));
    const blocked = layerMapping && state?.precision === 'fp16' && scaleKnown !== undefined && !layerMapping.computeNodes.some((n) => scaleKnown.has(n));
    out.push({
      layer: y.layer,
      line: y.line,
      text: decorationText(shown, report.entries.length, layerMapping ? state : null, fmt),
      hover: blocked ? [...hover, '', `cannot be quantized here: ${NO_SCALE_REASON}`] : hover,
      state: layerMapping ? state : null,
      rank: primary.rank,
      ...(blocked ? { cannotQuantize: `${y.layer} cannot be quantized here: ${NO_SCALE_REASON}` } : {}),
    });
  }
  return out;
}

/** Whether a YAML applies to a model: same number of `model.N` layers (the highest N + 1). */
export function yamlMatchesModel(yaml: ModelYaml, index: ModuleIndex): boolean {
  const layers = index.layers();
  const last = layers[layers.length - 1];
  return last !== undefined && last.index + 1 === yaml.layers.length;
}

export interface KeepPrediction {
  readonly k: number;
  /** How many layers the decision keeps (k, or fewer when the result ranks fewer). */
  readonly kept: number;
  /** Number of ranked entries (what "all" means for k). */
  readonly ranked?: number;
  /**
   * Kept layers whose compute nodes would change, with how many each: compute nodes that still have
   * Q/DQ and that no earlier kept layer already takes (a node inside `model.22` counts once).
   */
  readonly toFp16: readonly { readonly name: string; readonly rank: number; readonly computeNodes: number }[];
  /** Compute nodes that lose their Q/DQ, each counted once. */
  readonly computeNodesToFp16: number;
  /** Kept layers already in higher precision (nothing to do). */
  readonly alreadyFp16: readonly string[];
  /** Kept layers without a compute node (Upsample, Concat): nothing to keep. */
  readonly noCompute: readonly string[];
  /**
   * Kept layers all of whose quantized compute nodes earlier kept layers already take (a node or
   * module inside a kept `model.22`): left out of the edit, `by` = `#1 model.22`.
   */
  readonly covered: readonly { readonly name: string; readonly rank: number; readonly by: readonly string[] }[];
  readonly unmapped: readonly string[];
  readonly tiedAtCut: readonly string[];
}

/**
 * What applying a keep-k decision to the model as it is now would change. Layers are taken by
 * rank; a compute node is counted for the first kept layer that contains it, and a layer left with
 * nothing of its own is `covered` (not `toFp16`), so the edit has one part per layer that changes
 * something and the count is the number of compute nodes that lose their Q/DQ.
 */
export function predictKeep(decision: KeepDecision, quantized: ReadonlySet<string>, ranked?: number): KeepPrediction {
  const toFp16: { name: string; rank: number; computeNodes: number }[] = [];
  const alreadyFp16: string[] = [];
  const noCompute: string[] = [];
  const covered: { name: string; rank: number; by: string[] }[] = [];
  /** Compute node → the kept layer (`#1 model.22`) that takes it. */
  const takenBy = new Map<string, string>();
  let computeNodesToFp16 = 0;
  for (const l of decision.layers) {
    if (decision.unmapped.includes(l.name)) continue;
    const s = layerQuantState(l.computeNodes, quantized);
    if (s.precision === 'none') noCompute.push(l.name);
    else if (s.quantized === 0) alreadyFp16.push(l.name);
    else {
      const mine = l.computeNodes.filter((n) => quantized.has(n) && !takenBy.has(n));
      if (!mine.length) {
        const by = [...new Set(l.computeNodes.filter((n) => quantized.has(n)).map((n) => takenBy.get(n)!))];
        covered.push({ name: l.name, rank: l.rank, by });
        continue;
      }
      for (const n of mine) takenBy.set(n, `#${l.rank} ${l.name}`);
      toFp16.push({ name: l.name, rank: l.rank, computeNodes: mine.length });
      computeNodesToFp16 += mine.length;
    }
  }
  return {
    k: decision.k,
    kept: decision.layers.length,
    ...(ranked !== undefined ? { ranked } : {}),
    toFp16,
    computeNodesToFp16,
    alreadyFp16,
    noCompute,
    covered,
    unmapped: decision.unmapped,
    tiedAtCut: decision.tiedAtCut,
  };
}

/** Why nothing changes, from what the kept layers are (not in the model, already FP16, no compute, covered). */
function nothingChanges(p: KeepPrediction): string {
  const n = p.kept;
  const top = n === 1 ? 'the top layer' : `the top ${n}`;
  if (n === 0) return 'No layer changes: no layer is kept (k = 0, or the result ranks none).';
  if (p.unmapped.length === n) return n === 1 ? 'The top layer is not in this model: nothing to edit.' : `None of the top ${n} is in this model: nothing to edit.`;
  if (p.alreadyFp16.length === n) return 'No layer changes: the kept layers are already in higher precision.';
  if (p.noCompute.length === n) return `No layer changes: ${top} ${n === 1 ? 'has' : 'have'} no compute node to keep in higher precision.`;
  const why: string[] = [];
  if (p.unmapped.length) why.push(`${p.unmapped.length} not in this model`);
  if (p.alreadyFp16.length) why.push(`${p.alreadyFp16.length} already in higher precision`);
  if (p.noCompute.length) why.push(`${p.noCompute.length} without a compute node`);
  if (p.covered.length) why.push(`${p.covered.length} inside another kept layer`);
  return `No layer changes: of ${top}, ${why.join(', ')}.`;
}

/** The prediction as lines for a confirmation dialog. */
export function describePrediction(p: KeepPrediction): string[] {
  const lines: string[] = [];
  if (p.ranked !== undefined && p.k > p.ranked) lines.push(`k = ${p.k} is more than the ${p.ranked} ranked layers: keeping all ${p.ranked}.`);
  lines.push(
    p.toFp16.length
      ? `${plural(p.toFp16.length, 'layer')} move to FP16 (${plural(p.computeNodesToFp16, 'compute node')} lose their Q/DQ): ${p.toFp16.map((l) => `#${l.rank} ${l.name}`).join(', ')}`
      : nothingChanges(p),
  );
  for (const c of p.covered) lines.push(`#${c.rank} ${c.name}: covered by ${c.by.join(', ')} (nothing more to change)`);
  if (p.alreadyFp16.length) lines.push(`Already FP16: ${p.alreadyFp16.join(', ')}`);
  if (p.noCompute.length) lines.push(`No compute node to keep: ${p.noCompute.join(', ')}`);
  if (p.unmapped.length) lines.push(`Not in this model (counted in the top ${p.kept}, nothing to edit): ${p.unmapped.join(', ')}`);
  if (p.tiedAtCut.length) lines.push(`Tied with the last kept layer, left quantized: ${p.tiedAtCut.join(', ')}`);
  return lines;
}

/**
 * The keep-k input box's check: a whole number from 1 to the number of ranked layers (`undefined`
 * = fine, else what to say).
 */
export function checkKeepCount(text: string, ranked: number): string | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1) return 'a whole number ≥ 1';
  if (Number(t) > ranked) return `at most ${ranked}: the result ranks ${ranked} layer${ranked === 1 ? '' : 's'} (${ranked} keeps all of them)`;
  return undefined;
}
