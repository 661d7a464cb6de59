/**
 * Writes what the host would send the graph view for one model (run by scripts/bench/webviewPaint.mjs):
 *
 *   node --import tsx scripts/bench/webviewPayload.ts <model.onnx> <out.json> [--char-width 8.4] [--line-height 19]
 *
 * `{ init, graphView: {folded, raw}, overlays, timing }`: the `init` message (summary), the `graphView`
 * answers for the folded and raw views (view graph + layout, sized for the given node font) and the
 * 'analysis' overlay, with the host-side build/layout/analysis times and message sizes.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { analyzeModel } from '../../src/core/analysis/index';
import { buildGraphIndex, summarizeModel } from '../../src/core/graph/index';
import { buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../src/core/graphView/index';
import { openModelFile } from '../../src/core/onnx/index';
import { analysisOverlay } from '../../src/editor/analysisOverlay';

const args = process.argv.slice(2);
const [file, out] = args.filter((a) => !a.startsWith('--'));
if (!file || !out) {
  console.error('usage: webviewPayload.ts <model.onnx> <out.json>');
  process.exit(2);
}
const opt = (name: string, d: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const font = { charWidth: opt('--char-width', 8.4), lineHeight: opt('--line-height', 19) };

const t0 = performance.now();
const decoded = openModelFile(file);
const summary = summarizeModel(decoded);
const index = buildGraphIndex(decoded.model.graph!);
const t1 = performance.now();
const graphView: Record<string, unknown> = {};
const timing: Record<string, number> = { openMs: t1 - t0 };
for (const mode of ['folded', 'raw'] as const) {
  const a = performance.now();
  const view = buildViewGraph(decoded, { mode, index });
  const b = performance.now();
  const sizes = viewNodeSizes(view, font);
  const layout = layoutToJson(layoutViewGraph(view, { sizes }), sizes);
  const c = performance.now();
  graphView[mode] = { type: 'graphView', view, layout, timing: { buildMs: b - a, layoutMs: c - b } };
  timing[`${mode}BuildMs`] = b - a;
  timing[`${mode}LayoutMs`] = c - b;
  const s = performance.now();
  timing[`${mode}Bytes`] = JSON.stringify(graphView[mode]).length;
  timing[`${mode}SerializeMs`] = performance.now() - s;
}
const a = performance.now();
const overlay = analysisOverlay(analyzeModel(decoded, index, {}));
timing.analysisMs = performance.now() - a;
const init = { type: 'init', uri: `file://${file}`, fileName: basename(file), fileSize: summary.fileSize, summary };
writeFileSync(out, JSON.stringify({ init, graphView, overlays: { analysis: overlay }, timing }));
console.log(`BENCH_PAYLOAD ${JSON.stringify(timing)}`);
