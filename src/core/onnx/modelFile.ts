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
import { dataFileClash, renameProblem, targetKindProblem, tempFileProblem, writeProblem } from './saveTarget';

export { tempFileProblem } from './saveTarget';

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

/**
 * Why a target without any write bit is refused, in the platform's terms: POSIX modes, or on
 * Windows the Read-only attribute (which Node reports as a mode without write bits).
 */
export function writeProtected(mode: number, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'cannot save: it is write-protected (its Read-only attribute is set; clear it in its Properties, or with attrib -r, to save over it)';
  return `cannot save: it is write-protected (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}; change its mode to save over it)`;
}

/** The temporary file of each save in progress, and whether `abandonSaves` took it away. */
const inFlight = new Map<string, { abandoned: boolean }>();

/**
 * Removes the temporary file of every save in progress, synchronously, and makes each of those
 * saves fail ("abandoned") instead of renaming, should it ever resume. For a process that is
 * stopping (the CLI's SIGINT/SIGTERM/SIGHUP handler, an `exit` hook): no hidden temporary file of
 * the model's size is left beside the target, and the target keeps its old bytes. Returns the
 * temporary files it removed. Note that a save runs synchronously, so a signal handler runs only
 * once it has finished (renamed or cleaned up): the handler is what keeps a signal from killing
 * the process mid-save; this is the cleanup for any save still open when it runs.
 */
export function abandonSaves(): string[] {
  const removed: string[] = [];
  for (const [tmp, state] of inFlight) {
    state.abandoned = true;
    try {
      fs.unlinkSync(tmp);
      removed.push(tmp);
    } catch {
      /* already gone */
    }
  }
  inFlight.clear();
  return removed;
}

/** Creates the temporary file beside the target: `.<name>.<random>.tmp`, or a short name when that one is too long. */
function createTemp(outPath: string, dir: string): { tmp: string; fd: number } {
  const random = randomBytes(6).toString('hex');
  let tmp = path.join(dir, `.${path.basename(outPath)}.${random}.tmp`);
  for (;;) {
    try {
      return { tmp, fd: fs.openSync(tmp, 'wx', 0o644) };
    } catch (e) {
      // The temporary name is 19 bytes longer than the target's: a target name near the file
      // system's limit (255 bytes) still gets saved, under a short temporary name.
      const short = path.join(dir, `.qdq-save.${random}.tmp`);
      if ((e as NodeJS.ErrnoException).code !== 'ENAMETOOLONG' || tmp === short) throw new ModelFileError(outPath, tempFileProblem(dir, e));
      tmp = short;
    }
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
  // A link is replaced, not written through: the mode of the file it leads to is not asked.
  if (before.stat && !before.link && (before.stat.mode & 0o222) === 0) throw new ModelFileError(outPath, writeProtected(before.stat.mode));
  decoded.source.checkUnchanged?.();
  const chunks = encodeModel(decoded);
  const dir = path.dirname(path.resolve(outPath));
  makeFolder(outPath, dir);
  const { tmp, fd } = createTemp(outPath, dir);
  const state = { abandoned: false };
  inFlight.set(tmp, state);
  const going = () => {
    if (state.abandoned) throw new ModelFileError(outPath, 'cannot save: the save was abandoned (the process is stopping); nothing was saved');
  };
  let open = true;
  let renaming = false;
  let written = 0;
  try {
    for (const c of chunks) {
      going();
      if (c instanceof Uint8Array) {
        written += writeAll(fd, c);
      } else {
        let done = 0;
        while (done < c.length) {
          const part = decoded.source.read(c.offset + done, Math.min(c.length - done, 8 << 20));
          if (part.length === 0) throw new ModelFileError(decoded.file, `source ended while copying bytes at ${c.offset + done}`);
          going();
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
    going();
    renaming = true;
    fs.renameSync(tmp, outPath);
    inFlight.delete(tmp);
    return before.link === undefined ? { bytesWritten: written } : { bytesWritten: written, replacedLink: before.link };
  } catch (e) {
    inFlight.delete(tmp);
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
      /* ignore: gone already (abandoned) */
    }
    going();
    if (e instanceof ModelFileError) throw e;
    if ((e as NodeJS.ErrnoException).code === undefined) throw new ModelFileError(outPath, `cannot save: ${String((e as Error).message).split(tmp).join('(its temporary file)')}`);
    throw new ModelFileError(outPath, renaming ? renameProblem(e) : writeProblem(e));
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
