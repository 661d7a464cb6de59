/**
 * The terminal of the yolov9-qat steps (quantize, sensitive, eval, export): a pseudoterminal
 * (CustomExecution) that shows the command line quoted for a POSIX shell (`displayCommandLine`,
 * so it can be copied and pasted, as the trtexec terminal does) and runs it through `startProcess`
 * (argument list, no shell). VS Code's own ProcessExecution echo joins the arguments with spaces,
 * unquoted. Output goes to the terminal as it arrives; right after a Python traceback, the
 * terminal prints one dim summary line (the last frame in the user's files and the exception) for
 * the `$qdq-python-summary` problem matcher (core/tasks/pythonTraceback.ts), on a row of its own.
 */
import { OutputLines, TracebackWatcher, displayCommandLine, type CommandLine } from '../core/tasks/index';
import { ProcessPseudoterminal, endedWith } from './processPseudoterminal';
import { startProcess } from './processRunner';
import type { Logger } from '../util/logger';

/** Splits text after each line end: `\n`, or a `\r` that is not the first half of `\r\n`. */
const AFTER_LINE_END = /(?<=\n|\r(?!\n))/;

/** Dim (SGR 2) and back to normal intensity (SGR 22): the matchers read the row's text, not its style. */
const dim = (text: string) => `\x1b[2m${text}\x1b[22m`;

export class ProcessTerminal extends ProcessPseudoterminal {
  private readonly watcher = new TracebackWatcher();
  /** Per stream: its output cut into lines for the watcher (a traceback line may arrive in pieces). */
  private readonly lines = { stdout: new OutputLines(), stderr: new OutputLines() };
  /** Whether the cursor is at the start of an empty row (the last text written ended with `\n`). */
  private atRowStart = true;

  /**
   * `log`: where the step's start (its command line, as the terminal shows it) and end (how it
   * ended) go, named by `label` (the task's).
   */
  constructor(
    private readonly commandLine: CommandLine,
    private readonly logTo?: { readonly log: Logger; readonly label: string },
  ) {
    super();
  }

  protected override write(text: string): void {
    if (text) this.atRowStart = text.endsWith('\n');
    super.write(text);
  }

  /**
   * Shows a chunk, and the watcher's lines right after the line that called for them, not after
   * the rest of the chunk (a chained exception's next traceback, say). Written in one piece when
   * nothing is to be added, as most chunks are.
   */
  private output(text: string, stream: 'stdout' | 'stderr'): void {
    let unwritten = '';
    for (const piece of text.split(AFTER_LINE_END)) {
      unwritten += piece;
      const notes = this.lines[stream].write(piece).flatMap((line) => this.watcher.line(line));
      if (notes.length) {
        this.write(unwritten);
        unwritten = '';
        this.note(notes);
      }
    }
    if (unwritten) this.write(unwritten);
  }

  /** A line the problem matcher must see whole: at the start of a row, never glued to unfinished output. */
  private note(notes: string[]): void {
    this.write(`${this.atRowStart ? '' : '\n'}${notes.map(dim).join('\n')}\n`);
  }

  protected override runFailed(message: string): void {
    this.logTo?.log.error(`Task ${this.logTo.label} failed: ${message}`);
  }

  protected async run(): Promise<void> {
    const cl = this.commandLine;
    const shown = `${cl.cwd ? `cd ${displayCommandLine({ command: cl.cwd, args: [] })} && ` : ''}${displayCommandLine(cl)}`;
    this.write(`> ${shown}\n\n`);
    this.logTo?.log.info(`Task ${this.logTo.label} started: ${shown}`);
    this.running = startProcess(cl, { onOutput: (text, stream) => this.output(text, stream) });
    const result = await this.running.done;
    for (const stream of ['stdout', 'stderr'] as const) {
      const notes = this.lines[stream].end().flatMap((line) => this.watcher.line(line));
      if (notes.length) this.note(notes);
    }
    if (result.startError) this.write(`\n${result.startError}\n`);
    this.write(`\n${cl.command} exited with ${endedWith(result)}\n`);
    this.logTo?.log.info(`Task ${this.logTo.label} ended: ${cl.command} exited with ${endedWith(result)}${this.stopped ? ' (stopped)' : ''}${result.startError ? `: ${result.startError}` : ''}`);
    this.finish(result.code ?? 1);
  }
}
