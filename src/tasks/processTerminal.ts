/**
 * The terminal of the yolov9-qat steps (quantize, sensitive, eval, export): a pseudoterminal
 * (CustomExecution) that shows the command line quoted for a POSIX shell (`displayCommandLine`,
 * so it can be copied and pasted, as the trtexec terminal does) and runs it through `startProcess`
 * (argument list, no shell). VS Code's own ProcessExecution echo joins the arguments with spaces,
 * unquoted. Output goes to the terminal as it arrives; after a Python traceback whose exception
 * came out of library code, the last frame in the user's files is printed again for the
 * `$qdq-python` problem matcher (core/tasks/pythonTraceback.ts).
 */
import * as vscode from 'vscode';
import { TracebackWatcher, displayCommandLine, type CommandLine } from '../core/tasks/index';
import { startProcess, type RunningProcess } from './processRunner';

/** Terminal text: `\n` → `\r\n` (a pseudoterminal is raw). */
function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class ProcessTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private running: RunningProcess | undefined;
  private readonly watcher = new TracebackWatcher();
  /** Per stream: the text after its last newline (a traceback line may arrive in pieces). */
  private readonly partial = { stdout: '', stderr: '' };

  constructor(private readonly commandLine: CommandLine) {}

  open(): void {
    void this.run();
  }

  close(): void {
    this.running?.kill();
  }

  handleInput(data: string): void {
    if (data === '\x03') {
      this.writeEmitter.fire('^C\r\n');
      this.running?.kill();
    }
  }

  private output(text: string, stream: 'stdout' | 'stderr'): void {
    this.writeEmitter.fire(toTerminal(text));
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop()!;
    for (const line of lines) this.note(line);
  }

  private note(line: string): void {
    const extra = this.watcher.line(line);
    if (extra.length) this.writeEmitter.fire(toTerminal(`${extra.join('\n')}\n`));
  }

  private async run(): Promise<void> {
    const cl = this.commandLine;
    this.writeEmitter.fire(toTerminal(`> ${cl.cwd ? `cd ${displayCommandLine({ command: cl.cwd, args: [] })} && ` : ''}${displayCommandLine(cl)}\n\n`));
    this.running = startProcess(cl, { onOutput: (text, stream) => this.output(text, stream) });
    const result = await this.running.done;
    for (const stream of ['stdout', 'stderr'] as const) if (this.partial[stream]) this.note(this.partial[stream]);
    if (result.startError) this.writeEmitter.fire(toTerminal(`\n${result.startError}\n`));
    const code = result.code ?? 1;
    this.writeEmitter.fire(toTerminal(`\n${cl.command} exited with ${result.signal ? `signal ${result.signal}` : `code ${code}`}\n`));
    this.closeEmitter.fire(code);
  }
}
