/**
 * The engine-mismatch check (src/diagnostics/engineCheck.ts) while a build writes its files: a
 * trtexec run writes its console log in many small pieces, and each is a file event. The check
 * coalesces a burst of them: it is made once the writes have settled (BUILD_WRITE_SETTLE_MS after
 * the last), not per write, and a change of the log alone does not read the layer info again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { standInLayerInfo } from '../../support/standInLayerInfo';
import { VIEW_TYPE, closeAllEditors, poll, requireModel, sleep, waitForOurEditor, workspaceFile } from './support';

/** What `qdqStudio.internal.engineCheckRuns` counts for a document since it opened (layer-info reads: in all). */
interface Runs {
  checks: number;
  /** Changes of the build's log or layer info the watcher reported. */
  buildEvents: number;
  /** Waits for those changes to settle that ended, each in one check. */
  settled: number;
  layerInfoReads: number;
}

const runsOf = (uri: vscode.Uri) => vscode.commands.executeCommand<Runs>('qdqStudio.internal.engineCheckRuns', uri.toString());

/** What happened between two readings of the counts. */
const since = (a: Runs, b: Runs) => ({ checks: b.checks - a.checks, buildEvents: b.buildEvents - a.buildEvents, settled: b.settled - a.settled, layerInfoReads: b.layerInfoReads - a.layerInfoReads });

/**
 * The writes of a burst were coalesced: every check they caused was made when a wait for them to
 * settle ended (none per write), and there were fewer checks than file events. Timing-proof: a
 * runner slow enough to split a burst in two waits still passes, while a check per write (no
 * debounce, or a settle time shorter than the gaps between writes) fails.
 */
function assertCoalesced(d: ReturnType<typeof since>, what: string): void {
  const counts = JSON.stringify(d);
  assert.ok(d.settled >= 1, `${what}: the writes were checked once they settled (${counts})`);
  assert.equal(d.checks, d.settled, `${what}: a check only when the writes have settled, none per write (${counts})`);
  assert.ok(d.checks < d.buildEvents, `${what}: fewer checks than file events (${counts})`);
}

const mismatches = (uri: vscode.Uri) =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'QDQ Studio' && typeof d.code === 'object' && String(d.code.value) === 'engine-mismatch');

suite('Engine check while a build writes its files', function () {
  this.timeout(90_000);
  const scratch: vscode.Uri[] = [];

  teardown(async () => {
    await closeAllEditors();
    for (const uri of scratch.splice(0)) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
  });

  test('a burst of writes to the build\'s log and layer info is coalesced into a check after the writes settle, and the log alone does not re-read the layer info', async () => {
    const good = await requireModel('models/tiny-qat-good.onnx');
    const uri = workspaceFile('models/scratch-burst.onnx');
    const buildDir = workspaceFile('models/scratch-burst.trtexec');
    scratch.push(uri, buildDir);
    await vscode.workspace.fs.copy(good, uri, { overwrite: true });
    const bytes = await vscode.workspace.fs.readFile(uri);
    const decoded = decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath });
    const predicted = analyzeModel(decoded, buildGraphIndex(decoded.model.graph!), { trt: 10, precision: 'int8', stronglyTyped: false, refit: false });
    const halfConvs = predicted.layers.filter((l) => l.opType === 'Conv' && l.precision === 'INT8').slice(1, 3).map((l) => l.node);
    assert.equal(halfConvs.length, 2);
    fs.mkdirSync(buildDir.fsPath, { recursive: true });
    const layerInfo = vscode.Uri.joinPath(buildDir, 'qdq.layer.json').fsPath;
    const log = vscode.Uri.joinPath(buildDir, 'qdq.log').fsPath;
    fs.writeFileSync(layerInfo, standInLayerInfo(decoded, halfConvs));
    fs.writeFileSync(log, '&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --onnx=scratch-burst.onnx\n');

    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await poll('two engine-mismatch warnings', 20_000, async () => (mismatches(uri).length === 2 ? true : undefined));
    const before = await runsOf(uri);
    assert.ok(before.checks >= 1, JSON.stringify(before));

    // trtexec's inference phase: the log grows line by line (each append a file event: the
    // watcher's own coalescing is shorter than these gaps, the settle time longer).
    const writes = 10;
    for (let i = 0; i < writes; i++) {
      fs.appendFileSync(log, `[12/06/2026-17:20:0${i}] [I] Average on 10 runs - GPU latency: 1.0${i} ms\n`);
      await sleep(120);
    }
    // The poll waits for the watcher's events; the hook, for a pending settle and its check.
    const logOnly = await poll('the watcher to report the log\'s writes', 20_000, async () => {
      const r = await runsOf(uri);
      return r.buildEvents > before.buildEvents ? r : undefined;
    });
    assertCoalesced(since(before, logOnly), `${writes} writes of the log`);
    assert.equal(logOnly.layerInfoReads, before.layerInfoReads, 'a change of the log alone does not read the layer info again');

    // A new build's files written in a burst: the layer info (it now agrees), then the log; the
    // checks wait for the writes to settle, and the last sees the new build.
    fs.writeFileSync(layerInfo, standInLayerInfo(decoded, []));
    for (let i = 0; i < writes; i++) {
      await sleep(120);
      fs.appendFileSync(log, `[12/06/2026-17:21:0${i}] [I] Average on 10 runs - GPU latency: 1.0${i} ms\n`);
    }
    await poll('the engine-mismatch warnings to go with the agreeing build', 20_000, async () => (mismatches(uri).length === 0 ? true : undefined));
    const after = await runsOf(uri);
    assertCoalesced(since(logOnly, after), `a burst of ${writes + 1} writes`);
    assert.equal(after.layerInfoReads, logOnly.layerInfoReads + 1, 'the new layer info is read once');
    const check = await vscode.commands.executeCommand<{ disagreements: unknown[]; compared: number; agree: number }>('qdqStudio.internal.engineCheck', uri.toString());
    assert.equal(check.disagreements.length, 0);
    assert.equal(check.agree, check.compared);
  });
});
