/**
 * The graph search, as glue around the view index's search and searchState.ts (pure): the toolbar's
 * query marks its hits (`.hit`, the first 5,000), Enter / Shift+Enter step through them (selecting
 * and centring each), the counter says where the current hit is, and a new drawing runs the query
 * again keeping the current hit when it is still one (else saying the results changed).
 */
import type cytoscape from 'cytoscape';
import type { GraphViewDto } from '../../src/protocol/graphView';
import type { GraphReportDto } from '../../src/protocol/messages';
import { carryHit, searchCountText } from './searchState';
import type { GraphToolbar } from './toolbar';
import { edgeId, nodeId, nodeKey, type ViewIndex } from './viewModel';

/** What the search reads from the panel and asks of it. */
export interface SearchHost {
  cy(): cytoscape.Core | undefined;
  view(): GraphViewDto | undefined;
  index(): ViewIndex | undefined;
  /** The selection's key (`n:<node key>` / `e:<tensor>`): current after a redraw when it is a hit. */
  selectedKey(): string | undefined;
  /** Adds whatever has not streamed in yet (a hit must be drawn to be selected). */
  ensureAll(): void;
  centreOn(ele: cytoscape.CollectionReturnValue, zoom: number): void;
}

type Hit = { kind: 'node' | 'edge'; index: number };

export class GraphSearch {
  private hits: Hit[] = [];
  private cursor = -1;
  /** The current hit's key (`n:<node key>` / `e:<tensor>`), followed across redraws (searchState.ts). */
  private hitKey: string | undefined;
  /** The current hit was lost in a redraw (the counter says the results changed). */
  private changed = false;

  constructor(
    private readonly toolbar: GraphToolbar,
    private readonly host: SearchHost,
  ) {}

  /** The Find command: puts `text` (when given) in the search box and goes to its first hit; focuses the box. */
  find(text?: string): void {
    const input = this.toolbar.searchInput;
    if (text !== undefined) {
      input.value = text;
      this.run(text, true);
    }
    input.focus();
    input.select();
  }

  /** A new drawing, or the rest of one streamed in: the box's query again, keeping the current hit. */
  rerun(): void {
    if (this.toolbar.searchInput.value) this.run(this.toolbar.searchInput.value, false, true);
  }

  /**
   * Runs the search on the current drawing and marks its hits. `redraw`: the same query on a new
   * drawing (or the rest of one streamed in), so the hit that was current stays current when it is
   * still a hit (searchState.ts); typing starts with none current.
   */
  run(query: string, jump: boolean, redraw = false): void {
    const cy = this.host.cy();
    const index = this.host.index();
    if (!cy || !index) return;
    cy.batch(() => cy.$('.hit').removeClass('hit'));
    this.hits = index.search(query);
    if (redraw) {
      const carried = carryHit(this.hitKey, this.hits.map((hit) => this.hitKeyOf(hit)), this.host.selectedKey());
      this.cursor = carried.cursor;
      this.changed = carried.changed;
    } else {
      this.cursor = -1;
      this.changed = false;
    }
    this.hitKey = this.cursor >= 0 ? this.hitKeyOf(this.hits[this.cursor]!) : undefined;
    cy.batch(() => {
      for (const hit of this.hits.slice(0, 5000)) cy.getElementById(hit.kind === 'node' ? nodeId(hit.index) : edgeId(hit.index)).addClass('hit');
    });
    this.updateCount(query);
    if (jump && this.hits.length) this.step(1);
  }

  /** Selects and centres the next (`delta` 1) or previous (-1) hit. */
  step(delta: number): void {
    const cy = this.host.cy();
    if (!cy || this.hits.length === 0) return;
    this.host.ensureAll();
    // From none current: Enter goes to the first hit, Shift+Enter to the last.
    this.cursor = this.cursor < 0 ? (delta > 0 ? 0 : this.hits.length - 1) : (this.cursor + delta + this.hits.length) % this.hits.length;
    const hit = this.hits[this.cursor]!;
    this.hitKey = this.hitKeyOf(hit);
    this.changed = false;
    const ele = cy.getElementById(hit.kind === 'node' ? nodeId(hit.index) : edgeId(hit.index));
    cy.$(':selected').unselect();
    ele.select();
    this.host.centreOn(ele, Math.max(cy.zoom(), 0.6));
    this.updateCount(this.toolbar.searchInput.value);
  }

  /** The query, its hits and the current one (1-based; 0: none), for the report; undefined with no query. */
  report(): GraphReportDto['search'] {
    const query = this.toolbar.searchInput.value;
    return query ? { query, hits: this.hits.length, current: this.cursor + 1 } : undefined;
  }

  /** A hit's key, in the selection's format (`n:<node key>` / `e:<tensor>`). */
  private hitKeyOf(hit: Hit): string {
    const view = this.host.view()!;
    return hit.kind === 'node' ? `n:${nodeKey(view, view.nodes[hit.index]!)}` : `e:${view.tensors[view.edges[hit.index]!.tensor]?.name ?? ''}`;
  }

  private updateCount(query: string): void {
    this.toolbar.setSearchCount(searchCountText(query, this.hits.length, this.cursor, this.changed), this.changed ? 'The graph changed and the current result is gone; Enter goes to the first' : '');
  }
}
