// Time to first render of the real graph view bundle (dist/webview.js + .css) in headless Debian
// Chromium, without VS Code around it: a page stubs `acquireVsCodeApi` and plays the host (answers
// `ready` with `init`, `requestGraphView` with a prebuilt `graphView` message, held until the page is
// quiet; the analysis overlay once the page reports its first paint (`graphPainted`), as the host does
// — its first analysis waits for that —, after --overlay-delay ms, default 0). Figures: the webview's own `data-qdq-first-paint-ms` (graphView message received
// -> first painted frame), the renderer main thread's CPU time over the same span (CDP thread ticks:
// the wall clock is inflated several times over when the machine is loaded), `data-qdq-complete-ms`
// (everything outside the first view streamed in), pan/zoom frame times and the live JS heap (after a
// forced GC). Host-side build/layout/serialize times and message sizes come from
// scripts/bench/webviewPayload.ts. After the first paint: the longest main-thread task
// (PerformanceObserver 'longtask', so only tasks over 50 ms are seen: 0 means none) and the count of
// tasks over 50 ms, from the first paint until 1 s after both `complete` and the overlay's arrival
// (`longestTaskMs`, `longTasks`, `overlayAfterPaintMs`). QDQ_PROFILE=N prints the N hottest functions
// of graph message -> first paint; with QDQ_PROFILE_AFTER=1, of that window after the first paint.
//
//   node scripts/bench/webviewPaint.mjs <model.onnx> [--shot out.png] [--light] [--raw] [--heap-snapshot out.heapsnapshot] [--overlay-delay ms]
// (--heap-snapshot writes a V8 heap snapshot of the page after the forced GC; summarise it with
// scripts/bench/heapSummary.mjs.)
// Prints one line `BENCH_WEBVIEW <json>`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/vscode-host/host.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const model = args.find((a, k) => !a.startsWith('--') && !['--shot', '--heap-snapshot', '--overlay-delay'].includes(args[k - 1]));
const shotAt = args.indexOf('--shot');
const shot = shotAt >= 0 ? args[shotAt + 1] : undefined;
const light = args.includes('--light');
const rawMode = args.includes('--raw');
const snapAt = args.indexOf('--heap-snapshot');
const heapSnapshot = snapAt >= 0 ? args[snapAt + 1] : undefined;
const delayAt = args.indexOf('--overlay-delay');
const overlayDelayMs = delayAt >= 0 ? Number(args[delayAt + 1]) : 0;
const profileAfter = Boolean(process.env.QDQ_PROFILE_AFTER);
if (!model) {
  console.error('usage: webviewPaint.mjs <model.onnx> [--shot out.png] [--light] [--raw]');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-webview-bench-'));
const payloadFile = path.join(dir, 'payload.json');
const gen = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/webviewPayload.ts', model, payloadFile], { cwd: REPO_ROOT, encoding: 'utf8' });
if (gen.status !== 0) {
  console.error(gen.stderr || gen.stdout);
  process.exit(1);
}
const hostTiming = JSON.parse(gen.stdout.split('\n').find((l) => l.startsWith('BENCH_PAYLOAD ')).slice('BENCH_PAYLOAD '.length));
// Only what this run sends, so the page's heap figure is the webview's, not the stub's.
const payloadAll = JSON.parse(fs.readFileSync(payloadFile, 'utf8'));
// --raw: as a host that remembers the raw mode for this model (init.graphState), so the panel asks
// for, and takes, the raw graph.
const init = rawMode ? { ...payloadAll.init, graphState: { ...payloadAll.init.graphState, mode: 'raw' } } : payloadAll.init;
const payload = JSON.stringify({ init, overlays: payloadAll.overlays, graphView: payloadAll.graphView[rawMode ? 'raw' : 'folded'] });

const theme = light
  ? { cls: 'vscode-light', vars: { fg: '#3b3b3b', bg: '#ffffff' } }
  : { cls: 'vscode-dark', vars: { fg: '#cccccc', bg: '#1f1f1f' } };
const html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="file://${path.join(REPO_ROOT, 'dist', 'webview.css')}">
<style>:root{--vscode-editor-font-size:14px;--vscode-font-family:sans-serif;--vscode-editor-foreground:${theme.vars.fg};--vscode-editor-background:${theme.vars.bg};
--vscode-charts-blue:#3794ff;--vscode-charts-green:#89d185;--vscode-charts-orange:#d18616;--vscode-charts-red:#f14c4c;--vscode-charts-yellow:#cca700;--vscode-charts-purple:#b180d7;
--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#0078d4;--vscode-editorWarning-foreground:#cca700;--vscode-editorError-foreground:#f14c4c}</style>
</head><body class="${theme.cls}"><div id="app" data-status="loading"></div></body></html>`;
const htmlFile = path.join(dir, 'index.html');
fs.writeFileSync(htmlFile, html);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  let consoleCount = 0;
  page.on('console', (m) => {
    if (consoleCount++ < 5 && process.env.QDQ_DEBUG) console.error(`[console] ${m.text().slice(0, 300)}`);
  });
  await page.addInitScript(
    (overlayDelay) => {
      // Main-thread tasks over 50 ms, for the figures after the first paint.
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      // The payload arrives after load (window.__benchData, set by page.evaluate): an init script's
      // arguments are part of its source, which the page would keep (tens of MB of heap).
      let data;
      let overlays;
      let state;
      const reply = (m) => setTimeout(() => window.postMessage(m, '*'), 0);
      window.acquireVsCodeApi = () => ({
        getState: () => state,
        setState: (s) => (state = s),
        postMessage: (m) => {
          data ??= window.__benchData;
          delete window.__benchData;
          if (m.type === 'ready' && data.init) {
            reply(data.init);
            overlays = data.overlays;
          } else if (m.type === 'graphPainted' && overlays) {
            // As the host does: the first analysis waits for the panel's first painted graph.
            const o = overlays;
            overlays = undefined;
            setTimeout(() => {
              window.__overlayPostedAt = performance.now();
              window.postMessage({ type: 'overlays', overlays: o }, '*');
            }, overlayDelay);
          } else if (m.type === 'requestGraphView') {
            // Held until the benchmark releases it (window.__release), so the measured span is only
            // graph message -> first paint, on a quiet page.
            window.__graphRequested = performance.now();
            // Packed as the host posts it (src/protocol/graphView.ts packGraphView): the page parses it.
            const { view, layout, ...rest } = data.graphView;
            const message = { ...rest, inReplyTo: m.requestId, packed: JSON.stringify({ view, layout }) };
            data = {}; // posted messages are copies: drop ours (the page's heap is the webview's alone)
            let held = message;
            window.__release = () => {
              const m = held;
              held = undefined;
              window.postMessage(m, '*');
            };
          } else if (m.type === 'requestProperties') {
            reply({ type: 'properties', inReplyTo: m.requestId, error: 'not in the benchmark' });
          }
        },
      });
    },
    overlayDelayMs,
  );
  await page.goto(`file://${htmlFile}`);
  await page.evaluate((text) => {
    window.__benchData = JSON.parse(text);
  }, payload);
  // Main-thread CPU time (thread ticks, not wall clock): far less inflated by machine load.
  const perf = await page.context().newCDPSession(page);
  await perf.send('Performance.enable', { timeDomain: 'threadTicks' });
  const taskCpu = async () => (await perf.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
  const t0 = Date.now();
  await page.addScriptTag({ path: path.join(REPO_ROOT, 'dist', 'webview.js') });
  await page.waitForFunction(() => typeof window.__release === 'function', null, { timeout: 120_000 });
  await page.waitForTimeout(200);
  let cdp;
  if (process.env.QDQ_PROFILE && !profileAfter) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const cpu0 = await taskCpu();
  await page.evaluate(() => window.__release());
  await page.waitForFunction(() => document.getElementById('app')?.dataset.qdqState === 'ready', null, { timeout: 120_000, polling: 50 });
  const firstPaintCpuMs = ((await taskCpu()) - cpu0) * 1000;
  const loadToReadyMs = Date.now() - t0;
  if (process.env.QDQ_PROFILE && profileAfter) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const printProfile = async () => {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas;
    profile.samples.forEach((id, k) => {
      const n = byId.get(id);
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0) / 1000);
    });
    console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.QDQ_PROFILE) || 25).map(([k, v]) => `${v.toFixed(1)} ms ${k}`).join('\n'));
  };
  if (cdp && !profileAfter) await printProfile();
  // Everything streamed in (the nodes outside the first view follow the first paint).
  await page.waitForFunction(() => document.getElementById('app')?.dataset.qdqCompleteMs !== undefined, null, { timeout: 120_000 });
  const root = await page.evaluate(() => ({ ...document.getElementById('app').dataset }));
  // Tasks after the first paint: until 1 s after both `complete` and the overlay's arrival.
  await page.waitForFunction(() => window.__overlayPostedAt !== undefined, null, { timeout: 120_000 });
  const afterPaint = await page.evaluate(async () => {
    const paint = performance.getEntriesByName('qdq:first-paint').at(-1).startTime;
    const received = performance.getEntriesByName('qdq:graphView-received').at(-1).startTime;
    const complete = received + Number(document.getElementById('app').dataset.qdqCompleteMs);
    const end = Math.max(complete, window.__overlayPostedAt) + 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, end - performance.now())));
    const tasks = window.__longTasks.filter((t) => t.start + t.duration > paint && t.start < end);
    return {
      longestTaskMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
      longTasks: tasks.length,
      overlayAfterPaintMs: Math.round(window.__overlayPostedAt - paint),
    };
  });
  if (cdp && profileAfter) await printProfile();
  // Pan/zoom frame time: 60 wheel steps, frame intervals from requestAnimationFrame.
  await page.mouse.move(700, 500);
  const frames = await page.evaluate(async () => {
    const times = [];
    let last = performance.now();
    let running = true;
    const tick = (t) => {
      times.push(t - last);
      last = t;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const canvas = document.querySelector('.graph-canvas');
    for (let i = 0; i < 60; i++) {
      canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 30 ? -40 : 40, clientX: 700, clientY: 500, bubbles: true }));
      await new Promise((r) => requestAnimationFrame(r));
    }
    running = false;
    times.sort((a, b) => a - b);
    return { median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)], count: times.length };
  });
  await perf.send('HeapProfiler.collectGarbage'); // live heap, not what the next GC would free
  const heapMb = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize / 1048576 : undefined));
  if (heapSnapshot) {
    const out = fs.createWriteStream(heapSnapshot);
    perf.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => out.write(chunk));
    await perf.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await new Promise((r) => out.end(r));
  }
  if (shot) {
    await page.waitForTimeout(300);
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
  }
  console.log(
    `BENCH_WEBVIEW ${JSON.stringify({
      model: path.basename(model),
      nodes: Number(root.qdqNodes),
      badges: Number(root.qdqQdqBadges),
      firstPaintMs: Number(root.qdqFirstPaintMs),
      loadToReadyMs,
      firstPaintCpuMs,
      completeMs: Number(root.qdqCompleteMs),
      ...afterPaint,
      frameMedianMs: frames.median,
      frameP95Ms: frames.p95,
      heapMb,
      host: hostTiming,
    })}`,
  );
} finally {
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
