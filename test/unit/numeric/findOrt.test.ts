/**
 * findOrt: where loadOrt would load onnxruntime-node from, found without loading it (what the
 * Numeric Check command asks before its questions). Same order as loadOrt: the given folders (the
 * package itself or a folder with node_modules/onnxruntime-node), then resolution from a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findOrt, OrtNotFoundError } from '../../../src/numeric/ortRuntime';
import { makeTempDir } from '../../support/tempDir';

const root = path.resolve(__dirname, '..', '..', '..');
const dir = makeTempDir('qdq-find-ort');

/** A folder with node_modules/onnxruntime-node/package.json only (nothing loadable: never loaded). */
function fakeInstall(name: string): string {
  const prefix = path.join(dir, name);
  fs.mkdirSync(path.join(prefix, 'node_modules', 'onnxruntime-node'), { recursive: true });
  fs.writeFileSync(path.join(prefix, 'node_modules', 'onnxruntime-node', 'package.json'), '{"name":"onnxruntime-node","main":"missing.js"}');
  return prefix;
}

test('findOrt: the first folder holding onnxruntime-node, as a prefix or as the package folder, without loading it', () => {
  const prefix = fakeInstall('prefix');
  const pkg = path.join(prefix, 'node_modules', 'onnxruntime-node');
  assert.equal(findOrt([undefined, path.join(dir, 'none'), prefix]), pkg);
  assert.equal(findOrt([pkg]), pkg);
});

test('findOrt: else normal resolution from the given file (the repository has it as a dependency)', () => {
  assert.equal(fs.realpathSync(findOrt([], path.join(root, 'dist', 'extension.js'))), fs.realpathSync(path.join(root, 'node_modules', 'onnxruntime-node')));
});

test('findOrt: nowhere is an OrtNotFoundError naming where it looked', () => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  assert.throws(
    () => findOrt([empty], path.join(empty, 'x.js')),
    (e: unknown) => e instanceof OrtNotFoundError && e.message.includes(empty) && e.message.includes('node_modules resolution') && /could not be loaded: not installed/.test(e.message),
  );
});
