/**
 * Saves on a full disk (and to a read-only filesystem) fail cleanly: a clear error naming the file,
 * the original untouched byte for byte, no temporary file left behind. Once on a real full filesystem (a tiny tmpfs, which needs
 * root and mount permission: skipped with the reason otherwise), and once with the write failing
 * with ENOSPC half-way through (fault injection, runs everywhere).
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { applyEdit } from '../../../src/core/editing/index';
import { isOnnxError, openModelFile, saveModelFile } from '../../../src/core/onnx/index';
import { yoloLike, YOLO_PRESETS } from '../../support/modelBuilder';
import { makeTempDir } from '../../support/tempDir';

const model = () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();

/** Edits the model at `file` (so a save has new bytes to write), saves it in place, returns the error. */
function editAndSave(file: string): unknown {
  const decoded = openModelFile(file);
  try {
    applyEdit(decoded, { kind: 'disableQuantization', target: 'model.2' });
    saveModelFile(decoded, file);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    decoded.source.close?.();
  }
}

function leftovers(dir: string, keep: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !keep.includes(f));
}

test('a full filesystem: the save fails naming the file, the original is untouched, no temporary file remains', (t) => {
  const bytes = model();
  const mnt = makeTempDir('qdq-full-');
  const size = Math.ceil((bytes.length * 1.5) / 4096) * 4096 + 64 * 1024;
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    t.skip(`cannot mount a small tmpfs here (${(mount.stderr || mount.error?.message || 'not permitted').trim()}); the fault-injection test below covers the code path`);
    return;
  }
  try {
    const file = path.join(mnt, 'model with space.onnx');
    fs.writeFileSync(file, bytes);
    // Fill what is left, so a second copy of the model cannot fit.
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    const block = Buffer.alloc(4096);
    try {
      for (;;) fs.writeSync(fd, block);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const err = editAndSave(file);
    assert.ok(err, 'the save must fail on a full filesystem');
    assert.ok(isOnnxError(err), `an ONNX-layer error, not ${String(err)}`);
    assert.ok((err as Error).message.includes(file), (err as Error).message);
    assert.match((err as Error).message, /ENOSPC|no space/i);
    assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)), 'the original is byte-identical');
    assert.deepEqual(leftovers(mnt, ['model with space.onnx', 'filler']), [], 'no temporary file left');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('a write failing with ENOSPC half-way: same clean failure (fault injection)', () => {
  const dir = makeTempDir('qdq-enospc-');
  const file = path.join(dir, 'model.onnx');
  const bytes = model();
  fs.writeFileSync(file, bytes);
  let written = 0;
  // The fs module object itself (the namespace import is a read-only view of it), so the save's own
  // fs.writeSync calls are the ones that fail.
  const fsModule = createRequire(__filename)('node:fs') as typeof fs;
  const real = fsModule.writeSync;
  const m = mock.method(fsModule, 'writeSync', (fd: number, buf: Uint8Array, off?: number, len?: number) => {
    if (written > bytes.length / 2) {
      const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    }
    const n = (real as (fd: number, b: Uint8Array, o?: number, l?: number) => number)(fd, buf, off, len);
    written += n;
    return n;
  });
  let err: unknown;
  try {
    err = editAndSave(file);
  } finally {
    m.mock.restore();
  }
  assert.ok(written > 0, 'the save went through our writer');
  assert.ok(isOnnxError(err), String(err));
  assert.ok((err as Error).message.includes(file));
  assert.match((err as Error).message, /ENOSPC/);
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)), 'the original is byte-identical');
  assert.deepEqual(leftovers(dir, ['model.onnx']), [], 'no temporary file left');
});

test('a read-only filesystem: the save fails naming the file, the original is untouched', (t) => {
  const bytes = model();
  const mnt = makeTempDir('qdq-ro-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || 'not permitted').trim()})`);
    return;
  }
  try {
    const file = path.join(mnt, 'model.onnx');
    fs.writeFileSync(file, bytes);
    // Permissions do not stop root; a read-only mount does.
    const ro = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
    assert.equal(ro.status, 0, ro.stderr);
    const err = editAndSave(file);
    assert.ok(isOnnxError(err), String(err));
    assert.ok((err as Error).message.includes(file), (err as Error).message);
    assert.match((err as Error).message, /EROFS|read-only/i);
    assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)), 'the original is byte-identical');
    assert.deepEqual(leftovers(mnt, ['model.onnx']), []);
  } finally {
    spawnSync('umount', [mnt]);
  }
});
