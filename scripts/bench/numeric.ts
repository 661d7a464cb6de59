/**
 * Numeric-check section of `npm run bench`: yolov9t-qat against its FP32 twin (and against the
 * derived reference) on 4 seeded random inputs, wall time next to the issue 9 target (< 30 s),
 * with ONNX Runtime loaded from node_modules. Prints `[bench] numeric …` lines; skips with one line
 * when the shared corpus or ONNX Runtime is missing.
 *
 *   node --import tsx scripts/bench/numeric.ts [--inputs 4] [--fixtures DIR]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openModelFile } from '../../src/core/onnx/index';
import { modelInputs, randomSamples, runNumericCheck } from '../../src/core/numeric/index';
import { deriveReference } from '../../src/core/numeric/reference';
import { loadOrt, ortRuntime } from '../../src/numeric/ortRuntime';

const TARGET_S = 30;
const log = (s: string): void => console.log(`[bench] numeric ${s}`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  const n = Number(opt('--inputs', '4'));
  const dir = opt('--fixtures', process.env.QDQ_SHARED_FIXTURES ? path.join(process.env.QDQ_SHARED_FIXTURES, 'onnx') : path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'onnx'));
  const qat = path.join(dir, 'yolov9t-qat.onnx');
  const fp32 = path.join(dir, 'yolov9t-fp32.onnx');
  if (!fs.existsSync(qat) || !fs.existsSync(fp32)) return log(`skipped: yolov9t-qat.onnx / yolov9t-fp32.onnx not found in ${dir}`);
  let loaded;
  try {
    loaded = loadOrt([process.env.QDQ_ORT_PATH]);
  } catch (e) {
    return log(`skipped: ${(e as Error).message}`);
  }
  const runtime = ortRuntime(loaded);
  for (const kind of ['file', 'derived'] as const) {
    const t0 = performance.now();
    const q = openModelFile(qat);
    const r = openModelFile(kind === 'file' ? fp32 : qat);
    if (kind === 'derived') deriveReference(r);
    const samples = randomSamples(modelInputs(q.model.graph!, q.file), n, 1);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const res = await runNumericCheck({ qdq: q, reference: r, referenceKind: kind, samples, runtime });
    clearInterval(timer);
    const s = (performance.now() - t0) / 1000;
    q.source.close?.();
    r.source.close?.();
    const top = res.layers[0]!;
    log(
      `yolov9t-qat vs ${kind === 'file' ? 'yolov9t-fp32' : 'derived reference'}, ${n} inputs: ${s.toFixed(1)} s (target < ${TARGET_S} s ${s < TARGET_S ? '✓' : '✗'}) | ` +
        `${res.layers.length} layers in ${res.passes} passes, output SQNR ${res.outputs[0]?.sqnrDb.toFixed(1)} dB | top ${top.node} (local ${top.localSqnrDb.toFixed(1)} dB) | ` +
        `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB | ${res.runtime}`,
    );
  }
}

void main();
