/** The engine report's cache of predictions (src/engineView/predictionCache.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PredictionCache } from '../../../src/engineView/predictionCache';

test('PredictionCache: the same key is computed once, another key again', async () => {
  const cache = new PredictionCache<string>();
  let calls = 0;
  const compute = (v: string) => () => {
    calls++;
    return v;
  };
  assert.equal(await cache.get('a', compute('A')), 'A');
  assert.equal(await cache.get('a', compute('not again')), 'A');
  assert.equal(await cache.get('b', compute('B')), 'B');
  assert.equal(calls, 2);
  assert.equal(cache.computed, 2);
});

test('PredictionCache: asked again while computing, waits for the same computation', async () => {
  const cache = new PredictionCache<number>();
  let release!: (v: number) => void;
  let calls = 0;
  const compute = () => {
    calls++;
    return new Promise<number>((r) => (release = r));
  };
  const first = cache.get('k', compute);
  const second = cache.get('k', compute);
  release(7);
  assert.deepEqual(await Promise.all([first, second]), [7, 7]);
  assert.equal(calls, 1);
});

test('PredictionCache: a failed computation is not kept', async () => {
  const cache = new PredictionCache<number>();
  await assert.rejects(
    cache.get('k', () => {
      throw new Error('unreadable');
    }),
    /unreadable/,
  );
  assert.equal(await cache.get('k', () => 3), 3);
  assert.equal(cache.computed, 2);
});

test('PredictionCache: keeps the newest few (one asked for again counts as new)', async () => {
  const cache = new PredictionCache<string>(2);
  await cache.get('a', () => 'A');
  await cache.get('b', () => 'B');
  await cache.get('a', () => 'A again'); // kept: now the newest
  await cache.get('c', () => 'C'); // b goes
  assert.equal(await cache.get('a', () => 'A computed'), 'A');
  assert.equal(await cache.get('b', () => 'B computed'), 'B computed');
  cache.clear();
  assert.equal(await cache.get('a', () => 'A after clear'), 'A after clear');
});
