/**
 * Writes the benchmark models into the directory given as argv[2] (the bench cache), with the
 * test builder (test/support/modelBuilder.ts): the ~6,000-node YOLOv9-E-scale graph with ~250 MB
 * of weights, the same graph with small weights (width 2: same nodes and names, ~2 MB), the same
 * graph wider (width 200) with its ~3.9 GB of weights in an external data file beside it (what
 * transformer exports of several GB look like: a structure-only .onnx and a data file), and the
 * ~50,000-node graph. Prints one JSON line describing them. Run by scripts/bench.mjs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { YOLO_PRESETS, yoloLike } from '../../test/support/modelBuilder';

export interface BenchModel {
  /** File name inside the cache directory. */
  file: string;
  label: string;
  nodes: number;
  bytes: number;
  /** Target for decode + index (ms), when the issue sets one. */
  targetMs?: number;
  /** External data file (beside the model) and its size, for a model written with external data. */
  dataFile?: string;
  dataBytes?: number;
}

const outDir = path.resolve(process.argv[2] ?? '.cache/bench/manual');
fs.mkdirSync(outDir, { recursive: true });

const specs: { file: string; label: string; targetMs?: number; external?: boolean; make: () => ReturnType<typeof yoloLike> }[] = [
  { file: 'yolo-6k-250mb.onnx', label: '6k nodes, 250 MB weights', targetMs: 150, make: () => yoloLike({ ...YOLO_PRESETS.bench6k, qdq: 'good' }) },
  { file: 'yolo-6k-small.onnx', label: '6k nodes, small weights', make: () => yoloLike({ ...YOLO_PRESETS.bench6k, width: 2, qdq: 'good' }) },
  // Tensors of 1 KiB or more go to the data file (onnx's default threshold): weights and per-channel scales.
  { file: 'yolo-6k-4gb-external.onnx', label: '6k nodes, 3.9 GB external data', external: true, make: () => yoloLike({ ...YOLO_PRESETS.bench6k, width: 200, qdq: 'good' }) },
  { file: 'yolo-50k.onnx', label: '50k nodes', targetMs: 500, make: () => yoloLike({ ...YOLO_PRESETS.bench50k, qdq: 'good' }) },
];

const models: BenchModel[] = [];
for (const s of specs) {
  const t0 = performance.now();
  const b = s.make();
  const nodes = b.manifest().nodeCount;
  const target = path.join(outDir, s.file);
  const tmp = `${target}.partial`;
  // The data file keeps its final name (the model's `location` names it); the model is renamed into
  // place last, so an interrupted run leaves no model without its data.
  const written = b.writeFile(tmp, s.external ? { external: { location: `${s.file}.data` } } : {});
  fs.renameSync(tmp, target);
  const data = written.dataPath ? { dataFile: path.basename(written.dataPath), dataBytes: written.dataBytes } : {};
  models.push({ file: s.file, label: s.label, nodes, bytes: written.modelBytes, targetMs: s.targetMs, ...data });
  const extra = written.dataPath ? ` + ${(written.dataBytes / 1e6).toFixed(1)} MB external data` : '';
  process.stderr.write(`[bench] generated ${s.file}: ${nodes} nodes, ${(written.modelBytes / 1e6).toFixed(1)} MB${extra} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
fs.writeFileSync(path.join(outDir, 'models.json'), JSON.stringify(models, null, 2));
console.log(JSON.stringify(models));
