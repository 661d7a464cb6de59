/**
 * What the task terminals share (`ProcessTerminal` for the yolov9-qat steps, `TrtexecTerminal`):
 * a pseudoterminal (CustomExecution) around one process started by `startProcess`. It owns the
 * write and close events, turns `\n` into the `\r\n` a raw terminal needs, starts `run()` when
 * VS Code opens the terminal, and stops the process on Ctrl+C or when the terminal closes. The
 * number given to `finish` is the pseudoterminal's close code, which VS Code reports as the task's
 * exit code (`onDidEndTaskProcess`).
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

export abstract class ProcessPseudoterminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** The running process, once `run()` started it. */
  protected running: RunningProcess | undefined;

  open(): void {
    void this.run();
  }

  close(): void {
    this.running?.kill();
  }

  handleInput(data: string): void {
    if (data === '\x03') {
      this.write('^C\n');
      this.running?.kill();
    }
  }

  /** Runs the step: starts the process (setting `running`), shows its output, ends with `finish`. */
  protected abstract run(): Promise<void>;

  protected write(text: string): void {
    this.writeEmitter.fire(toTerminal(text));
  }

  /** Closes the terminal; `code` becomes the task's exit code. */
  protected finish(code: number): void {
    this.closeEmitter.fire(code);
  }
}
