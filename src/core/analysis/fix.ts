/**
 * Fixes as data: the graph edits that would resolve a finding, described by node and tensor names
 * so that the editing layer (core/editing, later) can validate and apply them with undo. Nothing
 * here touches a model. Each edit is small and says only what changes; scales are float32 values.
 */

/** Set the scale input of these QuantizeLinear/DequantizeLinear nodes to one per-tensor value. */
export interface UnifyScalesEdit {
  kind: 'unifyScales';
  /** Q and DQ node names whose scale becomes `scale`. */
  nodes: string[];
  scale: number;
}

/**
 * Remove a Q→DQ pair: consumers of the DQ output read the Q input instead. `dequantize` may be
 * null for a Q with no DQ (an unread or dangling Q).
 */
export interface RemovePairEdit {
  kind: 'removeQdqPair';
  quantize: string;
  dequantize: string | null;
}

/** Insert a new per-tensor Q→DQ pair on `tensor`, read by `consumers` (all consumers when omitted). */
export interface InsertPairEdit {
  kind: 'insertQdqPair';
  tensor: string;
  consumers?: string[];
  scale: number;
  /** ONNX data type name of the quantized tensor, e.g. `INT8`, `FLOAT8E4M3FN`. */
  dtype: string;
}

/**
 * Move an existing Q→DQ pair from the edge it sits on to `toTensor` (read by `consumers`, or all
 * consumers when omitted); the old edge is rewired as in removeQdqPair.
 */
export interface MovePairEdit {
  kind: 'moveQdqPair';
  quantize: string;
  dequantize: string;
  toTensor: string;
  consumers?: string[];
}

/** Rewire input `inputIndex` of `node` to read `tensor` (e.g. share an existing DQ output). */
export interface RewireInputEdit {
  kind: 'rewireInput';
  node: string;
  inputIndex: number;
  tensor: string;
}

/** Set the zero point of these Q/DQ nodes to all zeros (keeping its type). */
export interface ZeroPointEdit {
  kind: 'setZeroPoint';
  nodes: string[];
  value: 0;
}

/** Set (or with `value: null` remove) an integer attribute, e.g. the per-channel `axis`. */
export interface SetAttributeEdit {
  kind: 'setAttribute';
  node: string;
  name: string;
  value: number | null;
}

export type FixEdit =
  | UnifyScalesEdit
  | RemovePairEdit
  | InsertPairEdit
  | MovePairEdit
  | RewireInputEdit
  | ZeroPointEdit
  | SetAttributeEdit;

export interface Fix {
  /** What the user sees, e.g. "Use scale 0.0123 for all inputs of /model.11/concatop/Concat". */
  title: string;
  edits: FixEdit[];
  /** The fix changes numerics enough that re-calibration or fine-tuning is advised. */
  recalibrate?: boolean;
}
