import * as vscode from 'vscode';
import type { Finding, Fix } from '../core/analysis/index';
import type { EditRequest, FixAllOutcome, ScaleMode } from '../core/editing/index';
import type { AnalysisService } from '../diagnostics/analysisService';
import { displayPath, type ModelLoader } from '../editor/modelLoader';
import { OnnxDocument, unavailable, type EditOutcome } from '../editor/onnxDocument';
import type { OpenDocuments } from '../editor/openDocuments';
import { activeModelUri, OnnxEditorProvider } from '../editor/onnxEditorProvider';
import type { Logger } from '../util/logger';

export interface EditCommandServices {
  readonly documents: OpenDocuments;
  /** The shared analysis (src/diagnostics): finding ids are looked up in the report the user sees. */
  readonly analysis: AnalysisService;
  readonly log: Logger;
  readonly loader: ModelLoader;
}

/** `qdqStudio.disableQuantization` / `enableQuantization` argument (the agreed cross-team shape). */
export interface LayerTargetArgs {
  uri: string;
  /** ONNX node name, ONNX scope prefix (`/model.22/`) or PyTorch module name (`model.22`). */
  target?: string;
  /** Several targets applied as ONE undoable edit (e.g. "keep the k most sensitive layers"). */
  targets?: string[];
  /** enableQuantization only: the activation scale when none is remembered. */
  activationScale?: number;
  /** Show the outcome (the graph's node menu); without it only the return value says it. */
  interactive?: boolean;
}

export interface ApplyFixArgs {
  uri: string;
  /** A fix object from the analysis (src/core/analysis/fix.ts)… */
  fix?: Fix;
  /** …or a finding id `<ruleId>:<first node>` (e.g. `R16:/model.4/Concat`), whose fix is looked up. */
  findingId?: string;
}

/** `qdqStudio.fixAll` argument: every quick fix of the model's findings (of `rules`) as one edit. */
export interface FixAllArgs {
  uri: string;
  /** Rule ids (`R22`) or long ids; default: every rule with a fix (the palette asks). */
  rules?: string[];
  /** Show the outcome in a notification also when called with arguments (the Findings view's menu). */
  interactive?: boolean;
}

/** What `qdqStudio.fixAll` returns: the edit's outcome (its message is the fix-all summary) and what was fixed. */
export interface FixAllCommandOutcome extends EditOutcome {
  readonly fixes?: Pick<FixAllOutcome, 'applied' | 'skipped' | 'remaining'>;
  /** The rules the pick offered, as it showed them (when it asked). */
  readonly choices?: readonly FixAllChoice[];
}

export interface UnifyArgs {
  uri: string;
  /** Show the outcome (the graph's node menu). */
  interactive?: boolean;
  /** A Concat (or another op Q/DQ commute over). */
  node: string;
  mode?: ScaleMode;
  scale?: number;
}

const refused = (message: string): EditOutcome => ({ applied: false, message, nodes: [] });

/** The QDQ Studio editor's document in the active tab, if any. */
/** The open document of `uri`; opens it in QDQ Studio first when it is not open. */
async function documentFor(services: EditCommandServices, uri: string | vscode.Uri): Promise<OnnxDocument | undefined> {
  const parsed = typeof uri === 'string' ? (/^[a-z][a-z0-9+.-]+:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri) ? vscode.Uri.parse(uri) : vscode.Uri.file(uri)) : uri;
  let document = await services.documents.whenOpen(parsed); // open, or still loading: wait for it
  if (document) return document;
  await vscode.commands.executeCommand('vscode.openWith', parsed, OnnxEditorProvider.viewType);
  // VS Code creates the document in a moment; its load then takes as long as it takes.
  const deadline = Date.now() + 30_000;
  while (!(document = await services.documents.whenOpen(parsed)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return document;
}

/** The model a command without a model argument edits: the one in front, else the only model open (a text editor or a view in front). */
function modelToEdit(services: EditCommandServices): string | undefined {
  const open = services.documents.all();
  return activeModelUri()?.toString() ?? (open.length === 1 ? open[0]!.uri.toString() : undefined);
}

/** Runs `make` against the document named by the argument (or the active editor, asking for the rest). */
async function run(
  services: EditCommandServices,
  uri: string | undefined,
  request: () => Promise<EditRequest | undefined> | EditRequest | undefined,
  interactive: boolean,
): Promise<EditOutcome> {
  const target = uri ?? modelToEdit(services);
  if (!target) {
    const open = services.documents.all().length;
    const outcome = refused(open > 1 ? `${open} models are open: bring the one to edit to the front.` : 'Open an ONNX model in QDQ Studio first.');
    if (interactive) void vscode.window.showWarningMessage(outcome.message);
    return outcome;
  }
  let outcome: EditOutcome;
  try {
    const document = await documentFor(services, target);
    const r = await request();
    if (!r) return refused('cancelled');
    outcome = document ? await document.applyEdit(r) : refused(`${target} is not open in QDQ Studio and could not be opened`);
  } catch (e) {
    services.log.error('Edit failed', e);
    outcome = refused(e instanceof Error ? e.message : String(e));
  }
  if (interactive) {
    if (outcome.applied) void vscode.window.showInformationMessage(outcome.message);
    else void vscode.window.showWarningMessage(outcome.message);
  }
  return outcome;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Whether a command's outcome is shown to the user: called without arguments (palette, key
 * binding), or with `interactive: true` (the graph's node menu, the Findings view). Scripts and
 * other commands that pass arguments get the outcome as the return value only.
 */
function shownToUser(arg: unknown): boolean {
  return !isObject(arg) || arg.interactive === true;
}

async function askTarget(prompt: string): Promise<string | undefined> {
  return vscode.window.showInputBox({ prompt, placeHolder: '/model.22/cv2.0/cv2.0.0/conv/Conv, /model.22/ or model.22' });
}

/** One rule as the "Fix All Findings…" pick offers it. */
export interface FixAllChoice {
  readonly ruleId: string;
  readonly label: string;
  /** How many findings carry a fix and how many distinct fixes they are: `4 findings · 2 fixes`. */
  readonly description: string;
}

/**
 * Asks which rules to fix (each with how many of its findings carry a fix and how many distinct fixes
 * those are, as core countFixes counts them; all picked): their ids, 'all' when every one is ticked,
 * undefined when dismissed. `offered` gets the items as shown.
 */
async function pickFixRules(findings: readonly Finding[], model: string, offered: (choices: FixAllChoice[]) => void): Promise<string[] | 'all' | undefined> {
  const { countFixes, describeFixCount } = await import('../core/editing/index.js');
  const counts = countFixes(findings);
  if (counts.length === 0) throw new Error(`${model}: no finding has a fix`);
  const items = counts.map((c) => ({ label: `${c.ruleId} ${c.rule}`, ruleId: c.ruleId, description: describeFixCount(c), detail: c.title, picked: true }));
  offered(items.map(({ ruleId, label, description }) => ({ ruleId, label, description })));
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: `Fix all: ${model}`, placeHolder: 'Rules whose fixes to apply, as one edit (one undo)' });
  if (!picked?.length) return undefined;
  return picked.length === items.length ? 'all' : picked.map((p) => p.ruleId);
}

/**
 * Finding id `R16:/model.4/Concat` -> that finding's fix, from the shared analysis of the document's
 * current model (the report behind the Problems panel, for the settings' TensorRT target).
 */
async function fixOfFinding(analysis: AnalysisService, document: OnnxDocument, findingId: string): Promise<Fix | undefined> {
  const state = await analysis.whenSettled(document);
  if (state?.kind !== 'analysed') return undefined;
  const cut = findingId.indexOf(':');
  const ruleId = findingId.slice(0, cut);
  const node = findingId.slice(cut + 1);
  return state.report.findings.find((f) => f.ruleId === ruleId && f.nodes[0] === node && f.fix)?.fix;
}

/**
 * The editing commands: disable / enable quantization of a layer, unify scales, apply an analysis
 * fix, apply or export a plan. Each edit goes through the open document as one undoable edit and
 * returns `{ applied, message, nodes }` (a refusal is `applied: false` with the reason, never a throw).
 */
export function registerEditCommands(context: vscode.ExtensionContext, services: EditCommandServices): void {
  const layer = (kind: 'disableQuantization' | 'enableQuantization') => async (arg?: unknown): Promise<EditOutcome> => {
    const args = isObject(arg) ? (arg as Partial<LayerTargetArgs>) : {};
    const interactive = shownToUser(arg);
    const given = typeof args.target === 'string' ? args.target : undefined;
    return run(services, typeof args.uri === 'string' ? args.uri : undefined, async () => {
      if (Array.isArray(args.targets) && args.targets.length > 0 && args.targets.every((t) => typeof t === 'string')) {
        const targets = args.targets;
        const label = `${kind === 'disableQuantization' ? 'Keep in higher precision' : 'Quantize'}: ${targets.length === 1 ? targets[0] : `${targets.length} layers`}`;
        return { kind: 'batch', label, edits: targets.map((target) => ({ kind, target })) };
      }
      const target = given ?? (await askTarget(kind === 'disableQuantization' ? 'Layer to keep in higher precision' : 'Layer to quantize'));
      if (!target) return undefined;
      if (kind === 'disableQuantization') return { kind, target };
      return { kind, target, ...(typeof args.activationScale === 'number' ? { activationScale: args.activationScale } : {}) };
    }, interactive);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('qdqStudio.disableQuantization', layer('disableQuantization')),
    vscode.commands.registerCommand('qdqStudio.enableQuantization', layer('enableQuantization')),
    vscode.commands.registerCommand('qdqStudio.unifyScales', async (arg?: unknown) => {
      const args = isObject(arg) ? (arg as Partial<UnifyArgs>) : {};
      return run(services, typeof args.uri === 'string' ? args.uri : undefined, async () => {
        const node = typeof args.node === 'string' ? args.node : await vscode.window.showInputBox({ prompt: 'Concat (or other commuting op) whose quantizers share one scale', placeHolder: '/model.4/Concat' });
        if (!node) return undefined;
        const mode: ScaleMode = args.mode ?? (typeof args.scale === 'number' ? 'value' : 'max');
        return { kind: 'unifyConcat', node, mode, ...(typeof args.scale === 'number' ? { scale: args.scale } : {}) };
      }, shownToUser(arg));
    }),
    // { uri, quantize, dequantize } (a Q→DQ pair) or { uri, tensor } (the pair on a tensor): remove it.
    vscode.commands.registerCommand('qdqStudio.removeQdq', async (arg?: unknown) => {
      const args = isObject(arg) ? arg : {};
      return run(services, typeof args.uri === 'string' ? args.uri : undefined, async () => {
        if (typeof args.quantize === 'string' && typeof args.dequantize === 'string') return { kind: 'removeQdqPair', quantize: args.quantize, dequantize: args.dequantize };
        const tensor = typeof args.tensor === 'string' ? args.tensor : await vscode.window.showInputBox({ prompt: 'Tensor whose Q/DQ pair to remove' });
        return tensor ? { kind: 'removeQdqOnTensor', tensor } : undefined;
      }, shownToUser(arg));
    }),
    vscode.commands.registerCommand('qdqStudio.applyFix', async (arg?: unknown) => {
      const args = isObject(arg) ? (arg as Partial<ApplyFixArgs>) : {};
      if (typeof args.uri !== 'string') return refused('qdqStudio.applyFix needs { uri, fix } or { uri, findingId }');
      const uri = args.uri;
      return run(services, uri, async () => {
        let fix = isObject(args.fix) && Array.isArray((args.fix as Fix).edits) ? (args.fix as Fix) : undefined;
        if (!fix && typeof args.findingId === 'string') {
          const document = await documentFor(services, uri);
          fix = document ? await fixOfFinding(services.analysis, document, args.findingId) : undefined;
          if (!fix) throw new Error(`no finding ${args.findingId} with a fix in ${uri}`);
        }
        if (!fix) throw new Error('qdqStudio.applyFix needs a fix or a findingId');
        return { kind: 'applyFix', fix };
      }, false);
    }),
    vscode.commands.registerCommand('qdqStudio.fixAll', async (arg?: unknown): Promise<FixAllCommandOutcome> => {
      const args = isObject(arg) ? (arg as Partial<FixAllArgs>) : {};
      // No model named: the palette, or the Findings view's title button (which passes the view's
      // context, not a model): ask which rules and say what happened.
      const asked = typeof args.uri !== 'string';
      let found: FixAllOutcome | undefined;
      let choices: FixAllChoice[] | undefined;
      let summary = '';
      const outcome = await run(services, typeof args.uri === 'string' ? args.uri : undefined, async () => {
        const uri = typeof args.uri === 'string' ? args.uri : modelToEdit(services);
        const document = uri ? await documentFor(services, uri) : undefined;
        if (!document) return undefined;
        const settled = await services.analysis.whenSettled(document);
        if (settled?.kind !== 'analysed') throw new Error(`${displayPath(document.uri)}: no analysis to take fixes from${settled?.kind === 'failed' ? ` (${settled.message})` : ''}`);
        let rules = Array.isArray(args.rules) ? args.rules.filter((r): r is string => typeof r === 'string') : undefined;
        if (!rules && asked) {
          const picked = await pickFixRules(settled.report.findings, displayPath(document.uri), (c) => (choices = c));
          if (!picked) return undefined;
          // Every rule ticked: every rule, also those whose findings only appear as fixes apply.
          rules = picked === 'all' ? undefined : picked;
        }
        const state = document.state;
        if (state.kind !== 'loaded') throw new Error(unavailable(document.uri, state));
        const [editing, analysis, graph] = await Promise.all([import('../core/editing/index.js'), import('../core/analysis/index.js'), import('../core/graph/index.js')]);
        const target = settled.target;
        found = editing.fixAll(state.decoded, (d) => analysis.analyzeModel(d, graph.buildGraphIndex(d.model.graph!), target), rules ? { rules } : {});
        summary = editing.describeFixAll(found, rules);
        if (!found.request) throw new Error(`${displayPath(document.uri)}: ${summary}`);
        return found.request;
      }, false);
      const result: FixAllCommandOutcome = {
        ...outcome,
        ...(outcome.applied ? { message: summary } : {}),
        ...(found ? { fixes: { applied: found.applied, skipped: found.skipped, remaining: found.remaining } } : {}),
        ...(choices ? { choices } : {}),
      };
      if ((asked || args.interactive === true) && outcome.message !== 'cancelled') {
        if (result.applied) void vscode.window.showInformationMessage(result.message);
        else void vscode.window.showWarningMessage(result.message);
      }
      return result;
    }),
    vscode.commands.registerCommand('qdqStudio.applyPlan', async (arg?: unknown) => {
      const args = isObject(arg) ? (arg as { uri?: string; plan?: string }) : {};
      return run(services, args.uri, async () => {
        let planUri: vscode.Uri | undefined = typeof args.plan === 'string' ? vscode.Uri.file(args.plan) : undefined;
        if (!planUri) [planUri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'QDQ plan': ['json'] }, title: 'Apply a quantization plan' })) ?? [];
        if (!planUri) return undefined;
        const editing = await import('../core/editing/index.js');
        const name = planUri.scheme === 'file' ? planUri.fsPath : planUri.toString(true);
        const stat = await vscode.workspace.fs.stat(planUri);
        // A named pipe or a device would leave the read pending until a writer came.
        if (!(stat.type & vscode.FileType.File)) throw new Error(`${name}: cannot read plan: not a regular file`);
        if (stat.size > editing.MAX_PLAN_BYTES) throw new Error(`${name}: too large for a plan (${stat.size} bytes)`);
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(planUri));
        return editing.planToRequest(editing.parsePlan(text, name), `Apply plan ${planUri.path.slice(planUri.path.lastIndexOf('/') + 1)}`);
      }, shownToUser(arg));
    }),
    vscode.commands.registerCommand('qdqStudio.exportPlan', async (arg?: unknown) => {
      const args = isObject(arg) ? (arg as { uri?: string; target?: string }) : {};
      const uri = args.uri ?? modelToEdit(services);
      if (!uri) return undefined;
      const document = await documentFor(services, uri);
      if (!document) return undefined;
      const editing = await import('../core/editing/index.js');
      const plan = editing.exportPlan(document.appliedEdits, document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1));
      let target: vscode.Uri | undefined = typeof args.target === 'string' ? vscode.Uri.file(args.target) : undefined;
      target ??= await vscode.window.showSaveDialog({ defaultUri: document.uri.with({ path: document.uri.path.replace(/\.onnx$/i, '') + '.qdq-plan.json' }), filters: { 'QDQ plan': ['json'] } });
      if (!target) return undefined;
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(plan, null, 2)}\n`));
      const kept = plan.keepHigherPrecision?.length ?? 0;
      if (!isObject(arg)) void vscode.window.showInformationMessage(`Plan written to ${target.fsPath} (${kept} layer${kept === 1 ? '' : 's'} kept in higher precision).`);
      return { path: target.toString(), plan };
    }),
    // Test hook: back the document up (as hot exit does), open a second document from that backup
    // (as VS Code does after a restart) and report what it restored.
    vscode.commands.registerCommand('qdqStudio.internal.backupRoundTrip', async (uri?: string, folder?: string) => {
      const document = uri === undefined ? undefined : services.documents.get(uri);
      if (!document || folder === undefined) return undefined;
      const destination = vscode.Uri.joinPath(vscode.Uri.file(folder), `backup-${Date.now()}.json`);
      const backup = await document.backup(destination, new vscode.CancellationTokenSource().token);
      const restored = await OnnxDocument.create(document.uri, backup.id, services);
      try {
        const state = restored.state;
        return {
          isDirty: restored.isDirty,
          edits: restored.appliedEdits.map((e) => e.label),
          nodeCount: state.kind === 'loaded' ? state.summary.nodeCount : undefined,
          backupBytes: (await vscode.workspace.fs.stat(destination)).size,
        };
      } finally {
        restored.dispose();
        await backup.delete();
      }
    }),
    vscode.commands.registerCommand('qdqStudio.internal.editState', async (uri?: string) => {
      const document = uri === undefined ? undefined : services.documents.get(uri);
      if (!document) return undefined;
      const state = document.state;
      return {
        isDirty: document.isDirty,
        edits: document.appliedEdits.map((e) => e.label),
        backupLog: document.edits,
        nodeCount: state.kind === 'loaded' ? state.summary.nodeCount : undefined,
      };
    }),
  );
}
