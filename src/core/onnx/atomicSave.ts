/**
 * The atomic save every file `qdq` and the extension write goes through (a model, a plan): a
 * temporary file beside the target, flushed, given the target's owner and mode, renamed over it;
 * the registry of saves in progress that `abandonSaves` empties when the process stops. (Pure Node;
 * no `vscode`. Used by `saveModelFile` and `saveTextFile`.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ModelFileError } from './errors';
import { fileErrorReason } from '../util/fileErrors';
import { errnoCode, fileKind, renameProblem, targetKindProblem, tempFileProblem, writeProblem } from './saveTarget';

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
export interface TargetBefore {
  /** The file at the path (through a link), when there is one. */
  readonly stat?: fs.Stats;
  /** The link's target, when the path is a symbolic link. */
  readonly link?: string;
}

export function targetBefore(outPath: string): TargetBefore {
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

/** Throws when a target without any write bit would be replaced. A link is replaced, not written through: the mode of the file it leads to is not asked. */
export function refuseWriteProtected(outPath: string, before: TargetBefore): void {
  if (before.stat && !before.link && (before.stat.mode & 0o222) === 0) throw new ModelFileError(outPath, writeProtected(before.stat.mode));
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
 * Writes `outPath` atomically: `write` puts the bytes (through `put`, which says whether the save
 * was abandoned meanwhile) into a temporary file beside the target (its folder is created when
 * missing); the file is given the target's owner (when allowed) and mode, flushed, and, after
 * `beforeRename` (a last check), renamed over the target. On any failure the temporary file is
 * removed and the target is untouched; `abandonSaves` removes it too (a process stopping
 * mid-save). Messages name the target, never the temporary file. The caller checked the target
 * (`before`) already.
 */
export function writeAtomically(outPath: string, before: TargetBefore, write: (put: (bytes: Uint8Array) => void) => void, beforeRename?: () => void): SaveResult {
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
    write((bytes) => {
      going();
      written += writeAll(fd, bytes);
    });
    if (before.stat) keepOwnerAndMode(fd, before.stat, before.link !== undefined);
    fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    beforeRename?.();
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

/**
 * Saves `text` (UTF-8) to `outPath` as a model is saved (`writeAtomically`: registered for
 * `abandonSaves`, nothing half-written, the folder created when missing), with the same refusals
 * of the target before anything is written: a name ending with a separator, a folder, a device,
 * a named pipe (also through a link), a write-protected file. `exampleName` names a file for the
 * message of a folder target (`name a file to save to, e.g. out/plan.json`).
 */
export function saveTextFile(outPath: string, text: string, exampleName: string): SaveResult {
  const before = targetBefore(outPath);
  const kind = targetKindProblem(outPath, before.stat, before.link !== undefined, exampleName);
  if (kind) throw new ModelFileError(outPath, kind);
  refuseWriteProtected(outPath, before);
  return writeAtomically(outPath, before, (put) => put(Buffer.from(text, 'utf8')));
}

/**
 * Creates the target's folder (and its parents) when it is missing: Save As may name a new one.
 * One level at a time from the nearest folder that is there, not with mkdir's recursive mode: on
 * Node 20 that spins forever where mkdir says ENOENT under a folder that exists (`/proc/new/m.onnx`).
 * Something on the path that is not a folder (a file, a device, a link to nothing) is named.
 */
function makeFolder(outPath: string, dir: string): void {
  const cannot = (problem: string) => new ModelFileError(outPath, `cannot save: ${problem}`);
  const missing: string[] = [];
  for (let at = dir; ; ) {
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch (e) {
      const code = errnoCode(e);
      // ENOTDIR: something further up is not a folder; the walk up finds it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cannot(`cannot create the folder ${dir}: ${fileErrorReason(e)}`);
      const up = path.dirname(at);
      if (up === at) throw cannot(`the folder ${dir} cannot be created: ${at} does not exist`);
      missing.push(at);
      at = up;
      continue;
    }
    if (!st.isDirectory()) throw cannot(`${at === dir ? '' : `cannot create the folder ${dir}: `}${at} is ${st.isFile() ? 'a file' : fileKind(st)}, not a folder (ENOTDIR)`);
    break;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST') {
        const link = linkTarget(folder);
        if (link !== undefined) throw cannot(`the folder ${folder} is a symbolic link to ${link}, which does not exist`);
        if (fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) continue; // made meanwhile
      }
      const why = code === 'ENOENT' ? `the folder ${path.dirname(folder)} takes no new folders, or is gone (ENOENT)` : fileErrorReason(e);
      throw cannot(`cannot create the folder ${folder}: ${why}`);
    }
  }
}

/** Where the symbolic link at `p` leads (resolved against its folder), or undefined when `p` is no link. */
function linkTarget(p: string): string | undefined {
  try {
    return path.resolve(path.dirname(p), fs.readlinkSync(p));
  } catch {
    return undefined;
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
