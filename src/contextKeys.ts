import * as vscode from 'vscode';
import type { OpenDocuments } from './editor/openDocuments';
import type { SessionState } from './sensitivity/session';
import { Disposable } from './util/dispose';

/** A QDQ Studio model is open (in any editor group, loaded or not): Findings has something to show. */
export const HAS_MODEL = 'qdqStudio.hasModel';
/** A sensitivity result is read (mapped to a model or not): ranking, filtering and keep-k have something to work on. */
export const HAS_SENSITIVITY = 'qdqStudio.hasSensitivity';

/** Whether the sensitivity session holds a result its commands can work on (a file that does not parse holds none). */
export function sessionHasResult(state: SessionState): boolean {
  return state.kind !== 'empty' && state.kind !== 'error';
}

/** What the context keys follow; the sensitivity session's state and its change event. */
export interface ContextKeySources {
  readonly documents: OpenDocuments;
  readonly sensitivity: { readonly state: SessionState; readonly onDidChange: vscode.Event<SessionState> };
}

/**
 * The context keys package.json's `when` clauses use (menus, the command palette, views' welcome
 * content), set from the code that knows: the open documents and the sensitivity session. Each key
 * is set at once (menus would otherwise read an unset key as false until the first change) and
 * again only when its value changes.
 */
export class ContextKeys extends Disposable {
  private readonly values = new Map<string, boolean>();

  constructor(sources: ContextKeySources) {
    super();
    const models = () => this.set(HAS_MODEL, sources.documents.all().length > 0);
    const sensitivity = () => this.set(HAS_SENSITIVITY, sessionHasResult(sources.sensitivity.state));
    this._register(sources.documents.onDidOpen(models));
    this._register(sources.documents.onDidClose(models));
    this._register(sources.sensitivity.onDidChange(sensitivity));
    models();
    sensitivity();
  }

  private set(key: string, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  /** The values last set, by key (test hook). */
  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.values);
  }
}
