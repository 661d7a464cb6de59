/**
 * The attributes a decode shares (Ctx.sharedAttributes; used by decodeGraph.ts). Models repeat a few
 * attributes by the thousand: in the 50,000-node bench model, 26,000 of the 45,000 attributes are one
 * of ~20 byte strings (`axis` 1, `group` 1, `strides` [1, 1], `pads` [1, 1, 1, 1], ...), and ~11,000
 * nodes have the very same attribute list as an earlier node (a Conv's five, a Concat's `axis`).
 *
 * - An AttributeProto whose content is exactly the bytes of one decoded earlier in the decode is that
 *   attribute: one frozen message, which the decoder does not read again (its object-budget weight is
 *   charged again, so the budget counts every occurrence). Shared are attributes of at most
 *   SHARED_ATTRIBUTE_BYTES bytes without nested messages (g, tp, sparse_tensor, tensors, graphs,
 *   type_protos, sparse_tensors) other than a plain tensor `t` (a Constant's small `value`: not
 *   external, no segment or metadata; 5,500 of the 50,000-node model's Constant nodes, ~540 of the
 *   ~940 in a YOLOv9 QAT export, repeat one of a few hundred), and without unknown fields; up to
 *   SHARED_ATTRIBUTES distinct ones per decode (later distinct ones keep a message of their own).
 *   Their `$start`/`$end` are those of the first occurrence, whose bytes are equal by construction:
 *   a re-encode copies them for every occurrence, and `$packed` (how the lists were written) is the
 *   same for all.
 * - A node whose attributes are all shared, in the same order as an earlier node's, gets that node's
 *   `attribute` array (frozen), up to SHARED_ATTRIBUTE_LISTS distinct lists.
 *
 * Nothing may write into a shared attribute or a node's attribute array: an edit gives the node a new
 * array, with new Attribute objects where they change (model.ts). A shared attribute and its lists are
 * frozen and refuse writes; its `s` and `strings` entries are byte arrays, which cannot be frozen,
 * and its tensor `t` is not frozen either (once a decode had frozen tensors and their payload
 * references, every later decode in the process ran ~8% more instructions: the 50,000-node model's
 * second decode 2.24 -> 2.43 G under callgrind): never write into them. The one writer of tensors
 * in place, the numeric check's inlineExternalData, only touches external ones, never shared.
 *
 * The bytes are compared, not decoded, where the wire reader has them (`WireReader.peek`): nothing
 * is read from the source twice.
 */
import type { Collector, Ctx } from './decodeContext';
import { type Attribute, DataLocation, type Tensor } from './model';
import type { WireReader } from './wire/reader';

/** Longer attributes are never shared (nor hashed). */
export const SHARED_ATTRIBUTE_BYTES = 64;
/** At most this many distinct shared attributes per decode. */
export const SHARED_ATTRIBUTES = 4096;
/** At most this many distinct shared attribute lists per decode, of at most SHARED_LIST_LENGTH attributes. */
const SHARED_ATTRIBUTE_LISTS = 4096;
const SHARED_LIST_LENGTH = 16;
/** Hash slots (a power of two, twice SHARED_ATTRIBUTES: probes stay short). */
const SLOTS = 2 * SHARED_ATTRIBUTES;
/** The start of a node's attribute-list hash (see `mix`). */
export const LIST_SEED = 0x811c9dc5 | 0;

/** The hash of an attribute list, `h` so far, extended by the shared attribute `id`. */
export function mix(h: number, id: number): number {
  return Math.imul(h ^ (id + 1), 0x01000193);
}

/**
 * Whether `a` (just decoded) holds no nested message but a plain tensor (`t`): then equal bytes are
 * an equal, independent value.
 */
export function plainAttribute(a: Attribute): boolean {
  return (a.t === undefined || plainTensor(a.t)) && a.g === undefined && a.tp === undefined && a.sparseTensor === undefined &&
    a.tensors.length === 0 && a.graphs.length === 0 && a.typeProtos.length === 0 && a.sparseTensors.length === 0;
}

/**
 * Whether `t` is a value of its own bytes alone: not stored in an external data file (a location the
 * numeric check's inlineExternalData replaces in place), without segment or metadata messages.
 */
function plainTensor(t: Tensor): boolean {
  return t.dataLocation !== DataLocation.EXTERNAL && t.externalData.length === 0 && t.segment === undefined && t.metadataProps.length === 0;
}

export class AttributeTable {
  /** Keeps this class's shape alive between decodes (see WireReader.shapeAnchor). */
  static readonly shapeAnchor = new AttributeTable();
  /** Entry index + 1 per slot (0: empty), open addressing. */
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(SHARED_ATTRIBUTES);
  /** Each shared attribute's bytes (a copy), its message, and the budget weight its decode charged. */
  private readonly bytes: Uint8Array[] = [];
  private readonly attributes: Attribute[] = [];
  private readonly weights: number[] = [];
  private readonly lists = new Map<number, Attribute[]>();
  /** The id of the attribute handed out last (`take`, `add`), -1 when it was not a shared one. */
  last = -1;

  /** Left by `find` for `add`: the hash, the free slot and the span looked up. */
  private pendingHash = 0;
  private pendingSlot = -1;
  private pendingStart = -1;

  /**
   * The id of the shared attribute whose bytes are the source's [start, end), or -1 (then `add` may
   * make the attribute decoded from them a shared one).
   */
  find(r: WireReader, end: number): number {
    this.pendingSlot = -1;
    const start = r.pos;
    const at = r.peek(end);
    if (at < 0) return -1;
    const buf = r.window;
    const len = end - start;
    let h = Math.imul(0x811c9dc5 ^ len, 0x01000193);
    for (let i = at; i < at + len; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slots = this.slots;
    let slot = h & (SLOTS - 1);
    for (;;) {
      const e = slots[slot]! - 1;
      if (e < 0) break;
      if (this.hashes[e] === h) {
        const b = this.bytes[e]!;
        if (b.length === len) {
          let i = 0;
          while (i < len && b[i] === buf[at + i]) i++;
          if (i === len) return e;
        }
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
    if (this.attributes.length < SHARED_ATTRIBUTES) {
      this.pendingHash = h;
      this.pendingSlot = slot;
      this.pendingStart = start;
    }
    return -1;
  }

  /** The shared attribute `id` (from `find`); charges `c` what its decode charged. */
  take(c: Ctx, id: number): Attribute {
    c.charge(this.weights[id]!);
    this.last = id;
    return this.attributes[id]!;
  }

  /**
   * `a`, decoded (without nested messages or unknown fields: the caller checks) from the bytes the
   * last `find` looked up, becomes a shared attribute, frozen with its lists, when the table has room;
   * `weight`: what its decode charged the budget. Sets `last`.
   */
  add(r: WireReader, a: Attribute, weight: number): void {
    const slot = this.pendingSlot;
    this.pendingSlot = -1;
    const start = (a as { $start?: number }).$start;
    const end = (a as { $end?: number }).$end;
    if (slot < 0 || start !== this.pendingStart || end === undefined) {
      this.last = -1;
      return;
    }
    // Its bytes are still in the reader's window unless the window moved on inside the attribute
    // (then it is not shared: rare, and sharing only saves memory).
    const at = start - r.windowStart;
    if (at < 0 || end - r.windowStart > r.window.length) {
      this.last = -1;
      return;
    }
    const id = this.attributes.length;
    this.bytes.push(r.window.slice(at, at + end - start));
    this.hashes[id] = this.pendingHash;
    this.slots[slot] = id + 1;
    Object.freeze(a.floats);
    Object.freeze(a.ints);
    Object.freeze(a.strings);
    if (a.$packed) Object.freeze(a.$packed);
    this.attributes.push(Object.freeze(a));
    this.weights.push(weight);
    this.last = id;
  }

  /**
   * A node's attributes, all shared ones (`list`, whose ids hash to `h`: see `mix`), as one frozen
   * array shared by every node with the same list, like `list.take()` otherwise.
   */
  list(c: Ctx, list: Collector<Attribute>, h: number): Attribute[] {
    const n = list.n;
    if (n > SHARED_LIST_LENGTH) return list.take();
    const known = this.lists.get(h);
    if (known) {
      if (known.length !== n) return list.take();
      const items = list.items;
      for (let i = 0; i < n; i++) if (known[i] !== items[i]) return list.take();
      list.n = 0;
      c.charge(); // as take() would
      return known;
    }
    if (this.lists.size >= SHARED_ATTRIBUTE_LISTS) return list.take();
    const made = Object.freeze(list.take()) as Attribute[];
    this.lists.set(h, made);
    return made;
  }
}
