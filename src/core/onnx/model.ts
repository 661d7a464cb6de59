/**
 * Typed ONNX model, decoded from protobuf bytes by `decode.ts` and written back by `encode.ts`.
 *
 * Every decoded message remembers where its content lies in the source (`$span`). A message that
 * is neither marked dirty nor has dirty descendants is written back by copying those bytes, so an
 * unedited model saves byte-identical, and unknown fields (schema additions newer than this codec)
 * survive. Edits must call `markDirty(message)` on every message whose own fields they change.
 *
 * Payloads (TensorProto raw_data and the packed *_data fields) are never copied at decode time:
 * they are `DataRef`s pointing into the source, read only when asked for (see tensorData.ts).
 *
 * Decoded messages are class instances (decodedMessages.ts) that implement these interfaces. A
 * repeated field that was absent in the file is one shared, frozen empty array, and a short list of
 * small integers (an attribute's `ints` such as [3, 3], a tensor's `dims` such as [16]) is one
 * frozen array shared by every message with the same values: to change a repeated field, assign a
 * new array (then `markDirty`), never push into or write to the decoded one. Likewise a shape
 * dimension that is a small dim_value alone (or empty) is one frozen `Dimension` shared by every
 * shape of the decode with the same bytes: to change a shape, assign `shape.dim` a new array with
 * new Dimension objects where they change (then `markDirty(shape)`); a shared one refuses writes.
 * Likewise a node attribute of at most 64 bytes with no graph, type or unknown field, and no tensor
 * but a plain one (not external: a Constant's small `value`), is one frozen `Attribute` shared by
 * every node of the decode with the same bytes, and nodes with the same shared attributes in the
 * same order share one frozen `attribute` array (attributeTable.ts): to change an attribute, assign
 * `node.attribute` a new array with a new Attribute where it changes (then `markDirty(node)`; the
 * edit layer's `setAttributes` does), never write into a decoded attribute, its lists, its `s` or
 * `strings` bytes, its tensor `t` (not frozen), or a node's attribute array. (Bytes of up to 64 are
 * views into a chunk shared with other such values: WireReader.bytes.)
 * A tensor's `dims` and a shape's `dim` hold at most MAX_RANK entries (decodeContext.ts).
 */

/** int64 values: a number when it is a safe integer, else a bigint (so re-encoding is exact). */
export type Int64 = number | bigint;

/** Absolute byte range `[start, end)` in the source file. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Bookkeeping shared by every decoded message. */
export interface MessageBase {
  /** Byte range of this message's content (after its tag and length prefix) in the source. */
  $span?: Span;
  /** Set by edits: this message's own fields changed and it must be re-encoded. */
  $dirty?: boolean;
  /** Repeated numeric fields that the source wrote packed (so a re-encode keeps that form). */
  $packed?: number[];
}

/** Mark a message as edited so the encoder re-serialises it (and therefore its ancestors). */
export function markDirty(message: MessageBase): void {
  message.$dirty = true;
}

/**
 * Where the bytes of a payload field live. `source`: one or more occurrences of a field in the model
 * file; `fieldSpans` cover the whole entries (tag, length and value; contiguous entries merged), so
 * they can be copied verbatim on save and re-scanned for values on read; `byteLength` is the total
 * size of the values; `packed` is true when every entry is length-delimited (raw_data, packed
 * repeated fields). `inline`: data created by an edit, as the field's value bytes (for repeated
 * numeric fields: their packed encoding).
 */
export type DataRef =
  | { readonly kind: 'source'; byteLength: number; readonly fieldSpans: Span[]; packed: boolean }
  | { readonly kind: 'inline'; readonly bytes: Uint8Array };

export interface StringStringEntry extends MessageBase {
  key: string;
  value: string;
}

export interface OperatorSetId extends MessageBase {
  domain: string;
  version: Int64;
}

export enum DataLocation {
  DEFAULT = 0,
  EXTERNAL = 1,
}

export interface TensorSegment extends MessageBase {
  begin: Int64;
  end: Int64;
}

export interface Tensor extends MessageBase {
  dims: Int64[];
  dataType: number;
  segment?: TensorSegment;
  name: string;
  docString: string;
  /** raw_data (field 9). */
  rawData?: DataRef;
  /** Typed repeated payload fields, kept as references (packed or not). */
  floatData?: DataRef;
  int32Data?: DataRef;
  stringData?: DataRef;
  int64Data?: DataRef;
  doubleData?: DataRef;
  uint64Data?: DataRef;
  externalData: StringStringEntry[];
  dataLocation: DataLocation;
  metadataProps: StringStringEntry[];
}

export interface SparseTensor extends MessageBase {
  values?: Tensor;
  indices?: Tensor;
  dims: Int64[];
}

export interface Dimension extends MessageBase {
  dimValue?: Int64;
  dimParam?: string;
  denotation: string;
}

export interface TensorShape extends MessageBase {
  dim: Dimension[];
}

export interface TypeProto extends MessageBase {
  tensorType?: { elemType: number; shape?: TensorShape } & MessageBase;
  sequenceType?: { elemType?: TypeProto } & MessageBase;
  mapType?: { keyType: number; valueType?: TypeProto } & MessageBase;
  optionalType?: { elemType?: TypeProto } & MessageBase;
  sparseTensorType?: { elemType: number; shape?: TensorShape } & MessageBase;
  denotation: string;
}

export interface ValueInfo extends MessageBase {
  name: string;
  type?: TypeProto;
  docString: string;
  metadataProps: StringStringEntry[];
}

export enum AttributeType {
  UNDEFINED = 0,
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
  TENSORS = 9,
  GRAPHS = 10,
  SPARSE_TENSOR = 11,
  SPARSE_TENSORS = 12,
  TYPE_PROTO = 13,
  TYPE_PROTOS = 14,
}

export interface Attribute extends MessageBase {
  name: string;
  refAttrName: string;
  docString: string;
  type: AttributeType;
  f?: number;
  i?: Int64;
  /** bytes (usually UTF-8 text). */
  s?: Uint8Array;
  t?: Tensor;
  g?: Graph;
  sparseTensor?: SparseTensor;
  tp?: TypeProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: Tensor[];
  graphs: Graph[];
  sparseTensors: SparseTensor[];
  typeProtos: TypeProto[];
}

export interface Node extends MessageBase {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  overload: string;
  attribute: Attribute[];
  docString: string;
  metadataProps: StringStringEntry[];
}

export interface TensorAnnotation extends MessageBase {
  tensorName: string;
  quantParameterTensorNames: StringStringEntry[];
}

export interface Graph extends MessageBase {
  node: Node[];
  name: string;
  initializer: Tensor[];
  sparseInitializer: SparseTensor[];
  docString: string;
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo: ValueInfo[];
  quantizationAnnotation: TensorAnnotation[];
  metadataProps: StringStringEntry[];
}

export interface TrainingInfo extends MessageBase {
  initialization?: Graph;
  algorithm?: Graph;
  initializationBinding: StringStringEntry[];
  updateBinding: StringStringEntry[];
}

export interface FunctionProto extends MessageBase {
  name: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: Attribute[];
  node: Node[];
  docString: string;
  opsetImport: OperatorSetId[];
  domain: string;
  overload: string;
  valueInfo: ValueInfo[];
  metadataProps: StringStringEntry[];
}

export interface ModelProto extends MessageBase {
  irVersion: Int64;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: Int64;
  docString: string;
  graph?: Graph;
  metadataProps: StringStringEntry[];
  trainingInfo: TrainingInfo[];
  functions: FunctionProto[];
}

/** Count of fields the codec does not know, seen while decoding (they are preserved on save). */
export interface UnknownFieldStats {
  count: number;
  /** e.g. "NodeProto#99" -> occurrences. */
  byMessage: Record<string, number>;
}
