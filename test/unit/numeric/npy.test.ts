/** The strict .npy reader: round trip, NumPy's own files, and hostile files (one line naming the file). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, NumericInputError, parseNpy } from '../../../src/core/numeric/index';
import { makeTempDir } from '../../support/tempDir';

test('encodeNpy / parseNpy round trip', () => {
  const data = new Float32Array([1, -2.5, 3e-8, 1e30, 0, 7]);
  const a = parseNpy(encodeNpy(data, [2, 3]), 'x.npy');
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, '<f4');
  assert.deepEqual([...a.data], [...data]);
  assert.deepEqual(parseNpy(encodeNpy(new Float32Array([4]), [1]), 'y.npy').shape, [1]);
});

test('reads what NumPy writes (float32, float64, float16, uint8, int64; versions 1.0 and 2.0)', (t) => {
  const dir = makeTempDir('qdq-npy');
  const script = `
import numpy as np, sys
d = sys.argv[1]
base = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 8 - 1
for name, dt in [('f4', np.float32), ('f8', np.float64), ('f2', np.float16), ('u1', np.uint8), ('i8', np.int64)]:
    a = base.astype(dt) if name not in ('u1',) else (np.arange(24) % 256).astype(np.uint8).reshape(2, 3, 4)
    np.save(f'{d}/{name}.npy', a)
with open(f'{d}/v2.npy', 'wb') as f:
    np.lib.format.write_array(f, base.astype(np.float32), version=(2, 0))
`;
  const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.skip(`python3 with numpy is not available (${(r.stderr || r.error?.message || '').split('\n').filter(Boolean).pop()})`);
    return;
  }
  const base = Array.from({ length: 24 }, (_, i) => i / 8 - 1);
  for (const name of ['f4', 'f8', 'f2', 'v2']) {
    const a = parseNpy(fs.readFileSync(path.join(dir, `${name}.npy`)), name);
    assert.deepEqual(a.shape, [2, 3, 4], name);
    assert.deepEqual([...a.data], base.map((v) => Math.fround(v)), name);
  }
  assert.deepEqual([...parseNpy(fs.readFileSync(path.join(dir, 'u1.npy')), 'u1').data], Array.from({ length: 24 }, (_, i) => i));
  assert.deepEqual([...parseNpy(fs.readFileSync(path.join(dir, 'i8.npy')), 'i8').data], base.map((v) => Math.trunc(v) + 0));
});

test('hostile .npy files give one-line errors naming the file', () => {
  const good = encodeNpy(new Float32Array(6), [2, 3]);
  const withHeader = (h: string): Uint8Array => {
    const header = `${h}\n`;
    const out = new Uint8Array(10 + header.length + 24);
    out.set(good.subarray(0, 8));
    new DataView(out.buffer).setUint16(8, header.length, true);
    for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /only 0 bytes/],
    ['magic', new Uint8Array(64).fill(0x41), /magic/],
    ['truncated data', good.subarray(0, good.length - 3), /needs 24 data bytes, the file has 21/],
    ['trailing data', new Uint8Array([...good, 0, 0, 0, 0]), /needs 24 data bytes, the file has 28/],
    ['header past end', good.subarray(0, 20), /runs past the end/],
    ['version', (() => { const b = good.slice(); b[6] = 9; return b; })(), /unsupported format version 9/],
    ['fortran', withHeader(`{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }`), /Fortran/],
    ['big endian', withHeader(`{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }`), /big-endian/],
    ['object dtype', withHeader(`{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }`), /unsupported dtype/],
    ['negative dim', withHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }`), /bad shape entry/],
    ['no shape', withHeader(`{'descr': '<f4', 'fortran_order': False, 'shap': (2, 3), }`), /lacks/],
    ['huge shape', withHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }`), /data bytes/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(
      () => parseNpy(bytes, '/data/sample 1.npy'),
      (e: unknown) => e instanceof NumericInputError && e.message.startsWith('/data/sample 1.npy: ') && re.test(e.message) && !e.message.includes('\n'),
      what,
    );
  }
});
