/**
 * The stamp of a read of a result file (src/sensitivity/readStamp.ts), which the look 2 s after the
 * read (`SensitivityResults.verifySoon`) compares with one stat to catch a file replaced while its
 * file events were dropped: when the stat alone can tell, and when a content hash has to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedSince, contentHash, readStamp, statCanTell } from '../../../src/sensitivity/readStamp';

const bytes = (s: string) => new TextEncoder().encode(s);
const T = 1_765_000_000_123; // a read at some ms of a second

test('the stat can tell when the mtime is known and a tick before the read', () => {
  assert.equal(statCanTell(T - 5_000, T), true);
  assert.equal(statCanTell(T - 101, T), true);
  // Within a tick of the read: a write a moment later can get the same mtime.
  assert.equal(statCanTell(T - 99, T), false);
  assert.equal(statCanTell(T, T), false);
  // Ahead of our clock (a file copied from a machine whose clock is ahead), or unknown.
  assert.equal(statCanTell(T + 60_000, T), false);
  assert.equal(statCanTell(0, T), false);
  assert.equal(statCanTell(Number.NaN, T), false);
});

test('whole-second mtimes (FAT, HFS+, some network file systems) need the coarse tick', () => {
  const whole = T - 123 - 1_000; // on a whole second, 1.123 s before the read
  assert.equal(statCanTell(whole, T), false);
  assert.equal(statCanTell(whole - 1_000, T), true);
  assert.equal(statCanTell(whole + 7, T), true, 'a mtime with ms is not coarse');
});

test('the content is hashed only when the stat cannot tell, and only when it was read', () => {
  const stat = { mtime: T - 10_000, size: 5, ctime: T - 20_000 };
  assert.deepEqual(readStamp(stat, T, bytes('hello')), { mtime: T - 10_000, size: 5, ctime: T - 20_000 });
  const racy = { ...stat, mtime: T - 10 };
  assert.deepEqual(readStamp(racy, T, bytes('hello')), { ...racy, hash: contentHash(bytes('hello')) });
  assert.deepEqual(readStamp(racy, T), racy, 'not read (too large, not a regular file): nothing to hash');
});

test('a change of mtime, size or creation time is a change; the same stat is none unless only the content can tell', () => {
  const seen = readStamp({ mtime: T - 10_000, size: 5, ctime: T - 20_000 }, T, bytes('hello'));
  assert.equal(changedSince(seen, { mtime: T - 10_000, size: 5, ctime: T - 20_000 }), false);
  assert.equal(changedSince(seen, { mtime: T + 1_000, size: 5, ctime: T - 20_000 }), true, 'written again');
  assert.equal(changedSince(seen, { mtime: T - 10_000, size: 6, ctime: T - 20_000 }), true, 'same mtime, other size');
  assert.equal(changedSince(seen, { mtime: T - 10_000, size: 5, ctime: T + 500 }), true, 'deleted and made again with its old mtime (cp -p)');
  const racy = readStamp({ mtime: T + 3_600_000, size: 5, ctime: T - 20_000 }, T, bytes('hello'));
  assert.equal(changedSince(racy, { mtime: T + 3_600_000, size: 5, ctime: T - 20_000 }), undefined, 'the stat cannot tell: compare the hash');
  assert.equal(changedSince(racy, { mtime: T + 3_600_000, size: 6, ctime: T - 20_000 }), true);
  assert.notEqual(contentHash(bytes('hello')), contentHash(bytes('hellp')));
  assert.equal(contentHash(bytes('hello')), contentHash(bytes('hello')));
});
