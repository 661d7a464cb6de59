/**
 * The properties pane beside or below the canvas, as glue around properties.ts (the views): the
 * hint while nothing is selected, the selected node's or edge's view with the host's properties
 * (asked once per graph and node and kept until the next drawing; a failed request is asked
 * again), the overlays' notes on a node, and what the report (test hook) reads back from the pane.
 */
import type { GraphRefDto, GraphViewDto } from '../../src/protocol/graphView';
import type { GraphReportDto } from '../../src/protocol/messages';
import type { GraphOverlayDto, OverlayNodeDto } from '../../src/protocol/overlay';
import type { NodePropertiesDto, PropertiesMessage } from '../../src/protocol/properties';
import { h, replaceChildren } from '../dom';
import { edgePropertiesView, nodePropertiesView, type PropertiesActions } from './properties';
import { nodeKey } from './viewModel';

/** What the pane asks of the panel: the graph shown, the host's properties, and where its links go. */
export interface PropertiesPaneHost {
  /** The graph on screen (the last crumb): the one whose node indices the host is asked about. */
  shown(): GraphRefDto;
  requestProperties(ref: GraphRefDto, node: number): Promise<PropertiesMessage>;
  openSubgraph(viewNode: number, attr: string, index: number | undefined): void;
  openFunction(domain: string, name: string): void;
  reveal(name: string): void;
}

/** Every overlay's entry for the node named `name`, labelled by its overlay. */
export function overlayNotes(overlays: Record<string, GraphOverlayDto>, name: string): { source: string; entry: OverlayNodeDto }[] {
  const notes: { source: string; entry: OverlayNodeDto }[] = [];
  for (const [source, o] of Object.entries(overlays)) {
    const entry = o.nodes[name];
    if (entry) notes.push({ source: o.label || source, entry });
  }
  return notes;
}

export class PropertiesPane {
  readonly element: HTMLElement;
  /** The title of what the pane shows (undefined: the hint). */
  private title: string | undefined;
  private readonly cache = new Map<string, Promise<NodePropertiesDto>>();
  private readonly actions: PropertiesActions;

  constructor(private readonly host: PropertiesPaneHost) {
    this.element = h('aside', { className: 'graph-props', attrs: { id: 'graph-props', 'aria-label': 'Properties', tabindex: -1 }, data: { testid: 'properties' } });
    this.actions = {
      load: (node) => this.load(node),
      openSubgraph: (n, attr, index) => host.openSubgraph(n, attr, index),
      openFunction: (domain, name) => host.openFunction(domain, name),
      reveal: (name) => host.reveal(name),
    };
    this.showHint();
  }

  /** A new drawing: the properties asked for belong to the previous one. */
  clearCache(): void {
    this.cache.clear();
  }

  showHint(): void {
    this.title = undefined;
    replaceChildren(this.element, h('p', { className: 'muted props-hint' }, 'Select a node or a quantized edge to see its properties.'));
  }

  /** Shows view node `i` (or view edge `i`) of `view`, with the overlays' notes on a node. */
  show(view: GraphViewDto, i: number, isNode: boolean, overlays: Record<string, GraphOverlayDto>): void {
    const content = isNode ? nodePropertiesView(view, i, overlayNotes(overlays, nodeKey(view, view.nodes[i]!)), this.actions) : edgePropertiesView(view, i, this.actions);
    replaceChildren(this.element, content);
    this.title = content.querySelector('[data-testid="props-title"]')?.textContent ?? undefined;
  }

  /** What the pane shows, for the report (undefined while it shows the hint). */
  report(): GraphReportDto['properties'] {
    if (this.title === undefined) return undefined;
    const props = this.element;
    const scaleCount = props.querySelector('[data-testid="qdq-scale-count"]')?.textContent;
    return {
      title: this.title,
      ...(scaleCount ? { scaleValues: Number(scaleCount) } : {}),
      ...(props.querySelector('[data-testid="qdq-scale-min"]') ? { scaleMin: props.querySelector('[data-testid="qdq-scale-min"]')!.textContent ?? '' } : {}),
      ...(props.querySelector('[data-testid="qdq-scale-max"]') ? { scaleMax: props.querySelector('[data-testid="qdq-scale-max"]')!.textContent ?? '' } : {}),
      weights: props.querySelectorAll('.prop-weight').length,
      stats: props.querySelectorAll('[data-testid="weight-stats"]').length,
    };
  }

  /** The host's properties of graph node `node` of the graph shown, asked once. */
  private load(node: number): Promise<NodePropertiesDto> {
    const ref = this.host.shown();
    const key = `${JSON.stringify(ref)}#${node}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.host.requestProperties(ref, node).then((m) => {
        if (!m.properties) throw new Error(m.error ?? 'no properties');
        return m.properties;
      });
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }
}
