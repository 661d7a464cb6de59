/**
 * Protobuf wire-format reader over a random-access ByteSource. Knows nothing of ONNX.
 *
 * It keeps a window of the source in memory and refills it on demand, so skipping a length-
 * delimited field (a weight payload) costs nothing but a cursor move. Every read is bounds-checked
 * against the end of the enclosing message (`end`), and every failure is an OnnxFormatError that
 * names the file, the byte offset and the field path.
 */
import type { ByteSource } from '../byteSource';
import { MemorySource } from '../byteSource';
import { DecoderLimitError, OnnxFormatError } from '../errors';
import type { Int64, Span } from '../model';

export const enum WireType {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  SGROUP = 3,
  EGROUP = 4,
  I32 = 5,
}

/**
 * How deep messages (and proto2 groups) may nest: protobuf's default recursion limit, so that every
 * model protobuf reads (onnx, onnxruntime) is read here too. Decoding and encoding recurse once per
 * level, a few frames each: far from the JS stack's limit.
 */
export const MAX_DEPTH = 100;

const WINDOW = 64 * 1024;
const SMALL_WINDOW = 4 * 1024;
const TWO32 = 4294967296;

/** The value of every empty bytes field (frozen: it has no elements to change). */
const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;
/** Bytes fields up to this long are copied byte by byte into a shared chunk (see WireReader.bytes). */
const SHORT_COPY = 64;
/** Size of the chunks short bytes fields are copied into. */
const BYTES_CHUNK = 16 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A string field's bytes as a string, losslessly. ONNX is proto2: its string fields are not checked
 * for UTF-8 (onnx and onnxruntime take any bytes), so two names that differ only in invalid bytes are
 * two names, and a message re-encoded after an edit must give back the bytes it was read from. Valid
 * UTF-8 decodes as usual; a byte of an invalid sequence becomes the lone surrogate U+DC00 + byte, as
 * Python's `surrogateescape` does (PEP 383), and WireWriter.string writes it back as that byte.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const s = utf8.decode(bytes);
  // U+FFFD in the result: an invalid sequence replaced, or the bytes hold U+FFFD itself (EF BF BD).
  return s.indexOf('\uFFFD') < 0 ? s : decodeEscaped(bytes);
}

const isCont = (b: number): boolean => (b & 0xc0) === 0x80;

/** UTF-8 with `surrogateescape` (valid sequences by the Unicode rules: no overlongs, surrogates or code points past U+10FFFF). */
function decodeEscaped(b: Uint8Array): string {
  const n = b.length;
  const codes: number[] = [];
  let out = '';
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 < n && isCont(b[i + 1]!)) {
        cp = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
        len = 2;
      }
    } else if (c >= 0xe0 && c <= 0xef) {
      const b1 = i + 1 < n ? b[i + 1]! : 0;
      if (b1 >= (c === 0xe0 ? 0xa0 : 0x80) && b1 <= (c === 0xed ? 0x9f : 0xbf) && i + 2 < n && isCont(b[i + 2]!)) {
        cp = ((c & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b[i + 2]! & 0x3f);
        len = 3;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      const b1 = i + 1 < n ? b[i + 1]! : 0;
      if (b1 >= (c === 0xf0 ? 0x90 : 0x80) && b1 <= (c === 0xf4 ? 0x8f : 0xbf) && i + 3 < n && isCont(b[i + 2]!) && isCont(b[i + 3]!)) {
        cp = ((c & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
        len = 4;
      }
    }
    // Each byte of an invalid sequence on its own: the bytes after a bad lead are continuation bytes,
    // which are invalid by themselves, so this escapes the same bytes as Python's maximal subparts.
    if (cp < 0) codes.push(0xdc00 + c);
    else if (cp > 0xffff) codes.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else codes.push(cp);
    i += len;
    if (codes.length >= 4096) {
      out += String.fromCharCode.apply(null, codes);
      codes.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, codes);
}

/** ASCII strings up to this many bytes (names, op types, domains) are interned; longer ones are not. */
const INTERN_MAX_BYTES = 256;
/** Interning is an optimisation only: give up on a string after this many probes... */
const INTERN_MAX_PROBES = 8;
/** ...stop adding strings after this many distinct ones... */
const INTERN_MAX_ENTRIES = 1 << 20;
/** ...and stop interning after this many equal hashes of different strings (a crafted file)... */
const INTERN_MAX_COLLISIONS = 4096;
/** ...or when fewer than 1 in 8 of the strings in a window of this many were found (all distinct). */
const INTERN_WINDOW = 1 << 16;

/**
 * V8 makes a substring of at least this many characters a slice (a reference into its parent) rather
 * than a copy; shorter ones would be copied anyway (`WireReader.stringFrom`).
 */
const SLICE_MIN_CHARS = 13;

/** Plain arrays of each length up to INTERN_MAX_BYTES, reused to make strings (faster than a subarray). */
const charCodes: number[][] = [];

/** A string from one-byte (ASCII) characters, `len` <= INTERN_MAX_BYTES. */
function latin1(buf: Uint8Array, at: number, len: number): string {
  const codes = (charCodes[len] ??= new Array<number>(len).fill(0));
  for (let i = 0; i < len; i++) codes[i] = buf[at + i]!;
  return String.fromCharCode.apply(null, codes);
}

/**
 * Strings already made while decoding, found by their bytes without making a new string: a model
 * names each tensor once as an output and again in every input that reads it, and repeats op types,
 * domains and attribute names thousands of times. One string per distinct name saves memory and
 * makes later Map lookups cheap (equal names are the same string). Every operation is bounded
 * (probes, entries, hash collisions), so a crafted file only turns interning off; so does a file
 * whose strings are nearly all distinct, where interning would cost time for nothing.
 */
class StringTable {
  /** Keeps this class's shape alive between decodes (see WireReader.shapeAnchor). */
  static readonly shapeAnchor = new StringTable();
  /** False once interning was turned off. */
  on = true;
  /** Open addressing: entry index + 1, 0 when empty. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(512);
  private strings: string[] = [];
  private count = 0;
  private collisions = 0;
  private lookups = 0;
  private found = 0;

  get(buf: Uint8Array, at: number, len: number, hash: number): string {
    if (++this.lookups === INTERN_WINDOW) {
      if (this.found * 8 < INTERN_WINDOW || this.collisions > INTERN_MAX_COLLISIONS) this.on = false;
      this.lookups = this.found = 0;
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = hash & mask;
    for (let probe = 0; probe < INTERN_MAX_PROBES; probe++) {
      const e = slots[i]!;
      if (e === 0) {
        const s = latin1(buf, at, len);
        if (this.count < INTERN_MAX_ENTRIES) this.add(i, s, hash);
        return s;
      }
      if (this.hashes[e - 1] === hash) {
        const s = this.strings[e - 1]!;
        if (s.length === len && sameChars(s, buf, at, len)) {
          this.found++;
          return s;
        }
        if (++this.collisions > INTERN_MAX_COLLISIONS) this.on = false;
      }
      i = (i + 1) & mask;
    }
    return latin1(buf, at, len);
  }

  private add(slot: number, s: string, hash: number): void {
    const idx = this.count++;
    if (idx === this.hashes.length) {
      const h = new Int32Array(idx * 2);
      h.set(this.hashes);
      this.hashes = h;
    }
    this.hashes[idx] = hash;
    this.strings.push(s);
    this.slots[slot] = idx + 1;
    if (this.count * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let i = this.hashes[idx]! & mask;
      for (let probe = 0; probe < INTERN_MAX_PROBES; probe++) {
        if (slots[i] === 0) {
          slots[i] = idx + 1;
          break;
        }
        i = (i + 1) & mask;
      }
      // Not placed within the probe limit: that string is simply not found again (no harm).
    }
    this.slots = slots;
  }
}

function sameChars(s: string, buf: Uint8Array, at: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) !== buf[at + i]) return false;
  return true;
}

export class WireReader {
  /**
   * One idle instance of each per-decode class lives as long as the process (this one, and the
   * `shapeAnchor` of StringTable and of decodeContext.ts's Ctx and Collector). V8 gives class instances
   * their shape through a chain of hidden-class transitions that the heap holds weakly: once all
   * readers of a decode were garbage, a full GC dropped the chain and, with it, all optimized code
   * that referred to it, so the next decode after any full GC ran mostly unoptimized (a 28 MB
   * model: ~35 ms instead of ~5). A live instance keeps the shapes, and the optimized code.
   */
  static readonly shapeAnchor: WireReader = new WireReader(new MemorySource(new Uint8Array(0), ''), '');
  /** Absolute position of the cursor. */
  pos = 0;
  /** Current nesting depth of length-delimited messages (guarded by maxDepth). */
  depth = 0;
  private buf: Uint8Array;
  private bufStart = 0;
  private readonly memory: boolean;
  private view: DataView | undefined;

  /**
   * The source is a whole file read from its start (not a payload or a span of one): a value cut
   * short at the outermost level then means the file looks truncated, and errors say so.
   */
  wholeFile = false;
  /** Supplies the current field path for error messages (built only when an error happens). */
  describePath: (() => string) | undefined;
  /** Reusable window storage for sources that can read into a caller's buffer. */
  private store: Uint8Array | undefined;
  private lastFillEnd = -1;
  private strings: StringTable | undefined;
  /** The key `tag` read last: skip() of a group checks its end-group tag against that field. */
  private lastKey = 0;
  /** The chunk short bytes fields are copied into (see bytes), and how much of it is used. */
  private chunk: Uint8Array | undefined;
  private chunkUsed = 0;

  constructor(
    readonly source: ByteSource,
    readonly file: string,
    readonly maxDepth = MAX_DEPTH,
  ) {
    if (source instanceof MemorySource) {
      this.buf = source.bytes;
      this.memory = true;
    } else {
      this.buf = new Uint8Array(0);
      this.memory = false;
    }
  }

  get size(): number {
    return this.source.size;
  }

  error(problem: string, path?: string, offset = this.pos): OnnxFormatError {
    return new OnnxFormatError(this.file, offset, path ?? this.describePath?.() ?? '', problem);
  }

  /** Make bytes [pos, pos + n) available in the window (as far as the source has them). */
  private ensure(n: number): void {
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && (rel + n <= this.buf.length || (rel <= this.buf.length && this.bufStart + this.buf.length >= this.source.size))) return;
    if (this.memory) return; // whole source is the window; bounds are checked by callers
    // After a jump (a skipped payload) read a small window: usually only the next message header
    // is needed. Sequential refills use the full window.
    const want = Math.max(n, this.pos === this.lastFillEnd ? WINDOW : SMALL_WINDOW);
    if (this.source.readInto && want <= WINDOW) {
      this.store ??= new Uint8Array(WINDOW);
      const got = this.source.readInto(this.pos, this.store, want);
      this.buf = this.store.subarray(0, got);
    } else {
      this.buf = this.source.read(this.pos, want);
    }
    this.bufStart = this.pos;
    this.lastFillEnd = this.pos + this.buf.length;
    this.view = undefined;
  }

  /**
   * Where bytes [pos, stop) are in `window`, loaded as reading them would load them, without moving
   * the cursor; -1 when the source ends before `stop`. For looking at a small message's bytes before
   * decoding it (the shared attributes, attributeTable.ts), so nothing reads them from the source twice.
   */
  peek(stop: number): number {
    const len = stop - this.pos;
    this.ensure(len);
    const rel = this.pos - this.bufStart;
    return rel + len <= this.buf.length ? rel : -1;
  }

  /** The bytes in the window (`peek` positions point into it); they stay valid until the next read. */
  get window(): Uint8Array {
    return this.buf;
  }

  /** Where in the source the window starts. */
  get windowStart(): number {
    return this.bufStart;
  }

  /**
   * How many varints end in [pos, stop) (its bytes below 0x80), without moving the cursor: a packed
   * list's length before it is read. Loads the range into the window, as the list's reading would.
   */
  varintsIn(stop: number): number {
    const len = stop - this.pos;
    if (len <= 0) return 0;
    this.ensure(len);
    const rel = this.pos - this.bufStart;
    const buf = this.buf;
    const last = Math.min(rel + len, buf.length);
    let n = 0;
    for (let i = rel; i < last; i++) if (buf[i]! < 0x80) n++;
    return n;
  }

  /** Read one byte; `end` is the limit of the enclosing message. */
  private byte(end: number, path?: string): number {
    if (this.pos >= end) {
      throw this.error(this.atFileEnd(end) ? `the file ends in the middle of a varint at byte ${end}: it looks truncated` : 'unexpected end of message while reading a varint', path);
    }
    this.ensure(1);
    const rel = this.pos - this.bufStart;
    if (rel >= this.buf.length) throw this.error('unexpected end of file while reading a varint', path);
    this.pos++;
    return this.buf[rel]!;
  }

  /** Unsigned varint as a number; fails above 2^53 (used for tags and lengths). */
  uvarint(end: number, path?: string): number {
    // Fast path: one or two bytes already in the window and inside the message (most tags and lengths).
    const rel = this.pos - this.bufStart;
    const buf = this.buf;
    if (rel >= 0 && rel + 1 < buf.length && this.pos + 1 < end) {
      const b0 = buf[rel]!;
      if (b0 < 0x80) {
        this.pos++;
        return b0;
      }
      const b1 = buf[rel + 1]!;
      if (b1 < 0x80) {
        this.pos += 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
    }
    return this.uvarintSlow(end, path);
  }

  private uvarintSlow(end: number, path?: string): number {
    this.ensure(10);
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte(end, path);
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw this.error('varint too long for a length or tag', path);
  }

  /** A field key. Returns `field << 3 | wireType` packed as (field * 8 + wt). */
  tag(end: number, path?: string): number {
    const start = this.pos;
    const key = this.uvarint(end, path);
    if (key < 8 || key > 4294967295) throw this.error(`invalid field number ${Math.floor(key / 8)}`, path, start);
    this.lastKey = key;
    return key;
  }

  /** Full 64-bit varint as Int64 (two's complement for negatives). */
  int64(end: number, path?: string): Int64 {
    this.ensure(10);
    let lo = 0;
    let hi = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.byte(end, path);
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    b = this.byte(end, path);
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let done = false;
      for (let shift = 3; shift < 32; shift += 7) {
        b = this.byte(end, path);
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) {
          done = true;
          break;
        }
      }
      if (!done) throw this.error('varint longer than 10 bytes', path);
    }
    return combine64(lo >>> 0, hi | 0);
  }

  /** int32 / enum: a varint truncated to 32 bits, signed. */
  int32(end: number, path?: string): number {
    const v = this.int64(end, path);
    return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v | 0;
  }

  float32(end: number, path?: string): number {
    if (this.pos + 4 > end) throw this.error('fixed32 value runs past the end of its message', path);
    this.ensure(4);
    const rel = this.pos - this.bufStart;
    if (rel + 4 > this.buf.length) throw this.error('unexpected end of file in a fixed32 value', path);
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.view.getFloat32(rel, true);
    this.pos += 4;
    return v;
  }

  /**
   * Read a length prefix and check the payload fits inside `end` (and the file). Returns the
   * payload's end. No allocation depends on the length read.
   */
  lengthDelimited(end: number, path?: string): number {
    const at = this.pos;
    const len = this.uvarint(end, path);
    const left = end - this.pos;
    if (len > left) {
      let problem = `length ${len} runs past the end of the enclosing message (${left} bytes left)`;
      if (this.atFileEnd(end)) {
        // A top-level field longer than the rest of the file: most likely a cut download or copy
        // (protobuf messages stay under 2 GB, so a longer length is garbage, not a cut).
        problem = len < 2 ** 31
          ? `length ${len} runs past the end of the file: it looks truncated (the file ends at byte ${end}; this field needs ${len - left} more bytes)`
          : `length ${len} runs past the end of the file (${left} bytes left)`;
      }
      throw this.error(problem, path, at);
    }
    return this.pos + len;
  }

  /**
   * Whether `end`, the end of the message being read, is the end of a whole file (`wholeFile`), at
   * the outermost level.
   */
  private atFileEnd(end: number): boolean {
    return this.wholeFile && this.depth === 0 && end >= this.source.size;
  }

  /** Makes bytes [pos, pos+len) available and steps over them; returns where they start in `buf`. */
  private take(len: number, path?: string): number {
    this.ensure(len);
    const rel = this.pos - this.bufStart;
    if (rel + len > this.buf.length) throw this.error('unexpected end of file', path);
    this.pos += len;
    return rel;
  }

  /**
   * A string field (wire type already checked by the caller). Short ASCII strings are interned; bytes
   * that are not valid UTF-8 are kept as escapes (decodeUtf8).
   */
  string(end: number, path?: string): string {
    const stop = this.lengthDelimited(end, path);
    const len = stop - this.pos;
    if (len === 0) return '';
    return this.stringAt(this.take(len, path), len);
  }

  /**
   * A string field that is often the start of `whole`, a string already made (a node's name and its
   * first output: torch.onnx names them `/model.0/conv/Conv` and `/model.0/conv/Conv_output_0`).
   * When its bytes are ASCII and the first characters of `whole`, it is `whole.slice`: V8 makes a
   * slice of 13 characters or more a reference into `whole` (32 bytes) rather than a copy (16 bytes
   * plus one per character), and no interning is tried for it. Otherwise the same as `string`.
   */
  stringFrom(whole: string, end: number, path?: string): string {
    const stop = this.lengthDelimited(end, path);
    const len = stop - this.pos;
    if (len === 0) return '';
    const rel = this.take(len, path);
    if (len >= SLICE_MIN_CHARS && len <= whole.length) {
      const buf = this.buf;
      let i = 0;
      while (i < len && buf[rel + i] === whole.charCodeAt(i) && buf[rel + i]! < 0x80) i++;
      if (i === len) return whole.slice(0, len);
    }
    return this.stringAt(rel, len);
  }

  /** The string of the `len` (> 0) bytes at `rel` in `buf`. */
  private stringAt(rel: number, len: number): string {
    const buf = this.buf;
    if (len <= INTERN_MAX_BYTES) {
      const table = (this.strings ??= new StringTable());
      let high = 0;
      if (table.on) {
        // The hash (FNV-1a in two lanes, even and odd bytes, so that the multiplications of one
        // lane do not wait for the other's), and whether the bytes are all ASCII, in one pass.
        let h0 = 0x811c9dc5 | 0;
        let h1 = len;
        const pairs = rel + (len & ~1);
        let i = rel;
        for (; i < pairs; i += 2) {
          const b0 = buf[i]!;
          const b1 = buf[i + 1]!;
          high |= b0 | b1;
          h0 = Math.imul(h0 ^ b0, 0x01000193);
          h1 = Math.imul(h1 ^ b1, 0x01000193);
        }
        if (i < rel + len) {
          const b = buf[i]!;
          high |= b;
          h0 = Math.imul(h0 ^ b, 0x01000193);
        }
        if (high < 0x80) return table.get(buf, rel, len, Math.imul(h0 ^ (h1 >>> 15), 0x01000193) ^ h1);
      } else {
        for (let i = rel; i < rel + len; i++) high |= buf[i]!;
        if (high < 0x80) return latin1(buf, rel, len);
      }
      return decodeUtf8(buf.subarray(rel, rel + len));
    }
    const bytes = buf.subarray(rel, rel + len);
    if (len < 512) {
      let ascii = true;
      for (let i = 0; i < len; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    return decodeUtf8(bytes);
  }

  /** Forget the strings made so far (after a failure, so an error's stack trace does not keep them). */
  dropStrings(): void {
    this.strings = undefined;
  }

  /**
   * A bytes field, copied (only used for small fields such as AttributeProto.s); all empty ones share
   * one array. A value of up to SHORT_COPY bytes is a view into a chunk that later short values share
   * (its `buffer` is that chunk): a STRINGS attribute can hold millions, and a view alone is half the
   * heap of an array with a buffer of its own (~100 instead of ~220 bytes), and a third less time to
   * make and collect. Nothing writes into decoded bytes (see model.ts), so sharing a chunk is safe.
   */
  bytes(end: number, path?: string): Uint8Array {
    const stop = this.lengthDelimited(end, path);
    if (stop === this.pos) return NO_BYTES;
    const len = stop - this.pos;
    const rel = this.take(len, path);
    const buf = this.buf;
    if (len > SHORT_COPY) {
      const out = new Uint8Array(len); // a copy, even when the buffer is a Node Buffer (whose slice is a view)
      out.set(buf.subarray(rel, rel + len));
      return out;
    }
    let chunk = this.chunk;
    let at = this.chunkUsed;
    if (!chunk || at + len > chunk.length) {
      chunk = this.chunk = new Uint8Array(BYTES_CHUNK);
      at = 0;
    }
    this.chunkUsed = at + len;
    // By hand: a view to copy from would be a second typed array each.
    for (let i = 0; i < len; i++) chunk[at + i] = buf[rel + i]!;
    return new Uint8Array(chunk.buffer, at, len);
  }

  /** Skip a length-delimited payload without reading it; returns its value span. */
  skipLength(end: number, path?: string): Span {
    const stop = this.lengthDelimited(end, path);
    const start = this.pos;
    this.pos = stop;
    return { start, end: stop };
  }

  /** Skip any field value of the given wire type, right after `tag` read its key (used for unknown fields). */
  skip(wireType: number, end: number, path?: string): void {
    switch (wireType) {
      case WireType.VARINT:
        this.int64(end, path);
        return;
      case WireType.I64:
        if (this.pos + 8 > end) throw this.error('fixed64 value runs past the end of its message', path);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.skipLength(end, path);
        return;
      case WireType.I32:
        if (this.pos + 4 > end) throw this.error('fixed32 value runs past the end of its message', path);
        this.pos += 4;
        return;
      case WireType.SGROUP:
        this.skipGroup(Math.floor(this.lastKey / 8), end, path);
        return;
      default:
        throw this.error(`invalid wire type ${wireType}`, path);
    }
  }

  private skipGroup(field: number, end: number, path?: string): void {
    // Deprecated proto2 groups: skip nested fields until the end-group tag of the same field, as
    // protobuf requires (another field's end-group tag: the wire format is corrupt).
    const open = [field];
    while (open.length > 0) {
      if (this.pos >= end) throw this.error('unterminated group', path);
      const at = this.pos;
      const key = this.tag(end, path);
      const wt = key & 7;
      if (wt === WireType.SGROUP) {
        open.push(Math.floor(key / 8));
        // Groups count towards the nesting limit as messages do in protobuf.
        if (open.length + this.depth > this.maxDepth) throw this.tooDeep(path);
      } else if (wt === WireType.EGROUP) {
        const started = open.pop()!;
        if (Math.floor(key / 8) !== started) {
          throw this.error(`the group of field ${started} is ended by the end-group tag of field ${Math.floor(key / 8)} (corrupt wire format)`, path, at);
        }
      } else this.skip(wt, end, path);
    }
  }

  /** Enter a nested message (depth guard). */
  enter(path?: string): void {
    if (++this.depth > this.maxDepth) throw this.tooDeep(path);
  }

  private tooDeep(path?: string): DecoderLimitError {
    const limit = this.maxDepth === MAX_DEPTH ? "the limit of this decoder (protobuf's default)" : 'the limit set for this decode';
    return new DecoderLimitError(this.file, this.pos, path ?? this.describePath?.() ?? '', `nested deeper than ${this.maxDepth} messages, ${limit}`);
  }

  leave(): void {
    this.depth--;
  }
}

/** Combine two 32-bit halves (lo unsigned, hi signed) into an Int64. */
export function combine64(lo: number, hi: number): Int64 {
  const v = hi * TWO32 + lo;
  if (Number.isSafeInteger(v)) return v;
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));
}

/** One top-level entry of a message: field number, wire type, and the span of tag+value. */
export interface WireEntry {
  field: number;
  wireType: number;
  start: number;
  end: number;
}

/** List the entries of the message whose content is `span` (used to re-encode an edited message in its original order). */
export function scanEntries(source: ByteSource, span: Span, file: string): WireEntry[] {
  const r = new WireReader(source, file);
  r.pos = span.start;
  const out: WireEntry[] = [];
  while (r.pos < span.end) {
    const start = r.pos;
    const key = r.tag(span.end, '');
    const wireType = key & 7;
    r.skip(wireType, span.end, '');
    out.push({ field: Math.floor(key / 8), wireType, start, end: r.pos });
  }
  return out;
}
