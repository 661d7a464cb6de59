/**
 * What `qdq` says about how to call it, in one form for every command (docs/cli.md, "Messages"):
 *
 * - `qdq CMD --help` (or `-h`, or `qdq help CMD`): that command's usage and description on stdout, exit 0;
 * - bad usage: one line on stderr, `qdq CMD: <problem> (usage: <its one-line usage>; run 'qdq CMD
 *   --help' for more)`, exit 2;
 * - Node's parseArgs errors reworded into that problem (`unknown option '--top'`, `--profile needs
 *   a value`), never its own sentences.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const VERSION = '0.1.0';

/** Bad usage of a command (exit 2): the message is the problem only, without the command's name. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The input cannot be used: exit 2 with one line naming the file (`qdq: FILE: …`). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Each command: its one-line usage (said with a usage error) and its help (its block of `qdq --help`). */
export const COMMANDS: Readonly<Record<string, { line: string; help: string }>> = {
  info: {
    line: 'qdq info MODEL [--json]',
    help:
      '  qdq info MODEL [--json]        Summarise an ONNX model (opsets, nodes, op types, Q/DQ, external data,\n' +
      '                                 inputs, outputs, graph problems)',
  },
  save: {
    line: 'qdq save MODEL -o OUT',
    help:
      '  qdq save MODEL -o OUT          Decode and re-encode with no edit (lossless round-trip check); says which\n' +
      '                                 external data files to copy when OUT is written elsewhere',
  },
  lint: {
    line: 'qdq lint MODEL [--format text|json|sarif] [--trt 8|10] [--precision int8|fp8] [--rules R16,R22] [--strongly-typed] [--refit]',
    help:
      '  qdq lint MODEL [--format text|json|sarif] [--trt 8|10] [--precision int8|fp8] [--rules R16,R22]\n' +
      '               [--strongly-typed] [--refit]\n' +
      '                                 Predict how TensorRT builds the Q/DQ model (precision per layer, fusions,\n' +
      '                                 conversion layers) and check it against rules R1-R31 (docs/rules/) and\n' +
      '                                 the graph itself (G1: a cycle, a dangling input, duplicate names).\n' +
      '                                 --trt takes the major version or a full one (8, 8.6.1, 10, 10.3).\n' +
      '                                 Exit 1 when a finding has severity error; 2 when the model or its external\n' +
      '                                 data cannot be read (what could be checked is still printed). SARIF help\n' +
      '                                 links point at $QDQ_RULES_DOC_BASE (e.g. your fork\'s docs/rules/ URL)\n' +
      '                                 when set, else at the rule pages installed next to qdq (file: URLs).',
  },
  sensitivity: {
    line: 'qdq sensitivity RESULT --model MODEL [--json] [--metric NAME] [--yaml MODEL_YAML]',
    help:
      '  qdq sensitivity RESULT --model MODEL [--json] [--metric NAME] [--yaml MODEL_YAML]\n' +
      '                                 Rank a sensitivity result (yolov9-qat JSON or log, .qdq-sensitivity.json), map it to ONNX nodes',
  },
  numeric: {
    line: 'qdq numeric QDQ_MODEL [--reference FP32_MODEL] [--inputs DIR | --random N] [--json] [--out FILE]',
    help:
      '  qdq numeric QDQ_MODEL [--reference FP32_MODEL] [--inputs DIR | --random N] [--seed S] [--json]\n' +
      '              [--out RESULT.qdq-sensitivity.json] [--top K] [--memory-mb MB] [--threads N] [--ort DIR]\n' +
      '                                 Run the Q/DQ model and its FP32 reference (default: the model with its\n' +
      '                                 Q/DQ pairs removed) in ONNX Runtime on sample inputs (.npy/.jpg/.png in\n' +
      '                                 DIR, or N seeded random tensors, default 4); per-layer SQNR, cosine,\n' +
      '                                 max abs error, most sensitive first. ONNX Runtime: onnxruntime-node from\n' +
      '                                 --ort DIR, $QDQ_ORT_PATH, or node_modules.',
  },
  edit: {
    line: 'qdq edit MODEL -o OUT [--disable-quant T]... [--enable-quant T]... [--unify-scales NODE]... [--fix RULES|all] [--plan P] [--export-plan P] [--json]',
    help:
      '  qdq edit MODEL -o OUT [--disable-quant NODE|LABEL|PREFIX|MODULE]... [--enable-quant NODE[:SCALE]]...\n' +
      '           [--unify-scales NODE[:max|min|VALUE]]... [--remove-qdq TENSOR]... [--insert-qdq TENSOR:SCALE]...\n' +
      '           [--fix RULES|all [--trt 8|10] [--precision int8|fp8] [--strongly-typed] [--refit]]\n' +
      '           [--float-reference] [--plan PLAN.json] [--export-plan PLAN.json] [--json]\n' +
      '                                 Edit Q/DQ placement (keep layers in higher precision, re-quantize, unify\n' +
      '                                 scales around a Concat, remove/insert pairs, apply every quick fix of\n' +
      '                                 the lint findings of RULES (R22,R26) or all, strip all Q/DQ) and save\n' +
      '                                 losslessly; --export-plan writes the edits as a plan (docs/plan-format.md)\n' +
      '                                 with ModelOpt nodes_to_exclude and YOLO module names. Exit 1: refused;\n' +
      '                                 2: the model or its external data cannot be read (nothing written).',
  },
  engine: {
    line: 'qdq engine LAYER_JSON [--profile PROFILE_JSON] [--log CONSOLE_LOG] [--compare OTHER_LAYER_JSON [--compare-profile PROFILE_JSON] [--compare-log CONSOLE_LOG]] [--model MODEL [--trt 8|10] [--precision int8|fp8] [--strongly-typed] [--fail-on-mismatch]] [--json]',
    help:
      '  qdq engine LAYER_JSON [--profile PROFILE_JSON] [--log CONSOLE_LOG] [--compare OTHER_LAYER_JSON\n' +
      '             [--compare-profile PROFILE_JSON] [--compare-log CONSOLE_LOG]] [--model MODEL [--trt 8|10]\n' +
      '             [--precision int8|fp8] [--strongly-typed] [--fail-on-mismatch]] [--json]\n' +
      '                                 Summarise a TensorRT engine from trtexec\'s --exportLayerInfo (and\n' +
      '                                 --exportProfile, console log): precision per layer, reformats, timing;\n' +
      '                                 --compare diffs two builds (the other\'s profile and log: the files\n' +
      '                                 beside it, or --compare-profile/--compare-log); --model checks the\n' +
      '                                 analysis\'s prediction for the model against the engine, and with\n' +
      '                                 --fail-on-mismatch exits 1 when they disagree. Exit 2 on unreadable input.',
  },
};

/** Whether `name` is a command (an own key: not `constructor` or `__proto__`). */
export function isCommand(name: string | undefined): name is string {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

const EXIT_CODES = 'Exit codes: 0 success, 1 the checked property failed, 2 unreadable input or bad usage.';

export const USAGE = `qdq ${VERSION}: QDQ Studio command line

Usage:
${Object.values(COMMANDS).map((c) => c.help).join('\n')}
  qdq CMD --help | qdq --help | qdq --version

${EXIT_CODES}`;

/** `qdq CMD --help`: the command's usage block and the exit codes. */
export function commandHelp(command: string): string {
  return `Usage:\n${COMMANDS[command]!.help}\n\n${EXIT_CODES}`;
}

/** The stderr line of a usage error of `command` (of `qdq` itself for an unknown command). */
export function usageMessage(command: string | undefined, problem: string): string {
  const c = isCommand(command) ? COMMANDS[command] : undefined;
  if (!c) return `qdq: ${problem} (usage: qdq ${Object.keys(COMMANDS).join('|')} …; run 'qdq --help' for more)`;
  return `qdq ${command}: ${problem} (usage: ${c.line}; run 'qdq ${command} --help' for more)`;
}

/**
 * Whether the arguments ask for help: `--help` or `-h` before a `--` (after it, a file could have
 * that name).
 */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Whether `e` is an error of Node's parseArgs (an unknown option, a missing value, …). */
export function isParseArgsError(e: unknown): boolean {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}

/** Node's parseArgs message as one short problem in our words (its own has several sentences and an unbalanced quote). */
export function parseArgsProblem(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  // `-o, --output <value>`: name the long form.
  const option = /(--[\w-]+)/.exec(quoted)?.[1] ?? quoted.split(/[ ,]/)[0]!;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${quoted}'`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${quoted}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(e.message)) return `${option} takes no value`;
    if (/ambiguous/.test(e.message)) return `${option} needs a value (one starting with '-' is given as ${option}=-VALUE)`;
    return `${option} needs a value`;
  }
  return e.message.split(/\.\s|\n/)[0]!;
}

/** Node's parseArgs, strict, with positionals; its errors become UsageErrors in our words. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    if (isParseArgsError(e)) throw new UsageError(parseArgsProblem(e as Error));
    throw e;
  }
}
