/**
 * Where a model's external data files stand, told without reading them: for each file, how many
 * tensors it holds, whether it is there (its links resolved and checked as for a read, its size
 * asked) and whether it is long enough for every tensor that points into it. A user who copied the
 * .onnx without its data file, or a cut-short one, learns so when the model opens instead of when
 * some tensor is first read; reading a tensor still reports its own problem (externalData.ts).
 */
import * as path from 'node:path';
import { TensorDataError } from './errors';
import { externalDataValue, type FileReader, locateDataFile, nodeFileReader, refusedLocation, resolveExternalData } from './externalData';
import { DataLocation, type ModelProto } from './model';
import { eachTensor, tensorByteLength } from './tensorData';

export { eachTensor };

export interface ExternalDataFileStatus {
  /**
   * `location` as written in the model (the first spelling met, when tensors spell one file
   * differently); '' for the tensors stored externally that have none (or an empty one), listed
   * last as one `refused` entry.
   */
  location: string;
  /** Absolute path it resolves to (before links); null when the location is refused. */
  path: string | null;
  /** Tensors stored in it, anywhere in the model (initializers, subgraphs, functions, training graphs, attributes). */
  tensors: number;
  /**
   * The furthest byte its tensors are known to need (offset + length; a tensor whose length cannot
   * be told counts its offset, one whose offset or length is malformed is left out: reading it
   * reports that).
   */
  bytesNeeded: number;
  /** Whether the file was looked at: false for a model not read from a file (no folder to look in). */
  checked: boolean;
  /** Size on disk; null when not looked at or unusable (see `problem`). */
  fileBytes: number | null;
  /**
   * null when fine (or not looked at); `missing` (not there, or not a file); `short` (smaller than
   * bytesNeeded); `refused`: a location outside the model's folder, a symbolic link leading out, or
   * a location that names no file (a folder such as `w.data/`, or none at all).
   */
  problem: 'missing' | 'short' | 'refused' | null;
  /** The problem in words, naming the model file; null when fine. */
  message: string | null;
}

interface Located {
  status: ExternalDataFileStatus;
  /** The file a read would open (links resolved), when usable. */
  file?: string;
}

function locate(model: ModelProto, modelFile: string, reader: FileReader | null, modelIsRegularFile = false): Located[] {
  // Keyed by where the location leads, so `w.bin` and `./w.bin` are one file; each spelling is
  // checked and resolved once, however many tensors use it.
  const files = new Map<string, Located>();
  const bySpelling = new Map<string, Located>();
  const dir = path.dirname(path.resolve(modelFile));
  /** Tensors stored externally without a location (or with an empty one): no file to look at, a problem at once. */
  let unlocated: ExternalDataFileStatus | undefined;
  eachTensor(model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const location = externalDataValue(t, 'location');
    if (!location) {
      unlocated ??= { location: '', path: null, tensors: 0, bytesNeeded: 0, checked: reader !== null, fileBytes: null, problem: 'refused', message: null };
      unlocated.tensors++;
      return;
    }
    let f = bySpelling.get(location);
    if (!f) {
      const refused = refusedLocation(location, modelFile);
      const resolved = refused ? undefined : path.resolve(dir, location);
      const key = resolved ?? `refused:${location}`;
      f = files.get(key);
      if (!f) {
        // Not looked at (no reader): the model has no folder here, so no path to show either.
        const status: ExternalDataFileStatus = { location, path: reader === null ? null : (resolved ?? null), tensors: 0, bytesNeeded: 0, checked: reader !== null, fileBytes: null, problem: null, message: null };
        if (refused) Object.assign(status, { problem: 'refused', message: `${modelFile}: ${refused}` });
        f = { status };
        files.set(key, f);
      }
      bySpelling.set(location, f);
    }
    const s = f.status;
    s.tensors++;
    if (s.problem) return; // refused: the only problem known before the files are looked at
    try {
      const info = resolveExternalData(t, modelFile);
      s.bytesNeeded = Math.max(s.bytesNeeded, info.offset + (info.length ?? tensorByteLength(t) ?? 0));
    } catch (e) {
      if (!(e instanceof TensorDataError)) throw e; // a malformed offset or length: that tensor's own problem
    }
  });
  const out = [...files.values()];
  if (unlocated) {
    const n = unlocated.tensors;
    unlocated.message = `${modelFile}: ${n === 1 ? '1 tensor is' : `${n} tensors are`} stored externally without a data file to read from (external_data has no 'location', or an empty one); ${n === 1 ? 'it cannot' : 'they cannot'} be read`;
    out.push({ status: unlocated });
  }
  if (reader === null) return out;
  for (const f of out) {
    const s = f.status;
    if (s.problem) continue;
    const found = locateDataFile({ location: s.location, path: s.path!, offset: 0, length: undefined }, modelFile, reader, { modelIsRegularFile });
    if ('problem' in found) {
      s.problem = found.problem === 'link' ? 'refused' : 'missing';
      s.message = `${modelFile}: ${found.message}; ${s.tensors} tensor${s.tensors === 1 ? '' : 's'} stored in it cannot be read`;
      continue;
    }
    s.fileBytes = found.size;
    f.file = found.file;
    if (found.size < s.bytesNeeded) {
      s.problem = 'short';
      s.message = `${modelFile}: external data file '${s.location}' has ${found.size} bytes, its tensors need ${s.bytesNeeded}: it is cut short`;
    }
  }
  return out;
}

/**
 * The state of each external data file the model names, in the order first named. No data is
 * read. `reader` null: list the files without looking at them (a model not read from a file).
 */
export function externalDataStatus(model: ModelProto, modelFile: string, reader: FileReader | null = nodeFileReader): ExternalDataFileStatus[] {
  return locate(model, modelFile, reader).map((f) => f.status);
}

/** An external data file a model saved elsewhere names, and where it has to be for the copy to read it. */
export interface DetachedDataFile {
  location: string;
  /** The data file the original reads (its links resolved: the file itself, not a link to it). */
  from: string;
  /** Where the saved copy looks for it. */
  to: string;
  /** What is wrong at `to`: nothing there, a shorter file, or a link leading out of the copy's folder. */
  problem: 'missing' | 'short' | 'refused';
}

/**
 * Before saving `model` (read from `fromFile`) as `toFile`: the external data files usable beside
 * the original that will not be usable beside the saved file, so that it cannot read them until
 * they are copied there. The saved file is judged as the regular file a save writes: saving over
 * a linked model (a Hugging Face cache snapshot) replaces the link, and the data links beside it
 * then lead out of its folder. Also for `toFile` = `fromFile`. Saves never copy or rewrite data
 * files themselves.
 */
export function detachedDataFiles(model: ModelProto, fromFile: string, toFile: string, reader: FileReader = nodeFileReader): DetachedDataFile[] {
  const before = new Map<string, Located>();
  for (const f of locate(model, fromFile, reader)) before.set(f.status.location, f);
  const out: DetachedDataFile[] = [];
  for (const { status: s } of locate(model, toFile, reader, true)) {
    const was = before.get(s.location);
    if (s.problem && was?.file && !was.status.problem && s.path && path.resolve(s.path) !== path.resolve(was.file)) {
      out.push({ location: s.location, from: was.file, to: s.path, problem: s.problem });
    }
  }
  return out;
}
