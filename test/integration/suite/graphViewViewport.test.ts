import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { buildViewGraph } from '../../../src/core/graphView/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { ModelBuilder } from '../../support/modelBuilder';
import type { GraphReportDto } from '../../../src/protocol/messages';
import { VIEW_TYPE, closeAllEditors, note, requireModel, waitForGraph, waitForOurEditor, workspaceFile } from './support';

// The graph view after an audit in code-server on YOLOv9 QAT exports: the viewport after an edit
// that re-lays the graph out, and overlay badges that are not findings.

/** A chain of Relu nodes named `names`, top to bottom (one layer each: the layout is as tall as the chain is long). */
function chain(names: readonly string[]): Uint8Array {
  const b = new ModelBuilder({ opset: 13 });
  let t = b.input('x', 'FLOAT', [1, 8]);
  for (const name of names) [t] = b.node('Relu', [t], [{ dtype: 'FLOAT', shape: [1, 8] }], { scope: '', name });
  b.output(t, 'y');
  return b.toBytes();
}

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, k) => `${prefix}${k}`);

suite('Graph view: viewport after a re-layout, badges and legend', () => {
  setup(closeAllEditors);
  suiteTeardown(closeAllEditors);

  /** Opens `first` at `uri` with `select` revealed (selected and centred), then writes `second` over it. */
  async function redraw(file: string, first: Uint8Array, select: string, second: Uint8Array, expectedNodes: number): Promise<{ before: GraphReportDto; after: GraphReportDto }> {
    const uri = workspaceFile(`models/${file}`);
    await vscode.workspace.fs.writeFile(uri, first);
    assert.equal(await vscode.commands.executeCommand('qdqStudio.revealNode', uri.toString(), select), true);
    await waitForOurEditor(uri);
    const before = await waitForGraph(uri, `${select} selected`, (g) => g.state === 'ready' && g.selected === select && g.selectionOnScreen === true);
    await vscode.workspace.fs.writeFile(uri, second);
    const after = await waitForGraph(uri, 'the redrawn graph', (g) => g.state === 'ready' && g.renderedNodes === expectedNodes);
    return { before, after };
  }

  test('the selected node gone and the old viewport below the new graph: the graph is fitted, not a blank canvas', async () => {
    const file = 'graph-viewport-gone.onnx';
    try {
      // 300 layers, the last one selected (the view is at the bottom); then 30 layers of other names.
      const { before, after } = await redraw(file, chain(names('r', 300)), 'r299', chain(names('s', 30)), 32);
      assert.ok((before.visibleNodes ?? 0) > 0);
      assert.equal(after.selected, undefined, 'the selected node is gone');
      assert.ok((after.visibleNodes ?? 0) > 0, `nodes on screen after the redraw: ${after.visibleNodes} (zoom ${after.zoom})`);
      assert.ok(after.zoom !== undefined && after.zoom <= 1.25 + 1e-9, `fitted at most at FIT_MAX_ZOOM: ${after.zoom}`);
      note(`re-layout, selection gone: ${before.visibleNodes} -> ${after.visibleNodes} nodes on screen, zoom ${before.zoom} -> ${after.zoom}`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(workspaceFile(`models/${file}`));
    }
  });

  test('the selected node still there but moved far away: it stays selected and is centred (same zoom)', async () => {
    const file = 'graph-viewport-moved.onnx';
    try {
      // r150 was the 151st layer; 200 new layers in front of it move it 200 layers down.
      const { before, after } = await redraw(file, chain(names('r', 300)), 'r150', chain([...names('p', 200), ...names('r', 300)]), 502);
      assert.equal(after.selected, 'r150', 'the selection survives the redraw');
      assert.equal(after.selectionOnScreen, true, `the selection is on screen (${after.visibleNodes} nodes visible)`);
      assert.ok(before.zoom !== undefined && after.zoom !== undefined && Math.abs(after.zoom - before.zoom) < 1e-6, `zoom ${before.zoom} -> ${after.zoom}`);
      note(`re-layout, selection moved: on screen ${after.selectionOnScreen}, zoom kept ${after.zoom}`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(workspaceFile(`models/${file}`));
    }
  });

  test('a search keeps its current hit across a redraw (Keep-k re-lays the graph out): not "– of N"', async () => {
    const file = 'graph-search-redraw.onnx';
    const uri = workspaceFile(`models/${file}`);
    try {
      await vscode.workspace.fs.writeFile(uri, chain(['p0', 'hitA', 'p1', 'hitB', 'p2']));
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      await waitForOurEditor(uri);
      await waitForGraph(uri, 'the graph', (g) => g.state === 'ready' && g.renderedNodes === 7);
      await vscode.commands.executeCommand('qdqStudio.findInGraph', undefined, 'hit');
      const before = await waitForGraph(uri, 'the first hit current', (g) => g.search?.query === 'hit' && g.search.current === 1 && g.selected === 'hitA');
      // A new hit in front of it: hitA is now the second hit.
      await vscode.workspace.fs.writeFile(uri, chain(['hitZ', 'p0', 'hitA', 'p1', 'hitB', 'p2']));
      const after = await waitForGraph(uri, 'the redrawn graph', (g) => g.state === 'ready' && g.renderedNodes === 8 && (g.search?.hits ?? 0) > before.search!.hits);
      assert.equal(after.search?.current, 2, `current hit after the redraw: ${after.search?.current} of ${after.search?.hits} (0 was the "– of N" of the audit)`);
      assert.equal(after.selected, 'hitA');
      note(`search across a redraw: ${before.search!.current} of ${before.search!.hits} -> ${after.search!.current} of ${after.search!.hits}`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(uri);
    }
  });

  test('a sensitivity badge (no severity) is listed as a badge, adds no finding row, and goes with its overlay', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const bytes = await vscode.workspace.fs.readFile(uri);
    const folded = buildViewGraph(decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath }), { mode: 'folded' });
    const conv = folded.nodes.find((v) => v.op !== undefined && folded.ops[v.op] === 'Conv' && v.name !== '');
    assert.ok(conv, 'a named Conv is drawn');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const base = await waitForGraph(uri, 'the analysis overlay', (g) => g.state === 'ready' && g.overlaySources.includes('analysis'));
    const legend0 = base.legend;
    assert.ok(!legend0.some((l) => l.startsWith('Badge:')));
    // The purple of folded Q/DQ is listed when the view has folded pairs (the previous suite may leave it raw).
    assert.equal(legend0.includes('Folded Q/DQ (edge badge, weight outline)'), base.qdqBadges > 0, `${base.mode}, ${base.qdqBadges} badges: ${legend0.join(' / ')}`);

    const ok = await vscode.commands.executeCommand('qdqStudio.internal.setOverlay', uri.toString(), 'sensitivity', {
      label: 'Sensitivity (test, lower is more sensitive)',
      legend: [
        { key: 'least', label: 'least sensitive', color: 'charts.blue' },
        { key: 'most', label: 'most sensitive', color: 'charts.red' },
      ],
      nodes: { [conv.name]: { heat: 1, badge: '#1 ΔAP +0.0053', tooltip: 'rank 1' } },
    });
    assert.equal(ok, true);
    const r = await waitForGraph(uri, 'the badge in the legend', (g) => g.overlaySources.includes('sensitivity') && g.legend.includes('Badge: Sensitivity'));
    assert.deepEqual(
      r.legend.filter((l) => l !== 'Badge: Sensitivity'),
      legend0,
      'the badge adds its own row and no finding row (it was drawn as an info finding before)',
    );
    assert.ok(r.badgedNodes >= base.badgedNodes);
    await vscode.commands.executeCommand('qdqStudio.internal.setOverlay', uri.toString(), 'sensitivity', undefined);
    const gone = await waitForGraph(uri, 'the overlay removed', (g) => !g.overlaySources.includes('sensitivity'));
    assert.deepEqual(gone.legend, legend0, 'the badge row goes with the overlay');
    note(`legend: ${legend0.join(' / ')}; with sensitivity: + Badge: Sensitivity`);
  });
});
