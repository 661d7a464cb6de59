import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { buildViewGraph, nodeProperties, type ViewGraph } from '../../../src/core/graphView/index';
import { applyEdit } from '../../../src/core/editing/index';
import { decodeModel, encodeModelToBytes, MemorySource } from '../../../src/core/onnx/index';
import { VIEW_TYPE, closeAllEditors, note, poll, requireModel, waitForGraph, waitForOurEditor, workspaceFile, type WebviewQuery } from './support';


async function decoded(uri: vscode.Uri) {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath });
}

function distinctBadges(view: ViewGraph): number {
  const seen = new Set<number>();
  for (const e of view.edges) for (const b of e.badges ?? []) seen.add(b);
  for (const n of view.nodes) for (const b of n.weightBadges ?? []) seen.add(b);
  return seen.size;
}

function nodeKey(view: ViewGraph, i: number): string {
  const v = view.nodes[i]!;
  return v.op === undefined ? v.name : v.name !== '' ? v.name : `${view.ops[v.op]}#${v.node}`;
}

suite('Graph view', () => {
  setup(closeAllEditors);
  suiteTeardown(closeAllEditors);

  test('tiny-qat-good.onnx: the folded graph is drawn with the view graph\'s node, edge and badge counts, coloured by predicted precision', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const model = await decoded(uri);
    const folded = buildViewGraph(model, { mode: 'folded' });
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const r = await waitForGraph(uri, 'the folded graph', (g) => g.state === 'ready' && g.overlaySources.includes('analysis'));
    assert.equal(r.tab, 'graph', 'the graph tab is the default');
    // The strict CSP held once the graph library ran: nothing inline was blocked (cytoscape.js inserts a <style> unless told not to).
    const page = await vscode.commands.executeCommand<{ report: { cspViolations: string[] } } | undefined>('qdqStudio.internal.queryWebview', uri);
    assert.deepEqual(page?.report.cspViolations, [], 'CSP violations in the webview');
    assert.equal(r.mode, 'folded', 'a quantized model opens folded');
    assert.equal(r.renderedNodes, folded.nodes.length);
    assert.equal(r.renderedEdges, folded.edges.length);
    assert.equal(r.qdqBadges, distinctBadges(folded));
    assert.ok(r.qdqBadges > 0, 'the QAT model has folded Q/DQ pairs');
    assert.equal(r.colorSource, 'analysis', 'nodes are coloured by the analysis overlay once it arrives');
    assert.ok(r.legend.includes('INT8'), `legend: ${r.legend.join(', ')}`);
    note(`tiny-qat-good: ${r.renderedNodes} nodes, ${r.renderedEdges} edges, ${r.qdqBadges} badges, first paint ${r.firstPaintMs} ms, legend ${r.legend.join(' / ')}`);
  });

  test('toggle raw shows every Q/DQ node; toggling back folds them again', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const model = await decoded(uri);
    const raw = buildViewGraph(model, { mode: 'raw' });
    const folded = buildViewGraph(model, { mode: 'folded' });
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await waitForGraph(uri, 'the folded graph', (g) => g.state === 'ready' && g.mode === 'folded');
    await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
    const r = await waitForGraph(uri, 'the raw graph', (g) => g.state === 'ready' && g.mode === 'raw' && g.renderedNodes === raw.nodes.length);
    assert.equal(r.renderedEdges, raw.edges.length);
    assert.ok(raw.nodes.length > folded.nodes.length);
    await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
    await waitForGraph(uri, 'the folded graph again', (g) => g.state === 'ready' && g.mode === 'folded' && g.renderedNodes === folded.nodes.length);
  });

  test('revealNode selects a node; the selection survives hide/show and reopening the editor', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const model = await decoded(uri);
    const folded = buildViewGraph(model, { mode: 'folded' });
    const convIndex = folded.nodes.findIndex((v, i) => v.op !== undefined && folded.ops[v.op] === 'Conv' && i > 3);
    assert.ok(convIndex >= 0, 'a Conv node is drawn');
    const name = nodeKey(folded, convIndex);
    // Not open yet: revealNode opens the model itself.
    assert.equal(await vscode.commands.executeCommand('qdqStudio.revealNode', uri.toString(), name), true);
    await waitForOurEditor(uri);
    await waitForGraph(uri, `${name} selected`, (g) => g.state === 'ready' && g.selected === name && g.selectedKind === 'node');

    // Hide (another editor in the same group), then show again: the page is re-created.
    const doc = await vscode.workspace.openTextDocument({ content: 'hide the model view' });
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Active });
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const shown = await waitForGraph(uri, 'the graph after hide/show', (g) => g.state === 'ready' && g.selected !== undefined);
    assert.equal(shown.selected, name, 'selection after hide/show');

    // Close and reopen: the host remembers the selection.
    await closeAllEditors();
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const reopened = await waitForGraph(uri, 'the graph after reopening', (g) => g.state === 'ready' && g.selected !== undefined);
    assert.equal(reopened.selected, name, 'selection after reopening');
  });

  test('properties of a DequantizeLinear node list every scale value with min and max; a folded Q/DQ reveals its edge', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const model = await decoded(uri);
    const graph = model.model.graph!;
    // A weight DQ (initializer -> Q -> DQ, per-channel scales).
    const initializers = new Set(graph.initializer.map((t) => t.name));
    const qOfWeight = new Set(graph.node.filter((n) => n.opType === 'QuantizeLinear' && initializers.has(n.input[0] ?? '')).flatMap((n) => n.output));
    const dqIndex = graph.node.findIndex((n) => n.opType === 'DequantizeLinear' && (qOfWeight.has(n.input[0] ?? '') || initializers.has(n.input[0] ?? '')));
    assert.ok(dqIndex >= 0, 'the model has a weight DequantizeLinear');
    const expected = nodeProperties(model, { path: [] }, dqIndex);
    const scale = expected.qdq?.scale;
    assert.ok(scale, 'the DQ has a constant scale');
    const dqName = graph.node[dqIndex]!.name || `DequantizeLinear#${dqIndex}`;

    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await waitForGraph(uri, 'the folded graph', (g) => g.state === 'ready');
    // Folded: a weight DQ is drawn as a badge on its reader, so revealing it selects that node.
    await vscode.commands.executeCommand('qdqStudio.revealNode', uri, dqName);
    const onReader = await waitForGraph(uri, 'the reader of the folded DQ selected', (g) => g.selected !== undefined && g.properties?.scaleValues !== undefined);
    assert.equal(onReader.mode, 'folded');
    assert.equal(onReader.properties?.scaleValues, scale.count);

    await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
    await waitForGraph(uri, 'the raw graph', (g) => g.state === 'ready' && g.mode === 'raw');
    await vscode.commands.executeCommand('qdqStudio.revealNode', uri, dqName);
    const r = await waitForGraph(uri, 'DQ properties', (g) => g.selected === dqName && g.properties?.title === 'DequantizeLinear' && g.properties.scaleValues !== undefined);
    assert.equal(r.properties?.scaleValues, scale.count, 'every channel is listed');
    // Exactly: the text reads back as the stored float32 (4 significant digits could not tell two scales apart).
    assert.equal(Math.fround(Number(r.properties?.scaleMin)), scale.min, `min ${r.properties?.scaleMin} vs ${scale.min}`);
    assert.equal(Math.fround(Number(r.properties?.scaleMax)), scale.max, `max ${r.properties?.scaleMax} vs ${scale.max}`);
    note(`${dqName}: ${scale.count} scales, min ${r.properties?.scaleMin}, max ${r.properties?.scaleMax}`);
    await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
  });

  test('search by op type and overlays from a second source', async () => {
    const uri = await requireModel('models/tiny-qat-good.onnx');
    const model = await decoded(uri);
    const folded = buildViewGraph(model, { mode: 'folded' });
    const convs = folded.nodes.filter((v) => v.op !== undefined && folded.ops[v.op] === 'Conv').length;
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await waitForGraph(uri, 'the folded graph', (g) => g.state === 'ready');
    await vscode.commands.executeCommand('qdqStudio.findInGraph', undefined, 'conv');
    const s = await waitForGraph(uri, 'search hits', (g) => g.search?.query === 'conv' && g.selected !== undefined);
    assert.ok(s.search!.hits >= convs, `${s.search!.hits} hits for 'conv', ${convs} Conv nodes`);
    assert.equal(s.search!.current, 1);

    const name = nodeKey(folded, folded.nodes.findIndex((v) => v.op !== undefined));
    const ok = await vscode.commands.executeCommand('qdqStudio.internal.setOverlay', uri.toString(), 'sensitivity', {
      label: 'Sensitivity (test)',
      legend: [{ key: 'hot', label: 'Sensitive', color: 'charts.red' }],
      nodes: { [name]: { heat: 1, badge: '!', severity: 'warning', tooltip: 'test' } },
    });
    assert.equal(ok, true);
    const r = await waitForGraph(uri, 'the second overlay', (g) => g.overlaySources.includes('sensitivity'));
    assert.ok(r.overlaySources.includes('analysis'));
    assert.ok(r.badgedNodes >= 1);
    await vscode.commands.executeCommand('qdqStudio.internal.setOverlay', uri.toString(), 'sensitivity', undefined);
    await waitForGraph(uri, 'the overlay removed', (g) => !g.overlaySources.includes('sensitivity'));
  });

  /** A quantized Conv of the folded view (an input edge carries a Q/DQ badge) and its key. */
  function quantizedConv(view: ViewGraph): string {
    const i = view.nodes.findIndex((v, k) => v.op !== undefined && view.ops[v.op] === 'Conv' && k > 3 && view.edges.some((e) => e.t === k && e.badges?.length));
    assert.ok(i >= 0, 'a quantized Conv is drawn');
    return nodeKey(view, i);
  }

  test('the graph redraws when the model changes (here: on disk), keeping mode, selection and viewport', async () => {
    const source = await requireModel('models/tiny-qat-good.onnx');
    const uri = workspaceFile('models/graph-refresh-copy.onnx');
    const bytes = await vscode.workspace.fs.readFile(source);
    await vscode.workspace.fs.writeFile(uri, bytes);
    try {
      const model = decodeModel(new MemorySource(bytes, uri.fsPath), { file: uri.fsPath });
      const folded = buildViewGraph(model, { mode: 'folded' });
      const name = quantizedConv(folded);
      assert.equal(await vscode.commands.executeCommand('qdqStudio.revealNode', uri.toString(), name), true);
      await waitForOurEditor(uri);
      const before = await waitForGraph(uri, `${name} selected`, (g) => g.state === 'ready' && g.selected === name);
      assert.equal(before.qdqBadges, distinctBadges(folded));

      // Keep the conv in higher precision with the editing core and write the file: the document reloads.
      applyEdit(model, { kind: 'disableQuantization', target: name });
      const edited = buildViewGraph(model, { mode: 'folded' });
      const expected = distinctBadges(edited);
      assert.ok(expected < before.qdqBadges, `the edit removes badges (${before.qdqBadges} -> ${expected})`);
      await vscode.workspace.fs.writeFile(uri, encodeModelToBytes(model));
      const after = await waitForGraph(uri, 'the redrawn graph', (g) => g.state === 'ready' && g.qdqBadges === expected);
      assert.equal(after.mode, 'folded');
      assert.equal(after.renderedNodes, edited.nodes.length);
      assert.equal(after.selected, name, 'the selection survives the redraw');
      assert.ok(before.zoom !== undefined && after.zoom !== undefined && Math.abs(after.zoom - before.zoom) < 1e-6, `zoom ${before.zoom} -> ${after.zoom}`);
      note(`refresh: ${before.qdqBadges} -> ${after.qdqBadges} badges, selection ${after.selected}, zoom kept ${after.zoom}`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(uri);
    }
  });

  test('node menu commands: copy name; keep in higher precision / quantize go through the editing commands and the graph follows (undo too)', async () => {
    const source = await requireModel('models/tiny-qat-good.onnx');
    const uri = workspaceFile('models/graph-menu-copy.onnx');
    await vscode.workspace.fs.writeFile(uri, await vscode.workspace.fs.readFile(source));
    try {
      const model = await decoded(uri);
      const folded = buildViewGraph(model, { mode: 'folded' });
      const name = quantizedConv(folded);
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      await waitForOurEditor(uri);
      const before = await waitForGraph(uri, 'the folded graph', (g) => g.state === 'ready');
      // What VS Code hands a webview/context command: the page's data-vscode-context.
      const context = { webview: VIEW_TYPE, webviewSection: 'graphNode', qdqUri: uri.toString(), qdqNode: name, qdqQuantized: true };
      assert.equal(await vscode.commands.executeCommand('qdqStudio.graph.copyNodeName', context), true);
      assert.equal(await vscode.env.clipboard.readText(), name);

      const commands = await vscode.commands.getCommands(true);
      if (!commands.includes('qdqStudio.disableQuantization')) {
        note('node menu: the editing commands are not in this build; keep/quantize not exercised');
        return;
      }
      applyEdit(model, { kind: 'disableQuantization', target: name });
      const expected = distinctBadges(buildViewGraph(model, { mode: 'folded' }));
      await vscode.commands.executeCommand('qdqStudio.graph.keepInHigherPrecision', context);
      const kept = await waitForGraph(uri, 'the graph without the conv\'s Q/DQ', (g) => g.state === 'ready' && g.qdqBadges === expected);
      assert.ok(kept.qdqBadges < before.qdqBadges);
      await vscode.commands.executeCommand('undo');
      await waitForGraph(uri, 'the graph after undo', (g) => g.state === 'ready' && g.qdqBadges === before.qdqBadges);
      await vscode.commands.executeCommand('qdqStudio.graph.keepInHigherPrecision', context);
      await waitForGraph(uri, 'kept again', (g) => g.state === 'ready' && g.qdqBadges === expected);
      await vscode.commands.executeCommand('qdqStudio.graph.quantize', { ...context, qdqQuantized: false });
      await waitForGraph(uri, 'quantized again', (g) => g.state === 'ready' && g.qdqBadges === before.qdqBadges);
      note(`node menu: ${before.qdqBadges} -> ${expected} -> ${before.qdqBadges} badges`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await closeAllEditors();
      await vscode.workspace.fs.delete(uri);
    }
  });

  test('opening: the host builds the graph while VS Code creates the webview, and the first analysis waits until the graph is painted', async () => {
    // Earlier tests opened graphs in this window, so the host knows the webview's font metrics.
    const uri = await requireModel('models/tiny-qat-defects.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    await waitForGraph(uri, 'the graph with the analysis overlay', (g) => g.state === 'ready' && g.overlaySources.includes('analysis'));
    const t = await vscode.commands.executeCommand<{ steps: Record<string, number>; prefetchHit?: 'layout' | 'view' | false } | undefined>('qdqStudio.internal.openTimeline', uri.toString());
    assert.ok(t, 'the document has an opening timeline');
    note(`opening steps (ms after open): ${Object.entries(t.steps).map(([k, v]) => `${k} ${(v - t.steps.opened!).toFixed(0)}`).join(', ')}`);
    const s = t.steps;
    for (const step of ['opened', 'resolved', 'loaded', 'prefetchStarted', 'prefetchDone', 'graphRequested', 'graphPosted', 'graphPainted', 'analysisStarted']) {
      assert.equal(typeof s[step], 'number', `step ${step} happened`);
    }
    assert.ok(s.opened! <= s.resolved! && s.resolved! <= s.prefetchStarted!, 'the prefetch starts once the editor resolved');
    assert.ok(s.loaded! <= s.prefetchStarted!, 'the prefetch starts once the model is loaded');
    assert.equal(t.prefetchHit, 'layout', 'the first graph request found the prefetched graph, laid out for its font');
    assert.ok(s.graphRequested! <= s.graphPosted! && s.graphPosted! <= s.graphPainted!);
    assert.ok(s.analysisStarted! >= s.graphPainted!, 'the analysis started after the first paint, not between open and the first paint');
  });

  test('a model on a slow file system: VS Code shows the panel while the model is still being read, and the graph follows', async () => {
    // A read-only file system whose reads wait until the test releases them: the document stays
    // `loading` for as long as the test likes, which shows what openCustomDocument no longer waits for.
    const bytes = await vscode.workspace.fs.readFile(await requireModel('models/tiny-qat-good.onnx'));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let reads = 0;
    const noWrite = (): never => {
      throw vscode.FileSystemError.NoPermissions('read-only test file system');
    };
    const changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
    const slowFs: vscode.FileSystemProvider = {
      onDidChangeFile: changes.event,
      watch: () => new vscode.Disposable(() => undefined),
      stat: (uri) => {
        if (uri.path === '/slow') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
        if (uri.path === '/slow/tiny-slow.onnx') return { type: vscode.FileType.File, ctime: 0, mtime: 1, size: bytes.byteLength };
        throw vscode.FileSystemError.FileNotFound(uri);
      },
      readDirectory: () => [['tiny-slow.onnx', vscode.FileType.File]],
      readFile: async (uri) => {
        if (uri.path !== '/slow/tiny-slow.onnx') throw vscode.FileSystemError.FileNotFound(uri);
        reads++;
        await released;
        return bytes;
      },
      createDirectory: noWrite,
      writeFile: noWrite,
      delete: noWrite,
      rename: noWrite,
    };
    const registration = vscode.workspace.registerFileSystemProvider('qdqslow', slowFs, { isReadonly: true });
    const uri = vscode.Uri.parse('qdqslow:/slow/tiny-slow.onnx');
    type Timeline = { steps: Record<string, number>; state: string };
    const timeline = () => vscode.commands.executeCommand<Timeline | undefined>('qdqStudio.internal.openTimeline', uri.toString());
    try {
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE); // returns: nothing waits for the read
      await waitForOurEditor(uri);
      const loading = await poll('the panel, ready while the model is still loading', 20_000, async () => {
        const q = await vscode.commands.executeCommand<WebviewQuery | undefined>('qdqStudio.internal.queryWebview', uri);
        return q?.report.status === 'loading' ? q : undefined;
      });
      assert.equal(loading.report.status, 'loading', 'the page shows that the model is loading');
      const before = await timeline();
      assert.ok(before, 'the document exists while it loads');
      assert.equal(before.state, 'loading');
      assert.equal(typeof before.steps.resolved, 'number', 'the editor resolved (its webview exists) before the model was read');
      assert.equal(before.steps.loaded, undefined);
      assert.ok(reads >= 1, 'the read has started');
      release();
      const g = await waitForGraph(uri, 'the graph, once the model is read', (r) => r.state === 'ready');
      assert.ok(g.renderedNodes > 0);
      const after = await timeline();
      assert.equal(after?.state, 'loaded');
      assert.ok(after!.steps.resolved! < after!.steps.loaded!, 'resolved before loaded');
    } finally {
      release();
      await closeAllEditors();
      registration.dispose();
      changes.dispose();
    }
  });

  test('reopening a model last shown raw: the page\'s first request (sent before init) gets the raw graph the host prefetched', async () => {
    const uri = await requireModel('models/tiny-qat-defects.onnx');
    await closeAllEditors();
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
    const first = await waitForGraph(uri, 'the graph', (g) => g.state === 'ready');
    if (first.mode !== 'raw') await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
    await waitForGraph(uri, 'the raw graph', (g) => g.state === 'ready' && g.mode === 'raw');
    await new Promise((r) => setTimeout(r, 300)); // the page's graphState reaches the host
    try {
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      await waitForOurEditor(uri);
      await waitForGraph(uri, 'the reopened graph, raw', (g) => g.state === 'ready' && g.mode === 'raw');
      const t = await vscode.commands.executeCommand<{ steps: Record<string, number>; prefetchHit?: 'layout' | 'view' | false } | undefined>('qdqStudio.internal.openTimeline', uri.toString());
      assert.ok(t, 'the document has an opening timeline');
      assert.ok(t.steps.graphRequested! < t.steps.graphPainted!, 'requested before painted');
      assert.equal(t.prefetchHit, 'layout', 'the first request was for the raw graph the host prefetched (not a folded one thrown away)');
    } finally {
      await vscode.commands.executeCommand('qdqStudio.toggleQdqFolding');
      await waitForGraph(uri, 'folded again', (g) => g.state === 'ready' && g.mode === 'folded');
      await closeAllEditors();
    }
  });
});
