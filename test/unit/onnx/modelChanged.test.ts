/**
 * A model file that changes under an open model. Rewritten in place (same inode: `cp new.onnx
 * model.onnx`, `onnx.save`, `torch.onnx.export`): the save refuses with ModelChangedError and
 * writes nothing (it wrote the new bytes inside the old structure: a model with dangling inputs),
 * and a tensor read refuses too (it returned the new bytes). Replaced by rename (a new inode), or
 * only its metadata changed (chmod, a hard link): reads and saves go on from the file as opened,
 * also after our own save (which replaces it by rename).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit } from '../../../src/core/editing/index';
import {
  FileSource, ModelChangedError, ModelFileError, encodeModelToBytes, openModelFile, readTensorBytes, saveModelFile,
} from '../../../src/core/onnx/index';
import { EDIT, files, firstInitializer, openEdited, original, pastMtimeOf, reexported, rewriteInPlace, scratch } from './saveScratch';

const isChanged = (file: string) => (e: unknown): boolean =>
  e instanceof ModelChangedError && e instanceof ModelFileError && e.name === 'ModelChangedError' && e.file === file &&
  e.message === `${file}: changed on disk since it was read (rewritten in place); the unchanged parts of the model can no longer be copied from it`;

for (const [what, bytes] of [
  ['the same size', reexported],
  ['another size', () => original().subarray(0, 4000)],
] as const) {
  test(`rewritten in place (${what}) while open: the save refuses with ModelChangedError, writes nothing, leaves no temporary file`, () => {
    const { dir, file } = scratch('qdq-inplace');
    const decoded = openEdited(file);
    try {
      const now = bytes();
      rewriteInPlace(file, now);
      assert.throws(() => saveModelFile(decoded, file), isChanged(file));
      assert.ok(fs.readFileSync(file).equals(now), 'the file is what the other program wrote');
      assert.deepEqual(files(dir), ['m.onnx'], 'no temporary file');
      // Save As elsewhere copies from the same source: refused too, and no folder is made for it.
      const other = path.join(dir, 'new', 'copy.onnx');
      assert.throws(() => saveModelFile(decoded, other), isChanged(file));
      assert.deepEqual(files(dir), ['m.onnx']);
    } finally {
      decoded.source.close?.();
    }
  });
}

test('metadata-only changes while open leave the bytes alone: reads and the save go on (chmod and chown to the same values, touch -a, an extended attribute, a hard link made and removed, mv of the file)', (t) => {
  const changes: [string, (dir: string, file: string) => string | void][] = [
    ['chmod to the same mode', (_d, f) => fs.chmodSync(f, fs.statSync(f).mode & 0o7777)],
    ['chmod a-w and back', (_d, f) => {
      const mode = fs.statSync(f).mode & 0o7777;
      fs.chmodSync(f, mode & ~0o222);
      fs.chmodSync(f, mode);
    }],
    ['chown to the same owner', (_d, f) => {
      const st = fs.statSync(f);
      fs.chownSync(f, st.uid, st.gid);
    }],
    ['touch -a', (_d, f) => assert.equal(spawnSync('touch', ['-a', f]).status, 0)],
    ['a hard link made and removed', (d, f) => {
      fs.linkSync(f, path.join(d, 'other-name.onnx'));
      fs.unlinkSync(path.join(d, 'other-name.onnx'));
    }],
    ['mv of the file itself', (d, f) => {
      const moved = path.join(d, 'moved.onnx');
      fs.renameSync(f, moved);
      return moved;
    }],
  ];
  const xattr = spawnSync('setfattr', ['--version']);
  if (xattr.status === 0) changes.push(['an extended attribute', (_d, f) => void spawnSync('setfattr', ['-n', 'user.qdq', '-v', 'x', f])]);
  else t.diagnostic('no setfattr here: the extended-attribute case is not run');
  for (const [what, change] of changes) {
    const { dir, file } = scratch('qdq-meta-only');
    const decoded = openEdited(file);
    try {
      const expected = Buffer.from(encodeModelToBytes(decoded));
      pastMtimeOf(file); // a later ctime is possible: the change happens after the open's clock tick
      const now = change(dir, file) ?? file;
      assert.doesNotThrow(() => decoded.source.checkUnchanged?.(), what);
      assert.doesNotThrow(() => readTensorBytes(decoded, firstInitializer(decoded)), what);
      const target = path.join(dir, 'saved.onnx');
      saveModelFile(decoded, target);
      assert.ok(fs.readFileSync(target).equals(expected), `${what}: the save writes the edited model`);
      assert.ok(fs.existsSync(now));
    } finally {
      decoded.source.close?.();
    }
  }
});

test('a tensor read after an in-place rewrite refuses with ModelChangedError (it returned the new bytes)', () => {
  const { file } = scratch('qdq-inplace-read');
  const decoded = openModelFile(file);
  try {
    const tensor = firstInitializer(decoded);
    const before = Buffer.from(readTensorBytes(decoded, tensor));
    // Other bytes at the same place: every payload byte flipped.
    const now = original();
    const span = (tensor.rawData as { fieldSpans: { start: number; end: number }[] }).fieldSpans[0]!;
    for (let i = span.end - before.length; i < span.end; i++) now[i] = now[i]! ^ 0xff;
    rewriteInPlace(file, now);
    assert.throws(() => readTensorBytes(decoded, tensor), isChanged(file));
    assert.throws(() => encodeModelToBytes(decoded), isChanged(file), 'an encode for a remote save reads through the same check');
  } finally {
    decoded.source.close?.();
  }
});

test('replaced by rename (a new inode) while open: reads and saves go on from the file as opened, also after our own save', () => {
  const { dir, file } = scratch('qdq-rename');
  const decoded = openModelFile(file);
  const applied = applyEdit(decoded, EDIT);
  try {
    const tensor = firstInitializer(decoded);
    const tensorBefore = Buffer.from(readTensorBytes(decoded, tensor));
    const expected = Buffer.from(encodeModelToBytes(decoded));
    const side = path.join(dir, 'side.onnx');
    fs.writeFileSync(side, reexported());
    fs.renameSync(side, file); // the old inode loses its name: its ctime moves, its bytes do not
    assert.ok(Buffer.from(readTensorBytes(decoded, tensor)).equals(tensorBefore));
    assert.equal(saveModelFile(decoded, file).bytesWritten, expected.length);
    assert.ok(fs.readFileSync(file).equals(expected), 'the edited model as opened, not the other file');
    // Our save replaced the file by rename too: a second save and a read still work.
    applied.journal.undo();
    saveModelFile(decoded, file);
    assert.ok(fs.readFileSync(file).equals(original()), 'edit + undo saves the original bytes');
    assert.ok(Buffer.from(readTensorBytes(decoded, tensor)).equals(tensorBefore));
    assert.deepEqual(files(dir), ['m.onnx']);
  } finally {
    decoded.source.close?.();
  }
});

test('chmod and a hard link while open leave the bytes alone: the save goes on', () => {
  const { dir, file } = scratch('qdq-meta');
  const decoded = openEdited(file);
  try {
    const expected = Buffer.from(encodeModelToBytes(decoded));
    pastMtimeOf(file);
    fs.chmodSync(file, 0o600);
    fs.linkSync(file, path.join(dir, 'other-name.onnx'));
    saveModelFile(decoded, file);
    assert.ok(fs.readFileSync(file).equals(expected));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the mode is kept');
    // The rename splits the hard link: the other name keeps the old bytes (inherent in a save by rename).
    assert.ok(fs.readFileSync(path.join(dir, 'other-name.onnx')).equals(original()));
  } finally {
    decoded.source.close?.();
  }
});

test('an untouched model saves byte-identical, over itself and elsewhere', () => {
  const { dir, file } = scratch('qdq-identity');
  const decoded = openModelFile(file);
  try {
    assert.equal(saveModelFile(decoded, file).bytesWritten, original().length);
    assert.ok(fs.readFileSync(file).equals(original()));
    const other = path.join(dir, 'copy.onnx');
    assert.deepEqual(saveModelFile(decoded, other), { bytesWritten: original().length });
    assert.ok(fs.readFileSync(other).equals(original()));
  } finally {
    decoded.source.close?.();
  }
});

test('FileSource.checkUnchanged: quiet on an unchanged file, ModelChangedError after a rewrite, an error after close', () => {
  const { file } = scratch('qdq-check');
  const src = new FileSource(file);
  src.checkUnchanged();
  rewriteInPlace(file, reexported());
  assert.throws(() => src.checkUnchanged(), isChanged(file));
  assert.throws(() => src.read(0, 4), isChanged(file));
  assert.throws(() => src.readInto(0, new Uint8Array(4), 4), isChanged(file));
  src.close();
  assert.throws(() => src.checkUnchanged(), /read after close/);
});

