import * as vscode from 'vscode';

/** The view type of QDQ Studio's custom editor (package.json `customEditors`). */
export const ONNX_VIEW_TYPE = 'qdqStudio.onnxEditor';

/**
 * True when a tab shows `uri` in an editor other than QDQ Studio's (the text editor, another custom
 * editor, a diff, a notebook): `workspace.save(uri)` would save it too.
 */
export function otherEditorsOf(uri: vscode.Uri): boolean {
  const key = uri.toString();
  const same = (u: vscode.Uri | undefined): boolean => u?.toString() === key;
  return vscode.window.tabGroups.all.some((group) =>
    group.tabs.some(({ input }) => {
      if (input instanceof vscode.TabInputCustom) return input.viewType !== ONNX_VIEW_TYPE && same(input.uri);
      if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook) return same(input.uri);
      if (input instanceof vscode.TabInputTextDiff || input instanceof vscode.TabInputNotebookDiff) return same(input.modified) || same(input.original);
      return false;
    }),
  );
}
