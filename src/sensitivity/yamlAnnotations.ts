import * as vscode from 'vscode';
import type { ModelYaml, YamlAnnotation } from '../core/sensitivity/index';
import { Disposable } from '../util/dispose';
import { sensitivityCore } from './results';
import type { SensitivitySession } from './session';

/** `models/detect/gelan-c.yaml`, `models/<anything>/<name>.yaml`: model definitions by place. */
const MODEL_YAML_PATH = /(^|\/)models\/[^/]+\/[^/]+\.ya?ml$/i;
const CONFIG_SECTION = 'qdqStudio.sensitivity';

export interface AppliedAnnotations {
  readonly uri: string;
  readonly items: readonly { readonly line: number; readonly layer: string; readonly text: string }[];
}

function isYaml(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.uri.path);
}

/**
 * The active sensitivity result inside the model YAML: an after-line decoration at each ranked
 * layer's line (`ΔAP +0.0041 · rank 3/42 · FP16`), a hover with the full numbers, and a CodeLens
 * that toggles the layer in the open model. A YAML qualifies by place (`models/*\/*.yaml`) or, anywhere
 * else, when it parses as a YOLO model definition with as many layers as the model has.
 */
export class YamlAnnotator extends Disposable implements vscode.HoverProvider, vscode.CodeLensProvider {
  private readonly decoration = this._register(
    vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
      isWholeLine: false,
    }),
  );
  private readonly parsed = new Map<string, { version: number; yaml: ModelYaml | undefined }>();
  private readonly annotations = new Map<string, YamlAnnotation[]>();
  private readonly applied = new Map<string, AppliedAnnotations>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  private readonly _onDidChangeCodeLenses = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChangeCodeLenses.event;

  constructor(private readonly session: SensitivitySession) {
    super();
    const selector: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }];
    this._register(vscode.languages.registerHoverProvider(selector, this));
    this._register(vscode.languages.registerCodeLensProvider(selector, this));
    this._register(session.onDidChange(() => this.schedule(0)));
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.schedule(0)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isYaml(e.document) && vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.schedule(300);
      }),
    );
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.parsed.delete(d.uri.toString())));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(CONFIG_SECTION) && this.schedule(0)));
    this._register({ dispose: () => this.timer !== undefined && clearTimeout(this.timer) });
    this.schedule(0);
  }

  private pending: Promise<void> = Promise.resolve();

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pending = this.pending.then(() => this.update()).catch(() => undefined);
    }, delayMs);
  }

  /** Waits for scheduled updates (test hook). */
  async settled(): Promise<void> {
    while (this.timer !== undefined) await new Promise((r) => setTimeout(r, 20));
    await this.pending;
  }

  private async update(): Promise<void> {
    if (this.isDisposed) return;
    const s = this.session.state;
    const enabled = vscode.workspace.getConfiguration(CONFIG_SECTION).get<boolean>('annotateModelYaml', true);
    const editors = vscode.window.visibleTextEditors.filter((e) => isYaml(e.document));
    this.annotations.clear();
    this.applied.clear();
    if (s.kind === 'ready' && enabled && editors.length) {
      const core = await sensitivityCore();
      for (const doc of new Set(editors.map((e) => e.document))) {
        const yaml = this.parse(doc, core);
        if (!yaml) continue;
        if (!MODEL_YAML_PATH.test(vscode.workspace.asRelativePath(doc.uri, false)) && !MODEL_YAML_PATH.test(doc.uri.path) && !core.yamlMatchesModel(yaml, s.index)) continue;
        const ann = core.yamlAnnotations(s.report, yaml, s.index, s.quantized, s.scaleKnown).filter((a) => a.line >= 1 && a.line <= doc.lineCount);
        this.annotations.set(doc.uri.toString(), ann);
        this.applied.set(doc.uri.toString(), { uri: doc.uri.toString(), items: ann.map((a) => ({ line: a.line, layer: a.layer, text: a.text })) });
      }
    }
    for (const editor of vscode.window.visibleTextEditors) {
      const ann = this.annotations.get(editor.document.uri.toString()) ?? [];
      editor.setDecorations(
        this.decoration,
        ann.map((a) => {
          const end = editor.document.lineAt(a.line - 1).range.end;
          return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: a.text } } };
        }),
      );
    }
    this._onDidChangeCodeLenses.fire();
  }

  private parse(doc: vscode.TextDocument, core: typeof import('../core/sensitivity/index.js')): ModelYaml | undefined {
    const key = doc.uri.toString();
    const cached = this.parsed.get(key);
    if (cached && cached.version === doc.version) return cached.yaml;
    let yaml: ModelYaml | undefined;
    try {
      yaml = core.parseModelYaml(doc.getText(), vscode.workspace.asRelativePath(doc.uri));
    } catch {
      yaml = undefined; // not a YOLO model definition (or not valid YAML): nothing to annotate
    }
    this.parsed.set(key, { version: doc.version, yaml });
    return yaml;
  }

  private at(doc: vscode.TextDocument, line: number): YamlAnnotation | undefined {
    return this.annotations.get(doc.uri.toString())?.find((a) => a.line === line + 1);
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const a = this.at(doc, position.line);
    if (!a) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**QDQ Studio sensitivity** · ${a.text}\n\n`);
    md.appendCodeblock(a.hover.join('\n'), 'text');
    return new vscode.Hover(md, doc.lineAt(position.line).range);
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const s = this.session.state;
    if (s.kind !== 'ready') return [];
    const lenses: vscode.CodeLens[] = [];
    for (const a of this.annotations.get(doc.uri.toString()) ?? []) {
      if (!a.state || a.state.precision === 'none') continue;
      const quantize = a.state.precision === 'fp16';
      const range = doc.lineAt(a.line - 1).range;
      if (a.cannotQuantize) {
        // Said, not offered: a lens with no command is plain text (the layer tree shows no checkbox either).
        lenses.push(new vscode.CodeLens(range, { title: `$(circle-slash) ${a.layer} is FP16: no scale to quantize with`, tooltip: a.cannotQuantize, command: '' }));
        continue;
      }
      lenses.push(
        new vscode.CodeLens(range, {
          title: quantize ? `$(circle-large-outline) ${a.layer} is FP16: quantize it` : `$(pass-filled) ${a.layer} is ${a.state.precision === 'partial' ? 'partly ' : ''}INT8: keep it in FP16`,
          tooltip: a.hover.join('\n'),
          command: 'qdqStudio.sensitivity.toggleLayer',
          arguments: [{ uri: s.document.uri.toString(), target: a.layer, quantize }],
        }),
      );
    }
    return lenses;
  }

  /** What the decorations currently show, per YAML (test hook). */
  appliedAnnotations(): AppliedAnnotations[] {
    return [...this.applied.values()];
  }
}
