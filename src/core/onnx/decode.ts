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

class Ctx {
  readonly unknown: UnknownFieldStats = { count: 0, byMessage: {} };
  constructor(readonly r: R) {}

  unknownField(r: R, message: string, key: number, end: number, path: string): void {
    r.skip(key & 7, end, path);
    this.unknown.count++;
    const k = `${message}#${Math.floor(key / 8)}`;
    this.unknown.byMessage[k] = (this.unknown.byMessage[k] ?? 0) + 1;
  }
}

function expectWire(r: R, key: number, wt: number, path: string, field: string): void {
  if ((key & 7) !== wt) {
    throw r.error(`field '${field}' has wire type ${key & 7}, expected ${wt}`, path);
  }
}

/** Enter a length-delimited submessage: returns its end, after checks. */
function sub(r: R, key: number, end: number, path: string, field: string): number {
  expectWire(r, key, WireType.LEN, path, field);
  const stop = r.lengthDelimited(end, path);
  r.enter(path);
  return stop;
}

function str(r: R, key: number, end: number, path: string, field: string): string {
  expectWire(r, key, WireType.LEN, path, field);
  return r.string(end, `${path}.${field}`);
}

function i64(r: R, key: number, end: number, path: string, field: string): import('./model').Int64 {
  expectWire(r, key, WireType.VARINT, path, field);
  return r.int64(end, `${path}.${field}`);
}

function i32(r: R, key: number, end: number, path: string, field: string): number {
  expectWire(r, key, WireType.VARINT, path, field);
  return r.int32(end, `${path}.${field}`);
}

function notePacked(m: MessageBase, key: number): void {
  const no = key >>> 3;
  if (!m.$packed) m.$packed = [no];
  else if (!m.$packed.includes(no)) m.$packed.push(no);
}

/** Repeated int64, accepting both packed and unpacked encodings. */
function repeatedInt64(r: R, key: number, end: number, path: string, field: string, out: import('./model').Int64[], m: MessageBase): void {
  const wt = key & 7;
  if (wt === WireType.VARINT) {
    out.push(r.int64(end, `${path}.${field}`));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end, path);
    while (r.pos < stop) out.push(r.int64(stop, `${path}.${field}`));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 0 or 2`, path);
}

/** Repeated float (fixed32), packed or unpacked. */
function repeatedFloat(r: R, key: number, end: number, path: string, field: string, out: number[], m: MessageBase): void {
  const wt = key & 7;
  if (wt === WireType.I32) {
    out.push(r.float32(end, path));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end, path);
    if ((stop - r.pos) % 4 !== 0) throw r.error(`packed '${field}' length is not a multiple of 4`, path);
    while (r.pos < stop) out.push(r.float32(stop, path));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 5 or 2`, path);
}

/** Record a payload field as a reference into the source, extending an existing one in place. */
function dataRef(r: R, key: number, tagStart: number, end: number, path: string, prev: DataRef | undefined): DataRef {
  const wt = key & 7;
  let valueBytes: number;
  if (wt === WireType.LEN) {
    const v = r.skipLength(end, path);
    valueBytes = v.end - v.start;
  } else if (wt === WireType.VARINT) {
    const s = r.pos;
    r.int64(end, path);
    valueBytes = r.pos - s;
  } else if (wt === WireType.I32 || wt === WireType.I64) {
    valueBytes = wt === WireType.I32 ? 4 : 8;
    if (r.pos + valueBytes > end) throw r.error('fixed-size value runs past the end of its message', path);
    r.pos += valueBytes;
  } else throw r.error(`payload field has wire type ${wt}`, path);
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

function stringEntry(c: Ctx, end: number, path: string): StringStringEntry {
  const r = c.r;
  const m: StringStringEntry = { key: '', value: '', $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.key = str(r, key, end, path, 'key'); break;
      case 2: m.value = str(r, key, end, path, 'value'); break;
      default: c.unknownField(r, 'StringStringEntryProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function operatorSetId(c: Ctx, end: number, path: string): OperatorSetId {
  const r = c.r;
  const m: OperatorSetId = { domain: '', version: 0, $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.domain = str(r, key, end, path, 'domain'); break;
      case 2: m.version = i64(r, key, end, path, 'version'); break;
      default: c.unknownField(r, 'OperatorSetIdProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function decodeTensor(c: Ctx, end: number, path: string): Tensor {
  const r = c.r;
  const m: Tensor = {
    dims: [], dataType: 0, name: '', docString: '', externalData: [], dataLocation: DataLocation.DEFAULT, metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const tagStart = r.pos;
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: repeatedInt64(r, key, end, path, 'dims', m.dims, m); break;
      case 2: m.dataType = i32(r, key, end, path, 'data_type'); break;
      case 3: {
        const stop = sub(r, key, end, path, 'segment');
        const seg = { begin: 0 as import('./model').Int64, end: 0 as import('./model').Int64, $span: { start: r.pos, end: stop } };
        while (r.pos < stop) {
          const k = r.tag(stop, path);
          if (k >>> 3 === 1) seg.begin = i64(r, k, stop, path, 'begin');
          else if (k >>> 3 === 2) seg.end = i64(r, k, stop, path, 'end');
          else c.unknownField(r, 'TensorProto.Segment', k, stop, path);
        }
        r.leave();
        m.segment = seg;
        break;
      }
      case 4: m.floatData = dataRef(r, key, tagStart, end, path, m.floatData); break;
      case 5: m.int32Data = dataRef(r, key, tagStart, end, path, m.int32Data); break;
      case 6:
        expectWire(r, key, WireType.LEN, path, 'string_data');
        m.stringData = dataRef(r, key, tagStart, end, path, m.stringData);
        break;
      case 7: m.int64Data = dataRef(r, key, tagStart, end, path, m.int64Data); break;
      case 8: m.name = str(r, key, end, path, 'name'); break;
      case 9:
        expectWire(r, key, WireType.LEN, path, 'raw_data');
        m.rawData = dataRef(r, key, tagStart, end, path, undefined);
        break;
      case 10: m.doubleData = dataRef(r, key, tagStart, end, path, m.doubleData); break;
      case 11: m.uint64Data = dataRef(r, key, tagStart, end, path, m.uint64Data); break;
      case 12: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 13: m.externalData.push(stringEntry(c, sub(r, key, end, path, 'external_data'), `${path}.external_data`)); break;
      case 14: m.dataLocation = i32(r, key, end, path, 'data_location'); break;
      case 16: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      default: c.unknownField(r, 'TensorProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function sparseTensor(c: Ctx, end: number, path: string): SparseTensor {
  const r = c.r;
  const m: SparseTensor = { dims: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.values = decodeTensor(c, sub(r, key, end, path, 'values'), `${path}.values`); break;
      case 2: m.indices = decodeTensor(c, sub(r, key, end, path, 'indices'), `${path}.indices`); break;
      case 3: repeatedInt64(r, key, end, path, 'dims', m.dims, m); break;
      default: c.unknownField(r, 'SparseTensorProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function tensorShape(c: Ctx, end: number, path: string): TensorShape {
  const r = c.r;
  const m: TensorShape = { dim: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    if (key >>> 3 === 1) {
      const stop = sub(r, key, end, path, 'dim');
      const d: Dimension = { denotation: '', $span: { start: r.pos, end: stop } };
      const dpath = `${path}.dim[${m.dim.length}]`;
      while (r.pos < stop) {
        const k = r.tag(stop, dpath);
        switch (k >>> 3) {
          case 1: d.dimValue = i64(r, k, stop, dpath, 'dim_value'); break;
          case 2: d.dimParam = str(r, k, stop, dpath, 'dim_param'); break;
          case 3: d.denotation = str(r, k, stop, dpath, 'denotation'); break;
          default: c.unknownField(r, 'TensorShapeProto.Dimension', k, stop, dpath);
        }
      }
      r.leave();
      m.dim.push(d);
    } else c.unknownField(r, 'TensorShapeProto', key, end, path);
  }
  r.leave();
  return m;
}

/** TypeProto.Tensor and TypeProto.SparseTensor share a layout. */
function tensorTypeOf(c: Ctx, end: number, path: string, message: string): { elemType: number; shape?: TensorShape; $span: Span } {
  const r = c.r;
  const m: { elemType: number; shape?: TensorShape; $span: Span } = { elemType: 0, $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.elemType = i32(r, key, end, path, 'elem_type'); break;
      case 2: m.shape = tensorShape(c, sub(r, key, end, path, 'shape'), `${path}.shape`); break;
      default: c.unknownField(r, message, key, end, path);
    }
  }
  r.leave();
  return m;
}

/** TypeProto.Sequence / Optional: one field, elem_type (TypeProto). */
function elemTypeOf(c: Ctx, end: number, path: string, message: string): { elemType?: TypeProto; $span: Span } {
  const r = c.r;
  const m: { elemType?: TypeProto; $span: Span } = { $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    if (key >>> 3 === 1) m.elemType = typeProto(c, sub(r, key, end, path, 'elem_type'), `${path}.elem_type`);
    else c.unknownField(r, message, key, end, path);
  }
  r.leave();
  return m;
}

function typeProto(c: Ctx, end: number, path: string): TypeProto {
  const r = c.r;
  const m: TypeProto = { denotation: '', $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.tensorType = tensorTypeOf(c, sub(r, key, end, path, 'tensor_type'), `${path}.tensor_type`, 'TypeProto.Tensor'); break;
      case 4: m.sequenceType = elemTypeOf(c, sub(r, key, end, path, 'sequence_type'), `${path}.sequence_type`, 'TypeProto.Sequence'); break;
      case 5: {
        const stop = sub(r, key, end, path, 'map_type');
        const mt: NonNullable<TypeProto['mapType']> = { keyType: 0, $span: { start: r.pos, end: stop } };
        while (r.pos < stop) {
          const k = r.tag(stop, path);
          if (k >>> 3 === 1) mt.keyType = i32(r, k, stop, path, 'key_type');
          else if (k >>> 3 === 2) mt.valueType = typeProto(c, sub(r, k, stop, path, 'value_type'), `${path}.map_type.value_type`);
          else c.unknownField(r, 'TypeProto.Map', k, stop, path);
        }
        r.leave();
        m.mapType = mt;
        break;
      }
      case 6: m.denotation = str(r, key, end, path, 'denotation'); break;
      case 8: m.sparseTensorType = tensorTypeOf(c, sub(r, key, end, path, 'sparse_tensor_type'), `${path}.sparse_tensor_type`, 'TypeProto.SparseTensor'); break;
      case 9: m.optionalType = elemTypeOf(c, sub(r, key, end, path, 'optional_type'), `${path}.optional_type`, 'TypeProto.Optional'); break;
      default: c.unknownField(r, 'TypeProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function valueInfo(c: Ctx, end: number, path: string): ValueInfo {
  const r = c.r;
  const m: ValueInfo = { name: '', docString: '', metadataProps: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.name = str(r, key, end, path, 'name'); break;
      case 2: m.type = typeProto(c, sub(r, key, end, path, 'type'), `${path}.type`); break;
      case 3: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 4: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      default: c.unknownField(r, 'ValueInfoProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function attribute(c: Ctx, end: number, path: string): Attribute {
  const r = c.r;
  const m: Attribute = {
    name: '', refAttrName: '', docString: '', type: AttributeType.UNDEFINED,
    floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.name = str(r, key, end, path, 'name'); break;
      case 2: expectWire(r, key, WireType.I32, path, 'f'); m.f = r.float32(end, path); break;
      case 3: m.i = i64(r, key, end, path, 'i'); break;
      case 4: expectWire(r, key, WireType.LEN, path, 's'); m.s = r.bytes(end, `${path}.s`); break;
      case 5: m.t = decodeTensor(c, sub(r, key, end, path, 't'), `${path}.t`); break;
      case 6: m.g = graph(c, sub(r, key, end, path, 'g'), `${path}.g`); break;
      case 7: repeatedFloat(r, key, end, path, 'floats', m.floats, m); break;
      case 8: repeatedInt64(r, key, end, path, 'ints', m.ints, m); break;
      case 9: expectWire(r, key, WireType.LEN, path, 'strings'); m.strings.push(r.bytes(end, `${path}.strings`)); break;
      case 10: m.tensors.push(decodeTensor(c, sub(r, key, end, path, 'tensors'), `${path}.tensors[${m.tensors.length}]`)); break;
      case 11: m.graphs.push(graph(c, sub(r, key, end, path, 'graphs'), `${path}.graphs[${m.graphs.length}]`)); break;
      case 13: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 14: m.tp = typeProto(c, sub(r, key, end, path, 'tp'), `${path}.tp`); break;
      case 15: m.typeProtos.push(typeProto(c, sub(r, key, end, path, 'type_protos'), `${path}.type_protos`)); break;
      case 20: m.type = i32(r, key, end, path, 'type'); break;
      case 21: m.refAttrName = str(r, key, end, path, 'ref_attr_name'); break;
      case 22: m.sparseTensor = sparseTensor(c, sub(r, key, end, path, 'sparse_tensor'), `${path}.sparse_tensor`); break;
      case 23: m.sparseTensors.push(sparseTensor(c, sub(r, key, end, path, 'sparse_tensors'), `${path}.sparse_tensors`)); break;
      default: c.unknownField(r, 'AttributeProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function node(c: Ctx, end: number, path: string): Node {
  const r = c.r;
  const m: Node = {
    input: [], output: [], name: '', opType: '', domain: '', overload: '', attribute: [], docString: '', metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.input.push(str(r, key, end, path, 'input')); break;
      case 2: m.output.push(str(r, key, end, path, 'output')); break;
      case 3: m.name = str(r, key, end, path, 'name'); break;
      case 4: m.opType = str(r, key, end, path, 'op_type'); break;
      case 5: m.attribute.push(attribute(c, sub(r, key, end, path, 'attribute'), `${path}.attribute[${m.attribute.length}]`)); break;
      case 6: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 7: m.domain = str(r, key, end, path, 'domain'); break;
      case 8: m.overload = str(r, key, end, path, 'overload'); break;
      case 9: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      default: c.unknownField(r, 'NodeProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function tensorAnnotation(c: Ctx, end: number, path: string): TensorAnnotation {
  const r = c.r;
  const m: TensorAnnotation = { tensorName: '', quantParameterTensorNames: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.tensorName = str(r, key, end, path, 'tensor_name'); break;
      case 2: m.quantParameterTensorNames.push(stringEntry(c, sub(r, key, end, path, 'quant_parameter_tensor_names'), path)); break;
      default: c.unknownField(r, 'TensorAnnotation', key, end, path);
    }
  }
  r.leave();
  return m;
}

function graph(c: Ctx, end: number, path: string): Graph {
  const r = c.r;
  const m: Graph = {
    node: [], name: '', initializer: [], sparseInitializer: [], docString: '', input: [], output: [], valueInfo: [],
    quantizationAnnotation: [], metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.node.push(node(c, sub(r, key, end, path, 'node'), `${path}.node[${m.node.length}]`)); break;
      case 2: m.name = str(r, key, end, path, 'name'); break;
      case 5: m.initializer.push(decodeTensor(c, sub(r, key, end, path, 'initializer'), `${path}.initializer[${m.initializer.length}]`)); break;
      case 10: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 11: m.input.push(valueInfo(c, sub(r, key, end, path, 'input'), `${path}.input[${m.input.length}]`)); break;
      case 12: m.output.push(valueInfo(c, sub(r, key, end, path, 'output'), `${path}.output[${m.output.length}]`)); break;
      case 13: m.valueInfo.push(valueInfo(c, sub(r, key, end, path, 'value_info'), `${path}.value_info[${m.valueInfo.length}]`)); break;
      case 14: m.quantizationAnnotation.push(tensorAnnotation(c, sub(r, key, end, path, 'quantization_annotation'), `${path}.quantization_annotation`)); break;
      case 15: m.sparseInitializer.push(sparseTensor(c, sub(r, key, end, path, 'sparse_initializer'), `${path}.sparse_initializer[${m.sparseInitializer.length}]`)); break;
      case 16: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      default: c.unknownField(r, 'GraphProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function trainingInfo(c: Ctx, end: number, path: string): TrainingInfo {
  const r = c.r;
  const m: TrainingInfo = { initializationBinding: [], updateBinding: [], $span: { start: r.pos, end } };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.initialization = graph(c, sub(r, key, end, path, 'initialization'), `${path}.initialization`); break;
      case 2: m.algorithm = graph(c, sub(r, key, end, path, 'algorithm'), `${path}.algorithm`); break;
      case 3: m.initializationBinding.push(stringEntry(c, sub(r, key, end, path, 'initialization_binding'), path)); break;
      case 4: m.updateBinding.push(stringEntry(c, sub(r, key, end, path, 'update_binding'), path)); break;
      default: c.unknownField(r, 'TrainingInfoProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function functionProto(c: Ctx, end: number, path: string): FunctionProto {
  const r = c.r;
  const m: FunctionProto = {
    name: '', input: [], output: [], attribute: [], attributeProto: [], node: [], docString: '', opsetImport: [], domain: '',
    overload: '', valueInfo: [], metadataProps: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.name = str(r, key, end, path, 'name'); break;
      case 4: m.input.push(str(r, key, end, path, 'input')); break;
      case 5: m.output.push(str(r, key, end, path, 'output')); break;
      case 6: m.attribute.push(str(r, key, end, path, 'attribute')); break;
      case 7: m.node.push(node(c, sub(r, key, end, path, 'node'), `${path}.node[${m.node.length}]`)); break;
      case 8: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 9: m.opsetImport.push(operatorSetId(c, sub(r, key, end, path, 'opset_import'), `${path}.opset_import`)); break;
      case 10: m.domain = str(r, key, end, path, 'domain'); break;
      case 11: m.attributeProto.push(attribute(c, sub(r, key, end, path, 'attribute_proto'), `${path}.attribute_proto[${m.attributeProto.length}]`)); break;
      case 12: m.valueInfo.push(valueInfo(c, sub(r, key, end, path, 'value_info'), `${path}.value_info[${m.valueInfo.length}]`)); break;
      case 13: m.overload = str(r, key, end, path, 'overload'); break;
      case 14: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      default: c.unknownField(r, 'FunctionProto', key, end, path);
    }
  }
  r.leave();
  return m;
}

function modelProto(c: Ctx, end: number): { model: ModelProto; sawIrVersion: boolean } {
  const r = c.r;
  const path = 'ModelProto';
  let sawIrVersion = false;
  const m: ModelProto = {
    irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', domain: '', modelVersion: 0, docString: '',
    metadataProps: [], trainingInfo: [], functions: [],
    $span: { start: r.pos, end },
  };
  while (r.pos < end) {
    const key = r.tag(end, path);
    switch (key >>> 3) {
      case 1: m.irVersion = i64(r, key, end, path, 'ir_version'); sawIrVersion = true; break;
      case 2: m.producerName = str(r, key, end, path, 'producer_name'); break;
      case 3: m.producerVersion = str(r, key, end, path, 'producer_version'); break;
      case 4: m.domain = str(r, key, end, path, 'domain'); break;
      case 5: m.modelVersion = i64(r, key, end, path, 'model_version'); break;
      case 6: m.docString = str(r, key, end, path, 'doc_string'); break;
      case 7: m.graph = graph(c, sub(r, key, end, path, 'graph'), `${path}.graph`); break;
      case 8: m.opsetImport.push(operatorSetId(c, sub(r, key, end, path, 'opset_import'), `${path}.opset_import[${m.opsetImport.length}]`)); break;
      case 14: m.metadataProps.push(stringEntry(c, sub(r, key, end, path, 'metadata_props'), `${path}.metadata_props`)); break;
      case 20: m.trainingInfo.push(trainingInfo(c, sub(r, key, end, path, 'training_info'), `${path}.training_info[${m.trainingInfo.length}]`)); break;
      case 25: m.functions.push(functionProto(c, sub(r, key, end, path, 'functions'), `${path}.functions[${m.functions.length}]`)); break;
      default: c.unknownField(r, 'ModelProto', key, end, path);
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
  const c = new Ctx(r);
  let result: { model: ModelProto; sawIrVersion: boolean };
  try {
    result = modelProto(c, source.size);
  } catch (e) {
    if (e instanceof OnnxFormatError) throw e;
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
