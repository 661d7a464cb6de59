/**
 * View state that survives the webview being hidden and shown again (the panel does not retain
 * its context, so VS Code re-creates the page; `getState`/`setState` keep what the user chose).
 */
import type { VsCodeApi } from './vscodeApi';

export interface ViewState {
  readonly version: 1;
  /** Ids of sections the user collapsed. */
  readonly collapsed: readonly string[];
  /** Vertical scroll position of the page. */
  readonly scrollY: number;
  /** Which tab shows (default: the graph). */
  readonly tab?: 'graph' | 'summary';
  /** The graph view: folded or raw, the selection, the colouring source, the viewport. */
  readonly graph?: GraphViewState;
}

export interface GraphViewState {
  readonly mode?: 'folded' | 'raw';
  /** Selected element: `n:<name>` for a node, `e:<tensor>` for an edge. */
  readonly selected?: string;
  readonly colorSource?: string;
  readonly zoom?: number;
  readonly pan?: { readonly x: number; readonly y: number };
}

function isGraphViewState(value: unknown): value is GraphViewState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const pan = v.pan as Record<string, unknown> | undefined;
  return (
    (v.mode === undefined || v.mode === 'folded' || v.mode === 'raw') &&
    (v.selected === undefined || typeof v.selected === 'string') &&
    (v.colorSource === undefined || typeof v.colorSource === 'string') &&
    (v.zoom === undefined || (typeof v.zoom === 'number' && Number.isFinite(v.zoom) && v.zoom > 0)) &&
    (pan === undefined || (typeof pan === 'object' && pan !== null && Number.isFinite(pan.x) && Number.isFinite(pan.y)))
  );
}

const initialState: ViewState = { version: 1, collapsed: [], scrollY: 0 };

function isViewState(value: unknown): value is ViewState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ViewState>;
  return (
    v.version === 1 &&
    Array.isArray(v.collapsed) &&
    v.collapsed.every((c) => typeof c === 'string') &&
    typeof v.scrollY === 'number' &&
    (v.tab === undefined || v.tab === 'graph' || v.tab === 'summary') &&
    (v.graph === undefined || isGraphViewState(v.graph))
  );
}

/** Holds the view state and writes every change through to VS Code. */
export class ViewStateStore {
  private state: ViewState;

  constructor(private readonly api: VsCodeApi) {
    const saved = api.getState();
    this.state = isViewState(saved) ? saved : initialState;
  }

  get current(): ViewState {
    return this.state;
  }

  isCollapsed(sectionId: string): boolean {
    return this.state.collapsed.includes(sectionId);
  }

  setCollapsed(sectionId: string, collapsed: boolean): void {
    const others = this.state.collapsed.filter((id) => id !== sectionId);
    this.update({ collapsed: collapsed ? [...others, sectionId] : others });
  }

  setScrollY(scrollY: number): void {
    if (scrollY === this.state.scrollY) return;
    this.update({ scrollY });
  }

  setTab(tab: 'graph' | 'summary'): void {
    if (tab === (this.state.tab ?? 'graph')) return;
    this.update({ tab });
  }

  /** Merges `patch` into the graph view state (undefined values remove a field). */
  updateGraph(patch: Partial<GraphViewState>): void {
    const next: Record<string, unknown> = { ...(this.state.graph ?? {}) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    this.update({ graph: next as GraphViewState });
  }

  private update(patch: Partial<Omit<ViewState, 'version'>>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }
}
