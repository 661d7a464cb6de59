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
}

const initialState: ViewState = { version: 1, collapsed: [], scrollY: 0 };

function isViewState(value: unknown): value is ViewState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ViewState>;
  return (
    v.version === 1 &&
    Array.isArray(v.collapsed) &&
    v.collapsed.every((c) => typeof c === 'string') &&
    typeof v.scrollY === 'number'
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

  private update(patch: Partial<Omit<ViewState, 'version'>>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }
}
