/**
 * NameIds (the graph index's name -> id table): ids in insertion order, the same through the move
 * from a Map to the hash table, and a fall back to a Map (never quadratic) when names collide.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { NameIds } from '../../../src/core/graph/nameIds';

function checkAll(ids: NameIds, names: string[]): void {
  assert.equal(ids.size, names.length);
  names.forEach((n, i) => {
    assert.equal(ids.get(n), i, n);
    assert.equal(ids.add(n), i, n);
  });
  assert.deepEqual(ids.names, names);
  assert.equal(ids.get('never added'), -1);
}


/** 100 names whose hashes (with `seed`) share one of 256 buckets, added to a NameIds: it gave up its table for a Map. */
function collidingInMap(seed: number, bucket: number): { ids: NameIds; colliding: string[] } {
  const probe = new NameIds({ seed });
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 100; i++) if ((probe.hash(`c${i}`) & 255) === bucket) colliding.push(`c${i}`);
  const ids = new NameIds({ expected: 100, seed });
  for (const n of colliding) ids.add(n);
  assert.ok(!ids.inTable);
  return { ids, colliding };
}
test('ids are dense, in insertion order, and survive the move to the table', () => {
  const ids = new NameIds({ tableFrom: 256 });
  const names = Array.from({ length: 5000 }, (_, i) => `/model.${i % 37}/conv_${i}/output_0`);
  for (const [i, n] of names.entries()) {
    assert.equal(ids.add(n), i);
    assert.equal(ids.add(n), i, 'adding again gives the same id');
  }
  assert.ok(ids.inTable);
  checkAll(ids, names);
  // Equal strings that are different objects are the same name.
  assert.equal(ids.get(['/model.', '1/conv_1/output_0'].join('')), 1);
});

test('names crafted to collide make it fall back to a Map, ids unchanged', () => {
  const seed = 12345;
  const probe = new NameIds({ seed });
  // After the move at 256 names the table has 1024 slots: find 300 names in one slot.
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 300; i++) if ((probe.hash(`n${i}`) & 1023) === 7) colliding.push(`n${i}`);
  const names = [...Array.from({ length: 255 }, (_, i) => `plain${i}`), ...colliding];
  const ids = new NameIds({ tableFrom: 256, seed });
  const t0 = performance.now();
  for (const n of names) ids.add(n);
  assert.ok(!ids.inTable, 'fell back to a Map');
  checkAll(ids, names);
  assert.ok(performance.now() - t0 < 2000);
});

test('sized up front (expected): in the table from the first name, ids the same past the expected count', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `/model.${i % 37}/conv_${i}/output_0`);
  for (const expected of [0, 10, 3000, 100_000]) {
    const ids = new NameIds({ expected });
    assert.ok(ids.inTable, `expected ${expected}`);
    for (const [i, n] of names.entries()) assert.equal(ids.add(n), i);
    checkAll(ids, names);
  }
  // Crafted collisions still fall back to a Map.
  const { ids, colliding } = collidingInMap(777, 3);
  checkAll(ids, colliding);
});

test('told the most names it can get (most), the table quadruples up to their size, then doubles; ids the same', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `n${i}`);
  const growth = (options: { expected: number; most?: number }, count: number): number[] => {
    const ids = new NameIds(options);
    const sizes = [ids.slotCount];
    for (const [i, n] of names.slice(0, count).entries()) {
      assert.equal(ids.add(n), i);
      if (ids.slotCount !== sizes[sizes.length - 1]) sizes.push(ids.slotCount);
    }
    assert.ok(ids.inTable);
    checkAll(ids, names.slice(0, count));
    return sizes;
  };
  assert.deepEqual(growth({ expected: 0 }, 3000), [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]);
  // 3000 names fit 8192 slots: 16 * 4^5 = 16384 would be more, so the last step doubles.
  assert.deepEqual(growth({ expected: 0, most: 3000 }, 3000), [16, 64, 256, 1024, 4096, 8192]);
  assert.deepEqual(growth({ expected: 0, most: 3000 }, 100), [16, 64, 256]);
  // Past `most` (a wrong count) it still grows, by doubling.
  assert.deepEqual(growth({ expected: 0, most: 100 }, 3000), [16, 64, 256, 512, 1024, 2048, 4096, 8192]);
  assert.deepEqual(growth({ expected: 1000, most: 3000 }, 3000), [2048, 8192]);
});

test('reserve, then insert with the hashes given: the same ids as add, no growing, and fit cuts the list of names', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `n${i % 2500}`); // 500 repeats
  const distinct = [...new Set(names)];
  const plain = new NameIds({ expected: 0 });
  const want = names.map((n) => plain.add(n));
  for (const before of [0, 7, 300]) {
    const ids = new NameIds({ expected: 0, seed: 99 });
    for (const n of distinct.slice(0, before)) ids.add(n);
    const slots = ids.slotCount;
    ids.reserve(names.length);
    assert.ok(ids.slotCount > slots && ids.slotCount >= 2 * (before + names.length), `before ${before}: sized once`);
    const sized = ids.slotCount;
    const hashes = Int32Array.from(names, (n) => ids.hash(n));
    for (let p = 0; p < names.length; p += 32) {
      assert.equal(ids.prefetch(hashes, p, Math.min(names.length, p + 32)), Math.min(names.length, p + 32));
      for (let q = p; q < Math.min(names.length, p + 32); q++) {
        assert.equal(ids.find(names[q]!, hashes[q]!), want[q]! < ids.size ? want[q] : -1, names[q]);
        assert.equal(ids.insert(names[q]!, hashes[q]!), want[q], names[q]);
      }
    }
    assert.equal(ids.slotCount, sized, 'no growing after reserve');
    ids.fit();
    checkAll(ids, distinct);
  }
});

test('reserve in a Map (names crafted to collide) keeps the ids', () => {
  const { ids, colliding } = collidingInMap(4242, 9);
  ids.reserve(50);
  const more = Array.from({ length: 50 }, (_, i) => `m${i}`);
  for (const n of more) ids.insert(n, ids.hash(n));
  ids.fit();
  checkAll(ids, [...colliding, ...more]);
});
