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
  /** Concrete dims (symbolic ones resolved, see `modelInputs`). */
  readonly dims: readonly number[];
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
 * images); anywhere else it is an error. Only float32 inputs are supported.
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
    const dims = dimsIn.map((d, axis) => {
      const v0 = d.dimValue === undefined ? undefined : Number(d.dimValue);
      if (v0 !== undefined && v0 > 0) return v0;
      if (axis === 0) return 1;
      if (rank === 4 && axis >= 2) return imageSize;
      throw new NumericInputError(file, `input '${v.name}' has a symbolic dimension on axis ${axis} ('${d.dimParam ?? '?'}'); give sample files of the right shape`);
    });
    out.push({ name: v.name, dims });
  }
  if (!out.length) throw new NumericInputError(file, 'the model has no inputs');
  return out;
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
 * One sample per file, for a single-input model. `.npy`: its shape must equal the input's, or lack
 * only the batch axis of size 1. Images: letterboxed to the input's H×W, RGB, /255, NCHW.
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
    if (ext === '.npy') {
      const arr = parseNpy(bytes, file);
      const want = inp.dims;
      const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
      if (!same(arr.shape, want) && !(want[0] === 1 && same(arr.shape, want.slice(1)))) {
        throw new NumericInputError(file, `shape (${arr.shape.join(', ')}) does not fit input '${inp.name}' of shape (${want.join(', ')})`);
      }
      data = arr.data;
    } else {
      if (inp.dims.length !== 4 || inp.dims[1] !== 3) {
        throw new NumericInputError(file, `images need a 1x3xHxW input; '${inp.name}' is (${inp.dims.join(', ')})`);
      }
      data = loadImageSample(bytes, file, inp.dims[2]!, inp.dims[3]!);
    }
    return { label: file, feeds: { [inp.name]: { dims: inp.dims, data } } };
  });
}
