/**
 * What a save may not write over, told before anything is written, and the system's errors of a
 * save in words that never name the temporary file. (Pure Node; no `vscode`. Used by
 * `saveModelFile`.)
 *
 * - A name ending with a separator, or a target that is not a regular file (a folder, a device
 *   such as /dev/null, a named pipe, a socket; also through a symbolic link): a save by rename
 *   would replace it with a regular file, or fail with the system's raw EISDIR/ENOTDIR.
 * - One of the external data files the model reads its weights from: the model's bytes would go
 *   over its own weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileErrorReason } from '../util/fileErrors';
import { externalDataValue } from './externalData';
import { eachTensor } from './externalDataStatus';
import { DataLocation, type ModelProto } from './model';
import { isWellFormed } from './wire/writer';

/** The kind of a file that is not a regular file, in words: `a character device`. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function endsWithSeparator(p: string, platform: NodeJS.Platform): boolean {
  return platform === 'win32' ? /[\\/]$/.test(p) : p.endsWith('/');
}

/**
 * Why `outPath` cannot be saved to by its kind, or undefined: a name ending with a separator (a
 * folder), or something there, through links, that is not a regular file. `st`: what `stat` (links
 * followed) said of it, when it exists; `isLink`: whether the name itself is a symbolic link.
 * `modelName`: the model file's base name, for the example in the message.
 */
export function targetKindProblem(outPath: string, st: fs.Stats | undefined, isLink: boolean, modelName: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const into = (dir: string) => `name a file to save to, e.g. ${dir.replace(/[\\/]+$/, '')}${platform === 'win32' ? '\\' : '/'}${modelName}`;
  if (st?.isDirectory()) return `cannot save: it is a folder${isLink ? ' (through a symbolic link)' : ''}; ${into(outPath)}`;
  if (endsWithSeparator(outPath, platform)) return `cannot save: the name ends with '${outPath.slice(-1)}', so it names a folder; ${into(outPath)}`;
  if (st && !st.isFile()) return `cannot save: it is not a regular file (${fileKind(st)}${isLink ? ', through a symbolic link' : ''}); a save would replace it with one`;
  return undefined;
}

/** The names a path is known by on disk: where a rename to it lands, and what it leads to. */
interface Identity {
  /** The path with its folder's links resolved: what a rename to it replaces (a link itself, not what it leads to). */
  readonly name: string;
  /** The file it leads to (every link resolved), when it exists. */
  readonly real?: string;
  /** Device and inode of that file, when it exists (catches a case-insensitive spelling, a hard link). */
  readonly dev?: number;
  readonly ino?: number;
}

/**
 * Identities of paths, with each folder's links resolved once (a model with one data file per
 * tensor has thousands of locations in a few folders). `withFile` also stats the file (its device
 * and inode): needed only when the other side of the comparison exists.
 */
class Identities {
  private readonly folders = new Map<string, string>();

  of(p: string, withFile: boolean): Identity {
    const abs = path.resolve(p);
    const dir = path.dirname(abs);
    let realDir = this.folders.get(dir);
    if (realDir === undefined) {
      try {
        realDir = fs.realpathSync(dir);
      } catch {
        realDir = dir; // the folder is not there: nothing to resolve
      }
      this.folders.set(dir, realDir);
    }
    const name = path.join(realDir, path.basename(abs));
    if (!withFile) return { name };
    try {
      const st = fs.statSync(abs);
      return { name, real: fs.realpathSync(abs), dev: st.dev, ino: st.ino };
    } catch {
      return { name };
    }
  }
}

function same(a: Identity, b: Identity): boolean {
  const as = [a.name, a.real];
  if ([b.name, b.real].some((p) => p !== undefined && as.includes(p))) return true;
  return a.ino !== undefined && a.ino !== 0 && a.ino === b.ino && a.dev === b.dev;
}

/** Whether two paths name the same file: links resolved, and device and inode when both exist. */
export function sameFile(a: string, b: string): boolean {
  const ids = new Identities();
  return same(ids.of(a, true), ids.of(b, true));
}

/**
 * Whether saving `model` (read from `modelFile`) as `outPath` would write over one of the external
 * data files its tensors read (their locations resolved against the model's folder, as a read does;
 * also a location a read refuses, which other tools may still read), or name, for the saved copy, a
 * data file that is the copy itself. Paths are compared with their links resolved (a symbolic link
 * to the data file, `./a/../a/d.data`, a linked folder) and, for files that exist, by device and
 * inode. Returns the refusal's text, or undefined.
 */
export function dataFileClash(model: ModelProto, modelFile: string, outPath: string): string | undefined {
  const modelDir = path.dirname(path.resolve(modelFile));
  const outDir = path.dirname(path.resolve(outPath));
  // One check per location spelling, with the tensors that use it.
  const byLocation = new Map<string, string[]>();
  eachTensor(model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const location = externalDataValue(t, 'location');
    // The tensor's own problem, reported when it is read; a location that is not UTF-8 names no file a path string can reach.
    if (!location || location.includes('\0') || !isWellFormed(location)) return;
    const names = byLocation.get(location);
    if (names) names.push(t.name);
    else byLocation.set(location, [t.name]);
  });
  if (byLocation.size === 0) return undefined;
  const ids = new Identities();
  const out = ids.of(outPath, true);
  // A target that does not exist can only be a location by name; one that does, also by the file.
  const withFile = out.real !== undefined;
  const readers = (names: string[]) => `tensor '${names[0]}'${names.length > 1 ? ` and ${names.length - 1} other${names.length > 2 ? 's' : ''}` : ''}`;
  for (const [location, names] of byLocation) {
    if (same(out, ids.of(path.resolve(modelDir, location), withFile))) {
      return `cannot save: it is an external data file of ${modelFile} (${readers(names)} ${names.length > 1 ? 'read' : 'reads'} it, location '${location}'); saving over it would destroy those weights: choose another name`;
    }
  }
  if (outDir === modelDir) return undefined; // the same locations as above
  for (const [location, names] of byLocation) {
    if (same(out, ids.of(path.resolve(outDir, location), withFile))) {
      return `cannot save: the saved model would read its own bytes as external data (${readers(names)} ${names.length > 1 ? 'are' : 'is'} stored in '${location}', which from there is this file): choose another name`;
    }
  }
  return undefined;
}

/** `no space left on the device (ENOSPC)`: the system's reason in words and its code, no paths (one table with reads). */
export const errnoWords = fileErrorReason;

export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The folder cannot take the temporary file: EACCES/EPERM (permissions, `chattr +i`) or EROFS. */
const NOT_WRITABLE: Readonly<Record<string, string>> = {
  EACCES: 'permission denied, EACCES',
  EPERM: 'operation not permitted, EPERM',
  EROFS: 'read-only file system, EROFS',
};

const WHY_TEMP = 'a save writes a temporary file beside the model, then renames it over it';

/**
 * The problem text for a temporary file that could not be created in `dir`: a folder that cannot
 * be written is said in those words (with the system's reason); ENOENT in a folder that is there
 * (/proc, /sys, or removed meanwhile), a path too long, anything else, in words, without the
 * temporary file's name.
 */
export function tempFileProblem(dir: string, e: unknown): string {
  const code = errnoCode(e);
  if (code !== undefined && Object.prototype.hasOwnProperty.call(NOT_WRITABLE, code)) {
    return `cannot save: the folder ${dir} is not writable (${NOT_WRITABLE[code]}; ${WHY_TEMP})`;
  }
  if (code === 'ENOENT') return `cannot save: the folder ${dir} takes no new files, or is gone (no such file or folder, ENOENT; ${WHY_TEMP})`;
  if (code === 'ENAMETOOLONG') return `cannot save: the path of the folder ${dir} is too long for the system (ENAMETOOLONG)`;
  return `cannot save: cannot create a file in the folder ${dir}: ${errnoWords(e)}`;
}

/** The problem text for a rename of the finished temporary file over the target that failed. */
export function renameProblem(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'ENAMETOOLONG') return 'cannot save: its name is too long for the file system (ENAMETOOLONG)';
  if (code === 'ENOENT') return 'cannot save: the temporary file or its folder was removed before it could be renamed over the target (ENOENT); nothing was saved';
  if (code === 'EACCES' || code === 'EPERM') return `cannot save: it cannot be replaced: ${errnoWords(e)} (a file marked immutable, or a folder with the sticky bit whose file another user owns)`;
  return `cannot save: it cannot be replaced: ${errnoWords(e)}`;
}

/** The problem text for a write, flush or close of the temporary file that failed. */
export function writeProblem(e: unknown): string {
  return `cannot save: writing failed: ${errnoWords(e)}; nothing was saved`;
}
