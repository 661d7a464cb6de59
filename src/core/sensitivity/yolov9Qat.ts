/**
 * yolov9-qat's `qat.py sensitive` output, two ways:
 *
 * - `summary-sensitive-analysis.json`: a JSON list of `[ap, name]` pairs written as the run goes,
 *   first `[ap, "PTQ"]` (every layer quantized), then `[ap, "model.{i}"]` for each block evaluated
 *   with *that block* left unquantized. A higher AP than PTQ means the block is more sensitive.
 * - the console: `Eval PTQ - QAT enabled on All Layers - AP: …` and
 *   `Eval PTQ - QAT disabled on Layer model.{i} - AP: …` for every evaluation (AP rounded to 4
 *   places), then `Sensitive summary:` and the ten best as `Top{n}: Using fp16 {name}, ap = {ap:.5f}`
 *   (n from 0). We read the Eval lines when there are any (they are complete and include the
 *   baseline), else the Top lines. ANSI colours, `\r` progress bars and every other line are ignored.
 */
import { SensitivityFormatError } from './errors';
import { describeValue, errorAt, isNonFiniteString, parseJsonText, type ParsedJson } from './jsonText';
import type { LayerResult, MetricInfo, SensitivityResult } from './sensitivityResult';

export const YOLOV9_BASELINE_NAME = 'PTQ';

const AP_DESCRIPTION = 'mAP@0.5:0.95 on the validation set with this layer left unquantized (yolov9-qat sensitive)';

function apMetric(baseline: number | null): MetricInfo {
  return { name: 'ap', direction: 'higher-is-more-sensitive', baseline, description: AP_DESCRIPTION };
}

/** Parse the text of a `summary-sensitive-analysis.json`. */
export function parseYolov9Summary(text: string, file: string): SensitivityResult {
  return yolov9SummaryFromJson(parseJsonText(text, file), file);
}

export function yolov9SummaryFromJson(parsed: ParsedJson, file: string): SensitivityResult {
  const root = parsed.root;
  if (root.kind !== 'array') {
    throw errorAt(parsed, file, [], `expected a list of [ap, name] pairs (yolov9-qat summary-sensitive-analysis.json), got ${describeValue(root)}`);
  }
  if (root.items.length === 0) throw errorAt(parsed, file, [], 'the list is empty: no PTQ baseline and no layer results');
  let baseline: number | undefined;
  const layers: LayerResult[] = [];
  const firstAt = new Map<string, number>();
  root.items.forEach((item, i) => {
    if (item.kind !== 'array' || item.items.length !== 2) {
      const got = item.kind === 'array' ? `a list of ${item.items.length}` : describeValue(item);
      throw errorAt(parsed, file, [i], `expected an [ap, name] pair, got ${got}`);
    }
    const [apNode, nameNode] = item.items as [(typeof item.items)[0], (typeof item.items)[0]];
    if (apNode.kind !== 'number') {
      const why = apNode.kind === 'string' && isNonFiniteString(apNode.value) ? ' (the evaluation produced no AP)' : '';
      throw errorAt(parsed, file, [i, 0], `expected a number (the AP), got ${describeValue(apNode)}${why}`);
    }
    if (nameNode.kind !== 'string' || !(nameNode.value as string).trim()) {
      throw errorAt(parsed, file, [i, 1], `expected a layer name ("PTQ" or "model.N"), got ${nameNode.kind === 'string' ? 'an empty string' : describeValue(nameNode)}`);
    }
    const name = (nameNode.value as string).trim();
    const prev = firstAt.get(name);
    if (prev !== undefined) throw errorAt(parsed, file, [i, 1], `duplicate name "${name}" (first at $[${prev}][1])`);
    firstAt.set(name, i);
    const ap = apNode.value as number;
    if (name === YOLOV9_BASELINE_NAME) baseline = ap;
    else layers.push({ name, kind: 'module', values: { ap } });
  });
  if (baseline === undefined) {
    throw errorAt(parsed, file, [], `missing baseline: no ["ap", "${YOLOV9_BASELINE_NAME}"] entry (the AP with every layer quantized)`);
  }
  const warnings: string[] = [];
  if (layers.length === 0) warnings.push(`${file}: only the PTQ baseline, no layer was evaluated`);
  return { file, format: 'yolov9-qat-json', source: { tool: 'yolov9-qat' }, metrics: [apMetric(baseline)], layers, warnings };
}

// ---------------------------------------------------------------------------------------------
// Console log

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const NUMBER = String.raw`([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf)`;
const EVAL_ALL = new RegExp(String.raw`Eval PTQ - QAT enabled on All Layers - AP: ${NUMBER}`, 'i');
const EVAL_LAYER = new RegExp(String.raw`Eval PTQ - QAT disabled on Layer (\S+) - AP: ${NUMBER}`, 'i');
const TOP = new RegExp(String.raw`Top(\d+): Using fp16 (\S+?),? ap = ${NUMBER}`, 'i');

/** True when the text holds at least one line the log parser reads. */
export function looksLikeYolov9Log(text: string): boolean {
  const plain = text.replace(ANSI, '');
  return EVAL_ALL.test(plain) || EVAL_LAYER.test(plain) || TOP.test(plain);
}

interface LogHit {
  readonly name: string;
  readonly ap: number;
  readonly line: number;
  readonly column: number;
}

/** Parse a saved console log of `qat.py sensitive`. */
export function parseYolov9Log(text: string, file: string): SensitivityResult {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  const evals: LogHit[] = [];
  const tops: LogHit[] = [];
  const seen = { eval: new Map<string, number>(), top: new Map<string, number>() };
  lines.forEach((raw, i) => {
    const line = raw.replace(ANSI, '');
    const take = (kind: 'eval' | 'top', list: LogHit[], name: string, apText: string, at: number): void => {
      const pos = { line: i + 1, column: at + 1 };
      const ap = Number(apText);
      if (!Number.isFinite(ap)) {
        throw new SensitivityFormatError(file, `AP of ${name} is ${apText}: the evaluation produced no usable number`, pos);
      }
      const prev = seen[kind].get(name);
      if (prev !== undefined) {
        throw new SensitivityFormatError(file, `${name} appears twice (first on line ${prev}): the log seems to hold more than one run; save one run's output`, pos);
      }
      seen[kind].set(name, i + 1);
      list.push({ name, ap, ...pos });
    };
    let m: RegExpExecArray | null;
    if ((m = EVAL_ALL.exec(line))) take('eval', evals, 'PTQ', m[1]!, m.index);
    else if ((m = EVAL_LAYER.exec(line))) take('eval', evals, m[1]!, m[2]!, m.index);
    else if ((m = TOP.exec(line))) take('top', tops, m[2]!, m[3]!, m.index);
  });
  const hits = evals.length ? evals : tops;
  if (!hits.length) {
    throw new SensitivityFormatError(
      file,
      "no sensitivity results found: expected yolov9-qat's 'Eval PTQ - QAT disabled on Layer model.N - AP: …' or 'TopN: Using fp16 model.N, ap = …' lines",
    );
  }
  const warnings: string[] = [];
  const base = hits.find((h) => h.name === YOLOV9_BASELINE_NAME);
  if (!base) {
    warnings.push(
      evals.length
        ? `${file}: no 'QAT enabled on All Layers' line: the PTQ baseline is unknown, deltas are left out`
        : `${file}: the top-10 summary does not include PTQ: the baseline is unknown, deltas are left out (a full log has it)`,
    );
  }
  if (!evals.length) warnings.push(`${file}: only the top-${tops.length} summary was found; layers outside it are not ranked`);
  const layers: LayerResult[] = hits.filter((h) => h.name !== YOLOV9_BASELINE_NAME).map((h) => ({ name: h.name, kind: 'module', values: { ap: h.ap } }));
  return {
    file,
    format: 'yolov9-qat-log',
    source: { tool: 'yolov9-qat' },
    metrics: [apMetric(base ? base.ap : null)],
    layers,
    warnings,
  };
}
