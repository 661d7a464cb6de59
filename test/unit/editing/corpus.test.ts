/**
 * The real YOLOv9 exports of the shared corpus (when present; skipped with one line otherwise): the
 * float reference has no Q/DQ, is valid, and runs the same ops as the FP32 export; disabling a
 * module and undoing it gives the file back byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit, removeAllQdqPairs } from '../../../src/core/editing/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { sharedModels } from '../onnx/corpus';
import { assertOnnxChecker, assertValid, encode, graphOf, havePyOnnx, opCounts, redecode } from './kit';

const models = sharedModels().filter((f) => /qat/.test(path.basename(f)));
const fp32 = sharedModels().find((f) => path.basename(f) === 'yolov9t-fp32.onnx');

test('shared corpus present', { skip: models.length ? false : 'no shared QAT exports (../shared/fixtures/onnx): real-model editing cases skipped' }, () => {
  assert.ok(models.length > 0);
});

for (const file of models) {
  const name = path.basename(file);
  test(`${name}: float reference, and disable + undo of model.2 is byte-identical`, () => {
    const bytes = fs.readFileSync(file);
    const d = decodeModel(new MemorySource(bytes, file), { file });
    const a = applyEdit(d, { kind: 'disableQuantization', target: 'model.2' });
    assert.ok(a.replaced.removed!.length >= 2, a.message);
    assertValid(redecode(d));
    a.journal.undo();
    assert.ok(encode(d).equals(bytes), 'undo restores the file');

    const r = removeAllQdqPairs(d);
    const after = redecode(d);
    assertValid(after);
    const counts = opCounts(graphOf(after));
    const left = (counts['QuantizeLinear'] ?? 0) + (counts['DequantizeLinear'] ?? 0);
    assert.equal(left, r.kept.length, `left: ${JSON.stringify(r.kept.slice(0, 3))}`);
    if (fp32 && name === 'yolov9t-qat.onnx') {
      const f = graphOf(decodeModel(new MemorySource(fs.readFileSync(fp32), fp32)));
      const ops = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([k]) => !['Constant', 'QuantizeLinear', 'DequantizeLinear', 'Identity'].includes(k)));
      assert.deepEqual(ops(counts), ops(opCounts(f)));
      if (havePyOnnx) {
        const edited = decodeModel(new MemorySource(bytes, file), { file });
        applyEdit(edited, { kind: 'disableQuantization', target: 'model.22' });
        assertOnnxChecker([{ name: 'yolov9t-float-reference', bytes: encode(d) }, { name: 'yolov9t-disable-model22', bytes: encode(edited) }]);
      }
    }
  });
}
