/**
 * A single-choice QuickPick whose active item (the one Enter accepts) is the given one, e.g. the
 * remembered answer. `showQuickPick`'s `picked` only applies to multi-choice picks: in a
 * single-choice one the first item would stay active.
 */
import * as vscode from 'vscode';

export interface PickOneOptions {
  title?: string;
  placeholder?: string;
  ignoreFocusOut?: boolean;
}

/** Resolves with the accepted item, or undefined when the pick was dismissed. */
export function pickOne<T extends vscode.QuickPickItem>(items: readonly T[], active: T | undefined, options: PickOneOptions = {}): Promise<T | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.ignoreFocusOut = options.ignoreFocusOut ?? false;
    qp.items = items;
    if (active && items.includes(active)) qp.activeItems = [active];
    let result: T | undefined;
    qp.onDidAccept(() => {
      result = qp.selectedItems[0] ?? qp.activeItems[0];
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    qp.show();
  });
}
