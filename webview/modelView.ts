/** Owns `#app`: switches between loading, summary and error, and keeps `data-status` in step. */
import type { InitMessage, LoadErrorMessage, WebviewCommand, WebviewReport } from '../src/protocol/messages';
import { h, replaceChildren } from './dom';
import { errorView } from './panels/errorView';
import { summaryView } from './panels/summaryView';
import { readReport } from './report';
import type { ViewStateStore } from './state';

export type Status = WebviewReport['status'];

export class ModelView {
  private restoredScroll = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: ViewStateStore,
    private readonly sendCommand: (command: WebviewCommand) => void,
  ) {
    let scheduled = false;
    window.addEventListener(
      'scroll',
      () => {
        if (scheduled) return;
        scheduled = true;
        requestAnimationFrame(() => {
          scheduled = false;
          if (this.restoredScroll) this.store.setScrollY(Math.round(window.scrollY));
        });
      },
      { passive: true },
    );
  }

  showLoading(text = 'Loading model…'): void {
    this.setStatus('loading');
    replaceChildren(this.root, h('p', { className: 'loading', attrs: { role: 'status' } }, text));
  }

  showSummary(message: InitMessage): void {
    replaceChildren(
      this.root,
      summaryView(message, this.store, { copySummary: () => this.sendCommand('copySummary') }),
    );
    this.setStatus('ready');
    this.restoreScrollOnce();
  }

  showError(message: LoadErrorMessage): void {
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
    return readReport(this.root);
  }

  private setStatus(status: Status): void {
    this.root.dataset.status = status;
    this.root.setAttribute('aria-busy', String(status === 'loading'));
  }

  private restoreScrollOnce(): void {
    if (this.restoredScroll) return;
    this.restoredScroll = true;
    const y = this.store.current.scrollY;
    if (y > 0) requestAnimationFrame(() => window.scrollTo(0, y));
  }
}
