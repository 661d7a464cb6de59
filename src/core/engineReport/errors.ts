/**
 * Typed errors of the engine-report readers. Every failure on malformed input is an
 * `EngineReportError` naming the file and, where it is known, the line and column (JSON syntax
 * errors, log lines) or the JSON path (`Layers[12].Inputs`) of the problem. Parsers never let a
 * raw exception escape on bad input.
 */

export interface EngineReportErrorInit {
  /** The file (or a label such as `<layer info>` when parsing a string). */
  file: string;
  /** What is wrong, in words. */
  problem: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** JSON path of the offending value, e.g. `Layers[3].Inputs`. */
  path?: string;
}

export class EngineReportError extends Error {
  readonly file: string;
  readonly problem: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string | undefined;

  constructor(init: EngineReportErrorInit) {
    super(formatLocation(init) + init.problem);
    this.name = 'EngineReportError';
    this.file = init.file;
    this.problem = init.problem;
    this.line = init.line;
    this.column = init.column;
    this.path = init.path;
  }
}

function formatLocation(e: EngineReportErrorInit): string {
  let s = e.file;
  if (e.line !== undefined) s += `:${e.line}${e.column !== undefined ? `:${e.column}` : ''}`;
  if (e.path) s += ` (at ${e.path})`;
  return `${s}: `;
}

export function isEngineReportError(e: unknown): e is EngineReportError {
  return e instanceof EngineReportError;
}

/** A non-fatal problem: the value was skipped or replaced, reading went on. */
export interface ReadProblem {
  /** JSON path (`Layers[3].Dimensions`) or `line N` for logs. */
  where: string;
  message: string;
}

/** At most this many problems are listed per file; the rest are counted in one last entry. */
export const MAX_PROBLEMS = 1000;

/** Collects problems up to MAX_PROBLEMS, then counts. */
export class ProblemList {
  readonly items: ReadProblem[] = [];
  private dropped = 0;

  add(where: string, message: string): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push({ where, message });
    else this.dropped++;
  }

  /** The list, with one trailing entry counting what was not listed. */
  done(): ReadProblem[] {
    return this.dropped ? [...this.items, { where: '…', message: `${this.dropped} more problems not listed` }] : this.items;
  }
}
