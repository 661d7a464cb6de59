/**
 * Where a model's external data files stand, told without reading them: for each file, how many
 * tensors it holds, whether it is there (its links resolved and checked, and its size asked once,
 * through the FileReader) and whether it is long enough for every tensor that points into it. A
 * user who copied the .onnx without its data file, or a cut-short one, learns so when the model
 * opens instead of when some tensor is first read; reading a tensor still reports its own problem
 * (externalData.ts).
 */
import { TensorDataError } from './errors';
import * as path from 'node:path';
import { type FileReader, locateDataFile, nodeFileReader, refusedLocation, resolveExternalData } from './externalData';
import { DataLocation, type Graph, type ModelProto, type Node, type SparseTensor, type Tensor } from './model';
import { tensorByteLength } from './tensorData';

export interface ExternalDataFileStatus {
  /** `location` as written in the model. */
  location: string;
  /** Absolute path it resolves to (before links); null when the location is refused. */
  path: string | null;
  /** Tensors stored in it, anywhere in the model (initializers, subgraphs, functions, attributes). */
  tensors: number;
  /** The furthest byte any of them needs (offset + length); null when a length cannot be told. */
  bytesNeeded: number | null;
  /** Size on disk; null when the file cannot be used (see `problem`). */
  fileBytes: number | null;
  /**
   * null when fine; `missing`; `short` (smaller than bytesNeeded); `refused`: a location outside the
   * model's folder, or a symbolic link leading out of it.
   */
  problem: 'missing' | 'short' | 'refused' | null;
  /** The problem in words, naming the model file; null when fine. */
  message: string | null;
}

/** Every tensor of the model: graph initializers (sparse ones' values and indices too) and attribute tensors, in every graph and function. */
function eachTensor(model: ModelProto, visit: (t: Tensor) => void): void {
  const sparse = (s: SparseTensor | undefined) => {
    if (s?.values) visit(s.values);
    if (s?.indices) visit(s.indices);
  };
  const nodes = (list: readonly Node[]) => {
    for (const n of list) {
      for (const a of n.attribute) {
        if (a.t) visit(a.t);
        a.tensors.forEach(visit);
        sparse(a.sparseTensor);
        a.sparseTensors.forEach(sparse);
        if (a.g) graph(a.g);
        a.graphs.forEach(graph);
      }
    }
  };
  const graph = (g: Graph) => {
    g.initializer.forEach(visit);
    g.sparseInitializer.forEach(sparse);
    nodes(g.node);
  };
  if (model.graph) graph(model.graph);
  for (const f of model.functions) nodes(f.node);
}

/** The state of each external data file the model names, in the order first named. No data is read. */
export function externalDataStatus(model: ModelProto, modelFile: string, reader: FileReader = nodeFileReader): ExternalDataFileStatus[] {
  const files = new Map<string, { status: ExternalDataFileStatus }>();
  eachTensor(model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const location = t.externalData.find((e) => e.key === 'location')?.value;
    if (!location) return; // the tensor's own problem, reported when it is read
    let f = files.get(location);
    if (!f) {
      const refused = refusedLocation(location, modelFile);
      const status: ExternalDataFileStatus = { location, path: null, tensors: 0, bytesNeeded: 0, fileBytes: null, problem: null, message: null };
      if (refused) Object.assign(status, { bytesNeeded: null, problem: 'refused', message: `${modelFile}: ${refused}` });
      else status.path = path.resolve(path.dirname(path.resolve(modelFile)), location);
      f = { status };
      files.set(location, f);
    }
    const s = f.status;
    s.tensors++;
    if (s.problem) return;
    let end: number | null = null;
    try {
      const info = resolveExternalData(t, modelFile);
      const length = info.length ?? tensorByteLength(t);
      end = length === undefined ? null : info.offset + length;
    } catch (e) {
      if (!(e instanceof TensorDataError)) throw e; // a bad offset or length: that tensor's own problem
    }
    s.bytesNeeded = end === null || s.bytesNeeded === null ? null : Math.max(s.bytesNeeded, end);
  });
  const out: ExternalDataFileStatus[] = [];
  for (const { status: s } of files.values()) {
    if (!s.problem) {
      const found = locateDataFile({ location: s.location, path: s.path!, offset: 0, length: undefined }, modelFile, reader);
      if ('problem' in found) {
        s.problem = found.problem === 'link' ? 'refused' : 'missing';
        const lost = `${s.tensors} tensor${s.tensors === 1 ? '' : 's'} stored in it cannot be read`;
        s.message = `${modelFile}: ${found.message}; ${lost}`;
      } else {
        s.fileBytes = found.size;
        if (s.bytesNeeded !== null && found.size < s.bytesNeeded) {
          s.problem = 'short';
          s.message = `${modelFile}: external data file '${s.location}' has ${found.size} bytes, its tensors need ${s.bytesNeeded}: it is cut short`;
        }
      }
    }
    out.push(s);
  }
  return out;
}

/** An external data file a model saved elsewhere still names, and where it has to be for the copy to read it. */
export interface DetachedDataFile {
  location: string;
  /** Where the data is now (beside the model it was read from). */
  from: string;
  /** Where the saved copy looks for it. */
  to: string;
}

/**
 * After saving `model` (read from `fromFile`) as `toFile` elsewhere: the external data files that
 * were usable beside the original but are not beside the copy, so the copy cannot read them until
 * they are copied there. Saves never copy or rewrite data files themselves.
 */
export function detachedDataFiles(model: ModelProto, fromFile: string, toFile: string, reader: FileReader = nodeFileReader): DetachedDataFile[] {
  const before = new Map(externalDataStatus(model, fromFile, reader).map((f) => [f.location, f]));
  const out: DetachedDataFile[] = [];
  for (const f of externalDataStatus(model, toFile, reader)) {
    const was = before.get(f.location);
    if (f.problem === 'missing' && was && !was.problem && was.path && f.path) out.push({ location: f.location, from: was.path, to: f.path });
  }
  return out;
}
