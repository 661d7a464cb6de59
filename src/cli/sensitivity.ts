/**
 * `qdq sensitivity RESULT --model MODEL [--json] [--metric NAME] [--yaml MODEL_YAML]`: rank a
 * sensitivity result (yolov9-qat `summary-sensitive-analysis.json` or its console log, or a
 * `.qdq-sensitivity.json`) and map every entry to the ONNX nodes of MODEL (and, with --yaml, to
 * its line in the YOLO model definition). A product surface: the JSON shape is
 * `SensitivityReport` (src/core/sensitivity/sensitivityReport.ts) plus `model`; extend, never rename.
 *
 * Exit codes: 0 printed (unmapped names are listed, not an error); 2 unreadable input or bad usage,
 * with one line on stderr naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOnnxError, openModelFile } from '../core/onnx/index';
import { cannotReadMessage } from '../core/util/fileErrors';
import {
  buildSensitivityReport,
  decodeResultBytes,
  formatDelta,
  valueDecimals,
  isSensitivityError,
  ModuleIndex,
  parseModelYaml,
  parseSensitivityText,
  UnknownMetricError,
  type ModelYaml,
  type SensitivityReport,
} from '../core/sensitivity/index';
import type { CliIo } from './qdq';
import { parseCommandArgs, usageMessage, UsageError } from './usage';

/** Result files are small; a log of a long run is a few MB. Anything past this is not one. */
const MAX_RESULT_BYTES = 256 * 1024 * 1024;

class InputError extends Error {}

function readInput(file: string, what: string): string {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new InputError(`${file}: cannot read ${what}: not a regular file`);
    if (st.size > MAX_RESULT_BYTES) throw new InputError(`${file}: too large for a ${what} (${st.size} bytes)`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(cannotReadMessage(file, e));
  }
  return decodeResultBytes(bytes);
}

export function cmdSensitivity(args: string[], io: CliIo): number {
  let values: { json?: boolean; model?: string; metric?: string; yaml?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandArgs(args, { json: { type: 'boolean', default: false }, model: { type: 'string', short: 'm' }, metric: { type: 'string' }, yaml: { type: 'string' } }));
    if (positionals.length !== 1 || !values.model) {
      throw new UsageError(positionals.length > 1 ? 'takes exactly one RESULT' : !positionals.length ? 'needs a RESULT file' : 'needs --model MODEL');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(usageMessage('sensitivity', e.message));
    return 2;
  }
  const resultFile = positionals[0]!;
  try {
    const result = parseSensitivityText(readInput(resultFile, 'sensitivity result'), resultFile);
    let yaml: ModelYaml | undefined;
    if (values.yaml) yaml = parseModelYaml(readInput(values.yaml, 'model YAML'), values.yaml);
    const decoded = openModelFile(values.model);
    let report: SensitivityReport;
    try {
      const index = ModuleIndex.fromNodes(decoded.model.graph?.node ?? []);
      report = buildSensitivityReport(result, index, { ...(values.metric !== undefined ? { metric: values.metric } : {}), ...(yaml ? { yaml } : {}) });
    } finally {
      decoded.source.close?.();
    }
    if (values.json) {
      const { file, ...rest } = report;
      io.out(JSON.stringify({ file, model: values.model, ...rest }, null, 2));
    } else {
      io.out(formatSensitivityReport(report, values.model));
    }
    return 0;
  } catch (e) {
    if (e instanceof InputError || isSensitivityError(e) || isOnnxError(e) || e instanceof UnknownMetricError) {
      io.err(`qdq: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** Human text: a header, one row per entry by rank, then unmapped names and warnings. */
export function formatSensitivityReport(r: SensitivityReport, modelFile: string): string {
  const lines: string[] = [];
  const dir = r.metric.direction === 'higher-is-more-sensitive' ? 'higher is more sensitive' : 'lower is more sensitive';
  lines.push(`${r.file} (${r.format}, from ${r.source.tool}): ${r.entries.length} layers ranked by ${r.metric.name} (${dir})`);
  lines.push(`  baseline ${r.baseline === null ? 'unknown' : String(r.baseline)}; model ${path.basename(modelFile)}: ${r.entries.length - r.entries.filter((e) => !e.onnxNodes.length).length} of ${r.entries.length} names mapped to ONNX nodes`);
  const withYaml = r.entries.some((e) => e.yamlLine !== undefined);
  // One number of decimals for the column (values as the file wrote them: 0.382 next to 0.3868 reads as 0.3820).
  const decimals = Math.min(6, Math.max(0, ...r.entries.map((e) => (String(e.value).split('.')[1] ?? '').length)));
  // Deltas as the extension's views write them (at least one decimal).
  const deltaDecimals = valueDecimals(r.entries.map((e) => e.value));
  const head = ['rank', 'name', r.metric.name, 'delta', 'nodes', 'compute', ...(withYaml ? ['line'] : []), 'first compute node'];
  const rows = r.entries.map((e) => [
    String(e.rank),
    e.name,
    e.value.toFixed(decimals),
    formatDelta(e.delta, deltaDecimals),
    String(e.onnxNodes.length),
    String(e.computeNodes.length),
    ...(withYaml ? [e.yamlLine === undefined ? '' : String(e.yamlLine)] : []),
    e.onnxNodes.length ? (e.computeNodes[0] ?? '') + (e.computeNodes.length > 1 ? ` (+${e.computeNodes.length - 1})` : '') : '(unmapped)',
  ]);
  const numeric = new Set(['rank', r.metric.name, 'delta', 'nodes', 'compute', 'line']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]): string =>
    `  ${row.map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i]!, numeric.has(head[i]!)))).join('  ')}`.trimEnd();
  lines.push('', fmt(head), ...rows.map(fmt));
  if (r.unmapped.length) lines.push('', `unmapped (${r.unmapped.length}): ${r.unmapped.join(', ')}`);
  if (r.notMeasured.length) lines.push(`not measured for ${r.metric.name} (${r.notMeasured.length}): ${r.notMeasured.join(', ')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
