/**
 * What the task list needs of each workspace model (Q/DQ or not), remembered per file while the
 * file stays the same (size and modification time). VS Code asks for the task list whenever the
 * Run Task picker opens or a task is fetched, and reading the facts decodes the model (up to 20
 * of them, a 250 MB one included). No `vscode` here: unit-tested in Node.
 */
import { promises as fsp } from 'node:fs';

export interface FileStamp {
  size: number;
  mtimeMs: number;
}

interface Entry<T> {
  readonly stamp: FileStamp;
  readonly value: Promise<T>;
}

export class FactsCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly read: (file: string) => Promise<T>,
    private readonly limit = 64,
    private readonly stampOf: (file: string) => Promise<FileStamp> = async (file) => {
      const s = await fsp.stat(file);
      return { size: s.size, mtimeMs: s.mtimeMs };
    },
  ) {}

  /** The facts of `file`, read again only when the file changed since they were read (a failed read is not kept). */
  async get(file: string): Promise<T> {
    const stamp = await this.stampOf(file);
    const known = this.entries.get(file);
    if (known && known.stamp.size === stamp.size && known.stamp.mtimeMs === stamp.mtimeMs) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.entries.delete(file);
      this.entries.set(file, known);
      return known.value;
    }
    const value = this.read(file);
    this.entries.delete(file);
    this.entries.set(file, { stamp, value });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(file)?.value === value) this.entries.delete(file);
    });
    return value;
  }
}
