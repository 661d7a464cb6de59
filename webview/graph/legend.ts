/**
 * The graph's legend box (DOM): a header that collapses it, then its rows — the colouring's
 * (squares; a heat ramp as a gradient bar between its two labelled ends) and the marks drawn in this
 * graph (rings, diamonds, the Q/DQ purple), whose rows marks.ts and coloring.ts decide. Where it sits
 * on the canvas is read back for the viewport plans (viewportPlan.ts's LegendBox).
 */
import { h, replaceChildren } from '../dom';
import type { LegendRow } from './marks';
import type { LegendBox } from './viewportPlan';

/** A legend row: a swatch and its label, or a heat ramp between two labelled ends. */
export type LegendItem = LegendRow | { ramp: { low: { label: string; color: string }; high: { label: string; color: string } } };

export class GraphLegend {
  readonly element = h('div', { className: 'graph-legend', data: { testid: 'legend' }, attrs: { 'aria-label': 'Legend' } });

  /** Draws the header (`title`, collapsed or not; a click calls `onToggle`) and the rows. */
  render(title: string, rows: readonly LegendItem[], collapsed: boolean, onToggle: () => void): void {
    const toggle = h(
      'button',
      {
        className: 'legend-toggle',
        attrs: { type: 'button', 'aria-expanded': String(!collapsed), title: collapsed ? 'Show the legend' : 'Hide the legend' },
        data: { testid: 'legend-toggle' },
        on: { click: onToggle },
      },
      h('span', { className: 'legend-chevron', attrs: { 'aria-hidden': 'true' } }, collapsed ? '▸' : '▾'),
      h('span', { className: 'legend-title' }, title),
    );
    const body = h(
      'div',
      { className: 'legend-rows', attrs: { hidden: collapsed } },
      ...rows.map((r) => {
        if ('ramp' in r) {
          // The gradient runs as mixRgb mixes the node colours (sRGB, linear in t), low end on top.
          const bar = h('span', { className: 'legend-ramp-bar', attrs: { 'aria-hidden': 'true' }, data: { testid: 'legend-ramp-bar' } });
          bar.style.backgroundImage = `linear-gradient(to bottom, ${r.ramp.low.color}, ${r.ramp.high.color})`;
          return h(
            'div',
            { className: 'legend-row legend-ramp' },
            bar,
            h('span', { className: 'legend-ramp-ends' }, h('span', { className: 'legend-label' }, r.ramp.low.label), h('span', { className: 'legend-label' }, r.ramp.high.label)),
          );
        }
        const sw = h('span', { className: `legend-swatch swatch-${r.swatch}`, attrs: { 'aria-hidden': 'true' } });
        if (r.swatch === 'fill' || r.swatch === 'badge') sw.style.backgroundColor = r.color;
        else sw.style.borderColor = r.color;
        return h('div', { className: 'legend-row' }, sw, h('span', { className: 'legend-label' }, r.label));
      }),
    );
    this.element.classList.toggle('collapsed', collapsed);
    replaceChildren(this.element, toggle, body);
  }

  /** Gives the keyboard to the header (after a collapse or expand re-rendered it). */
  focusToggle(): void {
    this.element.querySelector<HTMLElement>('.legend-toggle')?.focus();
  }

  /** The legend's right and bottom edges on `canvas` (px), when it is shown; for the first view and Fit. */
  extent(canvas: HTMLElement): LegendBox | undefined {
    const c = canvas.getBoundingClientRect();
    const r = this.element.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return undefined;
    return { right: r.right - c.left, bottom: r.bottom - c.top };
  }

  /** The labels of its rows as shown (the test report). */
  labels(): string[] {
    return [...this.element.querySelectorAll('.legend-label')].map((e) => e.textContent ?? '');
  }
}
