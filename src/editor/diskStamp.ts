import * as vscode from 'vscode';

/** A file's identity on disk, to tell our own saves from someone else's change. */
export interface DiskStamp {
  readonly mtime: number;
  readonly size: number;
}

/** The size and mtime of the file at `uri`; undefined when it cannot be read (gone). */
export async function statOf(uri: vscode.Uri): Promise<DiskStamp | undefined> {
  try {
    const st = await vscode.workspace.fs.stat(uri);
    return { mtime: st.mtime, size: st.size };
  } catch {
    return undefined;
  }
}
