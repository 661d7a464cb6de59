/**
 * Edited models load and run in ONNX Runtime (onnxruntime-node, when it loads here): the float
 * reference computes exactly what the unquantized build computes, edits keep the model runnable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, removeAllQdqPairs, type EditRequest } from '../../../src/core/editing/index';
import type { NumericRuntime } from '../../../src/core/numeric/index';
import { loadOrt, ortRuntime } from '../../../src/numeric/ortRuntime';
import { build, encode } from './kit';

let runtime: NumericRuntime | undefined;
let skip: string | false = false;
try {
  runtime = ortRuntime(loadOrt([process.env.QDQ_ORT_PATH]), { threads: 1 });
} catch (e) {
  skip = `onnxruntime-node cannot be loaded here (${(e as Error).message}); ONNX Runtime runs skipped`;
  console.log(`[editing] ${skip}`);
}

const SIZE = 64;
function input(): Float32Array {
  const x = new Float32Array(3 * SIZE * SIZE);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = (s / 2 ** 32) * 2 - 1;
  }
  return x;
}

async function run(bytes: Uint8Array, label: string): Promise<Record<string, Float32Array>> {
  const session = await runtime!.createSession(bytes, label);
  try {
    const out = await session.run({ [session.inputNames[0]!]: { dims: [1, 3, SIZE, SIZE], data: input() } }, session.outputNames);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data!]));
  } finally {
    await session.release();
  }
}

test('the float reference runs in ONNX Runtime and matches the unquantized build exactly', { skip }, async () => {
  const { decoded } = build({ qdq: 'good' });
  removeAllQdqPairs(decoded);
  const ref = await run(encode(decoded), 'float reference');
  const fp32 = await run(build({ qdq: 'none' }).bytes, 'fp32 build');
  assert.deepEqual(Object.keys(ref), Object.keys(fp32));
  for (const k of Object.keys(ref)) {
    assert.equal(ref[k]!.length, fp32[k]!.length);
    for (let i = 0; i < ref[k]!.length; i++) assert.equal(ref[k]![i], fp32[k]![i], `${k}[${i}]`);
  }
});

test('edited models run in ONNX Runtime and compute something else than the original', { skip }, async () => {
  const original = build({ qdq: 'good' });
  // (not asserted: whether one layer in float gets closer to the float reference depends on the weights)
  const float = build({ qdq: 'good' }).decoded;
  removeAllQdqPairs(float);
  const ref = await run(encode(float), 'float');
  const q = await run(original.bytes, 'qdq');
  const cases: EditRequest[] = [
    { kind: 'disableQuantization', target: 'model.0' },
    { kind: 'unifyConcat', node: '/model.2/Concat', mode: 'value', scale: 0.05 },
    { kind: 'insertQdqPair', tensor: '/model.2/cv4/conv/Conv_output_0', scale: 0.05, dtype: 'INT8' },
  ];
  const dist = (a: Record<string, Float32Array>, b: Record<string, Float32Array>): number => {
    let d = 0;
    for (const k of Object.keys(b)) for (let i = 0; i < b[k]!.length; i++) d += Math.abs(a[k]![i]! - b[k]![i]!);
    return d;
  };
  assert.ok(dist(q, ref) > 0, 'the quantized model differs from its float reference');
  for (const r of cases) {
    const { decoded } = build({ qdq: 'good' });
    try {
      applyEdit(decoded, r);
    } catch (e) {
      assert.fail(`${r.kind}: ${(e as Error).message}`);
    }
    const out = await run(encode(decoded), r.kind);
    for (const v of Object.values(out)) assert.ok(v.every(Number.isFinite), `${r.kind}: finite outputs`);
    assert.ok(dist(out, q) > 0, `${r.kind}: the output changed`);
  }
});
