import type { AnalysisReport } from '../core/analysis/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import { targetFromSettings, type AnalysisService } from '../diagnostics/analysisService';

/** What the analysis predicts before and after keeping some layers in higher precision. */
export interface KeepEffect {
  readonly before: AnalysisReport['summary'];
  readonly after: AnalysisReport['summary'];
  /** `R19` → count, for findings that go away / appear. */
  readonly gone: Readonly<Record<string, number>>;
  readonly added: Readonly<Record<string, number>>;
}

function findingKeys(r: AnalysisReport): Map<string, { ruleId: string; n: number }> {
  const m = new Map<string, { ruleId: string; n: number }>();
  for (const f of r.findings) {
    const key = `${f.ruleId}\u0000${f.message}`;
    const e = m.get(key);
    if (e) e.n++;
    else m.set(key, { ruleId: f.ruleId, n: 1 });
  }
  return m;
}

function diff(a: Map<string, { ruleId: string; n: number }>, b: Map<string, { ruleId: string; n: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, e] of a) {
    const left = e.n - (b.get(k)?.n ?? 0);
    if (left > 0) out[e.ruleId] = (out[e.ruleId] ?? 0) + left;
  }
  return out;
}

/**
 * Runs the "disable quantization" edits of `targets` on a copy of the document's current model
 * (its unsaved edits included: the copy is a lossless encode of it) and analyses the copy for the
 * TensorRT target of the settings. "Before" is the shared analysis of the document (the same
 * target), analysed here only when the service has no report. The open document is not touched.
 */
export async function predictKeepEffect(document: OnnxDocument, targets: readonly string[], shared: AnalysisService): Promise<KeepEffect> {
  const state = document.state;
  if (state.kind !== 'loaded' || !state.decoded.model.graph) throw new Error(`${document.uri.fsPath} is not loaded`);
  const [onnx, graph, analysis, editing] = await Promise.all([
    import('../core/onnx/index.js'),
    import('../core/graph/index.js'),
    import('../core/analysis/index.js'),
    import('../core/editing/index.js'),
  ]);
  const target = targetFromSettings(document.uri);
  const analyse = (d: typeof state.decoded) => analysis.analyzeModel(d, graph.buildGraphIndex(d.model.graph!), target);
  const settled = await shared.whenSettled(document);
  const before = settled?.kind === 'analysed' && document.state === state ? settled.report : analyse(state.decoded);
  const bytes = onnx.encodeModelToBytes(state.decoded);
  const copy = onnx.decodeModel(new onnx.MemorySource(bytes, state.decoded.file), { file: state.decoded.file });
  editing.applyEdit(copy, { kind: 'batch', label: 'keep in higher precision', edits: targets.map((t) => ({ kind: 'disableQuantization' as const, target: t })) });
  const after = analyse(copy);
  const a = findingKeys(before);
  const b = findingKeys(after);
  return { before: before.summary, after: after.summary, gone: diff(a, b), added: diff(b, a) };
}

function counts(c: Readonly<Record<string, number>>): string {
  const parts = Object.entries(c)
    .sort((x, y) => Number(x[0].slice(1)) - Number(y[0].slice(1)))
    .map(([rule, n]) => (n === 1 ? rule : `${rule} ×${n}`));
  return parts.length ? parts.join(', ') : 'none';
}

/** The effect as lines for the confirmation dialog. */
export function describeKeepEffect(e: KeepEffect): string[] {
  const s = (x: AnalysisReport['summary']) => x.errors + x.warnings + x.infos;
  return [
    `Predicted layers: INT8 ${e.before.int8Layers} → ${e.after.int8Layers}, FP16 ${e.before.fp16Layers} → ${e.after.fp16Layers}; standalone Q/DQ conversions ${e.before.reformats} → ${e.after.reformats}.`,
    `Findings ${s(e.before)} → ${s(e.after)} (errors ${e.before.errors} → ${e.after.errors}, warnings ${e.before.warnings} → ${e.after.warnings}); gone: ${counts(e.gone)}; new: ${counts(e.added)}.`,
  ];
}
