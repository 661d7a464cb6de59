/**
 * trtexec command lines for the three builds the QAT loop compares, with the flags TensorRT needs
 * for each (docs: tensorrt-qdq-rules.md R12 and §5.1), always exporting layer info and profile to
 * known paths so the engine report can read them back.
 *
 *   fp16 — FP16 baseline of a model without Q/DQ: `--fp16`.
 *   ptq  — implicit-INT8 PTQ baseline of a model without Q/DQ: `--int8 --fp16` (no calibration
 *          cache: the scales are placeholders, the engine is for speed comparison only).
 *   qdq  — explicit Q/DQ build: `--int8 --fp16`; on 10.x and later `--stronglyTyped` when the analysis is set to it.
 */
import { decodeVersionTag } from '../engineReport/index';
import { TaskOptionError, pathOps, type CommandLine, type PathStyle } from './commandLine';

export type TrtexecFlavour = 'fp16' | 'ptq' | 'qdq';
export const TRTEXEC_FLAVOURS: readonly TrtexecFlavour[] = ['fp16', 'ptq', 'qdq'];

export const FLAVOUR_LABELS: Readonly<Record<TrtexecFlavour, string>> = {
  fp16: 'FP16 baseline',
  ptq: 'implicit-INT8 PTQ baseline',
  qdq: 'explicit Q/DQ (QAT) build',
};

/** The files one build writes (all in one folder per model, named by flavour). */
export interface TrtexecOutputs {
  dir: string;
  engine: string;
  layerInfo: string;
  profile: string;
  /** The console log, written by the task as it runs. */
  log: string;
}

export interface BenchmarkOptions {
  useCudaGraph?: boolean;
  noDataTransfers?: boolean;
  /** `--warmUp`, ms (default 500). */
  warmUpMs?: number;
  /** `--duration`, s (default 10). */
  durationS?: number;
}

/** A model input as the model summary lists it: numbers for fixed dims, names or null for dynamic ones. */
export interface ModelInput {
  name: string;
  shape: Array<number | string | null> | null;
}

export interface TrtexecOptions {
  trtexec: string;
  model: string;
  flavour: TrtexecFlavour;
  /** TensorRT major version (8, 10, …): picks the Q/DQ flags. */
  trtMajor: number;
  /**
   * 10.x+ Q/DQ build: `--stronglyTyped` (the engine follows the ONNX types; float layers of an FP32
   * export stay FP32) instead of `--int8 --fp16` (float layers may run FP16). The extension passes
   * `qdqStudio.analysis.stronglyTyped`, so the build is the one the analysis predicts. Default false.
   */
  stronglyTyped?: boolean;
  /** Whether the model has Q/DQ nodes, when known: a flavour that does not fit is refused. */
  hasQdq?: boolean;
  /** Default: `<model folder>/<model stem>.trtexec`. */
  outputDir?: string;
  benchmark?: BenchmarkOptions;
  /** Inputs of the model; dynamic ones get `--shapes` from `batch` and `imgsz`. */
  inputs?: ModelInput[];
  batch?: number;
  imgsz?: number;
  /** The default options of the settings, then the task's own, appended last (they win in trtexec). */
  extraArgs?: string[];
  pathStyle?: PathStyle;
}

export interface TrtexecPlan {
  commandLine: CommandLine;
  outputs: TrtexecOutputs;
  /** Things the user should know about this build (shown in the terminal before it runs). */
  notes: string[];
}

/** Output paths of one build. */
export function trtexecOutputs(model: string, flavour: TrtexecFlavour, outputDir?: string, style: PathStyle = 'posix'): TrtexecOutputs {
  const p = pathOps(style);
  const dir = outputDir && outputDir !== '' ? outputDir : p.join(p.dirname(model), `${p.stem(model)}.trtexec`);
  return {
    dir,
    engine: p.join(dir, `${flavour}.engine`),
    layerInfo: p.join(dir, `${flavour}.layer.json`),
    profile: p.join(dir, `${flavour}.profile.json`),
    log: p.join(dir, `${flavour}.log`),
  };
}

/** The sub-folder of an output folder that keeps earlier builds (src/engineView/sources.ts `HISTORY_DIR`). */
const BUILD_HISTORY_DIR = 'history';

/** Layer-info names: `.layer.json` (ours, yolov9-qat's), `.layerinfo.json`, `.layers.json`, TREx's `.graph.json`. */
const LAYER_INFO_SUFFIX = /\.(?:layer|layerinfo|layers|graph)\.json$/i;

/**
 * The model a build's layer info belongs to.
 *
 * - QDQ Studio's builds, the inverse of `trtexecOutputs` with the default folder:
 *   `dir/model.trtexec/<flavour>.layer.json` (and an earlier build kept in
 *   `dir/model.trtexec/history/`) → `dir/model.onnx`, whether or not the model is still there.
 * - A layer info saved beside its model, as yolov9-qat's scripts and TREx name them:
 *   `dir/model.engine.layer.json`, `dir/model.layer.json`, `dir/model.onnx.engine.graph.json`
 *   (`.plan` / `.trt` for `.engine`, `.layerinfo.json` / `.layers.json` too) → `dir/model.onnx`,
 *   only when `exists` says that model is there (so `qdq.layer.json` in any folder is no `qdq.onnx`).
 *   Without `exists`, only the first form is recognised.
 *
 * Undefined elsewhere.
 */
export function modelOfEngineOutput(layerInfoPath: string, exists?: (path: string) => boolean): string | undefined {
  const cut = (p: string) => {
    const slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
    return { dir: slash < 0 ? '' : p.slice(0, slash), prefix: p.slice(0, slash + 1), name: p.slice(slash + 1) };
  };
  const { dir, prefix, name } = cut(layerInfoPath);
  const own = /^(.*)\.trtexec$/.exec(dir);
  if (own) return `${own[1]}.onnx`;
  const up = cut(dir);
  const kept = up.name === BUILD_HISTORY_DIR ? /^(.*)\.trtexec$/.exec(up.dir) : null;
  if (kept) return `${kept[1]}.onnx`;
  if (!exists || !LAYER_INFO_SUFFIX.test(name)) return undefined;
  const stem = name
    .replace(LAYER_INFO_SUFFIX, '')
    .replace(/\.(?:engine|plan|trt)$/i, '')
    .replace(/\.onnx$/i, '');
  if (stem === '') return undefined;
  const model = `${prefix}${stem}.onnx`;
  return exists(model) ? model : undefined;
}

/** Why `flavour` does not fit a model with (or without) Q/DQ; undefined when it does. */
export function flavourProblem(flavour: TrtexecFlavour, hasQdq: boolean): string | undefined {
  if (flavour === 'qdq' && !hasQdq) return 'the explicit Q/DQ build needs a model with QuantizeLinear/DequantizeLinear nodes; this model has none (build the FP16 or PTQ baseline instead)';
  if (flavour !== 'qdq' && hasQdq) return `the ${FLAVOUR_LABELS[flavour]} is built from the model without Q/DQ; this model has Q/DQ nodes (build it as an explicit Q/DQ engine, or pick the float export)`;
  return undefined;
}

/** The builds that fit a model: the Q/DQ build for a QAT export, the two baselines for a float one. */
export function flavoursFor(hasQdq: boolean): TrtexecFlavour[] {
  return hasQdq ? ['qdq'] : ['fp16', 'ptq'];
}

/**
 * Precision flags of a build. A Q/DQ build is `--int8 --fp16` (the product's loop, yolov9-qat's
 * TensorRT 10 script, TREx), or `--stronglyTyped` on 10.x+ when asked for (R12 recommends it there).
 */
export function precisionFlags(flavour: TrtexecFlavour, trtMajor: number, stronglyTyped = false): string[] {
  switch (flavour) {
    case 'fp16':
      return ['--fp16'];
    case 'ptq':
      return ['--int8', '--fp16'];
    case 'qdq':
      return trtMajor >= 10 && stronglyTyped ? ['--stronglyTyped'] : ['--int8', '--fp16'];
  }
}

function dimFor(d: number | string | null, axis: number, batch: number, imgsz: number): number {
  if (typeof d === 'number' && d > 0) return d;
  if (axis === 0) return batch;
  if (axis >= 2) return imgsz;
  return 3; // a dynamic channel count: images
}

/**
 * `--shapes` for the dynamic inputs (`images:1x3x640x640`); undefined when every input is static.
 * The batch axis takes `batch`, spatial axes take `imgsz`.
 */
export function shapesArg(inputs: ModelInput[], batch = 1, imgsz = 640): string | undefined {
  const parts: string[] = [];
  for (const input of inputs) {
    if (!input.shape) continue;
    const dynamic = input.shape.some((d) => !(typeof d === 'number' && d > 0));
    if (!dynamic) continue;
    parts.push(`${input.name}:${input.shape.map((d, i) => dimFor(d, i, batch, imgsz)).join('x')}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

function positive(name: string, v: number | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < (integer ? 1 : 0) || (integer && !Number.isInteger(v))) {
    throw new TaskOptionError(`${name} must be ${integer ? 'a whole number of at least 1' : 'a number of at least 0'} (got ${String(v)})`);
  }
  return v;
}

/** The trtexec command line of one build. */
export function trtexecCommand(o: TrtexecOptions): TrtexecPlan {
  if (!o.trtexec) throw new TaskOptionError('the trtexec executable is required');
  if (!o.model) throw new TaskOptionError('the model is required');
  if (!TRTEXEC_FLAVOURS.includes(o.flavour)) throw new TaskOptionError(`flavour must be one of ${TRTEXEC_FLAVOURS.join(', ')} (got ${String(o.flavour)})`);
  if (!Number.isInteger(o.trtMajor) || o.trtMajor < 7) throw new TaskOptionError(`TensorRT major version must be 7 or later (got ${String(o.trtMajor)})`);
  if (o.hasQdq !== undefined) {
    const problem = flavourProblem(o.flavour, o.hasQdq);
    if (problem) throw new TaskOptionError(problem);
  }
  const outputs = trtexecOutputs(o.model, o.flavour, o.outputDir, o.pathStyle);
  const b = o.benchmark ?? {};
  const warmUp = positive('warm-up', b.warmUpMs, false) ?? 500;
  const duration = positive('duration', b.durationS, false) ?? 10;
  const batch = positive('batch', o.batch, true) ?? 1;
  const imgsz = positive('image size', o.imgsz, true) ?? 640;
  const notes: string[] = [];

  const args = [`--onnx=${o.model}`, ...precisionFlags(o.flavour, o.trtMajor, o.stronglyTyped), `--saveEngine=${outputs.engine}`];
  const shapes = o.inputs ? shapesArg(o.inputs, batch, imgsz) : undefined;
  if (shapes) args.push(`--shapes=${shapes}`);
  if (b.useCudaGraph ?? true) args.push('--useCudaGraph');
  if (b.noDataTransfers ?? true) args.push('--noDataTransfers');
  args.push(`--warmUp=${warmUp}`, `--duration=${duration}`);
  // Up to 10.x, with layer profiling on trtexec prints no performance summary unless the profile
  // comes from a separate run; from 11.0 that is always so and the flag is deprecated.
  if (o.trtMajor < 11) args.push('--separateProfileRun');
  args.push('--profilingVerbosity=detailed', `--exportLayerInfo=${outputs.layerInfo}`, `--exportProfile=${outputs.profile}`);
  args.push(...(o.extraArgs ?? []));

  if (o.flavour === 'ptq') {
    notes.push('Implicit INT8 without a calibration cache: TensorRT uses placeholder scales, so this engine is a speed baseline only, not an accuracy one.');
    if (o.trtMajor >= 10) notes.push('Implicit (calibration-based) INT8 is deprecated in TensorRT 10.x.');
  }
  if (o.flavour === 'qdq') {
    notes.push(
      o.trtMajor >= 10 && o.stronglyTyped
        ? `TensorRT ${o.trtMajor}.x: Q/DQ model built --stronglyTyped (qdqStudio.analysis.stronglyTyped), the engine follows the ONNX types: float layers stay FP32 (R12).`
        : `TensorRT ${o.trtMajor}.x: Q/DQ model built with --int8 --fp16 so unquantized layers may run in FP16 (R12${o.trtMajor >= 10 ? '; qdqStudio.analysis.stronglyTyped builds --stronglyTyped instead' : ''}).`,
    );
  }
  return { commandLine: { command: o.trtexec, args }, outputs, notes };
}

// ---- version detection -------------------------------------------------------------------------

export interface TrtVersion {
  /** `8.6.1`, `10.16.1`. */
  version: string;
  major: number;
}

function fromDotted(v: string): TrtVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (!Number.isSafeInteger(major) || major < 1 || major > 99) return undefined;
  return { version: m[0], major };
}

/**
 * The TensorRT version in trtexec's output (`trtexec --help` prints the `&&&& RUNNING
 * TensorRT.trtexec [TensorRT v8601] …` frame first; a full run also prints `TensorRT version:`).
 * Undefined when the text names no version.
 */
export function parseTrtexecVersion(output: string): TrtVersion | undefined {
  const text = output.length > 1 << 20 ? output.slice(0, 1 << 20) : output;
  const tag = /\[TensorRT (v\d{4,7})\]/.exec(text);
  if (tag) {
    const v = decodeVersionTag(tag[1]!);
    const parsed = v ? fromDotted(v) : undefined;
    if (parsed) return parsed;
  }
  const line = /TensorRT version:\s*(\d+\.\d+(?:\.\d+)?)/.exec(text) ?? /\bTensorRT v?(\d+\.\d+(?:\.\d+)?)/.exec(text);
  if (line) return fromDotted(line[1]!);
  return undefined;
}

/** A `trtexec.version` setting (`auto`, `8`, `10`, `8.6`…): the major it forces, or undefined for auto. */
export function versionSettingMajor(setting: string | undefined): number | undefined {
  if (setting === undefined) return undefined;
  const s = setting.trim();
  if (s === '' || s === 'auto') return undefined;
  const m = /^(\d+)(?:\.\d+){0,2}$/.exec(s);
  if (!m) throw new TaskOptionError(`the TensorRT version setting must be "auto" or a version such as 8, 10 or 8.6.1 (got "${setting}")`);
  return Number(m[1]);
}
