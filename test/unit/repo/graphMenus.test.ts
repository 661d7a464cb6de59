/**
 * The graph's webview menus (package.json `menus.webview/context`): every item that edits the model
 * or reads the analysis is offered in the main graph only. Edits name main-graph nodes (an unnamed
 * node's `Op#index` label indexes the main graph's node list), and the webview sets
 * `qdqMainGraph` false while it shows a subgraph or function body (webview/graph/contextMenu.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
const items = pkg.contributes.menus['webview/context'] ?? [];

test('the node and edge menus offer edits and findings only while the main graph is shown', () => {
  const mainOnly = ['qdqStudio.graph.keepInHigherPrecision', 'qdqStudio.graph.quantize', 'qdqStudio.graph.unifyScales', 'qdqStudio.graph.removeQdqPair', 'qdqStudio.graph.showFindings'];
  for (const command of mainOnly) {
    const item = items.find((i) => i.command === command);
    assert.ok(item, `${command} is in the webview menu`);
    assert.match(item.when ?? '', /(^|&&)\s*qdqMainGraph\s*($|&&)/, `${command}: ${item.when}`);
  }
  // Navigation and copying work in any body.
  for (const command of ['qdqStudio.graph.copyNodeName', 'qdqStudio.zoomToSelection']) {
    assert.doesNotMatch(items.find((i) => i.command === command)?.when ?? '', /qdqMainGraph/, command);
  }
});

test('the webview sets qdqMainGraph in the context it gives VS Code', () => {
  const menu = fs.readFileSync(path.join(root, 'webview', 'graph', 'contextMenu.ts'), 'utf8');
  assert.match(menu, /qdqMainGraph:\s*!shown \|\| \(shown\.path\.length === 0 && !shown\.function\)/);
});
