/**
 * The trtexec task's terminal: a pseudoterminal (CustomExecution) that runs trtexec through
 * `startProcess` (argument list, no shell), shows its output, tees it into the line-fed
 * `TrtexecLogParser` and into `<flavour>.log` beside the exported layer info and profile, and when
 * trtexec ends hands the build's files to `onBuilt` (the engine report).
 */
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import * as vscode from 'vscode';
import { TrtexecLogParser, type TrtexecLog } from '../core/engineReport/index';
import { displayCommandLine, type TrtexecPlan } from '../core/tasks/index';
import { startProcess, type RunningProcess } from './processRunner';

export interface TrtexecBuildResult {
  plan: TrtexecPlan;
  label: string;
  exitCode: number | undefined;
  log: TrtexecLog;
  /** Whether trtexec wrote the layer-info file. */
  hasLayerInfo: boolean;
}

export type TrtexecBuiltHandler = (result: TrtexecBuildResult) => void | Promise<void>;

/** Terminal text: `\n` → `\r\n` (a pseudoterminal is raw). */
function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class TrtexecTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private running: RunningProcess | undefined;
  private logFile: WriteStream | undefined;
  private readonly parser: TrtexecLogParser;

  constructor(
    private readonly plan: TrtexecPlan,
    private readonly label: string,
    private readonly onBuilt: TrtexecBuiltHandler,
  ) {
    this.parser = new TrtexecLogParser(plan.outputs.log);
  }

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

  private async run(): Promise<void> {
    const { plan } = this;
    for (const note of plan.notes) this.writeEmitter.fire(toTerminal(`note: ${note}\n`));
    this.writeEmitter.fire(toTerminal(`> ${displayCommandLine(plan.commandLine)}\n\n`));
    try {
      await fsp.mkdir(plan.outputs.dir, { recursive: true });
      // Stale outputs of an earlier build must not pass for this one's.
      await Promise.all([plan.outputs.layerInfo, plan.outputs.profile].map((f) => fsp.rm(f, { force: true })));
      this.logFile = createWriteStream(plan.outputs.log);
      this.logFile.on('error', () => (this.logFile = undefined));
    } catch (e) {
      this.writeEmitter.fire(toTerminal(`cannot prepare ${plan.outputs.dir}: ${(e as Error).message}\n`));
      this.closeEmitter.fire(1);
      return;
    }
    this.running = startProcess(plan.commandLine, {
      onOutput: (text) => {
        this.writeEmitter.fire(toTerminal(text));
        this.parser.write(text);
        this.logFile?.write(text);
      },
    });
    const result = await this.running.done;
    this.parser.end();
    await new Promise<void>((resolve) => (this.logFile ? this.logFile.end(() => resolve()) : resolve()));
    if (result.startError) this.writeEmitter.fire(toTerminal(`\n${result.startError}\n`));
    let hasLayerInfo = false;
    try {
      hasLayerInfo = (await fsp.stat(plan.outputs.layerInfo)).isFile();
    } catch {
      /* not written */
    }
    const code = result.code ?? 1;
    this.writeEmitter.fire(toTerminal(`\ntrtexec exited with ${result.signal ? `signal ${result.signal}` : `code ${code}`}${hasLayerInfo ? `; layer info: ${plan.outputs.layerInfo}` : ''}\n`));
    try {
      await this.onBuilt({ plan, label: this.label, exitCode: result.code, log: this.parser.result(), hasLayerInfo });
    } finally {
      this.closeEmitter.fire(code);
    }
  }
}
