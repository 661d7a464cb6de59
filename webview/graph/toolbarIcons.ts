/**
 * The graph toolbar's icons (16 × 16 line drawings in the current text colour, as VS Code's own
 * editor toolbars draw theirs). Built as SVG elements, never from markup; each is hidden from
 * screen readers: its button carries the name (`aria-label`) and the tooltip (`title`).
 */

const SVG = 'http://www.w3.org/2000/svg';

export type ToolbarIcon = 'up' | 'down' | 'fit' | 'zoomToSelection' | 'properties';

/** Stroked paths (and filled ones after a `|`) per icon, in a 16 × 16 box. */
const PATHS: Record<ToolbarIcon, string> = {
  up: 'M4 10l4-4 4 4',
  down: 'M4 6l4 4 4-4',
  // Four corners: the whole graph in the window.
  fit: 'M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10',
  // A magnifier over a selected box.
  zoomToSelection: 'M6.5 2.5a4 4 0 1 1 0 8a4 4 0 1 1 0-8zM9.5 9.5l4 4|M5 5h3v3H5z',
  // A window with its right-hand pane.
  properties: 'M2.5 3.5h11v9h-11zM9.5 3.5v9',
};

export function toolbarIcon(name: ToolbarIcon): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('toolbar-icon');
  const [stroked, filled] = PATHS[name].split('|');
  const path = (d: string, fill: boolean): SVGPathElement => {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    p.setAttribute('fill', fill ? 'currentColor' : 'none');
    if (!fill) {
      p.setAttribute('stroke', 'currentColor');
      p.setAttribute('stroke-width', '1.2');
      p.setAttribute('stroke-linecap', 'round');
      p.setAttribute('stroke-linejoin', 'round');
    }
    return p;
  };
  svg.appendChild(path(stroked!, false));
  if (filled) svg.appendChild(path(filled, true));
  return svg;
}
