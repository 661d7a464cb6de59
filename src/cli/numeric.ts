/**
 * `qdq numeric QDQ_MODEL [--reference FP32_MODEL] [--inputs DIR | --random N] [--json] [--out FILE]`:
 * run the Q/DQ model and its FP32 reference with ONNX Runtime (CPU) on sample inputs and compare
 * every compute layer's output (SQNR dB, cosine, max abs error), most sensitive first, plus the
 * final outputs. Without --reference the reference is the Q/DQ model with every Q/DQ pair removed.
 * A product surface: the JSON shape is `{model, reference, referenceKind, runtime, inputs,
 * layers:[{node, opType, rank, sqnrDb, localSqnrDb, inputSqnrDb, cosine, maxAbs}],
 * outputs:[{name, sqnrDb, cosine, maxAbs}], unmatched, problems, warnings, passes, elapsedMs}`; extend, never rename.
 *
 * Exit codes: 0 compared; 2 unreadable input, bad usage, or ONNX Runtime missing (one line naming
 * the file, or saying how to install it).
 */
import { isOnnxError, openModelFile, type DecodedModel } from '../core/onnx/index';
import {
  isNumericInputError,
  listSampleFiles,
  loadSamples,
  modelInputs,
  randomSamples,
  runNumericCheck,
  type NumericResult,
  type Sample,
} from '../core/numeric/index';
import { deriveReference } from '../core/numeric/reference';
import { OrtNotFoundError, loadOrt, ortRuntime } from '../numeric/ortRuntime';
import { saveSensitivityResult } from '../numeric/saveResult';
import type { CliIo } from './qdq';
import { parseCommandArgs, usageMessage, UsageError } from './usage';

export function numericJson(r: NumericResult): Record<string, unknown> {
  return {
    model: r.model,
    reference: r.reference,
    referenceKind: r.referenceKind,
    runtime: r.runtime,
    inputs: r.inputs,
    layers: r.layers.map((l) => ({
      node: l.node,
      opType: l.opType,
      rank: l.rank,
      sqnrDb: l.sqnrDb,
      localSqnrDb: l.localSqnrDb,
      inputSqnrDb: l.inputSqnrDb,
      cosine: l.cosine,
      maxAbs: l.maxAbs,
    })),
    outputs: r.outputs,
    unmatched: r.unmatched,
    problems: r.problems,
    warnings: r.warnings,
    passes: r.passes,
    elapsedMs: Math.round(r.elapsedMs),
  };
}

const f1 = (v: number): string => v.toFixed(1).padStart(6);

export function formatNumeric(r: NumericResult, top: number): string {
  const lines: string[] = [];
  lines.push(`${r.model} vs ${r.referenceKind === 'derived' ? 'its Q/DQ-free reference' : r.reference} (${r.runtime})`);
  lines.push(`  ${r.inputs.length} sample input${r.inputs.length === 1 ? '' : 's'}: ${r.inputs.slice(0, 3).join(', ')}${r.inputs.length > 3 ? ', …' : ''}`);
  for (const o of r.outputs) lines.push(`  output ${o.name}: SQNR ${o.sqnrDb.toFixed(1)} dB, cosine ${o.cosine.toFixed(5)}, max abs ${o.maxAbs.toPrecision(4)}`);
  lines.push(`  ${r.layers.length} layers compared${r.unmatched.length ? `, ${r.unmatched.length} without a counterpart in the reference` : ''}; most sensitive first (local SQNR = the error the layer adds):`);
  lines.push('  rank  local  SQNR  input  cosine     max abs  node');
  for (const l of r.layers.slice(0, top)) {
    lines.push(`  ${String(l.rank).padStart(4)} ${f1(l.localSqnrDb)}${f1(l.sqnrDb)}${f1(l.inputSqnrDb)}  ${l.cosine.toFixed(5)}  ${l.maxAbs.toPrecision(4).padStart(10)}  ${l.node}`);
  }
  if (r.layers.length > top) lines.push(`  … ${r.layers.length - top} more (--top N, or --json)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const u of r.unmatched.slice(0, 10)) lines.push(`  unmatched: ${u}`);
  if (r.unmatched.length > 10) lines.push(`  … ${r.unmatched.length - 10} more unmatched (--json lists them all)`);
  for (const p of r.problems.slice(0, 10)) lines.push(`  not compared: ${p}`);
  if (r.problems.length > 10) lines.push(`  … ${r.problems.length - 10} more not compared (--json lists them all)`);
  return lines.join('\n');
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${name} must be a positive integer (got '${v}')`);
  return Number(v);
}

export async function runNumeric(args: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandArgs(args, {
      reference: { type: 'string', short: 'r' },
      inputs: { type: 'string' },
      random: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string', short: 'o' },
      top: { type: 'string' },
      'memory-mb': { type: 'string' },
      threads: { type: 'string' },
      ort: { type: 'string' },
    }));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(usageMessage('numeric', e.message));
    return 2;
  }
  const opened: DecodedModel[] = [];
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one QDQ_MODEL' : 'needs a QDQ_MODEL');
    if (values.inputs !== undefined && values.random !== undefined) throw new UsageError('give --inputs DIR or --random N, not both');
    const count = positiveInt(values.random as string | undefined, '--random', 4);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got '${values.seed}')`);
    const top = positiveInt(values.top as string | undefined, '--top', 20);
    const memoryMb = positiveInt(values['memory-mb'] as string | undefined, '--memory-mb', 256);
    const threads = values.threads === undefined ? undefined : positiveInt(values.threads as string, '--threads', 1);

    const file = positionals[0]!;
    const qdq = openModelFile(file);
    opened.push(qdq);
    let reference: DecodedModel;
    if (values.reference) {
      reference = openModelFile(values.reference as string);
    } else {
      reference = openModelFile(file);
      deriveReference(reference);
    }
    opened.push(reference);
    const inputs = modelInputs(qdq.model.graph ?? { input: [], initializer: [] } as never, file);
    const samples: Sample[] = values.inputs !== undefined ? loadSamples(listSampleFiles(values.inputs as string), inputs, file) : randomSamples(inputs, count, seed);

    const loaded = loadOrt([values.ort as string | undefined, process.env.QDQ_ORT_PATH]);
    const result = await runNumericCheck({
      qdq,
      reference,
      referenceKind: values.reference ? 'file' : 'derived',
      samples,
      runtime: ortRuntime(loaded, { threads }),
      memoryBudgetBytes: memoryMb * 1024 * 1024,
    });
    if (values.out) saveSensitivityResult(values.out as string, result, { command: ['qdq', 'numeric', ...args].join(' ') });
    io.out(values.json ? JSON.stringify(numericJson(result), null, 2) : formatNumeric(result, top));
    if (values.out && !values.json) io.out(`wrote ${values.out}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) io.err(usageMessage('numeric', e.message));
    else if (e instanceof OrtNotFoundError) {
      io.err(`qdq numeric: ${e.message}. Install it with \`npm install onnxruntime-node --onnxruntime-node-install=skip\` (CPU) into a folder and pass --ort FOLDER or set QDQ_ORT_PATH=FOLDER`);
    } else if (isOnnxError(e) || isNumericInputError(e)) io.err(`qdq: ${(e as Error).message}`); // names the file, as every command says it
    else if (isEditError(e)) io.err(`qdq numeric: ${(e as Error).message}`);
    else io.err(`qdq numeric: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    return 2;
  } finally {
    for (const d of opened) d.source.close?.();
  }
}

function isEditError(e: unknown): boolean {
  return (e as Error)?.name === 'EditError';
}
