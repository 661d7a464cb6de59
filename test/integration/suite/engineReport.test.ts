/**
 * The engine report panel (src/engineView/engineReportPanel.ts) with builds written straight into
 * the workspace from the recorded trtexec files (test/fixtures/trtexec): what it compares with and
 * what its Compare dropdown shows.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineRenderedDto } from '../../../src/protocol/engineView';
import { EXTENSION_ID, closeAllEditors, poll, requireModel, workspaceFile } from './support';

interface EngineState {
  label: string;
  layerInfo: string;
  log?: string;
  compareWith?: string;
  rendered?: EngineRenderedDto;
}

async function engineState(): Promise<EngineState | undefined> {
  return vscode.commands.executeCommand<EngineState | undefined>('qdqStudio.internal.engineReportState');
}

/** What the panel did since the extension started (`qdqStudio.internal.engineReportStats`). */
interface EngineStats {
  /** Reports shown (onDidShow: the model's engine overlay, the log's Problems entries). */
  shows: number;
  warnings: number;
  errors: number;
  /** Models decoded and analysed for the "Prediction vs engine" check. */
  analyses: number;
}

const engineStats = () => vscode.commands.executeCommand<EngineStats>('qdqStudio.internal.engineReportStats');

/**
 * Waits for the report of `layerInfo` drawn, and `accept`ed. The panel's state is set as the report
 * is posted, before the webview draws it: `accept` should look at what was drawn (`rendered`).
 */
async function reportOf(layerInfo: string, what: string, accept: (s: EngineState) => boolean = () => true): Promise<EngineState> {
  return poll(what, 30_000, async () => {
    const s = await engineState();
    return s?.rendered?.status === 'ready' && s.layerInfo === layerInfo && accept(s) ? s : undefined;
  });
}

function standin(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return path.join(ext.extensionUri.fsPath, 'test', 'support', 'standins', name);
}

const settings = () => vscode.workspace.getConfiguration('qdqStudio');

function fixture(name: string): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return path.join(ext.extensionUri.fsPath, 'test', 'fixtures', 'trtexec', name);
}

/** A trtexec that fails before writing anything but its log (in `dir`). */
function failingTrtexec(dir: string): string {
  const failing = path.join(dir, 'trtexec-fails');
  fs.writeFileSync(
    failing,
    [
      '#!/usr/bin/env node',
      "const frame = '[TensorRT v8601] # trtexec ' + process.argv.slice(2).join(' ');",
      "if (process.argv.includes('--help')) { process.stdout.write('&&&& RUNNING TensorRT.trtexec ' + frame + '\\n'); process.exit(0); }",
      "process.stdout.write('&&&& RUNNING TensorRT.trtexec ' + frame + '\\n[12/06/2026-17:20:00] [E] Engine could not be created from network\\n&&&& FAILED TensorRT.trtexec ' + frame + '\\n');",
      'process.exit(1);',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return failing;
}

/** A failure of `reportOf` or a poll, with what the panel shows. */
async function withState(e: Error): Promise<never> {
  throw new Error(`${e.message}: ${JSON.stringify(await engineState())}`);
}

suite('Engine report', function () {
  this.timeout(90_000);
  const scratch: string[] = [];

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });
  teardown(async () => {
    await closeAllEditors();
    for (const p of scratch.splice(0)) fs.rmSync(p, { recursive: true, force: true });
  });

  test('a comparison picked with Browse… is what the Compare dropdown shows (it showed "(no comparison)"), so the dropdown can clear it', async () => {
    // A model's build folder with two builds (the fp16 one a candidate), and a layer info elsewhere.
    const dir = workspaceFile('models/scratch-browse.trtexec').fsPath;
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-browse-'));
    scratch.push(dir, elsewhere);
    fs.mkdirSync(dir, { recursive: true });
    const qdq = path.join(dir, 'qdq.layer.json');
    fs.copyFileSync(fixture('trt8-detailed.layerinfo.json'), qdq);
    fs.copyFileSync(fixture('trt8-detailed.profile.json'), path.join(dir, 'qdq.profile.json'));
    fs.copyFileSync(fixture('trt10-detailed.layerinfo.json'), path.join(dir, 'fp16.layer.json'));
    const browsed = path.join(elsewhere, 'base.layer.json');
    fs.copyFileSync(fixture('trt10-detailed.layerinfo.json'), browsed);

    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(qdq));
    const first = await reportOf(qdq, 'the report of the qdq build');
    assert.equal(first.compareWith, undefined);
    assert.deepEqual(first.rendered?.candidates, ['fp16 — scratch-browse.trtexec']);
    assert.equal(first.rendered?.compareSelected, '', 'the dropdown shows "(no comparison)"');

    // Compare with… → Browse… → the layer info elsewhere (the command takes the file Browse… would give).
    await vscode.commands.executeCommand('qdqStudio.compareEngineReport', vscode.Uri.file(browsed));
    const compared = await reportOf(qdq, 'the report compared with the browsed build', (s) => s.rendered?.compareWith === 'base');
    assert.ok((compared.rendered?.comparisonRows ?? 0) > 0, 'the comparison table is drawn');
    // 8.x names against 10.x metadata: no node in common, and said so (not "no node changed").
    assert.equal(compared.rendered?.layerChangeText, 'No ONNX node is named by both builds: nothing to compare layer by layer.');
    assert.equal(compared.rendered?.compareWith, 'base');
    // The dropdown names the browsed build (before: "(no comparison)", so picking that changed nothing
    // by keyboard, and the dropdown said the opposite of the table beside it).
    assert.equal(compared.rendered?.compareSelected, browsed);
    assert.deepEqual(compared.rendered?.candidates, ['fp16 — scratch-browse.trtexec'], 'the browsed build is no candidate');

    // Shown again (the choice is remembered), the dropdown still names it.
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(qdq));
    const again = await reportOf(qdq, 'the report shown again', (s) => s.rendered?.compareWith === 'base');
    assert.equal(again.rendered?.compareSelected, browsed);
  });

  test('a report left open while its build is rebuilt follows it: the build it showed, kept in history/, while the new one fails; then the new build, compared with it', async () => {
    const model = await requireModel('models/tiny-qat-defects.onnx');
    const outDir = path.join(path.dirname(model.fsPath), 'tiny-qat-defects.trtexec');
    const current = path.join(outDir, 'qdq.layer.json');
    const history = path.join(outDir, 'history');
    fs.rmSync(outDir, { recursive: true, force: true });
    scratch.push(outDir);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-follow-'));
    scratch.push(root);
    const failing = failingTrtexec(root);
    // Builds do not open their report here: what the open report shows is its own doing.
    await settings().update('trtexec.openReport', false, vscode.ConfigurationTarget.Global);
    try {
      await settings().update('trtexec.path', standin('trtexec'), vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(current));
      const first = await reportOf(current, 'the report of the first build');
      assert.equal(first.compareWith, undefined);

      // A rebuild that fails: the build the report showed moved to history/; the report shows it there, and says so.
      await settings().update('trtexec.path', failing, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      assert.ok(!fs.existsSync(current), 'the failed build wrote no layer info');
      const kept = fs.readdirSync(history).find((n) => n.endsWith('.layer.json'));
      assert.ok(kept);
      const keptState = await poll('the report to show the build it showed where it is kept', 30_000, async () => {
        const s = await engineState();
        return s?.rendered?.status === 'ready' && s.layerInfo === path.join(history, kept) && s.rendered.label?.startsWith('qdq, replaced') ? s : undefined;
      }).catch(async (e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(await engineState())}`);
      });
      assert.equal(keptState.log, path.join(history, kept.replace(/\.layer\.json$/, '.log')), 'its own log, not the failed build\'s');
      assert.match(keptState.rendered?.label ?? '', /^qdq, replaced \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.match(keptState.rendered?.notice ?? '', /replaced by a new build/);
      assert.equal(keptState.rendered?.layerRows, 12, 'the same build as before');

      // The next build passes: the report shows it, compared with the build before it.
      await settings().update('trtexec.path', standin('trtexec'), vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const rebuilt = await reportOf(current, 'the report to show the new build, compared with the previous', (s) => s.rendered?.compareWith === 'previous qdq').catch(async (e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(await engineState())}`);
      });
      assert.equal(rebuilt.rendered?.label, 'qdq');
      assert.equal(rebuilt.rendered?.notice, undefined);
      assert.ok((rebuilt.rendered?.comparisonRows ?? 0) > 0, 'the comparison table is drawn');
    } finally {
      await settings().update('trtexec.openReport', undefined, vscode.ConfigurationTarget.Global);
      await settings().update('trtexec.path', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a report compared with another build stays compared with it while its build is rebuilt (it showed no comparison for the whole build), and after', async () => {
    // A model of its own: the comparison picked for its build is remembered in the workspace state.
    const model = workspaceFile('models/scratch-follow-compared.onnx');
    fs.copyFileSync((await requireModel('models/tiny-qat-defects.onnx')).fsPath, model.fsPath);
    const outDir = path.join(path.dirname(model.fsPath), 'scratch-follow-compared.trtexec');
    const current = path.join(outDir, 'qdq.layer.json');
    const history = path.join(outDir, 'history');
    const fp16 = path.join(outDir, 'fp16.layer.json');
    fs.rmSync(outDir, { recursive: true, force: true });
    scratch.push(model.fsPath, outDir);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-follow-compared-'));
    scratch.push(root);
    const failing = failingTrtexec(root);
    const keptLayerInfos = () => new Set(fs.existsSync(history) ? fs.readdirSync(history).filter((n) => n.endsWith('.layer.json')).map((n) => path.join(history, n)) : []);
    /** Runs a build of the model with `trtexec`; the history's new layer info, if it kept one. */
    const build = async (trtexec: string): Promise<string | undefined> => {
      const before = keptLayerInfos();
      await settings().update('trtexec.path', trtexec, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      return [...keptLayerInfos()].find((f) => !before.has(f));
    };
    /**
     * The report of the build `layerInfo` drawn with a comparison with `compared` (its layer info):
     * the current build (labelled qdq) or a kept one (the label says when it was replaced).
     */
    const comparedOf = (layerInfo: string, compared: string, what: string) =>
      reportOf(
        layerInfo,
        what,
        (s) =>
          (layerInfo === current ? s.rendered?.label === 'qdq' : /^qdq, replaced /.test(s.rendered?.label ?? '')) &&
          s.rendered?.compareSelected === compared &&
          (s.rendered.comparisonRows ?? 0) > 0,
      ).catch(withState);
    await settings().update('trtexec.openReport', false, vscode.ConfigurationTarget.Global);
    try {
      // Two builds: the report compares the second with the first (kept in history/), by default.
      await build(standin('trtexec'));
      const first = await build(standin('trtexec'));
      assert.ok(first, 'the first build was kept');
      await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(current));
      const opened = await comparedOf(current, first, 'the report compared with the previous build');
      assert.equal(opened.compareWith, 'previous qdq');

      // A rebuild that fails: the build shown, kept in history/, still compared with the build before it.
      const second = await build(failing);
      assert.ok(second, 'the second build was kept');
      const during = await comparedOf(second, first, 'the kept build, still compared with the build before it');
      assert.match(during.rendered?.notice ?? '', /replaced by a new build/);
      assert.equal(during.compareWith, 'previous qdq');

      // The next build passes: compared with the build before it, the one just shown.
      await build(standin('trtexec'));
      await comparedOf(current, second, 'the new build, compared with the previous');

      // Compared with another build of the folder (picked, so remembered): a rebuild keeps that.
      fs.copyFileSync(fixture('trt10-detailed.layerinfo.json'), fp16);
      await vscode.commands.executeCommand('qdqStudio.compareEngineReport', vscode.Uri.file(fp16));
      await comparedOf(current, fp16, 'the report compared with the fp16 build');
      const third = await build(failing);
      assert.ok(third, 'the third build was kept');
      const duringFp16 = await comparedOf(third, fp16, 'the kept build, still compared with the fp16 build');
      assert.equal(duringFp16.compareWith, 'fp16');
      await build(standin('trtexec'));
      const after = await comparedOf(current, fp16, 'the new build, compared with the fp16 build as remembered');
      assert.equal(after.rendered?.notice, undefined);
    } finally {
      await settings().update('trtexec.openReport', undefined, vscode.ConfigurationTarget.Global);
      await settings().update('trtexec.path', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a report following its build through a rebuild decodes and analyses the unchanged model once (each draw did it again)', async () => {
    const model = workspaceFile('models/scratch-follow-predict.onnx');
    fs.copyFileSync((await requireModel('models/tiny-qat-defects.onnx')).fsPath, model.fsPath);
    const outDir = path.join(path.dirname(model.fsPath), 'scratch-follow-predict.trtexec');
    const current = path.join(outDir, 'qdq.layer.json');
    fs.rmSync(outDir, { recursive: true, force: true });
    scratch.push(model.fsPath, outDir);
    const start = await engineStats();
    // Builds open their report (the default): the build's end shows it, besides the report following the files.
    await settings().update('trtexec.path', standin('trtexec'), vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      await reportOf(current, 'the build\'s report, with its prediction check', (s) => s.rendered?.predictionText !== undefined).catch(withState);
      const shown = await engineStats();
      assert.equal(shown.analyses - start.analyses, 1, `the model analysed for the report (${JSON.stringify({ start, shown })})`);

      // A rebuild: the report shows the build kept in history/ when its files go, then the new
      // one as it writes them, and the build's end shows it again; the model did not change.
      await vscode.commands.executeCommand('qdqStudio.exportToTensorRT', model);
      const isNew = (s: EngineState): boolean =>
        s.rendered?.status === 'ready' && s.rendered.notice === undefined && s.rendered.compareWith === 'previous qdq' && s.rendered.predictionText !== undefined;
      await reportOf(current, 'the new build, compared with the previous', isNew).catch(withState);
      const rebuilt = await engineStats();
      assert.ok(rebuilt.shows > shown.shows, `the new build was shown (${JSON.stringify({ shown, rebuilt })})`);
      assert.equal(rebuilt.analyses, shown.analyses, `no other analysis of the unchanged model (${JSON.stringify({ shown, rebuilt })})`);
    } finally {
      await settings().update('trtexec.path', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('"Top layers by time" links each layer that names ONNX nodes, as the Layers table does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-top-links-'));
    scratch.push(dir);
    const layerInfo = path.join(dir, 'qdq.layer.json');
    fs.copyFileSync(fixture('trt10-detailed.layerinfo.json'), layerInfo);
    // A profile of that build (trtexec --exportProfile's shape), so the report has top layers.
    const names = (JSON.parse(fs.readFileSync(layerInfo, 'utf8')) as { Layers: { Name: string; Metadata?: string }[] }).Layers;
    const records = names.map((l, i) => ({ name: l.Name, timeMs: 10 * (i + 1), averageMs: 0.01 * (i + 1), medianMs: 0.01 * (i + 1), percentage: (100 * (i + 1)) / 21 }));
    fs.writeFileSync(path.join(dir, 'qdq.profile.json'), JSON.stringify([{ count: 1000 }, ...records]));
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(layerInfo));
    const s = await reportOf(layerInfo, 'the report with its top layers', (x) => (x.rendered?.topRows ?? 0) > 0);
    assert.equal(s.rendered?.topRows, names.length);
    // Every layer whose metadata names ONNX nodes is a link (the last one has none).
    const withNodes = names.filter((l) => /\[ONNX Layer: /.test(l.Metadata ?? '')).length;
    assert.ok(withNodes > 0 && withNodes < names.length, `fixture: ${withNodes} of ${names.length} layers name ONNX nodes`);
    assert.equal(s.rendered?.topLinks, withNodes, JSON.stringify(s.rendered));
  });

  test('a comparison lists the ONNX nodes whose layer changed precision and the layers whose time changed most', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-layer-changes-'));
    scratch.push(dir);
    // Before: the recorded build. After: its first conv kept in FP16 and slower (as after "keep in higher precision").
    const before = path.join(dir, 'before', 'qdq.layer.json');
    fs.mkdirSync(path.dirname(before));
    fs.copyFileSync(fixture('trt8-detailed.layerinfo.json'), before);
    fs.copyFileSync(fixture('trt8-detailed.profile.json'), path.join(dir, 'before', 'qdq.profile.json'));
    const layers = JSON.parse(fs.readFileSync(before, 'utf8')) as { Layers: { Name: string; Inputs: { 'Format/Datatype': string }[]; Outputs: { 'Format/Datatype': string }[] }[] };
    const conv = layers.Layers.find((l) => /\bConv_17\b/.test(l.Name))!;
    for (const t of [...conv.Inputs, ...conv.Outputs]) t['Format/Datatype'] = 'Row major linear FP16 format';
    const profile = JSON.parse(fs.readFileSync(fixture('trt8-detailed.profile.json'), 'utf8')) as ({ count: number } | { name: string; averageMs: number })[];
    for (const r of profile) if ('name' in r && r.name === conv.Name) r.averageMs = 0.25;
    const after = path.join(dir, 'qdq.layer.json');
    fs.writeFileSync(after, JSON.stringify(layers));
    fs.writeFileSync(path.join(dir, 'qdq.profile.json'), JSON.stringify(profile));
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(after));
    await reportOf(after, 'the report of the edited build');
    await vscode.commands.executeCommand('qdqStudio.compareEngineReport', vscode.Uri.file(before));
    const s = await reportOf(after, 'the comparison with the build before', (x) => (x.rendered?.comparisonRows ?? 0) > 0);
    assert.equal(s.rendered?.precisionChangeRows, 4, JSON.stringify(s.rendered));
    assert.match(s.rendered?.layerChangeText ?? '', /^4 of the \d+ ONNX nodes named by both builds run in another precision than in /);
    assert.equal(s.rendered?.layerTimeRows, 1);
    assert.match(s.rendered?.layerChangeText ?? '', /Largest per-layer time changes \(of \d+ layers of the same name timed in both builds\)/);
  });

  test('a comparison that fails is said once while the report follows its build (each draw of the build said it again)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-failing-compare-'));
    scratch.push(dir);
    const layerInfo = path.join(dir, 'qdq.layer.json');
    fs.copyFileSync(fixture('trt8-detailed.layerinfo.json'), layerInfo);
    const broken = path.join(dir, 'broken', 'base.layer.json');
    fs.mkdirSync(path.dirname(broken));
    fs.writeFileSync(broken, '{ "Layers": [');
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(layerInfo));
    await reportOf(layerInfo, 'the report');
    const before = await engineStats();
    await vscode.commands.executeCommand('qdqStudio.compareEngineReport', vscode.Uri.file(broken));
    const asked = await engineStats();
    assert.equal(asked.warnings, before.warnings + 1, 'asked for, the failing comparison is said');

    // The build's profile and log are written: the report is drawn again, compared as remembered (the broken build).
    fs.copyFileSync(fixture('trt8-detailed.profile.json'), path.join(dir, 'qdq.profile.json'));
    fs.copyFileSync(fixture('short.console.log'), path.join(dir, 'qdq.log'));
    await reportOf(layerInfo, 'the report with its profile and log', (s) => s.log === path.join(dir, 'qdq.log') && s.rendered?.throughputText !== undefined).catch(withState);
    const followed = await engineStats();
    assert.ok(followed.shows > asked.shows, 'drawn again');
    assert.equal(followed.warnings, asked.warnings, 'the same failure is not said again');

    // Asked for again, it is.
    await vscode.commands.executeCommand('qdqStudio.compareEngineReport', vscode.Uri.file(broken));
    assert.equal((await engineStats()).warnings, asked.warnings + 1);
  });

  test('a report closed while it is being read shows nothing of it: no report state, no error about the closed panel, no onDidShow', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-closed-'));
    scratch.push(dir);
    const layerInfo = path.join(dir, 'qdq.layer.json');
    fs.copyFileSync(fixture('trt8-detailed.layerinfo.json'), layerInfo);
    fs.copyFileSync(fixture('trt8-detailed.profile.json'), path.join(dir, 'qdq.profile.json'));
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(layerInfo));
    await reportOf(layerInfo, 'the report');
    const before = await engineStats();

    // Shown again, and held once it has read the build; the panel is closed meanwhile.
    const hold = await vscode.commands.executeCommand<{ reached: Promise<void>; release: () => void }>('qdqStudio.internal.holdEngineReport');
    const showing = vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(layerInfo));
    await hold.reached;
    await closeAllEditors();
    await poll('the closed panel to drop its report', 10_000, async () => ((await engineState()) === undefined ? true : undefined));
    hold.release();
    await showing;

    assert.equal(await engineState(), undefined, 'no report for a closed panel');
    assert.deepEqual(await engineStats(), before, 'nothing shown, no warning, no error ("Webview is disposed")');
  });

  test('a report whose build\'s files are deleted (not kept) stays, and says they are gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-gone-'));
    scratch.push(dir);
    const layerInfo = path.join(dir, 'qdq.layer.json');
    fs.copyFileSync(fixture('trt8-detailed.layerinfo.json'), layerInfo);
    fs.copyFileSync(fixture('trt8-detailed.profile.json'), path.join(dir, 'qdq.profile.json'));
    await vscode.commands.executeCommand('qdqStudio.openEngineReport', vscode.Uri.file(layerInfo));
    const shown = await reportOf(layerInfo, 'the report');
    assert.equal(shown.rendered?.notice, undefined);
    for (const f of ['qdq.layer.json', 'qdq.profile.json']) fs.rmSync(path.join(dir, f));
    const gone = await reportOf(layerInfo, 'the report to say its files are gone', (s) => s.rendered?.notice !== undefined).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await engineState())}`);
    });
    assert.equal(gone.rendered?.notice, `The files of this build are gone (${layerInfo}): this is what they said when they were read.`);
    assert.equal(gone.rendered?.layerRows, 12, 'what it showed is still there');
  });
});
