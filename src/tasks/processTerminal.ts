/**
 * The terminal of the yolov9-qat steps (quantize, sensitive, eval, export): a pseudoterminal
 * (CustomExecution) that shows the command line quoted for a POSIX shell (`displayCommandLine`,
 * so it can be copied and pasted, as the trtexec terminal does) and runs it through `startProcess`
 * (argument list, no shell). VS Code's own ProcessExecution echo joins the arguments with spaces,
 * unquoted. Output goes to the terminal as it arrives; after a Python traceback whose exception
 * came out of library code, the last frame in the user's files is printed again for the
 * `$qdq-python` problem matcher (core/tasks/pythonTraceback.ts).
 */
import { OutputLines, TracebackWatcher, displayCommandLine, type CommandLine } from '../core/tasks/index';
import { ProcessPseudoterminal, endedWith } from './processPseudoterminal';
import { startProcess } from './processRunner';

export class ProcessTerminal extends ProcessPseudoterminal {
  private readonly watcher = new TracebackWatcher();
  /** Per stream: its output cut into lines for the watcher (a traceback line may arrive in pieces). */
  private readonly lines = { stdout: new OutputLines(), stderr: new OutputLines() };

  constructor(private readonly commandLine: CommandLine) {
    super();
  }

  private output(text: string, stream: 'stdout' | 'stderr'): void {
    this.write(text);
    for (const line of this.lines[stream].write(text)) this.note(line);
  }

  private note(line: string): void {
    const extra = this.watcher.line(line);
    if (extra.length) this.write(`${extra.join('\n')}\n`);
  }

  protected async run(): Promise<void> {
    const cl = this.commandLine;
    this.write(`> ${cl.cwd ? `cd ${displayCommandLine({ command: cl.cwd, args: [] })} && ` : ''}${displayCommandLine(cl)}\n\n`);
    this.running = startProcess(cl, { onOutput: (text, stream) => this.output(text, stream) });
    const result = await this.running.done;
    for (const stream of ['stdout', 'stderr'] as const) for (const line of this.lines[stream].end()) this.note(line);
    if (result.startError) this.write(`\n${result.startError}\n`);
    this.write(`\n${cl.command} exited with ${endedWith(result)}\n`);
    this.finish(result.code ?? 1);
  }
}
