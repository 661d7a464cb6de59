/**
 * What a save by rename does to the file it replaces, and where it writes:
 * - Save As into a folder that does not exist yet creates it (it failed with ENOENT on the
 *   temporary file);
 * - the replacement keeps the owner and mode of the file it replaces; a write-protected target
 *   (no write bit) is refused, in one line from `qdq save` / `qdq edit -o`; a target that is a
 *   symbolic link is replaced by a file and `replacedLink` says where the link led;
 * - a folder that cannot take the temporary file is said in those words (it was a raw
 *   "EPERM … open '.m.onnx.<hex>.tmp'").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ModelFileError, encodeModelToBytes, saveModelFile } from '../../../src/core/onnx/index';
import { tempFileProblem, writeProtected } from '../../../src/core/onnx/modelFile';
import { main as qdq } from '../../../src/cli/qdq';
import { makeTempDir } from '../../support/tempDir';
import { EDIT, files, openEdited, original, scratch } from './saveScratch';

test('Save As into folders that do not exist yet creates them', () => {
  const { dir, file } = scratch('qdq-newfolder');
  const decoded = openEdited(file);
  try {
    const target = path.join(dir, 'new', 'deeper', 'copy.onnx');
    const { bytesWritten } = saveModelFile(decoded, target);
    assert.equal(fs.statSync(target).size, bytesWritten);
    assert.ok(fs.readFileSync(target).equals(Buffer.from(encodeModelToBytes(decoded))));
    assert.deepEqual(files(path.dirname(target)), ['copy.onnx']);
    // A file where a folder should be: said, nothing written.
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    const blocked = path.join(dir, 'plain', 'sub', 'copy.onnx');
    assert.throws(
      () => saveModelFile(decoded, blocked),
      (e: unknown) => e instanceof ModelFileError && e.message.startsWith(`${blocked}: cannot save: cannot create the folder ${path.dirname(blocked)}: `) && /ENOTDIR|EEXIST/.test(e.message),
    );
  } finally {
    decoded.source.close?.();
  }
});

test('the replacement keeps the owner (uid 1000) and the mode of the file it replaces', (t) => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    t.skip('needs root to give a file another owner; the mode is checked in the chmod test');
    return;
  }
  const { file } = scratch('qdq-owner');
  fs.chownSync(file, 1000, 1000);
  fs.chmodSync(file, 0o640);
  const decoded = openEdited(file);
  try {
    saveModelFile(decoded, file);
    const st = fs.statSync(file);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 1000, 0o640]);
  } finally {
    decoded.source.close?.();
  }
});

test('write-protected is said in the platform\'s terms: the mode on POSIX, the Read-only attribute on Windows (Node reports it as mode 0444)', () => {
  assert.equal(writeProtected(0o100444, 'linux'), 'cannot save: it is write-protected (mode 0444; change its mode to save over it)');
  assert.equal(writeProtected(0o100555, 'darwin'), 'cannot save: it is write-protected (mode 0555; change its mode to save over it)');
  const win = writeProtected(0o100444, 'win32');
  assert.match(win, /Read-only attribute/);
  assert.doesNotMatch(win, /mode/);
});

test('a write-protected target (no write bit) is refused, untouched, no temporary file; qdq save and qdq edit -o say so in one line', async () => {
  const { dir, file } = scratch('qdq-readonly');
  fs.chmodSync(file, 0o444);
  const decoded = openEdited(file);
  try {
    assert.throws(
      () => saveModelFile(decoded, file),
      (e: unknown) => e instanceof ModelFileError && e.message === `${file}: cannot save: it is write-protected (mode 0444; change its mode to save over it)`,
    );
    assert.ok(fs.readFileSync(file).equals(original()));
    assert.equal(fs.statSync(file).mode & 0o777, 0o444);
    assert.deepEqual(files(dir), ['m.onnx']);
  } finally {
    decoded.source.close?.();
  }
  for (const args of [['save', file, '-o', file], ['edit', file, '--disable-quant', EDIT.target, '-o', file]]) {
    let out = '';
    let err = '';
    const code = await qdq(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
    assert.equal(code, 2, `qdq ${args.join(' ')}: ${err}`);
    assert.match(err, new RegExp(`^(qdq save: rewriting .*\\n)?qdq: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot save: it is write-protected \\(mode 0444; change its mode to save over it\\)\\n$`), err);
    assert.equal(out, '');
    assert.ok(fs.readFileSync(file).equals(original()));
    assert.deepEqual(files(dir), ['m.onnx']);
  }
});

test('a symbolic link as the target is replaced by a file, the file it led to is unchanged, and replacedLink says where it led', () => {
  const dir = makeTempDir('qdq-link');
  fs.mkdirSync(path.join(dir, 'blobs'));
  fs.mkdirSync(path.join(dir, 'snapshots'));
  const blob = path.join(dir, 'blobs', 'abc123');
  fs.writeFileSync(blob, original());
  const link = path.join(dir, 'snapshots', 'model.onnx');
  fs.symlinkSync('../blobs/abc123', link);
  const decoded = openEdited(link);
  try {
    const result = saveModelFile(decoded, link);
    assert.deepEqual(result, { bytesWritten: fs.statSync(link).size, replacedLink: blob });
    assert.ok(!fs.lstatSync(link).isSymbolicLink(), 'a regular file now');
    assert.ok(fs.readFileSync(link).equals(Buffer.from(encodeModelToBytes(decoded))));
    assert.ok(fs.readFileSync(blob).equals(original()), 'the blob is unchanged');
    // Now a file: the next save replaces no link.
    assert.equal(saveModelFile(decoded, link).replacedLink, undefined);
  } finally {
    decoded.source.close?.();
  }
});

test('a link into a read-only blob (git-annex, a nix store) is replaced, not refused: the new file is the owner\'s to write, the blob stays read-only', () => {
  const dir = makeTempDir('qdq-link-ro');
  const blob = path.join(dir, 'object');
  fs.writeFileSync(blob, original());
  fs.chmodSync(blob, 0o444);
  const link = path.join(dir, 'model.onnx');
  fs.symlinkSync('object', link);
  const decoded = openEdited(link);
  try {
    assert.equal(saveModelFile(decoded, link).replacedLink, blob);
    assert.equal(fs.statSync(link).mode & 0o777, 0o644, 'the blob\'s mode plus the owner\'s write bit');
    assert.equal(fs.statSync(blob).mode & 0o777, 0o444);
    assert.ok(fs.readFileSync(blob).equals(original()));
    saveModelFile(decoded, link); // not write-protected now
  } finally {
    decoded.source.close?.();
  }
});

test('a folder that cannot take the temporary file: "the folder … is not writable", said for EACCES, EPERM and EROFS', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, open '/d/.m.onnx.abc.tmp'`), { code });
  const why = ' a save writes a temporary file beside the model, then renames it over it)';
  assert.equal(tempFileProblem('/d', err('EACCES')), `cannot save: the folder /d is not writable (permission denied, EACCES;${why}`);
  assert.equal(tempFileProblem('/d', err('EPERM')), `cannot save: the folder /d is not writable (operation not permitted, EPERM;${why}`);
  assert.equal(tempFileProblem('/d', err('EROFS')), `cannot save: the folder /d is not writable (read-only file system, EROFS;${why}`);
  // Anything else in words, never with the temporary file's name (it was the raw "ENOSPC: failed, open '/d/.m.onnx.abc.tmp'").
  assert.equal(tempFileProblem('/d', err('ENOSPC')), 'cannot save: cannot create a file in the folder /d: no space left on the device (ENOSPC)');
  assert.equal(tempFileProblem('/d', err('ENOENT')), `cannot save: the folder /d takes no new files, or is gone (no such file or folder, ENOENT;${why}`);
  assert.equal(tempFileProblem('/d', err('ENAMETOOLONG')), 'cannot save: the path of the folder /d is too long for the system (ENAMETOOLONG)');
});

test('a folder that cannot be written (chattr +i): the save says the folder is not writable, the file is untouched', (t) => {
  const { dir, file } = scratch('qdq-immutable');
  const decoded = openEdited(file);
  const set = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
  if (set.status !== 0) {
    decoded.source.close?.();
    t.skip(`cannot make a folder immutable here (${(set.stderr || set.error?.message || 'not permitted').trim()}); the message mapping is tested above and with fault injection below`);
    return;
  }
  try {
    assert.throws(
      () => saveModelFile(decoded, file),
      (e: unknown) => e instanceof ModelFileError &&
        e.message === `${file}: cannot save: the folder ${dir} is not writable (operation not permitted, EPERM; a save writes a temporary file beside the model, then renames it over it)`,
    );
  } finally {
    spawnSync('chattr', ['-i', dir]);
    decoded.source.close?.();
  }
  assert.ok(fs.readFileSync(file).equals(original()));
  assert.deepEqual(files(dir), ['m.onnx']);
});

test('the temporary file refused with EACCES (fault injection, runs everywhere): the same message', (t) => {
  const { dir, file } = scratch('qdq-eacces');
  const decoded = openEdited(file);
  // The fs module object itself (the namespace import is a read-only view of it), so the save's own call fails.
  const fsModule = createRequire(__filename)('node:fs') as typeof fs;
  const real = fsModule.openSync;
  const m = t.mock.method(fsModule, 'openSync', (p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    if (String(p).endsWith('.tmp')) throw Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES' });
    return real(p, flags ?? 'r', mode);
  });
  try {
    assert.throws(
      () => saveModelFile(decoded, file),
      (e: unknown) => e instanceof ModelFileError &&
        e.message === `${file}: cannot save: the folder ${dir} is not writable (permission denied, EACCES; a save writes a temporary file beside the model, then renames it over it)`,
    );
    assert.ok(m.mock.callCount() > 0);
  } finally {
    m.mock.restore();
    decoded.source.close?.();
  }
  assert.ok(fs.readFileSync(file).equals(original()));
});

test('qdq save and qdq edit -o over a link say on stderr that the link is now a file, and where it led', async () => {
  const dir = makeTempDir('qdq-link-cli');
  const blob = path.join(dir, 'blob');
  fs.writeFileSync(blob, original());
  for (const [command, args] of [
    ['qdq save', (link: string) => ['save', link, '-o', link]],
    ['qdq edit', (link: string) => ['edit', link, '--disable-quant', EDIT.target, '-o', link]],
  ] as const) {
    const link = path.join(dir, `${command.replace(' ', '-')}.onnx`);
    fs.symlinkSync('blob', link);
    let out = '';
    let err = '';
    const code = await qdq([...args(link)], { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
    assert.equal(code, 0, err);
    assert.ok(err.endsWith(`${command}: ${link} was a link to ${blob}; it is now a file of its own (${blob} is unchanged)\n`), err);
    assert.match(out, /wrote /);
    assert.ok(!fs.lstatSync(link).isSymbolicLink());
    assert.ok(fs.readFileSync(blob).equals(original()));
  }
});

test('owner and mode are best effort: a file system that refuses fchown or fchmod (sshfs EACCES, FUSE ENOSYS/ENOTSUP) still gets the save', (t) => {
  const fsModule = createRequire(__filename)('node:fs') as typeof fs;
  for (const [method, code] of [['fchownSync', 'EACCES'], ['fchownSync', 'ENOSYS'], ['fchmodSync', 'EPERM'], ['fchmodSync', 'ENOTSUP']] as const) {
    const { file } = scratch('qdq-best-effort');
    if (method === 'fchownSync') fs.chownSync(file, 1000, 1000); // another owner, so the save tries to keep it
    const decoded = openEdited(file);
    const expected = Buffer.from(encodeModelToBytes(decoded));
    const m = t.mock.method(fsModule, method, () => {
      throw Object.assign(new Error(`${code}: refused, ${method}`), { code });
    });
    try {
      saveModelFile(decoded, file);
      assert.ok(m.mock.callCount() > 0, `${method} was tried`);
    } finally {
      m.mock.restore();
      decoded.source.close?.();
    }
    assert.ok(fs.readFileSync(file).equals(expected), `${method} ${code}: the model is saved`);
  }
});
