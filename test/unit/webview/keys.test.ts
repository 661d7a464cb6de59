/** The graph canvas's keyboard decision (webview/graph/keys.ts): modified keys belong to VS Code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphKeyAction, isTextField, keyboardTarget, type KeyLike, type NavNode } from '../../../webview/graph/keys';

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('graph keyboard shortcuts', () => {
  it('unmodified keys: arrows, + = - 0 z Escape Enter', () => {
    assert.equal(graphKeyAction(key('ArrowUp')), 'up');
    assert.equal(graphKeyAction(key('ArrowDown')), 'down');
    assert.equal(graphKeyAction(key('ArrowLeft')), 'left');
    assert.equal(graphKeyAction(key('ArrowRight')), 'right');
    assert.equal(graphKeyAction(key('=')), 'zoomIn');
    assert.equal(graphKeyAction(key('-')), 'zoomOut');
    assert.equal(graphKeyAction(key('0')), 'fit');
    assert.equal(graphKeyAction(key('z')), 'zoomToSelection');
    assert.equal(graphKeyAction(key('Escape')), 'clear');
    assert.equal(graphKeyAction(key('Enter')), 'open');
    assert.equal(graphKeyAction(key('a')), undefined);
  });

  it('Shift alone is allowed (+ is Shift+= on US layouts; Shift+Z is still Z)', () => {
    assert.equal(graphKeyAction(key('+', { shiftKey: true })), 'zoomIn');
    assert.equal(graphKeyAction(key('Z', { shiftKey: true })), 'zoomToSelection');
  });

  it('Ctrl+Z, Ctrl+Shift+Z, Cmd+Z (undo/redo) do not zoom to the selection', () => {
    assert.equal(graphKeyAction(key('z', { ctrlKey: true })), undefined);
    assert.equal(graphKeyAction(key('Z', { ctrlKey: true, shiftKey: true })), undefined);
    assert.equal(graphKeyAction(key('z', { metaKey: true })), undefined);
    assert.equal(graphKeyAction(key('z', { metaKey: true, shiftKey: true })), undefined);
  });

  it("Ctrl/Cmd + 0, -, =, + (VS Code's zoom) are left to VS Code", () => {
    for (const k of ['0', '-', '=', '+']) {
      assert.equal(graphKeyAction(key(k, { ctrlKey: true })), undefined, `Ctrl+${k}`);
      assert.equal(graphKeyAction(key(k, { metaKey: true })), undefined, `Cmd+${k}`);
      assert.equal(graphKeyAction(key(k, { altKey: true })), undefined, `Alt+${k}`);
    }
    assert.equal(graphKeyAction(key('ArrowUp', { ctrlKey: true })), undefined);
    assert.equal(graphKeyAction(key('Escape', { altKey: true })), undefined);
    assert.equal(graphKeyAction(key('Enter', { ctrlKey: true })), undefined);
  });

  it('Alt+Q (the mode button says so) toggles folding, by physical key; Ctrl+Alt+Q does not', () => {
    assert.equal(graphKeyAction(key('q', { altKey: true, code: 'KeyQ' })), 'toggleMode');
    assert.equal(graphKeyAction(key('œ', { altKey: true, code: 'KeyQ' })), 'toggleMode', 'macOS Option+Q');
    assert.equal(graphKeyAction(key('q', { altKey: true, ctrlKey: true, code: 'KeyQ' })), undefined);
    assert.equal(graphKeyAction(key('q', { code: 'KeyQ' })), undefined);
  });

  it('nothing from a text field or while composing', () => {
    assert.equal(graphKeyAction(key('z', { target: { tagName: 'INPUT' } })), undefined);
    assert.equal(graphKeyAction(key('0', { target: { tagName: 'textarea' } })), undefined);
    assert.equal(graphKeyAction(key('Escape', { target: { tagName: 'DIV', isContentEditable: true } })), undefined);
    assert.equal(graphKeyAction(key('z', { target: { tagName: 'DIV', isContentEditable: false } })), 'zoomToSelection');
    assert.equal(graphKeyAction(key('z', { isComposing: true })), undefined);
    assert.equal(isTextField(null), false);
    assert.equal(isTextField({ tagName: 'SELECT' }), true);
  });
});

describe('reaching the graph from the keyboard (Home, End, Enter, Space)', () => {
  it('Home, End and Space are ours, unmodified only (Ctrl+Home, Shift+Space stay with VS Code / the page)', () => {
    assert.equal(graphKeyAction(key('Home')), 'first');
    assert.equal(graphKeyAction(key('End')), 'last');
    assert.equal(graphKeyAction(key(' ')), 'select');
    assert.equal(graphKeyAction(key('Enter')), 'open');
    assert.equal(graphKeyAction(key('Home', { ctrlKey: true })), undefined);
    assert.equal(graphKeyAction(key('End', { metaKey: true })), undefined);
    assert.equal(graphKeyAction(key(' ', { altKey: true })), undefined);
    assert.equal(graphKeyAction(key('Home', { target: { tagName: 'INPUT' } })), undefined, 'Home in the search box moves its caret');
  });

  it('Home: the first graph input (not an enclosing graph tensor), else the first operator; End: the last output, else the last operator', () => {
    const main: NavNode[] = [{ kind: 'input' }, { kind: 'input' }, {}, {}, {}, { kind: 'output' }, { kind: 'output' }];
    assert.equal(keyboardTarget(main, 'first'), 0);
    assert.equal(keyboardTarget(main, 'last'), 6);
    // A subgraph: tensors of the enclosing graph come first as inputs marked outer.
    const body: NavNode[] = [{ kind: 'input', outer: true }, { kind: 'input' }, {}, { kind: 'output' }];
    assert.equal(keyboardTarget(body, 'first'), 1);
    const noIo: NavNode[] = [{ kind: 'input', outer: true }, {}, {}, { kind: 'input', outer: true }];
    assert.equal(keyboardTarget(noIo, 'first'), 1);
    assert.equal(keyboardTarget(noIo, 'last'), 2);
    assert.equal(keyboardTarget([], 'first'), undefined);
    assert.equal(keyboardTarget([{ kind: 'input', outer: true }], 'last'), 0);
  });
});
