/**
 * Random-access byte sources. The decoder reads through this interface so that opening a model
 * never loads its weight payloads: a file-backed source does positional reads of only the bytes
 * the decoder asks for.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A display name for messages (usually the file path). */
  readonly name: string;
  /**
   * Bytes `[offset, offset + length)`, clipped to the end of the source. The returned array may be
   * a view that is only valid until the next call; copy it to keep it.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * Optional: read up to `length` bytes at `offset` into `target` (from index 0), returning the
   * count. Lets the decoder reuse one window buffer instead of allocating per read.
   */
  readInto?(offset: number, target: Uint8Array, length: number): number;
  /**
   * Optional: throw (ModelChangedError) when the bytes behind the source may no longer be those it
   * was opened on (a file rewritten in place). A file source also checks on every read; a save
   * calls it once more before it replaces the target.
   */
  checkUnchanged?(): void;
  /** Release any OS handle. Reads after close fail. */
  close?(): void;
}

/** A source over bytes already in memory. Reads are zero-copy views. */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly name = '<memory>',
  ) {
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.size));
    const end = Math.max(start, Math.min(offset + length, this.size));
    return this.bytes.subarray(start, end);
  }
}
