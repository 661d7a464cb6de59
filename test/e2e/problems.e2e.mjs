// End-to-end: the Problems panel's code link of a QDQ Studio finding, clicked as a person clicks it,
// selects the finding's node in the graph, whatever the node's name holds (VS Code decodes the
// link's query on the way: see src/diagnostics/commandLink.ts). Run by test/e2e/run.mjs through
// the cases of editor.e2e.mjs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { closeAllEditors, openFromExplorer, runCommand, waitForWebview, webviewContent } from './workbench.mjs';

const require = createRequire(import.meta.url);

/** Names VS Code's decoding used to change ('%20' → ' ', '%2F' → '/', '%25' → '%'), and characters URIs encode. */
const ODD_NAMES = ['/model.0/conv%20x/Conv', 'a%2Fb', '100%25 of it', 'hash#tag what?now a&b=c', '"quoted" ü 卷积'];

/**
 * Writes `models/<file>` into the workspace: tiny-qat-good.onnx with the convs that start the R30
 * findings ("runs INT8 with only N input channels", one per conv) renamed to ODD_NAMES, in order.
 */
function writeRenamedModel(workspace, file) {
  const { onnx } = require('onnx-proto');
  const model = onnx.ModelProto.decode(fs.readFileSync(path.join(workspace, 'models', 'tiny-qat-good.onnx')));
  for (const [i, name] of ODD_NAMES.entries()) {
    const node = model.graph.node.find((n) => n.name === ['/model.0/conv/Conv', '/model.1/conv/Conv', '/model.2/cv2/conv/Conv', '/model.3/cv1/conv/Conv', '/model.9/cv2/conv/Conv'][i]);
    assert.ok(node, `tiny-qat-good.onnx has conv ${i}`);
    node.name = name;
  }
  fs.writeFileSync(path.join(workspace, 'models', file), onnx.ModelProto.encode(model).finish());
}

export const cases = [
  {
    name: 'clicking a finding\'s code (R30) in the Problems panel selects its node in the graph, for names with %20, %2F, %25, #, ?, &, quotes and non-ASCII',
    timeoutMs: 120_000,
    async run(ctx) {
      const { page, workspace } = ctx;
      const file = 'scratch-odd-names.onnx';
      writeRenamedModel(workspace, file);
      try {
        await closeAllEditors(page);
        await openFromExplorer(page, `models/${file}`);
        const view = await waitForWebview(page);
        assert.equal(view.status, 'ready', view.errorText);
        const frame = webviewContent(page);
        await frame.locator('#app[data-qdq-state="ready"]').waitFor({ state: 'attached', timeout: 30_000 });
        await runCommand(page, 'Focus on Problems View');
        const panel = page.locator('.markers-panel');
        await panel.waitFor({ state: 'visible', timeout: 10_000 });
        const filter = page.locator('.viewpane-filter input, .markers-panel-action-filter input').first();
        const name = frame.locator('.props-panel > div.prop-row:first-of-type > .prop-value');
        for (const odd of ODD_NAMES) {
          // The panel's filter narrows the list to this node's findings (their messages start with its name).
          await filter.fill(odd);
          const row = panel.locator('.monaco-list-row').filter({ hasText: `${odd} runs INT8 with only` }).first();
          await row.waitFor({ state: 'visible', timeout: 15_000 });
          const link = row.locator('a.monaco-link', { hasText: 'R30' });
          ctx.note(`${odd}: link ${await link.getAttribute('href')}`);
          await link.click();
          await name.filter({ hasText: new RegExp(`^${odd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout: 15_000 });
        }
        await ctx.shot('problems-code-link');
        await filter.fill('');
      } finally {
        fs.rmSync(path.join(workspace, 'models', file), { force: true });
      }
    },
  },
];
