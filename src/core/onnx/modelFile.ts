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
import { ModelChangedError, ModelFileError } from './errors';
import { NotAFileError, openRegularFile } from './externalData';
import { fileErrorReason } from '../util/fileErrors';

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
 * new bytes into the old structure.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;
  private readonly stamp: FileStamp;

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

  read(offset: number, length: number): Uint8Array {
    this.checkUnchanged();
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
    this.checkUnchanged();
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

/** What a save did: the bytes written, and the old target of a symbolic link it replaced. */
export interface SaveResult {
  bytesWritten: number;
  /**
   * Set when `outPath` was a symbolic link: the path it led to (resolved against the link's folder,
   * one level). The save replaced the link with a regular file, as an atomic save must; the file
   * the link led to (a Hugging Face cache blob shared by revisions) is unchanged.
   */
  replacedLink?: string;
}

/** What is at the save target before the save: the file to keep the mode and owner of, a link. */
interface TargetBefore {
  /** The file at the path (through a link), when there is one. */
  readonly stat?: fs.Stats;
  /** The link's target, when the path is a symbolic link. */
  readonly link?: string;
}

function targetBefore(outPath: string): TargetBefore {
  let lst: fs.Stats;
  try {
    lst = fs.lstatSync(outPath);
  } catch {
    return {}; // a new file (or a path a later step will fail on, with its own message)
  }
  if (!lst.isSymbolicLink()) return { stat: lst };
  const link = path.resolve(path.dirname(path.resolve(outPath)), fs.readlinkSync(outPath));
  try {
    return { stat: fs.statSync(outPath), link };
  } catch {
    return { link }; // a dangling link
  }
}

/** The folder cannot take the temporary file: EACCES/EPERM (permissions, `chattr +i`) or EROFS. */
const NOT_WRITABLE: Readonly<Record<string, string>> = {
  EACCES: 'permission denied, EACCES',
  EPERM: 'operation not permitted, EPERM',
  EROFS: 'read-only file system, EROFS',
};

/**
 * The problem text for a temporary file that could not be created in `dir`: a folder that cannot
 * be written is said in those words (with the system's reason), anything else as the system says it.
 */
export function tempFileProblem(dir: string, e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && Object.prototype.hasOwnProperty.call(NOT_WRITABLE, code)) {
    return `cannot save: the folder ${dir} is not writable (${NOT_WRITABLE[code]}; a save writes a temporary file beside the model, then renames it over it)`;
  }
  return `cannot save: ${(e as Error).message}`;
}

/**
 * Why a target without any write bit is refused, in the platform's terms: POSIX modes, or on
 * Windows the Read-only attribute (which Node reports as a mode without write bits).
 */
export function writeProtected(mode: number, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'cannot save: it is write-protected (its Read-only attribute is set; clear it in its Properties, or with attrib -r, to save over it)';
  return `cannot save: it is write-protected (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}; change its mode to save over it)`;
}

/**
 * Encode `decoded` (copying untouched bytes from its source) to `outPath` atomically: the bytes go
 * to a temporary file beside the target (its folder is created when missing), are flushed, and
 * the temporary file, given the target's owner (when allowed) and mode, is renamed over the target.
 * On any failure the temporary file is removed and the target is untouched. External data files
 * are not touched.
 *
 * Refused before anything is written: a target without any write bit (write-protected: its owner
 * changes the mode, or on Windows clears the Read-only attribute, to overwrite it; see
 * `writeProtected`), and a source file rewritten in place since it was opened
 * (ModelChangedError; checked on every read and once more before the rename). A target that is
 * a symbolic link is replaced by a regular file (`replacedLink` says where it led); a hard link is
 * split (the other names keep the old bytes): both are inherent in a save by rename.
 */
export function saveModelFile(decoded: DecodedModel, outPath: string): SaveResult {
  const before = targetBefore(outPath);
  // A link is replaced, not written through: the mode of the file it leads to is not asked.
  if (before.stat && !before.link && (before.stat.mode & 0o222) === 0) throw new ModelFileError(outPath, writeProtected(before.stat.mode));
  decoded.source.checkUnchanged?.();
  const chunks = encodeModel(decoded);
  const dir = path.dirname(path.resolve(outPath));
  makeFolder(outPath, dir);
  const tmp = path.join(dir, `.${path.basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
  } catch (e) {
    throw new ModelFileError(outPath, tempFileProblem(dir, e));
  }
  let open = true;
  let written = 0;
  try {
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
    if (before.stat) keepOwnerAndMode(fd, before.stat, before.link !== undefined);
    fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    // A rewrite between the last read and here would otherwise go unnoticed.
    decoded.source.checkUnchanged?.();
    fs.renameSync(tmp, outPath);
    return before.link === undefined ? { bytesWritten: written } : { bytesWritten: written, replacedLink: before.link };
  } catch (e) {
    if (open) {
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

/** Creates the target's folder (and its parents) when it is missing: Save As may name a new one. */
function makeFolder(outPath: string, dir: string): void {
  try {
    fs.statSync(dir);
    return; // there (a file in the way fails at the temporary file's open)
  } catch {
    /* missing: create it */
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ModelFileError(outPath, `cannot save: cannot create the folder ${dir}: ${fileErrorReason(e)}`);
  }
}

/**
 * The replacement keeps the replaced file's owner and group (allowed for root, or a group of the
 * owner's; otherwise it stays ours) and then its mode (after the chown, which clears set-id bits).
 * A link's replacement takes those of the file the link led to, plus the owner's write bit: a
 * read-only blob (git-annex, a nix store) protects the blob, which the save leaves alone, not the
 * name, which is now the user's own file.
 */
function keepOwnerAndMode(fd: number, was: fs.Stats, wasLink: boolean): void {
  const now = fs.fstatSync(fd);
  if (now.uid !== was.uid || now.gid !== was.gid) {
    try {
      fs.fchownSync(fd, was.uid, was.gid);
    } catch {
      // Best effort: not allowed (EPERM), or not supported here (sshfs: EACCES, some FUSE: ENOSYS).
      if (now.gid !== was.gid) {
        try {
          fs.fchownSync(fd, now.uid, was.gid); // the group alone, when we belong to it
        } catch {
          /* stays ours */
        }
      }
    }
  }
  try {
    fs.fchmodSync(fd, (was.mode & 0o7777) | (wasLink ? 0o200 : 0));
  } catch {
    // Best effort as well (a file system without modes, ENOTSUP): the save itself is what matters.
  }
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  return done;
}
