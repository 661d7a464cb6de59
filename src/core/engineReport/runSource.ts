/**
 * What a build's "log" file holds: trtexec's console log, or TREx's profile metadata (JSON, as
 * `*.profile.metadata.json`). Both give the run's figures (`PerfSource`).
 */
import { parseTrtexecLog } from './consoleLog';
import type { PerfSource } from './perf';
import { looksLikeTrexMetadata, trexMetadataFromJson } from './trexMetadata';

/** The run a log file's text describes; undefined for JSON that is not TREx profile metadata. Throws on malformed JSON. */
export function parseRunSource(text: string, file: string): PerfSource | undefined {
  if (text.trimStart().startsWith('{')) {
    const json: unknown = JSON.parse(text);
    return looksLikeTrexMetadata(json) ? trexMetadataFromJson(json, file) : undefined;
  }
  return parseTrtexecLog(text, file);
}
