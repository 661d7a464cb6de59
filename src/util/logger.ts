import * as vscode from 'vscode';

/** The extension's log (a LogOutputChannel named "QDQ Studio"), created on first use. */
export class Logger implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;

  constructor(private readonly name = 'QDQ Studio') {}

  private get out(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel(this.name, { log: true });
    return this.channel;
  }

  info(message: string): void {
    this.out.info(message);
  }

  warn(message: string): void {
    this.out.warn(message);
  }

  error(message: string, error?: unknown): void {
    if (error instanceof Error) {
      this.out.error(`${message}: ${error.stack ?? error.message}`);
    } else if (error !== undefined) {
      this.out.error(`${message}: ${String(error)}`);
    } else {
      this.out.error(message);
    }
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
