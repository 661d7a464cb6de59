import * as vscode from 'vscode';
import type { DetachedDataFile } from '../core/onnx/index';
import type { Logger } from '../util/logger';
import { displayPath } from './modelLoader';

/**
 * Shows a warning with actions and resolves with the one picked (undefined: dismissed). A save's
 * warning about data files goes to VS Code's notification; the integration tests answer it in its
 * place through the test hook `qdqStudio.internal.saveAs`.
 */
export type WarningPrompt = (message: string, ...actions: string[]) => Thenable<string | undefined>;

export const showWarning: WarningPrompt = (message, ...actions) => vscode.window.showWarningMessage(message, ...actions);

/** What a save leaves running after the model is written. */
export interface SaveOutcome {
  /**
   * The offer to copy the data files the saved model cannot find: settles once it is answered
   * (at once when there is none) and the copies asked for are done. Saves do not wait for it.
   */
  readonly dataFiles: Promise<void>;
}

export const nothingOffered: SaveOutcome = { dataFiles: Promise.resolve() };

/** Where the offer reports, and the open documents, to refresh the copy's one when its data files arrive. */
export interface DataFileOfferServices {
  readonly log: Logger;
  readonly documents?: { find(uri: vscode.Uri): { refresh(): Promise<void> } | undefined };
}

/**
 * After a save: the external data files the saved model names but cannot use from its folder (a
 * copy elsewhere, or a linked model file the save replaced; saves never copy data files). Says
 * so, and copies missing ones there when asked (the data itself, not a link to it), never over
 * an existing file.
 */
export async function offerDataFiles(files: readonly DetachedDataFile[], target: vscode.Uri, prompt: WarningPrompt, services: DataFileOfferServices): Promise<void> {
  if (files.length === 0) return;
  const names = files.map((f) => `'${f.location}'`).join(', ');
  const why = [...new Set(files.map((f) => (f.problem === 'refused' ? 'a link leading out of its folder' : f.problem === 'short' ? 'cut short there' : 'not there')))].join('; ');
  const message = `${displayPath(target)} reads its weights from ${names}, which ${files.length === 1 ? 'is' : 'are'} not usable from its folder (${why}). Put a copy of the data there (in place of a link) for the saved model to be complete.`;
  services.log.warn(message);
  // Offered only where nothing is in the way: a short file or a link on the copy's side is the user's to sort out.
  const copyable = files.filter((f) => f.problem === 'missing');
  const copy = copyable.length === 1 ? 'Copy Data File' : 'Copy Data Files';
  const answer = await prompt(message, ...(copyable.length ? [copy] : []));
  if (answer !== copy) return;
  let copied = 0;
  for (const f of copyable) {
    try {
      await vscode.workspace.fs.copy(vscode.Uri.file(f.from), vscode.Uri.file(f.to), { overwrite: false });
      services.log.info(`Copied ${f.from} to ${f.to}`);
      copied++;
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not copy ${f.from} to ${f.to}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // The copy's editor (VS Code opens it after Save As) read its data files' state before they
  // arrived: its summary and Problems follow now.
  const copyDocument = copied > 0 ? services.documents?.find(target) : undefined;
  if (copyDocument) await copyDocument.refresh();
}
