/**
 * Typed errors of the ONNX layer. Every message names the file; format errors also carry the byte
 * offset, the field path (e.g. `ModelProto.graph.node[12].attribute[0]`) and what was expected.
 */
export class OnnxFormatError extends Error {
  override readonly name = 'OnnxFormatError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly fieldPath: string,
    readonly problem: string,
  ) {
    super(`${file}: not a valid ONNX model: ${problem} (at byte ${offset}${fieldPath ? `, in ${fieldPath}` : ''})`);
  }
}

/** A tensor's bytes could not be read (missing/short external data file, refused path, ...). */
export class TensorDataError extends Error {
  override readonly name = 'TensorDataError';
  constructor(
    readonly file: string,
    readonly tensorName: string,
    readonly problem: string,
  ) {
    super(`${file}: cannot read tensor '${tensorName}': ${problem}`);
  }
}

/** Any I/O problem reading or writing a model file, with the file named. */
export class ModelFileError extends Error {
  override readonly name: string = 'ModelFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The model would need more memory than this process may use (the decode stopped before running out). */
export class ModelTooLargeError extends ModelFileError {
  override readonly name = 'ModelTooLargeError';
}

export function isOnnxError(e: unknown): e is OnnxFormatError | TensorDataError | ModelFileError {
  return e instanceof OnnxFormatError || e instanceof TensorDataError || e instanceof ModelFileError;
}
