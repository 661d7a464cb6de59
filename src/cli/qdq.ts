/**
 * `qdq`: the command line of QDQ Studio, sharing the core with the extension.
 * A product surface: commands and JSON shapes are stable; extend, never rename.
 *
 * Exit codes: 0 success; 1 findings / the checked property failed; 2 unreadable input or bad usage.
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { isOnnxError, openModelFile, saveModelFile } from '../core/onnx/index';
import { summarizeModel, type ModelSummary } from '../core/graph/index';
import { formatBytes } from '../core/util/format';

const VERSION = '0.1.0';

const USAGE = `qdq ${VERSION}: QDQ Studio command line

Usage:
  qdq info MODEL [--json]        Summarise an ONNX model (opsets, nodes, op types, Q/DQ, inputs, outputs)
  qdq save MODEL -o OUT          Decode and re-encode with no edit (lossless round-trip check)
  qdq --help | --version

Exit codes: 0 success, 1 the checked property failed, 2 unreadable input or bad usage.`;

class UsageError extends Error {}

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
  lines.push(`  ${s.nodeCount} nodes, ${s.initializerCount} initializers (${formatBytes(s.initializerBytes)})`);
  if (s.externalDataFiles.length) lines.push(`  external data: ${s.externalDataFiles.join(', ')}`);
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
    const { bytesWritten } = saveModelFile(decoded, values.output);
    io.out(`wrote ${values.output} (${bytesWritten} bytes)`);
    return 0;
  } finally {
    decoded.source.close?.();
  }
}

export function main(argv: string[], io: CliIo = stdio): number {
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
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException)?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      io.err(`qdq: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (isOnnxError(e)) {
      io.err(`qdq: ${(e as Error).message}`);
      return 2;
    }
    io.err(`qdq: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
