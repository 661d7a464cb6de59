// The graph view's webview section of `npm run bench`: time to first render of the real webview bundle
// in headless Chromium (scripts/bench/webviewPaint.mjs, one browser per model) for each model row,
// next to the issue 5 targets (by drawn nodes: <= 1,000: 300 ms; <= 6,000: 1 s; <= 50,000: 3 s),
// with the host-side build + layout + serialize times and the message size.

const TARGETS = [
  { upTo: 1_000, ms: 300 },
  { upTo: 6_000, ms: 1_000 },
  { upTo: 50_000, ms: 3_000 },
];

/**
 * @param {{ rows: {label: string, path: string}[], run: Function, log: (s: string) => void, only: string,
 *           table: (rows: unknown[][], header: string[]) => string, ms: (v: number) => string }} o
 */
export async function webviewSection(o) {
  const out = [];
  for (const row of o.rows) {
    if (o.only && !row.label.includes(o.only)) continue;
    if (/250/.test(row.label)) continue; // same graph as the small-weights model
    const res = await o.run(process.execPath, ['scripts/bench/webviewPaint.mjs', row.path], { capture: true });
    const line = res.out.split('\n').find((l) => l.startsWith('BENCH_WEBVIEW '));
    if (res.code !== 0 || !line) {
      o.log(`graph webview ${row.label}: webviewPaint.mjs exited with ${res.code}`);
      continue;
    }
    const r = JSON.parse(line.slice('BENCH_WEBVIEW '.length));
    const target = TARGETS.find((t) => r.nodes <= t.upTo)?.ms;
    const host = r.host.foldedBuildMs + r.host.foldedLayoutMs + r.host.foldedSerializeMs;
    o.log(
      `graph webview ${row.label}: ${r.nodes} nodes, ${r.badges} badges | first paint ${o.ms(r.firstPaintMs)} ms${target ? ` (target <= ${target} ms)` : ''} | ` +
        `host build+layout+serialize ${o.ms(host)} ms, message ${(r.host.foldedBytes / 1024).toFixed(0)} KB | pan/zoom frame median ${o.ms(r.frameMedianMs)} ms, p95 ${o.ms(r.frameP95Ms)} ms | heap ${r.heapMb?.toFixed(0) ?? '?'} MB`,
    );
    out.push([
      row.label, r.nodes, r.badges, o.ms(host), (r.host.foldedBytes / 1024).toFixed(0), o.ms(r.firstPaintMs), target ? `<= ${target} ms` : '',
      target ? (r.firstPaintMs <= target ? 'yes' : 'NO') : '', o.ms(r.frameMedianMs), o.ms(r.frameP95Ms), r.heapMb?.toFixed(0) ?? '?',
    ]);
  }
  return o.table(out, ['model', 'drawn nodes', 'badges', 'host ms', 'message KB', 'first paint ms', 'target', 'met', 'frame median ms', 'frame p95 ms', 'heap MB']);
}
