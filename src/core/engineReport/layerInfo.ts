/**
 * Reader for `trtexec --exportLayerInfo` JSON: `{ "Layers": [...], "Bindings": [...] }`.
 *
 * Both shapes: detailed layer objects (built with `--profilingVerbosity=detailed`) and plain
 * layer-name strings (built without it). Both generations: TensorRT 8.x (long format strings, no
 * `Metadata`) and 10.x (`Metadata` mapping layers back to ONNX node names, `StreamId`, Myelin
 * `gemm`/`kgen` layers with short data types). See docs/tensorrt-qdq-rules.md §5.2.
 *
 * Structural failures (not JSON, no `Layers` array) throw EngineReportError; odd values inside a
 * layer are skipped and listed in `problems`.
 */
import { EngineReportError, ProblemList, type ReadProblem } from './errors';
import { finite, isRecord, kindOf, parseJsonText } from './json';
import { parseTensorFormat, type Precision } from './precision';

export interface EngineTensor {
  name: string;
  /** `Device` / `Host`; absent on 10.x Myelin layers. */
  location?: string;
  dimensions?: number[];
  /** The `Format/Datatype` string as written. */
  format?: string;
  precision: Precision;
  /** NCHW, NC/32HW32, NHWC8, … when the format string names a layout. */
  layout?: string;
}

export interface WeightsInfo {
  /** `Int8`, `Half`, `Float`, … as written. */
  type: string;
  count: number;
}

export interface EngineLayer {
  /** Position in the file (0-based). */
  index: number;
  name: string;
  /** `LayerType` (implementation kind: CaskConvolution, Reformat, gemm, …); absent for name-only files. */
  layerType?: string;
  /** `ParameterType` (logical kind: Convolution, Pooling, Reformat, …). */
  parameterType?: string;
  inputs: EngineTensor[];
  outputs: EngineTensor[];
  /** `Origin` of Reformat layers: `QDQ` or `REFORMAT`. */
  origin?: string;
  tacticName?: string;
  tacticValue?: string;
  /** `Metadata` as written (10.x). */
  metadata?: string;
  /** ONNX node names from `Metadata` (`[ONNX Layer: name]` entries), in order, without repeats. */
  onnxNodes: string[];
  weights?: WeightsInfo;
  bias?: WeightsInfo;
  /** Optimization profile the layer belongs to (name suffix ` [profile n]`); 0 when absent. */
  profile: number;
  /** Every other field as written, for a properties view. */
  attributes: Record<string, unknown>;
}

export type LayerInfoStyle = '8.x' | '10.x';

export interface LayerInfo {
  file: string;
  /** True when the layers are objects (`--profilingVerbosity=detailed`), false for plain names. */
  detailed: boolean;
  /**
   * Which TensorRT generation the fields look like: `10.x` when any layer has `Metadata`,
   * `StreamId`, a lower-case Myelin `LayerType` or a short data type name; else `8.x`. A guess
   * from the fields, not a version (8.6 already writes `Metadata`).
   */
  style: LayerInfoStyle;
  layers: EngineLayer[];
  /** `Bindings` (I/O tensor names), when present. */
  bindings?: string[];
  /** Number of optimization profiles seen (1 unless names carry ` [profile n]`). */
  profiles: number;
  problems: ReadProblem[];
}

const KNOWN_KEYS = new Set([
  'Name',
  'LayerType',
  'ParameterType',
  'Inputs',
  'Outputs',
  'Origin',
  'TacticName',
  'TacticValue',
  'Metadata',
  'Weights',
  'Bias',
]);

const PROFILE_SUFFIX = / \[profile (\d{1,4})\]$/;

export function parseLayerInfo(text: string, file = '<layer info>'): LayerInfo {
  return layerInfoFromJson(parseJsonText(text, file, 'trtexec --exportLayerInfo JSON'), file);
}

export function layerInfoFromJson(json: unknown, file = '<layer info>'): LayerInfo {
  if (!isRecord(json)) {
    const hint = Array.isArray(json) && isRecord(json[0]) && 'count' in json[0] ? ' (this looks like an --exportProfile file)' : '';
    throw new EngineReportError({ file, problem: `expected an object with a "Layers" array, found ${kindOf(json)}${hint}` });
  }
  const rawLayers = json['Layers'];
  if (!Array.isArray(rawLayers)) {
    const hint = 'performance_summary' in json ? ' (this looks like a TREx profile.metadata.json file)' : '';
    throw new EngineReportError({
      file,
      path: 'Layers',
      problem: rawLayers === undefined ? `no "Layers" array${hint}` : `"Layers" is ${kindOf(rawLayers)}, expected an array`,
    });
  }
  const problems = new ProblemList();
  const layers: EngineLayer[] = [];
  let objects = 0;
  let tenStyle = false;
  const profiles = new Set<number>([0]);
  for (let i = 0; i < rawLayers.length; i++) {
    const raw: unknown = rawLayers[i];
    const where = `Layers[${i}]`;
    let layer: EngineLayer;
    if (typeof raw === 'string') {
      layer = { index: layers.length, name: raw, inputs: [], outputs: [], onnxNodes: [], profile: 0, attributes: {} };
    } else if (isRecord(raw)) {
      objects++;
      layer = readLayer(raw, layers.length, where, problems);
      if (!tenStyle && looksTen(raw, layer)) tenStyle = true;
    } else {
      problems.add(where, `expected a layer object or name, found ${kindOf(raw)}; skipped`);
      continue;
    }
    const m = PROFILE_SUFFIX.exec(layer.name);
    if (m) {
      layer.profile = Number(m[1]);
      profiles.add(layer.profile);
    }
    layers.push(layer);
  }
  const info: LayerInfo = { file, detailed: objects > 0, style: tenStyle ? '10.x' : '8.x', layers, profiles: profiles.size, problems: [] };
  const rawBindings = json['Bindings'];
  if (Array.isArray(rawBindings)) {
    info.bindings = [];
    rawBindings.forEach((b: unknown, i) => {
      if (typeof b === 'string') info.bindings!.push(b);
      else problems.add(`Bindings[${i}]`, `expected a tensor name, found ${kindOf(b)}; skipped`);
    });
  } else if (rawBindings !== undefined) {
    problems.add('Bindings', `expected an array of names, found ${kindOf(rawBindings)}; ignored`);
  }
  if (objects > 0 && objects < layers.length) problems.add('Layers', `${layers.length - objects} of ${layers.length} layers are plain names among detailed objects`);
  info.problems = problems.done();
  return info;
}

function looksTen(raw: Record<string, unknown>, layer: EngineLayer): boolean {
  if ('Metadata' in raw || 'StreamId' in raw) return true;
  if (layer.layerType && /^[a-z]/.test(layer.layerType)) return true; // Myelin: gemm, kgen, shape_call, …
  return [...layer.inputs, ...layer.outputs].some((t) => t.format !== undefined && !/\s/.test(t.format.trim()) && t.precision !== 'UNKNOWN');
}

function str(raw: Record<string, unknown>, key: string, where: string, problems: ProblemList): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  problems.add(`${where}.${key}`, `expected a string, found ${kindOf(v)}; ignored`);
  return undefined;
}

function readLayer(raw: Record<string, unknown>, index: number, where: string, problems: ProblemList): EngineLayer {
  let name = str(raw, 'Name', where, problems);
  if (name === undefined) {
    if (!('Name' in raw)) problems.add(`${where}.Name`, 'layer has no name');
    name = `(unnamed layer ${index})`;
  }
  const layer: EngineLayer = {
    index,
    name,
    inputs: readTensors(raw['Inputs'], `${where}.Inputs`, problems),
    outputs: readTensors(raw['Outputs'], `${where}.Outputs`, problems),
    onnxNodes: [],
    profile: 0,
    attributes: Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN_KEYS.has(k))),
  };
  const layerType = str(raw, 'LayerType', where, problems);
  if (layerType !== undefined) layer.layerType = layerType;
  const parameterType = str(raw, 'ParameterType', where, problems);
  if (parameterType !== undefined) layer.parameterType = parameterType;
  const origin = str(raw, 'Origin', where, problems);
  if (origin !== undefined) layer.origin = origin;
  const tacticName = str(raw, 'TacticName', where, problems);
  if (tacticName !== undefined) layer.tacticName = tacticName;
  const tv = raw['TacticValue'];
  if (typeof tv === 'string') layer.tacticValue = tv;
  else if (finite(tv) !== undefined) layer.tacticValue = String(tv);
  else if (tv !== undefined) problems.add(`${where}.TacticValue`, `expected a string or number, found ${kindOf(tv)}; ignored`);
  const metadata = str(raw, 'Metadata', where, problems);
  if (metadata !== undefined) {
    layer.metadata = metadata;
    layer.onnxNodes = parseLayerMetadata(metadata).onnxNodes;
  }
  const weights = readWeights(raw['Weights'], `${where}.Weights`, problems);
  if (weights) layer.weights = weights;
  const bias = readWeights(raw['Bias'], `${where}.Bias`, problems);
  if (bias) layer.bias = bias;
  return layer;
}

function readTensors(v: unknown, where: string, problems: ProblemList): EngineTensor[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    problems.add(where, `expected an array of tensors, found ${kindOf(v)}; ignored`);
    return [];
  }
  const out: EngineTensor[] = [];
  v.forEach((t: unknown, i) => {
    const w = `${where}[${i}]`;
    if (!isRecord(t)) {
      problems.add(w, `expected a tensor object, found ${kindOf(t)}; skipped`);
      return;
    }
    const name = typeof t['Name'] === 'string' ? t['Name'] : undefined;
    if (name === undefined) problems.add(`${w}.Name`, 'tensor has no name');
    const tensor: EngineTensor = { name: name ?? `(unnamed tensor ${i})`, precision: 'UNKNOWN' };
    if (typeof t['Location'] === 'string') tensor.location = t['Location'];
    const dims = t['Dimensions'];
    if (Array.isArray(dims) && dims.every((d) => finite(d) !== undefined)) tensor.dimensions = dims as number[];
    else if (dims !== undefined) problems.add(`${w}.Dimensions`, 'expected an array of finite numbers; ignored');
    const format = t['Format/Datatype'];
    if (typeof format === 'string') {
      tensor.format = format;
      const f = parseTensorFormat(format);
      tensor.precision = f.precision;
      if (f.layout) tensor.layout = f.layout;
    } else if (format !== undefined) {
      problems.add(`${w}.Format/Datatype`, `expected a string, found ${kindOf(format)}; ignored`);
    }
    out.push(tensor);
  });
  return out;
}

function readWeights(v: unknown, where: string, problems: ProblemList): WeightsInfo | undefined {
  if (v === undefined) return undefined;
  if (isRecord(v) && typeof v['Type'] === 'string') {
    const count = finite(v['Count']);
    if (count !== undefined && count >= 0 && Number.isInteger(count)) return { type: v['Type'], count };
  }
  problems.add(where, 'expected {"Type": string, "Count": non-negative integer}; ignored');
  return undefined;
}

export interface LayerMetadata {
  /** ONNX node names (`[ONNX Layer: name]`), in order, without repeats. */
  onnxNodes: string[];
  /** Other non-empty entries, as written. */
  other: string[];
}

const ONNX_ENTRY = /^\[ONNX Layer: (.*)\]$/s;

/**
 * Split a 10.x `Metadata` string: entries are separated by U+001E (nodes of one fused layer) or
 * U+001F (nodes inside a Myelin kernel); each ONNX entry reads `[ONNX Layer: name]`.
 */
export function parseLayerMetadata(metadata: string): LayerMetadata {
  const onnxNodes: string[] = [];
  const seen = new Set<string>();
  const other: string[] = [];
  // eslint-disable-next-line no-control-regex -- TensorRT separates Metadata entries with U+001E / U+001F
  for (const entry of metadata.split(/[\u001e\u001f]/)) {
    const e = entry.trim();
    if (!e) continue;
    // Some writers join entries without a separator: `[ONNX Layer: a][ONNX Layer: b]`.
    for (const part of e.split(/(?<=\])(?=\[ONNX Layer: )/)) {
      const m = ONNX_ENTRY.exec(part);
      if (!m) {
        other.push(part);
        continue;
      }
      const name = m[1]!;
      if (name && !seen.has(name)) {
        seen.add(name);
        onnxNodes.push(name);
      }
    }
  }
  return { onnxNodes, other };
}

/**
 * Candidate source names in an engine layer name (8.x has no `Metadata`): the ` + `-joined parts of
 * a fused layer, `PWN(...)` unwrapped, `{ForeignNode[first...last]}` as its two ends. TensorRT's
 * own inserted layers (`Reformatting CopyNode …`, `(Unnamed Layer* N) …`) give nothing.
 */
export function layerNameParts(name: string): string[] {
  const base = name.replace(PROFILE_SUFFIX, '');
  if (/^Reformatting CopyNode /.test(base)) return [];
  const out: string[] = [];
  const add = (s: string) => {
    const t = s.trim();
    if (t && !t.startsWith('(Unnamed Layer*') && !out.includes(t)) out.push(t);
  };
  for (const part of splitTopLevel(base)) {
    const foreign = /^\{ForeignNode\[(.*)\]\}$/s.exec(part);
    if (foreign) {
      for (const end of foreign[1]!.split('...')) add(end);
      continue;
    }
    if (part.startsWith('PWN(')) {
      for (const p of part.replace(/\bPWN\(/g, ' ').replace(/[()]/g, ' ').split(/[\s,]+/)) add(p);
    } else {
      add(part);
    }
  }
  return out;
}

/** Split on ` + ` outside parentheses/brackets/braces. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0 && c === '+' && s[i - 1] === ' ' && s[i + 1] === ' ') {
      parts.push(s.slice(start, i - 1));
      start = i + 2;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
