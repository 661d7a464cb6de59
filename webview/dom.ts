/**
 * A tiny element builder. Text always goes in through text nodes (model strings are untrusted:
 * never through innerHTML), and nothing here writes a `style` attribute, which the page's CSP
 * forbids; dynamic sizes go through the CSSOM (`element.style.width = ...`), which it allows.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  /** Space-separated class names. */
  className?: string;
  /** `data-*` attributes, keys without the `data-` prefix (camelCase is not converted). */
  data?: Record<string, string>;
  /** Other attributes (aria-*, role, title, tabindex, ...). `undefined` values are skipped. */
  attrs?: Record<string, string | number | boolean | undefined>;
  /** Event listeners. */
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Creates an element (including the custom elements declared in `HTMLElementTagNameMap`). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.className) el.className = props.className;
    if (props.data) for (const [k, v] of Object.entries(props.data)) el.dataset[k] = v;
    if (props.attrs) {
      for (const [k, v] of Object.entries(props.attrs)) {
        if (v === undefined || v === false) continue;
        if (k === 'style') throw new Error('style attributes are blocked by the CSP; use the CSSOM');
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    if (props.on) {
      for (const [type, listener] of Object.entries(props.on)) {
        el.addEventListener(type, listener as EventListener);
      }
    }
  }
  append(el, children);
  return el;
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
