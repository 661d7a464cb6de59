/** The overview's canvas size per graph (webview/graph/overview.ts overviewSize). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overviewSize } from '../../../webview/graph/overviewSize';

test('each graph is fitted into the box, aspect kept, the shorter side at least 40 px', () => {
  assert.deepEqual(overviewSize(400, 1800, 180, 180), [40, 180]); // a tall detector
  assert.deepEqual(overviewSize(1800, 400, 180, 180), [180, 40]); // a wide graph
  assert.deepEqual(overviewSize(1000, 500, 180, 180), [180, 90]);
  assert.deepEqual(overviewSize(500, 1000, 96, 96), [48, 96]);
  assert.deepEqual(overviewSize(0, 0, 180, 180), [180, 180]);
});
