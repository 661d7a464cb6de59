/**
 * AnalysisContext lookups that rules rely on beyond the graph index: here, that a node whose
 * subgraph (If/Loop/Scan body) reads a tensor counts as one of its consumers, so a Q/DQ whose only
 * reader is a branch is not taken for dead.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisContext } from '../../../src/core/analysis/context';
import { DEFAULT_TARGET } from '../../../src/core/analysis/types';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { graphModel, onnx } from '../onnx/hostile/models';

test('a tensor read only inside an If branch has the If as its consumer', () => {
  const decoded = decodeModel(new MemorySource(graphModel({
    input: [{ name: 'x' }, { name: 'cond' }],
    node: [
      { name: 'relu', opType: 'Relu', input: ['x'], output: ['t'] },
      { name: 'shape', opType: 'Shape', input: ['t'], output: ['s'] },
      {
        name: 'if', opType: 'If', input: ['cond'], output: ['y'],
        attribute: [{
          name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
          g: { name: 'then', node: [{ opType: 'Sigmoid', input: ['t'], output: ['u'] }], output: [{ name: 'u' }] },
        }],
      },
      { name: 'neg', opType: 'Neg', input: ['t'], output: ['z'] },
    ],
    output: [{ name: 'y' }, { name: 's' }, { name: 'z' }],
  }), 'if.onnx'));
  const ctx = new AnalysisContext(decoded, buildGraphIndex(decoded.model.graph!), DEFAULT_TARGET);
  assert.deepEqual(ctx.consumers('t'), [2, 3], 'the If (through its branch) and Neg, in graph order; Shape left out');
  assert.deepEqual(ctx.allConsumers('t'), [1, 2, 3]);
  assert.deepEqual(ctx.consumers('cond'), [2]);
});
