/**
 * Sensitivity inputs: yolov9-qat's summary JSON and console log, our own versioned format, the
 * format detection, and the exact messages for malformed files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  decodeResultBytes,
  parseQdqSensitivity,
  parseSensitivityText,
  parseYolov9Log,
  parseYolov9Summary,
  SensitivityFormatError,
  type SensitivityResult,
} from '../../../src/core/sensitivity/index';
import { repoRoot } from '../../support/fixtures';

const dir = path.join(repoRoot, 'test', 'fixtures', 'sensitivity');
const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SensitivityFormatError, `not a SensitivityFormatError: ${String((e as Error)?.stack ?? e)}`);
    return e.message;
  }
  assert.fail('no error');
}

const FIXTURE_APS: Record<string, number> = {
  'model.0': 0.3829, 'model.1': 0.3821, 'model.2': 0.3824, 'model.3': 0.3818, 'model.4': 0.3826, 'model.5': 0.3817,
  'model.6': 0.3822, 'model.7': 0.3816, 'model.8': 0.382, 'model.9': 0.3823, 'model.12': 0.3819, 'model.15': 0.3831,
  'model.16': 0.3818, 'model.18': 0.3821, 'model.19': 0.3814, 'model.21': 0.3825, 'model.22': 0.3868,
};

function apsOf(r: SensitivityResult): Record<string, number> {
  return Object.fromEntries(r.layers.map((l) => [l.name, l.values.ap!]));
}

// --- yolov9-qat summary-sensitive-analysis.json -------------------------------------------------

test('yolov9-qat summary JSON: PTQ is the baseline, every model.N a layer, file order kept', () => {
  const r = parseYolov9Summary(read('summary-sensitive-analysis.json'), 'summary-sensitive-analysis.json');
  assert.equal(r.format, 'yolov9-qat-json');
  assert.equal(r.source.tool, 'yolov9-qat');
  assert.equal(r.metrics.length, 1);
  assert.deepEqual({ ...r.metrics[0], description: undefined }, { name: 'ap', direction: 'higher-is-more-sensitive', baseline: 0.3815, description: undefined });
  assert.deepEqual(apsOf(r), FIXTURE_APS);
  assert.deepEqual(r.layers.map((l) => l.name).slice(0, 3), ['model.0', 'model.1', 'model.2']);
  assert.ok(r.layers.every((l) => l.kind === 'module'));
  assert.deepEqual(r.warnings, []);
});

test('yolov9-qat summary JSON: PTQ need not come first; whitespace around names is trimmed', () => {
  const r = parseYolov9Summary('[[0.5, " model.3 "], [0.4, "PTQ"]]', 's.json');
  assert.equal(r.metrics[0]!.baseline, 0.4);
  assert.deepEqual(r.layers.map((l) => l.name), ['model.3']);
  const only = parseYolov9Summary('[[0.4, "PTQ"]]', 's.json');
  assert.deepEqual(only.warnings, ['s.json: only the PTQ baseline, no layer was evaluated']);
});

test('yolov9-qat summary JSON: malformed files, exact messages', () => {
  const f = 'runs/qat_sentive/exp/summary-sensitive-analysis.json';
  const cases: [string, string][] = [
    ['{"PTQ": 0.4}', `${f}:1:1: $: expected a list of [ap, name] pairs (yolov9-qat summary-sensitive-analysis.json), got an object`],
    ['[]', `${f}:1:1: $: the list is empty: no PTQ baseline and no layer results`],
    ['[[0.4, "PTQ"],\n [0.41, "model.0", 3]]', `${f}:2:2: $[1]: expected an [ap, name] pair, got a list of 3`],
    ['[[0.4, "PTQ"], 0.41]', `${f}:1:16: $[1]: expected an [ap, name] pair, got 0.41`],
    ['[[0.4, "PTQ"],\n [ "0.41", "model.0"]]', `${f}:2:4: $[1][0]: expected a number (the AP), got the string "0.41"`],
    ['[[0.4, "PTQ"], ["NaN", "model.0"]]', `${f}:1:17: $[1][0]: expected a number (the AP), got the string "NaN" (the evaluation produced no AP)`],
    ['[[0.4, "PTQ"], [null, "model.0"]]', `${f}:1:17: $[1][0]: expected a number (the AP), got null`],
    ['[[0.4, "PTQ"], [0.41, 7]]', `${f}:1:23: $[1][1]: expected a layer name ("PTQ" or "model.N"), got 7`],
    ['[[0.4, "PTQ"], [0.41, ""]]', `${f}:1:23: $[1][1]: expected a layer name ("PTQ" or "model.N"), got an empty string`],
    ['[[0.41, "model.0"], [0.42, "model.1"]]', `${f}:1:1: $: missing baseline: no ["ap", "PTQ"] entry (the AP with every layer quantized)`],
    ['[[0.4, "PTQ"],\n [0.41, "model.0"],\n [0.43, "model.0"]]', `${f}:3:9: $[2][1]: duplicate name "model.0" (first at $[1][1])`],
    ['[[0.4, "PTQ"], [0.41, "PTQ"]]', `${f}:1:23: $[1][1]: duplicate name "PTQ" (first at $[0][1])`],
    ['[\n    [\n        NaN,\n        "model.3"\n    ]\n]', `${f}:3:9: invalid JSON: NaN is not valid JSON (Python's json module writes it for a float that is not a number)`],
  ];
  for (const [text, want] of cases) assert.equal(message(() => parseYolov9Summary(text, f)), want, text);
});

// --- yolov9-qat console log ----------------------------------------------------------------------

test('yolov9-qat console log: Eval lines give every layer and the baseline, noise ignored', () => {
  const r = parseYolov9Log(read('sensitive-console.log'), 'sensitive-console.log');
  assert.equal(r.format, 'yolov9-qat-log');
  assert.equal(r.metrics[0]!.baseline, 0.3815);
  assert.deepEqual(apsOf(r), FIXTURE_APS);
  assert.deepEqual(r.warnings, []);
  // Same content as the JSON the same run wrote.
  const json = parseYolov9Summary(read('summary-sensitive-analysis.json'), 's.json');
  assert.deepEqual(r.layers, json.layers);
});

test('yolov9-qat console log: only the Top-10 summary (PTQ outside it: baseline unknown)', () => {
  const top = read('sensitive-console.log').split('Sensitive summary:')[1]!;
  assert.match(top, /^\nTop0: Using fp16 model.22, ap = 0.38680\n/);
  const r = parseYolov9Log(`some noise\n${top}`, 'top.txt');
  assert.equal(r.layers.length, 10);
  assert.equal(r.metrics[0]!.baseline, null);
  assert.deepEqual(r.layers.slice(0, 3).map((l) => [l.name, l.values.ap]), [['model.22', 0.3868], ['model.15', 0.3831], ['model.0', 0.3829]]);
  assert.deepEqual(r.warnings, [
    'top.txt: the top-10 summary does not include PTQ: the baseline is unknown, deltas are left out (a full log has it)',
    'top.txt: only the top-10 summary was found; layers outside it are not ranked',
  ]);
  const withPtq = parseYolov9Log('Sensitive summary:\r\nTop0: Using fp16 model.22, ap = 0.50010\r\nTop1: Using fp16 PTQ, ap = 0.49000\r\n', 'w.log');
  assert.equal(withPtq.metrics[0]!.baseline, 0.49);
  assert.deepEqual(withPtq.layers.map((l) => l.name), ['model.22']);
});

test('yolov9-qat console log: a UTF-16 file (PowerShell redirect) decodes to the same result', () => {
  const text = read('sensitive-console.log');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  assert.equal(decodeResultBytes(utf16), text);
  assert.equal(decodeResultBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), text);
  assert.deepEqual(parseYolov9Log(decodeResultBytes(utf16), 'l.log').layers, parseYolov9Log(text, 'l.log').layers);
});

test('yolov9-qat console log: malformed logs, exact messages', () => {
  assert.equal(
    message(() => parseYolov9Log('hello\nworld\n', 'run.log')),
    "run.log: no sensitivity results found: expected yolov9-qat's 'Eval PTQ - QAT disabled on Layer model.N - AP: …' or 'TopN: Using fp16 model.N, ap = …' lines",
  );
  assert.equal(
    message(() => parseYolov9Log('x\nQAT ANALYSIS: Eval PTQ - QAT disabled on Layer model.3 - AP: nan AP50: nan\n', 'run.log')),
    'run.log:2:15: AP of model.3 is nan: the evaluation produced no usable number',
  );
  const twice = 'Eval PTQ - QAT enabled on All Layers - AP: 0.4\nEval PTQ - QAT disabled on Layer model.0 - AP: 0.41\nEval PTQ - QAT enabled on All Layers - AP: 0.4\n';
  assert.equal(message(() => parseYolov9Log(twice, 'run.log')), "run.log:3:1: PTQ appears twice (first on line 1): the log seems to hold more than one run; save one run's output");
});

// --- our own format ------------------------------------------------------------------------------

test('qdq-sensitivity: the checked-in example', () => {
  const r = parseQdqSensitivity(read('example.qdq-sensitivity.json'), 'example.qdq-sensitivity.json');
  assert.equal(r.format, 'qdq-sensitivity');
  assert.deepEqual(r.source, { tool: 'hand-made', version: '1', model: 'gelan-t-like (see gelan-t-like.yaml)', createdAt: '2025-01-15T10:00:00Z' });
  assert.deepEqual(
    r.metrics.map((m) => [m.name, m.direction, m.baseline, m.unit]),
    [['ap', 'higher-is-more-sensitive', 0.3815, 'AP'], ['output_sqnr_db', 'lower-is-more-sensitive', 21.5, 'dB']],
  );
  assert.equal(r.layers.length, 7);
  assert.deepEqual(r.layers[5], { name: '/model.22/cv3.0/cv3.0.1/conv/Conv', kind: 'node', values: { output_sqnr_db: 26.7 } });
  assert.deepEqual(r.layers[6], { name: 'model.19', kind: 'auto', values: { ap: 0.3814 } });
});

const minimal = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  format: 'qdq-sensitivity',
  version: 1,
  source: { tool: 'modelopt' },
  metrics: { ap: { direction: 'higher-is-more-sensitive', baseline: 0.5 } },
  layers: [{ name: 'model.0', values: { ap: 0.51 } }],
  ...over,
});

test('qdq-sensitivity: malformed files, exact messages with line, column and JSON path', () => {
  const f = 'my.qdq-sensitivity.json';
  const j = (v: unknown): string => JSON.stringify(v, null, 2);
  const cases: [string, string][] = [
    [j(minimal({ version: 2 })), `${f}:3:14: $.version: unsupported version 2: this QDQ Studio reads version 1 of the qdq-sensitivity format`],
    [j(minimal({ version: '1' })), `${f}:3:14: $.version: expected 1, got the string "1"`],
    [j(minimal({ format: 'other' })), `${f}:2:13: $.format: expected "qdq-sensitivity", got the string "other"`],
    [j({ ...minimal(), version: undefined }), `${f}:1:1: $: missing "version"`],
    [j(minimal({ metrics: { ap: { baseline: 0.5 } } })), `${f}:8:11: $.metrics.ap: missing "direction" ("higher-is-more-sensitive" or "lower-is-more-sensitive")`],
    [j(minimal({ metrics: { ap: { direction: 'up', baseline: 0.5 } } })), `${f}:9:20: $.metrics.ap.direction: expected one of "higher-is-more-sensitive", "lower-is-more-sensitive", got the string "up"`],
    [j(minimal({ metrics: { ap: { direction: 'higher-is-more-sensitive', baseline: 'NaN' } } })), `${f}:10:19: $.metrics.ap.baseline: expected a finite number, got the string "NaN"; leave the metric out for a layer that was not measured`],
    [j(minimal({ metrics: {} })), `${f}:7:14: $.metrics: must not be empty`],
    [j(minimal({ layers: [] })), `${f}:13:13: $.layers: must not be empty`],
    [j(minimal({ layers: [{ name: 'model.0', values: { ap: 'Infinity' } }] })), `${f}:17:15: $.layers[0].values.ap: expected a finite number, got the string "Infinity"; leave the metric out for a layer that was not measured`],
    [j(minimal({ layers: [{ name: 'model.0', values: { ap: '0.51' } }] })), `${f}:17:15: $.layers[0].values.ap: expected a number, got the string "0.51"`],
    [j(minimal({ layers: [{ name: 'model.0', values: { ap: null } }] })), `${f}:17:15: $.layers[0].values.ap: expected a number, got null`],
    [j(minimal({ layers: [{ name: 'model.0', values: { mAP: 0.5 } }] })), `${f}:17:9: $.layers[0].values.mAP: metric "mAP" is not declared in $.metrics (declared: ap)`],
    [j(minimal({ layers: [{ name: 'model.0', values: { ap: 0.5 } }, { name: 'model.0', values: { ap: 0.6 } }] })), `${f}:21:15: $.layers[1].name: duplicate name "model.0" (first at $.layers[0])`],
    [j(minimal({ layers: [{ name: 'model.0', value: { ap: 0.5 } }] })), `${f}:14:5: $.layers[0]: missing "values"`],
    [j(minimal({ layers: [{ name: 'model.0', values: { ap: 0.5 }, rank: 1 }] })), `${f}:19:7: $.layers[0].rank: unknown property "rank" (extensions go under names starting with "x-")`],
    [j(minimal({ layers: [{ name: '', values: { ap: 0.5 } }] })), `${f}:15:15: $.layers[0].name: must not be an empty string`],
    [j(minimal({ layers: [{ name: 'model.0', kind: 'tensor', values: { ap: 0.5 } }] })), `${f}:16:15: $.layers[0].kind: expected one of "module", "node", got the string "tensor"`],
    [j(minimal({ source: {} })), `${f}:4:13: $.source: missing "tool"`],
    [j(minimal({ layers: { 'model.0': { ap: 0.5 } } })), `${f}:13:13: $.layers: expected a list, got an object`],
    ['{\n  "format": "qdq-sensitivity",\n  "version": 1,\n  "version": 1\n}', `${f}:4:3: invalid JSON: duplicate key "version" (first at line 3)`],
  ];
  for (const [text, want] of cases) assert.equal(message(() => parseQdqSensitivity(text, f)), want, text);
});

test('qdq-sensitivity: x- extensions are allowed everywhere the schema says', () => {
  const r = parseQdqSensitivity(
    JSON.stringify(minimal({ 'x-run': 7, source: { tool: 't', 'x-host': 'a' }, metrics: { ap: { direction: 'lower-is-more-sensitive', baseline: 1, 'x-k': 1 } } })),
    'x.json',
  );
  assert.equal(r.metrics[0]!.direction, 'lower-is-more-sensitive');
});

// --- detection -----------------------------------------------------------------------------------

test('parseSensitivityText picks the parser from the name and the contents', () => {
  const summary = read('summary-sensitive-analysis.json');
  assert.equal(parseSensitivityText(summary, 'summary-sensitive-analysis.json').format, 'yolov9-qat-json');
  assert.equal(parseSensitivityText(summary, 'copied-without-extension').format, 'yolov9-qat-json');
  assert.equal(parseSensitivityText(read('sensitive-console.log'), 'run.log').format, 'yolov9-qat-log');
  assert.equal(parseSensitivityText(read('example.qdq-sensitivity.json'), 'e.qdq-sensitivity.json').format, 'qdq-sensitivity');
  // A log whose lines start with '[' (timestamps) is still a log.
  const stamped = '[2025-01-15 10:00:00] Eval PTQ - QAT enabled on All Layers - AP: 0.4\n[2025-01-15 10:05:00] Eval PTQ - QAT disabled on Layer model.0 - AP: 0.41\n';
  const r = parseSensitivityText(stamped, 'run.txt');
  assert.equal(r.format, 'yolov9-qat-log');
  assert.equal(r.metrics[0]!.baseline, 0.4);
  assert.equal(message(() => parseSensitivityText('"hello"', 'x.json')), 'x.json:1:1: $: not a sensitivity result: expected a list of [ap, name] pairs (yolov9-qat) or an object (.qdq-sensitivity.json), got the string "hello"');
  assert.match(message(() => parseSensitivityText('PK\u0003\u0004binary', 'model.onnx')), /^model\.onnx: no sensitivity results found/);
});
