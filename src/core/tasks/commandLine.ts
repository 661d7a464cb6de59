/**
 * Command lines of the QAT loop, built as argument lists: a program and its arguments, each one
 * string that reaches the program exactly as written. Nothing here is ever joined into a shell
 * string; `displayCommandLine` exists only to show the user what runs (POSIX-quoted for copy and
 * paste), never to run it.
 *
 * Pure: paths are joined with POSIX or Windows rules chosen by the caller (`PathStyle`), so the
 * same code builds command lines for a remote Linux host from any client.
 */

/** What runs: the program, its arguments, and where. */
export interface CommandLine {
  command: string;
  args: string[];
  /** Working folder; the yolov9-qat checkout for the Python steps (its scripts import from it). */
  cwd?: string;
  /** Extra environment variables (added to the inherited environment). */
  env?: Record<string, string>;
}

export type PathStyle = 'posix' | 'win32';

/** Minimal path helpers (no `node:path`: the core stays usable anywhere). */
export function pathOps(style: PathStyle = 'posix') {
  const sep = style === 'win32' ? '\\' : '/';
  const isSep = (c: string) => c === '/' || (style === 'win32' && c === '\\');
  const trimEnd = (p: string) => {
    let end = p.length;
    while (end > 1 && isSep(p[end - 1]!)) end--;
    return p.slice(0, end);
  };
  const lastSep = (p: string) => Math.max(p.lastIndexOf('/'), style === 'win32' ? p.lastIndexOf('\\') : -1);
  return {
    sep,
    join(...parts: string[]): string {
      const kept = parts.filter((p) => p !== '');
      const pieces = kept.map((p, i) => (i === 0 ? trimEnd(p) : p.replace(style === 'win32' ? /^[\\/]+|[\\/]+$/g : /^\/+|\/+$/g, '')));
      const head = pieces[0] ?? '';
      // A root (`/`, `C:\`) already ends with the separator.
      return head !== '' && isSep(head[head.length - 1]!) ? head + pieces.slice(1).join(sep) : pieces.join(sep);
    },
    dirname(p: string): string {
      const t = trimEnd(p);
      const i = lastSep(t);
      if (i < 0) return '.';
      if (i === 0) return t[0]!;
      return t.slice(0, i);
    },
    basename(p: string): string {
      const t = trimEnd(p);
      return t.slice(lastSep(t) + 1);
    },
    /** The file name without its last extension (`yolov9-c.qat.onnx` → `yolov9-c.qat`). */
    stem(p: string): string {
      const b = trimEnd(p).slice(lastSep(trimEnd(p)) + 1);
      const dot = b.lastIndexOf('.');
      return dot > 0 ? b.slice(0, dot) : b;
    },
  };
}

// ---- yolov9-qat ------------------------------------------------------------------------------

/** Where yolov9-qat's scripts live and which Python runs them. */
export interface QatEnvironment {
  python: string;
  /** The yolov9(-qat) checkout holding `qat.py` and `export_qat.py`; the working folder. */
  checkout: string;
  pathStyle?: PathStyle;
}

export interface DistributedOptions {
  /** More than 1: run through `python -m torch.distributed.run --nproc_per_node N` (torchrun). */
  gpus?: number;
}

export interface QuantizeOptions extends DistributedOptions {
  weights: string;
  data?: string;
  hyp?: string;
  /** Keep the detection head in higher precision (yolov9-qat `--no-last-layer`). */
  noLastLayer?: boolean;
  batchSize?: number;
  /** Iterations per epoch (`--iters`). */
  iters?: number;
  imgsz?: number;
  /** `cuda:0`, `0,1`, `cpu`… passed as is. */
  device?: string;
  /** Results go to `<project>/<name>` (with `--exist-ok`, so the folder is known in advance). */
  project?: string;
  name?: string;
  extraArgs?: string[];
}

export interface SensitiveOptions extends DistributedOptions {
  weights: string;
  data?: string;
  hyp?: string;
  batchSize?: number;
  imgsz?: number;
  device?: string;
  numImages?: number;
  project?: string;
  name?: string;
  extraArgs?: string[];
}

export interface EvalOptions extends DistributedOptions {
  weights: string;
  data?: string;
  batchSize?: number;
  imgsz?: number;
  device?: string;
  confThres?: number;
  iouThres?: number;
  project?: string;
  name?: string;
  extraArgs?: string[];
}

export type ExportInclude = 'onnx' | 'onnx_end2end';

export interface ExportOptions {
  weights: string;
  include?: ExportInclude;
  dynamic?: boolean;
  simplify?: boolean;
  imgsz?: number;
  device?: string;
  extraArgs?: string[];
}

/** A bad option value: the message says which and why (shown to the user as is). */
export class TaskOptionError extends Error {
  override readonly name = 'TaskOptionError';
}

function positiveInt(name: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new TaskOptionError(`${name} must be a whole number of at least 1 (got ${String(v)})`);
  return String(v);
}

function finiteNumber(name: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) throw new TaskOptionError(`${name} must be a number (got ${String(v)})`);
  return String(v);
}

function nonEmpty(name: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new TaskOptionError(`${name} is required`);
  return v;
}

/** `--flag value` when the value is given (two arguments: the value is never glued with `=`). */
function opt(args: string[], flag: string, value: string | undefined): void {
  if (value !== undefined && value !== '') args.push(flag, value);
}

function pythonScript(env: QatEnvironment, script: string, scriptArgs: string[], gpus: number | undefined): CommandLine {
  const p = pathOps(env.pathStyle);
  const scriptPath = p.join(nonEmpty('the yolov9-qat checkout', env.checkout), script);
  const n = positiveInt('GPUs', gpus);
  const args =
    n !== undefined && gpus! > 1
      ? ['-m', 'torch.distributed.run', '--nproc_per_node', n, scriptPath, ...scriptArgs]
      : [scriptPath, ...scriptArgs];
  // Unbuffered, so output shows as it comes; no 3.11+ `~~^^` range lines under traceback source
  // lines, so a traceback's last frame, its source line and the exception are consecutive lines
  // (what the `$qdq-python` matcher needs, for anyone who attaches it; our own summary line does not depend on it).
  return { command: nonEmpty('the Python interpreter', env.python), args, cwd: env.checkout, env: { PYTHONUNBUFFERED: '1', PYTHONNODEBUGRANGES: '1' } };
}

function common(args: string[], o: { data?: string; hyp?: string; batchSize?: number; imgsz?: number; device?: string }): void {
  opt(args, '--data', o.data);
  opt(args, '--hyp', o.hyp);
  opt(args, '--batch-size', positiveInt('batch size', o.batchSize));
  opt(args, '--imgsz', positiveInt('image size', o.imgsz));
  opt(args, '--device', o.device);
}

function output(args: string[], o: { project?: string; name?: string }): void {
  opt(args, '--project', o.project);
  opt(args, '--name', o.name);
  if (o.project !== undefined || o.name !== undefined) args.push('--exist-ok');
}

/** `qat.py quantize`: calibrate (PTQ), then fine-tune (QAT); writes `report.json` and weights. */
export function quantizeCommand(env: QatEnvironment, o: QuantizeOptions): CommandLine {
  const args = ['quantize', '--weights', nonEmpty('weights', o.weights)];
  common(args, o);
  opt(args, '--iters', positiveInt('iterations', o.iters));
  if (o.noLastLayer) args.push('--no-last-layer');
  output(args, o);
  args.push(...(o.extraArgs ?? []));
  return pythonScript(env, 'qat.py', args, o.gpus);
}

/** `qat.py sensitive`: one evaluation per layer; writes `summary-sensitive-analysis.json`. */
export function sensitiveCommand(env: QatEnvironment, o: SensitiveOptions): CommandLine {
  const args = ['sensitive', '--weights', nonEmpty('weights', o.weights)];
  common(args, o);
  opt(args, '--num-image', positiveInt('number of images', o.numImages));
  output(args, o);
  args.push(...(o.extraArgs ?? []));
  return pythonScript(env, 'qat.py', args, o.gpus);
}

/** `qat.py eval`: AP, AP50, precision and recall of a quantized model. */
export function evalCommand(env: QatEnvironment, o: EvalOptions): CommandLine {
  const args = ['eval', '--weights', nonEmpty('weights', o.weights)];
  common(args, o);
  opt(args, '--conf-thres', finiteNumber('confidence threshold', o.confThres));
  opt(args, '--iou-thres', finiteNumber('IoU threshold', o.iouThres));
  output(args, o);
  args.push(...(o.extraArgs ?? []));
  return pythonScript(env, 'qat.py', args, o.gpus);
}

/** `export_qat.py --include onnx|onnx_end2end`: the fake quantizers become Q/DQ pairs. */
export function exportCommand(env: QatEnvironment, o: ExportOptions): CommandLine {
  const include = o.include ?? 'onnx';
  if (include !== 'onnx' && include !== 'onnx_end2end') throw new TaskOptionError(`include must be onnx or onnx_end2end (got ${String(include)})`);
  const args = ['--weights', nonEmpty('weights', o.weights), '--include', include];
  if (o.dynamic ?? true) args.push('--dynamic');
  if (o.simplify ?? true) args.push('--simplify');
  opt(args, '--imgsz', positiveInt('image size', o.imgsz));
  opt(args, '--device', o.device);
  args.push(...(o.extraArgs ?? []));
  return pythonScript(env, 'export_qat.py', args, undefined);
}

/** The ONNX file `export_qat.py` writes next to the weights. */
export function exportedOnnxPath(weights: string, include: ExportInclude = 'onnx', style: PathStyle = 'posix'): string {
  const p = pathOps(style);
  const stem = p.stem(weights);
  return p.join(p.dirname(weights), include === 'onnx_end2end' ? `${stem}-end2end.onnx` : `${stem}.onnx`);
}

/** Where `qat.py quantize --project P --name N --exist-ok` writes its results. */
export function quantizeOutputs(project: string, name: string, style: PathStyle = 'posix') {
  const p = pathOps(style);
  const dir = p.join(project, name);
  return { dir, report: p.join(dir, 'report.json'), weightsDir: p.join(dir, 'weights'), bestWeights: (weights: string) => p.join(dir, 'weights', `qat_best_${p.basename(weights)}`) };
}

// ---- display -----------------------------------------------------------------------------------

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument quoted for a POSIX shell (display and copy/paste only). */
export function posixQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as a POSIX shell would need it; for showing, never for running. */
export function displayCommandLine(cl: Pick<CommandLine, 'command' | 'args'>): string {
  return [cl.command, ...cl.args].map(posixQuote).join(' ');
}
