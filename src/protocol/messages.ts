/**
 * The one protocol between the extension host and the model-view webview. Both sides import this
 * module; it imports neither `vscode` nor the DOM. Every message is a plain JSON object with a
 * string `type` tag; requests carry a `requestId` and their replies an `inReplyTo` (see
 * `channel.ts`).
 */
import type { ModelSummaryDto } from './modelSummaryDto';

export type { ModelSummaryDto, TensorSummaryDto } from './modelSummaryDto';

// ---------------------------------------------------------------------------------------------
// Host -> webview
// ---------------------------------------------------------------------------------------------

/**
 * Sent by the host after the webview said `ready`, and again to every panel of the document
 * whenever the model is (re)loaded successfully (retry, revert, change on disk).
 */
export interface InitMessage {
  readonly type: 'init';
  /** The document URI as a string (for display and for the webview's saved state). */
  readonly uri: string;
  /** Base name of the file, e.g. `yolov9t-qat.onnx`. */
  readonly fileName: string;
  /** Size of the `.onnx` file in bytes (external data files not included). */
  readonly fileSize: number;
  readonly summary: ModelSummaryDto;
}

/**
 * Sent by the host instead of `init` when the document could not be read or decoded. The webview
 * shows an error panel with "Reopen with Text Editor" and "Retry".
 */
export interface LoadErrorMessage {
  readonly type: 'loadError';
  readonly uri: string;
  /** The file that failed (path or URI as the decoder named it). */
  readonly file: string;
  /** Full human-readable message; names the file (and byte offset / field path when known). */
  readonly message: string;
  /** Byte offset of the problem in the file, for format errors. */
  readonly offset?: number;
  /** Field path such as `ModelProto.graph.node[12].attribute[0]`, for format errors. */
  readonly fieldPath?: string;
  /** The problem alone, without file and offset (e.g. "truncated varint"), when known. */
  readonly problem?: string;
}

/**
 * Request sent by the host (test hook `qdqStudio.internal.queryWebview`) asking what the webview
 * actually shows. Answered by `queryResult`.
 */
export interface QueryMessage {
  readonly type: 'query';
  readonly requestId: number;
}

export type ToWebview = InitMessage | LoadErrorMessage | QueryMessage;

// ---------------------------------------------------------------------------------------------
// Webview -> host
// ---------------------------------------------------------------------------------------------

/** Sent by the webview once its script has run and it listens for messages (after every (re)load). */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** What the webview rendered, read back from its DOM (not echoed from `init`). */
export interface WebviewReport {
  /** `data-status` of `#app`. */
  readonly status: 'loading' | 'ready' | 'error';
  /** Parsed from `[data-testid="node-count"]`, when shown. */
  readonly nodeCount?: number;
  /** Text of `[data-testid="error"]`, when shown. */
  readonly error?: string;
  /** File name shown in the header, when shown. */
  readonly fileName?: string;
  /** Number of rows of `[data-testid="op-histogram"]`, when shown. */
  readonly opTypeRows?: number;
  /** Content-Security-Policy violations seen by the page since it loaded (`violatedDirective`s). */
  readonly cspViolations: readonly string[];
  /** Smallest computed font size (px) of any visible text in `#app`, when any text is shown. */
  readonly smallestFontPx?: number;
  /** The editor font size (px) the page was given by VS Code (`--vscode-editor-font-size`). */
  readonly editorFontPx?: number;
}

/** Reply of the webview to `query`. */
export interface QueryResultMessage {
  readonly type: 'queryResult';
  readonly inReplyTo: number;
  readonly report: WebviewReport;
}

export type WebviewCommand = 'reopenAsText' | 'retry' | 'copySummary';

/** Sent by the webview when the user presses one of its buttons. */
export interface CommandMessage {
  readonly type: 'command';
  readonly command: WebviewCommand;
}

/** Sent by the webview when its own code fails (uncaught error or rejected promise), for the log. */
export interface WebviewErrorMessage {
  readonly type: 'webviewError';
  readonly message: string;
  readonly stack?: string;
}

export type FromWebview = ReadyMessage | QueryResultMessage | CommandMessage | WebviewErrorMessage;

// ---------------------------------------------------------------------------------------------
// Guards: messages cross a trust boundary, so each side checks what it receives.
// ---------------------------------------------------------------------------------------------

const webviewCommands: ReadonlySet<string> = new Set<WebviewCommand>(['reopenAsText', 'retry', 'copySummary']);
const reportStatuses: ReadonlySet<string> = new Set(['loading', 'ready', 'error']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` is a well-formed `FromWebview` message. */
export function isFromWebview(value: unknown): value is FromWebview {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'ready':
      return true;
    case 'command':
      return typeof value.command === 'string' && webviewCommands.has(value.command);
    case 'queryResult': {
      const report = value.report;
      return (
        typeof value.inReplyTo === 'number' &&
        isRecord(report) &&
        typeof report.status === 'string' &&
        reportStatuses.has(report.status) &&
        Array.isArray(report.cspViolations)
      );
    }
    case 'webviewError':
      return typeof value.message === 'string';
    default:
      return false;
  }
}

/** True when `value` is a well-formed `ToWebview` message (shallow check of the tag and ids). */
export function isToWebview(value: unknown): value is ToWebview {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'init':
      return typeof value.uri === 'string' && typeof value.fileName === 'string' && isRecord(value.summary);
    case 'loadError':
      return typeof value.uri === 'string' && typeof value.file === 'string' && typeof value.message === 'string';
    case 'query':
      return typeof value.requestId === 'number';
    default:
      return false;
  }
}
