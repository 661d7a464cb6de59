/**
 * A promise that opens once: when `open()` is called or when its timer runs out, whichever comes
 * first; `extend()` restarts the timer while it is still closed. Used to let deferrable work (the
 * analysis of a newly opened model) wait for something that usually happens soon (the first graph
 * reaching its panel) without ever waiting long. No `vscode` import: unit-tested in Node.
 */
export class Gate {
  readonly opened: Promise<void>;
  private release!: () => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private done = false;

  /** `waitMs` <= 0: open at once; undefined: no timer until `extend()` (or `open()`). */
  constructor(waitMs?: number) {
    this.opened = new Promise<void>((resolve) => (this.release = resolve));
    if (waitMs === undefined) return;
    if (waitMs <= 0) this.open();
    else this.timer = setTimeout(() => this.open(), waitMs);
  }

  get isOpen(): boolean {
    return this.done;
  }

  /** Restarts the timer with `waitMs` (no effect once open). */
  extend(waitMs: number): void {
    if (this.done) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), waitMs);
  }

  open(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.release();
  }
}
