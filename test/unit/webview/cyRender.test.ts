/** The canvas renderer internals webview/graph/cyRender.ts relies on are in the bundled cytoscape; without a renderer its helpers do nothing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cytoscape from 'cytoscape';
import { flushElementCalcs, sortForNextFrame, withoutFrame } from '../../../webview/graph/cyRender';

type Fn = (...args: unknown[]) => unknown;
const canvas = (cytoscape as unknown as (type: string, name: string) => { prototype: Record<string, Fn | undefined> })('renderer', 'canvas');
const source = (name: string): string => {
  const fn = canvas.prototype[name];
  assert.equal(typeof fn, 'function', `canvas renderer has ${name}`);
  return String(fn);
};

describe('cytoscape renderer internals (cyRender)', () => {
  it('the canvas renderer still defines flushRenderedStyleQueue (the queued style and geometry of the next frame)', () => {
    assert.match(source('registerCalculationListeners'), /flushRenderedStyleQueue\s*=\s*function/);
  });

  it('the render loop still draws only when requestedFrame is set, and redraw() sets it', () => {
    assert.match(source('startRenderLoop'), /requestedFrame/);
    assert.match(source('redraw'), /requestedFrame\s*=\s*true/);
  });

  it('the canvas renderer still caches its z-sorted elements in getCachedZSortedEles', () => {
    assert.match(source('getCachedZSortedEles'), /cachedZSortedEles/);
  });

  it('headless (no canvas renderer): the helpers are no-ops and the change still runs', () => {
    const cy = cytoscape({ headless: true, styleEnabled: true, elements: [{ data: { id: 'a' } }] });
    assert.equal(flushElementCalcs(cy), false);
    sortForNextFrame(cy);
    let ran = false;
    withoutFrame(cy, () => (ran = true));
    assert.equal(ran, true);
    cy.destroy();
  });
});
