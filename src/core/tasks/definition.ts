/**
 * The `qdq` task type of tasks.json: what a task definition may hold, a strict reader for it
 * (tasks.json is user input: wrong types are a `TaskOptionError` naming the property), and the
 * label shown in the task list.
 *
 *   { "type": "qdq", "task": "quantize", "weights": "runs/yolov9-c-converted.pt", "data": "data/coco.yaml", "gpus": 2 }
 *   { "type": "qdq", "task": "trtexec", "model": "yolov9-c-qat.onnx", "flavour": "qdq" }
 */
import { TaskOptionError, pathOps, type ExportInclude, type PathStyle } from './commandLine';
import { TRTEXEC_FLAVOURS, type TrtexecFlavour } from './trtexec';

export const TASK_TYPE = 'qdq';
export const TASK_KINDS = ['quantize', 'sensitive', 'eval', 'export', 'trtexec'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface QdqTaskDefinition {
  type: typeof TASK_TYPE;
  task: TaskKind;
  /** quantize / sensitive / eval / export: the `.pt` weights. */
  weights?: string;
  data?: string;
  hyp?: string;
  noLastLayer?: boolean;
  batchSize?: number;
  iters?: number;
  imgsz?: number;
  device?: string;
  gpus?: number;
  numImages?: number;
  project?: string;
  name?: string;
  include?: ExportInclude;
  /** trtexec: the `.onnx` model and which build. */
  model?: string;
  flavour?: TrtexecFlavour;
  outputDir?: string;
  batch?: number;
  warmUpMs?: number;
  durationS?: number;
  /** Extra arguments, one string each (never split). */
  args?: string[];
}

const STRING_PROPS = ['weights', 'data', 'hyp', 'device', 'project', 'name', 'model', 'outputDir'] as const;
const NUMBER_PROPS = ['batchSize', 'iters', 'imgsz', 'gpus', 'numImages', 'batch', 'warmUpMs', 'durationS'] as const;

/** Reads a task definition from tasks.json (or one we made). Unknown properties are ignored. */
export function parseTaskDefinition(raw: unknown): QdqTaskDefinition {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TaskOptionError('a qdq task definition must be an object');
  const r = raw as Record<string, unknown>;
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined);
  if (own('type') !== TASK_TYPE) throw new TaskOptionError(`the task type must be "${TASK_TYPE}"`);
  const task = own('task');
  if (typeof task !== 'string' || !(TASK_KINDS as readonly string[]).includes(task)) {
    throw new TaskOptionError(`"task" must be one of ${TASK_KINDS.join(', ')} (got ${JSON.stringify(task)})`);
  }
  const def: QdqTaskDefinition = { type: TASK_TYPE, task: task as TaskKind };
  for (const k of STRING_PROPS) {
    const v = own(k);
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TaskOptionError(`"${k}" must be a string (got ${JSON.stringify(v)})`);
    def[k] = v;
  }
  for (const k of NUMBER_PROPS) {
    const v = own(k);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TaskOptionError(`"${k}" must be a number (got ${JSON.stringify(v)})`);
    def[k] = v;
  }
  const noLast = own('noLastLayer');
  if (noLast !== undefined) {
    if (typeof noLast !== 'boolean') throw new TaskOptionError(`"noLastLayer" must be true or false (got ${JSON.stringify(noLast)})`);
    def.noLastLayer = noLast;
  }
  const include = own('include');
  if (include !== undefined) {
    if (include !== 'onnx' && include !== 'onnx_end2end') throw new TaskOptionError(`"include" must be "onnx" or "onnx_end2end" (got ${JSON.stringify(include)})`);
    def.include = include;
  }
  const flavour = own('flavour');
  if (flavour !== undefined) {
    if (typeof flavour !== 'string' || !(TRTEXEC_FLAVOURS as readonly string[]).includes(flavour)) {
      throw new TaskOptionError(`"flavour" must be one of ${TRTEXEC_FLAVOURS.join(', ')} (got ${JSON.stringify(flavour)})`);
    }
    def.flavour = flavour as TrtexecFlavour;
  }
  const args = own('args');
  if (args !== undefined) {
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new TaskOptionError('"args" must be a list of strings, one argument each');
    def.args = [...(args as string[])];
  }
  if (def.task === 'trtexec') {
    if (!def.model) throw new TaskOptionError('a trtexec task needs "model" (the .onnx file)');
  } else if (!def.weights) {
    throw new TaskOptionError(`a ${def.task} task needs "weights" (the .pt file)`);
  }
  return def;
}

/**
 * `$(name)` in user text (a file name) escaped as `\$(name)`, so VS Code's label renderer shows it
 * literally instead of as an icon (its own `escapeIcons` rule: already escaped ones stay).
 */
export function escapeCodicons(text: string): string {
  return text.replace(/(\\)?\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/g, (match, escaped: string | undefined) => (escaped ? match : `\\${match}`));
}

/**
 * The name shown in the task list: `trtexec qdq: yolov9-c-qat.onnx`, `quantize: yolov9-c.pt`. The
 * file name is user text, so icon syntax in it is escaped.
 */
export function taskLabel(def: QdqTaskDefinition, style: PathStyle = 'posix'): string {
  const p = pathOps(style);
  const file = (f: string | undefined) => escapeCodicons(p.basename(f ?? ''));
  if (def.task === 'trtexec') return `trtexec ${def.flavour ?? 'qdq'}: ${file(def.model)}`;
  if (def.task === 'export') return `export ${def.include ?? 'onnx'}: ${file(def.weights)}`;
  return `${def.task}: ${file(def.weights)}`;
}
