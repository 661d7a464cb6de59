/**
 * External data: tensors with `data_location = EXTERNAL` keep their bytes in side files named by
 * `external_data` entries (`location`, `offset`, `length`, `checksum`), relative to the model file.
 * Resolution is pure; reading goes through a FileReader so the core can be used with any storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TensorDataError } from './errors';
import { DataLocation, type Tensor } from './model';
import { isWellFormed } from './wire/writer';

export interface ExternalDataInfo {
  /** `location` as written in the model (relative path). */
  location: string;
  /** Absolute path of the data file. */
  path: string;
  offset: number;
  /** Byte length, when the model says (else: to the end of the file). */
  length: number | undefined;
}

/** Reads byte ranges of files; the extension may supply a `vscode.workspace.fs`-based one. */
export interface FileReader {
  /** Size of the file in bytes; throws when it does not exist or is not a file (a folder). */
  size(file: string): number;
  /**
   * Exactly `length` bytes at `offset`; throws if fewer are available. `resolved`: `file` is a path
   * from realPath that was checked; a reader that can tell which file it opened refuses a different
   * one (a symbolic link put into that path after the check).
   */
  read(file: string, offset: number, length: number, resolved?: boolean): Uint8Array;
  /**
   * The path with every symbolic link resolved (like `fs.realpathSync`); throws when it does not
   * exist. Optional: a reader without links (in memory, a virtual file system) leaves it out, and
   * then data files are not checked for links that leave the model's folder.
   */
  realPath?(file: string): string;
}

/** A path that exists but is not a regular file (a folder, a named pipe, a device). */
export class NotAFileError extends Error {
  constructor(readonly file: string) {
    super(`${file} is not a regular file`);
    this.name = 'NotAFileError';
  }
}

/**
 * Open a file the user named for reading, only if it is a regular file, without waiting on it:
 * the first open is non-blocking (a named pipe would otherwise block it until some writer
 * appears), and once `fstat` says it is a regular file it is opened again normally, so that no
 * non-blocking read can surprise a network or FUSE file system. On Linux the second open goes
 * through the first descriptor (`/proc/self/fd`), the very same file; elsewhere through the path,
 * and it must still be the same file (a pipe swapped in between the two opens would still block
 * that open: a gap left there). Throws NotAFileError, or the system's error. Returns the
 * descriptor; close it.
 */
export function openRegularFile(file: string): number {
  const probe = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const a = fs.fstatSync(probe);
    if (!a.isFile()) throw new NotAFileError(file);
    let fd: number;
    try {
      fd = fs.openSync(`/proc/self/fd/${probe}`, 'r');
    } catch {
      fd = fs.openSync(file, 'r'); // no /proc
    }
    try {
      const b = fs.fstatSync(fd);
      if (b.ino !== a.ino || b.dev !== a.dev) throw new NotAFileError(file); // replaced between the two opens
      return fd;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  } finally {
    fs.closeSync(probe);
  }
}

export const nodeFileReader: FileReader = {
  size(file) {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new NotAFileError(file);
    return st.size;
  },
  realPath(file) {
    return fs.realpathSync(file);
  },
  read(file, offset, length, resolved) {
    const fd = openRegularFile(file);
    try {
      if (resolved) assertOpenedAt(fd, file);
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      if (done < length) throw new Error(`only ${done} of ${length} bytes available at offset ${offset}`);
      return buf;
    } finally {
      fs.closeSync(fd);
    }
  },
};

/**
 * Throws unless the open file `fd` is the one at `file`, a path with every link resolved: closes
 * the gap between checking where a data file's path leads and opening it. Linux names the file
 * behind a descriptor (/proc/self/fd); elsewhere the file must still be the one at `file`, which
 * must not have become a link.
 */
function assertOpenedAt(fd: number, file: string): void {
  let opened: string | undefined;
  try {
    opened = fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    opened = undefined; // no /proc
  }
  const moved = () => new Error(`the file opened is not ${file}: a symbolic link was put into its path after it was checked`);
  if (opened !== undefined) {
    if (opened !== file) throw moved();
    return;
  }
  const open = fs.fstatSync(fd);
  const now = fs.lstatSync(file);
  if (now.isSymbolicLink() || (open.ino !== 0 && (open.ino !== now.ino || open.dev !== now.dev))) throw moved();
}

/**
 * The value of an `external_data` key (`location`, `offset`, `length`, `checksum`) of a tensor: the
 * last entry with that key, as onnx reads them (a later entry overrides an earlier one).
 */
export function externalDataValue(tensor: Tensor, key: string): string | undefined {
  for (let i = tensor.externalData.length - 1; i >= 0; i--) if (tensor.externalData[i]!.key === key) return tensor.externalData[i]!.value;
  return undefined;
}

function parseNonNegative(v: string | undefined, what: string, modelFile: string, tensor: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new TensorDataError(modelFile, tensor, `external_data ${what} '${v}' is not a non-negative integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new TensorDataError(modelFile, tensor, `external_data ${what} ${v} is too large`);
  return n;
}

/**
 * Whether a relative location climbs above the folder it is relative to, reading both `/` and `\`
 * as separators (a model written on Windows may use either): `sub/../w.bin` stays inside,
 * `sub\..\..\w.bin` does not; `w..bin` is a file name, not a step up.
 */
function climbsOut(location: string): boolean {
  let depth = 0;
  for (const seg of location.split(/[\\/]/)) {
    if (seg === '..') {
      if (--depth < 0) return true;
    } else if (seg !== '' && seg !== '.') depth++;
  }
  return false;
}

/** Whether `target` is `dir` itself or lies outside it (both absolute, normalised). */
function outside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/** A string read from invalid UTF-8 (see decodeUtf8) with each escaped byte shown as `\xNN`. */
function showBytes(s: string): string {
  return s.replace(/[\uDC80-\uDCFF]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16)}`);
}

/**
 * Why an external data `location` may not be used, or undefined when it may: absolute (POSIX, UNC,
 * rooted `\w.bin`), naming a drive (`C:\w.bin`, drive-relative `C:w.bin`), climbing out of the
 * model's folder (`..`), naming a folder (`w.data/`, `w.data/.`: Node would resolve it to the file
 * `w.data`, which onnx and onnxruntime cannot open), or holding a NUL byte or bytes that are not valid
 * UTF-8 (a path string cannot name that file: Node would write U+FFFD instead). Lexical: touches no disk.
 */
export function refusedLocation(location: string, modelFile: string): string | undefined {
  if (location.includes('\0')) return 'external data location contains a NUL byte';
  if (!isWellFormed(location)) return `external data location '${showBytes(location)}' is not valid UTF-8; it is refused (as a path it would name another file)`;
  if (/^[a-zA-Z]:/.test(location)) return `external data location '${location}' names a drive; only paths inside the model's folder are allowed`;
  if (path.isAbsolute(location) || path.win32.isAbsolute(location)) {
    return `external data location '${location}' is an absolute path; only paths inside the model's folder are allowed`;
  }
  const baseDir = path.dirname(path.resolve(modelFile));
  if (climbsOut(location) || outside(baseDir, path.resolve(baseDir, location))) return `external data location '${location}' escapes the model's folder`;
  const last = location.split(/[\\/]/).pop();
  if (last === '' || last === '.' || last === '..') return `external data location '${location}' names a folder, not a file`;
  return undefined;
}

/**
 * Where a tensor's external bytes are. Refuses locations that are absolute (POSIX, UNC, rooted
 * `\w.bin`), name a drive (`C:\w.bin`, drive-relative `C:w.bin`) or climb out of the model's
 * folder (`..`), as onnx does. Does not touch the disk, so it cannot see symbolic links; reading
 * checks those (see readExternalBytes).
 */
export function resolveExternalData(tensor: Tensor, modelFile: string): ExternalDataInfo {
  if (tensor.dataLocation !== DataLocation.EXTERNAL) {
    throw new TensorDataError(modelFile, tensor.name, 'the tensor is not stored externally');
  }
  const location = externalDataValue(tensor, 'location');
  if (!location) throw new TensorDataError(modelFile, tensor.name, "external_data has no 'location'");
  const refused = refusedLocation(location, modelFile);
  if (refused) throw new TensorDataError(modelFile, tensor.name, refused);
  return {
    location,
    path: path.resolve(path.dirname(path.resolve(modelFile)), location),
    offset: parseNonNegative(externalDataValue(tensor, 'offset'), 'offset', modelFile, tensor.name) ?? 0,
    length: parseNonNegative(externalDataValue(tensor, 'length'), 'length', modelFile, tensor.name),
  };
}

/** Whether `file` (resolved) lies directly in the folder of the model file's own link target. */
function besideTarget(reader: FileReader, modelFile: string, file: string): boolean {
  try {
    return path.dirname(file) === path.dirname(reader.realPath!(path.resolve(modelFile)));
  } catch {
    return false; // no such file on disk (in memory, removed): only the folder rule applies
  }
}

/**
 * The data file `info` names, as it will be read: with links resolved when the reader can (the
 * very path that is checked), and its size; or why it cannot be used (missing or not a file, or a
 * link out of the model's folder). Reads no data. `modelIsRegularFile`: judge as if the model file
 * were not a link (what it will be once a save has replaced it), so the allowance for data beside
 * a linked model's target does not apply.
 */
export function locateDataFile(
  info: ExternalDataInfo,
  modelFile: string,
  reader: FileReader = nodeFileReader,
  options: { modelIsRegularFile?: boolean } = {},
): { file: string; size: number } | { problem: 'missing' | 'link'; message: string } {
  const missing = { problem: 'missing', message: `external data file '${info.location}' (${info.path}) does not exist or cannot be read` } as const;
  const notAFile = { problem: 'missing', message: `external data file '${info.location}' (${info.path}) is not a regular file` } as const;
  let file = info.path;
  if (reader.realPath) {
    let realDir: string;
    try {
      realDir = reader.realPath(path.dirname(path.resolve(modelFile)));
      file = reader.realPath(info.path);
    } catch {
      return missing;
    }
    // A model file that is itself a link (the Hugging Face cache links snapshots/<rev>/model.onnx
    // and model.onnx_data to ../../blobs/<hash>) may also use a data file right beside its target
    // (in that folder itself, not below it: the cache's blobs folder is flat).
    if (outside(realDir, file) && (options.modelIsRegularFile || !besideTarget(reader, modelFile, file))) {
      return { problem: 'link', message: `external data location '${info.location}' leads through a symbolic link out of the model's folder (to ${file}); only files inside the model's folder are read` };
    }
  }
  try {
    return { file, size: reader.size(file) };
  } catch (e) {
    return e instanceof NotAFileError ? notAFile : missing;
  }
}

/**
 * Read a tensor's external bytes, naming the data file in every error. When the reader resolves
 * links, a data file that is (or is reached through) a symbolic link leading out of the model's
 * folder is refused, as newer onnx releases do; links that stay inside are followed, and so are
 * links into the folder of the model file's own target (a link farm such as the Hugging Face
 * cache; onnxruntime refused these too, microsoft/onnxruntime#27353, until #27374).
 */
export function readExternalBytes(tensor: Tensor, modelFile: string, expectedLength: number | undefined, reader: FileReader = nodeFileReader): Uint8Array {
  const info = resolveExternalData(tensor, modelFile);
  const found = locateDataFile(info, modelFile, reader);
  if ('problem' in found) throw new TensorDataError(modelFile, tensor.name, found.message);
  const { file, size } = found;
  const length = info.length ?? expectedLength ?? size - info.offset;
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new TensorDataError(modelFile, tensor.name, `external data length ${length} does not match the ${expectedLength} bytes its shape and type need`);
  }
  if (info.offset + length > size) {
    throw new TensorDataError(modelFile, tensor.name, `external data file '${info.location}' is too short: needs bytes ${info.offset}..${info.offset + length}, file has ${size}`);
  }
  try {
    return reader.read(file, info.offset, length, reader.realPath !== undefined);
  } catch (e) {
    throw new TensorDataError(modelFile, tensor.name, `reading external data file '${info.location}' failed: ${(e as Error).message}`);
  }
}
