/**
 * bytes -> ModelProto. Hand-written field decoders over the wire reader (the ONNX schema lives in
 * these switch statements and in schema/fields.ts; see docs/ARCHITECTURE.md, "Codec").
 *
 * - Every message records the span of its content, so an unedited message is re-written verbatim.
 * - Unknown fields are skipped (and counted); they stay in the span and survive saves.
 * - Payload fields (raw_data, float_data, ...) are recorded as DataRefs and never read here.
 * - Every length is checked against the enclosing message before use; nothing is allocated from a
 *   length or count read from the file.
 */
import type { ByteSource } from './byteSource';
import { OnnxFormatError } from './errors';
import {
  type Attribute,
  type DataRef,
  type Dimension,
  type FunctionProto,
  type Graph,
  type Int64,
  type MessageBase,
  type ModelProto,
  type Node,
  type OperatorSetId,
  type SparseTensor,
  type Span,
  type StringStringEntry,
  type Tensor,
  type TensorAnnotation,
  type TensorShape,
  type TrainingInfo,
  type TypeProto,
  type UnknownFieldStats,
  type ValueInfo,
  AttributeType,
  DataLocation,
} from './model';
import { WireReader, WireType } from './wire/reader';

export interface DecodeOptions {
  /** Name used in messages (defaults to the source's name). */
  file?: string;
  /** Maximum nesting of messages (subgraphs, types). Default 64. */
  maxDepth?: number;
  /**
   * Most messages (nodes, attributes, dimensions, ...) to decode; more is refused as an absurd
   * repeated count. Default: one per 8 bytes of the file, and at least 2^20. A message can take 2
   * bytes on the wire but a few hundred bytes decoded, so 10 MB of empty NodeProtos took seconds
   * and gigabytes; real models average 50-100 bytes per message (10+ even without weights).
   */
  maxMessages?: number;
}

export interface DecodedModel {
  model: ModelProto;
  /** The bytes the model was decoded from; spans and DataRefs point into it. */
  source: ByteSource;
  /** File name for messages and for resolving external data. */
  file: string;
  unknownFields: UnknownFieldStats;
}

type R = WireReader;

/**
 * Decoding state: the reader, unknown-field counts, and the current field path kept as a stack of
 * (field name, index) pairs so that no path string is built unless an error needs one.
 */
class Ctx {
  readonly unknown: UnknownFieldStats = { count: 0, byMessage: {} };
  private readonly names: string[] = [];
  private readonly indices: number[] = [];
  /** The scalar field being read (for error messages). */
  field = '';
  /** Set once ModelProto.ir_version was read: before that, a failure means "not ONNX at all". */
  sawIrVersion = false;

  /** Submessages entered so far (checked against maxMessages). */
  private messages = 0;

  constructor(
    readonly r: R,
    private readonly maxMessages = Infinity,
  ) {
    r.describePath = () => this.path();
  }

  path(): string {
    let out = 'ModelProto';
    for (let i = 0; i < this.names.length; i++) {
      out += `.${this.names[i]}`;
      if (this.indices[i]! >= 0) out += `[${this.indices[i]}]`;
    }
    return this.field ? `${out}.${this.field}` : out;
  }

  /** Enter a length-delimited submessage `field[index]` (index -1: singular); returns its end. */
  sub(key: number, end: number, field: string, index = -1): number {
    this.field = field;
    expectWire(this.r, key, WireType.LEN, field);
    const stop = this.r.lengthDelimited(end);
    if (++this.messages > this.maxMessages) {
      throw this.r.error(`more than ${this.maxMessages} messages in a ${this.r.size}-byte file: an absurd repeated count (real models average dozens of bytes per message)`);
    }
    this.field = '';
    this.r.enter();
    this.names.push(field);
    this.indices.push(index);
    return stop;
  }

  leave(): void {
    this.r.leave();
    this.names.pop();
    this.indices.pop();
    this.field = '';
  }

  unknownField(r: R, message: string, key: number, end: number): void {
    this.field = `#${Math.floor(key / 8)}`;
    r.skip(key & 7, end);
    this.field = '';
    this.unknown.count++;
    const k = `${message}#${Math.floor(key / 8)}`;
    this.unknown.byMessage[k] = (this.unknown.byMessage[k] ?? 0) + 1;
  }
}

function expectWire(r: R, key: number, wt: number, field: string): void {
  if ((key & 7) !== wt) {
    throw r.error(`field '${field}' has wire type ${key & 7}, expected ${wt}`);
  }
}

function str(c: Ctx, key: number, end: number, field: string): string {
  c.field = field;
  expectWire(c.r, key, WireType.LEN, field);
  return c.r.string(end);
}

function i64(c: Ctx, key: number, end: number, field: string): Int64 {
  c.field = field;
  expectWire(c.r, key, WireType.VARINT, field);
  return c.r.int64(end);
}

function i32(c: Ctx, key: number, end: number, field: string): number {
  c.field = field;
  expectWire(c.r, key, WireType.VARINT, field);
  return c.r.int32(end);
}

function notePacked(m: MessageBase, key: number): void {
  const no = key >>> 3;
  if (!m.$packed) m.$packed = [no];
  else if (!m.$packed.includes(no)) m.$packed.push(no);
}

/** Repeated int64, accepting both packed and unpacked encodings. */
function repeatedInt64(c: Ctx, key: number, end: number, field: string, out: Int64[], m: MessageBase): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  if (wt === WireType.VARINT) {
    out.push(r.int64(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    while (r.pos < stop) out.push(r.int64(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 0 or 2`);
}

/** Repeated float (fixed32), packed or unpacked. */
function repeatedFloat(c: Ctx, key: number, end: number, field: string, out: number[], m: MessageBase): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  if (wt === WireType.I32) {
    out.push(r.float32(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    if ((stop - r.pos) % 4 !== 0) throw r.error(`packed '${field}' length is not a multiple of 4`);
    while (r.pos < stop) out.push(r.float32(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 5 or 2`);
}

/** Record a payload field as a reference into the source, extending an existing one in place. */
function dataRef(c: Ctx, key: number, tagStart: number, end: number, field: string, prev: DataRef | undefined): DataRef {
  const r = c.r;
  c.field = field;
  const wt = key & 7;
  let valueBytes: number;
  if (wt === WireType.LEN) {
    const v = r.skipLength(end);
    valueBytes = v.end - v.start;
  } else if (wt === WireType.VARINT) {
    const s = r.pos;
    r.int64(end);
    valueBytes = r.pos - s;
  } else if (wt === WireType.I32 || wt === WireType.I64) {
    valueBytes = wt === WireType.I32 ? 4 : 8;
    if (r.pos + valueBytes > end) throw r.error('fixed-size value runs past the end of its message');
    r.pos += valueBytes;
  } else throw r.error(`payload field has wire type ${wt}`);
  const packed = wt === WireType.LEN;
  if (prev && prev.kind === 'source') {
    const last = prev.fieldSpans[prev.fieldSpans.length - 1]!;
    if (last.end === tagStart) prev.fieldSpans[prev.fieldSpans.length - 1] = { start: last.start, end: r.pos };
    else prev.fieldSpans.push({ start: tagStart, end: r.pos });
    prev.byteLength += valueBytes;
    prev.packed &&= packed;
    return prev;
  }
  return { kind: 'source', byteLength: valueBytes, fieldSpans: [{ start: tagStart, end: r.pos }], packed };
}

function stringEntry(c: Ctx, end: number): StringStringEntry {
  const r = c.r;
  const m: StringStringEntry = { key: '', value: '', $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.key = str(c, key, end, 'key'); break;
      case 2: m.value = str(c, key, end, 'value'); break;
      default: c.unknownField(r, 'StringStringEntryProto', key, end);
    }
  }
  c.leave();
  return m;
}

function operatorSetId(c: Ctx, end: number): OperatorSetId {
  const r = c.r;
  const m: OperatorSetId = { domain: '', version: 0, $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.domain = str(c, key, end, 'domain'); break;
      case 2: m.version = i64(c, key, end, 'version'); break;
      default: c.unknownField(r, 'OperatorSetIdProto', key, end);
    }
  }
  c.leave();
  return m;
}

function decodeTensor(c: Ctx, end: number): Tensor {
  const r = c.r;
  const m: Tensor = {
    dims: [], dataType: 0, name: '', docString: '', externalData: [], dataLocation: DataLocation.DEFAULT, metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const tagStart = r.pos;
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: repeatedInt64(c, key, end, 'dims', m.dims, m); break;
      case 2: m.dataType = i32(c, key, end, 'data_type'); break;
      case 3: {
        const stop = c.sub(key, end, 'segment');
        const seg = { begin: 0 as Int64, end: 0 as Int64, $span: { start: r.pos, end: stop } };
        while (r.pos < stop) {
          const k = r.tag(stop);
          if (k >>> 3 === 1) seg.begin = i64(c, k, stop, 'begin');
          else if (k >>> 3 === 2) seg.end = i64(c, k, stop, 'end');
          else c.unknownField(r, 'TensorProto.Segment', k, stop);
        }
        c.leave();
        m.segment = seg;
        break;
      }
      case 4: m.floatData = dataRef(c, key, tagStart, end, 'float_data', m.floatData); break;
      case 5: m.int32Data = dataRef(c, key, tagStart, end, 'int32_data', m.int32Data); break;
      case 6:
        expectWire(r, key, WireType.LEN, 'string_data');
        m.stringData = dataRef(c, key, tagStart, end, 'string_data', m.stringData);
        break;
      case 7: m.int64Data = dataRef(c, key, tagStart, end, 'int64_data', m.int64Data); break;
      case 8: m.name = str(c, key, end, 'name'); break;
      case 9:
        expectWire(r, key, WireType.LEN, 'raw_data');
        m.rawData = dataRef(c, key, tagStart, end, 'raw_data', undefined);
        break;
      case 10: m.doubleData = dataRef(c, key, tagStart, end, 'double_data', m.doubleData); break;
      case 11: m.uint64Data = dataRef(c, key, tagStart, end, 'uint64_data', m.uint64Data); break;
      case 12: m.docString = str(c, key, end, 'doc_string'); break;
      case 13: m.externalData.push(stringEntry(c, c.sub(key, end, 'external_data'))); break;
      case 14: m.dataLocation = i32(c, key, end, 'data_location'); break;
      case 16: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'TensorProto', key, end);
    }
  }
  c.leave();
  return m;
}

function sparseTensor(c: Ctx, end: number): SparseTensor {
  const r = c.r;
  const m: SparseTensor = { dims: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.values = decodeTensor(c, c.sub(key, end, 'values')); break;
      case 2: m.indices = decodeTensor(c, c.sub(key, end, 'indices')); break;
      case 3: repeatedInt64(c, key, end, 'dims', m.dims, m); break;
      default: c.unknownField(r, 'SparseTensorProto', key, end);
    }
  }
  c.leave();
  return m;
}

function tensorShape(c: Ctx, end: number): TensorShape {
  const r = c.r;
  const m: TensorShape = { dim: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) {
      const stop = c.sub(key, end, 'dim', m.dim.length);
      const d: Dimension = { denotation: '', $span: { start: r.pos, end: stop } };
            while (r.pos < stop) {
        const k = r.tag(stop);
        switch (k >>> 3) {
          case 1: d.dimValue = i64(c, k, stop, 'dim_value'); break;
          case 2: d.dimParam = str(c, k, stop, 'dim_param'); break;
          case 3: d.denotation = str(c, k, stop, 'denotation'); break;
          default: c.unknownField(r, 'TensorShapeProto.Dimension', k, stop);
        }
      }
      c.leave();
      m.dim.push(d);
    } else c.unknownField(r, 'TensorShapeProto', key, end);
  }
  c.leave();
  return m;
}

/** TypeProto.Tensor and TypeProto.SparseTensor share a layout. */
function tensorTypeOf(c: Ctx, end: number, message: string): { elemType: number; shape?: TensorShape; $span: Span } {
  const r = c.r;
  const m: { elemType: number; shape?: TensorShape; $span: Span } = { elemType: 0, $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.elemType = i32(c, key, end, 'elem_type'); break;
      case 2: m.shape = tensorShape(c, c.sub(key, end, 'shape')); break;
      default: c.unknownField(r, message, key, end);
    }
  }
  c.leave();
  return m;
}

/** TypeProto.Sequence / Optional: one field, elem_type (TypeProto). */
function elemTypeOf(c: Ctx, end: number, message: string): { elemType?: TypeProto; $span: Span } {
  const r = c.r;
  const m: { elemType?: TypeProto; $span: Span } = { $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) m.elemType = typeProto(c, c.sub(key, end, 'elem_type'));
    else c.unknownField(r, message, key, end);
  }
  c.leave();
  return m;
}

function typeProto(c: Ctx, end: number): TypeProto {
  const r = c.r;
  const m: TypeProto = { denotation: '', $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.tensorType = tensorTypeOf(c, c.sub(key, end, 'tensor_type'), 'TypeProto.Tensor'); break;
      case 4: m.sequenceType = elemTypeOf(c, c.sub(key, end, 'sequence_type'), 'TypeProto.Sequence'); break;
      case 5: {
        const stop = c.sub(key, end, 'map_type');
        const mt: NonNullable<TypeProto['mapType']> = { keyType: 0, $span: { start: r.pos, end: stop } };
        while (r.pos < stop) {
          const k = r.tag(stop);
          if (k >>> 3 === 1) mt.keyType = i32(c, k, stop, 'key_type');
          else if (k >>> 3 === 2) mt.valueType = typeProto(c, c.sub(k, stop, 'value_type'));
          else c.unknownField(r, 'TypeProto.Map', k, stop);
        }
        c.leave();
        m.mapType = mt;
        break;
      }
      case 6: m.denotation = str(c, key, end, 'denotation'); break;
      case 8: m.sparseTensorType = tensorTypeOf(c, c.sub(key, end, 'sparse_tensor_type'), 'TypeProto.SparseTensor'); break;
      case 9: m.optionalType = elemTypeOf(c, c.sub(key, end, 'optional_type'), 'TypeProto.Optional'); break;
      default: c.unknownField(r, 'TypeProto', key, end);
    }
  }
  c.leave();
  return m;
}

function valueInfo(c: Ctx, end: number): ValueInfo {
  const r = c.r;
  const m: ValueInfo = { name: '', docString: '', metadataProps: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 2: m.type = typeProto(c, c.sub(key, end, 'type')); break;
      case 3: m.docString = str(c, key, end, 'doc_string'); break;
      case 4: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'ValueInfoProto', key, end);
    }
  }
  c.leave();
  return m;
}

function attribute(c: Ctx, end: number): Attribute {
  const r = c.r;
  const m: Attribute = {
    name: '', refAttrName: '', docString: '', type: AttributeType.UNDEFINED,
    floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 2: c.field = 'f'; expectWire(r, key, WireType.I32, 'f'); m.f = r.float32(end); break;
      case 3: m.i = i64(c, key, end, 'i'); break;
      case 4: c.field = 's'; expectWire(r, key, WireType.LEN, 's'); m.s = r.bytes(end); break;
      case 5: m.t = decodeTensor(c, c.sub(key, end, 't')); break;
      case 6: m.g = graph(c, c.sub(key, end, 'g')); break;
      case 7: repeatedFloat(c, key, end, 'floats', m.floats, m); break;
      case 8: repeatedInt64(c, key, end, 'ints', m.ints, m); break;
      case 9: c.field = 'strings'; expectWire(r, key, WireType.LEN, 'strings'); m.strings.push(r.bytes(end)); break;
      case 10: m.tensors.push(decodeTensor(c, c.sub(key, end, 'tensors', m.tensors.length))); break;
      case 11: m.graphs.push(graph(c, c.sub(key, end, 'graphs', m.graphs.length))); break;
      case 13: m.docString = str(c, key, end, 'doc_string'); break;
      case 14: m.tp = typeProto(c, c.sub(key, end, 'tp')); break;
      case 15: m.typeProtos.push(typeProto(c, c.sub(key, end, 'type_protos'))); break;
      case 20: m.type = i32(c, key, end, 'type'); break;
      case 21: m.refAttrName = str(c, key, end, 'ref_attr_name'); break;
      case 22: m.sparseTensor = sparseTensor(c, c.sub(key, end, 'sparse_tensor')); break;
      case 23: m.sparseTensors.push(sparseTensor(c, c.sub(key, end, 'sparse_tensors'))); break;
      default: c.unknownField(r, 'AttributeProto', key, end);
    }
  }
  c.leave();
  return m;
}

function node(c: Ctx, end: number): Node {
  const r = c.r;
  const m: Node = {
    input: [], output: [], name: '', opType: '', domain: '', overload: '', attribute: [], docString: '', metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.input.push(str(c, key, end, 'input')); break;
      case 2: m.output.push(str(c, key, end, 'output')); break;
      case 3: m.name = str(c, key, end, 'name'); break;
      case 4: m.opType = str(c, key, end, 'op_type'); break;
      case 5: m.attribute.push(attribute(c, c.sub(key, end, 'attribute', m.attribute.length))); break;
      case 6: m.docString = str(c, key, end, 'doc_string'); break;
      case 7: m.domain = str(c, key, end, 'domain'); break;
      case 8: m.overload = str(c, key, end, 'overload'); break;
      case 9: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'NodeProto', key, end);
    }
  }
  c.leave();
  return m;
}

function tensorAnnotation(c: Ctx, end: number): TensorAnnotation {
  const r = c.r;
  const m: TensorAnnotation = { tensorName: '', quantParameterTensorNames: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.tensorName = str(c, key, end, 'tensor_name'); break;
      case 2: m.quantParameterTensorNames.push(stringEntry(c, c.sub(key, end, 'quant_parameter_tensor_names'))); break;
      default: c.unknownField(r, 'TensorAnnotation', key, end);
    }
  }
  c.leave();
  return m;
}

function graph(c: Ctx, end: number): Graph {
  const r = c.r;
  const m: Graph = {
    node: [], name: '', initializer: [], sparseInitializer: [], docString: '', input: [], output: [], valueInfo: [],
    quantizationAnnotation: [], metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.node.push(node(c, c.sub(key, end, 'node', m.node.length))); break;
      case 2: m.name = str(c, key, end, 'name'); break;
      case 5: m.initializer.push(decodeTensor(c, c.sub(key, end, 'initializer', m.initializer.length))); break;
      case 10: m.docString = str(c, key, end, 'doc_string'); break;
      case 11: m.input.push(valueInfo(c, c.sub(key, end, 'input', m.input.length))); break;
      case 12: m.output.push(valueInfo(c, c.sub(key, end, 'output', m.output.length))); break;
      case 13: m.valueInfo.push(valueInfo(c, c.sub(key, end, 'value_info', m.valueInfo.length))); break;
      case 14: m.quantizationAnnotation.push(tensorAnnotation(c, c.sub(key, end, 'quantization_annotation'))); break;
      case 15: m.sparseInitializer.push(sparseTensor(c, c.sub(key, end, 'sparse_initializer', m.sparseInitializer.length))); break;
      case 16: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'GraphProto', key, end);
    }
  }
  c.leave();
  return m;
}

function trainingInfo(c: Ctx, end: number): TrainingInfo {
  const r = c.r;
  const m: TrainingInfo = { initializationBinding: [], updateBinding: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.initialization = graph(c, c.sub(key, end, 'initialization')); break;
      case 2: m.algorithm = graph(c, c.sub(key, end, 'algorithm')); break;
      case 3: m.initializationBinding.push(stringEntry(c, c.sub(key, end, 'initialization_binding'))); break;
      case 4: m.updateBinding.push(stringEntry(c, c.sub(key, end, 'update_binding'))); break;
      default: c.unknownField(r, 'TrainingInfoProto', key, end);
    }
  }
  c.leave();
  return m;
}

function functionProto(c: Ctx, end: number): FunctionProto {
  const r = c.r;
  const m: FunctionProto = {
    name: '', input: [], output: [], attribute: [], attributeProto: [], node: [], docString: '', opsetImport: [], domain: '',
    overload: '', valueInfo: [], metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 4: m.input.push(str(c, key, end, 'input')); break;
      case 5: m.output.push(str(c, key, end, 'output')); break;
      case 6: m.attribute.push(str(c, key, end, 'attribute')); break;
      case 7: m.node.push(node(c, c.sub(key, end, 'node', m.node.length))); break;
      case 8: m.docString = str(c, key, end, 'doc_string'); break;
      case 9: m.opsetImport.push(operatorSetId(c, c.sub(key, end, 'opset_import'))); break;
      case 10: m.domain = str(c, key, end, 'domain'); break;
      case 11: m.attributeProto.push(attribute(c, c.sub(key, end, 'attribute_proto', m.attributeProto.length))); break;
      case 12: m.valueInfo.push(valueInfo(c, c.sub(key, end, 'value_info', m.valueInfo.length))); break;
      case 13: m.overload = str(c, key, end, 'overload'); break;
      case 14: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'FunctionProto', key, end);
    }
  }
  c.leave();
  return m;
}

function modelProto(c: Ctx, end: number): { model: ModelProto; sawIrVersion: boolean } {
  const r = c.r;
  let sawIrVersion = false;
  const m: ModelProto = {
    irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', domain: '', modelVersion: 0, docString: '',
    metadataProps: [], trainingInfo: [], functions: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.irVersion = i64(c, key, end, 'ir_version'); sawIrVersion = c.sawIrVersion = true; break;
      case 2: m.producerName = str(c, key, end, 'producer_name'); break;
      case 3: m.producerVersion = str(c, key, end, 'producer_version'); break;
      case 4: m.domain = str(c, key, end, 'domain'); break;
      case 5: m.modelVersion = i64(c, key, end, 'model_version'); break;
      case 6: m.docString = str(c, key, end, 'doc_string'); break;
      case 7: m.graph = graph(c, c.sub(key, end, 'graph')); break;
      case 8: m.opsetImport.push(operatorSetId(c, c.sub(key, end, 'opset_import', m.opsetImport.length))); break;
      case 14: m.metadataProps.push(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      case 20: m.trainingInfo.push(trainingInfo(c, c.sub(key, end, 'training_info', m.trainingInfo.length))); break;
      case 25: m.functions.push(functionProto(c, c.sub(key, end, 'functions', m.functions.length))); break;
      default: c.unknownField(r, 'ModelProto', key, end);
    }
  }
  return { model: m, sawIrVersion };
}

/**
 * Decode a whole ONNX model. Throws OnnxFormatError (file, offset, field path, problem) for bytes
 * that are not a well-formed ModelProto. Graph-level problems (cycles, dangling names) are not
 * errors here: the graph index lists them.
 */
export function decodeModel(source: ByteSource, options: DecodeOptions = {}): DecodedModel {
  const file = options.file ?? source.name;
  if (source.size === 0) throw new OnnxFormatError(file, 0, '', 'the file is empty');
  const r = new WireReader(source, file, options.maxDepth ?? 64);
  const c = new Ctx(r, options.maxMessages ?? Math.max(1 << 20, Math.floor(source.size / 8)));
  let result: { model: ModelProto; sawIrVersion: boolean };
  try {
    result = modelProto(c, source.size);
  } catch (e) {
    if (e instanceof OnnxFormatError) {
      if (c.sawIrVersion || e.problem.includes('ONNX')) throw e;
      // Exporters write ir_version first: failing before it means this is not an ONNX file.
      throw new OnnxFormatError(e.file, e.offset, e.fieldPath, `probably not an ONNX file at all (${e.problem})`);
    }
    if (e instanceof RangeError) throw r.error(`decoder limit reached (${e.message})`, '');
    throw e;
  }
  if (!result.sawIrVersion) {
    throw new OnnxFormatError(file, 0, 'ModelProto', 'no ir_version field: this does not look like an ONNX model');
  }
  if (!result.model.graph && result.model.functions.length === 0) {
    throw new OnnxFormatError(file, 0, 'ModelProto', 'the model has neither a graph nor functions');
  }
  return { model: result.model, source, file, unknownFields: c.unknown };
}
