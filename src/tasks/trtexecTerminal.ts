/**
 * The trtexec task's terminal: a pseudoterminal (CustomExecution) that runs trtexec through
 * `startProcess` (argument list, no shell), shows its output, tees it into the line-fed
 * `TrtexecLogParser` and into `<flavour>.log` beside the exported layer info and profile, and when
 * trtexec ends hands the build's files to `onBuilt` (the engine report).
 */
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { TrtexecLogParser, type TrtexecLog } from '../core/engineReport/index';
import { displayCommandLine, type TrtexecPlan } from '../core/tasks/index';
import { keepPreviousBuild } from '../engineView/sources';
import { ProcessPseudoterminal, endedWith } from './processPseudoterminal';
import { startProcess } from './processRunner';
import type { Logger } from '../util/logger';

export interface TrtexecBuildResult {
  plan: TrtexecPlan;
  label: string;
  exitCode: number | undefined;
  /** The user stopped the build (Ctrl+C, Terminate Task): not a failure. */
  stopped: boolean;
  log: TrtexecLog;
  /** Whether trtexec wrote the layer-info file. */
  hasLayerInfo: boolean;
  /**
   * The files of older kept builds the history deleted before this build (`keepPreviousBuild`):
   * the Problems entries of their logs go with them.
   */
  removed: string[];
}

export type TrtexecBuiltHandler = (result: TrtexecBuildResult) => void | Promise<void>;

export class TrtexecTerminal extends ProcessPseudoterminal {
  private logFile: WriteStream | undefined;
  private readonly parser: TrtexecLogParser;
  private removed: string[] = [];

  constructor(
    private readonly plan: TrtexecPlan,
    private readonly label: string,
    private readonly onBuilt: TrtexecBuiltHandler,
    /** Where the build's start (the command line, as shown) and end (exit code, layer info) go. */
    private readonly log?: Logger,
  ) {
    super();
    this.parser = new TrtexecLogParser(plan.outputs.log);
  }

  protected override runFailed(message: string): void {
    this.log?.error(`Task trtexec (${this.label}) failed: ${message}`);
  }

  protected async run(): Promise<void> {
    const { plan } = this;
    for (const note of plan.notes) this.write(`note: ${note}\n`);
    this.write(`> ${displayCommandLine(plan.commandLine)}\n\n`);
    this.log?.info(`Task trtexec (${this.label}) started: ${displayCommandLine(plan.commandLine)}`);
    try {
      await fsp.mkdir(plan.outputs.dir, { recursive: true });
      // The previous build of this flavour moves to history/ (the report compares with it); stale
      // outputs of an earlier build must not pass for this one's.
      const { kept, removed } = await keepPreviousBuild(plan.outputs);
      this.removed = removed;
      if (kept) this.write(`previous build kept as ${kept}\n`);
      this.logFile = createWriteStream(plan.outputs.log);
      this.logFile.on('error', () => (this.logFile = undefined));
    } catch (e) {
      this.write(`cannot prepare ${plan.outputs.dir}: ${(e as Error).message}\n`);
      this.log?.error(`Task trtexec (${this.label}): cannot prepare ${plan.outputs.dir}: ${(e as Error).message}`);
      this.finish(1);
      return;
    }
    this.running = startProcess(plan.commandLine, {
      onOutput: (text) => {
        this.write(text);
        this.parser.write(text);
        this.logFile?.write(text);
      },
    });
    const result = await this.running.done;
    this.parser.end();
    await new Promise<void>((resolve) => (this.logFile ? this.logFile.end(() => resolve()) : resolve()));
    if (result.startError) this.write(`\n${result.startError}\n`);
    let hasLayerInfo = false;
    try {
      hasLayerInfo = (await fsp.stat(plan.outputs.layerInfo)).isFile();
    } catch {
      /* not written */
    }
    this.write(`\ntrtexec exited with ${endedWith(result)}${hasLayerInfo ? `; layer info: ${plan.outputs.layerInfo}` : ''}\n`);
    this.log?.info(
      `Task trtexec (${this.label}) ended: trtexec exited with ${endedWith(result)}${this.stopped ? ' (stopped)' : ''}${result.startError ? `: ${result.startError}` : ''}; ${hasLayerInfo ? `layer info: ${plan.outputs.layerInfo}` : 'no layer info'}; log: ${plan.outputs.log}`,
    );
    try {
      await this.onBuilt({ plan, label: this.label, exitCode: result.code, stopped: this.stopped, log: this.parser.result(), hasLayerInfo, removed: this.removed });
    } finally {
      this.finish(result.code ?? 1);
    }
  }
}
