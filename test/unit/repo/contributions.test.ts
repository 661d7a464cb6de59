/**
 * What package.json contributes to VS Code, checked against the code and against what VS Code
 * does with it (a first-run audit in a real VS Code found each of these wrong once):
 * commands with a title and the category, menus and welcome links naming real commands, nothing
 * hidden by `isWorkspaceTrusted` (VS Code drops a command whose `enablement` is false from the
 * palette, so "greyed out" would be "gone"), context keys that the code sets, editor-title buttons
 * with icons, the Explorer entries, welcome text without Markdown that VS Code shows literally, and
 * settings with descriptions, described enums and explicit scopes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLayerInfoName } from '../../../src/engineView/sources';

const root = path.resolve(__dirname, '..', '..', '..');

interface Command {
  command: string;
  title?: string;
  category?: string;
  icon?: string;
  enablement?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Setting {
  type?: string;
  enum?: string[];
  enumDescriptions?: string[];
  markdownDescription?: string;
  description?: string;
  scope?: string;
}
interface Contributes {
  commands: Command[];
  menus: Record<string, MenuItem[]>;
  views: Record<string, { id: string }[]>;
  viewsWelcome?: { view: string; contents: string; when?: string }[];
  configuration: { title: string; properties: Record<string, Setting> }[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: Contributes };
const c = pkg.contributes;
const commandIds = new Set(c.commands.map((x) => x.command));
const command = (id: string): Command => {
  const found = c.commands.find((x) => x.command === id);
  assert.ok(found, `package.json contributes ${id}`);
  return found;
};
const menu = (name: string): MenuItem[] => c.menus[name] ?? [];
const paletteWhen = (id: string): string | undefined => menu('commandPalette').find((m) => m.command === id)?.when;
/** Every `when`/`enablement` string with where it is, for the checks that look at all of them. */
const conditions: { where: string; text: string }[] = [
  ...c.commands.filter((x) => x.enablement).map((x) => ({ where: `${x.command} enablement`, text: x.enablement! })),
  ...Object.entries(c.menus).flatMap(([name, items]) => items.filter((i) => i.when).map((i) => ({ where: `${name} ${i.command}`, text: i.when! }))),
  ...(c.viewsWelcome ?? []).filter((w) => w.when).map((w) => ({ where: `viewsWelcome ${w.view}`, text: w.when! })),
];

function srcFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? srcFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}
const source = srcFiles(path.join(root, 'src')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');

test('every command has a title and the QDQ Studio category, and is registered by the code', () => {
  for (const x of c.commands) {
    assert.ok(x.title && x.title.trim(), `${x.command} has no title`);
    assert.equal(x.category, 'QDQ Studio', `${x.command}: category`);
    assert.ok(source.includes(`'${x.command}'`), `${x.command} is contributed but no source file names it`);
  }
});

test('every menu item and welcome link names a contributed command; welcome content is for a contributed view', () => {
  for (const [name, items] of Object.entries(c.menus)) {
    for (const i of items) assert.ok(commandIds.has(i.command), `menus.${name} names ${i.command}, which is not contributed`);
  }
  const views = new Set(Object.values(c.views).flatMap((v) => v.map((x) => x.id)));
  assert.ok(c.viewsWelcome?.length, 'no viewsWelcome');
  for (const w of c.viewsWelcome) {
    assert.ok(views.has(w.view), `viewsWelcome for unknown view ${w.view}`);
    const links = [...w.contents.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0, `${w.view}: no command link`);
    for (const id of links) assert.ok(commandIds.has(id), `${w.view} welcome links ${id}, which is not contributed`);
  }
});

test('the empty Findings and Sensitivity views offer what to do first, in text VS Code shows as written', () => {
  const welcome = (view: string) => c.viewsWelcome?.find((w) => w.view === view);
  const findings = welcome('qdqStudio.findings');
  const sensitivity = welcome('qdqStudio.sensitivity');
  assert.ok(findings && sensitivity, 'both views have welcome content');
  assert.match(findings.contents, /\[Open ONNX Model…\]\(command:qdqStudio\.openModel\)/);
  assert.match(findings.contents, /\(command:qdqStudio\.numericCheck\)/);
  assert.match(sensitivity.contents, /\[Open Sensitivity Results…\]\(command:qdqStudio\.openSensitivityResults\)/);
  assert.match(sensitivity.contents, /\[Run Numeric Check…\]\(command:qdqStudio\.numericCheck\)/);
  for (const w of [findings, sensitivity]) {
    // Welcome content renders links (and line breaks) only: backticks, emphasis or headings would show as typed.
    const text = w.contents.replace(/\[[^\]]*\]\([^)]*\)/g, '');
    assert.doesNotMatch(text, /[`*_#]/, `${w.view}: Markdown that VS Code would show literally: ${text}`);
  }
  // Welcome content is shown only while a view has no message: the code leaves it unset when empty.
  assert.doesNotMatch(fs.readFileSync(path.join(root, 'src', 'diagnostics', 'findingsView.ts'), 'utf8'), /view\.message\s*=\s*[^;]*Open an \.onnx/);
});

test('nothing is hidden or disabled by isWorkspaceTrusted; the task commands refuse untrusted workspaces themselves, saying why', () => {
  for (const cond of conditions) assert.doesNotMatch(cond.text, /isWorkspaceTrusted/, `${cond.where}: ${cond.text}`);
  // Shown everywhere VS Code lists commands: the palette has no entry that hides them.
  for (const id of ['qdqStudio.exportToTensorRT', 'qdqStudio.quantizeYolov9']) {
    const when = paletteWhen(id);
    assert.ok(when === undefined || when === 'true', `${id} is hidden from the palette: ${when}`);
  }
  // The check that stays: each handler starts with trusted(), which says so with Manage Workspace Trust.
  const tasks = fs.readFileSync(path.join(root, 'src', 'commands', 'taskCommands.ts'), 'utf8');
  for (const id of ['qdqStudio.exportToTensorRT', 'qdqStudio.quantizeYolov9']) {
    assert.match(tasks, new RegExp(`registerCommand\\('${id.replace(/\./g, '\\.')}',[^\\n]*\\n\\s*if \\(!trusted\\(\\)\\) return;`), `${id} does not check trust first`);
  }
  const trusted = /function trusted\(\)[\s\S]*?\n {2}\}\n/.exec(tasks)?.[0] ?? '';
  assert.match(trusted, /\bwarn\(problem, 'Manage Workspace Trust'\)[\s\S]*?workbench\.trust\.manage/, 'trusted() warns with Manage Workspace Trust');
  // …through the helper that logs what it shows (the Output channel keeps the refusal).
  assert.match(tasks, /const warn = \(message: string, \.\.\.actions: string\[\]\)[^{]*\{\s*s\.log\.warn\(message\);\s*return vscode\.window\.showWarningMessage\(message, \.\.\.actions\);/);
});

test('context keys used in when clauses are the ones the code sets', () => {
  const keys = fs.readFileSync(path.join(root, 'src', 'contextKeys.ts'), 'utf8');
  const defined = new Set([...keys.matchAll(/=\s*'(qdqStudio\.has\w+)'/g)].map((m) => m[1]!));
  assert.deepEqual([...defined].sort(), ['qdqStudio.hasModel', 'qdqStudio.hasSensitivity']);
  const used = new Set(conditions.flatMap((cond) => [...cond.text.matchAll(/\b(qdqStudio\.has\w+)/g)].map((m) => m[1]!)));
  assert.deepEqual([...used].sort(), [...defined].sort());
});

test('commands that need a sensitivity result or a model are offered only when there is one', () => {
  for (const id of ['qdqStudio.sensitivity.selectMetric', 'qdqStudio.sensitivity.showAll', 'qdqStudio.sensitivity.filterTopK', 'qdqStudio.sensitivity.keepMostSensitive', 'qdqStudio.sensitivity.selectModel']) {
    assert.match(paletteWhen(id) ?? '', /qdqStudio\.hasSensitivity/, `${id} in the palette`);
    for (const i of menu('view/title').filter((m) => m.command === id)) assert.match(i.when ?? '', /qdqStudio\.hasSensitivity/, `${id} in the view title`);
  }
  // Opening a result is what the empty view offers: always there.
  assert.doesNotMatch(menu('view/title').find((m) => m.command === 'qdqStudio.openSensitivityResults')?.when ?? '', /hasSensitivity/);
  for (const id of ['qdqStudio.fixAll', 'qdqStudio.selectAnalysisTarget']) {
    const item = menu('view/title').find((m) => m.command === id);
    assert.ok(item, `${id} is in the Findings title`);
    assert.match(item.when ?? '', /qdqStudio\.hasModel/, `${id} in the Findings title`);
  }
});

test('the model editor has 2-3 title buttons, each with an icon, in the navigation group', () => {
  const items = menu('editor/title').filter((m) => /activeCustomEditorId == qdqStudio\.onnxEditor/.test(m.when ?? ''));
  assert.ok(items.length >= 2 && items.length <= 3, `${items.length} buttons: ${items.map((i) => i.command).join(', ')}`);
  assert.deepEqual(new Set(items.map((i) => i.command)), new Set(['qdqStudio.exportToTensorRT', 'qdqStudio.numericCheck', 'qdqStudio.selectAnalysisTarget']));
  for (const i of items) {
    assert.match(i.group ?? '', /^navigation(@\d+)?$/, `${i.command} group`);
    assert.match(command(i.command).icon ?? '', /^\$\([\w-]+\)$/, `${i.command} has no codicon`);
  }
});

test('command and status bar icons are codicons that exist', () => {
  const csv = path.join(root, 'node_modules', '@vscode', 'codicons', 'dist', 'codicon.csv');
  const known = new Set(fs.readFileSync(csv, 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]!));
  const used = [
    ...c.commands.filter((x) => x.icon).map((x) => ({ where: x.command, icon: x.icon! })),
    ...[...fs.readFileSync(path.join(root, 'src', 'statusBar.ts'), 'utf8').matchAll(/\$\(([\w-]+)\)/g)].map((m) => ({ where: 'status bar', icon: `$(${m[1]})` })),
  ];
  for (const u of used) {
    const name = /^\$\(([\w-]+)\)$/.exec(u.icon)?.[1];
    assert.ok(name && known.has(name), `${u.where}: ${u.icon} is not a codicon`);
  }
});

test('the Explorer menu: no redundant Open on .onnx (the default editor), Open Engine Report on the layer-info names the report reads', () => {
  const explorer = menu('explorer/context');
  assert.ok(!explorer.some((i) => i.command === 'qdqStudio.openModel'), 'Open ONNX Model is the default editor: no Explorer entry');
  const report = explorer.find((i) => i.command === 'qdqStudio.openEngineReport');
  assert.ok(report, 'Open Engine Report is in the Explorer menu');
  const m = /resourceFilename =~ \/(.+)\/([a-z]*)$/.exec(report.when ?? '');
  assert.ok(m, `when: ${report.when}`);
  const re = new RegExp(m[1]!, m[2]);
  for (const name of ['qdq.layer.json', 'fp16.layer.json', 'yolo.layerinfo.json', 'yolo.layers.json', 'Model.LayerInfo.JSON', 'qdq.profile.json', 'model.json', 'layer.json.bak', 'qdq.log', 'summary-sensitive-analysis.json']) {
    assert.equal(re.test(name), isLayerInfoName(name), `${name}: menu ${re.test(name)}, engine report ${isLayerInfoName(name)}`);
  }
  // Run actions on a model or weights, in their own group below the open actions.
  for (const id of ['qdqStudio.quantizeYolov9', 'qdqStudio.exportToTensorRT', 'qdqStudio.numericCheck']) {
    assert.doesNotMatch(explorer.find((i) => i.command === id)?.group ?? '', /^navigation/, id);
  }
});

test('Quantize YOLOv9 is in the command palette (it was hidden behind resourceExtname == .pt, never the active editor)', () => {
  const when = paletteWhen('qdqStudio.quantizeYolov9');
  assert.ok(when === undefined || !/resourceExtname/.test(when), `palette when: ${when}`);
});

test('one wording for keeping a layer out of quantization, in the palette, the graph menu and the sensitivity view', () => {
  assert.equal(command('qdqStudio.graph.keepInHigherPrecision').title, 'Keep in Higher Precision');
  assert.match(command('qdqStudio.disableQuantization').title!, /^Keep a Layer in Higher Precision\b/);
  assert.match(command('qdqStudio.sensitivity.keepMostSensitive').title!, /in Higher Precision/);
  assert.equal(command('qdqStudio.graph.quantize').title, 'Quantize');
  assert.match(command('qdqStudio.enableQuantization').title!, /^Quantize a Layer\b/);
  for (const x of c.commands) assert.doesNotMatch(x.title!, /keep in FP16/i, `${x.command}: ${x.title}`);
});

test('test hooks are hidden from the command palette', () => {
  for (const x of c.commands.filter((k) => k.command.startsWith('qdqStudio.internal.'))) {
    assert.equal(paletteWhen(x.command), 'false', `${x.command} shows in the palette`);
  }
});

test('settings: grouped by feature, each described, enums described, scope explicit', () => {
  const groups: Record<string, RegExp> = {
    Analysis: /^qdqStudio\.analysis\./,
    'Numeric Check': /^qdqStudio\.numeric\./,
    Tasks: /^qdqStudio\.(python|yolov9Qat|trtexec)\./,
    Sensitivity: /^qdqStudio\.sensitivity\./,
  };
  assert.deepEqual(c.configuration.map((s) => s.title).sort(), Object.keys(groups).sort());
  for (const section of c.configuration) {
    for (const [key, s] of Object.entries(section.properties)) {
      assert.match(key, groups[section.title]!, `${key} is in the "${section.title}" group`);
      assert.ok((s.markdownDescription ?? s.description ?? '').length >= 30, `${key}: no real description`);
      assert.ok(s.scope && ['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(s.scope), `${key}: scope ${s.scope}`);
      if (s.enum) assert.equal(s.enumDescriptions?.length, s.enum.length, `${key}: every enum value described`);
      // Settings that name a program or native library on the machine are machine settings, and the
      // description says where to set them (the Remote tab in a remote window).
      if (/\.(path|onnxRuntimePath)$/.test(key)) {
        assert.equal(s.scope, 'machine', `${key}: scope`);
        assert.match(s.markdownDescription ?? '', /Remote\*\* tab/, `${key}: says where to set it in a remote window`);
      }
    }
  }
});
