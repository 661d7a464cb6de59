/**
 * Scalar, repeated and payload fields, and the two small messages every level uses
 * (StringStringEntryProto, OperatorSetIdProto): the building blocks of the message decoders.
 */
import { DOperatorSetId, DStringStringEntry, SourceData } from './decodedMessages';
import type { DataRef, Int64, MessageBase, OperatorSetId, StringStringEntry } from './model';
import type { Collector, Ctx } from './decodeContext';
import { type WireReader, WireType } from './wire/reader';

export function expectWire(r: WireReader, key: number, wt: number, field: string): void {
  if ((key & 7) !== wt) {
    throw r.error(`field '${field}' has wire type ${key & 7}, expected ${wt}`);
  }
}

export function str(c: Ctx, key: number, end: number, field: string): string {
  c.field = field;
  expectWire(c.r, key, WireType.LEN, field);
  const s = c.r.string(end);
  if (s !== '') c.charge();
  return s;
}

/** A string field that may start `whole` (see WireReader.stringFrom): then a slice of it. */
export function strFrom(c: Ctx, key: number, end: number, field: string, whole: string): string {
  c.field = field;
  expectWire(c.r, key, WireType.LEN, field);
  const s = c.r.stringFrom(whole, end);
  if (s !== '') c.charge();
  return s;
}

export function i64(c: Ctx, key: number, end: number, field: string): Int64 {
  c.field = field;
  expectWire(c.r, key, WireType.VARINT, field);
  return c.r.int64(end);
}

export function i32(c: Ctx, key: number, end: number, field: string): number {
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

/** A packed list of this many bytes or more is counted first and its array made at its size (Collector.reserve). */
const RESERVE_BYTES = 4096;

/**
 * Repeated int64, accepting both packed and unpacked encodings. `room` (for a tensor's `dims`): how
 * many more values the field may have under MAX_RANK; more is a DecoderLimitError (Ctx.rankError) at the entry that
 * goes past it, and a packed run whose length alone proves it (over 10 bytes per value still
 * allowed) is refused before any of its values is read.
 */
export function repeatedInt64(c: Ctx, key: number, end: number, field: string, out: Collector<Int64>, m: MessageBase, room = Infinity): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  const at = r.pos;
  if (wt === WireType.VARINT) {
    if (out.n >= room) throw c.rankError(at, field);
    out.add(r.int64(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    const bytes = stop - r.pos;
    // At most 10 bytes per value: a run longer than that for its room is refused unread.
    if (bytes > 10 * (room - out.n)) throw c.rankError(at, field);
    const count = room !== Infinity || bytes >= RESERVE_BYTES ? r.varintsIn(stop) : 0;
    if (out.n + count > room) throw c.rankError(at, field);
    if (bytes >= RESERVE_BYTES) out.reserve(count);
    while (r.pos < stop) out.add(r.int64(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 0 or 2`);
}

/** Repeated float (fixed32), packed or unpacked. */
export function repeatedFloat(c: Ctx, key: number, end: number, field: string, out: Collector<number>, m: MessageBase): void {
  const r = c.r;
  const wt = key & 7;
  c.field = field;
  if (wt === WireType.I32) {
    out.add(r.float32(end));
  } else if (wt === WireType.LEN) {
    notePacked(m, key);
    const stop = r.lengthDelimited(end);
    if ((stop - r.pos) % 4 !== 0) throw r.error(`packed '${field}' length is not a multiple of 4`);
    if (stop - r.pos >= RESERVE_BYTES) out.reserve((stop - r.pos) / 4);
    while (r.pos < stop) out.add(r.float32(stop));
  } else throw r.error(`field '${field}' has wire type ${wt}, expected 5 or 2`);
}

/** Record a payload field as a reference into the source, extending an existing one in place. */
export function dataRef(c: Ctx, key: number, tagStart: number, end: number, field: string, prev: DataRef | undefined): DataRef {
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

export function stringEntry(c: Ctx, end: number): StringStringEntry {
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

export function operatorSetId(c: Ctx, end: number): OperatorSetId {
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
