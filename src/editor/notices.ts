import * as vscode from 'vscode';

/** One message the document shows the user, and the actions it offers. */
export interface Notice {
  readonly kind: 'info' | 'warning';
  readonly message: string;
  readonly actions: readonly string[];
  /** A modal dialog (the save's "changed on disk, overwrite?") rather than a notification. */
  readonly modal?: boolean;
}

/** Answers a notice in place of the user (integration tests): the action picked, or undefined (dismissed). */
export type NoticeAnswerer = (notice: Notice) => string | undefined | Thenable<string | undefined>;

/**
 * Where the documents' messages go: VS Code's notifications and dialogs, or, in the integration
 * tests, a function that sees each message and answers it (the test hook
 * `qdqStudio.internal.answerNotices`), so those tests click no notification and stub nothing of
 * VS Code. One per editor provider, passed to its documents.
 */
export class Notices {
  private answerer: NoticeAnswerer | undefined;

  /** Shows `message` and resolves with the action picked (undefined: dismissed, or none offered). */
  show(kind: Notice['kind'], message: string, options: { modal?: boolean } = {}, ...actions: string[]): Thenable<string | undefined> {
    const answerer = this.answerer;
    if (answerer) return Promise.resolve(answerer({ kind, message, actions, ...(options.modal ? { modal: true } : {}) }));
    const show = kind === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    return options.modal ? show(message, { modal: true }, ...actions) : show(message, ...actions);
  }

  /** Test hook: answer every notice with `answerer` from now on (undefined: show them again). */
  answerWith(answerer: NoticeAnswerer | undefined): void {
    this.answerer = answerer;
  }
}
