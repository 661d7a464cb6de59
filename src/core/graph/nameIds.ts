/**
 * Tensor name -> dense integer id (0, 1, 2, ... in the order names were added), for the graph index.
 *
 * A JS Map is quickest for small graphs (V8 keeps each string's hash), but a crafted 10 MB graph
 * can hold 1.6 million distinct names, where Map insertion alone takes most of a second, and a Map
 * grows by doubling, leaving its old tables as garbage. So past TABLE_FROM names, or from the start
 * when the caller says how many names to expect (the graph index does), names go in open addressing
 * over an Int32Array with a seeded FNV-1a hash (about twice as fast at that size, sized once, and
 * its memory holds no pointers but the names). Past `expected` the table doubles, or quadruples
 * while it stays within the size for `most` names (a crafted graph's 1.6 million names nobody
 * defines were rehashed about twice in all when doubling from 16 slots, a quarter of its indexing). Should
 * probing ever get long there (names crafted to collide), it goes back to a Map for good: slower,
 * never quadratic. A caller that learns it is about to add many names (the graph index's names
 * nobody defines, added after its reads when asked for) can `reserve` room for them: the table is
 * then sized once and the names go into an array made at that size, not one grown (and copied)
 * step by step.
 */

/** Names kept in a Map before moving to the table (by default). */
const TABLE_FROM = 1 << 17;
/** Longest probe sequence before giving up on the table for a Map. */
const MAX_PROBES = 64;

export class NameIds {
  /** Keeps this class's shape alive between indexings (see WireReader.shapeAnchor in the ONNX layer). */
  static readonly shapeAnchor = new NameIds({ expected: 0 });
  /**
   * Name of each id (`size` of them). Read it after adding: `reserve` replaces it with a longer
   * array whose unused tail is cut off again by `fit`.
   */
  names: string[] = [];
  private count = 0;
  /** What `prefetch` read, folded (never used otherwise). */
  private prefetched = 0;
  private hashes = new Int32Array(0);
  /** id + 1, or 0 when empty. */
  private slots = new Int32Array(0);
  /** In use until TABLE_FROM names, and for good when probing got long. */
  private map: Map<string, number> | undefined = new Map();
  private gaveUp = false;
  private readonly tableFrom: number;
  private readonly seed: number;
  /** The table's size for `most` names (0: not given); growing quadruples up to it. */
  private readonly mostSlots: number;

  /**
   * `expected`: about how many names will be added; when given, start in the table, sized for that
   * many (it still grows past them), so no Map is built and grown. `most`: at most how many names
   * can be added (the graph index counts name occurrences), so growing may take bigger steps.
   * `tableFrom` and `seed` are for tests.
   */
  constructor(options: { expected?: number; most?: number; tableFrom?: number; seed?: number } = {}) {
    this.tableFrom = options.tableFrom ?? TABLE_FROM;
    this.seed = options.seed ?? (Math.random() * 0x100000000) | 0;
    this.mostSlots = options.most === undefined ? 0 : slotsFor(options.most);
    if (options.expected !== undefined) {
      this.slots = new Int32Array(slotsFor(options.expected));
      this.hashes = new Int32Array(Math.max(8, options.expected));
      this.map = undefined;
    }
  }

  /** Whether names are in the table (false: in a Map). */
  get inTable(): boolean {
    return this.map === undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Slots of the table (0 while in a Map); for tests. */
  get slotCount(): number {
    return this.slots.length;
  }

  /** Seeded FNV-1a over the UTF-16 code units. */
  hash(name: string): number {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The id of `name`, or -1. */
  get(name: string): number {
    return this.map ? (this.map.get(name) ?? -1) : this.find(name, this.hash(name));
  }

  /** The id of `name` whose `hash` is given, or -1. */
  find(name: string, hash: number): number {
    if (this.map) return this.map.get(name) ?? -1;
    const slots = this.slots;
    const mask = slots.length - 1;
    const names = this.names;
    let i = hash & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const e = slots[i]!;
      if (e === 0 || names[e - 1] === name) return e - 1;
      i = (i + 1) & mask;
    }
    return -1; // not within MAX_PROBES: `add` would have switched to the Map
  }

  /** The id of `name`, adding it when new. */
  add(name: string): number {
    return this.map ? this.addToMap(name) : this.insert(name, this.hash(name));
  }

  /** The id of `name` whose `hash` is given, adding it when new. */
  insert(name: string, hash: number): number {
    if (this.map) return this.addToMap(name);
    const slots = this.slots;
    const mask = slots.length - 1;
    const names = this.names;
    const hashes = this.hashes;
    let i = hash & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const e = slots[i]!;
      if (e === 0) {
        const id = this.push(name);
        if (id === this.hashes.length) {
          const grown = new Int32Array(id * 2);
          grown.set(this.hashes);
          this.hashes = grown;
        }
        this.hashes[id] = hash;
        slots[i] = id + 1;
        if (this.count * 2 > slots.length) this.grow();
        return id;
      }
      // Equal hashes first: a different name of the same length would be compared by its characters.
      if (hashes[e - 1] === hash && names[e - 1] === name) return e - 1;
      i = (i + 1) & mask;
    }
    this.toMap();
    return this.addToMap(name);
  }

  /**
   * Room for `more` names past `size`: the table (unless in a Map) and the list of names are made
   * big enough now, so adding that many grows nothing. Call `fit` when done.
   */
  reserve(more: number): void {
    const want = this.count + more;
    if (want > this.names.length) {
      const names = new Array<string>(want);
      for (let id = 0; id < this.count; id++) names[id] = this.names[id]!;
      this.names = names;
    }
    if (this.map) return;
    if (want > this.hashes.length) {
      const grown = new Int32Array(want);
      grown.set(this.hashes.subarray(0, this.count));
      this.hashes = grown;
    }
    if (slotsFor(want) > this.slots.length) this.grow(slotsFor(want));
  }

  /**
   * Read the slots where the names of hashes[from..to) start their probes, and return `to`: called
   * before inserting those names one by one, when they are new and many (a table of megabytes, each
   * slot read a cache miss). These reads do not wait for each other (an insert waits for its own
   * before the next one starts), so the misses overlap, and the inserts find the slots in the cache.
   */
  prefetch(hashes: Int32Array, from: number, to: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let x = 0;
    for (let p = from; p < to; p++) x ^= slots[hashes[p]! & mask]!;
    this.prefetched ^= x; // kept, so that the reads are not left out as unused
    return to;
  }

  /** Cut the list of names to `size` after a `reserve`. */
  fit(): void {
    if (this.names.length > this.count) this.names.length = this.count;
  }

  /** Put `name` in the list of names (in the room `reserve` made when there is some); its id. */
  private push(name: string): number {
    const id = this.count++;
    if (id < this.names.length) this.names[id] = name;
    else this.names.push(name);
    return id;
  }

  private addToMap(name: string): number {
    let id = this.map!.get(name);
    if (id === undefined) {
      id = this.push(name);
      this.map!.set(name, id);
      if (id + 1 === this.tableFrom && !this.gaveUp) this.toTable();
    }
    return id;
  }

  private toTable(): void {
    const count = this.count;
    this.hashes = new Int32Array(count * 2);
    for (let id = 0; id < count; id++) this.hashes[id] = this.hash(this.names[id]!);
    this.slots = new Int32Array(count * 2);
    this.map = undefined;
    this.grow();
  }

  /** A bigger table (`size` slots, or the next step up), every name placed again. */
  private grow(size = this.slots.length * 4 <= this.mostSlots ? this.slots.length * 4 : this.slots.length * 2): void {
    const slots = new Int32Array(size);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let i = this.hashes[id]! & mask;
      let probe = 0;
      while (slots[i] !== 0) {
        if (++probe === MAX_PROBES) return this.toMap();
        i = (i + 1) & mask;
      }
      slots[i] = id + 1;
    }
    this.slots = slots;
  }

  private toMap(): void {
    const map = new Map<string, number>();
    for (let id = 0; id < this.count; id++) map.set(this.names[id]!, id);
    this.map = map;
    this.gaveUp = true;
    this.slots = new Int32Array(0);
    this.hashes = new Int32Array(0);
  }
}

/** Slots of a table for `count` names: a power of two, at least 16, at most half full. */
function slotsFor(count: number): number {
  let slots = 16;
  while (slots < count * 2) slots *= 2;
  return slots;
}
