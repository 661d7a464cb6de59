/**
 * `qdq edit MODEL -o OUT [--disable-quant NODE|LABEL|PREFIX|MODULE]... [--enable-quant NODE[:SCALE]]...
 * [--unify-scales NODE[:max|min|VALUE]]... [--remove-qdq TENSOR]... [--insert-qdq TENSOR:SCALE]...
 * [--fix RULES|all [--trt 8|10] [--precision int8|fp8] [--strongly-typed] [--refit]]
 * [--float-reference] [--plan PLAN.json] [--export-plan PLAN.json] [--json]`: apply Q/DQ edits
 * (src/core/editing) and save losslessly (everything untouched is copied byte for byte, atomically).
 *
 * Order: the plan, then disables, enables, unifications, removals, insertions, the fixes (every
 * quick fix of the chosen rules' findings on the model as those edits left it, core/editing/fixAll;
 * for the lint options' TensorRT target), the float reference.
 * Exit codes: 0 written; 1 an edit was refused (its message names it; nothing is written);
 * 2 unreadable input or bad usage, one line naming the file.
 */
import * as fs from 'node:fs';
import { analyzeModel, findRule, scaleShareAround } from '../core/analysis/index';
import { buildGraphIndex, findNodeRef, nodeLabel } from '../core/graph/index';
import { dataFileClash, detachedDataFiles, isOnnxError, ModelFileError, openModelFile, sameFile, saveModelFile, saveTextFile, type DecodedModel, type Node } from '../core/onnx/index';
import {
  describeFixAll, EditError, EditSession, exportPlan, fixAll, MAX_PLAN_BYTES, parsePlan, planToRequest, removeAllQdqPairs, resolveTarget, type AppliedEdit, type EditRequest, type FixRef, type ScaleMode,
} from '../core/editing/index';
import { cannotReadMessage } from '../core/util/fileErrors';
import { externalDataCheck, type DataProblem } from './dataProblems';
import type { CliIo } from './qdq';
import { detachedDataLines, replacedLinkLine } from './saveNotes';
import { whileSaving } from './stopSignals';
import { analysisTarget } from './target';
import { InputError, parseCommandArgs, usageMessage, UsageError } from './usage';

function splitSuffix(arg: string): [string, string | undefined] {
  // Node names contain '/', '.', ':' rarely; the suffix is after the last ':' only when it looks like one.
  const cut = arg.lastIndexOf(':');
  if (cut <= 0) return [arg, undefined];
  const suffix = arg.slice(cut + 1);
  return /^(max|min|[0-9.eE+-]+)$/.test(suffix) ? [arg.slice(0, cut), suffix] : [arg, undefined];
}

function positive(text: string, what: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${what}: "${text}" is not a positive number`);
  return v;
}

/**
 * `--unify-scales NODE`: a Concat (or other commuting op), or a node whose analysis finding proposes
 * unified scales. NODE is a name or, for an unnamed node, its label (`Concat#57`) in the model as
 * read (`original`, the node list before any edit), named in the request by its label now.
 */
function unifyRequest(decoded: DecodedModel, original: readonly Node[], arg: string): EditRequest {
  const [ref, suffix] = splitSuffix(arg);
  const mode: ScaleMode = suffix === undefined || suffix === 'max' ? 'max' : suffix === 'min' ? 'min' : 'value';
  const scale = mode === 'value' ? positive(suffix!, `--unify-scales ${arg}`) : undefined;
  const found = findNodeRef(original, ref);
  if (found.why) throw new EditError(`--unify-scales: ${found.why}`);
  const n = found.node;
  const at = n ? decoded.model.graph!.node.indexOf(n) : -1;
  if (!n) throw new EditError(`--unify-scales: no node named "${ref}"`);
  if (at < 0) throw new EditError(`--unify-scales: ${ref} is no longer in the graph (an earlier edit removed it)`);
  const node = nodeLabel(n, at);
  if (n.opType !== 'QuantizeLinear' && n.opType !== 'DequantizeLinear') {
    const report = analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), {});
    const fix = report.findings.find((f) => f.nodes[0] === node && f.fix?.edits.some((e) => e.kind === 'unifyScales'));
    const edit = fix?.fix?.edits.find((e) => e.kind === 'unifyScales');
    if (edit && edit.kind === 'unifyScales' && !['Concat', 'MaxPool', 'Resize'].includes(n.opType)) {
      return { kind: 'unifyScales', nodes: edit.nodes, mode, ...(scale !== undefined ? { scale } : {}) };
    }
  }
  return { kind: 'unifyConcat', node, mode, ...(scale !== undefined ? { scale } : {}) };
}

/**
 * `--disable-quant T` / `--enable-quant T`: a name, scope or module as given; an unnamed node's label
 * (`Conv#12`) names the node at that index in the model as read (`original`), as for
 * `--unify-scales`, and is given to the edit as its label now (earlier edits move indices). A node
 * name wins over a label.
 */
function layerTarget(decoded: DecodedModel, original: readonly Node[], target: string, flag: string): string {
  const t = target.trim();
  if (!/#\d+$/.test(t)) return target;
  const found = findNodeRef(original, t);
  if (found.why) throw new EditError(`${flag}: ${found.why}`);
  if (!found.node || found.node.name) return target;
  const at = decoded.model.graph!.node.indexOf(found.node);
  if (at < 0) throw new EditError(`${flag}: ${t} is no longer in the graph (an earlier edit removed it)`);
  return nodeLabel(found.node, at);
}

/** The Q/DQ nodes a unify request would change (the scale-sharing set for a Concat). */
function quantizerNames(decoded: DecodedModel, r: EditRequest): string[] {
  if (r.kind === 'unifyScales') return r.nodes;
  if (r.kind !== 'unifyConcat') return [];
  const g = decoded.model.graph!;
  const n = findNodeRef(g.node, r.node).node;
  const at = n ? g.node.indexOf(n) : -1;
  return at < 0 ? [] : scaleShareAround(decoded, buildGraphIndex(g), at).qdq.map((i) => nodeLabel(g.node[i]!, i));
}

/** The layers `target` names in the model as it is now, named as an edit's `layers` name them; none when it names nothing. */
function layerNames(decoded: DecodedModel, target: string): string[] {
  const nodes = decoded.model.graph?.node ?? [];
  try {
    return resolveTarget(nodes, target).map((n) => n.name || nodeLabel(n, nodes.indexOf(n)));
  } catch {
    return [];
  }
}

/** `--fix R22,R26 --fix R16` or `--fix all`: the rule ids (checked), 'all', or undefined without `--fix`. */
function fixRulesOf(values: string[] | undefined): string[] | 'all' | undefined {
  if (values === undefined) return undefined;
  const ids = values.flatMap((v) => v.split(',')).map((r) => r.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError('--fix needs rule ids (e.g. R22,R26) or all');
  if (ids.some((r) => r.toLowerCase() === 'all')) return 'all';
  for (const r of ids) if (!findRule(r)) throw new UsageError(`--fix: unknown rule '${r}' (expected R1..R31 or a long id such as QDQ-CONCAT-SCALE, or all)`);
  return ids;
}

export async function cmdEdit(args: string[], io: CliIo): Promise<number> {
  let values: {
    output?: string; json?: boolean; plan?: string; 'export-plan'?: string; 'float-reference'?: boolean;
    'disable-quant'?: string[]; 'enable-quant'?: string[]; 'unify-scales'?: string[]; 'remove-qdq'?: string[]; 'insert-qdq'?: string[];
    fix?: string[]; trt?: string; precision?: string; 'strongly-typed'?: boolean; refit?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandArgs(args, {
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean', default: false },
      plan: { type: 'string' },
      'export-plan': { type: 'string' },
      'float-reference': { type: 'boolean', default: false },
      'disable-quant': { type: 'string', multiple: true },
      'enable-quant': { type: 'string', multiple: true },
      'unify-scales': { type: 'string', multiple: true },
      'remove-qdq': { type: 'string', multiple: true },
      'insert-qdq': { type: 'string', multiple: true },
      fix: { type: 'string', multiple: true },
      trt: { type: 'string', default: '10' },
      precision: { type: 'string', default: 'int8' },
      'strongly-typed': { type: 'boolean', default: false },
      refit: { type: 'boolean', default: false },
    }));
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one MODEL' : 'needs a MODEL');
    if (!values.output && !values['export-plan']) throw new UsageError('needs -o OUT (or --export-plan PLAN.json)');
    const planTarget = values['export-plan'];
    if (planTarget && sameFile(planTarget, positionals[0]!)) throw new UsageError(`--export-plan ${planTarget} is the model it edits: the plan would replace it`);
    if (planTarget && values.output && sameFile(planTarget, values.output)) throw new UsageError(`--export-plan and -o name the same file (${planTarget}): one would replace the other`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(usageMessage('edit', e.message));
    return 2;
  }
  const modelFile = positionals[0]!;
  let decoded: DecodedModel | undefined;
  let dataProblems: DataProblem[] = [];
  let unreadable = new Set<string>();
  try {
    let planRequest: EditRequest | undefined;
    if (values.plan) {
      const file = values.plan;
      let text: string;
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) throw new InputError(`${file}: cannot read plan: not a regular file`);
        if (st.size > MAX_PLAN_BYTES) throw new InputError(`${file}: too large for a plan (${st.size} bytes)`);
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(cannotReadMessage(file, e));
      }
      try {
        planRequest = planToRequest(parsePlan(text, file), `Apply plan ${file}`);
      } catch (e) {
        throw new InputError((e as Error).message.startsWith(file) ? (e as Error).message : `${file}: ${(e as Error).message}`);
      }
    }
    decoded = openModelFile(modelFile);
    // External data that cannot be read would refuse an edit that reads it for another reason
    // ("not a readable constant") or let one that needs its values do less: an input error when
    // the edits read values there, a warning when they cannot (the weights of a Q/DQ placement edit
    // on a checkout without its data file: a plan can still be made, the .onnx still written).
    ({ problems: dataProblems, unreadable } = externalDataCheck(decoded.model, modelFile));
    if (dataProblems.length) {
      const needed = readsUnreadable(decoded, unreadable, Boolean(values.fix?.length || values['float-reference']));
      if (needed) {
        for (const p of dataProblems) io.err(`qdq: ${p.message}; ${needed} (nothing written)`);
        return 2;
      }
      for (const p of dataProblems) io.err(`qdq edit: warning: ${p.message}`);
    }
    const original = decoded.model.graph?.node ?? [];
    const session = new EditSession(decoded);
    // Requests made when they apply: a label target is named as it is after the earlier edits.
    const before: (() => EditRequest)[] = [];
    const after: EditRequest[] = [];
    if (planRequest) before.push(() => planRequest);
    for (const t of values['disable-quant'] ?? []) before.push(() => ({ kind: 'disableQuantization', target: layerTarget(decoded!, original, t, '--disable-quant') }));
    for (const arg of values['enable-quant'] ?? []) {
      const [target, suffix] = splitSuffix(arg);
      const activationScale = suffix !== undefined ? positive(suffix, `--enable-quant ${arg}`) : undefined;
      before.push(() => ({ kind: 'enableQuantization', target: layerTarget(decoded!, original, target, '--enable-quant'), ...(activationScale !== undefined ? { activationScale } : {}) }));
    }
    for (const t of values['remove-qdq'] ?? []) after.push({ kind: 'removeQdqOnTensor', tensor: t });
    for (const arg of values['insert-qdq'] ?? []) {
      const [tensor, suffix] = splitSuffix(arg);
      if (suffix === undefined) throw new UsageError(`--insert-qdq ${arg}: give TENSOR:SCALE`);
      after.push({ kind: 'insertQdqPair', tensor, scale: positive(suffix, `--insert-qdq ${arg}`), dtype: 'INT8' });
    }
    const fixRules = fixRulesOf(values.fix);
    const target = analysisTarget(values, (m) => new UsageError(m));
    const done: { label: string; message: string; nodes: string[]; notes?: string[]; fixes?: { applied: readonly FixRef[]; skipped: readonly (FixRef & { reason: string })[]; remaining: number } }[] = [];
    const applyOne = (r: EditRequest): AppliedEdit => {
      const a = session.apply(r);
      done.push({ label: a.label, message: a.message, nodes: a.nodes, ...(a.notes ? { notes: a.notes } : {}) });
      return a;
    };
    // A --disable-quant whose layers an earlier, other one already kept (a module, then one of its
    // layers) is a note, not a refusal, as a later --unify-scales is below; the same flag twice is
    // still refused.
    const kept = new Set<string>();
    const keptTargets = new Set<string>();
    for (const make of before) {
      const r = make();
      let a: AppliedEdit;
      try {
        a = applyOne(r);
      } catch (e) {
        const target = r.kind === 'disableQuantization' ? r.target : undefined;
        const nothing = e instanceof EditError && target !== undefined && e.message.startsWith(`${target}: nothing to disable`);
        const layers = nothing && !keptTargets.has(target) && kept.size ? layerNames(decoded, target) : [];
        // Refused with nothing to disable, and some of its layers kept earlier: the others had no Q/DQ.
        const earlier = layers.filter((n) => kept.has(n)).length;
        if (earlier === 0) throw e;
        const which = layers.length === 1 ? 'it' : earlier === layers.length ? `its ${layers.length} layers` : `${earlier} of its ${layers.length} layers`;
        const rest = earlier < layers.length ? '; the rest had no Q/DQ' : '';
        done.push({ label: `Disable quantization of ${target}`, message: `${target}: nothing left to change (an earlier --disable-quant already kept ${which} in higher precision${rest}).`, nodes: [] });
        continue;
      }
      if (r.kind === 'disableQuantization') keptTargets.add(r.target);
      for (const part of a.layers ?? []) if (part.kind === 'disableQuantization') for (const n of part.layers) kept.add(n);
    }
    // Unifications look at the model as the earlier edits left it. One unification can cover the
    // quantizers of several Concats (they share quantizers: see quantizersAround in core/editing),
    // so a later --unify-scales whose quantizers an earlier one already set is a note, not a refusal.
    const unified = new Set<string>();
    for (const arg of values['unify-scales'] ?? []) {
      const r = unifyRequest(decoded, original, arg);
      try {
        applyOne(r);
      } catch (e) {
        const names = e instanceof EditError && unified.size ? quantizerNames(decoded, r) : [];
        if (!names.length || !names.every((n) => unified.has(n))) throw e;
        const node = r.kind === 'unifyConcat' ? r.node : arg;
        done.push({ label: `Unify the scales around ${node}`, message: `${node}: nothing left to change (an earlier --unify-scales already gave its ${names.length} quantizers one scale).`, nodes: [] });
        continue;
      }
      for (const n of done.at(-1)!.nodes) unified.add(n);
    }
    after.forEach(applyOne);
    if (fixRules !== undefined) {
      // Last of the edits: the fixes are those of the model the edits above left.
      const rules = fixRules === 'all' ? undefined : fixRules;
      const found = fixAll(decoded, (d) => analyzeModel(d, buildGraphIndex(d.model.graph!), target), rules ? { rules } : {});
      const message = describeFixAll(found, rules);
      const fixes = { applied: found.applied, skipped: found.skipped, remaining: found.remaining };
      if (found.request) {
        const a = session.apply(found.request);
        done.push({ label: a.label, message, nodes: a.nodes, ...(a.notes ? { notes: a.notes } : {}), fixes });
      } else done.push({ label: 'Fix all', message, nodes: [], fixes });
    }
    if (values['float-reference']) {
      const r = removeAllQdqPairs(decoded);
      done.push({ label: 'Remove all Q/DQ (float reference)', message: `Removed ${r.pairs.length} Q/DQ pairs, dequantized ${r.dequantizedWeights.length} stored weights${r.kept.length ? `; kept ${r.kept.length}: ${r.kept.map((k) => `${k.node} (${k.reason})`).join(', ')}` : ''}.`, nodes: r.removedNodes });
    }
    const plan = exportPlan(session.applied, modelFile);
    const planFile = values['export-plan'];
    // Not over a data file the model reads (its weights would be gone), checked before anything is written.
    const planClash = planFile ? dataFileClash(decoded.model, modelFile, planFile) : undefined;
    if (planClash) throw new ModelFileError(planFile!, planClash);
    let bytesWritten: number | undefined;
    if (values.output) {
      // As `qdq save`: data files are never copied; say which the edited model cannot read from where it is written.
      const detached = detachedDataFiles(decoded.model, modelFile, values.output);
      const out = values.output;
      const saved = await whileSaving(() => saveModelFile(decoded!, out));
      bytesWritten = saved.bytesWritten;
      if (saved.replacedLink !== undefined) io.err(replacedLinkLine('qdq edit', values.output, saved.replacedLink));
      for (const line of detachedDataLines('qdq edit', values.output, detached)) io.err(line);
    }
    // After the model (a refused -o leaves no plan behind); saved as a model is (refusals, temporary
    // file, whileSaving): a signal leaves no temporary file.
    if (planFile) await whileSaving(() => saveTextFile(planFile, `${JSON.stringify(plan, null, 2)}\n`, 'plan.json'));
    if (values.json) {
      io.out(JSON.stringify({ model: modelFile, output: values.output ?? null, bytesWritten: bytesWritten ?? null, edits: done, plan }, null, 2));
    } else {
      for (const d of done) io.out(d.message);
      if (values.output) io.out(`wrote ${values.output} (${bytesWritten} bytes)`);
      if (values['export-plan']) io.out(`wrote plan ${values['export-plan']} (${plan.keepHigherPrecision?.length ?? 0} layers kept in higher precision)`);
    }
    return 0;
  } catch (e) {
    // An edit that needed a value stored in the unreadable external data: an input error, as above.
    if (e instanceof EditError && e.tensor !== undefined && unreadable.has(e.tensor)) {
      for (const p of dataProblems) io.err(`qdq: ${p.message}; the edits read '${e.tensor}' stored there (nothing written)`);
      return 2;
    }
    if (e instanceof EditError) {
      io.err(`qdq edit: ${modelFile}: ${e.message} (nothing written)`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(usageMessage('edit', e.message));
      return 2;
    }
    if (e instanceof InputError || isOnnxError(e)) {
      io.err(`qdq: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  } finally {
    decoded?.source.close?.();
  }
}

/**
 * Why the requested edits cannot be made without the unreadable external data, or undefined when
 * they do not read it: fixes and the float reference read any value (weights included); placement
 * edits read the scales and zero points of Q/DQ nodes.
 */
function readsUnreadable(decoded: DecodedModel, unreadable: ReadonlySet<string>, readsAnyValue: boolean): string | undefined {
  if (readsAnyValue) return '--fix and --float-reference read tensor values';
  const params = new Set<string>();
  for (const n of decoded.model.graph?.node ?? []) {
    if (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear') for (const t of n.input.slice(1)) if (t) params.add(t);
  }
  const hit = [...params].filter((t) => unreadable.has(t));
  return hit.length ? `the edits read Q/DQ scales or zero points stored there (${hit.slice(0, 3).join(', ')}${hit.length > 3 ? `, and ${hit.length - 3} more` : ''})` : undefined;
}
