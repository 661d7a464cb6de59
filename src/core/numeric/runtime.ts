/**
 * The inference runtime the numeric check needs, as a small interface. The core never imports
 * ONNX Runtime: the host (CLI, worker thread, tests) loads `onnxruntime-node` where it finds it and
 * passes an adapter (`src/numeric/ortRuntime.ts`). So this layer stays pure, loads no native
 * module when imported, and tests can run it with the real runtime or any other.
 */

/** A float32 tensor fed to or returned by a session. */
export interface FloatTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** What a run returns for one fetched name: float32 data, or only the type when it is not float32. */
export interface FetchedTensor {
  readonly type: string;
  readonly dims: readonly number[];
  /** Present only for float32 tensors. */
  readonly data?: Float32Array;
}

/** What the runtime inferred about a graph output before running (type and dims; a dim is null when symbolic). */
export interface OutputInfo {
  readonly type: string;
  readonly dims?: readonly (number | null)[];
}

export interface NumericSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Optional: output name → inferred type/shape, used to size the fetch batches ahead of running. */
  readonly outputInfo?: ReadonlyMap<string, OutputInfo>;
  /** Run with `feeds` and return only `fetches` (each a graph output of the session's model). */
  run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[]): Promise<Record<string, FetchedTensor>>;
  release(): Promise<void>;
}

export interface NumericRuntime {
  /** e.g. `onnxruntime-node 1.31.1 (cpu)`. */
  readonly description: string;
  /** Create a session from serialized ONNX bytes; `label` names the model in errors. */
  createSession(model: Uint8Array, label: string): Promise<NumericSession>;
}
