/**
 * External data: tensors with `data_location = EXTERNAL` keep their bytes in side files named by
 * `external_data` entries (`location`, `offset`, `length`, `checksum`), relative to the model file.
 * Resolution is pure; reading goes through a FileReader so the core can be used with any storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TensorDataError } from './errors';
import { DataLocation, type Tensor } from './model';

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
  /** Size of the file in bytes; throws when it does not exist. */
  size(file: string): number;
  /** Exactly `length` bytes at `offset`; throws if fewer are available. */
  read(file: string, offset: number, length: number): Uint8Array;
}

export const nodeFileReader: FileReader = {
  size(file) {
    return fs.statSync(file).size;
  },
  read(file, offset, length) {
    const fd = fs.openSync(file, 'r');
    try {
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

function parseNonNegative(v: string | undefined, what: string, modelFile: string, tensor: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new TensorDataError(modelFile, tensor, `external_data ${what} '${v}' is not a non-negative integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new TensorDataError(modelFile, tensor, `external_data ${what} ${v} is too large`);
  return n;
}

/**
 * Where a tensor's external bytes are. Refuses locations that are absolute or escape the model's
 * folder (`..`), as onnx does. Does not touch the disk.
 */
export function resolveExternalData(tensor: Tensor, modelFile: string): ExternalDataInfo {
  if (tensor.dataLocation !== DataLocation.EXTERNAL) {
    throw new TensorDataError(modelFile, tensor.name, 'the tensor is not stored externally');
  }
  const kv = new Map<string, string>();
  for (const e of tensor.externalData) kv.set(e.key, e.value);
  const location = kv.get('location');
  if (!location) throw new TensorDataError(modelFile, tensor.name, "external_data has no 'location'");
  if (location.includes('\0')) throw new TensorDataError(modelFile, tensor.name, 'external data location contains a NUL byte');
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    throw new TensorDataError(modelFile, tensor.name, `external data location '${location}' is an absolute path; only paths inside the model's folder are allowed`);
  }
  const baseDir = path.dirname(path.resolve(modelFile));
  const resolved = path.resolve(baseDir, location);
  const rel = path.relative(baseDir, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || location.split(/[\\/]/).includes('..')) {
    throw new TensorDataError(modelFile, tensor.name, `external data location '${location}' escapes the model's folder`);
  }
  return {
    location,
    path: resolved,
    offset: parseNonNegative(kv.get('offset'), 'offset', modelFile, tensor.name) ?? 0,
    length: parseNonNegative(kv.get('length'), 'length', modelFile, tensor.name),
  };
}

/** Read a tensor's external bytes, naming the data file in every error. */
export function readExternalBytes(tensor: Tensor, modelFile: string, expectedLength: number | undefined, reader: FileReader = nodeFileReader): Uint8Array {
  const info = resolveExternalData(tensor, modelFile);
  let size: number;
  try {
    size = reader.size(info.path);
  } catch {
    throw new TensorDataError(modelFile, tensor.name, `external data file '${info.location}' (${info.path}) does not exist or cannot be read`);
  }
  const length = info.length ?? expectedLength ?? size - info.offset;
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new TensorDataError(modelFile, tensor.name, `external data length ${length} does not match the ${expectedLength} bytes its shape and type need`);
  }
  if (info.offset + length > size) {
    throw new TensorDataError(modelFile, tensor.name, `external data file '${info.location}' is too short: needs bytes ${info.offset}..${info.offset + length}, file has ${size}`);
  }
  try {
    return reader.read(info.path, info.offset, length);
  } catch (e) {
    throw new TensorDataError(modelFile, tensor.name, `reading external data file '${info.location}' failed: ${(e as Error).message}`);
  }
}
