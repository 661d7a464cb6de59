/**
 * The objects the decoder (`decode.ts` and its `decode*.ts` modules) builds: one class per message, implementing the interfaces of model.ts.
 *
 * They exist to keep a decoded model small and quick to build (a 50,000-node model is half a
 * million messages and arrays):
 * - the content span is two numbers on the message (`$start`, `$end`); `$span` is an accessor on
 *   the prototype that makes a Span when asked (the encoder asks once or twice per message);
 * - repeated fields that were absent share one frozen empty array (`EMPTY`): to change a repeated
 *   field, assign a new array (and `markDirty`), never push into the decoded one;
 * - present repeated fields are arrays of exactly their length; short lists of small integers (an
 *   attribute's `ints`, a tensor's `dims`) are frozen arrays shared within a decode (Ctx.takeInts);
 * - small attributes with the same bytes are one frozen message, and equal lists of them one frozen
 *   node `attribute` array, within a decode (attributeTable.ts);
 * - a payload reference (`SourceData`) keeps its usual single field span as two numbers.
 * Fields a message may or may not have (`Attribute.i`, `Tensor.rawData`, ...) are added only when
 * present. Fields that are usually at their default (a node's `docString`, `domain`, `overload`,
 * `metadataProps`; an attribute's lists other than its value; ...) are defaults on the prototype
 * (`protoDefaults` below) and become own properties only when present or assigned. Plain
 * constructors (no class fields, no base class) keep construction cheap.
 */
import type {
  Attribute, AttributeType, DataLocation, Dimension, FunctionProto, Graph, Int64, ModelProto, Node, OperatorSetId,
  SparseTensor, Span, StringStringEntry, Tensor, TensorAnnotation, TensorSegment, TensorShape, TrainingInfo, TypeProto,
  ValueInfo,
} from './model';

/** The shared empty array of every absent repeated field (frozen: a push throws instead of corrupting others). */
export const EMPTY: never[] = Object.freeze([]) as unknown as never[];

export class DStringStringEntry implements StringStringEntry {
  declare $start: number;
  declare $end: number;
  declare key: string;
  declare value: string;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.key = '';
    this.value = '';
  }
}

export class DOperatorSetId implements OperatorSetId {
  declare $start: number;
  declare $end: number;
  declare domain: string;
  declare version: Int64;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.domain = '';
    this.version = 0;
  }
}

export class DTensorSegment implements TensorSegment {
  declare $start: number;
  declare $end: number;
  declare begin: Int64;
  declare end: Int64;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.begin = 0;
    this.end = 0;
  }
}

export class DTensor implements Tensor {
  declare $start: number;
  declare $end: number;
  declare dims: Int64[];
  declare dataType: number;
  declare name: string;
  declare docString: string;
  declare externalData: StringStringEntry[];
  declare dataLocation: DataLocation;
  declare metadataProps: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.dims = EMPTY;
    this.dataType = 0;
    this.name = '';
  }
}

export class DSparseTensor implements SparseTensor {
  declare $start: number;
  declare $end: number;
  declare dims: Int64[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.dims = EMPTY;
  }
}

export class DDimension implements Dimension {
  declare $start: number;
  declare $end: number;
  declare denotation: string;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
  }
}

export class DTensorShape implements TensorShape {
  declare $start: number;
  declare $end: number;
  declare dim: Dimension[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.dim = EMPTY;
  }
}

/** TypeProto.Tensor and TypeProto.SparseTensor. */
export class DTensorType {
  declare $start: number;
  declare $end: number;
  declare elemType: number;
  declare shape?: TensorShape;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.elemType = 0;
  }
}

/** TypeProto.Sequence and TypeProto.Optional. */
export class DElemType {
  declare $start: number;
  declare $end: number;
  declare elemType?: TypeProto;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
  }
}

/** TypeProto.Map. */
export class DMapType {
  declare $start: number;
  declare $end: number;
  declare keyType: number;
  declare valueType?: TypeProto;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.keyType = 0;
  }
}

export class DTypeProto implements TypeProto {
  declare $start: number;
  declare $end: number;
  declare denotation: string;
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
  }
}

export class DValueInfo implements ValueInfo {
  declare $start: number;
  declare $end: number;
  declare name: string;
  declare docString: string;
  declare metadataProps: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.name = '';
  }
}

export class DAttribute implements Attribute {
  declare $start: number;
  declare $end: number;
  declare name: string;
  declare refAttrName: string;
  declare docString: string;
  declare type: AttributeType;
  declare floats: number[];
  declare ints: Int64[];
  declare strings: Uint8Array[];
  declare tensors: Tensor[];
  declare graphs: Graph[];
  declare sparseTensors: SparseTensor[];
  declare typeProtos: TypeProto[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.name = '';
    this.type = 0;
  }
}

export class DNode implements Node {
  declare $start: number;
  declare $end: number;
  declare input: string[];
  declare output: string[];
  declare name: string;
  declare opType: string;
  declare domain: string;
  declare overload: string;
  declare attribute: Attribute[];
  declare docString: string;
  declare metadataProps: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.input = EMPTY;
    this.output = EMPTY;
    this.name = '';
    this.opType = '';
    this.attribute = EMPTY;
  }
}

export class DTensorAnnotation implements TensorAnnotation {
  declare $start: number;
  declare $end: number;
  declare tensorName: string;
  declare quantParameterTensorNames: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.tensorName = '';
    this.quantParameterTensorNames = EMPTY;
  }
}

export class DGraph implements Graph {
  declare $start: number;
  declare $end: number;
  declare node: Node[];
  declare name: string;
  declare initializer: Tensor[];
  declare sparseInitializer: SparseTensor[];
  declare docString: string;
  declare input: ValueInfo[];
  declare output: ValueInfo[];
  declare valueInfo: ValueInfo[];
  declare quantizationAnnotation: TensorAnnotation[];
  declare metadataProps: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.node = EMPTY;
    this.name = '';
    this.initializer = EMPTY;
    this.sparseInitializer = EMPTY;
    this.docString = '';
    this.input = EMPTY;
    this.output = EMPTY;
    this.valueInfo = EMPTY;
    this.quantizationAnnotation = EMPTY;
    this.metadataProps = EMPTY;
  }
}

export class DTrainingInfo implements TrainingInfo {
  declare $start: number;
  declare $end: number;
  declare initializationBinding: StringStringEntry[];
  declare updateBinding: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.initializationBinding = EMPTY;
    this.updateBinding = EMPTY;
  }
}

export class DFunctionProto implements FunctionProto {
  declare $start: number;
  declare $end: number;
  declare name: string;
  declare input: string[];
  declare output: string[];
  declare attribute: string[];
  declare attributeProto: Attribute[];
  declare node: Node[];
  declare docString: string;
  declare opsetImport: OperatorSetId[];
  declare domain: string;
  declare overload: string;
  declare valueInfo: ValueInfo[];
  declare metadataProps: StringStringEntry[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.name = '';
    this.input = EMPTY;
    this.output = EMPTY;
    this.attribute = EMPTY;
    this.attributeProto = EMPTY;
    this.node = EMPTY;
    this.docString = '';
    this.opsetImport = EMPTY;
    this.domain = '';
    this.overload = '';
    this.valueInfo = EMPTY;
    this.metadataProps = EMPTY;
  }
}

export class DModelProto implements ModelProto {
  declare $start: number;
  declare $end: number;
  declare irVersion: Int64;
  declare opsetImport: OperatorSetId[];
  declare producerName: string;
  declare producerVersion: string;
  declare domain: string;
  declare modelVersion: Int64;
  declare docString: string;
  declare metadataProps: StringStringEntry[];
  declare trainingInfo: TrainingInfo[];
  declare functions: FunctionProto[];
  declare $span: Span | undefined;
  declare $dirty?: boolean;
  declare $packed?: number[];
  constructor(start: number, end: number) {
    this.$start = start;
    this.$end = end;
    this.irVersion = 0;
    this.opsetImport = EMPTY;
    this.producerName = '';
    this.producerVersion = '';
    this.domain = '';
    this.modelVersion = 0;
    this.docString = '';
    this.metadataProps = EMPTY;
    this.trainingInfo = EMPTY;
    this.functions = EMPTY;
  }
}

/** A decoded message's own span fields, and the further occurrences merged into it (see addOccurrence). */
interface Occurrences {
  $start: number;
  $end: number;
  $more?: Span[];
}

/**
 * A singular message field that occurs more than once in its parent (`graph` twice in a ModelProto,
 * an attribute's `t` split in two) is one message to protobuf: the occurrences are merged (later
 * scalars win, repeated fields concatenate, submessages merge recursively), which is what onnx,
 * onnxruntime and TensorRT's parser read. The decoder decodes each later occurrence into the
 * message of the first and records the content span of each later one here, in order (`$more`,
 * absent for the usual single occurrence). `$span` stays the first one's.
 */
export function addOccurrence(m: object, start: number, end: number): void {
  const o = m as Occurrences;
  if (o.$more) o.$more.push({ start, end });
  else o.$more = [{ start, end }];
}

/**
 * Every content span of a decoded message, in file order: one, or more when occurrences were merged
 * (addOccurrence); undefined for a message made by an edit (or whose span an edit removed).
 */
export function occurrenceSpans(m: { $span?: Span }): Span[] | undefined {
  const first = m.$span;
  if (!first) return undefined;
  const more = (m as Partial<Occurrences>).$more;
  return more ? [first, ...more] : [first];
}

/** The content spans of the occurrences merged into `m` after its first (undefined: none). */
export function laterOccurrences(m: object): Span[] | undefined {
  return (m as Partial<Occurrences>).$more;
}

/** `$span` of a decoded message, from its `$start` and `$end` (-1 when it has none). */
const spanAccessor: PropertyDescriptor = {
  get(this: Occurrences): Span | undefined {
    return this.$start < 0 ? undefined : { start: this.$start, end: this.$end };
  },
  set(this: Occurrences, span: Span | undefined): void {
    this.$start = span ? span.start : -1;
    this.$end = span ? span.end : -1;
    // A new span (or none) replaces what the message was read from: merged occurrences included.
    if (this.$more) this.$more = undefined;
  },
  configurable: true,
};
for (const c of [
  DStringStringEntry, DOperatorSetId, DTensorSegment, DTensor, DSparseTensor, DDimension, DTensorShape,
  DTensorType, DElemType, DMapType, DTypeProto, DValueInfo, DAttribute, DNode, DTensorAnnotation, DGraph,
  DTrainingInfo, DFunctionProto, DModelProto,
]) {
  Object.defineProperty(c.prototype, '$span', spanAccessor);
}

/**
 * Fields most messages of a kind leave at their default (a node's doc string, domain, overload and
 * metadata; an attribute's lists other than its own value; ...) live on the prototype, not on each
 * instance: reading one gives the default, and assigning one (an edit, or the decoder when the field
 * is present) makes it an own property of that message. The defaults are '', 0 or EMPTY, so
 * nothing can be changed through them.
 */
function protoDefaults(c: { prototype: object }, defaults: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(defaults)) {
    Object.defineProperty(c.prototype, key, { value, writable: true, enumerable: false, configurable: true });
  }
}
protoDefaults(DTensor, { docString: '', externalData: EMPTY, dataLocation: 0, metadataProps: EMPTY });
protoDefaults(DDimension, { denotation: '' });
protoDefaults(DTypeProto, { denotation: '' });
protoDefaults(DValueInfo, { docString: '', metadataProps: EMPTY });
protoDefaults(DAttribute, {
  refAttrName: '', docString: '', floats: EMPTY, ints: EMPTY, strings: EMPTY, tensors: EMPTY, graphs: EMPTY,
  sparseTensors: EMPTY, typeProtos: EMPTY,
});
protoDefaults(DNode, { domain: '', overload: '', docString: '', metadataProps: EMPTY });

/**
 * An attribute has five own fields (`$start`, `$end`, `name`, `type` and its value), a packed list
 * six (`$packed` too). V8 sizes a class's instances after the first few it builds ("slack
 * tracking"), so in a model whose first attributes were scalars (a Constant's `value`, an `axis`),
 * every list attribute got its sixth field in a property array of its own (40 bytes; 14,750 of them
 * in the 50,000-node bench model). This one, built first and kept, sizes every attribute for six.
 */
export const attributeShape = new DAttribute(-1, -1);
attributeShape.$packed = [];
attributeShape.ints = [];

/**
 * A payload field in the source (a `DataRef` of kind 'source'): usually one entry, kept as two
 * numbers; entries that are not contiguous (a repeated field split by other fields) go in `more`,
 * as start, end pairs of plain numbers (a crafted file can split a field into millions of entries:
 * one Span object each was most of the decode's time there, in the garbage collector).
 * `byteLength` and `packed` are one number (`$bytes`: the length when packed, -1 - the length when
 * not), so a reference is three fields (26,000 of them in the 50,000-node bench model).
 */
export class SourceData {
  declare $bytes: number;
  declare $start: number;
  declare $end: number;
  /** Start and end of each entry after the first, in file order (contiguous entries merged). */
  declare more?: number[];
  constructor(byteLength: number, packed: boolean, start: number, end: number) {
    this.$bytes = packed ? byteLength : -1 - byteLength;
    this.$start = start;
    this.$end = end;
  }

  get kind(): 'source' {
    return 'source';
  }

  /** Total size of the values. */
  get byteLength(): number {
    return this.$bytes < 0 ? -1 - this.$bytes : this.$bytes;
  }

  set byteLength(n: number) {
    this.$bytes = this.$bytes < 0 ? -1 - n : n;
  }

  /** True when every entry is length-delimited. */
  get packed(): boolean {
    return this.$bytes >= 0;
  }

  set packed(p: boolean) {
    if (p !== this.$bytes >= 0) this.$bytes = -1 - this.$bytes;
  }

  /** Spans of the whole field entries (tag, length and value), contiguous entries merged. A new array each time. */
  get fieldSpans(): Span[] {
    const spans: Span[] = [{ start: this.$start, end: this.$end }];
    const more = this.more;
    if (more) for (let i = 0; i < more.length; i += 2) spans.push({ start: more[i]!, end: more[i + 1]! });
    return spans;
  }

  /**
   * Add the entry `[start, end)`, merging it with the last one when contiguous. Returns true when
   * it became a span of its own (the decoder counts those against its message budget).
   */
  extend(start: number, end: number, valueBytes: number, packed: boolean): boolean {
    const bytes = this.$bytes;
    this.$bytes = bytes >= 0 && packed ? bytes + valueBytes : -1 - (this.byteLength + valueBytes);
    const more = this.more;
    if (more) {
      if (more[more.length - 1] === start) {
        more[more.length - 1] = end;
        return false;
      }
      more.push(start, end);
      return true;
    }
    if (this.$end === start) {
      this.$end = end;
      return false;
    }
    this.more = [start, end];
    return true;
  }
}
