/** cytoscape's per-element style-hint scratch is shared (webview/graph/cyMemory.ts) and styling still works. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cytoscape from 'cytoscape';
import { shareStyleKeyScratch } from '../../../webview/graph/cyMemory';

type Priv = { _private: { styleKeys: object; styleKey: unknown } };

function draw(): cytoscape.Core {
  return cytoscape({
    headless: true,
    styleEnabled: true,
    elements: [
      { data: { id: 'a', bg: '#ff0000' } },
      { data: { id: 'b', bg: '#00ff00' } },
      { data: { id: 'e', source: 'a', target: 'b' } },
    ],
    style: [
      { selector: 'node', style: { 'background-color': 'data(bg)', label: 'data(id)' } },
      { selector: 'edge', style: { width: 2 } },
    ],
  });
}

describe('cytoscape style-key scratch', () => {
  it('the patch applies to the bundled cytoscape (its Style#updateStyleHints still keeps styleKeys)', () => {
    assert.equal(shareStyleKeyScratch(), true);
    assert.equal(shareStyleKeyScratch(), true, 'idempotent');
  });

  it('all elements share one styleKeys object; styles and style keys still follow the data', () => {
    shareStyleKeyScratch();
    const cy = draw();
    const [a, b, e] = ['a', 'b', 'e'].map((id) => cy.getElementById(id) as unknown as cytoscape.SingularElementReturnValue & Priv);
    assert.equal(a!.style('background-color'), 'rgb(255,0,0)');
    assert.equal(b!.style('background-color'), 'rgb(0,255,0)');
    assert.equal(e!.style('width'), '2px');
    assert.equal(a!._private.styleKeys, b!._private.styleKeys);
    assert.equal(a!._private.styleKeys, e!._private.styleKeys);
    const before = a!._private.styleKey;
    assert.notEqual(before, b!._private.styleKey, 'different colours, different style keys');
    a!.data('bg', '#00ff00');
    assert.equal(a!.style('background-color'), 'rgb(0,255,0)');
    assert.notEqual(a!._private.styleKey, before, 'the style key follows the new colour');
    a!.data('bg', '#ff0000');
    assert.equal(a!.style('background-color'), 'rgb(255,0,0)');
    assert.equal(a!._private.styleKey, before, 'same style as before, same key (hashes start from fresh seeds each time)');
    cy.destroy();
  });
});
