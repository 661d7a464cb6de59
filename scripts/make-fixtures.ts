/**
 * Regenerates the checked-in model fixtures:
 *   test/fixtures/onnx/*.onnx (+ .data) and index.json (expected counts)
 *   test/workspace/models/ (copies, plus broken-truncated.onnx and not-onnx.onnx)
 *
 * Run: npx tsx scripts/make-fixtures.ts
 * Output is deterministic; test/unit/support/fixtureModels.test.ts fails when
 * the checked-in files differ from what this script would write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_MODELS, NOT_ONNX_TEXT, truncated } from '../test/support/fixtureModels';

const root = path.resolve(__dirname, '..');
const onnxDir = path.join(root, 'test', 'fixtures', 'onnx');
const wsDir = path.join(root, 'test', 'workspace', 'models');
fs.mkdirSync(onnxDir, { recursive: true });
fs.mkdirSync(wsDir, { recursive: true });

const LIMIT = 200 * 1024;
const index: Record<string, unknown> = {};
let truncatedSource: Uint8Array | undefined;

for (const f of FIXTURE_MODELS) {
  const b = f.build();
  const file = path.join(onnxDir, f.file);
  const res = b.writeFile(file, f.external ? { external: f.external } : {});
  const m = b.manifest();
  for (const [p, n] of [[res.modelPath, res.modelBytes], [res.dataPath, res.dataBytes]] as const) {
    if (p && n > LIMIT) throw new Error(`${path.basename(p)} is ${n} bytes, over the ${LIMIT} byte budget`);
  }
  index[f.file] = {
    description: f.description,
    ...(res.dataPath ? { externalData: path.basename(res.dataPath) } : {}),
    opset: m.opset,
    irVersion: m.irVersion,
    nodeCount: m.nodeCount,
    quantizeLinearCount: m.quantizeLinearCount,
    dequantizeLinearCount: m.dequantizeLinearCount,
    opCounts: Object.fromEntries(Object.entries(m.opCounts).sort(([a], [c]) => (a < c ? -1 : 1))),
    initializerCount: m.initializerCount,
    defects: m.defects.map((d) => ({ kind: d.kind, conv: d.conv, nodes: d.nodes })),
  };
  if (f.workspace) fs.copyFileSync(file, path.join(wsDir, f.file));
  if (f.file === 'tiny-qat-good.onnx') truncatedSource = fs.readFileSync(file);
  console.log(`${f.file.padEnd(26)} ${String(res.modelBytes).padStart(7)} B${res.dataPath ? ` + ${res.dataBytes} B data` : ''}  ${m.nodeCount} nodes`);
}
fs.writeFileSync(path.join(onnxDir, 'index.json'), JSON.stringify(index, null, 2) + '\n');
fs.writeFileSync(path.join(wsDir, 'broken-truncated.onnx'), truncated(truncatedSource!));
fs.writeFileSync(path.join(wsDir, 'not-onnx.onnx'), NOT_ONNX_TEXT);
console.log('wrote test/fixtures/onnx/index.json, test/workspace/models/broken-truncated.onnx, not-onnx.onnx');
