// Helpers shared by the integration tests (not a test file itself: bundled into each one).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import type { GraphReportDto } from '../../../src/protocol/messages';

export const EXTENSION_ID = 'qdq-studio.qdq-studio';
export const VIEW_TYPE = 'qdqStudio.onnxEditor';

export type WebviewStatus = 'loading' | 'ready' | 'error';
export interface WebviewReport {
  status: WebviewStatus;
  nodeCount?: number;
  error?: string;
}
export interface WebviewQuery {
  uri: string;
  report: WebviewReport;
}

/**
 * Set (to the restart's name) in an extension host that a window restart is ending (windowRestart.ts):
 * what it would still report is dropped (in the environment: index.ts and each test file are
 * bundles of their own).
 */
export const RESTARTING_ENV = 'QDQ_TEST_RESTARTING';

/** Appends one JSON line to $QDQ_TEST_RESULTS (read live by the code-server runner). */
export function emitResult(event: Record<string, unknown>): void {
  const file = process.env.QDQ_TEST_RESULTS;
  if (!file || process.env[RESTARTING_ENV] !== undefined) return;
  try {
    fs.appendFileSync(file, `${JSON.stringify({ ...event, t: Date.now() })}\n`);
  } catch {
    /* the console output still has it */
  }
}

/** A line the runner prints as-is (skips, measurements). */
export function note(message: string): void {
  console.log(`[note] ${message}`);
  emitResult({ event: 'note', message });
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('integration tests need the test workspace open (test/workspace or a copy of it)');
  return folder.uri;
}

export function workspaceFile(relPath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relPath.split('/'));
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Fails with a clear message when a contract fixture model is missing from the workspace. */
export async function requireModel(relPath: string): Promise<vscode.Uri> {
  const uri = workspaceFile(relPath);
  if (!(await exists(uri))) {
    throw new Error(`fixture ${relPath} is missing from the test workspace (${workspaceRoot().fsPath}); test/workspace/models/ should hold it`);
  }
  return uri;
}

/** Node count of the main graph, decoded independently of the extension (onnx-proto). */
export async function expectedNodeCount(uri: vscode.Uri): Promise<number> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const model = onnx.ModelProto.decode(bytes);
  return model.graph?.node?.length ?? 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await sleep(100);
  }
}

/** Describes the active tab, for assertion messages. */
export function describeActiveTab(): string {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  if (!tab) return 'no active tab';
  const input = tab.input;
  if (input instanceof vscode.TabInputCustom) return `custom editor ${input.viewType} on ${input.uri.path}`;
  if (input instanceof vscode.TabInputText) return `text editor on ${input.uri.path}`;
  return `tab "${tab.label}" (${input === undefined ? 'no input' : (input as object).constructor?.name})`;
}

/** Waits until the active tab is QDQ Studio's custom editor on `uri`, and returns its input. */
export async function waitForOurEditor(uri: vscode.Uri, timeoutMs = 15_000): Promise<vscode.TabInputCustom> {
  try {
    return await poll(`QDQ Studio editor on ${uri.path}`, timeoutMs, async () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (input instanceof vscode.TabInputCustom && input.viewType === VIEW_TYPE && input.uri.path === uri.path) return input;
      return undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; active tab is ${describeActiveTab()}`);
  }
}

export async function queryWebview(): Promise<WebviewQuery | undefined> {
  return vscode.commands.executeCommand<WebviewQuery | undefined>('qdqStudio.internal.queryWebview');
}

/** The graph part of the report of `uri`'s webview (undefined until it has one). */
async function graphReport(uri: vscode.Uri): Promise<GraphReportDto | undefined> {
  const q = await vscode.commands.executeCommand<{ uri: string; report: { graph?: GraphReportDto } } | undefined>('qdqStudio.internal.queryWebview', uri);
  return q?.report.graph;
}

/** Polls the graph report of `uri` until `accept` holds; fails with the last report. */
export async function waitForGraph(uri: vscode.Uri, what: string, accept: (r: GraphReportDto) => boolean, timeoutMs = 30_000): Promise<GraphReportDto> {
  let last: GraphReportDto | undefined;
  try {
    return await poll(what, timeoutMs, async () => {
      last = await graphReport(uri);
      return last && accept(last) ? last : undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last graph report: ${JSON.stringify(last)}`);
  }
}

/**
 * Polls the webview's own report for `uri` until it leaves `loading`. The default wait is past 30 s
 * on purpose: VS Code's webview service worker fails a resource request that its outer frame never
 * answers after 30 s (`resolveTimeout` in webview/browser/pre/service-worker.js), and the webview
 * then loads. That happened once in a full run ("ready 30239 ms after resolve", the wait ending at
 * 30,000), as it does in other projects' smoke tests (posit-dev/positron#4448). A webview that never
 * loads still fails here.
 */
export async function waitForReport(uri: vscode.Uri, timeoutMs = 45_000): Promise<WebviewReport> {
  let last: WebviewQuery | undefined;
  try {
    return await poll(`the webview of ${uri.path} to finish loading`, timeoutMs, async () => {
      last = await queryWebview();
      if (!last || vscode.Uri.parse(last.uri).path !== uri.path) return undefined;
      return last.report.status === 'loading' ? undefined : last.report;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answer: ${JSON.stringify(last)}`);
  }
}

/** What `qdqStudio.internal.editState` returns (src/commands/editCommands.ts). */
export interface EditState {
  isDirty: boolean;
  edits: string[];
  backupLog: { kind: string }[];
  nodeCount?: number;
}

export async function editState(uri: vscode.Uri): Promise<EditState | undefined> {
  return vscode.commands.executeCommand<EditState | undefined>('qdqStudio.internal.editState', uri.toString());
}

/** The QDQ Studio tab of `uri`. */
export function tabOf(uri: vscode.Uri): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) if (tab.input instanceof vscode.TabInputCustom && tab.input.uri.path === uri.path) return tab;
  }
  return undefined;
}

/** Waits until the document and its tab are both dirty (or both clean), and `accept` holds. */
export async function waitEditState(uri: vscode.Uri, dirty: boolean, what: string, accept: (s: EditState) => boolean = () => true, timeoutMs = 20_000): Promise<EditState> {
  let last = '';
  try {
    return await poll(what, timeoutMs, async () => {
      const s = await editState(uri);
      const tab = tabOf(uri);
      last = `document ${JSON.stringify(s && { isDirty: s.isDirty, edits: s.edits, nodeCount: s.nodeCount })}, tab dirty ${tab?.isDirty}`;
      return s && s.isDirty === dirty && tab?.isDirty === dirty && accept(s) ? s : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  }
}

/**
 * Runs VS Code's own `undo` / `redo` (what Ctrl+Z does). The workbench registers an edit on its
 * undo stack asynchronously after the extension reports it (it resolves the document's model
 * first), so a command sent in the same instant as the edit can find the stack still empty:
 * give it a moment, as a user's keystroke always does.
 */
export async function workbench(command: 'undo' | 'redo'): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  await vscode.commands.executeCommand(command);
}

/** Copies `models/<model>` of the test workspace to `models/<name>`, noted in `scratch` for the suite to delete. */
export async function copyToScratch(model: string, name: string, scratch: vscode.Uri[]): Promise<vscode.Uri> {
  const source = await requireModel(`models/${model}`);
  const uri = workspaceFile(`models/${name}`);
  scratch.push(uri);
  await vscode.workspace.fs.copy(source, uri, { overwrite: true });
  return uri;
}

/** Opens `uri` in QDQ Studio, waits until its webview is ready and returns the node count it shows. */
export async function openReady(uri: vscode.Uri): Promise<number> {
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  await waitForOurEditor(uri);
  const report = await waitForReport(uri);
  if (report.status !== 'ready') throw new Error(`${uri.path} is not ready: ${JSON.stringify(report)}`);
  return report.nodeCount!;
}

/** A message the extension showed through `Notices` (test hook `qdqStudio.internal.answerNotices`). */
export interface Notice {
  kind: 'info' | 'warning';
  message: string;
  actions: string[];
  modal?: boolean;
}

/** What the editing commands return. */
export interface EditOutcome {
  applied: boolean;
  message: string;
}

/** Disables quantization of `target` in the model `uri` (QDQ Studio's command), which must apply (`what` prefixes the failure). */
export async function disable(uri: vscode.Uri, target: string, what?: string): Promise<void> {
  const outcome = await vscode.commands.executeCommand<EditOutcome>('qdqStudio.disableQuantization', { uri: uri.toString(), target });
  assert.equal(outcome.applied, true, what ? `${what}: ${outcome.message}` : outcome.message);
}

/** VS Code's save of `uri`; a failed save is the test's to see (the editor stays dirty), not thrown here. */
export async function save(uri: vscode.Uri): Promise<void> {
  await vscode.workspace.save(uri).then(undefined, () => undefined);
}

/** Edit A (disable `a`), save, Ctrl+Z of it: the document dirty with no edits and `original` nodes, the file holding A. */
export async function editSaveUndo(uri: vscode.Uri, original: number, a: string): Promise<void> {
  await disable(uri, a, 'edit A');
  await waitEditState(uri, true, 'dirty after edit A');
  await save(uri);
  await waitEditState(uri, false, 'clean after the save');
  await workbench('undo');
  await waitEditState(uri, true, 'Ctrl+Z of the saved edit A: dirty', (s) => s.edits.length === 0 && s.nodeCount === original);
}

/** Edit A, save, Ctrl+Z, edit B (disable `b`): VS Code keeps the tab dirty by a content change (until a save or revert). */
export async function markedByContentChange(uri: vscode.Uri, original: number, a: string, b: string): Promise<void> {
  await editSaveUndo(uri, original, a);
  await disable(uri, b, 'edit B');
  await waitEditState(uri, true, 'edit B: dirty', (s) => s.edits.length === 1);
}

/**
 * In the suite that calls it: code-server's autoSave (after a delay, its default) off while the
 * suite runs, so that an edit stays unsaved until the test saves it.
 */
export function savesByHand(): void {
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
  });
}

/** The main graph's nodes of the model in `file`, decoded by the reference codec. */
export function nodesOf(file: string): onnx.INodeProto[] {
  return onnx.ModelProto.decode(fs.readFileSync(file)).graph!.node!;
}

/** True when `conv` in `file` reads its weight as a float initializer (its quantization disabled). */
export function readsFloatWeight(file: string, conv: string): boolean {
  const node = nodesOf(file).find((n) => n.name === conv);
  assert.ok(node, `${conv} is not in ${file}`);
  return !node.input![1]!.includes('DequantizeLinear');
}

/**
 * After a document test: leave no dirty editor behind (closing would prompt), so revert each
 * (model or text), close every editor, stop answering notices and delete the test's scratch files.
 */
export async function revertCloseAndClean(scratch: vscode.Uri[]): Promise<void> {
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    if (!tab.isDirty) continue;
    if (tab.input instanceof vscode.TabInputCustom) await vscode.commands.executeCommand('vscode.openWith', tab.input.uri, VIEW_TYPE);
    else if (tab.input instanceof vscode.TabInputText) await vscode.window.showTextDocument(tab.input.uri);
    else continue;
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
  }
  await closeAllEditors();
  await vscode.commands.executeCommand('qdqStudio.internal.answerNotices', undefined);
  for (const uri of scratch.splice(0)) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
}

/** The QDQ Studio tabs of `uri`, in every group. */
export function tabsOf(uri: vscode.Uri): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString());
}

/**
 * VS Code's own Save As (File > Save As…) of the active editor, answered in its file dialog: the
 * simple dialog of a remote window, a quick pick listing the folder, its box holding the source's
 * path. `target` is the source itself (Enter takes the box), or an existing file of that folder
 * whose name sorts last: picking it (the dialog saves to the picked item or, none picked, to the
 * path in its box, which the pick fills in). Not through "..", the first item: picking that puts
 * the parent folder in the box, and the dialog goes up there, depending on timing. Then yes to
 * overwriting it. On a loaded machine the dialog may not have listed the folder yet when the last
 * item is picked: the box still holds the source, so the source is write-protected meanwhile and
 * QDQ Studio refuses that save (it never writes over a write-protected file); the Save As then
 * ends without writing, and the dialog is opened again, with more time to list the folder.
 */
export async function saveAsInDialog(target: vscode.Uri, source: vscode.Uri): Promise<void> {
  const mtime = (uri: vscode.Uri): number => fs.statSync(uri.fsPath).mtimeMs;
  const before = mtime(target);
  const sourceBefore = mtime(source);
  const onto = target.toString() === source.toString();
  const mode = fs.statSync(source.fsPath).mode & 0o7777;
  if (!onto) fs.chmodSync(source.fsPath, 0o444);
  try {
    for (let attempt = 1; ; attempt++) {
      let ended = false;
      const saving = Promise.resolve(vscode.commands.executeCommand('workbench.action.files.saveAs')).finally(() => (ended = true));
      await sleep(1500 * attempt); // the dialog lists the folder
      if (!onto) await vscode.commands.executeCommand('quickInput.last');
      await sleep(300);
      // Enter until the file is written: the dialog holds an Enter while it is busy (it looks the
      // target up), then asks whether to overwrite it. A Save As that ended without writing the
      // target (the source refused, or the dialog went away) is tried again.
      const written = await poll('the Save As to write the target', 8_000, async () => {
        if (mtime(target) !== before) return true;
        if (ended) return false;
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        await sleep(500);
        return undefined;
      }).catch(() => false);
      if (written) {
        await saving;
        return;
      }
      if (!onto) assert.equal(mtime(source), sourceBefore, 'the dialog saved the source over itself');
      const above = vscode.Uri.joinPath(source, '..', '..', source.path.slice(source.path.lastIndexOf('/') + 1));
      assert.ok(!fs.existsSync(above.fsPath), `the dialog saved to ${above.fsPath}`);
      for (let i = 0; i < 3 && !ended; i++) {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await sleep(300);
      }
      await Promise.race([saving.catch(() => undefined), sleep(5000)]);
      await vscode.commands.executeCommand('notifications.clearAll'); // a refused save's error
      note(`Save As: try ${attempt} did not save to ${target.path.slice(target.path.lastIndexOf('/') + 1)} through the dialog`);
      assert.ok(attempt < 4, 'the Save As dialog never saved to the target');
    }
  } finally {
    if (!onto) fs.chmodSync(source.fsPath, mode);
  }
}
