/**
 * Python tracebacks in a task's output, for the `$qdq-python` problem matcher (package.json
 * `problemMatchers`). VS Code's matchers read consecutive lines only, so the matcher takes the last
 * frame of a traceback, its source line and the exception line that follows:
 *
 *     File "/work/yolov9-qat/qat.py", line 212, in run_quantize     ← file, line
 *       model = load_model(weight, device)                          ← source line
 *     FileNotFoundError: [Errno 2] No such file or directory: 'x.pt' ← message
 *
 * and only when that frame is in the user's files (not `site-packages`, `dist-packages`, the
 * standard library, `<frozen …>`). When the exception comes out of library code, or the user's
 * frame has no source line, `TracebackWatcher` (fed the task's output line by line) gives the lines
 * to print after the traceback: the last frame in the user's files, in the same three-line shape,
 * which the matcher then reads. Pure: no `vscode`.
 */

/** A frame line: `  File "<path>", line <n>, in <function>` (the path may hold quotes). */
const FRAME = /^\s*File "(.+)", line (\d+)(?:, in (.*))?$/;
/** Not anchored at the start: a progress bar redrawn with `\r` and no newline can sit in front of it. */
const TRACEBACK_START = /Traceback \(most recent call last\):\s*$/;
/** The exception line that ends a traceback: `ValueError: …`, `torch.cuda.OutOfMemoryError: …`, `KeyboardInterrupt`. */
const EXCEPTION = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?::.*)?$/;

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
  /** The source line Python printed under the frame (absent when the source is not available). */
  code?: string;
}

/** Line-fed: `line()` returns the lines to print after it (usually none). */
export class TracebackWatcher {
  private frames: TracebackFrame[] | undefined;

  line(text: string): string[] {
    const line = text.replace(/\r$/, '');
    if (TRACEBACK_START.test(line)) {
      this.frames = [];
      return [];
    }
    const frames = this.frames;
    if (!frames) return [];
    const frame = FRAME.exec(line);
    if (frame) {
      frames.push({ file: frame[1]!, line: Number(frame[2]), ...(frame[3] !== undefined ? { func: frame[3] } : {}) });
      return [];
    }
    if (/^\s/.test(line)) {
      // The source line under a frame (the first indented line after it); `[Previous line repeated …]` and the like are skipped.
      const last = frames[frames.length - 1];
      if (last && last.code === undefined && !/^\s*\[/.test(line)) last.code = line.trim();
      return [];
    }
    this.frames = undefined;
    if (!EXCEPTION.test(line) || frames.length === 0) return [];
    return noteFor(frames, line);
  }
}

/** What to print after a traceback ended by `exceptionLine`, so its last frame in the user's files is matched. */
export function noteFor(frames: readonly TracebackFrame[], exceptionLine: string): string[] {
  const last = frames[frames.length - 1]!;
  if (!isLibraryFile(last.file) && last.code !== undefined) return []; // the matcher reads the traceback itself
  const user = [...frames].reverse().find((f) => !isLibraryFile(f.file));
  if (!user) return [];
  return [
    `QDQ Studio: the last frame of this traceback in your files${user === last ? '' : ` (the exception was raised in ${last.file})`}:`,
    `  File "${user.file}", line ${user.line}${user.func !== undefined ? `, in ${user.func}` : ''}`,
    `    ${user.code ?? '(source line not available)'}`,
    exceptionLine,
  ];
}
