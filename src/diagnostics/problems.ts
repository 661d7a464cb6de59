import * as vscode from 'vscode';
import type { Finding } from '../core/analysis/index';
import type { OnnxDocument } from '../editor/onnxDocument';
import { Disposable } from '../util/dispose';
import type { AnalysisService } from './analysisService';
import { commandLinkQuery } from './commandLink';
import { ENGINE_MISMATCH_CODE, MAX_MISMATCH_DIAGNOSTICS, type EngineCheckService, type EngineCheckState } from './engineCheck';

/** The Problems-panel source and collection name. */
export const DIAGNOSTIC_SOURCE = 'QDQ Studio';

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Longest node list spelled out in a Problems message; the findings view shows all of them. */
const MAX_NODES_IN_MESSAGE = 6;

/**
 * The message shown in the Problems panel: the finding's own message (which carries the numbers),
 * followed by the nodes it involves when the message does not already name them.
 */
export function problemMessage(f: Finding): string {
  const missing = f.nodes.filter((n) => !f.message.includes(n));
  if (missing.length === 0) return f.message;
  const shown = missing.slice(0, MAX_NODES_IN_MESSAGE).join(', ');
  const more = missing.length > MAX_NODES_IN_MESSAGE ? ` and ${missing.length - MAX_NODES_IN_MESSAGE} more` : '';
  return `${f.message} [${f.nodes.length === 1 ? 'node' : 'nodes'}: ${shown}${more}]`;
}

/**
 * A `command:` link that shows `node` in the model's graph (opens the model when needed, selects and
 * centres the node): the diagnostic's code link. The Problems panel opens code links with commands
 * allowed, and it is the only part of a row that can run one: clicking the row itself only brings
 * the model's editor forward (microsoft/vscode#205209). The arguments survive VS Code's decoding of
 * the link whatever the node's name holds (`%20`, `%`, `#`, quotes: see commandLinkQuery).
 */
export function revealNodeLink(model: vscode.Uri, node: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'command', path: 'qdqStudio.revealFindingNode', query: commandLinkQuery([model.toString(), node]) });
}

/** The build file as the user knows it: `model.trtexec/qdq.layer.json`. */
export function engineFileLabel(layerInfo: string): string {
  const parts = layerInfo.split(/[\\/]/);
  return parts.slice(-2).join('/');
}

/** One disagreement of the engine with the prediction, as the Problems panel says it. */
export function mismatchMessage(d: { node: string; opType: string; predicted: string; actual: string; layer: string }, e: Pick<EngineCheckState, 'layerInfo' | 'target'>): string {
  return `Engine built ${d.node} (${d.opType}) in ${d.actual}, the analysis predicted ${d.predicted} (${e.target}): layer "${d.layer}" of ${engineFileLabel(e.layerInfo)}`;
}

/**
 * Findings of open models in the Problems panel: one diagnostic per finding on the model's URI,
 * source "QDQ Studio", code = the rule id, linking to the finding's first node in the graph
 * (`revealNodeLink`), with the rule page shipped with the extension (docs/rules/Rn.md) as related
 * information. Where the model's Q/DQ build disagrees with the prediction (engineCheck.ts), one
 * warning per node, code `engine-mismatch`. A model that fails to load gets one error diagnostic
 * saying why; an external data file that is missing, cut short or outside the model's folder, one
 * warning (code `external-data`) naming it; a graph TensorRT's parser refuses (a cycle, a dangling
 * input, a name defined twice), one error per problem (code G1, as `qdq lint` says it). Cleared when the model's last editor closes, refreshed
 * whenever the analysis reruns or the build is checked again.
 *
 * A `.onnx` file has no text positions, so every diagnostic sits at 0:0. VS Code does not tell a
 * custom editor which problem was clicked (microsoft/vscode#205209, closed out of scope), so a
 * click on the row only brings the model forward; the code link (a `command:` URI, which the
 * Problems panel opens with commands allowed) is what goes to the node, as do the QDQ Findings view
 * and the graph.
 */
export class ProblemsReporter extends Disposable {
  readonly collection = this._register(vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE));

  constructor(
    private readonly analysis: AnalysisService,
    private readonly extensionUri: vscode.Uri,
    private readonly engineChecks?: EngineCheckService,
  ) {
    super();
    this._register(analysis.onDidChange((d) => this.update(d)));
    if (engineChecks) this._register(engineChecks.onDidChange((d) => this.update(d)));
    for (const d of analysis.documentsWithState()) this.update(d);
  }

  /** Link target of a rule id: the rule page inside the installed extension. */
  ruleDoc(ruleId: string): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'docs', 'rules', `${ruleId}.md`);
  }

  private update(document: OnnxDocument): void {
    const state = this.analysis.get(document);
    if (state === undefined || state.kind === 'disabled') {
      this.collection.delete(document.uri);
      return;
    }
    if (state.kind === 'pending') return; // keep the previous findings until the new ones are in
    if (state.kind === 'failed') {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), state.message, vscode.DiagnosticSeverity.Error);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = state.loadError ? 'load' : 'analysis';
      this.collection.set(document.uri, [d]);
      return;
    }
    // External data files the model names that are missing, cut short or outside its folder: the
    // tensors stored there cannot be read, and TensorRT cannot build the model as it stands.
    const model = document.state.kind === 'loaded' ? document.state.summary : undefined;
    const data = (model?.externalData ?? []).filter((f) => f.problem).map((f) => {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), f.message ?? f.location, vscode.DiagnosticSeverity.Warning);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = 'external-data';
      return d;
    });
    // The graph check G1 (what TensorRT's parser refuses: a cycle, a dangling input, a name defined
    // twice), as `qdq lint` reports it; the model summary lists the same problems.
    this.collection.set(document.uri, [
      ...data,
      ...[...state.structure, ...state.report.findings].map((f) => {
        const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), problemMessage(f), SEVERITY[f.severity]);
        d.source = DIAGNOSTIC_SOURCE;
        // The code (R16) goes to the finding's first node in the graph; the rule page is the related information.
        const page = this.ruleDoc(f.ruleId);
        d.code = { value: f.ruleId, target: f.nodes.length > 0 ? revealNodeLink(document.uri, f.nodes[0]!) : page };
        d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(page, new vscode.Range(0, 0, 0, 0)), `${f.ruleId} ${f.rule}: what TensorRT does and how to fix it`)];
        return d;
      }),
      ...this.mismatches(document),
    ]);
  }

  /**
   * Where the model's Q/DQ build disagrees with the prediction: one warning per node (code
   * `engine-mismatch`, linking to the node in the graph; the related information is the layer's
   * entry in the layer-info file), the ones past MAX_MISMATCH_DIAGNOSTICS as one line (linking to the file).
   */
  private mismatches(document: OnnxDocument): vscode.Diagnostic[] {
    const e = this.engineChecks?.get(document);
    if (!e || e.check.disagreements.length === 0) return [];
    const file = vscode.Uri.file(e.layerInfo);
    const out = e.check.disagreements.slice(0, MAX_MISMATCH_DIAGNOSTICS).map((x) => {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), mismatchMessage(x, e), vscode.DiagnosticSeverity.Warning);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = { value: ENGINE_MISMATCH_CODE, target: revealNodeLink(document.uri, x.node) };
      const line = e.layerLines.get(x.layer) ?? 0;
      d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(file, new vscode.Range(line, 0, line, 0)), `engine layer "${x.layer}" (${x.actual})`)];
      return d;
    });
    const rest = e.check.disagreements.length - MAX_MISMATCH_DIAGNOSTICS;
    if (rest > 0) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `Engine disagrees with the prediction on ${rest} more node${rest === 1 ? '' : 's'} (${e.check.agree} of ${e.check.compared} agree): see the engine report of ${engineFileLabel(e.layerInfo)}`, vscode.DiagnosticSeverity.Warning);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = { value: ENGINE_MISMATCH_CODE, target: file };
      out.push(d);
    }
    return out;
  }
}
