/**
 * The decoder's limits meet real models, not only hostile ones: weight-light graphs of tens or
 * hundreds of thousands of nodes (weights in external data, or none) open with the default object
 * budget, and the budget's refusal says it is a limit of QDQ Studio relative to the file's size.
 * The models are built with onnx-proto (an independent codec), as onnx would write them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { encodeModelProto, externalTensor, onnx, vi } from './protoHelpers';

const INTS = onnx.AttributeProto.AttributeType.INTS;
const INT = onnx.AttributeProto.AttributeType.INT;

/** `n` Conv nodes in a chain, each with dilations, group, pads and strides; weights external (or absent). */
function convChain(n: number, weights: 'external' | 'none'): Uint8Array {
  const node: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  let prev = 'x';
  for (let i = 0; i < n; i++) {
    const w = `w${i}`;
    if (weights === 'external') initializer.push(externalTensor(w, [8, 8, 3, 3], [['location', 'w.data'], ['offset', String(i * 2304)], ['length', '2304']]));
    node.push({
      name: `n${i}`,
      opType: 'Conv',
      input: [prev, w],
      output: [`c${i}`],
      attribute: [
        { name: 'dilations', type: INTS, ints: [1, 1] },
        { name: 'group', type: INT, i: 1 },
        { name: 'pads', type: INTS, ints: [1, 1, 1, 1] },
        { name: 'strides', type: INTS, ints: [1, 1] },
      ],
    });
    prev = `c${i}`;
  }
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node, initializer, input: [vi('x', [1, 8, 64, 64])], output: [vi(prev, [1, 8, 64, 64])] },
  });
}

/** `n` Relu nodes in a chain as onnx.helper.make_node writes them (no names); shapes on every tensor when `shapes`. */
function reluChain(n: number, shapes = false): Uint8Array {
  const node: onnx.INodeProto[] = [];
  for (let i = 0; i < n; i++) node.push({ opType: 'Relu', input: [`t${i}`], output: [`t${i + 1}`] });
  const valueInfo = shapes ? Array.from({ length: n - 1 }, (_, i) => vi(`t${i + 1}`, [1, 8, 64, 64])) : [];
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node, valueInfo, input: [vi('t0', [1, 8, 64, 64])], output: [vi(`t${n}`, [1, 8, 64, 64])] },
  });
}

describe('the object budget admits real weight-light graphs', () => {
  // [name, model, node count, most weight per byte of file (measured: 0.38, 0.43, 0.51, 0.82)]
  const cases: [string, () => Uint8Array, number, number][] = [
    ['60,000 Conv nodes with four attributes each, weights in external data', () => convChain(60_000, 'external'), 60_000, 0.45],
    ['60,000 Conv nodes with four attributes each, no weights', () => convChain(60_000, 'none'), 60_000, 0.5],
    ['300,000 minimal Relu nodes', () => reluChain(300_000), 300_000, 0.55],
    ['100,000 Relu nodes with a rank-4 value info on every tensor', () => reluChain(100_000, true), 100_000, 0.85],
  ];
  for (const [name, make, nodes, perByte] of cases) {
    test(`${name}: decodes with the default budget (one per byte)`, (t) => {
      const bytes = make();
      t.diagnostic(`${(bytes.length / 1e6).toFixed(1)} MB`);
      const d = decodeModel(new MemorySource(bytes, 'm.onnx'));
      assert.equal(d.model.graph!.node.length, nodes);
      const n = d.model.graph!.node[nodes - 1]!;
      assert.ok(n.opType === 'Conv' ? n.attribute.length === 4 && n.attribute[2]!.ints.length === 4 : n.opType === 'Relu');
      if (name.includes('external')) assert.equal(d.model.graph!.initializer.length, nodes);
      // Its weight: under `perByte` per byte of the file (the figures in DecodeOptions.maxObjectWeight).
      assert.doesNotThrow(() => decodeModel(new MemorySource(bytes, 'm.onnx'), { maxObjectWeight: Math.floor(perByte * bytes.length) }));
    });
  }
});
