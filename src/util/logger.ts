import * as vscode from 'vscode';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line as the logger was given it (what `qdqStudio.internal.logLines` returns to the tests). */
export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  /** 1, 2, 3… in the order logged: "lines after this one" holds once the oldest are dropped. */
  readonly seq: number;
}

/** How many of the latest lines `recent()` keeps, whatever the channel's level shows. */
const KEPT_LINES = 500;

/**
 * The extension's log (a LogOutputChannel named "QDQ Studio"), created on first use. Failures shown
 * to the user are logged at warn/error, task starts and ends at info, timings at debug (shown when
 * the channel's level is Debug: "Developer: Set Log Level…" or the channel's gear).
 */
export class Logger implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;
  private readonly lines: LogLine[] = [];

  constructor(private readonly name = 'QDQ Studio') {}

  private get out(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel(this.name, { log: true });
    return this.channel;
  }

  private logged = 0;

  private keep(level: LogLevel, message: string): void {
    this.lines.push({ level, message, seq: ++this.logged });
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
  }

  /** The latest lines of every level, oldest first (test hook). */
  recent(): readonly LogLine[] {
    return [...this.lines];
  }

  debug(message: string): void {
    this.keep('debug', message);
    this.out.debug(message);
  }

  info(message: string): void {
    this.keep('info', message);
    this.out.info(message);
  }

  warn(message: string): void {
    this.keep('warn', message);
    this.out.warn(message);
  }

  error(message: string, error?: unknown): void {
    const line = error instanceof Error ? `${message}: ${error.stack ?? error.message}` : error !== undefined ? `${message}: ${String(error)}` : message;
    this.keep('error', line);
    this.out.error(line);
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
