/**
 * Deterministic weight payloads.
 *
 * A payload is a list of byte chunks (views, never copies where avoidable) so a
 * model with hundreds of megabytes of weights can be serialised, or streamed to
 * disk, without materialising every tensor: the `pooled` and `zeros` modes hand
 * out views into one shared, seeded buffer.
 */
import type { DataTypeName } from './dataTypes';
import { rawByteLength } from './dataTypes';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('modelBuilder assumes a little-endian host (raw_data is little-endian)');
}

/** Raw tensor bytes as an ordered list of chunks. */
export interface Payload {
  readonly byteLength: number;
  readonly chunks: readonly Uint8Array[];
}

/** 32-bit FNV-1a, then a murmur-style finaliser; stable across runs and hosts. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough for test data. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }
  fill(out: Float32Array, lo: number, hi: number): Float32Array {
    const span = (hi - lo) / 4294967296;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.nextU32();
    return out;
  }
}

export function bytesPayload(bytes: Uint8Array): Payload {
  return { byteLength: bytes.byteLength, chunks: bytes.byteLength ? [bytes] : [] };
}

export function typedPayload(arr: ArrayBufferView): Payload {
  return bytesPayload(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
}

export function float32Payload(values: ArrayLike<number>): Payload {
  return typedPayload(values instanceof Float32Array ? values : Float32Array.from(values));
}

export function int64Payload(values: ArrayLike<number>): Payload {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return typedPayload(out);
}

/** Concatenate a payload into one buffer (copies unless it already is one chunk). */
export function payloadBytes(p: Payload): Uint8Array {
  if (p.chunks.length === 1) return p.chunks[0]!;
  const out = new Uint8Array(p.byteLength);
  let at = 0;
  for (const c of p.chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Integer payload for quantized element types: INT8/UINT8/FP8 one byte per
 * element (FP8 0.0 is byte 0, so integer zero points encode as-is for value 0),
 * INT4/UINT4 packed two per byte, low nibble first, as ONNX stores them.
 */
export function quantPayload(dtype: DataTypeName, values: ArrayLike<number>): Payload {
  const n = values.length;
  const out = new Uint8Array(rawByteLength(dtype, n));
  if (dtype === 'INT4' || dtype === 'UINT4') {
    for (let i = 0; i < n; i++) {
      const nib = values[i]! & 0x0f;
      out[i >> 1]! |= i & 1 ? nib << 4 : nib;
    }
  } else if (dtype === 'INT8' || dtype === 'UINT8') {
    for (let i = 0; i < n; i++) out[i] = values[i]! & 0xff;
  } else if (dtype.startsWith('FLOAT8')) {
    for (let i = 0; i < n; i++) {
      if (values[i] !== 0) throw new Error('non-zero FP8 zero points are not supported by the builder');
    }
  } else if (dtype === 'INT32') {
    return typedPayload(Int32Array.from(values));
  } else {
    throw new Error(`quantPayload: unsupported type ${dtype}`);
  }
  return bytesPayload(out);
}

export type WeightFill = 'prng' | 'pooled' | 'zeros';

const POOL_BYTES = 1 << 20;

/**
 * Hands out float32 weight payloads.
 * - `prng`: each tensor gets its own values from a PRNG seeded by (seed, name).
 * - `pooled`: views into one seeded 1 MiB buffer, starting at a name-dependent
 *   offset and wrapping around; no per-element work per tensor.
 * - `zeros`: views into one shared zero buffer.
 */
export class WeightSource {
  private pool: Uint8Array | undefined;
  private zeros: Uint8Array | undefined;
  constructor(readonly mode: WeightFill, readonly seed: number) {}

  floats(name: string, count: number, bound: number): Payload {
    const byteLength = count * 4;
    if (this.mode === 'prng') {
      const arr = new Float32Array(count);
      new Prng(hash32(name, this.seed)).fill(arr, -bound, bound);
      return typedPayload(arr);
    }
    const src = this.mode === 'zeros' ? this.zeroBuffer() : this.poolBuffer();
    const start = this.mode === 'zeros' ? 0 : (hash32(name, this.seed) % (src.byteLength / 4)) * 4;
    return wrapViews(src, start, byteLength);
  }

  /**
   * Magnitude bound of the values handed out, for deriving weight scales:
   * `bound` for prng (and for zeros, so scales stay non-zero), 1 for pooled.
   */
  effectiveBound(bound: number): number {
    return this.mode === 'pooled' ? 1 : bound;
  }

  private poolBuffer(): Uint8Array {
    if (!this.pool) {
      const f = new Float32Array(POOL_BYTES / 4);
      new Prng(hash32('weight-pool', this.seed)).fill(f, -1, 1);
      this.pool = new Uint8Array(f.buffer);
    }
    return this.pool;
  }

  private zeroBuffer(): Uint8Array {
    return (this.zeros ??= new Uint8Array(POOL_BYTES));
  }
}

function wrapViews(src: Uint8Array, start: number, byteLength: number): Payload {
  const chunks: Uint8Array[] = [];
  let left = byteLength;
  let at = start;
  while (left > 0) {
    const take = Math.min(left, src.byteLength - at);
    chunks.push(src.subarray(at, at + take));
    left -= take;
    at = 0;
  }
  return { byteLength, chunks };
}
