// The graph view's webview section of `npm run bench`: time to first paint of the real webview bundle
// in headless Chromium (scripts/bench/webviewPaint.mjs, one browser per model) for each model row,
// next to the issue 5 targets (by drawn nodes: <= 1,000: 300 ms; <= 6,000: 1 s; <= 50,000: 3 s),
// with the main-thread CPU time of the same span (far less inflated by machine load than the wall
// clock), when everything outside the first view has streamed in, the host-side build + layout +
// serialize times and the message size. The 50k model is also drawn raw (every Q and DQ a node).

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
  const jobs = [];
  for (const row of o.rows) {
    if (o.only && !row.label.includes(o.only)) continue;
    if (/250/.test(row.label)) continue; // same graph as the small-weights model
    jobs.push({ row, raw: false });
    if (/50k/.test(row.label)) jobs.push({ row, raw: true });
  }
  for (const { row, raw } of jobs) {
    const label = raw ? `${row.label} (raw)` : row.label;
    const res = await o.run(process.execPath, ['scripts/bench/webviewPaint.mjs', row.path, ...(raw ? ['--raw'] : [])], { capture: true });
    const line = res.out.split('\n').find((l) => l.startsWith('BENCH_WEBVIEW '));
    if (res.code !== 0 || !line) {
      o.log(`graph webview ${label}: webviewPaint.mjs exited with ${res.code}`);
      continue;
    }
    const r = JSON.parse(line.slice('BENCH_WEBVIEW '.length));
    const target = TARGETS.find((t) => r.nodes <= t.upTo)?.ms;
    const m = raw ? 'raw' : 'folded';
    const host = r.host[`${m}BuildMs`] + r.host[`${m}LayoutMs`] + r.host[`${m}SerializeMs`];
    const bytes = r.host[`${m}Bytes`];
    o.log(
      `graph webview ${label}: ${r.nodes} nodes, ${r.badges} badges | first paint ${o.ms(r.firstPaintMs)} ms (main-thread CPU ${o.ms(r.firstPaintCpuMs)} ms)${target ? ` (target <= ${target} ms)` : ''}, ` +
        `all drawn ${o.ms(r.completeMs)} ms | host build ${o.ms(r.host[`${m}BuildMs`])} + layout ${o.ms(r.host[`${m}LayoutMs`])} + serialize ${o.ms(r.host[`${m}SerializeMs`])} ms (one cold run), ` +
        `message ${(bytes / 1024).toFixed(0)} KB | pan/zoom frame median ${o.ms(r.frameMedianMs)} ms, p95 ${o.ms(r.frameP95Ms)} ms | heap ${r.heapMb?.toFixed(0) ?? '?'} MB`,
    );
    out.push([
      label, r.nodes, r.badges, o.ms(host), (bytes / 1024).toFixed(0), o.ms(r.firstPaintMs), o.ms(r.firstPaintCpuMs), target ? `<= ${target} ms` : '',
      target ? (r.firstPaintMs <= target ? 'yes' : 'NO') : '', o.ms(r.completeMs), o.ms(r.frameMedianMs), o.ms(r.frameP95Ms), r.heapMb?.toFixed(0) ?? '?',
    ]);
  }
  return o.table(out, [
    'model', 'drawn nodes', 'badges', 'host ms', 'message KB', 'first paint ms', 'CPU ms', 'target', 'met', 'all drawn ms', 'frame median ms', 'frame p95 ms', 'heap MB',
  ]);
}
