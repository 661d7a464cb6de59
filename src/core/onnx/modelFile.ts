/**
 * Node file access for the ONNX layer: a positional-read ByteSource, open, and atomic lossless save.
 * (Pure Node; no `vscode`. The extension and the CLI both use it.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ByteSource } from './byteSource';
import { type DecodedModel, type DecodeOptions, decodeModel } from './decode';
import { encodeModel } from './encode';
import { ModelFileError } from './errors';
import { NotAFileError, openRegularFile } from './externalData';
import { fileErrorReason } from '../util/fileErrors';

/** A ByteSource doing positional reads on an open file descriptor. Opening reads nothing. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly name: string) {
    let fd: number;
    try {
      fd = openRegularFile(name); // a named pipe or a folder is refused at once, never waited on
    } catch (e) {
      if (e instanceof NotAFileError) throw new ModelFileError(name, 'not a regular file');
      throw new ModelFileError(name, `cannot read: ${fileErrorReason(e)}`);
    }
    try {
      this.size = fs.fstatSync(fd).size;
    } catch (e) {
      fs.closeSync(fd);
      throw new ModelFileError(name, `cannot stat: ${(e as Error).message}`);
    }
    this.fd = fd;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new ModelFileError(this.name, 'read after close');
    const start = Math.max(0, Math.min(offset, this.size));
    const len = Math.max(0, Math.min(length, this.size - start));
    const buf = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = this.readAt(buf, done, len - done, start + done);
      if (n === 0) break; // file shrank underneath us; the caller sees a short read
      done += n;
    }
    return done === len ? buf : buf.subarray(0, done);
  }

  readInto(offset: number, target: Uint8Array, length: number): number {
    if (this.fd === undefined) throw new ModelFileError(this.name, 'read after close');
    const start = Math.max(0, Math.min(offset, this.size));
    const len = Math.max(0, Math.min(length, this.size - start, target.length));
    let done = 0;
    while (done < len) {
      const n = this.readAt(target, done, len - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** One positional read; a failing read (EIO, a network file system going away) is a ModelFileError naming the file. */
  private readAt(target: Uint8Array, at: number, length: number, position: number): number {
    try {
      return fs.readSync(this.fd!, target, at, length, position);
    } catch (e) {
      throw new ModelFileError(this.name, `reading ${length} bytes at byte ${position} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** Open and decode a model file. The weights stay on disk until a tensor is read. */
export function openModelFile(file: string, options: DecodeOptions = {}): DecodedModel {
  const source = new FileSource(file);
  try {
    return decodeModel(source, { file, ...options });
  } catch (e) {
    source.close();
    throw e;
  }
}

/**
 * Encode `decoded` (copying untouched bytes from its source) to `outPath` atomically: the bytes go
 * to a temporary file beside the target, are flushed, and the temporary file is renamed over the
 * target. On any failure the temporary file is removed and the target is untouched. External data
 * files are not touched.
 */
export function saveModelFile(decoded: DecodedModel, outPath: string): { bytesWritten: number } {
  const chunks = encodeModel(decoded);
  const dir = path.dirname(path.resolve(outPath));
  const tmp = path.join(dir, `.${path.basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let written = 0;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    for (const c of chunks) {
      if (c instanceof Uint8Array) {
        written += writeAll(fd, c);
      } else {
        let done = 0;
        while (done < c.length) {
          const part = decoded.source.read(c.offset + done, Math.min(c.length - done, 8 << 20));
          if (part.length === 0) throw new ModelFileError(decoded.file, `source ended while copying bytes at ${c.offset + done}`);
          written += writeAll(fd, part);
          done += part.length;
        }
      }
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    try {
      // Keep the target's permissions when replacing it.
      const st = fs.statSync(outPath);
      fs.chmodSync(tmp, st.mode & 0o7777);
    } catch {
      /* new file */
    }
    fs.renameSync(tmp, outPath);
    return { bytesWritten: written };
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* ignore */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* ignore */
    }
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(outPath, `cannot save: ${(e as Error).message}`);
  }
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  return done;
}
