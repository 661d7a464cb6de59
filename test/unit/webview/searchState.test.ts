/**
 * The graph search's current hit across redraws (webview/graph/searchState.ts): after an edit that
 * re-lays the graph out (Keep-k) the counter read "– of 3" although the user had stepped to a hit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carryHit, searchCountText } from '../../../webview/graph/searchState';

describe('search across a redraw', () => {
  it('the hit that was current stays current, at its new position', () => {
    // Keep-k moved things: the same three convs, in another order, one more hit.
    const after = ['n:/model.2/Conv', 'n:/model.0/Conv', 'n:/model.9/Conv', 'n:/model.1/Conv'];
    const carried = carryHit('n:/model.1/Conv', after, 'n:/model.1/Conv');
    assert.deepEqual(carried, { cursor: 3, changed: false });
    assert.equal(searchCountText('conv', after.length, carried.cursor, carried.changed), '4 of 4');
  });

  it('else the selection when it is a hit', () => {
    assert.deepEqual(carryHit(undefined, ['n:a', 'e:t', 'n:b'], 'e:t'), { cursor: 1, changed: false });
    assert.deepEqual(carryHit('n:gone', ['n:a', 'n:b'], 'n:b'), { cursor: 1, changed: false });
  });

  it('a current hit that is gone is said so, never a bare dash', () => {
    const carried = carryHit('n:gone', ['n:a', 'n:b', 'n:c'], 'n:gone');
    assert.deepEqual(carried, { cursor: -1, changed: true });
    const text = searchCountText('x', 3, carried.cursor, carried.changed);
    assert.equal(text, '3 results (changed)');
    assert.doesNotMatch(text, /–/);
  });

  it('no current hit yet (typed, not stepped): the count of results', () => {
    assert.deepEqual(carryHit(undefined, ['n:a', 'n:b', 'n:c'], undefined), { cursor: -1, changed: false });
    assert.equal(searchCountText('x', 3, -1), '3 results');
    assert.equal(searchCountText('x', 1, -1), '1 result');
    assert.equal(searchCountText('x', 0, -1), 'No results');
    assert.equal(searchCountText('  ', 3, 1), '');
    assert.equal(searchCountText('x', 3, 0), '1 of 3');
  });
});
