/**
 * Owns `#app`: switches between loading, the model (Graph and Summary tabs) and error, and keeps
 * `data-status` in step. The graph tab is the default; the summary stays one tab away.
 */
import type { GraphCommand, InitMessage, LoadErrorMessage, WebviewCommand, WebviewReport } from '../src/protocol/messages';
import type { GraphOverlayDto } from '../src/protocol/overlay';
import { h, replaceChildren } from './dom';
import { GraphPanel, type GraphHostApi } from './graph/graphPanel';
import { errorView } from './panels/errorView';
import { summaryView } from './panels/summaryView';
import { readReport } from './report';
import type { ViewStateStore } from './state';

export type Status = WebviewReport['status'];
type Tab = 'graph' | 'summary';

interface Shell {
  readonly uri: string;
  readonly element: HTMLElement;
  readonly graph: GraphPanel;
  readonly summaryPane: HTMLElement;
  readonly tabs: Record<Tab, HTMLElement>;
  readonly panes: Record<Tab, HTMLElement>;
}

export class ModelView {
  private restoredScroll = false;
  private shell: Shell | undefined;
  private overlays: Record<string, GraphOverlayDto> = {};
  private pendingReveal: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: ViewStateStore,
    private readonly sendCommand: (command: WebviewCommand) => void,
    private readonly graphHost: GraphHostApi,
  ) {}

  showLoading(text = 'Loading model…'): void {
    this.shell = undefined;
    this.root.classList.remove('model-shell');
    this.setStatus('loading');
    replaceChildren(this.root, h('p', { className: 'loading', attrs: { role: 'status' } }, text));
  }

  /** Shows the model (first `init`) or brings it up to date (later ones: reload, edits). */
  showSummary(message: InitMessage): void {
    let shell = this.shell;
    const same = shell !== undefined && shell.uri === message.uri;
    if (!shell || !same) {
      shell = this.buildShell(message);
      this.shell = shell;
      replaceChildren(this.root, shell.element);
      this.root.classList.add('model-shell');
      shell.graph.applyHostState(message.graphState);
      if (this.graphReceivedEarly !== undefined) shell.graph.noteReceived(this.graphReceivedEarly);
      this.graphReceivedEarly = undefined;
      shell.graph.setOverlays(this.overlays);
      if (this.pendingReveal !== undefined) {
        shell.graph.reveal(this.pendingReveal);
        this.pendingReveal = undefined;
      }
      this.selectTab(this.store.current.tab ?? 'graph', false);
    }
    replaceChildren(shell.summaryPane, summaryView(message, this.store, { copySummary: () => this.sendCommand('copySummary') }));
    this.setStatus('ready');
    this.restoreScrollOnce();
    // A later `init` for the same model (edit, undo, redo, revert, reload): redraw in place.
    if (same) shell.graph.refresh();
    else void shell.graph.load();
  }

  private buildShell(message: InitMessage): Shell {
    const graph = new GraphPanel(this.root, this.store, this.graphHost);
    graph.setDocumentUri(message.uri);
    const summaryPane = h('div', { className: 'summary-pane' });
    const makeTab = (tab: Tab, label: string): HTMLElement =>
      h(
        'button',
        {
          className: 'tab',
          attrs: { type: 'button', role: 'tab', id: `tab-${tab}`, 'aria-controls': `pane-${tab}` },
          data: { testid: `tab-${tab}` },
          on: {
            click: () => this.selectTab(tab, true),
            keydown: (ev) => {
              if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
                ev.preventDefault();
                const other: Tab = tab === 'graph' ? 'summary' : 'graph';
                this.selectTab(other, true);
                this.shell?.tabs[other].focus();
              }
            },
          },
        },
        label,
      );
    const tabs = { graph: makeTab('graph', 'Graph'), summary: makeTab('summary', 'Summary') };
    const panes = {
      graph: h('div', { className: 'pane pane-graph', attrs: { role: 'tabpanel', id: 'pane-graph', 'aria-labelledby': 'tab-graph' } }, graph.element),
      summary: h('div', { className: 'pane pane-summary', attrs: { role: 'tabpanel', id: 'pane-summary', 'aria-labelledby': 'tab-summary' } }, summaryPane),
    };
    let scheduled = false;
    panes.summary.addEventListener(
      'scroll',
      () => {
        if (scheduled) return;
        scheduled = true;
        requestAnimationFrame(() => {
          scheduled = false;
          if (this.restoredScroll) this.store.setScrollY(Math.round(panes.summary.scrollTop));
        });
      },
      { passive: true },
    );
    const element = h(
      'div',
      { className: 'shell' },
      h(
        'div',
        { className: 'tabbar' },
        h('div', { className: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Model views' } }, tabs.graph, tabs.summary),
        h('span', { className: 'tabbar-file', attrs: { title: message.summary.file } }, message.fileName),
      ),
      panes.graph,
      panes.summary,
    );
    return { uri: message.uri, element, graph, summaryPane, tabs, panes };
  }

  selectTab(tab: Tab, remember: boolean): void {
    const shell = this.shell;
    if (!shell) return;
    for (const t of ['graph', 'summary'] as const) {
      const on = t === tab;
      shell.tabs[t].setAttribute('aria-selected', String(on));
      shell.tabs[t].tabIndex = on ? 0 : -1;
      shell.panes[t].hidden = !on;
    }
    this.root.dataset.tab = tab;
    if (remember) this.store.setTab(tab);
    if (tab === 'graph') requestAnimationFrame(() => shell.graph.resized());
  }

  setOverlays(overlays: Record<string, GraphOverlayDto>): void {
    this.overlays = overlays;
    this.shell?.graph.setOverlays(overlays);
  }

  revealNode(name: string): void {
    if (!this.shell) {
      this.pendingReveal = name;
      return;
    }
    this.selectTab('graph', true);
    this.shell.graph.reveal(name);
  }

  graphCommand(command: GraphCommand, text?: string): void {
    if (command === 'showSummary' || command === 'showGraph') {
      this.selectTab(command === 'showSummary' ? 'summary' : 'graph', true);
      return;
    }
    if (!this.shell) return;
    this.selectTab('graph', true);
    this.shell.graph.command(command, text);
  }

  /** The graph panel's receive-time note for `graphView` messages (first-paint figure). */
  noteGraphReceived(at: number): void {
    // The first graph may arrive before `init` built the panel (main.ts asks for it early).
    if (this.shell) this.shell.graph.noteReceived(at);
    else this.graphReceivedEarly = at;
  }

  /** When a graph arrived before the panel existed (handed to the panel it builds). */
  private graphReceivedEarly: number | undefined;

  showError(message: LoadErrorMessage): void {
    this.shell = undefined;
    this.graphReceivedEarly = undefined;
    this.root.classList.remove('model-shell');
    replaceChildren(
      this.root,
      errorView(message, {
        reopenAsText: () => this.sendCommand('reopenAsText'),
        retry: () => {
          this.showLoading('Reading the file again…');
          this.sendCommand('retry');
        },
      }),
    );
    this.setStatus('error');
  }

  report(): WebviewReport {
    const base = readReport(this.root);
    const shell = this.shell;
    if (!shell) return base;
    return { ...base, graph: shell.graph.report(shell.panes.graph.hidden ? 'summary' : 'graph') };
  }

  private setStatus(status: Status): void {
    this.root.dataset.status = status;
    this.root.setAttribute('aria-busy', String(status === 'loading'));
  }

  private restoreScrollOnce(): void {
    if (this.restoredScroll) return;
    this.restoredScroll = true;
    const y = this.store.current.scrollY;
    const pane = this.shell?.panes.summary;
    if (y > 0 && pane) requestAnimationFrame(() => (pane.scrollTop = y));
  }
}
