/**
 * A task's output stream cut into lines for a line-fed watcher (`TracebackWatcher`), as it arrives
 * in chunks. Only the watcher's feed: the terminal shows the chunks unchanged.
 *
 * A lone `\r` ends a line too. Progress bars (tqdm) redraw with `\r` and no `\n` for the whole run,
 * so splitting on `\n` alone would keep one growing line, re-split on every chunk (quadratic).
 * `\r\n` is one line end, also when a chunk ends between the two. A line without any end is kept to
 * its last `maxPartial` characters, so the buffer stays bounded whatever the program prints. Pure.
 */

/** How much of an unfinished line is kept (its end): longer than any traceback line. */
export const MAX_PARTIAL_LINE = 4096;

/** A line end: `\r\n`, `\n`, or `\r` not at the very end (which may be the first half of `\r\n`). */
const LINE_END = /\r\n|\n|\r(?!$)/;

export class OutputLines {
  private partial = '';

  constructor(private readonly maxPartial = MAX_PARTIAL_LINE) {}

  /** The lines that `chunk` completes, without their line ends. */
  write(chunk: string): string[] {
    const lines = (this.partial + chunk).split(LINE_END);
    const rest = lines.pop()!;
    this.partial = rest.length > this.maxPartial ? rest.slice(-this.maxPartial) : rest;
    return lines;
  }

  /** At the end of the stream: the unfinished last line, if there is one. */
  end(): string[] {
    const rest = this.partial.replace(/\r$/, '');
    this.partial = '';
    return rest ? [rest] : [];
  }

  /** Characters held for the unfinished line. */
  get pending(): number {
    return this.partial.length;
  }
}
