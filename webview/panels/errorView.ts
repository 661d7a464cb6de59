/** The error panel shown when the host could not read or decode the model. */
import type { LoadErrorMessage } from '../../src/protocol/messages';
import { h } from '../dom';
import { baseName } from '../format';
import { propertyList } from './section';

export interface ErrorActions {
  reopenAsText(): void;
  retry(): void;
}

export function errorView(message: LoadErrorMessage, actions: ErrorActions): HTMLElement {
  const reopen = h('vscode-button', { attrs: { title: 'Open this file with VS Code\'s default editor' } }, 'Reopen with Text Editor');
  reopen.addEventListener('click', () => actions.reopenAsText());
  const retry = h('vscode-button', { attrs: { secondary: true, title: 'Read the file again' } }, 'Retry');
  retry.addEventListener('click', () => actions.retry());

  return h(
    'section',
    { className: 'error-panel', attrs: { 'aria-labelledby': 'error-title' } },
    h('h1', { className: 'error-title', attrs: { id: 'error-title' } }, `Cannot open ${baseName(message.file)}`),
    h('p', { className: 'error-message', data: { testid: 'error' }, attrs: { role: 'alert' } }, message.message),
    propertyList([
      ['File', h('span', { className: 'mono wrap' }, message.file)],
      message.offset !== undefined ? ['Byte offset', h('span', { className: 'num', data: { testid: 'error-offset' } }, String(message.offset))] : null,
      message.fieldPath ? ['Field', h('span', { className: 'mono wrap' }, message.fieldPath)] : null,
      message.problem ? ['Problem', message.problem] : null,
    ]),
    h(
      'p',
      { className: 'muted', data: { testid: 'error-hint' } },
      message.tooLarge
        ? 'The model needs more memory than the extension host may use, so reading it was stopped before it ran out. The extension keeps running. The qdq command line can read it in a process of its own, given more memory (NODE_OPTIONS=--max-old-space-size=16384 qdq info MODEL).'
        : 'The file may be truncated, not an ONNX model, or written by a tool this version cannot read. The extension keeps running; fix the file and retry, or inspect it in another editor.',
    ),
    // A text editor cannot help with a file too large to read (and would try to load all of it).
    h('div', { className: 'actions' }, message.tooLarge ? null : reopen, retry),
  );
}
