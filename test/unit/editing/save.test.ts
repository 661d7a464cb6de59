/** Saving edited models: stored weights, saves that must fail cleanly, a source replaced on disk while open. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, ModelFileError, openModelFile, readTensorValues, saveModelFile } from '../../../src/core/onnx/index';
import { makeTempDir } from '../../support/tempDir';
import { assertValid, build, encode, graphOf, redecode } from './kit';
import { storeWeightsQuantized } from './storedWeights';

const CONV = '/model.2/cv1/conv/Conv';
const dir = makeTempDir('qdq-edit-save');

test('disable a layer whose weight is stored as INT8: the layer reads a dequantized float weight', () => {
  const { decoded } = build();
  storeWeightsQuantized(decoded);
  const d = redecode(decoded);
  const a = applyEdit(d, { kind: 'disableQuantization', target: CONV });
  assert.equal(a.replaced.removed!.find((r) => r.role === 'weight')!.q, undefined, 'a stored weight has no Q');
  const after = redecode(d);
  assertValid(after);
  const conv = graphOf(after).node.find((n) => n.name === CONV)!;
  const w = graphOf(after).initializer.find((t) => t.name === conv.input[1])!;
  assert.equal(w.dataType, 1, 'FLOAT');
  assert.equal((readTensorValues(after, w) as Float32Array).length, 8 * 8);
  // The INT8 initializer only this layer read is gone; the others stay.
  assert.ok(!graphOf(after).initializer.some((t) => t.name === 'model.2.cv1.conv.weight_int8'));
  assert.ok(graphOf(after).initializer.some((t) => t.name === 'model.2.cv2.conv.weight_int8'));
  // Enabling it again quantizes the float weight with the remembered per-channel scales.
  applyEdit(d, a.inverse!);
  assertValid(redecode(d));
});

test('a save that cannot be written fails with the target named; the original file and folder are untouched', () => {
  const src = path.join(dir, 'model.onnx');
  const { bytes } = build();
  fs.writeFileSync(src, bytes);
  const d = openModelFile(src);
  try {
    applyEdit(d, { kind: 'disableQuantization', target: CONV });
    const notADir = path.join(dir, 'plain-file');
    fs.writeFileSync(notADir, 'x');
    const target = path.join(notADir, 'out.onnx');
    assert.throws(() => saveModelFile(d, target), (e: Error) => e instanceof ModelFileError && e.message.includes(target));
    if (process.getuid?.() !== 0) {
      const ro = path.join(dir, 'read-only');
      fs.mkdirSync(ro);
      fs.chmodSync(ro, 0o555);
      assert.throws(() => saveModelFile(d, path.join(ro, 'out.onnx')), ModelFileError);
      assert.deepEqual(fs.readdirSync(ro), []);
    }
    assert.ok(fs.readFileSync(src).equals(Buffer.from(bytes)));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    d.source.close?.();
  }
});

test('the source replaced on disk while the model is open: the save still copies the bytes the model was read from', () => {
  const src = path.join(dir, 'replaced.onnx');
  const { bytes } = build();
  fs.writeFileSync(src, bytes);
  const d = openModelFile(src);
  try {
    applyEdit(d, { kind: 'disableQuantization', target: CONV });
    // Someone else writes another model over the file (atomically, as editors and exporters do).
    const other = path.join(dir, 'other.tmp-model');
    fs.writeFileSync(other, build({ qdq: 'naive' }).bytes);
    fs.renameSync(other, src);
    const out = path.join(dir, 'out.onnx');
    saveModelFile(d, out);
    // Same bytes as the same edit on an in-memory copy of the original.
    const ref = decodeModel(new MemorySource(bytes, 'ref.onnx'));
    applyEdit(ref, { kind: 'disableQuantization', target: CONV });
    assert.ok(fs.readFileSync(out).equals(encode(ref)));
    // Saving over its own (replaced) path works the same way.
    saveModelFile(d, src);
    assert.ok(fs.readFileSync(src).equals(encode(ref)));
  } finally {
    d.source.close?.();
  }
});
