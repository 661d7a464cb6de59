/**
 * The engine-mismatch check (src/diagnostics/engineCheck.ts) while a build writes its files: a
 * trtexec run writes its console log in many small pieces, and each is a file event. The check
 * coalesces a burst of them into one, made after the last write, and a change of the log alone does
 * not read the layer info again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { standInLayerInfo } from '../../support/standInLayerInfo';
import { VIEW_TYPE, closeAllEditors, poll, requireModel, sleep, waitForOurEditor, workspaceFile } from './support';

interface Runs {
  checks: number;
  layerInfoReads: number;
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

  test('a burst of writes to the build\'s log and layer info gives one check, after the last write, and the log alone does not re-read the layer info', async () => {
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
    const before = await vscode.commands.executeCommand<Runs>('qdqStudio.internal.engineCheckRuns', uri.toString());
    assert.ok(before.checks >= 1, JSON.stringify(before));

    // trtexec's inference phase: the log grows line by line (each append a file event: the
    // watcher's own coalescing is shorter than these gaps).
    const writes = 10;
    for (let i = 0; i < writes; i++) {
      fs.appendFileSync(log, `[12/06/2026-17:20:0${i}] [I] Average on 10 runs - GPU latency: 1.0${i} ms\n`);
      await sleep(120);
    }
    const logOnly = await vscode.commands.executeCommand<Runs>('qdqStudio.internal.engineCheckRuns', uri.toString());
    assert.equal(logOnly.layerInfoReads, before.layerInfoReads, 'a change of the log alone does not read the layer info again');
    assert.equal(logOnly.checks, before.checks + 1, `${writes} writes of the log, one check (${JSON.stringify({ before, logOnly })})`);

    // A new build's files written in a burst: the layer info (it now agrees), then the log; the
    // check is made once, after the last write, and sees the new build.
    fs.writeFileSync(layerInfo, standInLayerInfo(decoded, []));
    for (let i = 0; i < writes; i++) {
      await sleep(120);
      fs.appendFileSync(log, `[12/06/2026-17:21:0${i}] [I] Average on 10 runs - GPU latency: 1.0${i} ms\n`);
    }
    await poll('the engine-mismatch warnings to go with the agreeing build', 20_000, async () => (mismatches(uri).length === 0 ? true : undefined));
    const after = await vscode.commands.executeCommand<Runs>('qdqStudio.internal.engineCheckRuns', uri.toString());
    assert.equal(after.checks, logOnly.checks + 1, `a burst of ${writes + 1} writes, one check (${JSON.stringify({ logOnly, after })})`);
    assert.equal(after.layerInfoReads, logOnly.layerInfoReads + 1, 'the new layer info is read once');
    const check = await vscode.commands.executeCommand<{ disagreements: unknown[]; compared: number; agree: number }>('qdqStudio.internal.engineCheck', uri.toString());
    assert.equal(check.disagreements.length, 0);
    assert.equal(check.agree, check.compared);
  });
});
