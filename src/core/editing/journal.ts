/**
 * The journal of one applied edit: every field an edit changes goes through `set`, which records the
 * value it replaced (and the message's previous `$dirty` flag) before marking the message dirty.
 * `undo()` puts the old values back in reverse order, so an undone message is the very object it
 * was, clean again, and the encoder copies its original bytes: apply + undo saves byte-identical.
 * `redo()` sets the new values again. Values are never copied: arrays are replaced, never mutated
 * (decoded repeated fields may be the shared frozen empty array).
 */
import type { MessageBase } from '../onnx/index';

/**
 * How many changes journals made so far (each `set`, `undo` and `redo` counts one): those of a
 * journal with an owner (an edit's, owned by the graph it edits) by owner, the others together.
 * What is derived from a graph and kept between edits (maps.ts) is trusted only while
 * `journalChanges(graph)` has not moved since it was last brought up to date.
 */
const changesBy = new WeakMap<object, number>();
let unownedChanges = 0;

/** Changes made by `owner`'s journals and by journals with no owner (which may change anything). */
export function journalChanges(owner: object): number {
  return unownedChanges + (changesBy.get(owner) ?? 0);
}

/** Counts one change; returns `journalChanges(owner)` before it. */
function count(owner: object | undefined): number {
  if (!owner) return unownedChanges++;
  const before = journalChanges(owner);
  changesBy.set(owner, (changesBy.get(owner) ?? 0) + 1);
  return before;
}

/** Kept in step with a journal's undo and redo (maps.ts: the producer/reader maps kept between edits). */
export interface JournalFollower {
  /** After `undo()` (`undone`) or `redo()`; `changesBefore` is `journalChanges(owner)` just before it. */
  replayed(undone: boolean, changesBefore: number): void;
}

interface Entry {
  readonly target: MessageBase;
  readonly key: string;
  readonly hadOld: boolean;
  readonly oldValue: unknown;
  hadNew: boolean;
  newValue: unknown;
  readonly oldDirty: boolean | undefined;
}

export class Journal {
  private readonly entries: Entry[] = [];
  /** The entry of each field set so far: setting it again updates that entry's new value (until `seal`). */
  private byField: Map<MessageBase, Map<string, Entry>> | undefined = new Map();
  private followers: JournalFollower[] | undefined;

  /** `owner`: what every change of this journal belongs to (an edit's graph), if anything. */
  constructor(readonly owner?: object) {}

  /**
   * Sets (or with `value === undefined` and `remove`, deletes) `target[key]`, remembering the old
   * value; marks `target` dirty. A field set again keeps its first old value and only the latest new
   * one: undo and redo only need those, and an edit that replaces the node list once per removed
   * pair (Fix All: hundreds in one edit) does not hold every intermediate list.
   */
  set<T extends MessageBase, K extends keyof T & string>(target: T, key: K, value: T[K], remove = false): void {
    const rec = target as unknown as Record<string, unknown>;
    if (!this.byField) throw new Error('internal: a sealed journal records no more changes');
    count(this.owner);
    let fields = this.byField.get(target);
    const seen = fields?.get(key);
    if (seen) {
      seen.hadNew = !remove;
      seen.newValue = value;
    } else {
      const hadOld = Object.prototype.hasOwnProperty.call(rec, key);
      const entry: Entry = { target, key, hadOld, oldValue: rec[key], hadNew: !remove, newValue: value, oldDirty: target.$dirty };
      this.entries.push(entry);
      if (!fields) this.byField.set(target, (fields = new Map()));
      fields.set(key, entry);
    }
    if (remove) delete rec[key];
    else rec[key] = value;
    target.$dirty = true;
  }

  /** Deletes an optional field (e.g. a payload field replaced by raw_data). */
  remove<T extends MessageBase, K extends keyof T & string>(target: T, key: K): void {
    if (!Object.prototype.hasOwnProperty.call(target, key)) return;
    this.set(target, key, undefined as T[K], true);
  }

  /** The edit is done: only undo and redo follow, so the lookup of fields can go (the history keeps every journal). */
  seal(): void {
    this.byField = undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Call `follower` after every later `undo()` and `redo()`. */
  follow(follower: JournalFollower): void {
    (this.followers ??= []).push(follower);
  }

  undo(): void {
    const before = count(this.owner);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      const rec = e.target as unknown as Record<string, unknown>;
      if (e.hadOld) rec[e.key] = e.oldValue;
      else delete rec[e.key];
      if (e.oldDirty === undefined) delete e.target.$dirty;
      else e.target.$dirty = e.oldDirty;
    }
    for (const f of this.followers ?? []) f.replayed(true, before);
  }

  redo(): void {
    const before = count(this.owner);
    for (const e of this.entries) {
      const rec = e.target as unknown as Record<string, unknown>;
      if (e.hadNew) rec[e.key] = e.newValue;
      else delete rec[e.key];
      e.target.$dirty = true;
    }
    for (const f of this.followers ?? []) f.replayed(false, before);
  }
}
