/**
 * The graph canvas's cytoscape stylesheet (a factory: built for each drawing and again on a theme
 * change) and the theme colours it takes that are not per element. Per-element values (a node's
 * colour and fill, a finding's halo colour) are element data (coloring.ts, marks.ts).
 */
import type cytoscape from 'cytoscape';
import { editorFont } from './fontMetrics';
import { badgeMarkerUrl, OUTLINE_COLOR } from './marks';
import { mixRgb, resolveColor, themeKind } from './theme';

export interface CanvasColors {
  fg: string;
  bg: string;
  q: string;
  focus: string;
  badge: string;
}

/** Theme colours of the canvas that are not per element (re-resolved on theme changes). */
export function canvasColors(): CanvasColors {
  const fg = resolveColor('editor.foreground', 'rgb(204, 204, 204)');
  const bg = resolveColor('editor.background', 'rgb(30, 30, 30)');
  return {
    fg,
    bg,
    q: resolveColor('charts.purple', 'rgb(177, 128, 215)'),
    focus: resolveColor(OUTLINE_COLOR, 'rgb(0, 127, 212)'),
    // Badges (no severity): a diamond in the editor's foreground colour, a shape no fill or halo has.
    badge: fg,
  };
}

/**
 * Which visual channel shows what, so none hides or tints another: the colouring is the node's
 * border and its opaque fill (the colour mixed into the background: a translucent fill let a halo
 * underneath tint it, a green INT8 conv under a blue halo looked teal); findings are halos
 * (underlay) in their own hues (marks.ts); other badges a corner diamond (edges: a mid diamond);
 * folded weight Q/DQ the purple outline; the selection a solid outline in the focus colour and
 * search hits a dashed one (a fill tint, the find-match orange, made a searched INT8 node look FP16).
 */
export function graphStylesheet(): cytoscape.StylesheetJson {
  const { size, family } = editorFont();
  const { fg, bg, q, focus, badge } = canvasColors();
  const edge = mixRgb(fg, bg, 0.45);
  const hc = themeKind().startsWith('high-contrast');
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        width: 'data(w)',
        height: 'data(h)',
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-size': size,
        'font-family': family,
        color: fg,
        'background-color': 'data(fill)',
        'background-opacity': 1,
        'border-width': hc ? 2 : 1.5,
        'border-color': 'data(bg)',
        'min-zoomed-font-size': 7,
      },
    },
    { selector: 'node.input, node.output', style: { shape: 'round-tag', 'border-style': 'dashed' } as cytoscape.Css.Node },
    { selector: 'node.sub', style: { 'border-style': 'double', 'border-width': 4 } },
    { selector: 'node.wq', style: { 'outline-width': 2, 'outline-color': q, 'outline-offset': 2 } as cytoscape.Css.Node },
    {
      // Opaque, so the halo shows the legend's colour exactly; wider than the outlines inside it
      // (weights 2–4 px out, selection and hits 2–5), thinner for info, the least urgent.
      selector: 'node[sev]',
      style: {
        'underlay-color': 'data(sevColor)',
        'underlay-opacity': 1,
        'underlay-padding': 8,
        'underlay-shape': 'round-rectangle',
      } as cytoscape.Css.Node,
    },
    { selector: 'node[sev = "info"]', style: { 'underlay-padding': 6 } as cytoscape.Css.Node },
    {
      selector: 'node[?badge]',
      style: {
        'background-image': badgeMarkerUrl(badge, bg),
        'background-fit': 'none',
        'background-width': 16,
        'background-height': 16,
        'background-position-x': '100%',
        'background-position-y': '0%',
        'background-offset-x': 8,
        'background-offset-y': -8,
        'background-clip': 'none',
        'background-image-containment': 'over',
        'background-image-opacity': 1,
        'bounds-expansion': 9,
      } as cytoscape.Css.Node,
    },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'line-color': edge,
        'target-arrow-color': edge,
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        'curve-style': 'straight',
      },
    },
    {
      selector: 'edge.bent',
      style: {
        'curve-style': 'segments',
        'edge-distances': 'node-position',
        // Data mappers, not functions: a function-valued property is re-evaluated and re-parsed
        // per element on every style pass.
        'segment-distances': 'data(sd)',
        'segment-weights': 'data(sw)',
      } as cytoscape.Css.Edge,
    },
    {
      selector: 'edge.q',
      style: {
        width: 2.2,
        'line-color': q,
        'target-arrow-color': q,
        label: 'data(label)',
        'font-size': size,
        'font-family': family,
        color: fg,
        'text-background-color': bg,
        'text-background-opacity': 0.9,
        'text-background-padding': '2px',
        'text-border-color': q,
        'text-border-width': 1,
        'text-border-opacity': 1,
        'min-zoomed-font-size': 9,
      } as cytoscape.Css.Edge,
    },
    {
      selector: 'edge[sev]',
      style: { 'underlay-color': 'data(sevColor)', 'underlay-opacity': 1, 'underlay-padding': 4 } as cytoscape.Css.Edge,
    },
    {
      selector: 'edge[?badge]',
      style: { 'mid-target-arrow-shape': 'diamond', 'mid-target-arrow-color': badge, 'mid-target-arrow-fill': 'filled' } as cytoscape.Css.Edge,
    },
    { selector: 'node.hit', style: { 'outline-width': 3, 'outline-color': focus, 'outline-offset': 2, 'outline-style': 'dashed', 'outline-opacity': 1 } as cytoscape.Css.Node },
    { selector: 'edge.hit', style: { 'line-outline-width': 2, 'line-outline-color': focus } as cytoscape.Css.Edge },
    {
      selector: 'node:selected',
      // cytoscape's default ':selected' fills the node with its own blue: keep our fill.
      style: { 'background-color': 'data(fill)', 'outline-width': 3, 'outline-color': focus, 'outline-offset': 2, 'outline-style': 'solid', 'outline-opacity': 1 } as cytoscape.Css.Node,
    },
    { selector: 'edge:selected', style: { width: 4, 'line-color': focus, 'target-arrow-color': focus } },
  ] as cytoscape.StylesheetJson;
}
