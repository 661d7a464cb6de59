/**
 * What the analysis predicted for a build's model, kept by what it depends on (the model file's
 * path, size and time, and the target): an open engine report is drawn again as its build writes
 * its files (layer info, profile, log) and when the build ends, and each of those draws would
 * otherwise decode and analyse the unchanged model again on the extension host's thread. A
 * prediction asked for while it is being computed waits for that one. The newest few are kept. No
 * `vscode` (unit-tested).
 */
export class PredictionCache<T> {
  private readonly entries = new Map<string, Promise<T>>();
  private computedCount = 0;

  constructor(private readonly max = 4) {}

  /** Predictions computed (not found here): a test hook. */
  get computed(): number {
    return this.computedCount;
  }

  /** The value kept for `key`, else `compute()`'s (kept unless it fails). */
  get(key: string, compute: () => T | Promise<T>): Promise<T> {
    const kept = this.entries.get(key);
    if (kept) {
      // The newest last: the oldest goes first.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    this.computedCount++;
    const value = (async () => compute())();
    this.entries.set(key, value);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(key) === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
