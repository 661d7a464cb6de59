/**
 * `qdq engine`: read what trtexec wrote for one engine (layer info, profile, console log) and print
 * the engine report, optionally compared with a second engine and checked against the analysis's
 * prediction for the model it was built from.
 *
 *   qdq engine LAYER_JSON [--profile P] [--log L] [--compare OTHER_LAYER_JSON [--compare-profile P] [--compare-log L]]
 *              [--model MODEL.onnx [--trt 8|10] [--precision int8|fp8] [--strongly-typed] [--fail-on-mismatch]] [--json]
 *
 * Text for humans by default; `--json` prints the EngineReport (plus `comparison` with --compare,
 * `prediction` with --model). The baseline's profile and log are the files beside its layer info
 * (`<stem>.profile.json`, `<stem>.log`, … as the engine report panel finds them) unless given.
 * Exit codes as for the other commands: 0 success, 1 with --fail-on-mismatch when the engine
 * disagrees with the prediction (or names no node of the model), 2 unreadable input or bad usage
 * (one line naming the file).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import {
  buildEngineReport,
  compareEngineReports,
  EngineReportError,
  isEngineReportError,
  looksLikeTrexMetadata,
  parseLayerInfo,
  parseProfile,
  parseTrtexecLog,
  trexMetadataFromJson,
  type EngineComparison,
  type EngineReport,
  type MetricDelta,
  type PerfSource,
  type TimingFigures,
} from '../core/engineReport/index';
import { cannotReadMessage } from '../core/util/fileErrors';
import { isOnnxError, openModelFile } from '../core/onnx/index';
import { buildGraphIndex } from '../core/graph/index';
import { analyzeModel, type Target, targetLabel } from '../core/analysis/index';
import { checkPrediction, type PredictionCheck } from '../engineView/engineOverlay';
import { sourceFor } from '../engineView/sources';
import type { CliIo } from './qdq';
import { analysisTarget } from './target';
import { isParseArgsError, parseArgsProblem, parseCommandArgs, usageMessage, UsageError } from './usage';

/** `--model`: the analysis's prediction for the model checked against the engine (the JSON's `prediction`). */
export interface PredictionJson extends PredictionCheck {
  model: string;
  target: { trt: '8.x' | '10.x'; precision: 'int8' | 'fp8'; stronglyTyped: boolean; refit: boolean };
}

/** Inputs larger than this are refused (a layer-info file of a very large engine is tens of MB). */
export const MAX_INPUT_BYTES = 512 * 2 ** 20;

/** A file that could not be read: missing, a folder or another non-regular file, too large. */
class InputError extends Error {}

/**
 * The system refused the read (missing, no permission): `qdq: <file>: cannot read: no such file
 * (ENOENT)`, worded and prefixed as every other command says it.
 */
class FileReadError extends InputError {}

async function readText(file: string): Promise<string> {
  let size: number;
  try {
    const st = await fsp.stat(file);
    if (st.isDirectory()) throw new InputError(`cannot read ${file}: it is a folder`);
    // A named pipe or a device would keep the read (and the command) waiting for a writer.
    if (!st.isFile()) throw new InputError(`cannot read ${file}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new FileReadError(cannotReadMessage(file, e));
  }
  if (size > MAX_INPUT_BYTES) throw new InputError(`cannot read ${file}: ${size} bytes is more than the ${MAX_INPUT_BYTES} this command reads`);
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new FileReadError(cannotReadMessage(file, e));
  }
}

/** A console log, or TREx's profile.metadata.json standing in for one. */
function readRun(text: string, file: string): PerfSource {
  const body = text.trimStart();
  if (body.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    if (json !== undefined) {
      if (!looksLikeTrexMetadata(json)) throw new EngineReportError({ file, problem: 'a JSON file, but neither a trtexec console log nor TREx profile metadata' });
      return trexMetadataFromJson(json, file);
    }
  }
  const log = parseTrtexecLog(text, file);
  if (log.recognizedLines === 0) {
    throw new EngineReportError({ file, line: 1, problem: 'not a trtexec console log (no "[date] [I] …" or "&&&&" line)' });
  }
  return log;
}

/**
 * The report of a layer info with its profile and log. A file marked `found` (found beside the
 * layer info, not named by the user) that does not read is left out and said through `leftOut`;
 * a named one must read. `used` says which profile and log went in.
 */
async function reportFor(
  layerFile: string,
  files: { profile?: string | undefined; log?: string | undefined } = {},
  found: { profile?: boolean; log?: boolean } = {},
  leftOut?: (file: string, e: Error) => void,
): Promise<{ report: EngineReport; used: { profile?: string; log?: string } }> {
  const part = async <T>(file: string | undefined, lenient: boolean | undefined, read: (text: string, file: string) => T): Promise<T | undefined> => {
    if (file === undefined) return undefined;
    try {
      return read(await readText(file), file);
    } catch (e) {
      if (!lenient) throw e;
      leftOut?.(file, e as Error);
      return undefined;
    }
  };
  const layerInfo = parseLayerInfo(await readText(layerFile), layerFile);
  const profile = await part(files.profile, found.profile, parseProfile);
  const run = await part(files.log, found.log, readRun);
  const inputs: Parameters<typeof buildEngineReport>[0] = { layerInfo };
  const used: { profile?: string; log?: string } = {};
  if (profile) {
    inputs.profile = profile;
    used.profile = files.profile!;
  }
  if (run) {
    inputs.run = run;
    used.log = files.log!;
  }
  return { report: buildEngineReport(inputs), used };
}

/**
 * The analysis's prediction for `model` checked against the engine. The target: `--trt` when given,
 * else the TensorRT version the engine's log names, else 10; strongly typed with `--strongly-typed`
 * or when the log says the engine was built so (as the extension's engine report checks it).
 */
function predictionFor(report: EngineReport, model: string, flags: { trt?: string; precision?: string; 'strongly-typed'?: boolean }): PredictionJson {
  const parsed = analysisTarget(flags, (m) => new UsageError(m));
  const major = Number(/^(\d+)/.exec(report.trtVersion ?? '')?.[1]);
  const trt: 8 | 10 = flags.trt !== undefined ? parsed.trt! : Number.isFinite(major) ? (major < 10 ? 8 : 10) : 10;
  const target: Target = { trt, precision: parsed.precision!, stronglyTyped: trt === 10 && (flags['strongly-typed'] === true || report.build?.stronglyTyped === true), refit: false };
  const decoded = openModelFile(model);
  try {
    if (!decoded.model.graph) throw new InputError(`${model}: the model has no graph`);
    const predicted = analyzeModel(decoded, buildGraphIndex(decoded.model.graph), target);
    return {
      model,
      target: { trt: trt === 8 ? '8.x' : '10.x', precision: target.precision, stronglyTyped: target.stronglyTyped, refit: target.refit },
      ...checkPrediction(report, predicted),
    };
  } finally {
    decoded.source.close?.();
  }
}

export async function runEngine(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArgs(args, {
      profile: { type: 'string' },
      log: { type: 'string' },
      compare: { type: 'string' },
      'compare-profile': { type: 'string' },
      'compare-log': { type: 'string' },
      model: { type: 'string' },
      trt: { type: 'string' },
      precision: { type: 'string' },
      'strongly-typed': { type: 'boolean' },
      'fail-on-mismatch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one LAYER_JSON' : 'needs a LAYER_JSON');
    if (values.compare === undefined && (values['compare-profile'] !== undefined || values['compare-log'] !== undefined)) {
      throw new UsageError('--compare-profile and --compare-log go with --compare OTHER_LAYER_JSON');
    }
    if (values.model === undefined) {
      const without = (['trt', 'precision', 'strongly-typed', 'fail-on-mismatch'] as const).find((k) => values[k] !== undefined && values[k] !== false);
      if (without) throw new UsageError(`--${without} goes with --model MODEL (the prediction checked against the engine)`);
    }
    const { report } = await reportFor(positionals[0]!, { profile: values.profile, log: values.log });
    let comparison: EngineComparison | undefined;
    if (values.compare !== undefined) {
      // The baseline's profile and log: as given, else the files beside its layer info. A file found
      // beside it that does not read (an empty log of a build stopped early) is left out with a
      // note; a file given with --compare-profile/--compare-log must read.
      const beside = await sourceFor(values.compare);
      const { report: baseline, used } = await reportFor(
        values.compare,
        { profile: values['compare-profile'] ?? beside.profile, log: values['compare-log'] ?? beside.log },
        { profile: values['compare-profile'] === undefined, log: values['compare-log'] === undefined },
        (file, e) => io.err(`qdq engine: left out ${file} (beside the baseline): ${oneLine(e.message)}`),
      );
      comparison = compareEngineReports(report, baseline);
      comparison = { ...comparison, ...(used.profile !== undefined ? { baselineProfile: used.profile } : {}), ...(used.log !== undefined ? { baselineLog: used.log } : {}) };
    }
    const prediction = values.model === undefined ? undefined : predictionFor(report, values.model, values);
    if (values.json) io.out(JSON.stringify({ ...report, ...(comparison ? { comparison } : {}), ...(prediction ? { prediction } : {}) }, null, 2));
    else io.out([formatEngineReport(report), ...(comparison ? ['', formatComparison(comparison)] : []), ...(prediction ? ['', formatPrediction(prediction)] : [])].join('\n'));
    const mismatch = prediction !== undefined && (prediction.disagreements.length > 0 || prediction.compared === 0);
    return values['fail-on-mismatch'] && mismatch ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.err(usageMessage('engine', e instanceof UsageError ? e.message : parseArgsProblem(e as Error)));
      return 2;
    }
    if (e instanceof FileReadError) {
      io.err(`qdq: ${oneLine(e.message)}`);
      return 2;
    }
    if (isOnnxError(e)) {
      io.err(`qdq: ${oneLine((e as Error).message)}`);
      return 2;
    }
    if (e instanceof InputError || isEngineReportError(e)) {
      io.err(`qdq engine: ${oneLine((e as Error).message)}`);
      return 2;
    }
    io.err(`qdq engine: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 2;
  }
}

// ---- text output ----------------------------------------------------------------------------

const MAX_NAME = 160;

/** Control characters shown as escapes (names can hold anything), long names cut. */
export function printable(s: string, max = MAX_NAME): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (clean.length <= max) return clean;
  // Cut without splitting an escape (`\x1b`) or a surrogate pair.
  const cut = clean.slice(0, max - 1).replace(/\\(?:x[0-9a-f]?)?$/, '').replace(/[\ud800-\udbff]$/, '');
  return `${cut}…`;
}

function oneLine(s: string): string {
  return printable(s, 2000);
}

/** Up to 6 significant digits, as trtexec prints. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

function timingLine(label: string, t: TimingFigures | undefined): string | undefined {
  if (!t) return undefined;
  const parts = (['min', 'mean', 'median', 'p90', 'p95', 'p99', 'max'] as const).filter((k) => t[k] !== undefined).map((k) => `${k} ${num(t[k]!)}`);
  for (const [label2, v] of Object.entries(t.percentiles ?? {})) parts.push(`p${label2} ${num(v)}`);
  return `    ${label} (ms): ${parts.join(', ')}`;
}

export function formatEngineReport(r: EngineReport): string {
  const lines: string[] = [];
  const file = path.basename(r.source.layerInfo);
  lines.push(`Engine ${printable(file)}: ${r.layerCount} layers (${r.detailed ? 'detailed' : 'names only: built without --profilingVerbosity=detailed'}, TensorRT ${r.style} fields)`);
  if (r.bindings) lines.push(`  bindings: ${r.bindings.map((b) => printable(b, 60)).join(', ')}`);
  if (r.precisionCounts) lines.push(`  precision (layers by first input): ${Object.entries(r.precisionCounts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.weights) lines.push(`  weights: ${r.weights.complete ? '' : 'at least '}${num(r.weights.mb)} MiB${r.weights.complete ? '' : ' (some layers do not list their weights)'}`);
  lines.push(`  reformat / re-quantize layers: ${r.reformats.length}`);
  for (const f of r.reformats) lines.push(`    [${f.index}] ${printable(f.name, 80)}: ${printable(f.origin.description, 240)}`);
  if (r.totalTimeMs !== undefined) {
    const it = r.profileIterations !== undefined ? `${r.profileIterations} iterations; ` : '';
    lines.push(`  profile: ${it}summed layer time ${num(r.totalTimeMs)} ms per inference`);
  }
  if (r.topLayers?.length) {
    lines.push(`  top ${r.topLayers.length} layers by time:`);
    for (const t of r.topLayers) {
      const pct = t.percentage !== undefined ? `${t.percentage.toFixed(1).padStart(5)}%` : '      ';
      lines.push(`    ${num(t.averageMs).padStart(10)} ms ${pct}  ${t.type ? `${printable(t.type, 30)}  ` : ''}${printable(t.name)}`);
    }
  }
  if (r.source.log !== undefined) {
    const about = [
      r.trtVersion ? `TensorRT ${r.trtVersion}` : undefined,
      r.device ? `${printable(r.device.name, 80)}${r.device.computeCapability ? ` (SM ${r.device.computeCapability})` : ''}` : undefined,
      r.build?.precision ? `precision ${printable(r.build.precision, 60)}` : r.build?.precisions.length ? `precision ${r.build.precisions.join('+')}` : undefined,
      r.build?.stronglyTyped ? 'strongly typed' : undefined,
    ].filter(Boolean);
    lines.push(`  run (${printable(path.basename(r.source.log))})${about.length ? `: ${about.join(', ')}` : ''}`);
    const p = r.perf;
    if (!p) lines.push('    no performance summary in this log');
    else {
      if (p.throughputQps !== undefined) lines.push(`    throughput: ${num(p.throughputQps)} qps`);
      for (const [label, t] of [
        ['latency', p.latencyMs],
        ['GPU compute', p.gpuComputeMs],
        ['enqueue', p.enqueueMs],
        ['H2D', p.h2dMs],
        ['D2H', p.d2hMs],
      ] as const) {
        const l = timingLine(label, t);
        if (l) lines.push(l);
      }
      if (p.totalHostWalltimeS !== undefined) lines.push(`    total host walltime: ${num(p.totalHostWalltimeS)} s`);
      if (p.totalGpuComputeS !== undefined) lines.push(`    total GPU compute time: ${num(p.totalGpuComputeS)} s`);
    }
    if (r.diagnostics) {
      const d = r.diagnostics;
      lines.push(`    log: ${d.errors} error${d.errors === 1 ? '' : 's'}, ${d.warnings} warning${d.warnings === 1 ? '' : 's'}`);
      for (const x of d.items.slice(0, 20)) lines.push(`      line ${x.line}: ${x.severity}: ${printable(x.message, 200)}`);
      if (d.items.length > 20) lines.push(`      … ${d.items.length - 20} more`);
    }
  }
  if (r.problems.length) {
    lines.push(`  input problems (${r.problems.length}):`);
    for (const p of r.problems.slice(0, 20)) lines.push(`    ${printable(path.basename(p.file))} ${printable(p.where, 80)}: ${printable(p.message, 200)}`);
    if (r.problems.length > 20) lines.push(`    … ${r.problems.length - 20} more`);
  }
  return lines.join('\n');
}

const sign = (x: number) => (x > 0 ? `+${num(x)}` : num(x));

function deltaCells(label: string, d: MetricDelta | undefined): string[] | undefined {
  if (!d) return undefined;
  const change = d.delta === undefined ? '' : `${sign(d.delta)}${d.deltaPct !== undefined ? ` (${sign(Number(d.deltaPct.toFixed(1)))}%)` : ''}`;
  return [label, d.engine !== undefined ? num(d.engine) : '-', d.baseline !== undefined ? num(d.baseline) : '-', change];
}

export function formatComparison(c: EngineComparison): string {
  const rows: string[][] = [['', 'engine', 'baseline', 'change']];
  const add = (label: string, d: MetricDelta | undefined) => {
    const cells = deltaCells(label, d);
    if (cells) rows.push(cells);
  };
  add('layers', c.layers);
  add('reformat layers', c.reformats);
  add('weights MiB', c.weightsMB);
  add('throughput qps', c.throughputQps);
  for (const k of ['mean', 'median', 'p90', 'p95', 'p99'] as const) add(`latency ${k} ms`, c.latencyMs?.[k]);
  for (const k of ['mean', 'p99'] as const) add(`GPU compute ${k} ms`, c.gpuComputeMs?.[k]);
  add('summed layer time ms', c.totalTimeMs);
  for (const [p, d] of Object.entries(c.precisionCounts ?? {})) add(`${p} layers`, d);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const base = c as EngineComparison & { baselineProfile?: string; baselineLog?: string };
  const read = [base.baselineProfile, base.baselineLog].filter((f): f is string => f !== undefined).map((f) => printable(path.basename(f)));
  const out = [`Comparison: ${printable(path.basename(c.engine))} (engine) vs ${printable(path.basename(c.baseline))} (baseline${read.length ? `, with ${read.join(' and ')}` : ''})`];
  for (const r of rows) out.push(`  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`.trimEnd());
  out.push(...formatLayerChanges(c));
  return out.join('\n');
}

/** The per-layer part of a comparison: nodes whose layer changed precision, then the largest layer time changes. */
function formatLayerChanges(c: EngineComparison, max = 50): string[] {
  const out: string[] = [];
  const p = c.nodePrecision;
  if (p) {
    if (p.compared === 0) out.push('  no ONNX node is named by both builds: nothing to compare layer by layer');
    else if (p.changed.length === 0) out.push(`  no ONNX node changed precision (${p.compared} named by both builds)`);
    else {
      out.push(`  ${p.changed.length} of the ${p.compared} ONNX nodes named by both builds changed precision:`);
      for (const x of p.changed.slice(0, max)) out.push(`    ${printable(x.node)}: ${x.baseline} → ${x.engine} (layer ${printable(x.engineLayer)})`);
      if (p.changed.length > max) out.push(`    … ${p.changed.length - max} more`);
    }
  }
  const t = c.layerTimes;
  if (t) {
    if (t.largest.length === 0) out.push(`  no layer's time changed (${t.matched} layers timed in both builds)`);
    else {
      out.push(`  largest layer time changes (of ${t.matched} layers timed in both builds), ms:`);
      for (const x of t.largest) out.push(`    ${num(x.baselineMs)} → ${num(x.engineMs)} (${sign(x.deltaMs)}${x.deltaPct !== undefined ? `, ${sign(Number(x.deltaPct.toFixed(1)))}%` : ''})  ${printable(x.name)}`);
    }
  }
  return out;
}

/** The prediction check in words: the count, then each disagreeing node. */
export function formatPrediction(p: PredictionJson, max = 50): string {
  const target = targetLabel({ ...p.target, trt: p.target.trt === '8.x' ? 8 : 10 });
  const lines = [`Prediction vs engine (${printable(path.basename(p.model))}, ${target}):`];
  if (p.compared === 0) lines.push('  no compute node of the model is named in the engine (a names-only layer info, an 8.x engine of an export with other names, or another model)');
  else lines.push(`  ${p.agree} of ${p.compared} compute nodes as predicted${p.disagreements.length ? `, ${p.disagreements.length} differ:` : ''}`);
  for (const d of p.disagreements.slice(0, max)) lines.push(`    ${printable(d.node)} (${printable(d.opType, 40)}): predicted ${d.predicted}, built ${d.actual} in layer ${printable(d.layer)}`);
  if (p.disagreements.length > max) lines.push(`    … ${p.disagreements.length - max} more`);
  lines.push(`  standalone Q/DQ conversions: ${p.predictedReformats} predicted, ${p.actualReformats} in the engine`);
  return lines.join('\n');
}
