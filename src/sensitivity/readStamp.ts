import { createHash } from 'node:crypto';

/** What a stat says of a file (the fields of `vscode.FileStat` compared; times in ms, 0 when unknown). */
export interface StatLike {
  readonly mtime: number;
  readonly size: number;
  /** Creation time: a file deleted and written again gets a new one where the file system keeps it. */
  readonly ctime: number;
}

/** What a read of a result file saw: the stat taken before reading, and a hash of the bytes when that stat cannot tell a later write. */
export interface ReadStamp extends StatLike {
  readonly hash?: string;
}

/**
 * Whether a write after `statAt` (our clock, taken before the stat) is sure to move the mtime off
 * `mtime`. Not when the mtime is unknown, ahead of our clock, or within a tick of the read: file
 * timestamps come from a coarse clock (a few ms behind), and file systems with whole-second times
 * (FAT: 2 s) give a write made a moment later the same mtime.
 */
export function statCanTell(mtime: number, statAt: number): boolean {
  if (!(mtime > 0)) return false;
  const tick = mtime % 1000 === 0 ? 2000 : 0;
  return mtime + tick + 100 <= statAt;
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** The stamp of a read: `bytes` (when the file was read) are hashed only if the stat cannot tell. */
export function readStamp(stat: StatLike, statAt: number, bytes?: Uint8Array): ReadStamp {
  const { mtime, size, ctime } = stat;
  return bytes && !statCanTell(mtime, statAt) ? { mtime, size, ctime, hash: contentHash(bytes) } : { mtime, size, ctime };
}

/**
 * Whether the file changed since the read of `seen`, by a stat of it now: true or false, or
 * undefined when the stat is the same but cannot tell (compare `contentHash` of the bytes with
 * `seen.hash`).
 */
export function changedSince(seen: ReadStamp, now: StatLike): boolean | undefined {
  if (now.mtime !== seen.mtime || now.size !== seen.size || now.ctime !== seen.ctime) return true;
  return seen.hash === undefined ? false : undefined;
}
