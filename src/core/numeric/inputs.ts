/**
 * Sample inputs: what each model input looks like, seeded random tensors, and sample files
 * (`.npy`, or `.jpg`/`.jpeg`/`.png` images letterboxed the YOLO way).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Graph } from '../onnx/index';
import { fileErrorReason } from '../util/fileErrors';
import { NumericInputError } from './errors';
import { loadImageSample } from './images';
import { parseNpy } from './npy';
import type { FloatTensor } from './runtime';

export interface ModelInput {
  readonly name: string;
  /** Concrete dims (symbolic ones resolved, see `modelInputs`): what random samples are made with. */
  readonly dims: readonly number[];
  /**
   * The shape as the model declares it: a number for a fixed axis, the symbol (`batch`, `height`, or
   * `?` when unnamed) for an axis the model leaves open. A sample file may give any size there.
   * Absent: every axis is fixed (`dims`).
   */
  readonly declared?: readonly (number | string)[];
}

export interface Sample {
  /** A file path, or `random #i (seed s)`. */
  readonly label: string;
  readonly feeds: Readonly<Record<string, FloatTensor>>;
}

export const SAMPLE_EXTENSIONS = ['.npy', '.jpg', '.jpeg', '.png'];
/** Sample files larger than this are refused (a 4K float64 image is ~200 MB). */
const MAX_SAMPLE_BYTES = 512 * 1024 * 1024;

/**
 * The model's real inputs (initializers excluded) with concrete shapes. A symbolic or missing
 * dimension becomes 1 on axis 0 (batch) and `imageSize` on axes 2 and 3 of a 4-D input (NCHW
 * images); anywhere else it is an error. `declared` keeps which axes are open: sample files may
 * set them (a 320×320 `.npy` for a `[batch, 3, height, width]` input). Only float32 inputs are
 * supported.
 */
export function modelInputs(graph: Graph, file: string, imageSize = 640): ModelInput[] {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const out: ModelInput[] = [];
  for (const v of graph.input) {
    if (inits.has(v.name)) continue;
    const tt = v.type?.tensorType;
    if (!tt) throw new NumericInputError(file, `input '${v.name}' is not a tensor`);
    if (tt.elemType !== 1) throw new NumericInputError(file, `input '${v.name}' has element type ${tt.elemType}; only float32 inputs are supported`);
    const dimsIn = tt.shape?.dim;
    if (!dimsIn) throw new NumericInputError(file, `input '${v.name}' has no shape`);
    const rank = dimsIn.length;
    const declared = dimsIn.map((d): number | string => {
      const v0 = d.dimValue === undefined ? undefined : Number(d.dimValue);
      return v0 !== undefined && v0 > 0 ? v0 : d.dimParam || '?';
    });
    const dims = declared.map((d, axis) => {
      if (typeof d === 'number') return d;
      if (axis === 0) return 1;
      if (rank === 4 && axis >= 2) return imageSize;
      throw new NumericInputError(file, `input '${v.name}' has a symbolic dimension on axis ${axis} ('${d}'); give sample files of the right shape`);
    });
    out.push({ name: v.name, dims, ...(declared.some((d) => typeof d === 'string') ? { declared } : {}) });
  }
  if (!out.length) throw new NumericInputError(file, 'the model has no inputs');
  return out;
}

/** `(1, 3, 640, 640)`, or `(batch, 3, height, width)` for open axes. */
function shapeText(inp: ModelInput): string {
  return `(${(inp.declared ?? inp.dims).join(', ')})`;
}

/**
 * The feed shape of an array of `shape` for `inp`, or undefined when it does not fit: each fixed
 * axis must match and each open axis be at least 1; a missing leading batch axis (fixed 1, or open)
 * is taken as 1.
 */
function fitShape(shape: readonly number[], inp: ModelInput): number[] | undefined {
  const declared = inp.declared ?? inp.dims;
  const full = shape.length === declared.length - 1 && (declared[0] === 1 || typeof declared[0] === 'string') ? [1, ...shape] : [...shape];
  if (full.length !== declared.length) return undefined;
  return full.every((d, i) => (typeof declared[i] === 'number' ? d === declared[i] : d >= 1)) ? full : undefined;
}

/** xorshift32: small, seeded, the same on every platform. */
function rng(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** `count` samples of uniform [0, 1) values (the range YOLO's normalised images have), seeded. */
export function randomSamples(inputs: readonly ModelInput[], count: number, seed = 1): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const next = rng(seed * 7919 + i * 104729 + 1);
    const feeds: Record<string, FloatTensor> = {};
    for (const inp of inputs) {
      const n = inp.dims.reduce((a, d) => a * d, 1);
      const data = new Float32Array(n);
      for (let k = 0; k < n; k++) data[k] = next();
      feeds[inp.name] = { dims: inp.dims, data };
    }
    samples.push({ label: `random #${i} (seed ${seed})`, feeds });
  }
  return samples;
}

/** Sample files of a folder (sorted by name): `.npy`, `.jpg`, `.jpeg`, `.png`. */
export function listSampleFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new NumericInputError(dir, `cannot read: ${fileErrorReason(e)}`);
  }
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && SAMPLE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(dir, e.name))
    .sort();
  if (!files.length) throw new NumericInputError(dir, `no sample files (${SAMPLE_EXTENSIONS.join(', ')}) in the inputs folder`);
  return files;
}

function readSampleFile(file: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new NumericInputError(file, 'not a regular file');
    if (st.size > MAX_SAMPLE_BYTES) throw new NumericInputError(file, `too large for a sample input (${st.size} bytes)`);
    return fs.readFileSync(file);
  } catch (e) {
    if (e instanceof NumericInputError) throw e;
    throw new NumericInputError(file, `cannot read: ${fileErrorReason(e)}`);
  }
}

/**
 * One sample per file, for a single-input model. `.npy`: its shape must fit the input's (fixed axes
 * equal, open axes any size; the batch axis may be left out), and the sample keeps it. Images:
 * letterboxed to the input's H×W (`imageSize` of `modelInputs` when those axes are open), RGB, /255,
 * NCHW.
 */
export function loadSamples(files: readonly string[], inputs: readonly ModelInput[], modelFile: string): Sample[] {
  if (inputs.length !== 1) {
    throw new NumericInputError(modelFile, `sample files work with single-input models; this one has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')})`);
  }
  const inp = inputs[0]!;
  return files.map((file) => {
    const bytes = readSampleFile(file);
    const ext = path.extname(file).toLowerCase();
    let data: Float32Array;
    let dims: readonly number[] = inp.dims;
    if (ext === '.npy') {
      const arr = parseNpy(bytes, file);
      const fit = fitShape(arr.shape, inp);
      if (!fit) throw new NumericInputError(file, `shape (${arr.shape.join(', ')}) does not fit input '${inp.name}' of shape ${shapeText(inp)}`);
      dims = fit;
      data = arr.data;
    } else {
      if (inp.dims.length !== 4 || inp.dims[1] !== 3) {
        throw new NumericInputError(file, `images need a 1x3xHxW input; '${inp.name}' is ${shapeText(inp)}`);
      }
      data = loadImageSample(bytes, file, inp.dims[2]!, inp.dims[3]!);
    }
    return { label: file, feeds: { [inp.name]: { dims, data } } };
  });
}
