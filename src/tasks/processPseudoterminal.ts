/**
 * What the task terminals share (`ProcessTerminal` for the yolov9-qat steps, `TrtexecTerminal`):
 * a pseudoterminal (CustomExecution) around one process started by `startProcess`. It owns the
 * write and close events, turns `\n` into the `\r\n` a raw terminal needs, starts `run()` when
 * VS Code opens the terminal, interrupts the process on Ctrl+C (SIGINT, as a shell does; SIGTERM and
 * SIGKILL follow if it does not end) and stops it when the terminal closes (SIGTERM). The
 * number given to `finish` is the pseudoterminal's close code, which VS Code reports as the task's
 * exit code (`onDidEndTaskProcess`); after Ctrl+C it is `STOPPED_BY_USER`.
 */
import * as vscode from 'vscode';
import type { RunResult, RunningProcess } from './processRunner';

/** Terminal text: `\n` → `\r\n` (a pseudoterminal is raw). */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** How a process ended, for the terminal's last line: `code 0`, `signal SIGTERM`. */
export function endedWith(result: RunResult): string {
  return result.signal ? `signal ${result.signal}` : `code ${result.code ?? 1}`;
}

/**
 * The close code of a step the user stopped with Ctrl+C in its terminal (the shell's 128 + SIGINT).
 * The task commands treat it as stopped, as Terminate Task (no exit code), not as a failure.
 */
export const STOPPED_BY_USER = 130;

export abstract class ProcessPseudoterminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** The running process, once `run()` started it. */
  protected running: RunningProcess | undefined;

  private stoppedByUser = false;

  open(): void {
    // A step that throws (before its process starts, or in what it does with the result) still
    // ends its terminal, with the reason shown, instead of leaving the task running forever.
    this.run().catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      this.write(`\n${message}\n`);
      this.runFailed(message);
      this.finish(1);
    });
  }

  close(): void {
    // Terminate Task, or the terminal closed: stopped by the user, as Ctrl+C.
    this.stoppedByUser ||= this.running !== undefined;
    this.running?.kill();
  }

  /** Whether the user stopped the program (Ctrl+C, Terminate Task, closing the terminal). */
  protected get stopped(): boolean {
    return this.stoppedByUser;
  }

  handleInput(data: string): void {
    if (data === '\x03') {
      // As in a shell: SIGINT, so Python raises KeyboardInterrupt and cleans up; SIGTERM, then
      // SIGKILL, if it has not ended after a grace period (processRunner's STOP_GRACE).
      this.write('^C\n');
      this.stoppedByUser ||= this.running !== undefined;
      this.running?.interrupt();
    }
  }

  /** The step threw (shown in its terminal, which then closes with 1): subclasses log it. */
  protected runFailed(_message: string): void {}

  /** Runs the step: starts the process (setting `running`), shows its output, ends with `finish`. */
  protected abstract run(): Promise<void>;

  protected write(text: string): void {
    this.writeEmitter.fire(toTerminal(text));
  }

  /** Closes the terminal; `code` becomes the task's exit code. */
  protected finish(code: number): void {
    this.closeEmitter.fire(this.stoppedByUser ? STOPPED_BY_USER : code);
  }
}
