/**
 * The graph canvas's keyboard shortcuts, as a pure decision (unit-tested in test/unit/webview):
 * which action a keydown asks for, or none. The single-key shortcuts (arrows, + - = 0 z Escape
 * Enter) take only unmodified keys (Shift allowed: `+` is Shift+= on many layouts): with Ctrl, Meta
 * or Alt the key belongs to VS Code or the browser (Ctrl+Z undo, Ctrl+Shift+Z redo, Ctrl+0/-/= zoom),
 * and pressing them must not also zoom or fit the graph. Alt+Q (the mode button's shortcut) is the
 * one deliberate modifier shortcut. Nothing is taken from a text field (the search box) or while
 * an input method is composing.
 */

export type GraphKeyAction = 'up' | 'down' | 'left' | 'right' | 'zoomIn' | 'zoomOut' | 'fit' | 'zoomToSelection' | 'clear' | 'open' | 'toggleMode';

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
};

/** The graph action a keydown in the canvas asks for; undefined: not ours, leave the event alone. */
export function graphKeyAction(ev: KeyLike): GraphKeyAction | undefined {
  if (ev.isComposing || isTextField(ev.target)) return undefined;
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey && (ev.code === 'KeyQ' || ev.key === 'q' || ev.key === 'Q')) return 'toggleMode';
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return undefined;
  return Object.prototype.hasOwnProperty.call(SINGLE, ev.key) ? SINGLE[ev.key] : undefined;
}
