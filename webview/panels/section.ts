/**
 * A collapsible section of the model view: a native `<details>`/`<summary>` (keyboard and screen
 * reader support for free, and a heading at the editor font size, which `vscode-collapsible`'s
 * fixed 11 px title cannot give). The open/closed state is kept in the view state.
 */
import { h, type Child } from '../dom';
import type { ViewStateStore } from '../state';

export interface SectionOptions {
  readonly id: string;
  readonly title: string;
  /** Shown next to the title (e.g. a count); omitted when undefined. */
  readonly count?: number | string;
  readonly store: ViewStateStore;
  /** Extra class names for the section. */
  readonly className?: string;
}

export function section(options: SectionOptions, ...children: Child[]): HTMLDetailsElement {
  const { id, title, count, store } = options;
  const details = h(
    'details',
    { className: `section${options.className ? ` ${options.className}` : ''}`, attrs: { id: `section-${id}` } },
    h(
      'summary',
      { className: 'section-header' },
      h('h2', { className: 'section-title' }, title),
      count === undefined ? null : h('span', { className: 'section-count', attrs: { 'aria-label': `(${count})` } }, count),
    ),
    h('div', { className: 'section-body' }, ...children),
  );
  details.open = !store.isCollapsed(id);
  details.addEventListener('toggle', () => store.setCollapsed(id, !details.open));
  return details;
}

/** A two-column label/value list (`<dl>`), skipping rows whose value is null. */
export function propertyList(rows: readonly (readonly [label: string, value: Child, title?: string] | null)[]): HTMLDListElement {
  const dl = h('dl', { className: 'props' });
  for (const row of rows) {
    if (!row) continue;
    const [label, value, title] = row;
    dl.append(h('dt', null, label), h('dd', { attrs: { title } }, value));
  }
  return dl;
}

/** A muted one-line note, e.g. "No metadata properties." */
export function emptyNote(text: string, testid?: string): HTMLParagraphElement {
  return h('p', { className: 'empty-note', ...(testid ? { data: { testid } } : {}) }, text);
}
