import * as vscode from 'vscode';

/**
 * What a hot-exit backup stores: the edit log, not the model (the model is re-read from its file
 * and the edits replayed over it). `edits` are the editing layer's `EditRequest`s (plain JSON that
 * names nodes and tensors) that turn the file on disk into the unsaved state; each is validated
 * again when replayed, so a backup that no longer fits the file only loses the edits that fail.
 */
export interface EditLogBackup {
  readonly format: 'qdq-studio-edit-log';
  readonly version: 1;
  /** The document the edits apply to. */
  readonly uri: string;
  readonly edits: readonly unknown[];
}

export async function writeBackup(destination: vscode.Uri, uri: vscode.Uri, edits: readonly unknown[]): Promise<vscode.CustomDocumentBackup> {
  const backup: EditLogBackup = { format: 'qdq-studio-edit-log', version: 1, uri: uri.toString(), edits };
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(JSON.stringify(backup)));
  return {
    id: destination.toString(),
    async delete() {
      try {
        await vscode.workspace.fs.delete(destination);
      } catch {
        // Already gone: nothing to delete.
      }
    },
  };
}

/** Reads a backup written by `writeBackup`; undefined (and the reason) when it is missing or not ours. */
export async function readBackup(backupId: string): Promise<{ backup?: EditLogBackup; problem?: string }> {
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (isEditLogBackup(value)) return { backup: value };
    return { problem: 'not a QDQ Studio edit log' };
  } catch (e) {
    return { problem: e instanceof Error ? e.message : String(e) };
  }
}

function isEditLogBackup(value: unknown): value is EditLogBackup {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<EditLogBackup>;
  return (
    v.format === 'qdq-studio-edit-log' && v.version === 1 && typeof v.uri === 'string' && Array.isArray(v.edits) &&
    v.edits.every((e) => typeof e === 'object' && e !== null && typeof (e as { kind?: unknown }).kind === 'string')
  );
}
