/** removeAllQdqPairs: the float reference of a Q/DQ model. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { removeAllQdqPairs } from '../../../src/core/editing/index';
import { readTensorBytes, readTensorValues, type ValueInfo } from '../../../src/core/onnx/index';
import { assertOnnxChecker, assertValid, build, encode, graphOf, havePyOnnx, noPyOnnxReason, opCounts, redecode } from './kit';
import { storeWeightsQuantized } from './storedWeights';

const withoutQdq = (c: Record<string, number>): Record<string, number> => {
  const out = { ...c };
  delete out['QuantizeLinear'];
  delete out['DequantizeLinear'];
  delete out['Constant'];
  return out;
};

describe('removeAllQdqPairs', () => {
  for (const scalesAs of ['constant', 'initializer'] as const) {
    for (const qdq of ['good', 'naive'] as const) {
      test(`${qdq} placement, scales as ${scalesAs}: no Q/DQ left, same float graph as the unquantized build`, () => {
        const { decoded, bytes } = build({ qdq, scalesAs });
        const before = opCounts(graphOf(decoded));
        const r = removeAllQdqPairs(decoded);
        assert.ok(r.pairs.length > 10);
        assert.deepEqual(r.kept, []);
        const after = redecode(decoded);
        const counts = opCounts(graphOf(after));
        assert.equal(counts['QuantizeLinear'], undefined);
        assert.equal(counts['DequantizeLinear'], undefined);
        assertValid(after);
        const float = build({ qdq: 'none', scalesAs });
        assert.deepEqual(withoutQdq(counts), withoutQdq(opCounts(graphOf(float.decoded))));
        assert.deepEqual(withoutQdq(counts), withoutQdq(before));
        // Compute nodes read exactly what the float build's read (same names: the Q input).
        const floatConvs = graphOf(float.decoded).node.filter((n) => n.opType === 'Conv');
        const convs = graphOf(after).node.filter((n) => n.opType === 'Conv');
        assert.deepEqual(convs.map((n) => n.input), floatConvs.map((n) => n.input));
        // No scale constant is left behind.
        assert.ok(!graphOf(after).node.some((n) => n.name.includes('_quantizer')), 'quantizer constants removed');
        // Undo restores the original bytes exactly.
        r.journal.undo();
        assert.ok(encode(decoded).equals(Buffer.from(bytes)));
        r.journal.redo();
        assert.ok(encode(decoded).equals(encode(after)));
      });
    }
  }

  test('untouched messages are copied verbatim: weight payloads keep their bytes', () => {
    const { decoded } = build();
    const weights = new Map(graphOf(decoded).initializer.map((t) => [t.name, Buffer.from(readTensorBytes(decoded, t))]));
    removeAllQdqPairs(decoded);
    const after = redecode(decoded);
    for (const t of graphOf(after).initializer) {
      const w = weights.get(t.name);
      if (w) assert.ok(Buffer.from(readTensorBytes(after, t)).equals(w), t.name);
    }
    const out = encode(decoded);
    // Each original weight payload still appears in the saved file.
    for (const [name, w] of weights) if (w.length > 64) assert.ok(out.includes(w), `payload of ${name}`);
  });

  test('defects (dangling Q, UINT8 activations, bias Q/DQ, missing weight Q/DQ) are all removed', () => {
    const { decoded } = build({ defects: { nonZeroZeroPoint: true, uint8Activation: true, missingWeightQdq: true, danglingQ: true, biasQdq: true } });
    removeAllQdqPairs(decoded);
    const after = redecode(decoded);
    assert.ok(!graphOf(after).node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'));
    assertValid(after);
  });

  test('stored INT8 weights are dequantized: (q - zp) * scale per channel', () => {
    const { decoded } = build();
    const stored = storeWeightsQuantized(decoded);
    const d2 = redecode(decoded);
    assert.ok(graphOf(d2).initializer.some((t) => t.dataType === 3), 'the fixture holds INT8 weights');
    const r = removeAllQdqPairs(d2);
    assert.equal(r.dequantizedWeights.length, stored.length);
    const after = redecode(d2);
    assertValid(after);
    assert.ok(!graphOf(after).initializer.some((t) => t.dataType === 3), 'no INT8 initializer left');
    // The dequantized weight is the stored integer times its channel's scale.
    const first = stored[0]!;
    const w = graphOf(after).initializer.find((t) => t.name === r.dequantizedWeights.find((x) => x.dq === first.dq)!.weight)!;
    const values = readTensorValues(after, w) as Float32Array;
    assert.equal(values.length, first.original.length);
    for (let i = 0; i < values.length; i++) {
      const s = first.scales[first.channelOf(i)]!;
      const expected = Math.fround(Math.max(-128, Math.min(127, Math.round(first.original[i]! / s))) * s);
      assert.equal(values[i], expected, `element ${i}`);
    }
  });

  test('a DQ output that is a graph output is kept through an Identity', () => {
    const { decoded } = build();
    const g = graphOf(decoded);
    // Make the first activation DQ's output a graph output too.
    const dq = g.node.find((n) => n.opType === 'DequantizeLinear' && !n.name.includes('weight'))!;
    // A new ValueInfo from the interface's fields (a spread copies only a decoded message's own
    // fields: defaults such as docString live on its prototype).
    const first = g.output[0]!;
    const extra: ValueInfo = { name: dq.output[0]!, docString: '', metadataProps: [], ...(first.type ? { type: first.type } : {}) };
    g.output = [...g.output, extra];
    const d2 = redecode(decoded);
    const r = removeAllQdqPairs(d2);
    const after = redecode(d2);
    assertValid(after);
    const id = graphOf(after).node.find((n) => n.opType === 'Identity' && n.output[0] === dq.output[0]);
    assert.ok(id, 'Identity keeps the output name');
    assert.ok(r.pairs.length > 0);
  });

  test('reference checker accepts the float references', { skip: havePyOnnx ? false : noPyOnnxReason }, () => {
    const models = (['good', 'naive'] as const).flatMap((qdq) =>
      (['constant', 'initializer'] as const).map((scalesAs) => {
        const { decoded } = build({ qdq, scalesAs, valueInfo: true });
        removeAllQdqPairs(decoded);
        return { name: `float-${qdq}-${scalesAs}`, bytes: encode(decoded) };
      }),
    );
    const { decoded } = build();
    storeWeightsQuantized(decoded);
    const d2 = redecode(decoded);
    removeAllQdqPairs(d2);
    models.push({ name: 'float-stored', bytes: encode(d2) });
    assertOnnxChecker(models);
  });
});
