/** The journal behind every edit's undo/redo: a field set many times in one edit keeps one entry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal } from '../../../src/core/editing/index';
import { build, encode, graphOf } from './kit';

test('a field set again keeps its first old value and its latest new one (one entry); undo and redo are exact', () => {
  const { decoded, bytes } = build();
  const g = graphOf(decoded);
  const original = g.node;
  const j = new Journal();
  // What a many-part edit does: the node list replaced once per removed pair.
  let list = original;
  for (let k = 0; k < 50; k++) {
    list = list.slice(0, -1);
    j.set(g, 'node', list);
  }
  j.set(original[0]!, 'name', 'renamed');
  j.set(original[0]!, 'name', 'renamed again');
  assert.equal(j.size, 2, 'one entry per field, not per set');
  assert.equal(g.node.length, original.length - 50);
  j.undo();
  assert.equal(g.node, original, 'undo puts the very first list back');
  assert.equal(original[0]!.name, build().decoded.model.graph!.node[0]!.name);
  assert.ok(encode(decoded).equals(bytes), 'clean again: the original bytes');
  j.redo();
  assert.equal(g.node, list, 'redo sets the last list');
  assert.equal(original[0]!.name, 'renamed again');
  // Done (applyEdit seals it): undo and redo still work, recording more is a bug.
  j.seal();
  j.undo();
  assert.ok(encode(decoded).equals(bytes));
  j.redo();
  assert.equal(g.node, list);
  assert.throws(() => j.set(g, 'node', original), /sealed/);
});
