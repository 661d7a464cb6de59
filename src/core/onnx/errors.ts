/**
 * Typed errors of the ONNX layer. Every message names the file; format errors also carry the byte
 * offset, the field path (e.g. `ModelProto.graph.node[12].attribute[0]`) and what was expected.
 */
export class OnnxFormatError extends Error {
  override readonly name: string = 'OnnxFormatError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly fieldPath: string,
    readonly problem: string,
  ) {
    super(`${file}: not a valid ONNX model: ${problem} (at byte ${offset}${fieldPath ? `, in ${fieldPath}` : ''})`);
  }
}

/**
 * A model beyond a limit of this decoder (messages nested deeper than protobuf's default recursion
 * limit), not a malformed one: an OnnxFormatError (file, offset, field path) whose message says so
 * instead of calling the model invalid.
 */
export class DecoderLimitError extends OnnxFormatError {
  override readonly name = 'DecoderLimitError';
  constructor(file: string, offset: number, fieldPath: string, problem: string) {
    super(file, offset, fieldPath, problem);
    this.message = `${file}: cannot be read: ${problem} (at byte ${offset}${fieldPath ? `, in ${fieldPath}` : ''})`;
  }
}

/** A tensor's bytes could not be read (missing/short external data file, refused path, ...). */
export class TensorDataError extends Error {
  override readonly name = 'TensorDataError';
  constructor(
    readonly file: string,
    readonly tensorName: string,
    readonly problem: string,
    /** For a tensor without a name: what holds it (`Constant node '/model.0/Constant' attribute 'value'`). */
    readonly owner?: string,
  ) {
    super(`${file}: cannot read ${tensorName === '' && owner !== undefined ? `the tensor of ${owner}` : `tensor '${tensorName}'`}: ${problem}`);
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

/**
 * The model file was rewritten in place (same inode: `cp new.onnx model.onnx`, `onnx.save`,
 * `torch.onnx.export`) after it was opened. Its size, modification or change time no longer match
 * what was recorded when it was opened, so the bytes a save would copy (and a tensor read would
 * return) now belong to another model. Nothing was written.
 */
export class ModelChangedError extends ModelFileError {
  override readonly name = 'ModelChangedError';
  constructor(file: string) {
    super(file, 'changed on disk since it was read (rewritten in place); the unchanged parts of the model can no longer be copied from it');
  }
}

export function isOnnxError(e: unknown): e is OnnxFormatError | TensorDataError | ModelFileError {
  return e instanceof OnnxFormatError || e instanceof TensorDataError || e instanceof ModelFileError;
}
