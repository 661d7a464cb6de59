/**
 * The graph tab's toolbar (DOM): breadcrumbs (main graph › subgraph), the Q/DQ folded/raw button,
 * the "Colour" source, the search box with its previous/next buttons and counter, Fit, Zoom to
 * selection and the Properties pane button. It only draws and forwards clicks and keys to the panel,
 * which owns the state (mode, colour source, hits, crumbs).
 *
 * It stays one row in a usual editor and two in a narrow one (a 900 × 600 window: ~550 px; it
 * wrapped to four, leaving the canvas ~100 px): the controls come in three groups that wrap as
 * wholes — crumbs (they shrink, each with an ellipsis and its full title), the view's Q/DQ and
 * Colour (the select at most 14em), then find and the view actions —, and the step, Fit, Zoom to
 * selection and Properties buttons are icons, as in VS Code's editor toolbars, each with its name
 * (`aria-label`) and tooltip. Every control stays in the Tab order.
 */
import type { ViewModeDto } from '../../src/protocol/graphView';
import { h, replaceChildren } from '../dom';
import { toolbarIcon, type ToolbarIcon } from './toolbarIcons';

/** What the toolbar's controls ask the panel to do. */
export interface ToolbarActions {
  toggleMode(): void;
  setColorSource(id: string): void;
  /** The query was typed (no hit current yet). */
  search(query: string): void;
  /** Next (1) or previous (-1) hit: Enter/F3, Shift+Enter/Shift+F3, the arrow buttons. */
  stepHit(delta: number): void;
  /** Escape in the search box (after the box was emptied): clear the hits, back to the canvas. */
  leaveSearch(): void;
  fit(): void;
  zoomToSelection(): void;
  toggleProps(): void;
}

export class GraphToolbar {
  readonly element: HTMLElement;
  readonly searchInput: HTMLInputElement;
  private readonly searchCount: HTMLElement;
  private readonly modeButton: HTMLElement;
  private readonly colorSelect: HTMLSelectElement;
  private readonly crumbsBox: HTMLElement;
  private readonly propsToggle: HTMLElement;

  constructor(actions: ToolbarActions) {
    this.modeButton = h('vscode-button', { attrs: { secondary: true, title: 'Show Q/DQ pairs folded into edge badges, or every node (Alt+Q)' }, data: { testid: 'mode-toggle' } });
    this.modeButton.addEventListener('click', () => actions.toggleMode());
    this.colorSelect = h('select', { className: 'graph-select', attrs: { 'aria-label': 'Colour nodes by', title: 'Colour nodes by' }, data: { testid: 'color-source' } });
    this.colorSelect.addEventListener('change', () => {
      this.titleColorSelect();
      actions.setColorSource(this.colorSelect.value);
    });
    this.searchInput = h('input', {
      className: 'graph-search',
      attrs: { type: 'search', placeholder: 'Find node, op type or tensor', 'aria-label': 'Find node, op type or tensor (Enter: next, Shift+Enter: previous)', spellcheck: 'false' },
      data: { testid: 'graph-search' },
    });
    this.searchInput.addEventListener('input', () => actions.search(this.searchInput.value));
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === 'F3') {
        ev.preventDefault();
        actions.stepHit(ev.shiftKey ? -1 : 1);
      } else if (ev.key === 'Escape') {
        this.searchInput.value = '';
        actions.leaveSearch();
      }
    });
    this.searchCount = h('span', { className: 'graph-search-count', attrs: { 'aria-live': 'polite' }, data: { testid: 'search-count' } });
    const prev = toolButton('up', 'Previous match (Shift+Enter)', () => actions.stepHit(-1));
    const next = toolButton('down', 'Next match (Enter)', () => actions.stepHit(1));
    const fit = toolButton('fit', 'Fit the graph to the window (0)', () => actions.fit());
    const zoomSel = toolButton('zoomToSelection', 'Zoom to the selected node (Z)', () => actions.zoomToSelection());
    this.crumbsBox = h('nav', { className: 'graph-crumbs', attrs: { 'aria-label': 'Graph' } });
    this.propsToggle = toolButton('properties', 'Properties', () => actions.toggleProps());
    this.propsToggle.setAttribute('aria-controls', 'graph-props');
    this.propsToggle.dataset.testid = 'props-toggle';
    this.element = h(
      'div',
      { className: 'graph-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph' } },
      this.crumbsBox,
      h('span', { className: 'graph-toolbar-group graph-view-options' }, this.modeButton, h('label', { className: 'graph-label' }, 'Colour', this.colorSelect)),
      h('span', { className: 'graph-toolbar-group graph-search-box' }, this.searchInput, prev, next, this.searchCount),
      h('span', { className: 'graph-toolbar-group graph-view-actions' }, fit, zoomSel, this.propsToggle),
    );
  }

  /** The folded/raw button's text and pressed state. */
  setMode(mode: ViewModeDto): void {
    this.modeButton.textContent = mode === 'folded' ? 'Q/DQ folded' : 'Q/DQ raw';
    this.modeButton.setAttribute('aria-pressed', String(mode === 'folded'));
  }

  /** The colour sources offered, `current` selected. */
  setColorSources(sources: readonly { id: string; label: string }[], current: string): void {
    replaceChildren(this.colorSelect, ...sources.map((s) => h('option', { attrs: { value: s.id, selected: s.id === current } }, s.label)));
    this.colorSelect.value = current;
    this.titleColorSelect();
  }

  /** The select's tooltip gives the whole name of the colouring (a narrow select cuts it short). */
  private titleColorSelect(): void {
    const label = this.colorSelect.selectedOptions[0]?.textContent;
    this.colorSelect.title = label ? `Colour nodes by: ${label}` : 'Colour nodes by';
  }

  /** The breadcrumbs: every title but the last is a button that goes back to it (`goTo(k)`). */
  setCrumbs(titles: readonly string[], goTo: (k: number) => void): void {
    replaceChildren(
      this.crumbsBox,
      ...titles.flatMap((title, k) => {
        const last = k === titles.length - 1;
        const el = last
          ? h('span', { className: 'crumb current', attrs: { 'aria-current': 'page', title }, data: { testid: 'graph-title' } }, title)
          : h('button', { className: 'link crumb', attrs: { type: 'button', title }, on: { click: () => goTo(k) } }, title);
        return k === 0 ? [el] : [h('span', { className: 'crumb-sep', attrs: { 'aria-hidden': 'true' } }, '›'), el];
      }),
    );
  }

  /** The search counter (searchState.ts's text) and its tooltip. */
  setSearchCount(text: string, title: string): void {
    this.searchCount.textContent = text;
    this.searchCount.title = title;
  }

  /** The Properties button's state: the pane shown or hidden. */
  setPropsCollapsed(collapsed: boolean): void {
    this.propsToggle.setAttribute('aria-expanded', String(!collapsed));
    this.propsToggle.title = collapsed ? 'Show the properties pane' : 'Hide the properties pane';
  }
}

/** An icon button named (and titled) `title`. */
function toolButton(icon: ToolbarIcon, title: string, onClick: () => void): HTMLElement {
  const b = h('vscode-button', { className: 'graph-icon-button', attrs: { secondary: true, 'icon-only': true, title, 'aria-label': title } }, toolbarIcon(icon));
  b.addEventListener('click', onClick);
  return b;
}
