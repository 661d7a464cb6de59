/**
 * The decoder's state (`Ctx`): the wire reader, the field path for messages, unknown-field counts,
 * the reusable collectors of repeated fields, and the limits that stop a decode before it takes
 * time or memory out of proportion to the file (the object budget and the heap guard; see
 * DecodeOptions in decode.ts). The interning of short names is the wire reader's (wire/reader.ts).
 */
import { getHeapStatistics } from 'node:v8';
import { DecoderLimitError, ModelTooLargeError } from './errors';
import { addOccurrence, EMPTY } from './decodedMessages';
import type { Dimension, Int64, UnknownFieldStats } from './model';
import type { AttributeTable } from './attributeTable';
import { WireReader, WireType } from './wire/reader';
import { expectWire } from './decodeFields';

/** The heap guard fires only once the decode itself has added this much. */
const HEAP_GROWTH_FLOOR = 64 * 1024 * 1024;

/**
 * Weights against the object budget (see Ctx.charge), after what each costs to decode: mostly the
 * garbage collector's work on what it keeps, so about its heap size (a node with its lists ~150
 * bytes, another message 40-90, a Uint8Array ~200, a list ~50, an interned name nothing new). A
 * string, a list or a payload span weighs 1.
 */
const MESSAGE_WEIGHT = 4;
export const NODE_WEIGHT = 8;
export const ATTRIBUTE_WEIGHT = 6;
/** A non-empty AttributeProto.strings entry (a Uint8Array of its own). */
export const BYTES_WEIGHT = 8;

/**
 * Lists of small integers that repeat by the thousand (an attribute's `ints` such as [1, 1] or
 * [3, 3], a tensor's `dims` such as [16] or [32, 32, 3, 3]) are shared while decoding: up to this many
 * values, each in 0..SHARED_INT_MAX, and up to SHARED_LISTS distinct lists per decode.
 */
const SHARED_INTS_LENGTH = 4;
const SHARED_INT_MAX = 1023;
const SHARED_LISTS = 4096;

/**
 * The most dimensions a tensor (`dims`) or a shape (`dim`) may have here. ONNX sets no limit, but no
 * framework makes tensors of such rank (NumPy allows 64, 32 before 2.0; TensorRT 8). Past it the decode
 * stops at once (Ctx.rankError), so that a crafted shape of millions of entries costs nothing (it
 * would otherwise be millions of numbers or Dimension messages, and a summary printing them).
 */
export const MAX_RANK = 1024;

/** The object budget's floor, so that small files never meet it. */
const MIN_OBJECT_WEIGHT = 1 << 22;

/** The default object budget for a file of `size` bytes (see DecodeOptions.maxObjectWeight). */
export function defaultObjectBudget(size: number): number {
  return Math.max(MIN_OBJECT_WEIGHT, size);
}

/** Lists shorter than this grow as they are read (reserving would not save a copy worth having). */
const RESERVE_FROM = 1024;

/**
 * Collects the values of one repeated field while its message is decoded, then hands out an array
 * of exactly that length (or the shared EMPTY). Collectors are reused from message to message, so a
 * repeated field costs one exact-size array instead of a grown one and its garbage.
 */
export class Collector<T> {
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

  /**
   * Makes room for `more` values about to be added (a packed list's count, known from its bytes), so
   * that a list of millions is one array made at its size rather than one grown by copying: 10 MB of
   * packed integers peaked at 30 times the file that way, most of it the grown copies. The decode's
   * heap guard is asked first, so a list too large for the process is refused before it is made.
   */
  reserve(more: number): void {
    const need = this.n + more;
    if (more < RESERVE_FROM || need <= this.items.length) return;
    this.owner?.room(need * 8, need);
    const items = new Array<T>(need);
    const old = this.items;
    for (let i = 0; i < this.n; i++) items[i] = old[i]!;
    this.items = items;
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
 * A repeated field of a message that may receive merged occurrences (see addOccurrence): the values
 * decoded before (`prev`, EMPTY for a new message) followed by this occurrence's (`next`). `prev` is
 * extended in place (it is this message's own array, unless frozen: EMPTY or a shared short list), so
 * that a field split into a hundred thousand occurrences costs linear time, not quadratic.
 */
export function appended<T>(prev: T[], next: T[]): T[] {
  if (prev.length === 0) return next;
  if (next.length === 0) return prev;
  const out = Object.isFrozen(prev) ? prev.slice() : prev;
  for (let i = 0; i < next.length; i++) out.push(next[i]!);
  return out;
}

/**
 * Decoding state: the reader, unknown-field counts, the current field path kept as a stack of
 * (field name, index) pairs so that no path string is built unless an error needs one, and a stack
 * of collectors for repeated fields.
 */
export class Ctx {
  /** Keeps this class's shape alive between decodes (see WireReader.shapeAnchor). */
  static readonly shapeAnchor: Ctx = new Ctx(WireReader.shapeAnchor);
  readonly unknown: UnknownFieldStats = { count: 0, byMessage: {} };
  /** Later occurrences of singular message fields, merged into the first (see `merging`). */
  readonly merged: UnknownFieldStats = { count: 0, byMessage: {} };
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
  /** The shared small integer lists of this decode (see takeInts), by their values packed in one number. */
  private readonly sharedInts = new Map<number, Int64[]>();
  /** The shared shape dimensions of this decode (see sharedDimension in decodeTensors.ts), by dim_value + 1 (0: the empty one). */
  readonly sharedDims = new Map<number, Dimension>();
  /** The shared attributes of this decode (attributeTable.ts), made at the first node attribute. */
  sharedAttributes: AttributeTable | undefined = undefined;

  constructor(
    readonly r: WireReader,
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

  /** The weight charged so far (a shared attribute charges again what its decode charged). */
  get charged(): number {
    return this.weight;
  }

  private overBudget(): never {
    const at = this.r.pos;
    const where = this.path();
    throw new ModelTooLargeError(
      this.r.file,
      `too large to open here: more objects than QDQ Studio decodes from a file of ${bytesText(this.r.size)}: ` +
        `the limit is ${grouped(this.maxObjectWeight)} (one per byte of the file, at least ${grouped(MIN_OBJECT_WEIGHT)}), ` +
        `counting a node ${NODE_WEIGHT}, an attribute ${ATTRIBUTE_WEIGHT}, another message (a dimension, a value info, ...) ${MESSAGE_WEIGHT}, an attribute string ${BYTES_WEIGHT}, ` +
        `and a name, a list or a data span 1; real models stay under half of it. The decode stopped at byte ${at}, in ${where}. ` +
        `The limit keeps a crafted file from taking time and memory out of proportion to its size; it does not mean the file is malformed`,
    );
  }

  /** A DecoderLimitError: `field` has more than MAX_RANK entries (the entry whose value starts at `at` is one too many). */
  rankError(at: number, field: string): DecoderLimitError {
    this.field = field;
    const max = grouped(MAX_RANK);
    return new DecoderLimitError(
      this.r.file,
      at,
      this.path(),
      `'${field}' has more than ${max} entries: QDQ Studio reads tensors and shapes of rank up to ${max} (no framework makes higher ranks: NumPy allows 64, TensorRT 8)`,
    );
  }

  /**
   * Count one entry of a repeated field (packed lists and empty names can come by the million), or
   * one object (from `charge`): every 65,536 of them, the heap is checked.
   */
  entry(): void {
    if ((++this.entries & 0xffff) === 0) this.checkHeap();
  }

  /**
   * Checks the heap as `entry` does, before a list of `count` values (`bytes` of memory) is made:
   * over the limit, the decode stops there, before the allocation.
   */
  room(bytes: number, count: number): void {
    if (this.maxHeapBytes !== Infinity) this.checkHeap(bytes, count);
  }

  private checkHeap(extra = 0, count = 0): void {
    const now = getHeapStatistics().used_heap_size;
    const used = now + extra;
    // Over the limit, and by the decode's own doing: memory other code held before it started is
    // not the model's fault.
    if (used > this.maxHeapBytes && used - this.heapAtStart > HEAP_GROWTH_FLOOR) {
      const mb = (n: number) => `${Math.round(n / 1048576)} MiB`;
      const stopped = `(at byte ${this.r.pos} of ${this.r.size}, after ${this.objects} messages, names and lists); the decode was stopped`;
      throw new ModelTooLargeError(
        this.r.file,
        extra > 0
          ? `too large to open here: a list of ${grouped(count)} values would have brought what decoding it adds to this process's memory to ${mb(used - this.heapAtStart)}, ` +
              `and the memory in use to ${mb(used)} of the ${mb(this.maxHeapBytes)} it may use ${stopped} before the list was made`
          : `too large to open here: decoding it had added ${mb(used - this.heapAtStart)} to this process's memory, which reached ${mb(used)} of the ${mb(this.maxHeapBytes)} it may use ` +
              `${stopped} before the process ran out of memory`,
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

  /**
   * Hand out a repeated int64 field like `list.take()`, except that a short list of small integers
   * (see SHARED_INTS_LENGTH) is one frozen array shared by every message of this decode with the same
   * values: a 50,000-node model repeats a few dozen such lists ~30,000 times. Edits assign a new array
   * (as for the shared EMPTY); a push or an element write into a shared one throws.
   */
  takeInts(list: Collector<Int64>): Int64[] {
    const n = list.n;
    if (n === 0 || n > SHARED_INTS_LENGTH) return list.take();
    const items = list.items;
    // n, then each value in 10 bits: lists of different lengths fall in disjoint ranges.
    let key = n;
    for (let i = 0; i < n; i++) {
      const v = items[i]!;
      if (typeof v !== 'number' || !(v >= 0 && v <= SHARED_INT_MAX) || Math.floor(v) !== v) return list.take();
      key = key * (SHARED_INT_MAX + 1) + v;
    }
    const shared = this.sharedInts.get(key);
    if (shared) {
      list.n = 0;
      this.charge();
      return shared;
    }
    if (this.sharedInts.size >= SHARED_LISTS) return list.take();
    const made = Object.freeze(list.take()) as Int64[];
    this.sharedInts.set(key, made);
    return made;
  }

  /** Release the `count` collectors taken last. */
  release(count: number): void {
    this.top -= count;
  }

  /** How many collectors are in use: those a message takes lie above the depth at its start. */
  get depth(): number {
    return this.top;
  }

  /** Give back the collectors taken since the depth was `depth`. */
  releaseTo(depth: number): void {
    this.top = depth;
  }

  /**
   * After a failure: drop what was decoded so far. (A thrown error's stack trace keeps the receivers
   * of its frames, this context and the reader among them, until the trace is formatted.)
   */
  drop(): void {
    this.collectors.length = 0;
    this.sharedAttributes = undefined;
    this.r.dropStrings();
  }

  /**
   * `into`, a `kind` message already decoded for a singular field, receives another occurrence of
   * that field (the submessage just entered, which ends at `end`): counted by field name and kind
   * ("t (TensorProto)"), and its content span recorded (addOccurrence). Returns `into`, the message
   * to decode into.
   */
  merging<T extends object>(into: T, kind: string, end: number): T {
    addOccurrence(into, this.r.pos, end);
    this.merged.count++;
    const k = `${this.names[this.names.length - 1] ?? ''} (${kind})`;
    this.merged.byMessage[k] = (this.merged.byMessage[k] ?? 0) + 1;
    return into;
  }

  unknownField(r: WireReader, message: string, key: number, end: number): void {
    this.field = `#${Math.floor(key / 8)}`;
    r.skip(key & 7, end);
    this.field = '';
    this.unknown.count++;
    const k = `${message}#${Math.floor(key / 8)}`;
    this.unknown.byMessage[k] = (this.unknown.byMessage[k] ?? 0) + 1;
  }
}

/**
 * `n` as `toLocaleString('en-US')` writes it (10,000,007). Integers are grouped here: the first
 * toLocaleString in a process loads ICU's number formatting, ~50 ms, which a refused decode would
 * add to the time it takes to refuse.
 */
export function grouped(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** A size for messages: bytes, KB or MB. */
function bytesText(n: number): string {
  if (n < 10_000) return `${n} bytes`;
  return `${n < 1e6 ? `${(n / 1e3).toFixed(0)} KB` : `${(n / 1e6).toFixed(1)} MB`} (${n} bytes)`;
}
