import type * as vscode from 'vscode';
import type { EditRequest, EditSession } from '../core/editing/index';
import { statOf, type DiskStamp } from './diskStamp';
import type { LoadedModel } from './modelLoader';

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
   * old name, same size and mtime). Else undefined, and the lender keeps them.
   */
  take(to: vscode.Uri): Promise<LentModel | undefined>;
  /** Nobody took it: the lender keeps its model, or, closed meanwhile, the model is closed now. */
  release(): void;
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
  /** Nobody took them: the document keeps them, or, closed meanwhile (it left the model open for the loan), closes the model. */
  giveBack(): void;
}

/** A loan of the lender's model and history (see ModelLoan), open until taken or released. */
export function lendModel(lender: Lender): ModelLoan {
  let open = true;
  const stillLent = (): LentModel | undefined => (open ? lender.lent(loan) : undefined);
  const loan: ModelLoan = {
    take: async (to) => {
      const before = stillLent();
      if (!before) return undefined;
      const [there, here] = await Promise.all([statOf(to), statOf(lender.uri)]);
      const now = stillLent();
      if (!now || now.session !== before.session) return undefined;
      const stamp = lender.stamp();
      if (here !== undefined || there === undefined || stamp === undefined || there.mtime !== stamp.mtime || there.size !== stamp.size) return undefined;
      open = false;
      lender.end(loan);
      lender.letGo(to);
      return now;
    },
    release: () => {
      if (!open) return;
      open = false;
      if (!lender.end(loan)) return; // a later rename's loan holds it now
      lender.giveBack();
    },
  };
  return loan;
}
