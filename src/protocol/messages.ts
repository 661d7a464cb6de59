/**
 * The one protocol between the extension host and the model-view webview. Both sides import this
 * module; it imports neither `vscode` nor the DOM. Every message is a plain JSON object with a
 * string `type` tag; requests carry a `requestId` and their replies an `inReplyTo` (see
 * `channel.ts`).
 */
import { isGraphRef, isRequestGraphView, type GraphViewMessage, type RequestGraphViewMessage, type ViewModeDto } from './graphView';
import type { ModelSummaryDto } from './modelSummaryDto';
import { isGraphOverlay, type OverlaysMessage } from './overlay';
import type { PropertiesMessage, RequestPropertiesMessage } from './properties';

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
  /**
   * What the graph view showed when this document was last open (selection, folded or raw), kept
   * by the host so a reopened editor comes back to it. The webview's own saved state (hide/show)
   * wins when it has one.
   */
  readonly graphState?: GraphUiStateDto;
}

/** The part of the graph view's state the host remembers per document. */
export interface GraphUiStateDto {
  /** Name of the selected node (ONNX node name, `<OpType>#<index>` when unnamed, or a tensor name for inputs/outputs). */
  readonly selected?: string;
  readonly mode?: ViewModeDto;
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
  /** The file may be fine: it needs more memory than the extension host may use. */
  readonly tooLarge?: true;
}

/**
 * Request sent by the host (test hook `qdqStudio.internal.queryWebview`) asking what the webview
 * actually shows. Answered by `queryResult`.
 */
export interface QueryMessage {
  readonly type: 'query';
  readonly requestId: number;
}

/** Host -> webview: select and centre a node (command `qdqStudio.revealNode`, diagnostics). */
export interface RevealNodeMessage {
  readonly type: 'revealNode';
  /** ONNX node name (or `<OpType>#<index>`), or a tensor name. */
  readonly name: string;
}

export type GraphCommand = 'toggleFolding' | 'fit' | 'zoomToSelection' | 'find' | 'showGraph' | 'showSummary';

/** Host -> webview: a graph view action run from a VS Code command (palette, keybinding, tests). */
export interface GraphCommandMessage {
  readonly type: 'graphCommand';
  readonly command: GraphCommand;
  /** For `find`: the text to search for (else the search box just takes focus). */
  readonly text?: string;
}

export type ToWebview =
  | InitMessage
  | LoadErrorMessage
  | QueryMessage
  | GraphViewMessage
  | OverlaysMessage
  | PropertiesMessage
  | RevealNodeMessage
  | GraphCommandMessage;

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
  /** What the graph view shows, when it exists. */
  readonly graph?: GraphReportDto;
}

/** The graph view, read back from cytoscape and the DOM (test hook and benchmark). */
export interface GraphReportDto {
  /** `data-qdq-state` of `#app`. */
  readonly state: 'loading' | 'ready' | 'error';
  /** Which tab is showing. */
  readonly tab: 'graph' | 'summary';
  readonly mode: ViewModeDto;
  /** Title of the drawn graph (main graph, function or subgraph). */
  readonly title?: string;
  /** Nodes and edges in the cytoscape instance. */
  readonly renderedNodes: number;
  readonly renderedEdges: number;
  /** Folded Q/DQ pairs drawn as badges (edge and weight badges). */
  readonly qdqBadges: number;
  /** Milliseconds from receiving the graph to its first painted frame. */
  readonly firstPaintMs?: number;
  /** Selected node or edge: its name (node name, or tensor name for edges), kind and id. */
  readonly selected?: string;
  readonly selectedKind?: 'node' | 'edge';
  /** The colouring source (`opType` or an overlay source) and the legend labels shown. */
  readonly colorSource: string;
  readonly legend: string[];
  /** Overlay sources the webview has. */
  readonly overlaySources: string[];
  /** Nodes carrying an overlay badge (findings and others). */
  readonly badgedNodes: number;
  /** Search: query, hit count and the current hit (1-based). */
  readonly search?: { readonly query: string; readonly hits: number; readonly current: number };
  /** Properties panel: title, and for Q/DQ the number of scale values listed and their min/max as shown. */
  readonly properties?: { readonly title: string; readonly scaleValues?: number; readonly scaleMin?: string; readonly scaleMax?: string; readonly weights?: number; readonly stats?: number };
  /** The viewport zoom. */
  readonly zoom?: number;
  /** Nodes whose box meets the viewport (0: a blank canvas), and whether the selection lies wholly inside it. */
  readonly visibleNodes?: number;
  readonly selectionOnScreen?: boolean;
  /** Nodes (boxes, at least in part) under the legend's box. */
  readonly nodesUnderLegend?: number;
  readonly error?: string;
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

/** Webview -> host: the graph view's selection or mode changed (remembered for a reopened editor). */
export interface GraphStateMessage {
  readonly type: 'graphState';
  readonly state: GraphUiStateDto;
}

/**
 * Webview -> host: a graph was painted for the first time in this page (`firstPaintMs`: from its
 * message's arrival to the painted frame). The host starts deferred work (the first analysis) then.
 */
export interface GraphPaintedMessage {
  readonly type: 'graphPainted';
  readonly firstPaintMs: number;
}

export type FromWebview =
  | ReadyMessage
  | GraphPaintedMessage
  | QueryResultMessage
  | CommandMessage
  | WebviewErrorMessage
  | RequestGraphViewMessage
  | RequestPropertiesMessage
  | GraphStateMessage;

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
    case 'requestGraphView':
      return isRequestGraphView(value);
    case 'requestProperties':
      return typeof value.requestId === 'number' && isGraphRef(value.ref) && typeof value.node === 'number' && Number.isInteger(value.node) && value.node >= 0;
    case 'graphState':
      return isGraphUiState(value.state);
    case 'graphPainted':
      return typeof value.firstPaintMs === 'number' && Number.isFinite(value.firstPaintMs);
    default:
      return false;
  }
}

const graphCommands: ReadonlySet<string> = new Set<GraphCommand>(['toggleFolding', 'fit', 'zoomToSelection', 'find', 'showGraph', 'showSummary']);

export function isGraphUiState(value: unknown): value is GraphUiStateDto {
  return (
    isRecord(value) &&
    (value.selected === undefined || (typeof value.selected === 'string' && value.selected.length <= 4096)) &&
    (value.mode === undefined || value.mode === 'folded' || value.mode === 'raw')
  );
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
    case 'graphView':
      return typeof value.inReplyTo === 'number' && (typeof value.error === 'string' || typeof value.packed === 'string' || (isRecord(value.view) && isRecord(value.layout)));
    case 'overlays':
      return isRecord(value.overlays) && Object.values(value.overlays).every(isGraphOverlay);
    case 'properties':
      return typeof value.inReplyTo === 'number' && (typeof value.error === 'string' || isRecord(value.properties));
    case 'revealNode':
      return typeof value.name === 'string';
    case 'graphCommand':
      return typeof value.command === 'string' && graphCommands.has(value.command) && (value.text === undefined || typeof value.text === 'string');
    default:
      return false;
  }
}
