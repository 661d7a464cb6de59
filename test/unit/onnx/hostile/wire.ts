/**
 * Tiny, independent protobuf wire helpers for building hostile inputs by hand (the codec under test
 * is not used to make its own inputs).
 */

export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint(BigInt(field) * 8n + BigInt(wireType));
}

export function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field: tag, length prefix, payload. */
export function lenField(field: number, payload: Uint8Array | readonly number[]): Uint8Array {
  return concat([tag(field, 2), varint(payload.length), payload]);
}

export function varintField(field: number, v: number | bigint): Uint8Array {
  return concat([tag(field, 0), varint(v)]);
}

export function strField(field: number, s: string): Uint8Array {
  return lenField(field, new TextEncoder().encode(s));
}

/** `ir_version: 8` + the given ModelProto fields. */
export function modelWith(...fields: Uint8Array[]): Uint8Array {
  return concat([varintField(1, 8), ...fields]);
}

/** A length prefix found in a message: where its varint starts and ends, and its value. */
export interface LengthPrefix {
  at: number;
  end: number;
  value: number;
}

function readVarint(b: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const x = b[pos++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return { value: v, next: pos };
    mul *= 128;
  }
  return undefined;
}

/**
 * Every length prefix of every length-delimited field, found by parsing the bytes as a message and
 * recursing into each LEN payload that itself parses cleanly as a message (schema-agnostic: some
 * strings may parse as messages too, which only adds mutation sites).
 */
export function lengthPrefixes(b: Uint8Array): LengthPrefix[] {
  const out: LengthPrefix[] = [];
  const walk = (start: number, end: number, depth: number): boolean => {
    const found: LengthPrefix[] = [];
    const inner: [number, number][] = [];
    let pos = start;
    while (pos < end) {
      const k = readVarint(b, pos, end);
      if (!k || k.value < 8) return false;
      pos = k.next;
      const wt = k.value & 7;
      if (wt === 0) {
        const v = readVarint(b, pos, end);
        if (!v) return false;
        pos = v.next;
      } else if (wt === 1) pos += 8;
      else if (wt === 5) pos += 4;
      else if (wt === 2) {
        const l = readVarint(b, pos, end);
        if (!l || l.next + l.value > end) return false;
        found.push({ at: pos, end: l.next, value: l.value });
        inner.push([l.next, l.next + l.value]);
        pos = l.next + l.value;
      } else return false;
      if (pos > end) return false;
    }
    out.push(...found);
    if (depth < 40) for (const [s, e] of inner) if (e > s) walk(s, e, depth + 1);
    return true;
  };
  walk(0, b.length, 0);
  return out.sort((x, y) => x.at - y.at);
}

/** Replace the varint [p.at, p.end) with the encoding of `value`. */
export function replaceVarint(b: Uint8Array, p: LengthPrefix, value: number | bigint): Uint8Array {
  return concat([b.subarray(0, p.at), varint(value), b.subarray(p.end)]);
}

/** End offset of the last top-level occurrence of field `field` (0 when absent). */
export function topLevelFieldEnd(b: Uint8Array, field: number): number {
  let pos = 0;
  let found = 0;
  while (pos < b.length) {
    const k = readVarint(b, pos, b.length);
    if (!k) break;
    pos = k.next;
    const wt = k.value & 7;
    if (wt === 0) pos = readVarint(b, pos, b.length)?.next ?? b.length;
    else if (wt === 1) pos += 8;
    else if (wt === 5) pos += 4;
    else if (wt === 2) {
      const l = readVarint(b, pos, b.length);
      if (!l) break;
      pos = l.next + l.value;
    } else break;
    if (Math.floor(k.value / 8) === field) found = pos;
  }
  return found;
}
