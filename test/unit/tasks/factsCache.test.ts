/**
 * The task list's per-model facts (src/tasks/factsCache.ts): read once per file while it stays the
 * same, again when it changes, a failed read not kept, bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FactsCache } from '../../../src/tasks/factsCache';
import { makeTempDir } from '../../support/tempDir';

test('a file is read once while it stays the same, and again once it changes (size or modification time)', async () => {
  const dir = makeTempDir('facts-cache');
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, 'abc');
  const reads: string[] = [];
  const cache = new FactsCache(async (f) => {
    reads.push(f);
    return fs.readFileSync(f, 'utf8');
  });
  assert.equal(await cache.get(file), 'abc');
  assert.equal(await cache.get(file), 'abc');
  assert.equal(reads.length, 1, 'the second listing reads nothing');
  fs.writeFileSync(file, 'abcd'); // another size
  assert.equal(await cache.get(file), 'abcd');
  fs.writeFileSync(file, 'wxyz'); // the same size, a later time
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  assert.equal(await cache.get(file), 'wxyz');
  assert.equal(reads.length, 3);
});

test('a failed read is not kept: the next listing tries again', async () => {
  let fail = true;
  let reads = 0;
  const cache = new FactsCache(async () => {
    reads++;
    if (fail) throw new Error('unreadable');
    return 'ok';
  }, 64, async () => ({ size: 1, mtimeMs: 1 }));
  await assert.rejects(cache.get('m.onnx'), /unreadable/);
  fail = false;
  assert.equal(await cache.get('m.onnx'), 'ok');
  assert.equal(await cache.get('m.onnx'), 'ok');
  assert.equal(reads, 2);
});

test('bounded: beyond the limit the least recently used file goes', async () => {
  const reads: string[] = [];
  const cache = new FactsCache(async (f) => {
    reads.push(f);
    return f;
  }, 2, async () => ({ size: 1, mtimeMs: 1 }));
  await cache.get('a');
  await cache.get('b');
  await cache.get('a'); // a is the most recent now
  await cache.get('c'); // b goes
  await cache.get('a');
  await cache.get('b');
  assert.deepEqual(reads, ['a', 'b', 'c', 'b']);
});

test('a missing file is an error (the listing skips it), not a stale answer', async () => {
  const dir = makeTempDir('facts-cache-missing');
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, 'abc');
  const cache = new FactsCache(async (f) => fs.readFileSync(f, 'utf8'));
  assert.equal(await cache.get(file), 'abc');
  fs.rmSync(file);
  await assert.rejects(cache.get(file), /ENOENT/);
});
