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
import { getHeapStatistics } from 'node:v8';
import type { ByteSource } from './byteSource';
import { ModelTooLargeError, OnnxFormatError } from './errors';
import { notOnnx } from './fileKinds';
import {
  DAttribute, DDimension, DElemType, DFunctionProto, DGraph, DMapType, DModelProto, DNode, DOperatorSetId, DSparseTensor,
  DStringStringEntry, DTensor, DTensorAnnotation, DTensorSegment, DTensorShape, DTensorType, DTrainingInfo, DTypeProto,
  DValueInfo, EMPTY, SourceData,
} from './decodedMessages';
import type {
  Attribute, DataRef, Dimension, FunctionProto, Graph, Int64, MessageBase, ModelProto, Node, OperatorSetId, SparseTensor,
  StringStringEntry, Tensor, TensorAnnotation, TensorShape, TrainingInfo, TypeProto, UnknownFieldStats, ValueInfo,
} from './model';
import { WireReader, WireType } from './wire/reader';

export interface DecodeOptions {
  /** Name used in messages (defaults to the source's name). */
  file?: string;
  /** Maximum nesting of messages (subgraphs, types). Default 64. */
  maxDepth?: number;
  /**
   * The object budget: the most decoded objects, weighted, that a file may hold (see Ctx.charge):
   * a node 8, an attribute 6, another message (dimension, value info, tensor, ...) 4, a non-empty
   * AttributeProto.strings entry 8; a non-empty string, a non-empty repeated field or a payload span
   * 1. Default: one per byte of the file, and at least 2^22. Every object takes at least 2 bytes on
   * the wire, but a message takes 40 to 150 bytes of heap and a few hundred nanoseconds to decode, so
   * 10 MB of empty messages would take seconds and half a gigabyte. Real models weigh at most about
   * half a unit per byte: 0.38-0.43 for 60,000 Convs with four attributes and short names (external
   * weights or none), 0.51 for a chain of 300,000 minimal Relu nodes, 0.82 for such a chain with a
   * rank-4 value info on every tensor (the densest model we could make), far less for the exports in
   * the shared corpus (decodeLimits.test.ts).
   * Over the budget, the decode stops with a ModelTooLargeError saying so: a limit of this decoder,
   * not proof of a bad file.
   */
  maxObjectWeight?: number;
  /**
   * Most JavaScript heap in use (the whole process's, as V8 reports it) while decoding; beyond it,
   * once the decode itself has added 64 MiB or more, the decode stops with a ModelTooLargeError
   * ("too large to open here") instead of running the process out of memory. Checked every 65,536
   * objects or repeated-field entries. Default: 85% of V8's heap limit. (The object budget bounds
   * memory by the file's size; this bounds it by the process, for files of hundreds of megabytes.)
   */
  maxHeapBytes?: number;
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

/** The heap guard fires only once the decode itself has added this much. */
const HEAP_GROWTH_FLOOR = 64 * 1024 * 1024;

/**
 * Weights against the object budget (see Ctx.charge), after what each costs to decode: mostly the
 * garbage collector's work on what it keeps, so about its heap size (a node with its lists ~150
 * bytes, another message 40-90, a Uint8Array ~200, a list ~50, an interned name nothing new). A
 * string, a list or a payload span weighs 1.
 */
const MESSAGE_WEIGHT = 4;
const NODE_WEIGHT = 8;
const ATTRIBUTE_WEIGHT = 6;
/** A non-empty AttributeProto.strings entry (a Uint8Array of its own). */
const BYTES_WEIGHT = 8;

/** The object budget's floor, so that small files never meet it. */
const MIN_OBJECT_WEIGHT = 1 << 22;

/** The default object budget for a file of `size` bytes (see DecodeOptions.maxObjectWeight). */
function defaultObjectBudget(size: number): number {
  return Math.max(MIN_OBJECT_WEIGHT, size);
}

/**
 * Collects the values of one repeated field while its message is decoded, then hands out an array
 * of exactly that length (or the shared EMPTY). Collectors are reused from message to message, so a
 * repeated field costs one exact-size array instead of a grown one and its garbage.
 */
class Collector<T> {
  /** Keeps this class's shape alive between decodes (see WireReader.shapeAnchor). */
  static readonly shapeAnchor = new Collector<unknown>(undefined);
  items: T[] = [];
  n = 0;

  /** The decode whose budget a handed-out array is charged to. */
  constructor(private readonly owner: Ctx | undefined) {}

  add(v: T): void {
    this.items[this.n++] = v;
    this.owner?.entry();
  }

  take(): T[] {
    const n = this.n;
    if (n === 0) return EMPTY;
    this.owner?.charge();
    this.n = 0;
    if (n < 1024) return this.items.slice(0, n);
    // A big list (graph nodes, a hostile repeated field): hand over the array itself, trimmed.
    const out = this.items;
    out.length = n;
    this.items = [];
    return out;
  }
}

/**
 * Decoding state: the reader, unknown-field counts, the current field path kept as a stack of
 * (field name, index) pairs so that no path string is built unless an error needs one, and a stack
 * of collectors for repeated fields.
 */
class Ctx {
  /** Keeps this class's shape alive between decodes (see WireReader.shapeAnchor). */
  static readonly shapeAnchor: Ctx = new Ctx(WireReader.shapeAnchor);
  readonly unknown: UnknownFieldStats = { count: 0, byMessage: {} };
  private readonly names: string[] = [];
  private readonly indices: number[] = [];
  /** The scalar field being read (for error messages). */
  field = '';
  /** Set once ModelProto.ir_version was read: before that, a failure means "not ONNX at all". */
  sawIrVersion = false;

  /** Weight of the objects decoded so far (see charge; checked against maxObjectWeight). */
  private weight = 0;
  /** Objects decoded so far (for messages). */
  private objects = 0;
  private readonly collectors: Collector<unknown>[] = [];
  private top = 0;

  /** Objects and repeated-field entries so far (only for the heap check). */
  private entries = 0;
  /** The heap in use when the decode started. */
  private readonly heapAtStart: number;

  constructor(
    readonly r: R,
    private readonly maxObjectWeight = Infinity,
    private readonly maxHeapBytes = Infinity,
  ) {
    this.heapAtStart = maxHeapBytes === Infinity ? 0 : getHeapStatistics().used_heap_size;
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
  sub(key: number, end: number, field: string, index = -1, weight = MESSAGE_WEIGHT): number {
    this.field = field;
    expectWire(this.r, key, WireType.LEN, field);
    const stop = this.r.lengthDelimited(end);
    this.field = '';
    this.r.enter();
    this.names.push(field);
    this.indices.push(index);
    this.charge(weight);
    return stop;
  }

  /**
   * Count one more decoded object against the budget (`maxObjectWeight`): every submessage (NODE_,
   * ATTRIBUTE_ or MESSAGE_WEIGHT), and every value that becomes an object of its own without being a
   * message (a non-empty string field or repeated field, a payload entry that is not contiguous with
   * the previous one: 1; an AttributeProto.strings entry: BYTES_WEIGHT, or 1 when empty). Equal short
   * names share one string; each occurrence still counts, so the budget bounds the work per byte,
   * not only the memory. (Vocabularies in STRINGS attributes, as LabelEncoder or TfIdfVectorizer
   * carry, take 10 or more bytes per entry.)
   */
  charge(weight = 1): void {
    this.objects++;
    if ((this.weight += weight) > this.maxObjectWeight) this.overBudget();
    this.entry();
  }

  private overBudget(): never {
    const at = this.r.pos;
    const where = this.path();
    throw new ModelTooLargeError(
      this.r.file,
      `too large to open here: more objects than QDQ Studio decodes from a file of ${bytesText(this.r.size)}: ` +
        `the limit is ${this.maxObjectWeight.toLocaleString('en-US')} (one per byte of the file, at least ${MIN_OBJECT_WEIGHT.toLocaleString('en-US')}), ` +
        `counting a node ${NODE_WEIGHT}, an attribute ${ATTRIBUTE_WEIGHT}, another message (a dimension, a value info, ...) ${MESSAGE_WEIGHT}, an attribute string ${BYTES_WEIGHT}, ` +
        `and a name, a list or a data span 1; real models stay under half of it. The decode stopped at byte ${at}, in ${where}. ` +
        `The limit keeps a crafted file from taking time and memory out of proportion to its size; it does not mean the file is malformed`,
    );
  }

  /**
   * Count one entry of a repeated field (packed lists and empty names can come by the million), or
   * one object (from `charge`): every 65,536 of them, the heap is checked.
   */
  entry(): void {
    if ((++this.entries & 0xffff) === 0) this.checkHeap();
  }

  private checkHeap(): void {
    const used = getHeapStatistics().used_heap_size;
    // Over the limit, and by the decode's own doing: memory other code held before it started is
    // not the model's fault.
    if (used > this.maxHeapBytes && used - this.heapAtStart > HEAP_GROWTH_FLOOR) {
      const mb = (n: number) => `${Math.round(n / 1048576)} MiB`;
      throw new ModelTooLargeError(
        this.r.file,
        `too large to open here: decoding it had added ${mb(used - this.heapAtStart)} to this process's memory, which reached ${mb(used)} of the ${mb(this.maxHeapBytes)} it may use ` +
          `(at byte ${this.r.pos} of ${this.r.size}, after ${this.objects} messages, names and lists); the decode was stopped before the process ran out of memory`,
      );
    }
  }

  leave(): void {
    this.r.leave();
    this.names.pop();
    this.indices.pop();
    this.field = '';
  }

  /** A collector for one repeated field of the message being decoded; give it back with `release`. */
  list<T>(): Collector<T> {
    const c = (this.collectors[this.top++] ??= new Collector<unknown>(this)) as Collector<T>;
    c.n = 0;
    return c;
  }

  /** Release the `count` collectors taken last. */
  release(count: number): void {
    this.top -= count;
  }

  /**
   * After a failure: drop what was decoded so far. (A thrown error's stack trace keeps the receivers
   * of its frames, this context and the reader among them, until the trace is formatted.)
   */
  drop(): void {
    this.collectors.length = 0;
    this.r.dropStrings();
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

/** A size for messages: bytes, KB or MB. */
function bytesText(n: number): string {
  if (n < 10_000) return `${n} bytes`;
  return `${n < 1e6 ? `${(n / 1e3).toFixed(0)} KB` : `${(n / 1e6).toFixed(1)} MB`} (${n} bytes)`;
}

function expectWire(r: R, key: number, wt: number, field: string): void {
  if ((key & 7) !== wt) {
    throw r.error(`field '${field}' has wire type ${key & 7}, expected ${wt}`);
  }
}

function str(c: Ctx, key: number, end: number, field: string): string {
  c.field = field;
  expectWire(c.r, key, WireType.LEN, field);
  const s = c.r.string(end);
  if (s !== '') c.charge();
  return s;
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

/** `$packed` lists of one field number, shared (frozen) between messages. */
const PACKED_ONE: number[][] = [];

function notePacked(m: MessageBase, key: number): void {
  const no = key >>> 3;
  if (!m.$packed) m.$packed = PACKED_ONE[no] ??= Object.freeze([no]) as number[];
  else if (!m.$packed.includes(no)) m.$packed = [...m.$packed, no];
}

/** Repeated int64, accepting both packed and unpacked encodings. */
function repeatedInt64(c: Ctx, key: number, end: number, field: string, out: Collector<Int64>, m: MessageBase): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  if (wt === WireType.VARINT) {
    out.add(r.int64(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    while (r.pos < stop) out.add(r.int64(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 0 or 2`);
}

/** Repeated float (fixed32), packed or unpacked. */
function repeatedFloat(c: Ctx, key: number, end: number, field: string, out: Collector<number>, m: MessageBase): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  if (wt === WireType.I32) {
    out.add(r.float32(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    if ((stop - r.pos) % 4 !== 0) throw r.error(`packed '${field}' length is not a multiple of 4`);
    while (r.pos < stop) out.add(r.float32(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 5 or 2`);
}

/** Record a payload field as a reference into the source, extending an existing one in place. */
function dataRef(c: Ctx, key: number, tagStart: number, end: number, field: string, prev: DataRef | undefined): DataRef {
  const r = c.r;
  c.field = field;
  const wt = key & 7;
  let valueBytes: number;
  if (wt === WireType.LEN) {
    const stop = r.lengthDelimited(end);
    valueBytes = stop - r.pos;
    r.pos = stop;
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
  if (prev instanceof SourceData) {
    if (prev.extend(tagStart, r.pos, valueBytes, packed)) c.charge();
    return prev;
  }
  return new SourceData(valueBytes, packed, tagStart, r.pos);
}

function stringEntry(c: Ctx, end: number): StringStringEntry {
  const r = c.r;
  const m = new DStringStringEntry(r.pos, end);
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
  const m = new DOperatorSetId(r.pos, end);
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
  m.dims = dims.take();
  if (externalData.n) m.externalData = externalData.take();
  if (metadataProps.n) m.metadataProps = metadataProps.take();
  c.release(3);
  c.leave();
  return m;
}

function sparseTensor(c: Ctx, end: number): SparseTensor {
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
  m.dims = dims.take();
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

function typeProto(c: Ctx, end: number): TypeProto {
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

function valueInfo(c: Ctx, end: number): ValueInfo {
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

function attribute(c: Ctx, end: number): Attribute {
  const r = c.r;
  const m: Attribute = new DAttribute(r.pos, end);
  const floats = c.list<number>();
  const ints = c.list<Int64>();
  const strings = c.list<Uint8Array>();
  const tensors = c.list<Tensor>();
  const graphs = c.list<Graph>();
  const sparseTensors = c.list<SparseTensor>();
  const typeProtos = c.list<TypeProto>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 2: c.field = 'f'; expectWire(r, key, WireType.I32, 'f'); m.f = r.float32(end); break;
      case 3: m.i = i64(c, key, end, 'i'); break;
      case 4: c.field = 's'; expectWire(r, key, WireType.LEN, 's'); m.s = r.bytes(end); break;
      case 5: m.t = decodeTensor(c, c.sub(key, end, 't')); break;
      case 6: m.g = graph(c, c.sub(key, end, 'g')); break;
      case 7: repeatedFloat(c, key, end, 'floats', floats, m); break;
      case 8: repeatedInt64(c, key, end, 'ints', ints, m); break;
      case 9: {
        c.field = 'strings';
        expectWire(r, key, WireType.LEN, 'strings');
        const b = r.bytes(end);
        c.charge(b.length ? BYTES_WEIGHT : 1);
        strings.add(b);
        break;
      }
      case 10: tensors.add(decodeTensor(c, c.sub(key, end, 'tensors', tensors.n))); break;
      case 11: graphs.add(graph(c, c.sub(key, end, 'graphs', graphs.n))); break;
      case 13: m.docString = str(c, key, end, 'doc_string'); break;
      case 14: m.tp = typeProto(c, c.sub(key, end, 'tp')); break;
      case 15: typeProtos.add(typeProto(c, c.sub(key, end, 'type_protos'))); break;
      case 20: m.type = i32(c, key, end, 'type'); break;
      case 21: m.refAttrName = str(c, key, end, 'ref_attr_name'); break;
      case 22: m.sparseTensor = sparseTensor(c, c.sub(key, end, 'sparse_tensor')); break;
      case 23: sparseTensors.add(sparseTensor(c, c.sub(key, end, 'sparse_tensors'))); break;
      default: c.unknownField(r, 'AttributeProto', key, end);
    }
  }
  if (floats.n) m.floats = floats.take();
  if (ints.n) m.ints = ints.take();
  if (strings.n) m.strings = strings.take();
  if (tensors.n) m.tensors = tensors.take();
  if (graphs.n) m.graphs = graphs.take();
  if (sparseTensors.n) m.sparseTensors = sparseTensors.take();
  if (typeProtos.n) m.typeProtos = typeProtos.take();
  c.release(7);
  c.leave();
  return m;
}

function node(c: Ctx, end: number): Node {
  const r = c.r;
  const m: Node = new DNode(r.pos, end);
  const input = c.list<string>();
  const output = c.list<string>();
  const attributes = c.list<Attribute>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: input.add(str(c, key, end, 'input')); break;
      case 2: output.add(str(c, key, end, 'output')); break;
      case 3: m.name = str(c, key, end, 'name'); break;
      case 4: m.opType = str(c, key, end, 'op_type'); break;
      case 5: attributes.add(attribute(c, c.sub(key, end, 'attribute', attributes.n, ATTRIBUTE_WEIGHT))); break;
      case 6: m.docString = str(c, key, end, 'doc_string'); break;
      case 7: m.domain = str(c, key, end, 'domain'); break;
      case 8: m.overload = str(c, key, end, 'overload'); break;
      case 9: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'NodeProto', key, end);
    }
  }
  m.input = input.take();
  m.output = output.take();
  m.attribute = attributes.take();
  if (metadataProps.n) m.metadataProps = metadataProps.take();
  c.release(4);
  c.leave();
  return m;
}

function tensorAnnotation(c: Ctx, end: number): TensorAnnotation {
  const r = c.r;
  const m = new DTensorAnnotation(r.pos, end);
  const names = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.tensorName = str(c, key, end, 'tensor_name'); break;
      case 2: names.add(stringEntry(c, c.sub(key, end, 'quant_parameter_tensor_names'))); break;
      default: c.unknownField(r, 'TensorAnnotation', key, end);
    }
  }
  m.quantParameterTensorNames = names.take();
  c.release(1);
  c.leave();
  return m;
}

function graph(c: Ctx, end: number): Graph {
  const r = c.r;
  const m: Graph = new DGraph(r.pos, end);
  const nodes = c.list<Node>();
  const initializer = c.list<Tensor>();
  const sparseInitializer = c.list<SparseTensor>();
  const input = c.list<ValueInfo>();
  const output = c.list<ValueInfo>();
  const valueInfos = c.list<ValueInfo>();
  const annotations = c.list<TensorAnnotation>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: nodes.add(node(c, c.sub(key, end, 'node', nodes.n, NODE_WEIGHT))); break;
      case 2: m.name = str(c, key, end, 'name'); break;
      case 5: initializer.add(decodeTensor(c, c.sub(key, end, 'initializer', initializer.n))); break;
      case 10: m.docString = str(c, key, end, 'doc_string'); break;
      case 11: input.add(valueInfo(c, c.sub(key, end, 'input', input.n))); break;
      case 12: output.add(valueInfo(c, c.sub(key, end, 'output', output.n))); break;
      case 13: valueInfos.add(valueInfo(c, c.sub(key, end, 'value_info', valueInfos.n))); break;
      case 14: annotations.add(tensorAnnotation(c, c.sub(key, end, 'quantization_annotation'))); break;
      case 15: sparseInitializer.add(sparseTensor(c, c.sub(key, end, 'sparse_initializer', sparseInitializer.n))); break;
      case 16: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'GraphProto', key, end);
    }
  }
  m.node = nodes.take();
  m.initializer = initializer.take();
  m.sparseInitializer = sparseInitializer.take();
  m.input = input.take();
  m.output = output.take();
  m.valueInfo = valueInfos.take();
  m.quantizationAnnotation = annotations.take();
  m.metadataProps = metadataProps.take();
  c.release(8);
  c.leave();
  return m;
}

function trainingInfo(c: Ctx, end: number): TrainingInfo {
  const r = c.r;
  const m: TrainingInfo = new DTrainingInfo(r.pos, end);
  const initializationBinding = c.list<StringStringEntry>();
  const updateBinding = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.initialization = graph(c, c.sub(key, end, 'initialization')); break;
      case 2: m.algorithm = graph(c, c.sub(key, end, 'algorithm')); break;
      case 3: initializationBinding.add(stringEntry(c, c.sub(key, end, 'initialization_binding'))); break;
      case 4: updateBinding.add(stringEntry(c, c.sub(key, end, 'update_binding'))); break;
      default: c.unknownField(r, 'TrainingInfoProto', key, end);
    }
  }
  m.initializationBinding = initializationBinding.take();
  m.updateBinding = updateBinding.take();
  c.release(2);
  c.leave();
  return m;
}

function functionProto(c: Ctx, end: number): FunctionProto {
  const r = c.r;
  const m: FunctionProto = new DFunctionProto(r.pos, end);
  const input = c.list<string>();
  const output = c.list<string>();
  const attributeNames = c.list<string>();
  const attributeProto = c.list<Attribute>();
  const nodes = c.list<Node>();
  const opsetImport = c.list<OperatorSetId>();
  const valueInfos = c.list<ValueInfo>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 4: input.add(str(c, key, end, 'input')); break;
      case 5: output.add(str(c, key, end, 'output')); break;
      case 6: attributeNames.add(str(c, key, end, 'attribute')); break;
      case 7: nodes.add(node(c, c.sub(key, end, 'node', nodes.n, NODE_WEIGHT))); break;
      case 8: m.docString = str(c, key, end, 'doc_string'); break;
      case 9: opsetImport.add(operatorSetId(c, c.sub(key, end, 'opset_import'))); break;
      case 10: m.domain = str(c, key, end, 'domain'); break;
      case 11: attributeProto.add(attribute(c, c.sub(key, end, 'attribute_proto', attributeProto.n, ATTRIBUTE_WEIGHT))); break;
      case 12: valueInfos.add(valueInfo(c, c.sub(key, end, 'value_info', valueInfos.n))); break;
      case 13: m.overload = str(c, key, end, 'overload'); break;
      case 14: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'FunctionProto', key, end);
    }
  }
  m.input = input.take();
  m.output = output.take();
  m.attribute = attributeNames.take();
  m.attributeProto = attributeProto.take();
  m.node = nodes.take();
  m.opsetImport = opsetImport.take();
  m.valueInfo = valueInfos.take();
  m.metadataProps = metadataProps.take();
  c.release(8);
  c.leave();
  return m;
}

function modelProto(c: Ctx, end: number): { model: ModelProto; sawIrVersion: boolean } {
  const r = c.r;
  let sawIrVersion = false;
  const m: ModelProto = new DModelProto(r.pos, end);
  const opsetImport = c.list<OperatorSetId>();
  const metadataProps = c.list<StringStringEntry>();
  const trainingInfos = c.list<TrainingInfo>();
  const functions = c.list<FunctionProto>();
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
      case 8: opsetImport.add(operatorSetId(c, c.sub(key, end, 'opset_import', opsetImport.n))); break;
      case 14: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      case 20: trainingInfos.add(trainingInfo(c, c.sub(key, end, 'training_info', trainingInfos.n))); break;
      case 25: functions.add(functionProto(c, c.sub(key, end, 'functions', functions.n))); break;
      default: c.unknownField(r, 'ModelProto', key, end);
    }
  }
  m.opsetImport = opsetImport.take();
  m.metadataProps = metadataProps.take();
  m.trainingInfo = trainingInfos.take();
  m.functions = functions.take();
  c.release(4);
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
  const other = notOnnx(source.read(0, Math.min(source.size, 512)));
  if (other) throw new OnnxFormatError(file, 0, '', other);
  const r = new WireReader(source, file, options.maxDepth ?? 64);
  r.wholeFile = true;
  const c = new Ctx(r, options.maxObjectWeight ?? defaultObjectBudget(source.size), options.maxHeapBytes ?? 0.85 * getHeapStatistics().heap_size_limit);
  let result: { model: ModelProto; sawIrVersion: boolean };
  try {
    result = modelProto(c, source.size);
  } catch (e) {
    c.drop();
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
