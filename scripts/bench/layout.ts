/**
 * Graph-view figures for one model, in a fresh process (run by scripts/bench/layoutSection.mjs):
 *
 *   node --import tsx scripts/bench/layout.ts <model.onnx> [--runs 5]
 *
 * For three views of the main graph (folded, the default; raw with Constants inlined; raw with every
 * ONNX node drawn): buildViewGraph time and layeredLayout time (node sizes included), cold (first
 * run in this process) and median of `runs` after it, the drawn node and edge counts, layout
 * statistics, and the size of the `graphView` message as JSON. The model is opened and indexed once,
 * outside the timings. Prints one line `BENCH_LAYOUT <json>`.
 */
import { buildGraphIndex } from '../../src/core/graph/index';
import { type BuildViewOptions, buildViewGraph, layoutToJson, layoutViewGraph, viewNodeSizes } from '../../src/core/graphView/index';
import { openModelFile } from '../../src/core/onnx/index';
import { median } from './stats';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: layout.ts <model.onnx> [--runs N]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;

const decoded = openModelFile(file);
const index = buildGraphIndex(decoded.model.graph!);
const views: { name: string; options: BuildViewOptions }[] = [
  { name: 'folded', options: { mode: 'folded' } },
  { name: 'raw', options: { mode: 'raw' } },
  { name: 'raw, all nodes', options: { mode: 'raw', constants: 'nodes' } },
];
const out = [];
for (const v of views) {
  const build: number[] = [];
  const layout: number[] = [];
  let last;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const view = buildViewGraph(decoded, { ...v.options, index });
    const t1 = performance.now();
    const sizes = viewNodeSizes(view);
    const result = layoutViewGraph(view, { sizes });
    const t2 = performance.now();
    build.push(t1 - t0);
    layout.push(t2 - t1);
    last = { view, result, sizes };
  }
  const { view, result, sizes } = last!;
  const jsonBytes = Buffer.byteLength(JSON.stringify({ type: 'graphView', inReplyTo: 1, view, layout: layoutToJson(result, sizes) }));
  out.push({
    view: v.name,
    onnxNodes: view.stats.onnxNodes,
    nodes: view.nodes.length,
    edges: view.edges.length,
    badges: view.badges.length,
    cold: { buildMs: build[0]!, layoutMs: layout[0]! },
    median: { buildMs: median(build.slice(1)), layoutMs: median(layout.slice(1)) },
    layers: result.stats.layers,
    dummies: result.stats.dummies,
    crossings: result.stats.crossings,
    width: Math.round(result.width),
    height: Math.round(result.height),
    jsonBytes,
  });
}
decoded.source.close?.();
console.log(`BENCH_LAYOUT ${JSON.stringify({ file, runs, views: out })}`);
