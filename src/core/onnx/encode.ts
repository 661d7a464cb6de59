/**
 * ModelProto -> bytes, as a list of chunks (new bytes or source ranges to copy).
 *
 * A message that is clean (decoded, not marked dirty, no dirty descendant) is copied verbatim from
 * its source span. A dirty message is re-serialised in its original field order: the decoder's span
 * is re-scanned, each known field is written from the typed value at the place it first appeared,
 * unknown fields are copied verbatim, and known fields that were absent are appended in field-number
 * order. Payload DataRefs that still point into the source are copied verbatim as whole entries.
 * A singular message field that occurred more than once (merged on decode: addOccurrence in
 * decodedMessages.ts) is written, when clean, as its occurrences verbatim, one after the other at the
 * place of the first; when dirty, once, from its fields (its entries re-scanned across all the
 * occurrences), which protobuf reads as the same merged message.
 * Limitation (documented in docs/ARCHITECTURE.md): inside a dirty message, a repeated field whose
 * entries were interleaved with other fields is written as one run, and non-canonical varints
 * (padded with 0x80 bytes) of that message's own scalars are normalised. Whether repeated numbers
 * were written packed or not is remembered per message (`$packed`) and kept.
 */
import type { ByteSource } from './byteSource';
import type { DecodedModel } from './decode';
import type {
  Attribute, DataRef, Dimension, FunctionProto, Graph, Int64, MessageBase, ModelProto, Node, OperatorSetId,
  SparseTensor, StringStringEntry, Tensor, TensorAnnotation, TensorShape, TrainingInfo, TypeProto, ValueInfo,
} from './model';
import { laterOccurrences, occurrenceSpans } from './decodedMessages';
import { scanEntries } from './wire/reader';
import { type Chunk, WireWriter } from './wire/writer';

export type { Chunk };

interface Codec<T extends MessageBase> {
  readonly name: string;
  /** Known field numbers, ascending. */
  readonly fields: readonly number[];
  /** Write every occurrence of field `no` of `m`. `force`: it was present originally; write even a default. */
  emit(no: number, w: WireWriter, m: T, force: boolean, e: Enc): void;
  /** Direct submessages, for the cleanliness check. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- heterogeneous child codecs
  children(m: T, visit: (codec: Codec<any>, child: MessageBase) => boolean): boolean;
}

class Enc {
  private readonly clean = new WeakMap<MessageBase, boolean>();
  constructor(
    readonly source: ByteSource,
    readonly file: string,
  ) {}

  isClean<T extends MessageBase>(codec: Codec<T>, m: T): boolean {
    const known = this.clean.get(m);
    if (known !== undefined) return known;
    const result = !m.$dirty && m.$span !== undefined && codec.children(m, (c, child) => this.isClean(c, child));
    this.clean.set(m, result);
    return result;
  }

  body<T extends MessageBase>(codec: Codec<T>, m: T): WireWriter {
    const w = new WireWriter();
    const spans = occurrenceSpans(m);
    if (spans && this.isClean(codec, m)) {
      // Merged occurrences (only below the model, which `sub` writes apart): their contents in a row
      // are one message with the same merged content.
      for (const span of spans) w.copy(span.start, span.end - span.start);
      return w;
    }
    if (spans) {
      const done = new Set<number>();
      for (const span of spans) {
        for (const entry of scanEntries(this.source, span, this.file)) {
          if (codec.fields.includes(entry.field)) {
            if (!done.has(entry.field)) {
              done.add(entry.field);
              codec.emit(entry.field, w, m, true, this);
            }
          } else w.copy(entry.start, entry.end - entry.start);
        }
      }
      for (const f of codec.fields) if (!done.has(f)) codec.emit(f, w, m, false, this);
    } else {
      for (const f of codec.fields) codec.emit(f, w, m, false, this);
    }
    return w;
  }

  sub<T extends MessageBase>(w: WireWriter, no: number, codec: Codec<T>, m: T | undefined): void {
    if (!m) return;
    const more = laterOccurrences(m);
    const first = more && m.$span;
    if (first && this.isClean(codec, m)) {
      // A clean merged message: each occurrence as it was.
      for (const span of [first, ...more]) {
        w.tag(no, 2);
        w.uvarint(span.end - span.start);
        w.copy(span.start, span.end - span.start);
      }
      return;
    }
    const b = this.body(codec, m);
    w.tag(no, 2);
    w.uvarint(b.size);
    w.append(b);
  }

  subs<T extends MessageBase>(w: WireWriter, no: number, codec: Codec<T>, list: readonly T[]): void {
    for (const m of list) this.sub(w, no, codec, m);
  }
}

// ---- scalar emit helpers ---------------------------------------------------------------------

const isZero = (v: Int64): boolean => v === 0 || v === 0n;

function str(w: WireWriter, no: number, v: string, force: boolean): void {
  if (v !== '' || force) {
    w.tag(no, 2);
    w.string(v);
  }
}
function strs(w: WireWriter, no: number, list: readonly string[]): void {
  for (const v of list) {
    w.tag(no, 2);
    w.string(v);
  }
}
function int(w: WireWriter, no: number, v: Int64, force: boolean): void {
  if (!isZero(v) || force) {
    w.tag(no, 0);
    w.int64(v);
  }
}
function optInt(w: WireWriter, no: number, v: Int64 | undefined): void {
  if (v !== undefined) {
    w.tag(no, 0);
    w.int64(v);
  }
}
function ints(w: WireWriter, no: number, list: readonly Int64[], m?: MessageBase): void {
  if (m?.$packed?.includes(no) && list.length > 0) {
    const body = new WireWriter();
    for (const v of list) body.int64(v);
    w.tag(no, 2);
    w.uvarint(body.size);
    w.append(body);
    return;
  }
  for (const v of list) {
    w.tag(no, 0);
    w.int64(v);
  }
}
function bytesField(w: WireWriter, no: number, v: Uint8Array | undefined): void {
  if (v !== undefined) {
    w.tag(no, 2);
    w.lenBytes(v);
  }
}
function data(w: WireWriter, no: number, ref: DataRef | undefined): void {
  if (!ref) return;
  if (ref.kind === 'source') for (const s of ref.fieldSpans) w.copy(s.start, s.end - s.start);
  else {
    w.tag(no, 2);
    w.lenBytes(ref.bytes);
  }
}

const none = (): boolean => true;

// ---- codecs, one per message ------------------------------------------------------------------

const StringStringEntryCodec: Codec<StringStringEntry> = {
  name: 'StringStringEntryProto',
  fields: [1, 2],
  emit(no, w, m, force) {
    if (no === 1) str(w, 1, m.key, force);
    else str(w, 2, m.value, force);
  },
  children: none,
};

const OperatorSetIdCodec: Codec<OperatorSetId> = {
  name: 'OperatorSetIdProto',
  fields: [1, 2],
  emit(no, w, m, force) {
    if (no === 1) str(w, 1, m.domain, force);
    else int(w, 2, m.version, force);
  },
  children: none,
};

const SegmentCodec: Codec<NonNullable<Tensor['segment']>> = {
  name: 'TensorProto.Segment',
  fields: [1, 2],
  emit(no, w, m, force) {
    int(w, no, no === 1 ? m.begin : m.end, force);
  },
  children: none,
};

const TensorCodec: Codec<Tensor> = {
  name: 'TensorProto',
  fields: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return ints(w, 1, m.dims, m);
      case 2: return int(w, 2, m.dataType, force);
      case 3: return e.sub(w, 3, SegmentCodec, m.segment);
      case 4: return data(w, 4, m.floatData);
      case 5: return data(w, 5, m.int32Data);
      case 6: return data(w, 6, m.stringData);
      case 7: return data(w, 7, m.int64Data);
      case 8: return str(w, 8, m.name, force);
      case 9: return data(w, 9, m.rawData);
      case 10: return data(w, 10, m.doubleData);
      case 11: return data(w, 11, m.uint64Data);
      case 12: return str(w, 12, m.docString, force);
      case 13: return e.subs(w, 13, StringStringEntryCodec, m.externalData);
      case 14: return int(w, 14, m.dataLocation, force);
      case 16: return e.subs(w, 16, StringStringEntryCodec, m.metadataProps);
    }
  },
  children(m, visit) {
    return (!m.segment || visit(SegmentCodec, m.segment)) && m.externalData.every((x) => visit(StringStringEntryCodec, x)) &&
      m.metadataProps.every((x) => visit(StringStringEntryCodec, x));
  },
};

const SparseTensorCodec: Codec<SparseTensor> = {
  name: 'SparseTensorProto',
  fields: [1, 2, 3],
  emit(no, w, m, _force, e) {
    if (no === 1) e.sub(w, 1, TensorCodec, m.values);
    else if (no === 2) e.sub(w, 2, TensorCodec, m.indices);
    else ints(w, 3, m.dims, m);
  },
  children(m, visit) {
    return (!m.values || visit(TensorCodec, m.values)) && (!m.indices || visit(TensorCodec, m.indices));
  },
};

const DimensionCodec: Codec<Dimension> = {
  name: 'TensorShapeProto.Dimension',
  fields: [1, 2, 3],
  emit(no, w, m, force) {
    if (no === 1) optInt(w, 1, m.dimValue);
    else if (no === 2) {
      if (m.dimParam !== undefined) str(w, 2, m.dimParam, true);
    } else str(w, 3, m.denotation, force);
  },
  children: none,
};

const TensorShapeCodec: Codec<TensorShape> = {
  name: 'TensorShapeProto',
  fields: [1],
  emit(_no, w, m, _force, e) {
    e.subs(w, 1, DimensionCodec, m.dim);
  },
  children: (m, visit) => m.dim.every((d) => visit(DimensionCodec, d)),
};

type TensorTypeLike = { elemType: number; shape?: TensorShape } & MessageBase;
const TensorTypeCodec: Codec<TensorTypeLike> = {
  name: 'TypeProto.Tensor',
  fields: [1, 2],
  emit(no, w, m, force, e) {
    if (no === 1) int(w, 1, m.elemType, force);
    else e.sub(w, 2, TensorShapeCodec, m.shape);
  },
  children: (m, visit) => !m.shape || visit(TensorShapeCodec, m.shape),
};

type ElemTypeLike = { elemType?: TypeProto } & MessageBase;
const ElemTypeCodec: Codec<ElemTypeLike> = {
  name: 'TypeProto.Sequence|Optional',
  fields: [1],
  emit(_no, w, m, _force, e) {
    e.sub(w, 1, TypeProtoCodec, m.elemType);
  },
  children: (m, visit) => !m.elemType || visit(TypeProtoCodec, m.elemType),
};

type MapTypeLike = NonNullable<TypeProto['mapType']>;
const MapTypeCodec: Codec<MapTypeLike> = {
  name: 'TypeProto.Map',
  fields: [1, 2],
  emit(no, w, m, force, e) {
    if (no === 1) int(w, 1, m.keyType, force);
    else e.sub(w, 2, TypeProtoCodec, m.valueType);
  },
  children: (m, visit) => !m.valueType || visit(TypeProtoCodec, m.valueType),
};

const TypeProtoCodec: Codec<TypeProto> = {
  name: 'TypeProto',
  fields: [1, 4, 5, 6, 8, 9],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return e.sub(w, 1, TensorTypeCodec, m.tensorType);
      case 4: return e.sub(w, 4, ElemTypeCodec, m.sequenceType);
      case 5: return e.sub(w, 5, MapTypeCodec, m.mapType);
      case 6: return str(w, 6, m.denotation, force);
      case 8: return e.sub(w, 8, TensorTypeCodec, m.sparseTensorType);
      case 9: return e.sub(w, 9, ElemTypeCodec, m.optionalType);
    }
  },
  children(m, visit) {
    return (!m.tensorType || visit(TensorTypeCodec, m.tensorType)) && (!m.sequenceType || visit(ElemTypeCodec, m.sequenceType)) &&
      (!m.mapType || visit(MapTypeCodec, m.mapType)) && (!m.sparseTensorType || visit(TensorTypeCodec, m.sparseTensorType)) &&
      (!m.optionalType || visit(ElemTypeCodec, m.optionalType));
  },
};

const ValueInfoCodec: Codec<ValueInfo> = {
  name: 'ValueInfoProto',
  fields: [1, 2, 3, 4],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return str(w, 1, m.name, force);
      case 2: return e.sub(w, 2, TypeProtoCodec, m.type);
      case 3: return str(w, 3, m.docString, force);
      case 4: return e.subs(w, 4, StringStringEntryCodec, m.metadataProps);
    }
  },
  children: (m, visit) => (!m.type || visit(TypeProtoCodec, m.type)) && m.metadataProps.every((x) => visit(StringStringEntryCodec, x)),
};

const AttributeCodec: Codec<Attribute> = {
  name: 'AttributeProto',
  fields: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 20, 21, 22, 23],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return str(w, 1, m.name, force);
      case 2:
        if (m.f !== undefined) {
          w.tag(2, 5);
          w.float32(m.f);
        }
        return;
      case 3: return optInt(w, 3, m.i);
      case 4: return bytesField(w, 4, m.s);
      case 5: return e.sub(w, 5, TensorCodec, m.t);
      case 6: return e.sub(w, 6, GraphCodec, m.g);
      case 7:
        if (m.$packed?.includes(7) && m.floats.length > 0) {
          w.tag(7, 2);
          w.uvarint(m.floats.length * 4);
          for (const f of m.floats) w.float32(f);
        } else {
          for (const f of m.floats) {
            w.tag(7, 5);
            w.float32(f);
          }
        }
        return;
      case 8: return ints(w, 8, m.ints, m);
      case 9:
        for (const s of m.strings) bytesField(w, 9, s);
        return;
      case 10: return e.subs(w, 10, TensorCodec, m.tensors);
      case 11: return e.subs(w, 11, GraphCodec, m.graphs);
      case 13: return str(w, 13, m.docString, force);
      case 14: return e.sub(w, 14, TypeProtoCodec, m.tp);
      case 15: return e.subs(w, 15, TypeProtoCodec, m.typeProtos);
      case 20: return int(w, 20, m.type, force);
      case 21: return str(w, 21, m.refAttrName, force);
      case 22: return e.sub(w, 22, SparseTensorCodec, m.sparseTensor);
      case 23: return e.subs(w, 23, SparseTensorCodec, m.sparseTensors);
    }
  },
  children(m, visit) {
    return (!m.t || visit(TensorCodec, m.t)) && (!m.g || visit(GraphCodec, m.g)) && (!m.tp || visit(TypeProtoCodec, m.tp)) &&
      (!m.sparseTensor || visit(SparseTensorCodec, m.sparseTensor)) && m.tensors.every((x) => visit(TensorCodec, x)) &&
      m.graphs.every((x) => visit(GraphCodec, x)) && m.typeProtos.every((x) => visit(TypeProtoCodec, x)) &&
      m.sparseTensors.every((x) => visit(SparseTensorCodec, x));
  },
};

const NodeCodec: Codec<Node> = {
  name: 'NodeProto',
  fields: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return strs(w, 1, m.input);
      case 2: return strs(w, 2, m.output);
      case 3: return str(w, 3, m.name, force);
      case 4: return str(w, 4, m.opType, force);
      case 5: return e.subs(w, 5, AttributeCodec, m.attribute);
      case 6: return str(w, 6, m.docString, force);
      case 7: return str(w, 7, m.domain, force);
      case 8: return str(w, 8, m.overload, force);
      case 9: return e.subs(w, 9, StringStringEntryCodec, m.metadataProps);
    }
  },
  children: (m, visit) => m.attribute.every((a) => visit(AttributeCodec, a)) && m.metadataProps.every((x) => visit(StringStringEntryCodec, x)),
};

const TensorAnnotationCodec: Codec<TensorAnnotation> = {
  name: 'TensorAnnotation',
  fields: [1, 2],
  emit(no, w, m, force, e) {
    if (no === 1) str(w, 1, m.tensorName, force);
    else e.subs(w, 2, StringStringEntryCodec, m.quantParameterTensorNames);
  },
  children: (m, visit) => m.quantParameterTensorNames.every((x) => visit(StringStringEntryCodec, x)),
};

const GraphCodec: Codec<Graph> = {
  name: 'GraphProto',
  fields: [1, 2, 5, 10, 11, 12, 13, 14, 15, 16],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return e.subs(w, 1, NodeCodec, m.node);
      case 2: return str(w, 2, m.name, force);
      case 5: return e.subs(w, 5, TensorCodec, m.initializer);
      case 10: return str(w, 10, m.docString, force);
      case 11: return e.subs(w, 11, ValueInfoCodec, m.input);
      case 12: return e.subs(w, 12, ValueInfoCodec, m.output);
      case 13: return e.subs(w, 13, ValueInfoCodec, m.valueInfo);
      case 14: return e.subs(w, 14, TensorAnnotationCodec, m.quantizationAnnotation);
      case 15: return e.subs(w, 15, SparseTensorCodec, m.sparseInitializer);
      case 16: return e.subs(w, 16, StringStringEntryCodec, m.metadataProps);
    }
  },
  children(m, visit) {
    return m.node.every((x) => visit(NodeCodec, x)) && m.initializer.every((x) => visit(TensorCodec, x)) &&
      m.input.every((x) => visit(ValueInfoCodec, x)) && m.output.every((x) => visit(ValueInfoCodec, x)) &&
      m.valueInfo.every((x) => visit(ValueInfoCodec, x)) && m.quantizationAnnotation.every((x) => visit(TensorAnnotationCodec, x)) &&
      m.sparseInitializer.every((x) => visit(SparseTensorCodec, x)) && m.metadataProps.every((x) => visit(StringStringEntryCodec, x));
  },
};

const TrainingInfoCodec: Codec<TrainingInfo> = {
  name: 'TrainingInfoProto',
  fields: [1, 2, 3, 4],
  emit(no, w, m, _force, e) {
    switch (no) {
      case 1: return e.sub(w, 1, GraphCodec, m.initialization);
      case 2: return e.sub(w, 2, GraphCodec, m.algorithm);
      case 3: return e.subs(w, 3, StringStringEntryCodec, m.initializationBinding);
      case 4: return e.subs(w, 4, StringStringEntryCodec, m.updateBinding);
    }
  },
  children(m, visit) {
    return (!m.initialization || visit(GraphCodec, m.initialization)) && (!m.algorithm || visit(GraphCodec, m.algorithm)) &&
      m.initializationBinding.every((x) => visit(StringStringEntryCodec, x)) && m.updateBinding.every((x) => visit(StringStringEntryCodec, x));
  },
};

const FunctionCodec: Codec<FunctionProto> = {
  name: 'FunctionProto',
  fields: [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return str(w, 1, m.name, force);
      case 4: return strs(w, 4, m.input);
      case 5: return strs(w, 5, m.output);
      case 6: return strs(w, 6, m.attribute);
      case 7: return e.subs(w, 7, NodeCodec, m.node);
      case 8: return str(w, 8, m.docString, force);
      case 9: return e.subs(w, 9, OperatorSetIdCodec, m.opsetImport);
      case 10: return str(w, 10, m.domain, force);
      case 11: return e.subs(w, 11, AttributeCodec, m.attributeProto);
      case 12: return e.subs(w, 12, ValueInfoCodec, m.valueInfo);
      case 13: return str(w, 13, m.overload, force);
      case 14: return e.subs(w, 14, StringStringEntryCodec, m.metadataProps);
    }
  },
  children(m, visit) {
    return m.node.every((x) => visit(NodeCodec, x)) && m.opsetImport.every((x) => visit(OperatorSetIdCodec, x)) &&
      m.attributeProto.every((x) => visit(AttributeCodec, x)) && m.valueInfo.every((x) => visit(ValueInfoCodec, x)) &&
      m.metadataProps.every((x) => visit(StringStringEntryCodec, x));
  },
};

const ModelCodec: Codec<ModelProto> = {
  name: 'ModelProto',
  fields: [1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25],
  emit(no, w, m, force, e) {
    switch (no) {
      case 1: return int(w, 1, m.irVersion, force);
      case 2: return str(w, 2, m.producerName, force);
      case 3: return str(w, 3, m.producerVersion, force);
      case 4: return str(w, 4, m.domain, force);
      case 5: return int(w, 5, m.modelVersion, force);
      case 6: return str(w, 6, m.docString, force);
      case 7: return e.sub(w, 7, GraphCodec, m.graph);
      case 8: return e.subs(w, 8, OperatorSetIdCodec, m.opsetImport);
      case 14: return e.subs(w, 14, StringStringEntryCodec, m.metadataProps);
      case 20: return e.subs(w, 20, TrainingInfoCodec, m.trainingInfo);
      case 25: return e.subs(w, 25, FunctionCodec, m.functions);
    }
  },
  children(m, visit) {
    return (!m.graph || visit(GraphCodec, m.graph)) && m.opsetImport.every((x) => visit(OperatorSetIdCodec, x)) &&
      m.metadataProps.every((x) => visit(StringStringEntryCodec, x)) && m.trainingInfo.every((x) => visit(TrainingInfoCodec, x)) &&
      m.functions.every((x) => visit(FunctionCodec, x));
  },
};

/** Encode a decoded (possibly edited) model as chunks over its source. */
export function encodeModel(decoded: DecodedModel): Chunk[] {
  const e = new Enc(decoded.source, decoded.file);
  return e.body(ModelCodec, decoded.model).finish();
}

/** Total size of a chunk list. */
export function chunksSize(chunks: readonly Chunk[]): number {
  let n = 0;
  for (const c of chunks) n += c instanceof Uint8Array ? c.length : c.length;
  return n;
}

/** Encode into one byte array (tests and small models; saves stream chunks to disk instead). */
export function encodeModelToBytes(decoded: DecodedModel): Uint8Array {
  const chunks = encodeModel(decoded);
  const out = new Uint8Array(chunksSize(chunks));
  let at = 0;
  for (const c of chunks) {
    if (c instanceof Uint8Array) {
      out.set(c, at);
      at += c.length;
    } else {
      let done = 0;
      while (done < c.length) {
        const part = decoded.source.read(c.offset + done, Math.min(c.length - done, 1 << 24));
        if (part.length === 0) throw new Error(`${decoded.file}: source ended while copying bytes ${c.offset}..${c.offset + c.length}`);
        out.set(part, at);
        at += part.length;
        done += part.length;
      }
    }
  }
  return out;
}
