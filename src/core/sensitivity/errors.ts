/**
 * The one error type of the sensitivity layer. Its message always starts with the file name, then
 * `:line:column` when a position is known, then the JSON path when the problem is inside a JSON
 * value: `runs/x/summary-sensitive-analysis.json:4:6: $[2][0]: expected a number (the AP), got the string "0.51"`.
 */
export interface TextPosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (UTF-16 code units). */
  readonly column: number;
}

export class SensitivityFormatError extends Error {
  override readonly name = 'SensitivityFormatError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly position?: TextPosition,
    /** `$`, `$.layers[3].values.ap`, ... (JSON inputs only). */
    readonly jsonPath?: string,
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${jsonPath ? `${jsonPath}: ` : ''}${problem}`);
  }
}

export function isSensitivityError(e: unknown): e is SensitivityFormatError {
  return e instanceof SensitivityFormatError;
}

/** 1-based line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      line++;
      lineStart = i + 1;
    } else if (c === 13 /* \r */ && text.charCodeAt(i + 1) !== 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Bytes of a result file to text: UTF-8 (a BOM is dropped), or UTF-16 when the file starts with a
 * UTF-16 byte-order mark (PowerShell 5's `>` writes console logs that way).
 */
export function decodeResultBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\ufeff/, '');
}
