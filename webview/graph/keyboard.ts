/**
 * The graph canvas from the keyboard (glue around keys.ts and announce.ts, both pure): what each key
 * does to the selection and the view (Home/End, arrows to producer/consumer/siblings or pan, +/-,
 * 0, Z, Escape, Enter, Space, Alt+Q), and the aria-live region that says the selection, the last of
 * a burst of key presses only (`data-testid="graph-announce"`).
 */
import type cytoscape from 'cytoscape';
import type { GraphViewDto } from '../../src/protocol/graphView';
import type { GraphOverlayDto } from '../../src/protocol/overlay';
import { h } from '../dom';
import { describeNode, LastOfBurst } from './announce';
import { graphKeyAction, keyboardTarget } from './keys';
import type { Marks } from './marks';
import { OP_TYPE_SOURCE, nodeId, nodeKey } from './viewModel';

/** Says the keyboard's selection to screen readers (aria-live), the last of a burst only. */
export class Announcer {
  readonly element = h('div', { className: 'visually-hidden', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' }, data: { testid: 'graph-announce' } });
  private readonly burst = new LastOfBurst((text) => this.say(text));

  /** Queues `text` (made when it is said when a function), replacing what was queued less than 250 ms ago. */
  push(text: string | (() => string)): void {
    this.burst.push(text);
  }

  /** Puts `text` into the live region (emptied first, so the same sentence is said again). */
  private say(text: string): void {
    this.element.textContent = '';
    requestAnimationFrame(() => (this.element.textContent = text));
  }
}

/** What the keys act on: the panel's drawing and view operations. */
export interface KeyTarget {
  cy(): cytoscape.Core | undefined;
  view(): GraphViewDto | undefined;
  /** Adds whatever has not streamed in yet (neighbours of the selection must be there). */
  ensureAll(): void;
  centreOn(ele: cytoscape.SingularElementArgument | cytoscape.CollectionReturnValue, zoom: number): void;
  fit(): void;
  zoomToSelection(): void;
  openFirstSubgraph(viewNode: number): void;
  toggleMode(): void;
  announce(text: string | (() => string)): void;
  selectionSentence(): string;
}

/** The sentence for the selected node or edge (announce.ts): what the colouring (`source`) and the findings say of it. */
export function selectionSentence(
  view: GraphViewDto | undefined,
  sel: cytoscape.SingularElementArgument | undefined,
  overlays: Record<string, GraphOverlayDto>,
  source: string,
  marks: Marks,
): string {
  if (!view || !sel) return 'No selection';
  const i = sel.data('i') as number;
  if (!sel.isNode()) return `Tensor ${view.tensors[view.edges[i]!.tensor]?.name ?? ''}`;
  const key = source === OP_TYPE_SOURCE ? undefined : overlays[source]?.nodes[nodeKey(view, view.nodes[i]!)]?.key;
  const colour = key !== undefined ? (overlays[source]?.legend.find((l) => l.key === key)?.label ?? key) : undefined;
  const severity = marks.nodes.get(i)?.sev;
  return describeNode(view, i, { ...(colour !== undefined ? { colour } : {}), ...(severity ? { severity } : {}) });
}

/** A key pressed in the canvas. */
export function onGraphKey(ev: KeyboardEvent, t: KeyTarget): void {
  const cy = t.cy();
  if (!cy) return;
  // Only unmodified keys (and Alt+Q): Ctrl+Z, Ctrl+Shift+Z, Ctrl+0/-/= belong to VS Code (keys.ts).
  const action = graphKeyAction(ev);
  if (!action) return;
  t.ensureAll(); // neighbours of the selection must be there
  const step = 80;
  const sel = cy.$(':selected')[0];
  const view = t.view();
  const move = (next: cytoscape.SingularElementArgument | cytoscape.CollectionReturnValue | undefined): void => {
    if (!next || next.empty()) return;
    cy.$(':selected').unselect();
    next.select();
    t.centreOn(next, cy.zoom());
    t.announce(() => t.selectionSentence());
  };
  // Home and End (and Enter or Space with nothing selected): the first or last node (keys.ts).
  const moveTo = (which: 'first' | 'last'): void => {
    const i = view ? keyboardTarget(view.nodes, which) : undefined;
    if (i !== undefined) move(cy.getElementById(nodeId(i)));
  };
  switch (action) {
    case 'up':
      if (sel?.isNode()) move(sel.incomers('node').first());
      else cy.panBy({ x: 0, y: step });
      break;
    case 'down':
      if (sel?.isNode()) move(sel.outgoers('node').first());
      else cy.panBy({ x: 0, y: -step });
      break;
    case 'left':
    case 'right': {
      if (sel?.isNode()) {
        const node = sel as cytoscape.NodeSingular;
        const siblings = node.incomers('node').outgoers('node').union(node).nodes().toArray().sort((a, b) => a.position('x') - b.position('x'));
        const k = siblings.findIndex((s) => s.same(node)) + (action === 'left' ? -1 : 1);
        move(k >= 0 && k < siblings.length ? siblings[k] : undefined);
      } else cy.panBy({ x: action === 'left' ? step : -step, y: 0 });
      break;
    }
    case 'zoomIn':
      cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
      break;
    case 'zoomOut':
      cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
      break;
    case 'fit':
      t.fit();
      break;
    case 'zoomToSelection':
      t.zoomToSelection();
      break;
    case 'clear':
      if (sel) t.announce('Selection cleared');
      cy.$(':selected').unselect();
      break;
    case 'open':
      if (!sel) moveTo('first');
      else if (sel.isNode()) t.openFirstSubgraph(sel.data('i') as number);
      break;
    case 'select':
      // Nothing selected: the first node; else the selection is said again.
      if (!sel) moveTo('first');
      else t.announce(() => t.selectionSentence());
      break;
    case 'first':
    case 'last':
      moveTo(action);
      break;
    case 'toggleMode':
      t.toggleMode();
      break;
  }
  ev.preventDefault();
}
