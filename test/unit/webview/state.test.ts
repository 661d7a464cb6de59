import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ViewStateStore } from '../../../webview/state';
import type { VsCodeApi } from '../../../webview/vscodeApi';

function fakeApi(initial?: unknown): VsCodeApi & { saved: unknown[] } {
  let state = initial;
  const saved: unknown[] = [];
  return {
    saved,
    postMessage: () => undefined,
    getState: () => state,
    setState<T>(s: T): T {
      state = s;
      saved.push(s);
      return s;
    },
  };
}

describe('ViewStateStore', () => {
  it('starts empty and writes every change through to VS Code', () => {
    const api = fakeApi();
    const store = new ViewStateStore(api);
    assert.equal(store.isCollapsed('metadata'), false);
    store.setCollapsed('metadata', true);
    store.setCollapsed('problems', true);
    store.setCollapsed('metadata', false);
    assert.deepEqual(store.current.collapsed, ['problems']);
    assert.equal(api.saved.length, 3);
    assert.deepEqual(api.getState(), { version: 1, collapsed: ['problems'], scrollY: 0 });
  });

  it('restores a saved state (the page is re-created when the panel is shown again)', () => {
    const store = new ViewStateStore(fakeApi({ version: 1, collapsed: ['inputs'], scrollY: 120 }));
    assert.equal(store.isCollapsed('inputs'), true);
    assert.equal(store.current.scrollY, 120);
  });

  it('ignores a saved state of another shape', () => {
    for (const bad of [null, 'x', { version: 2, collapsed: [], scrollY: 0 }, { version: 1, collapsed: [1], scrollY: 0 }]) {
      const store = new ViewStateStore(fakeApi(bad));
      assert.deepEqual(store.current, { version: 1, collapsed: [], scrollY: 0 });
    }
  });

  it('does not write unchanged scroll positions', () => {
    const api = fakeApi();
    const store = new ViewStateStore(api);
    store.setScrollY(0);
    store.setScrollY(40);
    store.setScrollY(40);
    assert.equal(api.saved.length, 1);
  });
});
