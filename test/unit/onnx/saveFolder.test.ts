/**
 * A save whose folder is missing creates it (Save As may name a new one); when it cannot, the
 * message names what is in the way in words, not the system's "no such file (ENOENT)" or "a folder
 * on its path is a file": a file or a device where a folder should be, a symbolic link to nothing,
 * a folder that takes no new folders (/proc: mkdir's recursive mode spun there forever), a name
 * too long. Nothing is left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelFileError, saveModelFile } from '../../../src/core/onnx/index';
import { fileErrorReason } from '../../../src/core/util/fileErrors';
import { makeTempDir } from '../../support/tempDir';
import { files, openEdited, scratch } from './saveScratch';

/** The message of saving `file` (edited) to each target. */
function saveMessages(file: string, targets: string[]): string[] {
  const decoded = openEdited(file);
  try {
    return targets.map((target) => {
      try {
        saveModelFile(decoded, target);
        return 'saved';
      } catch (e) {
        assert.ok(e instanceof ModelFileError, String(e));
        return e.message;
      }
    });
  } finally {
    decoded.source.close?.();
  }
}

test('a file where the folder should be: named as a file, at any depth; nothing created', () => {
  const { dir, file } = scratch('qdq-save-folder-file');
  const plain = path.join(dir, 'plain');
  fs.writeFileSync(plain, 'x');
  const targets = [path.join(plain, 'm.onnx'), path.join(plain, 'sub', 'm.onnx'), path.join(plain, 'a', 'b', 'm.onnx')];
  assert.deepEqual(saveMessages(file, targets), [
    `${targets[0]}: cannot save: ${plain} is a file, not a folder (ENOTDIR)`,
    `${targets[1]}: cannot save: cannot create the folder ${path.join(plain, 'sub')}: ${plain} is a file, not a folder (ENOTDIR)`,
    `${targets[2]}: cannot save: cannot create the folder ${path.join(plain, 'a', 'b')}: ${plain} is a file, not a folder (ENOTDIR)`,
  ]);
  assert.deepEqual(files(dir), ['m.onnx', 'plain']);
  assert.equal(fs.readFileSync(plain, 'utf8'), 'x');
});

test('a device where the folder should be (/dev/null/m.onnx): said as such (stat only)', (t) => {
  if (!fs.statSync('/dev/null', { throwIfNoEntry: false })?.isCharacterDevice()) {
    t.skip('no /dev/null here');
    return;
  }
  const { file } = scratch('qdq-save-folder-device');
  assert.deepEqual(saveMessages(file, ['/dev/null/m.onnx', '/dev/null/x/m.onnx']), [
    '/dev/null/m.onnx: cannot save: /dev/null is a character device, not a folder (ENOTDIR)',
    '/dev/null/x/m.onnx: cannot save: cannot create the folder /dev/null/x: /dev/null is a character device, not a folder (ENOTDIR)',
  ]);
});

test('the folder is a symbolic link to nothing: said so, with where it leads; nothing created there', () => {
  const { dir, file } = scratch('qdq-save-folder-link');
  const link = path.join(dir, 'models');
  fs.symlinkSync(path.join(dir, 'gone'), link);
  const targets = [path.join(link, 'm.onnx'), path.join(link, 'sub', 'm.onnx')];
  const why = `cannot save: the folder ${link} is a symbolic link to ${path.join(dir, 'gone')}, which does not exist`;
  assert.deepEqual(saveMessages(file, targets), targets.map((target) => `${target}: ${why}`));
  assert.deepEqual(files(dir), ['m.onnx', 'models']);
});

test('a folder name too long for the file system: in words', () => {
  const { dir, file } = scratch('qdq-save-folder-long');
  const folder = path.join(dir, 'x'.repeat(300));
  const target = path.join(folder, 'm.onnx');
  assert.deepEqual(saveMessages(file, [target]), [`${target}: cannot save: cannot create the folder ${folder}: a name on its path is too long (ENAMETOOLONG)`]);
  assert.equal(fileErrorReason(Object.assign(new Error('x'), { code: 'ENAMETOOLONG' })), 'a name on its path is too long (ENAMETOOLONG)');
  assert.equal(fileErrorReason(Object.assign(new Error('x'), { code: 'EEXIST' })), 'something else is already there (EEXIST)', 'a folder made meanwhile by something else: said in words');
});

test('a new folder under one that takes none (/proc/new/m.onnx): said in words at once (mkdir -p spun there forever)', (t) => {
  if (!fs.existsSync('/proc/self')) {
    t.skip('no /proc here');
    return;
  }
  // In a child with a time limit: the old save never returned (a synchronous loop no test timeout stops).
  const dir = makeTempDir('qdq-save-folder-proc');
  const script = path.join(dir, 'child.ts');
  const { file } = scratch('qdq-save-folder-proc-model');
  fs.writeFileSync(script, `
    import { saveModelFile } from ${JSON.stringify(path.resolve(__dirname, '../../../src/core/onnx/index'))};
    import { openEdited } from ${JSON.stringify(path.resolve(__dirname, 'saveScratch'))};
    const d = openEdited(${JSON.stringify(file)});
    for (const target of ['/proc/qdq-new/m.onnx', '/proc/self/qdq-new/sub/m.onnx']) {
      try { saveModelFile(d, target); console.log('saved'); } catch (e) { console.log((e as Error).message); }
    }
  `);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, `the save did not return in 30 s (${r.signal})`);
  assert.equal(r.stdout, [
    '/proc/qdq-new/m.onnx: cannot save: cannot create the folder /proc/qdq-new: the folder /proc takes no new folders, or is gone (ENOENT)',
    '/proc/self/qdq-new/sub/m.onnx: cannot save: cannot create the folder /proc/self/qdq-new: the folder /proc/self takes no new folders, or is gone (ENOENT)',
    '',
  ].join('\n'), r.stderr);
});
