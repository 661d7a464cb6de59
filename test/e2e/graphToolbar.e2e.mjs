// End-to-end cases of the graph tab's toolbar: its size in a narrow editor (every action still
// reachable, by mouse and keyboard) and the breadcrumbs into and out of subgraphs. Run by
// test/e2e/run.mjs after the editor cases; each case gets { page, workspace, shot, note }.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { closeAllEditors, openFromExplorer, waitForWebview } from './workbench.mjs';

const require = createRequire(import.meta.url);

async function pollFor(read, ok, timeout = 5_000) {
  const end = Date.now() + timeout;
  let value = await read();
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** Opens `relPath` from the explorer and waits for the graph's first paint; returns the webview frame. */
async function openGraph(page, relPath) {
  await closeAllEditors(page);
  await openFromExplorer(page, relPath);
  const view = await waitForWebview(page, 30_000);
  assert.equal(view.status, 'ready', `${relPath}: webview status ${view.status}, error text: ${view.errorText}`);
  await view.frame.locator('#app[data-qdq-state="ready"]').waitFor({ state: 'attached', timeout: 30_000 });
  return view.frame;
}

/**
 * The toolbar's rows as laid out: its box, and its visible controls grouped into rows (a control
 * starts a new row when its top is below the bottom of the row so far).
 */
function toolbarRows(frame) {
  return frame.locator('.graph-toolbar').evaluate((bar) => {
    const box = bar.getBoundingClientRect();
    const items = [...bar.children]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0)
      .sort((a, b) => a.r.top - b.r.top);
    const rows = [];
    for (const { el, r } of items) {
      const row = rows[rows.length - 1];
      const what = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 24) || el.className;
      if (row && r.top < row.bottom - 1) {
        row.bottom = Math.max(row.bottom, r.bottom);
        row.items.push(what);
      } else rows.push({ top: r.top, bottom: r.bottom, items: [what] });
    }
    const tallest = Math.max(...items.map(({ r }) => r.height));
    return { width: box.width, height: box.height, tallest, rows: rows.map((r) => r.items) };
  });
}

/** A model whose main graph has an If with two branches, the else branch another If (nested subgraphs). */
function writeIfModel(file) {
  const { onnx } = require('onnx-proto');
  const T = onnx.TensorProto.DataType;
  const A = onnx.AttributeProto.AttributeType;
  const vi = (name, dims, elemType = T.FLOAT) => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const branch = (name, nodes) => ({ name, node: nodes, output: [vi(nodes[nodes.length - 1].output[0], [1, 4])] });
  const inner = (name, op) => branch(name, [{ name: `${name}/${op}`, opType: op, input: ['x'], output: [`${name}_out`] }]);
  const thenBranch = branch('then', [
    { name: 'then/Relu', opType: 'Relu', input: ['x'], output: ['t1'] },
    { name: 'then/Neg', opType: 'Neg', input: ['t1'], output: ['t2'] },
    { name: 'then/Abs', opType: 'Abs', input: ['t2'], output: ['t_out'] },
  ]);
  const elseBranch = branch('else', [
    { name: 'else/If', opType: 'If', input: ['cond'], output: ['e_out'], attribute: [
      { name: 'then_branch', type: A.GRAPH, g: inner('inner', 'Sigmoid') },
      { name: 'else_branch', type: A.GRAPH, g: inner('inner2', 'Tanh') },
    ] },
  ]);
  const model = {
    irVersion: 8,
    producerName: 'qdq-studio e2e',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'main',
      input: [vi('x', [1, 4]), vi('cond', [], T.BOOL)],
      output: [vi('y', [1, 4])],
      node: [
        { name: 'pre/Relu', opType: 'Relu', input: ['x'], output: ['x1'] },
        { name: 'if', opType: 'If', input: ['cond'], output: ['y0'], attribute: [
          { name: 'then_branch', type: A.GRAPH, g: thenBranch },
          { name: 'else_branch', type: A.GRAPH, g: elseBranch },
        ] },
        { name: 'post/Add', opType: 'Add', input: ['y0', 'x1'], output: ['y'] },
      ],
    },
  };
  fs.writeFileSync(file, onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish());
}

/** Every toolbar action: how to find it (by its accessible name) and what it is. */
function toolbarActions(frame) {
  const bar = frame.getByRole('toolbar', { name: 'Graph' });
  return [
    ['Q/DQ folded/raw', frame.locator('[data-testid="mode-toggle"]')],
    ['Colour', bar.getByRole('combobox', { name: 'Colour nodes by' })],
    ['Find', bar.getByRole('searchbox', { name: /^Find node, op type or tensor/ })],
    ['Previous match', bar.getByRole('button', { name: 'Previous match (Shift+Enter)' })],
    ['Next match', bar.getByRole('button', { name: 'Next match (Enter)' })],
    ['Fit', bar.getByRole('button', { name: 'Fit the graph to the window (0)' })],
    ['Zoom to selection', bar.getByRole('button', { name: 'Zoom to the selected node (Z)' })],
    ['Properties', frame.locator('[data-testid="props-toggle"]')],
  ];
}

export const cases = [
  {
    name: 'graph toolbar in a 900×600 window: at most two rows, every action visible with its name and reachable by Tab',
    timeoutMs: 90_000,
    async run(ctx) {
      const { page } = ctx;
      const size = page.viewportSize();
      try {
        await page.setViewportSize({ width: 900, height: 600 });
        const frame = await openGraph(page, 'models/tiny-qat-good.onnx');
        const tb = await pollFor(() => toolbarRows(frame), (t) => t.width > 0);
        ctx.note(`toolbar ${Math.round(tb.width)}×${Math.round(tb.height)} px, ${tb.rows.length} rows: ${JSON.stringify(tb.rows)}`);
        await ctx.shot('graph-toolbar-900x600');
        assert.ok(tb.rows.length <= 2, `the toolbar wraps to ${tb.rows.length} rows in a ${Math.round(tb.width)} px editor: ${JSON.stringify(tb.rows)}`);
        // Two rows of the tallest control, the gap between them, the padding and the border.
        assert.ok(tb.height <= 2 * tb.tallest + 6 + 12 + 2, `the toolbar is ${tb.height} px high (controls ${tb.tallest} px)`);

        const barBox = await frame.locator('.graph-toolbar').boundingBox();
        for (const [what, loc] of toolbarActions(frame)) {
          assert.equal(await loc.count(), 1, `${what} is in the toolbar with its accessible name`);
          assert.ok(await loc.isVisible(), `${what} is visible`);
          const b = await loc.boundingBox();
          assert.ok(b.x >= barBox.x - 1 && b.x + b.width <= barBox.x + barBox.width + 1 && b.width >= 16, `${what} ${JSON.stringify(b)} lies within the toolbar ${JSON.stringify(barBox)}, not clipped`);
          const title = (await loc.getAttribute('title')) ?? (await loc.getAttribute('aria-label'));
          assert.ok(title, `${what} has a tooltip`);
        }

        // The Colour select, cut short, names the whole colouring in its tooltip.
        const colour = frame.locator('[data-testid="color-source"]');
        const chosen = await colour.evaluate((el) => el.selectedOptions[0]?.textContent ?? '');
        assert.equal(await colour.getAttribute('title'), `Colour nodes by: ${chosen}`);

        // Keyboard: from the search box, Tab reaches Fit, Zoom to selection and Properties; Enter works them.
        const search = frame.locator('[data-testid="graph-search"]');
        await search.fill('/model.1/conv/Conv');
        await search.press('Enter');
        await frame.locator('[data-testid="search-count"]').filter({ hasText: /^1 of \d+/ }).waitFor({ timeout: 10_000 });
        const focusedName = () => frame.locator(':focus').evaluate((el) => el.getAttribute('aria-label') || el.getAttribute('data-testid') || el.textContent.trim());
        const reached = [];
        for (let k = 0; k < 8 && !reached.includes('Properties'); k++) {
          await page.keyboard.press('Tab');
          reached.push(await focusedName());
        }
        ctx.note(`Tab from the search box: ${reached.join(' → ')}`);
        for (const name of ['Fit the graph to the window (0)', 'Zoom to the selected node (Z)', 'Properties']) assert.ok(reached.includes(name), `Tab reaches ${name}: ${reached.join(' → ')}`);
        const expanded = await frame.locator('[data-testid="props-toggle"]').getAttribute('aria-expanded');
        await page.keyboard.press('Enter');
        await frame.locator(`[data-testid="props-toggle"][aria-expanded="${expanded === 'true' ? 'false' : 'true'}"]`).waitFor({ timeout: 5_000 });
        await page.keyboard.press('Enter');
        await frame.locator(`[data-testid="props-toggle"][aria-expanded="${expanded}"]`).waitFor({ timeout: 5_000 });
      } finally {
        await page.setViewportSize(size);
      }
    },
  },
  {
    name: 'breadcrumbs: into an If branch from the properties pane and a nested one by Enter on the canvas, back up by the crumbs (models/e2e-if.onnx)',
    timeoutMs: 90_000,
    async run(ctx) {
      const { page, workspace } = ctx;
      writeIfModel(path.join(workspace, 'models', 'e2e-if.onnx'));
      const frame = await openGraph(page, 'models/e2e-if.onnx');
      const crumbs = frame.locator('nav.graph-crumbs');
      const title = frame.locator('[data-testid="graph-title"]');
      const search = frame.locator('[data-testid="graph-search"]');
      const count = frame.locator('[data-testid="search-count"]');
      const focused = () => frame.locator('body').evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
      const crumbTexts = async () => (await crumbs.locator('.crumb').allInnerTexts()).map((t) => t.trim());
      /** How many drawn nodes a search finds (no step taken). */
      const hits = async (query) => {
        await search.fill('');
        await search.fill(query);
        const text = await pollFor(async () => (await count.innerText()).trim(), (t) => /results?$|^No results$/.test(t));
        return text === 'No results' ? 0 : Number(/^(\d+)/.exec(text)?.[1]);
      };
      const drawn = async (expectTitle) => {
        await title.filter({ hasText: new RegExp(`^${expectTitle.replace(/[/[\]]/g, '\\$&')}$`) }).waitFor({ timeout: 10_000 });
        await frame.locator('#app[data-qdq-state="ready"]').waitFor({ state: 'attached', timeout: 10_000 });
      };

      await drawn('Main graph');
      assert.deepEqual(await crumbTexts(), ['Main graph']);
      assert.equal(await hits('pre/Relu'), 1, 'the main graph shows its own nodes');
      assert.equal(await hits('then/Relu'), 0, 'the main graph does not show a branch\'s nodes');

      // Into the else branch from the properties pane of the If.
      await search.fill('if');
      await search.press('Enter');
      await count.filter({ hasText: /^1 of / }).waitFor({ timeout: 10_000 });
      await frame.locator('[data-testid="props-title"]').filter({ hasText: 'If' }).waitFor({ timeout: 10_000 });
      // By the keyboard: the button goes with the pane's old content, so the focus must not go with it.
      await frame.locator('[data-testid="properties"] vscode-button').filter({ hasText: 'Open else_branch (1 node' }).focus();
      await page.keyboard.press('Enter');
      await drawn('if / else_branch');
      assert.equal(await focused(), 'graph-canvas', 'after opening a subgraph from the properties pane the canvas has the keyboard focus');
      assert.deepEqual(await crumbTexts(), ['Main graph', 'if / else_branch']);
      assert.equal(await hits('else/If'), 1, 'the else branch shows its If');
      assert.equal(await hits('pre/Relu'), 0, 'the else branch does not show the main graph\'s nodes');

      // Into the nested If's first branch by the keyboard: select it, Enter on the canvas.
      await search.fill('else/If');
      await search.press('Enter');
      await count.filter({ hasText: /^1 of 1/ }).waitFor({ timeout: 10_000 });
      await frame.locator('[data-testid="graph-canvas"]').focus();
      await page.keyboard.press('Enter');
      await drawn('else/If / then_branch');
      assert.deepEqual(await crumbTexts(), ['Main graph', 'if / else_branch', 'else/If / then_branch']);
      assert.equal(await hits('inner/Sigmoid'), 1, 'the nested branch shows its node');
      assert.equal(await hits('else/If'), 0);
      await ctx.shot('graph-breadcrumbs-nested');

      // Up one level by the middle crumb (a button, by keyboard), then to the main graph by a click.
      const middle = crumbs.getByRole('button', { name: 'if / else_branch' });
      await middle.focus();
      await page.keyboard.press('Enter');
      await drawn('if / else_branch');
      assert.equal(await focused(), 'graph-canvas', 'after a crumb the canvas has the keyboard focus (the crumb is drawn anew)');
      assert.deepEqual(await crumbTexts(), ['Main graph', 'if / else_branch']);
      assert.equal(await hits('else/If'), 1);
      assert.equal(await hits('inner/Sigmoid'), 0);
      await crumbs.getByRole('button', { name: 'Main graph' }).click();
      await drawn('Main graph');
      assert.deepEqual(await crumbTexts(), ['Main graph']);
      assert.equal(await hits('pre/Relu'), 1);
      assert.equal(await hits('else/If'), 0);
      const current = await title.getAttribute('aria-current');
      assert.equal(current, 'page', 'the last crumb is the current page');

      // The then branch (three nodes) through the other button, and back.
      await search.fill('if');
      await search.press('Enter');
      await count.filter({ hasText: /^1 of / }).waitFor({ timeout: 10_000 });
      await frame.locator('[data-testid="properties"] vscode-button').filter({ hasText: 'Open then_branch (3 nodes)' }).click();
      await drawn('if / then_branch');
      for (const n of ['then/Relu', 'then/Neg', 'then/Abs']) assert.equal(await hits(n), 1, `${n} is drawn`);
      await crumbs.getByRole('button', { name: 'Main graph' }).click();
      await drawn('Main graph');
      await search.fill('');
    },
  },
];
