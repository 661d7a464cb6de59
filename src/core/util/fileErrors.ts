/**
 * One wording for a file that cannot be read, in every command and view: `<file>: cannot read: no
 * such file (ENOENT)`. The reason in words, then the system's code, so a user can search for it.
 * (Pure: only looks at the error's `code`.)
 */

const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a folder on its path is a file',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'a name on its path is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  // What a write meets besides.
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for its file system',
  EROFS: 'read-only file system',
  EBUSY: 'it is in use (a mount point, or locked)',
  EXDEV: 'it is on another file system',
  ETXTBSY: 'it is a running program',
  EEXIST: 'something else is already there',
};

/** Why a read or write failed: `no such file (ENOENT)`; an unknown code as it is, else the error's message. */
export function fileErrorReason(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code) return Object.prototype.hasOwnProperty.call(WORDS, code) ? `${WORDS[code]} (${code})` : code;
  return e instanceof Error ? e.message : String(e);
}

/** `<file>: cannot read: <reason>`, the message of a FileReadError. */
export function cannotReadMessage(file: string, e: unknown): string {
  return `${file}: cannot read: ${fileErrorReason(e)}`;
}
