/**
 * The graph canvas's keyboard shortcuts, as a pure decision (unit-tested in test/unit/webview):
 * which action a keydown asks for, or none, and which node Home and End (and Enter or Space with
 * nothing selected) select. The single-key shortcuts (arrows, + - = 0 z Escape Enter Space Home
 * End) take only unmodified keys (Shift allowed: `+` is Shift+= on many layouts): with Ctrl, Meta
 * or Alt the key belongs to VS Code or the browser (Ctrl+Z undo, Ctrl+Shift+Z redo, Ctrl+0/-/= zoom),
 * and pressing them must not also zoom or fit the graph. Alt+Q (the mode button's shortcut) is the
 * one deliberate modifier shortcut. Nothing is taken from a text field (the search box) or while
 * an input method is composing.
 */

export type GraphKeyAction = 'up' | 'down' | 'left' | 'right' | 'zoomIn' | 'zoomOut' | 'fit' | 'zoomToSelection' | 'clear' | 'open' | 'select' | 'first' | 'last' | 'toggleMode';

/** The parts of a KeyboardEvent the decision reads. */
export interface KeyLike {
  readonly key: string;
  /** Physical key (`KeyQ`), for Alt combinations whose `key` depends on the layout (macOS Option+Q is `œ`). */
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
  readonly isComposing?: boolean;
  readonly target?: unknown;
}

/** True for an element that takes typed text: input, textarea, select, or anything contenteditable. */
export function isTextField(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const el = target as { tagName?: unknown; isContentEditable?: unknown };
  if (el.isContentEditable === true) return true;
  return typeof el.tagName === 'string' && /^(INPUT|TEXTAREA|SELECT)$/i.test(el.tagName);
}

const SINGLE: Readonly<Record<string, GraphKeyAction>> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  '+': 'zoomIn',
  '=': 'zoomIn',
  '-': 'zoomOut',
  '0': 'fit',
  z: 'zoomToSelection',
  Z: 'zoomToSelection',
  Escape: 'clear',
  Enter: 'open',
  ' ': 'select',
  Spacebar: 'select',
  Home: 'first',
  End: 'last',
};

/** The graph action a keydown in the canvas asks for; undefined: not ours, leave the event alone. */
export function graphKeyAction(ev: KeyLike): GraphKeyAction | undefined {
  if (ev.isComposing || isTextField(ev.target)) return undefined;
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey && (ev.code === 'KeyQ' || ev.key === 'q' || ev.key === 'Q')) return 'toggleMode';
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return undefined;
  return Object.prototype.hasOwnProperty.call(SINGLE, ev.key) ? SINGLE[ev.key] : undefined;
}

/** The parts of a view node the choice reads (a GraphViewDto node). */
export interface NavNode {
  readonly kind?: 'input' | 'output';
  readonly outer?: true;
}

/**
 * The node Home (`first`) or End (`last`) selects, as a view node index: the view lists graph
 * inputs first, operators in topological order, graph outputs last. Home: the first graph input of
 * this graph (not a tensor of an enclosing graph, which a subgraph lists as an input too), else the
 * first operator; End: the last graph output, else the last operator. Undefined for an empty graph.
 */
export function keyboardTarget(nodes: readonly NavNode[], which: 'first' | 'last'): number | undefined {
  if (nodes.length === 0) return undefined;
  if (which === 'first') {
    const input = nodes.findIndex((v) => v.kind === 'input' && !v.outer);
    if (input >= 0) return input;
    const op = nodes.findIndex((v) => v.kind === undefined);
    return op >= 0 ? op : 0;
  }
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]!.kind === 'output') return i;
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]!.kind === undefined) return i;
  return nodes.length - 1;
}
