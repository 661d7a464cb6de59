/**
 * Python tracebacks in a task's output, for the problem matchers (package.json `problemMatchers`).
 *
 * `TracebackWatcher`, fed a yolov9-qat step's output line by line (src/tasks/processTerminal.ts),
 * gives one summary line to print after each traceback: the traceback's last frame in the user's
 * files (not `site-packages`, `dist-packages`, the standard library, `<frozen …>`) and the
 * exception line, whole:
 *
 *     QDQ Studio: File "/work/yolov9-qat/qat.py", line 212: FileNotFoundError: [Errno 2] No such file or directory: 'x.pt'
 *
 * The `$qdq-python-summary` matcher, which the provider's Python tasks carry, reads that line.
 * It is one line because VS Code (1.100, microsoft/vscode#170898) hands every line of a task
 * re-run in its reused terminal to the matchers twice, so a multi-line matcher never matches
 * again and the Problem of the first run is cleared. The three-line `$qdq-python` (frame, source
 * line, exception), for users' own shell tasks, reads the traceback itself and gives the same
 * marker (same owner, message, code and line) when the exception was raised in the user's files.
 *
 * Nothing is printed for a traceback without a frame in the user's files, nor for
 * KeyboardInterrupt: that is Ctrl+C, the step is stopped, not failing, and the line it stopped
 * at is no problem to fix. A SyntaxError of the script itself, which Python reports without a
 * `Traceback` line (its frame, source line, caret line, error), gets its summary too. Pure: no
 * `vscode`.
 */

/** A frame line: `  File "<path>", line <n>, in <function>` (the path may hold quotes); a SyntaxError's has no `in`. */
const FRAME = /^\s*File "(.+)", line (\d+)(?:, in (.*))?$/;
/** Not anchored at the start: a progress bar redrawn with `\r` and no newline can sit in front of it. */
const TRACEBACK_START = /Traceback \(most recent call last\):\s*$/;
/** The exception line that ends a traceback: `ValueError: …`, `torch.cuda.OutOfMemoryError: …`, `KeyboardInterrupt`. */
const EXCEPTION = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?::.*)?$/;
/** What ends a report of a file that does not compile (no `Traceback` line before it). */
const SYNTAX_ERROR = /^(?:SyntaxError|IndentationError|TabError)(?::|$)/;
/** Ctrl+C: a stop, not an error in the user's code. */
const KEYBOARD_INTERRUPT = /^KeyboardInterrupt(?::|$)/;

/** How the summary line starts; `$qdq-python-summary` matches lines that start so. */
export const SUMMARY_PREFIX = 'QDQ Studio: ';

/**
 * A file of Python itself or of an installed package, not the user's: `<frozen runpy>`,
 * `<string>`, `…/site-packages/…`, `…/dist-packages/…`, `…/lib/python3.11/…`. The `$qdq-python`
 * frame regex excludes the same files (a unit test keeps the two in step).
 */
export function isLibraryFile(file: string): boolean {
  return file.startsWith('<') || /[\\/](?:site|dist)-packages[\\/]/.test(file) || /[\\/][Ll]ib[\\/]python\d[\w.]*[\\/]/.test(file);
}

export interface TracebackFrame {
  file: string;
  line: number;
  func?: string;
}

/** Line-fed: `line()` returns the lines to print after it (none, or one summary line). */
export class TracebackWatcher {
  private frames: TracebackFrame[] | undefined;
  /** The frames are a SyntaxError report's (no `Traceback` line): only a SyntaxError ends them. */
  private compileError = false;

  line(text: string): string[] {
    const line = text.replace(/\r$/, '');
    if (TRACEBACK_START.test(line)) {
      this.frames = [];
      this.compileError = false;
      return [];
    }
    const frame = FRAME.exec(line);
    const frames = this.frames;
    if (!frames) {
      // `  File "/x/qat.py", line 5` (no `in`) outside a traceback: a SyntaxError of the script itself may follow.
      if (frame && frame[3] === undefined) {
        this.frames = [{ file: frame[1]!, line: Number(frame[2]) }];
        this.compileError = true;
      }
      return [];
    }
    if (frame) {
      frames.push({ file: frame[1]!, line: Number(frame[2]), ...(frame[3] !== undefined ? { func: frame[3] } : {}) });
      return [];
    }
    // Source lines, a SyntaxError's caret line, `[Previous line repeated …]`.
    if (/^\s/.test(line)) return [];
    this.frames = undefined;
    if (!EXCEPTION.test(line) || frames.length === 0) return [];
    if (this.compileError && !SYNTAX_ERROR.test(line)) return [];
    return noteFor(frames, line);
  }
}

/** The summary line: `QDQ Studio: File "<file>", line <n>: <exception line>`. */
export function summaryLine(frame: Pick<TracebackFrame, 'file' | 'line'>, exceptionLine: string): string {
  return `${SUMMARY_PREFIX}File "${frame.file}", line ${frame.line}: ${exceptionLine}`;
}

/** What to print after a traceback ended by `exceptionLine`: the summary of its last frame in the user's files, if any. */
export function noteFor(frames: readonly TracebackFrame[], exceptionLine: string): string[] {
  if (KEYBOARD_INTERRUPT.test(exceptionLine)) return [];
  const user = [...frames].reverse().find((f) => !isLibraryFile(f.file));
  return user ? [summaryLine(user, exceptionLine)] : [];
}
