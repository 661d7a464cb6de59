// The graph-view section of `npm run bench`: view graph build + layered layout per model (builder
// models and the shared exports), each model in a fresh process (scripts/bench/layout.ts), printed
// next to the issue 5 layout targets. Drawn node counts are printed too: the folded view of a
// 6,000-node QAT model draws about 1,500 nodes; "raw, all nodes" draws every ONNX node.

/** Layout targets by drawn nodes (dagre needed ~8 s for 6,000 nodes here; elk 2.8 s for 1,000). */
const TARGETS = [
  { upTo: 6_000, ms: 300 },
  { upTo: 50_000, ms: 3_000 },
];

function targetFor(nodes) {
  const t = TARGETS.find((x) => nodes <= x.upTo * 1.05);
  return t ? t.ms : undefined;
}

/**
 * @param {{ rows: {label: string, path: string}[], run: Function, log: (s: string) => void, only: string,
 *           runs: number, table: (rows: unknown[][], header: string[]) => string, ms: (v: number) => string }} o
 * @returns {Promise<string>} the summary table
 */
export async function layoutSection(o) {
  const out = [];
  for (const row of o.rows) {
    if (o.only && !row.label.includes(o.only)) continue;
    const res = await o.run(process.execPath, ['--import', 'tsx', 'scripts/bench/layout.ts', row.path, '--runs', String(o.runs)], { capture: true });
    const line = res.out.split('\n').find((l) => l.startsWith('BENCH_LAYOUT '));
    if (res.code !== 0 || !line) {
      o.log(`graph view ${row.label}: layout.ts exited with ${res.code}`);
      continue;
    }
    const r = JSON.parse(line.slice('BENCH_LAYOUT '.length));
    for (const v of r.views) {
      const total = v.median.buildMs + v.median.layoutMs;
      const target = targetFor(v.nodes);
      o.log(
        `graph view ${row.label} [${v.view}]: ${v.nodes} nodes, ${v.edges} edges, ${v.badges} badges | ` +
          `cold build ${o.ms(v.cold.buildMs)} + layout ${o.ms(v.cold.layoutMs)} ms | median build ${o.ms(v.median.buildMs)} + layout ${o.ms(v.median.layoutMs)} ms` +
          `${target ? ` (layout target < ${target} ms)` : ''} | ${v.layers} layers, ${v.dummies} dummies, ${v.crossings} crossings, ` +
          `${v.width} x ${v.height} px, message ${(v.jsonBytes / 1024).toFixed(0)} KB`,
      );
      out.push([
        row.label, v.view, v.onnxNodes, v.nodes, v.badges,
        o.ms(v.cold.buildMs), o.ms(v.cold.layoutMs), o.ms(v.median.buildMs), o.ms(v.median.layoutMs), o.ms(total),
        target ? `< ${target} ms` : '', target ? (v.median.layoutMs < target ? 'yes' : 'NO') : '',
        v.crossings, (v.jsonBytes / 1024).toFixed(0),
      ]);
    }
  }
  return o.table(out, [
    'model', 'view', 'onnx nodes', 'drawn nodes', 'badges', 'build cold ms', 'layout cold ms', 'build ms', 'layout ms', 'build+layout ms',
    'layout target', 'met', 'crossings', 'message KB',
  ]);
}
