import type * as vscode from 'vscode';

/** Anything with a `dispose()` (a `vscode.Disposable`, an EventEmitter, a watcher, ...). */
export interface IDisposable {
  dispose(): void;
}

/** Disposes every item, collecting errors so one failing dispose does not leak the rest. */
export function disposeAll(disposables: Iterable<IDisposable>): void {
  const errors: unknown[] = [];
  for (const d of disposables) {
    try {
      d.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several disposables failed to dispose');
}

/**
 * Base class for objects that own other disposables (hex editor style): register children with
 * `_register`, and they are disposed with the owner. Disposing twice is a no-op.
 */
export abstract class Disposable implements IDisposable {
  private _isDisposed = false;
  protected readonly _disposables: IDisposable[] = [];

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const children = this._disposables.splice(0);
    disposeAll(children.reverse());
  }

  /** Takes ownership of `value`; if this object is already disposed, disposes `value` at once. */
  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }
}

/** Adapts a plain callback to a disposable (for `context.subscriptions` or `_register`). */
export function toDisposable(fn: () => void): vscode.Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}
