/**
 * Scratch copies of a small fixture model for the save tests, and the ways other programs change
 * a model file under an open model (rewritten in place, with a new mtime).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit } from '../../../src/core/editing/index';
import { openModelFile, type DecodedModel } from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';

export const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');
export const EDIT = { kind: 'disableQuantization', target: '/model.1/conv/Conv' } as const;
/** A tensor name in the fixture, and a same-length one: renaming gives a valid model of the same size. */
export const NAME = '/model.0/act/Mul_output_0';

export const original = (): Buffer => fs.readFileSync(FIXTURE);
/** The fixture with one tensor renamed: same size, other bytes (what a re-export could write). */
export function reexported(): Buffer {
  const b = Buffer.from(original().toString('latin1').replaceAll(NAME, NAME.replace(/0$/, '9')), 'latin1');
  assert.equal(b.length, original().length);
  assert.ok(!b.equals(original()));
  return b;
}

/** A scratch folder holding a copy of the fixture as `m.onnx`. */
export function scratch(prefix: string): { dir: string; file: string } {
  const dir = makeTempDir(prefix);
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, original());
  return { dir, file };
}

/**
 * Waits (by file writes, not by time) until the file system's clock is past `file`'s mtime, so a
 * rewrite gets a different mtime even where timestamps are coarse (a kernel tick). Real rewrites
 * come seconds after the open; a test's come microseconds after.
 */
export function pastMtimeOf(file: string): void {
  const probe = path.join(path.dirname(file), '.clock-probe');
  const was = fs.statSync(file, { bigint: true }).mtimeNs;
  for (;;) {
    fs.writeFileSync(probe, 'x');
    if (fs.statSync(probe, { bigint: true }).mtimeNs > was) break;
  }
  fs.unlinkSync(probe);
}

/** Rewrites `file` in place (O_TRUNC on the same inode, as cp and onnx.save do). */
export function rewriteInPlace(file: string, bytes: Uint8Array): void {
  const ino = fs.statSync(file).ino;
  pastMtimeOf(file);
  fs.writeFileSync(file, bytes);
  assert.equal(fs.statSync(file).ino, ino, 'same inode');
}

export const files = (dir: string): string[] => fs.readdirSync(dir).sort();

export function openEdited(file: string): DecodedModel {
  const decoded = openModelFile(file);
  applyEdit(decoded, EDIT);
  return decoded;
}

export function firstInitializer(decoded: DecodedModel) {
  const t = decoded.model.graph!.initializer.find((i) => i.rawData);
  assert.ok(t, 'the fixture has an initializer with raw_data');
  return t;
}

