/**
 * Tensors and types: TensorProto (payloads as DataRefs, never read here), SparseTensorProto,
 * TensorShapeProto, TypeProto (tensor, sequence, map, optional, sparse tensor) and ValueInfoProto.
 *
 * A decoder given `into` decodes a further occurrence of a singular message field into the message
 * of the earlier one, as protobuf merges them (see addOccurrence in decodedMessages.ts): scalars
 * are overwritten when present, repeated fields appended, submessages merged in turn; a member of
 * a oneof (TypeProto's value, a dimension's value) replaces the other members.
 */
import { DDimension, DElemType, DMapType, DSparseTensor, DTensor, DTensorSegment, DTensorShape, DTensorType, DTypeProto, DValueInfo } from './decodedMessages';
import type { Dimension, Int64, SparseTensor, StringStringEntry, Tensor, TensorShape, TypeProto, ValueInfo } from './model';
import { appended, type Ctx, MAX_RANK } from './decodeContext';
import { dataRef, expectWire, i32, i64, repeatedInt64, str, stringEntry } from './decodeFields';
import { WireType } from './wire/reader';

export function decodeTensor(c: Ctx, end: number, into?: Tensor): Tensor {
  const r = c.r;
  const m: Tensor = into ? c.merging(into, 'TensorProto', end) : new DTensor(r.pos, end);
  const dims = c.list<Int64>();
  const externalData = c.list<StringStringEntry>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const tagStart = r.pos;
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: repeatedInt64(c, key, end, 'dims', dims, m, MAX_RANK - m.dims.length); break;
      case 2: m.dataType = i32(c, key, end, 'data_type'); break;
      case 3: {
        const stop = c.sub(key, end, 'segment');
        const prev = m.segment;
        if (prev) c.merging(prev, 'TensorProto.Segment', stop);
        const seg = prev ?? new DTensorSegment(r.pos, stop);
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
  m.dims = appended(m.dims, c.takeInts(dims));
  if (externalData.n) m.externalData = appended(m.externalData, externalData.take());
  if (metadataProps.n) m.metadataProps = appended(m.metadataProps, metadataProps.take());
  c.release(3);
  c.leave();
  return m;
}

export function sparseTensor(c: Ctx, end: number, into?: SparseTensor): SparseTensor {
  const r = c.r;
  const m: SparseTensor = into ? c.merging(into, 'SparseTensorProto', end) : new DSparseTensor(r.pos, end);
  const dims = c.list<Int64>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.values = decodeTensor(c, c.sub(key, end, 'values'), m.values); break;
      case 2: m.indices = decodeTensor(c, c.sub(key, end, 'indices'), m.indices); break;
      case 3: repeatedInt64(c, key, end, 'dims', dims, m, MAX_RANK - m.dims.length); break;
      default: c.unknownField(r, 'SparseTensorProto', key, end);
    }
  }
  m.dims = appended(m.dims, c.takeInts(dims));
  c.release(1);
  c.leave();
  return m;
}

/** At most this many distinct shared dimensions per decode (values past it get their own). */
const SHARED_DIMS = 4096;

/**
 * A frozen Dimension shared by every dimension of the decode (Ctx.sharedDims) whose content is exactly the same
 * bytes: none (an unknown dimension), or a dim_value below 2^21 in its shortest varint (`08 vv`).
 * Other content (a dim_param, a denotation, a longer or padded varint, an unknown field) gets a
 * message of its own. Reads the content (the reader at its start, `stop` its end) as the general
 * path would, so malformed bytes fail the same way; undefined when it is not shareable, the
 * reader then somewhere inside it.
 */
function sharedDimension(c: Ctx, stop: number): Dimension | undefined {
  const r = c.r;
  const start = r.pos;
  const len = stop - start;
  let value = -1;
  if (len > 0) {
    if (r.tag(stop) !== 0x08) return undefined;
    c.field = 'dim_value';
    const v = r.int64(stop);
    // Shortest encoding only: equal values then mean equal bytes.
    if (typeof v !== 'number' || v < 0 || v >= 1 << 21 || r.pos !== start + len || len !== 1 + (v < 0x80 ? 1 : v < 0x4000 ? 2 : 3)) return undefined;
    value = v;
  }
  const byValue = c.sharedDims;
  const known = byValue.get(value + 1);
  if (known) return known;
  if (byValue.size >= SHARED_DIMS) return undefined;
  const d: Dimension = new DDimension(start, start + len);
  if (value >= 0) d.dimValue = value;
  byValue.set(value + 1, Object.freeze(d));
  return d;
}

function tensorShape(c: Ctx, end: number, into?: TensorShape): TensorShape {
  const r = c.r;
  const m: TensorShape = into ? c.merging(into, 'TensorShapeProto', end) : new DTensorShape(r.pos, end);
  const dims = c.list<Dimension>();
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) {
      if (dims.n + m.dim.length >= MAX_RANK) throw c.rankError(r.pos, 'dim');
      const stop = c.sub(key, end, 'dim', dims.n);
      const start = r.pos;
      // The usual dimension, a small dim_value alone or nothing at all, is one shared message.
      if (stop - start <= 4) {
        const shared = sharedDimension(c, stop);
        if (shared) {
          c.leave();
          dims.add(shared);
          continue;
        }
        r.pos = start;
      }
      const d: Dimension = new DDimension(start, stop);
      // dim_value and dim_param are a oneof: the last one present is the value.
      let which = 0;
      while (r.pos < stop) {
        const k = r.tag(stop);
        switch (k >>> 3) {
          case 1:
            if (which === 2) delete d.dimParam;
            which = 1;
            d.dimValue = i64(c, k, stop, 'dim_value');
            break;
          case 2:
            if (which === 1) delete d.dimValue;
            which = 2;
            d.dimParam = str(c, k, stop, 'dim_param');
            break;
          case 3: d.denotation = str(c, k, stop, 'denotation'); break;
          default: c.unknownField(r, 'TensorShapeProto.Dimension', k, stop);
        }
      }
      c.leave();
      dims.add(d);
    } else c.unknownField(r, 'TensorShapeProto', key, end);
  }
  m.dim = appended(m.dim, dims.take());
  c.release(1);
  c.leave();
  return m;
}

type TensorTypeLike = NonNullable<TypeProto['tensorType']>;
type ElemTypeLike = NonNullable<TypeProto['sequenceType']>;
type MapTypeLike = NonNullable<TypeProto['mapType']>;

/** TypeProto.Tensor and TypeProto.SparseTensor share a layout. */
function tensorTypeOf(c: Ctx, end: number, message: string, into?: TensorTypeLike): TensorTypeLike {
  const r = c.r;
  const m: TensorTypeLike = into ? c.merging(into, message, end) : new DTensorType(r.pos, end);
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.elemType = i32(c, key, end, 'elem_type'); break;
      case 2: m.shape = tensorShape(c, c.sub(key, end, 'shape'), m.shape); break;
      default: c.unknownField(r, message, key, end);
    }
  }
  c.leave();
  return m;
}

/** TypeProto.Sequence / Optional: one field, elem_type (TypeProto). */
function elemTypeOf(c: Ctx, end: number, message: string, into?: ElemTypeLike): ElemTypeLike {
  const r = c.r;
  const m: ElemTypeLike = into ? c.merging(into, message, end) : new DElemType(r.pos, end);
  while (r.pos < end) {
    const key = r.tag(end);
    if (key >>> 3 === 1) m.elemType = typeProto(c, c.sub(key, end, 'elem_type'), m.elemType);
    else c.unknownField(r, message, key, end);
  }
  c.leave();
  return m;
}

function mapTypeOf(c: Ctx, end: number, into?: MapTypeLike): MapTypeLike {
  const r = c.r;
  const m: MapTypeLike = into ? c.merging(into, 'TypeProto.Map', end) : new DMapType(r.pos, end);
  while (r.pos < end) {
    const k = r.tag(end);
    if (k >>> 3 === 1) m.keyType = i32(c, k, end, 'key_type');
    else if (k >>> 3 === 2) m.valueType = typeProto(c, c.sub(k, end, 'value_type'), m.valueType);
    else c.unknownField(r, 'TypeProto.Map', k, end);
  }
  c.leave();
  return m;
}

/** The field number of the member of TypeProto's `value` oneof that `m` holds (0: none). */
function typeValueOf(m: TypeProto): number {
  return m.tensorType ? 1 : m.sequenceType ? 4 : m.mapType ? 5 : m.sparseTensorType ? 8 : m.optionalType ? 9 : 0;
}

/** Another member of the `value` oneof arrives: protobuf clears the one held. */
function clearTypeValue(m: TypeProto): void {
  delete m.tensorType;
  delete m.sequenceType;
  delete m.mapType;
  delete m.sparseTensorType;
  delete m.optionalType;
}

export function typeProto(c: Ctx, end: number, into?: TypeProto): TypeProto {
  const r = c.r;
  let m: TypeProto;
  // The member of the `value` oneof held so far (its field number).
  let which = 0;
  if (into) {
    c.merging(into, 'TypeProto', end);
    m = into;
    which = typeValueOf(m);
  } else m = new DTypeProto(r.pos, end);
  while (r.pos < end) {
    const key = r.tag(end);
    const no = key >>> 3;
    // The oneof's members: 1, 4, 5, 8, 9, and 7 (opaque_type, which we do not decode: kept verbatim).
    if (no !== which && (no === 1 || no === 4 || no === 5 || no === 8 || no === 9 || no === 7)) {
      if (which !== 0) clearTypeValue(m);
      which = no;
    }
    switch (no) {
      case 1: m.tensorType = tensorTypeOf(c, c.sub(key, end, 'tensor_type'), 'TypeProto.Tensor', m.tensorType); break;
      case 4: m.sequenceType = elemTypeOf(c, c.sub(key, end, 'sequence_type'), 'TypeProto.Sequence', m.sequenceType); break;
      case 5: m.mapType = mapTypeOf(c, c.sub(key, end, 'map_type'), m.mapType); break;
      case 6: m.denotation = str(c, key, end, 'denotation'); break;
      case 8: m.sparseTensorType = tensorTypeOf(c, c.sub(key, end, 'sparse_tensor_type'), 'TypeProto.SparseTensor', m.sparseTensorType); break;
      case 9: m.optionalType = elemTypeOf(c, c.sub(key, end, 'optional_type'), 'TypeProto.Optional', m.optionalType); break;
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
      case 2: m.type = typeProto(c, c.sub(key, end, 'type'), m.type); break;
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
