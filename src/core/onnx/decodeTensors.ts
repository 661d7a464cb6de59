/**
 * Tensors and types: TensorProto (payloads as DataRefs, never read here), SparseTensorProto,
 * TensorShapeProto, TypeProto (tensor, sequence, map, optional, sparse tensor) and ValueInfoProto.
 */
import { DDimension, DElemType, DMapType, DSparseTensor, DTensor, DTensorSegment, DTensorShape, DTensorType, DTypeProto, DValueInfo } from './decodedMessages';
import type { Dimension, Int64, SparseTensor, StringStringEntry, Tensor, TensorShape, TypeProto, ValueInfo } from './model';
import type { Ctx } from './decodeContext';
import { dataRef, expectWire, i32, i64, repeatedInt64, str, stringEntry } from './decodeFields';
import { WireType } from './wire/reader';

export function decodeTensor(c: Ctx, end: number): Tensor {
  const r = c.r;
  const m: Tensor = new DTensor(r.pos, end);
  const dims = c.list<Int64>();
  const externalData = c.list<StringStringEntry>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const tagStart = r.pos;
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: repeatedInt64(c, key, end, 'dims', dims, m); break;
      case 2: m.dataType = i32(c, key, end, 'data_type'); break;
      case 3: {
        const stop = c.sub(key, end, 'segment');
        const seg = new DTensorSegment(r.pos, stop);
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
      case 13: externalData.add(stringEntry(c, c.sub(key, end, 'external_data'))); break;
      case 14: m.dataLocation = i32(c, key, end, 'data_location'); break;
      case 16: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'TensorProto', key, end);
    }
  }
  m.dims = c.takeInts(dims);
  if (externalData.n) m.externalData = externalData.take();
  if (metadataProps.n) m.metadataProps = metadataProps.take();
  c.release(3);
  c.leave();
  return m;
}

export function sparseTensor(c: Ctx, end: number): SparseTensor {
  const r = c.r;
  const m: SparseTensor = new DSparseTensor(r.pos, end);
  const dims = c.list<Int64>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.values = decodeTensor(c, c.sub(key, end, 'values')); break;
      case 2: m.indices = decodeTensor(c, c.sub(key, end, 'indices')); break;
      case 3: repeatedInt64(c, key, end, 'dims', dims, m); break;
      default: c.unknownField(r, 'SparseTensorProto', key, end);
    }
  }
  m.dims = c.takeInts(dims);
  c.release(1);
  c.leave();
  return m;
}

function tensorShape(c: Ctx, end: number): TensorShape {
  const r = c.r;
  const m = new DTensorShape(r.pos, end);
  const dims = c.list<Dimension>();
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) {
      const stop = c.sub(key, end, 'dim', dims.n);
      const d: Dimension = new DDimension(r.pos, stop);
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
      dims.add(d);
    } else c.unknownField(r, 'TensorShapeProto', key, end);
  }
  m.dim = dims.take();
  c.release(1);
  c.leave();
  return m;
}

/** TypeProto.Tensor and TypeProto.SparseTensor share a layout. */
function tensorTypeOf(c: Ctx, end: number, message: string): DTensorType {
  const r = c.r;
  const m = new DTensorType(r.pos, end);
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
function elemTypeOf(c: Ctx, end: number, message: string): DElemType {
  const r = c.r;
  const m = new DElemType(r.pos, end);
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) m.elemType = typeProto(c, c.sub(key, end, 'elem_type'));
    else c.unknownField(r, message, key, end);
  }
  c.leave();
  return m;
}

export function typeProto(c: Ctx, end: number): TypeProto {
  const r = c.r;
  const m: TypeProto = new DTypeProto(r.pos, end);
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.tensorType = tensorTypeOf(c, c.sub(key, end, 'tensor_type'), 'TypeProto.Tensor'); break;
      case 4: m.sequenceType = elemTypeOf(c, c.sub(key, end, 'sequence_type'), 'TypeProto.Sequence'); break;
      case 5: {
        const stop = c.sub(key, end, 'map_type');
        const mt = new DMapType(r.pos, stop);
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

export function valueInfo(c: Ctx, end: number): ValueInfo {
  const r = c.r;
  const m: ValueInfo = new DValueInfo(r.pos, end);
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 2: m.type = typeProto(c, c.sub(key, end, 'type')); break;
      case 3: m.docString = str(c, key, end, 'doc_string'); break;
      case 4: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'ValueInfoProto', key, end);
    }
  }
  if (metadataProps.n) m.metadataProps = metadataProps.take();
  c.release(1);
  c.leave();
  return m;
}
