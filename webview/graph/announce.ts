/**
 * What the graph says to a screen reader when the keyboard moves the selection (pure, unit-tested in
 * test/unit/webview/announce.test.ts). Arrows, Home and End change the selection and the properties
 * pane silently; the panel puts {@link describeNode}'s sentence into an `aria-live="polite"` region,
 * only the last of a burst of moves ({@link LastOfBurst}: holding an arrow key must not queue one
 * sentence per node).
 */
import type { GraphViewDto } from '../../src/protocol/graphView';
import { nodeKey } from './viewModel';

export interface NodeNotes {
  /** What the current colouring says of the node, in the legend's words ('INT8', 'FP16 (falls back)'). */
  readonly colour?: string;
  /** The worst finding on it. */
  readonly severity?: 'error' | 'warning' | 'info';
}

const FINDING = { error: 'an error finding', warning: 'a warning finding', info: 'an info finding' } as const;

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence for view node `i`: `Conv /model.0/conv/Conv, INT8, 3 inputs, 1 output` (inputs: the
 * distinct tensors it reads, weights and other constants included; outputs: the distinct tensors
 * read from it); a graph input or output by its tensor name and how many nodes read it / feed it.
 */
export function describeNode(view: GraphViewDto, i: number, notes: NodeNotes = {}): string {
  const v = view.nodes[i];
  if (!v) return '';
  const ins = new Set<number>();
  const outs = new Set<number>();
  const readers = new Set<number>();
  for (const e of view.edges) {
    if (e.t === i) ins.add(e.tensor);
    if (e.s === i) {
      outs.add(e.tensor);
      readers.add(e.t);
    }
  }
  const parts: string[] = [];
  if (v.kind === 'input') parts.push(`Graph input ${v.name}`);
  else if (v.kind === 'output') parts.push(`Graph output ${v.name}`);
  else {
    const op = v.op !== undefined ? view.ops[v.op] : undefined;
    parts.push(op !== undefined ? `${op} ${nodeKey(view, v)}` : nodeKey(view, v));
  }
  if (notes.colour) parts.push(notes.colour);
  if (v.kind === 'input') parts.push(count(readers.size, 'reader', 'readers'));
  else if (v.kind === undefined) parts.push(count(ins.size + (v.params?.length ?? 0), 'input', 'inputs'), count(outs.size, 'output', 'outputs'));
  if (notes.severity) parts.push(FINDING[notes.severity]);
  return parts.join(', ');
}

export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Says only the last text pushed within `delayMs` of the next one (a burst of key repeats says one
 * sentence); the text is made when it is said, so the moves in between cost nothing.
 */
export class LastOfBurst {
  private handle: unknown;

  constructor(
    private readonly say: (text: string) => void,
    private readonly delayMs = 250,
    private readonly timers: Timers = realTimers,
  ) {}

  push(text: string | (() => string)): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = this.timers.set(() => {
      this.handle = undefined;
      this.say(typeof text === 'string' ? text : text());
    }, this.delayMs);
  }
}
