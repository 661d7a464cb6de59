/** Reads back what the page actually shows, for the host's `query` (test hook). */
import type { WebviewReport } from '../src/protocol/messages';
import { cspViolations } from './cspMonitor';
import { parseCount } from './format';

type Status = WebviewReport['status'];

function status(root: HTMLElement): Status {
  const s = root.dataset.status;
  return s === 'ready' || s === 'error' ? s : 'loading';
}

function isRendered(el: Element): boolean {
  return el.getClientRects().length > 0;
}

/** Smallest computed font size (px) of any rendered, non-blank text node under `root`. */
function smallestFontPx(root: HTMLElement): number | undefined {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let smallest: number | undefined;
  const seen = new Set<Element>();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || seen.has(parent) || (node.textContent ?? '').trim() === '') continue;
    seen.add(parent);
    if (!isRendered(parent)) continue;
    const px = parseFloat(getComputedStyle(parent).fontSize);
    if (Number.isFinite(px) && (smallest === undefined || px < smallest)) smallest = px;
  }
  return smallest;
}

export function readReport(root: HTMLElement): WebviewReport {
  const nodeCount = parseCount(root.querySelector('[data-testid="node-count"]')?.textContent);
  const error = root.querySelector('[data-testid="error"]')?.textContent?.trim();
  const fileName = root.querySelector('[data-testid="file-name"]')?.textContent?.trim();
  const histogram = root.querySelector('[data-testid="op-histogram"]');
  const editorFontPx = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-font-size'));
  const smallest = smallestFontPx(root);
  return {
    status: status(root),
    ...(nodeCount !== undefined ? { nodeCount } : {}),
    ...(error ? { error } : {}),
    ...(fileName ? { fileName } : {}),
    ...(histogram ? { opTypeRows: histogram.querySelectorAll('vscode-table-row').length } : {}),
    cspViolations: cspViolations(),
    ...(smallest !== undefined ? { smallestFontPx: smallest } : {}),
    ...(Number.isFinite(editorFontPx) ? { editorFontPx } : {}),
  };
}
