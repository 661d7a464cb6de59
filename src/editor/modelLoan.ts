import type * as vscode from 'vscode';
import type { EditRequest, EditSession } from '../core/editing/index';
import { statOf, type DiskStamp } from './diskStamp';
import { displayPath, type LoadedModel } from './modelLoader';

/** What a rename carries to the document that opens at the new name (see RenamedEdits and `OnnxDocument.carryOver`). */
export type CarriedEdits = { readonly kind: 'log'; readonly edits: readonly EditRequest[] } | { readonly kind: 'model'; readonly loan: ModelLoan };

/**
 * A dirty document's model and edit history, lent over a rename because its edits cannot be
 * written as an edit log: the document that opens at the new name takes them over as they are.
 */
export interface ModelLoan {
  /**
   * The model and history, once: when they are still what was lent (not saved, reverted or read
   * again since) and the file at `to` is the one the model was read from (moved there: gone from the
   * old name, same size and mtime). Else why not (for a message), and the lender keeps them until
   * `release`.
   */
  take(to: vscode.Uri): Promise<LentModel | string>;
  /**
   * The loan ends untaken (idempotent; nothing after a take): the lender keeps its model. `to`: where
   * the rename carried it; `why`: why the document that opened there did not take it (undefined:
   * none opened). A lender closed meanwhile closes the model and says its unsaved edits are lost; one
   * still open says so when it closes (the rename closes it), when a document opened at `to`.
   */
  release(to: vscode.Uri, why: string | undefined): void;
}

/** What the document at the new name takes over. */
export interface LentModel {
  readonly state: LoadedModel;
  readonly session: EditSession;
  readonly savedAt: number | undefined;
}

/** The lending document's side of a loan (`OnnxDocument.lend`), as closures over its state. */
export interface Lender {
  readonly uri: vscode.Uri;
  /**
   * The model and history as they are now, while `loan` is the document's latest loan and they
   * are still what was lent (the same model loaded, the history dirty); else undefined.
   */
  lent(loan: ModelLoan): LentModel | undefined;
  /** The file as the document last read or wrote it. */
  stamp(): DiskStamp | undefined;
  /** `loan` is over: the document forgets it. False when a later rename's loan is the document's now. */
  end(loan: ModelLoan): boolean;
  /** The model and history were taken to `to`: the document lets go of them. */
  letGo(to: vscode.Uri): void;
  /**
   * Nobody took them (see `ModelLoan.release`): the document keeps them, or, closed meanwhile (it left
   * the model open for the loan), closes the model and says `lost` (its unsaved edits are gone).
   * `openedThere`: a document opened at the new name, so the rename closes this one next.
   */
  giveBack(lost: string, openedThere: boolean): void;
}

/** A loan of the lender's model and history (see ModelLoan), open until taken or released. */
export function lendModel(lender: Lender): ModelLoan {
  let open = true;
  const stillLent = (): LentModel | undefined => (open ? lender.lent(loan) : undefined);
  const changed = `${displayPath(lender.uri)} changed since the rename (saved, reverted or read again)`;
  const loan: ModelLoan = {
    take: async (to) => {
      const before = stillLent();
      if (!before) return changed;
      const [there, here] = await Promise.all([statOf(to), statOf(lender.uri)]);
      const now = stillLent();
      if (!now || now.session !== before.session) return changed;
      const stamp = lender.stamp();
      if (here !== undefined) return `${displayPath(lender.uri)} is still there`;
      if (there === undefined) return `${displayPath(to)} cannot be read`;
      if (stamp === undefined || there.mtime !== stamp.mtime || there.size !== stamp.size) return `${displayPath(to)} is not the file the model was read from (its size or modification time differ)`;
      open = false;
      lender.end(loan);
      lender.letGo(to);
      return now;
    },
    release: (to, why) => {
      if (!open) return;
      open = false;
      if (!lender.end(loan)) return; // a later rename's loan holds it now
      const reason = why ?? 'no QDQ Studio editor opened there within a minute';
      lender.giveBack(`${displayPath(lender.uri)} was renamed to ${displayPath(to)}, but its unsaved edits could not be carried there (${reason}) and cannot be written as an edit log: they are lost.`, why !== undefined);
    },
  };
  return loan;
}
