/** SQNR, cosine and max-abs accumulation; cross-checked against numpy when python3 has it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ErrorAccumulator, localSqnrDb, SQNR_CAP_DB } from '../../../src/core/numeric/index';

test('identical tensors: capped SQNR, cosine 1, max abs 0', () => {
  const a = new ErrorAccumulator();
  const x = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  a.add(x, x);
  const r = a.result();
  assert.equal(r.sqnrDb, SQNR_CAP_DB);
  assert.equal(r.cosine, 1);
  assert.equal(r.maxAbs, 0);
  assert.equal(r.nsr, 0);
});

test('known error: SQNR 20 dB for a 10% scaled copy, accumulated over samples', () => {
  const a = new ErrorAccumulator();
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i * 0.37) * 3);
  const y = x.map((v) => v * 1.1);
  a.add(x, y);
  a.add(x, y);
  const r = a.result();
  assert.ok(Math.abs(r.sqnrDb - 20) < 1e-6, String(r.sqnrDb));
  assert.ok(Math.abs(r.cosine - 1) < 1e-9);
  assert.equal(r.elements, 2000);
  const worse = new ErrorAccumulator();
  worse.add(x, x.map((v) => -v));
  assert.ok(Math.abs(worse.result().cosine + 1) < 1e-9);
});

test('non-finite pairs are skipped and counted; zeros give cosine 1', () => {
  const a = new ErrorAccumulator();
  a.add(new Float32Array([1, NaN, 2]), new Float32Array([1, 1, Infinity]));
  assert.equal(a.result().nonFinite, 2);
  assert.equal(a.result().elements, 1);
  const z = new ErrorAccumulator();
  z.add(new Float32Array(4), new Float32Array(4));
  assert.equal(z.result().cosine, 1);
});

test('local SQNR: the error a layer adds over its input', () => {
  assert.equal(localSqnrDb(0.01, 0), 20);
  assert.ok(Math.abs(localSqnrDb(0.011, 0.01) - 30) < 1e-9);
  assert.equal(localSqnrDb(0.01, 0.02), SQNR_CAP_DB);
});

test('SQNR and cosine agree with numpy', (t) => {
  const n = 4096;
  const ref = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) * 4 + Math.cos(i * 0.7));
  const q = ref.map((v) => Math.round(v / 0.05) * 0.05);
  const script = `
import numpy as np, sys, json
n = ${n}
i = np.arange(n)
ref = (np.sin(i * 0.013) * 4 + np.cos(i * 0.7)).astype(np.float32)
q = (np.round(ref.astype(np.float64) / 0.05) * 0.05).astype(np.float32)
r = ref.astype(np.float64); t = q.astype(np.float64)
print(json.dumps({"sqnr": float(10 * np.log10(np.sum(r * r) / np.sum((r - t) ** 2))), "cos": float(np.dot(r, t) / np.linalg.norm(r) / np.linalg.norm(t)), "max": float(np.max(np.abs(r - t)))}))
`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.skip('python3 with numpy is not available');
    return;
  }
  const want = JSON.parse(r.stdout) as { sqnr: number; cos: number; max: number };
  const a = new ErrorAccumulator();
  a.add(ref, q);
  const got = a.result();
  assert.ok(Math.abs(got.sqnrDb - want.sqnr) < 1e-3, `${got.sqnrDb} vs numpy ${want.sqnr}`);
  assert.ok(Math.abs(got.cosine - want.cos) < 1e-9);
  assert.ok(Math.abs(got.maxAbs - want.max) < 1e-6);
});
