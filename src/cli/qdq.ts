/**
 * `qdq`: the command line of QDQ Studio, sharing the core with the extension.
 * A product surface: commands and JSON shapes are stable; extend, never rename.
 *
 * Exit codes: 0 success; 1 findings / the checked property failed; 2 unreadable input or bad usage.
 */
import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { detachedDataFiles, isOnnxError, openModelFile, saveModelFile } from '../core/onnx/index';
import { buildGraphIndex, summarizeModel, type ModelSummary } from '../core/graph/index';
import { analyzeModel, formatText, toLintJson, toSarif, UnknownRuleError } from '../core/analysis/index';
import { formatBytes } from '../protocol/format';
import { ENGINE_USAGE, runEngine } from './engine';
import { cmdSensitivity, SENSITIVITY_USAGE } from './sensitivity';
import { NUMERIC_USAGE, runNumeric } from './numeric';
import { analysisTarget } from './target';
import { cmdEdit, EDIT_USAGE, replacedLinkLine } from './edit';

const VERSION = '0.1.0';

const USAGE = `qdq ${VERSION}: QDQ Studio command line

Usage:
  qdq info MODEL [--json]        Summarise an ONNX model (opsets, nodes, op types, Q/DQ, inputs, outputs)
  qdq save MODEL -o OUT          Decode and re-encode with no edit (lossless round-trip check)
  qdq lint MODEL [--format text|json|sarif] [--trt 8|10] [--precision int8|fp8] [--rules R16,R22]
               [--strongly-typed] [--refit]
                                 Predict how TensorRT builds the Q/DQ model (precision per layer, fusions,
                                 conversion layers) and check it against rules R1-R31 (docs/rules/).
                                 Exit 1 when a finding has severity error. SARIF help links point at
                                 $QDQ_RULES_DOC_BASE (e.g. your fork's docs/rules/ URL) when set, else
                                 at the rule pages installed next to qdq (file: URLs).
${SENSITIVITY_USAGE}
${NUMERIC_USAGE}
${EDIT_USAGE}
  ${ENGINE_USAGE}
                                 Summarise a TensorRT engine from trtexec's --exportLayerInfo (and
                                 --exportProfile, console log): precision per layer, reformats, timing;
                                 --compare diffs two builds (the other's profile and log: the files
                                 beside it, or --compare-profile/--compare-log); --model checks the
                                 analysis's prediction for the model against the engine, and with
                                 --fail-on-mismatch exits 1 when they disagree. Exit 2 on unreadable input.
  qdq --help | --version

Exit codes: 0 success, 1 the checked property failed, 2 unreadable input or bad usage.`;

class UsageError extends Error {}
/** The input cannot be analysed: exit 2 with one line naming the file. */
class InputError extends Error {}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

function shape(s: (number | string | null)[] | null): string {
  return s === null ? '?' : `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file} (${formatBytes(s.fileSize)})`);
  lines.push(`  IR version ${s.irVersion}; opsets ${s.opsetImports.map((o) => `${o.domain} ${o.version}`).join(', ') || 'none'}`);
  if (s.producerName || s.producerVersion) lines.push(`  producer ${[s.producerName, s.producerVersion].filter(Boolean).join(' ')}`);
  const sparse = s.sparseInitializerCount ? ` + ${s.sparseInitializerCount} sparse` : '';
  lines.push(`  ${s.nodeCount} nodes, ${s.initializerCount} initializers${sparse} (${formatBytes(s.initializerBytes)})`);
  for (const f of s.externalData) {
    const size = f.fileBytes === null ? '' : `${formatBytes(f.fileBytes)}, `;
    const state = f.problem ? ` ${f.problem.toUpperCase()}: ${f.message}` : '';
    lines.push(`  external data: ${f.location} (${size}${f.tensors} tensor${f.tensors === 1 ? '' : 's'})${state}`);
  }
  lines.push(`  Q/DQ: ${s.qdq.quantizeLinear} QuantizeLinear, ${s.qdq.dequantizeLinear} DequantizeLinear`);
  for (const i of s.inputs) lines.push(`  input  ${i.name}: ${i.dtype} ${shape(i.shape)}`);
  for (const o of s.outputs) lines.push(`  output ${o.name}: ${o.dtype} ${shape(o.shape)}`);
  const ops = Object.entries(s.opTypeCounts);
  lines.push(`  op types (${ops.length}): ${ops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.functionCount || s.subgraphCount) lines.push(`  ${s.functionCount} functions, ${s.subgraphCount} subgraphs`);
  if (s.unknownFieldCount) lines.push(`  ${s.unknownFieldCount} fields unknown to this version (kept on save)`);
  for (const p of s.problems) lines.push(`  problem (${p.kind}): ${p.message}`);
  return lines.join('\n');
}

function cmdInfo(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('qdq info takes exactly one MODEL');
  const file = positionals[0]!;
  const decoded = openModelFile(file);
  try {
    const summary = summarizeModel(decoded);
    io.out(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return 0;
  } finally {
    decoded.source.close?.();
  }
}

function cmdSave(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args, options: { output: { type: 'string', short: 'o' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !values.output) throw new UsageError('usage: qdq save MODEL -o OUT');
  const file = positionals[0]!;
  const decoded = openModelFile(file);
  try {
    if (path.resolve(values.output) === path.resolve(file)) {
      // Allowed (atomic rename keeps the open source readable), but say so.
      io.err(`qdq save: rewriting ${file} in place`);
    }
    // Data files are never copied: say which ones the saved model cannot use from where it is
    // written (looked at before the save; saving over a linked model file replaces the link).
    const detached = detachedDataFiles(decoded.model, file, values.output);
    const { bytesWritten, replacedLink } = saveModelFile(decoded, values.output);
    io.out(`wrote ${values.output} (${bytesWritten} bytes)`);
    if (replacedLink !== undefined) io.err(replacedLinkLine('qdq save', values.output, replacedLink));
    for (const f of detached) {
      const what =
        f.problem === 'missing' ? `which is not beside it: copy ${f.from} to ${f.to}`
        : f.problem === 'short' ? `which is cut short there: copy ${f.from} over ${f.to}`
        : `which is a link leading out of its folder there: replace the link ${f.to} with a copy of ${f.from}`;
      io.err(`qdq save: ${values.output} reads its external data from '${f.location}', ${what}`);
    }
    return 0;
  } finally {
    decoded.source.close?.();
  }
}

function cmdLint(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string', default: 'text' },
      trt: { type: 'string', default: '10' },
      precision: { type: 'string', default: 'int8' },
      rules: { type: 'string' },
      'strongly-typed': { type: 'boolean', default: false },
      refit: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('qdq lint takes exactly one MODEL');
  const format = values.format!;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  const target = analysisTarget(values, (m) => new UsageError(m));
  const rules = values.rules === undefined ? undefined : values.rules.split(',').map((r) => r.trim()).filter(Boolean);
  if (rules && rules.length === 0) throw new UsageError('--rules needs at least one rule id (e.g. R16,R22)');
  const file = positionals[0]!;
  const decoded = openModelFile(file);
  try {
    if (!decoded.model.graph) throw new InputError(`${file}: the model has no graph`);
    const index = buildGraphIndex(decoded.model.graph);
    let report;
    try {
      report = analyzeModel(decoded, index, { ...target, rules });
    } catch (e) {
      if (e instanceof UnknownRuleError) throw new UsageError(e.message);
      throw e;
    }
    if (format === 'json') io.out(JSON.stringify(toLintJson(file, report), null, 2));
    else if (format === 'sarif') io.out(JSON.stringify(toSarif(file, report, { version: VERSION, rulesBase: rulesDocBase() }), null, 2));
    else io.out(formatText(file, report));
    return report.summary.errors > 0 ? 1 : 0;
  } finally {
    decoded.source.close?.();
  }
}

/** Exit code for an error escaping a command: usage errors print the usage, input errors one line. */
function failure(e: unknown, io: CliIo): number {
  if (e instanceof UsageError || (e as NodeJS.ErrnoException)?.code?.startsWith?.('ERR_PARSE_ARGS')) {
    io.err(`qdq: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (isOnnxError(e) || e instanceof InputError) {
    io.err(`qdq: ${(e as Error).message}`);
    return 2;
  }
  io.err(`qdq: internal error: ${(e as Error)?.stack ?? String(e)}`);
  return 2;
}

/**
 * Runs one command. Synchronous commands return the exit code; the ones that read files
 * asynchronously (`engine`) return a promise of it, which never rejects.
 */
/**
 * Where SARIF help links point: `$QDQ_RULES_DOC_BASE` when set, else the rule pages shipped with
 * qdq (docs/rules/ beside dist/), else none. No public address is invented.
 */
function rulesDocBase(): string | undefined {
  const env = process.env.QDQ_RULES_DOC_BASE;
  if (env) return env;
  const local = path.resolve(__dirname, '..', 'docs', 'rules');
  return fs.existsSync(path.join(local, 'R1.md')) ? `${pathToFileURL(local).href}/` : undefined;
}

export function main(argv: string[], io: CliIo = stdio): number | Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        io.out(VERSION);
        return 0;
      case 'info':
        return cmdInfo(rest, io);
      case 'save':
        return cmdSave(rest, io);
      case 'lint':
        return cmdLint(rest, io);
      case 'sensitivity':
        return cmdSensitivity(rest, io);
      case 'edit':
        return cmdEdit(rest, io);
      case 'engine':
        return runEngine(rest, io).catch((e: unknown) => failure(e, io));
      case 'numeric':
        return runNumeric(rest, io).catch((e: unknown) => failure(e, io));
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    return failure(e, io);
  }
}

if (require.main === module) {
  // The reader went away (`qdq lint m.onnx | head`): stop quietly, as other command-line tools do,
  // instead of dying on an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  void Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
