/**
 * Protobuf wire-format writer producing a list of chunks: new bytes, or ranges of the source to copy.
 * Copy ranges keep untouched messages and payloads verbatim without loading them.
 */
import type { Int64 } from '../model';

/** A piece of output: bytes, or `[offset, offset + length)` of the source. */
export type Chunk = Uint8Array | { readonly offset: number; readonly length: number };

const encoder = new TextEncoder();

const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` has no lone surrogate: every string made from valid UTF-8 (see decodeUtf8 in reader.ts). */
export function isWellFormed(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

/**
 * The UTF-8 bytes of a string field. A string read from bytes that were not valid UTF-8 holds each
 * invalid byte b as the lone surrogate U+DC00 + b (`surrogateescape`, see decodeUtf8): that byte is
 * written back, so a decoded string encodes to the bytes it was read from. Every other string encodes
 * exactly as TextEncoder does (another lone surrogate as U+FFFD).
 */
export function encodeUtf8(s: string): Uint8Array {
  return isWellFormed(s) ? encoder.encode(s) : encodeEscaped(s);
}

function encodeEscaped(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out[n++] = c - 0xdc00; // an escaped byte
    else if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // any other lone surrogate, as TextEncoder writes it
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

export class WireWriter {
  readonly chunks: Chunk[] = [];
  private buf = new Uint8Array(256);
  private n = 0;
  /** Bytes already moved into `chunks`. */
  private flushed = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** Total bytes written so far. */
  get size(): number {
    return this.flushed + this.n;
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  private flush(): void {
    if (this.n === 0) return;
    this.chunks.push(this.buf.slice(0, this.n));
    this.flushed += this.n;
    this.n = 0;
  }

  /** Unsigned varint of a non-negative safe integer. */
  uvarint(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }

  tag(field: number, wireType: number): void {
    this.uvarint(field * 8 + wireType);
  }

  /** int64 / int32 / enum as a varint (negative values take 10 bytes, two's complement). */
  int64(v: Int64): void {
    if (typeof v === 'number' && v >= 0) {
      this.uvarint(v);
      return;
    }
    let b = BigInt.asUintN(64, BigInt(v));
    this.room(10);
    while (b >= 0x80n) {
      this.buf[this.n++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    this.buf[this.n++] = Number(b);
  }

  float32(v: number): void {
    this.scratch.setFloat32(0, v, true);
    this.room(4);
    for (let i = 0; i < 4; i++) this.buf[this.n++] = this.scratch.getUint8(i);
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length > 4096) {
      this.flush();
      this.chunks.push(bytes);
      this.flushed += bytes.length;
    } else {
      this.room(bytes.length);
      this.buf.set(bytes, this.n);
      this.n += bytes.length;
    }
  }

  /** A length-delimited bytes value (length + bytes). */
  lenBytes(bytes: Uint8Array): void {
    this.uvarint(bytes.length);
    this.raw(bytes);
  }

  /** A string field (length + UTF-8; escaped invalid bytes written back as they were read: encodeUtf8). */
  string(s: string): void {
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        this.lenBytes(encodeUtf8(s));
        return;
      }
    }
    this.uvarint(s.length);
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
  }

  /** Copy `[offset, offset+length)` of the source. Adjacent copies are merged. */
  copy(offset: number, length: number): void {
    if (length === 0) return;
    this.flush();
    const last = this.chunks[this.chunks.length - 1];
    if (last && !(last instanceof Uint8Array) && last.offset + last.length === offset) {
      this.chunks[this.chunks.length - 1] = { offset: last.offset, length: last.length + length };
    } else this.chunks.push({ offset, length });
    this.flushed += length;
  }

  /** Append everything another writer produced. */
  append(other: WireWriter): void {
    this.flush();
    for (const c of other.finish()) {
      if (c instanceof Uint8Array) {
        this.chunks.push(c);
        this.flushed += c.length;
      } else this.copy(c.offset, c.length);
    }
  }

  /** Flush and return the chunk list. */
  finish(): Chunk[] {
    this.flush();
    return this.chunks;
  }
}
