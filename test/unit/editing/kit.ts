/** Helpers for the editing tests: builder models decoded from memory, the reference checker, graph facts. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decodeModel, encodeModelToBytes, MemorySource, type DecodedModel, type Graph } from '../../../src/core/onnx/index';
import { graphProblems, Journal } from '../../../src/core/editing/index';
import { YOLO_PRESETS, yoloLike, type YoloLikeOptions } from '../../support/modelBuilder';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';

export const tiny = YOLO_PRESETS.tiny;

export function build(opts: Partial<YoloLikeOptions> = {}, file = 'model.onnx'): { bytes: Uint8Array; decoded: DecodedModel } {
  const bytes = yoloLike({ ...tiny, qdq: 'good', ...opts }).toBytes();
  return { bytes, decoded: decodeModel(new MemorySource(bytes, file), { file }) };
}

export function encode(d: DecodedModel): Buffer {
  return Buffer.from(encodeModelToBytes(d));
}

export function redecode(d: DecodedModel, file = 'edited.onnx'): DecodedModel {
  return decodeModel(new MemorySource(encode(d), file), { file });
}

export function graphOf(d: DecodedModel): Graph {
  return d.model.graph!;
}

export function opCounts(g: Graph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of g.node) out[n.opType] = (out[n.opType] ?? 0) + 1;
  return out;
}

/** Valid structure: no problems, and every node's inputs are defined before it (topological order). */
export function assertValid(d: DecodedModel): void {
  const problems = graphProblems(graphOf(d));
  assert.deepEqual([...problems.values()], []);
}

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
export const havePyOnnx = probe.status === 0;
export const noPyOnnxReason = havePyOnnx ? '' : `${PYTHON} cannot import onnx: the reference-checker tests are skipped`;
if (!havePyOnnx) console.log(`[editing] ${noPyOnnxReason}`);

/** Runs the reference ONNX checker (test/support/onnx_check.py) on the given models; asserts each passes. */
export function assertOnnxChecker(models: { name: string; bytes: Uint8Array }[]): void {
  const dir = makeTempDir('qdq-edit-check');
  const files = models.map((m) => {
    const f = path.join(dir, `${m.name}.onnx`);
    fs.writeFileSync(f, m.bytes);
    return f;
  });
  const run = spawnSync(PYTHON, [path.join(repoRoot, 'test', 'support', 'onnx_check.py'), ...files], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { results: { path: string; ok: boolean; error: string | null }[] };
  for (const r of out.results) assert.ok(r.ok, `${path.basename(r.path)}: ${r.error}`);
}

/** The same model with every node's name emptied (labels `<OpType>#<index>` then name its nodes). */
export function unnamed(d: DecodedModel): DecodedModel {
  const j = new Journal();
  for (const n of graphOf(d).node) j.set(n, 'name', '');
  return redecode(d, 'unnamed.onnx');
}
