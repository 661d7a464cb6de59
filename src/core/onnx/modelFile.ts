/**
 * Node file access for the ONNX layer: a positional-read ByteSource, open, and atomic lossless save.
 * (Pure Node; no `vscode`. The extension and the CLI both use it.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ByteSource } from './byteSource';
import { type CheckedAround, type DecodedModel, type DecodeOptions, decodeModel } from './decode';
import { encodeModel } from './encode';
import { ModelChangedError, ModelFileError } from './errors';
import { NotAFileError, openRegularFile } from './externalData';
import { fileErrorReason } from '../util/fileErrors';
import { dataFileClash, targetKindProblem } from './saveTarget';
import { refuseWriteProtected, type SaveResult, targetBefore, writeAtomically } from './atomicSave';

export { tempFileProblem } from './saveTarget';
export { abandonSaves, saveTextFile, type SaveResult, writeProtected } from './atomicSave';

/** What an fstat said about the file when it was opened: size and mtime change with any write of the bytes. */
interface FileStamp {
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

function stampOf(st: fs.BigIntStats): FileStamp {
  return { size: st.size, mtimeNs: st.mtimeNs };
}

/**
 * Whether the bytes behind the descriptor may differ from those at open: a different size or
 * mtime (a write, `cp new.onnx model.onnx`, `onnx.save`). ctime is not used: chmod and chown
 * (even to the same values), `touch -a`, extended attributes, hard links and renames move it and
 * leave the bytes alone, and no combination of the other fields tells those from a rewrite. So a
 * rewrite of the same size whose mtime was set back (`cp -p`, `touch -r`) is not detected.
 */
export function stampChanged(was: FileStamp, now: FileStamp): boolean {
  return now.size !== was.size || now.mtimeNs !== was.mtimeNs;
}

/**
 * A ByteSource doing positional reads on an open file descriptor. Opening reads nothing.
 *
 * The descriptor follows the inode: a file replaced by rename (a new inode) keeps being read as it
 * was, but a file rewritten in place (same inode) is not the file that was decoded any more.
 * Every read call first checks one fstat against the one taken at open and throws
 * ModelChangedError when the file was rewritten, so neither a save nor a tensor read mixes the
 * new bytes into the old structure. A decode instead checks once before its first read and once
 * after its last (checkedAround): a decode makes thousands of reads, and an fstat is a system call
 * and a BigIntStats of ~1.5 KB of garbage each.
 */
export class FileSource implements ByteSource, CheckedAround {
  readonly size: number;
  private fd: number | undefined;
  private readonly stamp: FileStamp;
  /** Inside checkedAround: reads skip their fstat. */
  private deferred = false;

  /** `name`: the file's path, for messages; set it again when the file is renamed (the descriptor follows). */
  constructor(public name: string) {
    let fd: number;
    try {
      fd = openRegularFile(name); // a named pipe or a folder is refused at once, never waited on
    } catch (e) {
      if (e instanceof NotAFileError) throw new ModelFileError(name, 'not a regular file');
      throw new ModelFileError(name, `cannot read: ${fileErrorReason(e)}`);
    }
    try {
      this.stamp = stampOf(fs.fstatSync(fd, { bigint: true }));
    } catch (e) {
      fs.closeSync(fd);
      throw new ModelFileError(name, `cannot stat: ${(e as Error).message}`);
    }
    this.size = Number(this.stamp.size);
    this.fd = fd;
  }

  /** Throws ModelChangedError when the file was rewritten in place since it was opened (one fstat). */
  checkUnchanged(): void {
    const fd = this.openFd();
    let now: fs.BigIntStats;
    try {
      now = fs.fstatSync(fd, { bigint: true });
    } catch (e) {
      throw new ModelFileError(this.name, `cannot stat: ${fileErrorReason(e)}`);
    }
    if (stampChanged(this.stamp, stampOf(now))) throw new ModelChangedError(this.name);
  }

  /**
   * Runs `run` (a decode) with one check before it and one after it, instead of one on every read:
   * a rewrite in place that any of its reads could have seen has moved the stamp by the check after
   * the last read, so the decode's result is refused as a per-read check would have refused it.
   * When `run` fails, the check comes first: a failure caused by bytes that changed underneath (a
   * file cut short, a structure half old and half new) is reported as the ModelChangedError it is.
   */
  checkedAround<T>(run: () => T): T {
    this.checkUnchanged();
    this.deferred = true;
    let out: T;
    try {
      out = run();
    } catch (e) {
      this.deferred = false;
      this.checkUnchanged();
      throw e;
    }
    this.deferred = false;
    this.checkUnchanged();
    return out;
  }

  /** The per-read check (none inside checkedAround, which checks around the whole decode). */
  private checkRead(): void {
    if (this.deferred) this.openFd();
    else this.checkUnchanged();
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRead();
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
    this.checkRead();
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

  private openFd(): number {
    if (this.fd === undefined) throw new ModelFileError(this.name, 'read after close');
    return this.fd;
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
 * to a temporary file beside the target (its folder is created when missing), are flushed, and
 * the temporary file, given the target's owner (when allowed) and mode, is renamed over the target.
 * On any failure the temporary file is removed and the target is untouched; `abandonSaves` removes
 * it too (a process stopping mid-save). External data files are not touched. Messages name the
 * target, never the temporary file.
 *
 * Refused before anything is written: a name ending with a separator, or a target that is not a
 * regular file (a folder, a device such as /dev/null, a named pipe; also through a link), which a
 * rename would replace; one of the external data files the model's tensors read, or a file the
 * saved copy would read its own data from (see `dataFileClash`); a target without any write bit
 * (write-protected: its owner changes the mode, or on Windows clears the Read-only attribute, to
 * overwrite it; see `writeProtected`); and a source file rewritten in place since it was opened
 * (ModelChangedError; checked on every read and once more before the rename). A target that is
 * a symbolic link to a regular file (or a dangling one) is replaced by a regular file
 * (`replacedLink` says where it led); a hard link is split (the other names keep the old bytes):
 * both are inherent in a save by rename.
 */
export function saveModelFile(decoded: DecodedModel, outPath: string): SaveResult {
  const before = targetBefore(outPath);
  const kind = targetKindProblem(outPath, before.stat, before.link !== undefined, path.basename(decoded.file));
  if (kind) throw new ModelFileError(outPath, kind);
  const clash = dataFileClash(decoded.model, decoded.file, outPath);
  if (clash) throw new ModelFileError(outPath, clash);
  refuseWriteProtected(outPath, before);
  decoded.source.checkUnchanged?.();
  const chunks = encodeModel(decoded);
  return writeAtomically(
    outPath,
    before,
    (put) => {
      for (const c of chunks) {
        if (c instanceof Uint8Array) {
          put(c);
          continue;
        }
        let done = 0;
        while (done < c.length) {
          const part = decoded.source.read(c.offset + done, Math.min(c.length - done, 8 << 20));
          if (part.length === 0) throw new ModelFileError(decoded.file, `source ended while copying bytes at ${c.offset + done}`);
          put(part);
          done += part.length;
        }
      }
    },
    // A rewrite between the last read and here would otherwise go unnoticed.
    () => decoded.source.checkUnchanged?.(),
  );
}
