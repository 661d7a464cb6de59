import type { ModelSummary } from '../core/graph/summary.types';
import type { GraphUiStateDto, InitMessage, LoadErrorMessage, ModelSummaryDto } from '../protocol/messages';
import type { OnnxDocument } from './onnxDocument';

/** Compile-time guard: a core summary must stay assignable to the protocol's DTO. */
function toDto(summary: ModelSummary): ModelSummaryDto {
  return summary;
}

function baseName(uri: OnnxDocument['uri']): string {
  const path = uri.path;
  return path.slice(path.lastIndexOf('/') + 1); // Uri.path is already decoded
}

/**
 * The message that brings a panel up to date with `document`: `init` or `loadError`; undefined
 * while its first load is still running (the panel keeps showing "Loading model…"). `graphState`
 * (what the graph view showed when the document was last open) goes into `init` when given.
 */
export function stateMessage(document: OnnxDocument, graphState?: GraphUiStateDto): InitMessage | LoadErrorMessage | undefined {
  const state = document.state;
  if (state.kind === 'loading') return undefined;
  const uri = document.uri.toString();
  if (state.kind === 'error') {
    const e = state.error;
    return {
      type: 'loadError',
      uri,
      file: e.file,
      message: e.message,
      ...(e.offset !== undefined ? { offset: e.offset } : {}),
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
      ...(e.problem ? { problem: e.problem } : {}),
      ...(e.tooLarge ? { tooLarge: true as const } : {}),
    };
  }
  const summary = toDto(state.summary);
  return { type: 'init', uri, fileName: baseName(document.uri), fileSize: summary.fileSize, summary, ...(graphState ? { graphState } : {}) };
}
