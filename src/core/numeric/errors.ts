/**
 * Errors of the numeric check. Every one names the file (or model) it is about and fits on one
 * line, so the CLI prints it as is and the extension shows it in a notification.
 */
export class NumericInputError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'NumericInputError';
  }
}

/** The run was cancelled (by the AbortSignal given to `runNumericCheck`). */
export class NumericCancelledError extends Error {
  constructor() {
    super('numeric check cancelled');
    this.name = 'NumericCancelledError';
  }
}

export function isNumericInputError(e: unknown): e is NumericInputError {
  return e instanceof NumericInputError;
}
