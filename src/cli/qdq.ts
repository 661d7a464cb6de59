/**
 * `qdq`: the command line of QDQ Studio, sharing the core with the extension.
 * A product surface: commands and JSON shapes are stable; extend, never rename.
 *
 * Exit codes: 0 success; 1 findings / the checked property failed; 2 unreadable input or bad usage.
 */
import * as path from 'node:path';
import { detachedDataFiles, isOnnxError, openModelFile, saveModelFile } from '../core/onnx/index';
import { summarizeModel, type ModelSummary } from '../core/graph/index';
import { formatBytes } from '../protocol/format';
import { runEngine } from './engine';
import { whileSaving } from './stopSignals';
import { cmdSensitivity } from './sensitivity';
import { runNumeric } from './numeric';
import { cmdEdit } from './edit';
import { cmdLint } from './lint';
import { detachedDataLines, replacedLinkLine } from './saveNotes';
import { terminalSafe } from './terminalText';
import { commandHelp, InputError, isCommand, isParseArgsError, parseArgsProblem, parseCommandArgs, USAGE, usageMessage, UsageError, VERSION, wantsHelp } from './usage';

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
  if (s.mergedFieldCount) {
    const which = Object.entries(s.mergedFields).map(([k, v]) => `${k} ${v}`).join(', ');
    const n = s.mergedFieldCount;
    lines.push(`  ${n} later occurrence${n === 1 ? '' : 's'} of single fields, merged into the first as protobuf reads them (kept on save unless edited): ${which}`);
  }
  for (const p of s.problems) lines.push(`  problem (${p.kind}): ${p.message}`);
  return lines.join('\n');
}

function cmdInfo(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean', default: false } });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one MODEL' : 'needs a MODEL');
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

async function cmdSave(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { output: { type: 'string', short: 'o' } });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one MODEL' : 'needs a MODEL');
  if (!values.output) throw new UsageError('needs -o OUT');
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
    const { bytesWritten, replacedLink } = await whileSaving(() => saveModelFile(decoded, values.output!));
    io.out(`wrote ${values.output} (${bytesWritten} bytes)`);
    if (replacedLink !== undefined) io.err(replacedLinkLine('qdq save', values.output, replacedLink));
    for (const line of detachedDataLines('qdq save', values.output, detached)) io.err(line);
    return 0;
  } finally {
    decoded.source.close?.();
  }
}

/**
 * Exit code for an error escaping `command`: bad usage is said with the command's one-line usage,
 * unreadable input in one line naming the file.
 */
function failure(e: unknown, io: CliIo, command?: string): number {
  if (e instanceof UsageError || isParseArgsError(e)) {
    io.err(usageMessage(command, e instanceof UsageError ? e.message : parseArgsProblem(e as Error)));
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
 * asynchronously (`engine`, `numeric`) return a promise of it, which never rejects. Everything it
 * prints is made inert for a terminal first (`terminalSafe`: the model names what is printed).
 */
export function main(argv: string[], given: CliIo = stdio): number | Promise<number> {
  const io: CliIo = { out: (t) => given.out(terminalSafe(t)), err: (t) => given.err(terminalSafe(t)) };
  const [command, ...rest] = argv;
  try {
    if (isCommand(command) && wantsHelp(rest)) {
      io.out(commandHelp(command));
      return 0;
    }
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      case 'help': {
        const about = rest[0];
        if (about === undefined) {
          io.out(USAGE);
          return 0;
        }
        if (!isCommand(about)) throw new UsageError(`unknown command '${about}'`);
        io.out(commandHelp(about));
        return 0;
      }
      case '--version':
      case '-v':
        io.out(VERSION);
        return 0;
      case 'info':
        return cmdInfo(rest, io);
      case 'save':
        return cmdSave(rest, io).catch((e: unknown) => failure(e, io, command));
      case 'lint':
        return cmdLint(rest, io);
      case 'sensitivity':
        return cmdSensitivity(rest, io);
      case 'edit':
        return cmdEdit(rest, io).catch((e: unknown) => failure(e, io, command));
      case 'engine':
        return runEngine(rest, io).catch((e: unknown) => failure(e, io, command));
      case 'numeric':
        return runNumeric(rest, io).catch((e: unknown) => failure(e, io, command));
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    return failure(e, io, isCommand(command) ? command : undefined);
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
