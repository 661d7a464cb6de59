import * as vscode from 'vscode';
import type { GraphIndex } from '../core/graph/index';
import type { ModelSummary } from '../core/graph/summary.types';
import type { DecodedModel } from '../core/onnx/index';
import type { Logger } from '../util/logger';

/** A model that decoded and summarised. Owns `decoded.source` (close it when done). */
export interface LoadedModel {
  readonly kind: 'loaded';
  readonly decoded: DecodedModel;
  readonly summary: ModelSummary;
  /**
   * The main graph's index, built once for the summary and shared by the graph view and the
   * analysis (rebuilt with the summary after every edit, see `indexAndSummary`). Absent exactly
   * when the model has no graph.
   */
  readonly index?: GraphIndex;
  /** Wall time of decode + summary, ms. */
  readonly loadMs: number;
}

/** Why a model could not be loaded, in the shape the webview's error panel shows. */
export interface LoadErrorInfo {
  /** The file as the user knows it (path for `file:` URIs, else the URI). */
  readonly file: string;
  /** Full message; names the file, and the byte offset and field path for format errors. */
  readonly message: string;
  readonly offset?: number;
  readonly fieldPath?: string;
  readonly problem?: string;
  /** More memory than the extension host may use (ModelTooLargeError), not a bad file. */
  readonly tooLarge?: true;
}

export interface LoadFailure {
  readonly kind: 'error';
  readonly error: LoadErrorInfo;
}

export type LoadResult = LoadedModel | LoadFailure;

type OnnxModule = typeof import('../core/onnx/index.js');
type GraphModule = typeof import('../core/graph/index.js');

/**
 * The main graph's index (when there is a graph) and the summary made from it: a model state's
 * derived parts. `uri`: where the model lives; only a local file has a folder whose external data
 * files the summary can look at.
 */
export function indexAndSummary(graph: GraphModule, decoded: DecodedModel, uri: vscode.Uri): Pick<LoadedModel, 'index' | 'summary'> {
  const index = decoded.model.graph ? graph.buildGraphIndex(decoded.model.graph) : undefined;
  return { summary: graph.summarizeModel(decoded, index, uri.scheme === 'file' ? undefined : null), ...(index ? { index } : {}) };
}

/** The name of a URI for messages: the path for local files, the full URI otherwise. */
export function displayPath(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}

/**
 * Reads and decodes `.onnx` documents. The ONNX core is imported on first use, not at activation:
 * esbuild wraps a dynamically imported module in a lazy initialiser, so none of its module-level
 * work runs until a model is opened.
 *
 * Note: decoding is synchronous and runs on the extension host thread. Opening reads only the
 * bytes the decoder needs (weights are skipped by positional reads), which keeps a 250 MB model
 * within the ~150 ms open budget; a worker would only pay off for far larger graphs.
 */
export class ModelLoader {
  private modules: Promise<[OnnxModule, GraphModule]> | undefined;

  constructor(private readonly log: Logger) {}

  private core(): Promise<[OnnxModule, GraphModule]> {
    this.modules ??= Promise.all([import('../core/onnx/index.js'), import('../core/graph/index.js')]);
    return this.modules;
  }

  /** Loads a model; never throws. Failures come back as `LoadFailure` with a displayable message. */
  async load(uri: vscode.Uri): Promise<LoadResult> {
    const file = displayPath(uri);
    let onnx: OnnxModule;
    let graph: GraphModule;
    try {
      [onnx, graph] = await this.core();
    } catch (e) {
      this.modules = undefined;
      this.log.error('Loading the ONNX core failed', e);
      return { kind: 'error', error: { file, message: `${file}: internal error loading the ONNX reader: ${errorText(e)}` } };
    }

    const t0 = performance.now();
    let decoded: DecodedModel | undefined;
    try {
      if (uri.scheme === 'file') {
        decoded = onnx.openModelFile(uri.fsPath);
      } else {
        const bytes = await vscode.workspace.fs.readFile(uri);
        decoded = onnx.decodeModel(new onnx.MemorySource(bytes, file), { file });
      }
      const derived = indexAndSummary(graph, decoded, uri);
      const loadMs = performance.now() - t0;
      this.log.debug(`Opened ${file} in ${loadMs.toFixed(1)} ms (${derived.summary.nodeCount} nodes)`);
      return { kind: 'loaded', decoded, ...derived, loadMs };
    } catch (e) {
      closeQuietly(decoded);
      const error = this.describe(e, file, onnx);
      // Every failed read (an editor, a reload, a task looking at the model), with the file: the
      // message names it, else the file is put first.
      this.log.warn(`Cannot read the model: ${error.message.includes(error.file) ? error.message : `${error.file}: ${error.message}`}`);
      return { kind: 'error', error };
    }
  }

  private describe(e: unknown, file: string, onnx: OnnxModule): LoadErrorInfo {
    if (e instanceof onnx.OnnxFormatError) {
      return { file: e.file || file, message: e.message, offset: e.offset, fieldPath: e.fieldPath, problem: e.problem };
    }
    if (e instanceof onnx.ModelTooLargeError) {
      return { file: e.file || file, message: e.message, problem: e.problem, tooLarge: true };
    }
    if (onnx.isOnnxError(e)) {
      return { file: e.file || file, message: e.message, problem: e.problem };
    }
    if (e instanceof vscode.FileSystemError) {
      return { file, message: `${file}: ${e.message}`, problem: e.message };
    }
    // Anything else is a bug in the reader, not a problem of the file: log the stack.
    this.log.error(`Unexpected error while opening ${file}`, e);
    return { file, message: `${file}: internal error while reading the model: ${errorText(e)}`, problem: errorText(e) };
  }
}

export function closeQuietly(decoded: DecodedModel | undefined): void {
  try {
    decoded?.source.close?.();
  } catch {
    // Closing a handle that is already gone is not worth reporting.
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
