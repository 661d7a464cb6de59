/**
 * Views of subgraphs (If branches, nested, GRAPHS-typed attributes) and of model-local functions:
 * tensors of enclosing graphs are outer inputs or parameters, Q/DQ inside a branch folds with a
 * scale from an enclosing graph, bad references are typed errors.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildViewGraph, GraphRefError, type ViewGraph } from '../../../src/core/graphView/index';
import { MemorySource, decodeModel } from '../../../src/core/onnx/index';
import { encodeModelProto, onnx, vi } from '../onnx/protoHelpers';

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

function model(): Uint8Array {
  const branchWithQdq: onnx.IGraphProto = {
    name: 'then',
    node: [
      { name: 'then/Q', opType: 'QuantizeLinear', input: ['x', 's', 'zp'], output: ['xq'] },
      { name: 'then/DQ', opType: 'DequantizeLinear', input: ['xq', 's', 'zp'], output: ['xd'] },
      { name: 'then/MatMul', opType: 'MatMul', input: ['xd', 'w'], output: ['t_out'] },
    ],
    output: [vi('t_out', [1, 4])],
  };
  const inner: onnx.IGraphProto = { name: 'inner', node: [{ name: 'inner/Neg', opType: 'Neg', input: ['x'], output: ['i_out'] }], output: [vi('i_out', [1, 4])] };
  const elseBranch: onnx.IGraphProto = {
    name: 'else',
    node: [
      { name: 'else/If', opType: 'If', input: ['cond'], output: ['e_out'], attribute: [
        { name: 'then_branch', type: A.GRAPH, g: inner },
        { name: 'else_branch', type: A.GRAPH, g: { name: 'inner2', node: [{ name: 'inner2/Id', opType: 'Identity', input: ['x'], output: ['j_out'] }], output: [vi('j_out', [1, 4])] } },
      ] },
    ],
    output: [vi('e_out', [1, 4])],
  };
  const small = (name: string): onnx.IGraphProto => ({ name, node: [{ name: `${name}/Relu`, opType: 'Relu', input: ['x'], output: [`${name}_out`] }], output: [vi(`${name}_out`, [1, 4])] });
  return encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }, { domain: 'local', version: 1 }],
    graph: {
      name: 'main',
      input: [vi('x', [1, 4]), vi('cond', [], T.BOOL)],
      output: [vi('y', [1, 4]), vi('z', [1, 4]), vi('c_out', [1, 4])],
      initializer: [
        { name: 's', dims: [], dataType: T.FLOAT, floatData: [0.5] },
        { name: 'zp', dims: [], dataType: T.INT8, int32Data: [0] },
        { name: 'w', dims: [4, 4], dataType: T.FLOAT, floatData: Array.from({ length: 16 }, (_, i) => i) },
      ],
      node: [
        { name: 'if', opType: 'If', input: ['cond'], output: ['y'], attribute: [
          { name: 'then_branch', type: A.GRAPH, g: branchWithQdq },
          { name: 'else_branch', type: A.GRAPH, g: elseBranch },
        ] },
        { name: 'custom', opType: 'Multi', domain: 'local', input: ['x'], output: ['c_out'], attribute: [{ name: 'branches', type: A.GRAPHS, graphs: [small('b0'), small('b1')] }] },
        { name: 'scale', opType: 'Scale', domain: 'local', input: ['y'], output: ['z'] },
      ],
    },
    functions: [{
      name: 'Scale',
      domain: 'local',
      input: ['a'],
      output: ['b'],
      opsetImport: [{ domain: '', version: 13 }],
      node: [
        { name: 'k', opType: 'Constant', output: ['c'], attribute: [{ name: 'value_float', type: A.FLOAT, f: 2 }] },
        { name: 'mul', opType: 'Mul', input: ['a', 'c'], output: ['b'] },
      ],
    }],
  });
}

const d = decodeModel(new MemorySource(model(), 'sub.onnx'));
const opNames = (v: ViewGraph): string[] => v.nodes.filter((n) => n.kind === undefined).map((n) => n.name);

describe('subgraph and function views', () => {
  test('main graph: graph-valued attributes and function calls are marked', () => {
    const v = buildViewGraph(d);
    const ifNode = v.nodes.find((n) => n.name === 'if')!;
    assert.deepEqual(ifNode.graphs, [{ attr: 'then_branch', nodes: 3 }, { attr: 'else_branch', nodes: 1 }]);
    assert.deepEqual(v.nodes.find((n) => n.name === 'custom')!.graphs, [{ attr: 'branches', index: 0, nodes: 1 }, { attr: 'branches', index: 1, nodes: 1 }]);
    assert.equal(v.nodes.find((n) => n.name === 'scale')!.fn, true);
    assert.equal(v.nodes.find((n) => n.name === 'if')!.fn, undefined);
    assert.equal(v.title, 'main');
  });

  test('a branch: outer tensors are outer inputs or parameters; Q/DQ folds with the outer scale', () => {
    const v = buildViewGraph(d, { ref: { path: [{ node: 0, attr: 'then_branch' }] } });
    assert.equal(v.title, 'if / then_branch');
    assert.deepEqual(opNames(v), ['then/MatMul']);
    const x = v.nodes.find((n) => n.kind === 'input')!;
    assert.deepEqual(x, { kind: 'input', name: 'x', outer: true });
    assert.equal(v.stats.foldedPairs, 1);
    assert.equal(v.badges[0]!.scale, 0.5);
    assert.equal(v.badges[0]!.zeroPoint, 0);
    assert.equal(v.dtypes[v.badges[0]!.dtype], 'INT8');
    const mm = v.nodes.find((n) => n.name === 'then/MatMul')!;
    assert.deepEqual(mm.params!.map((p) => v.params[p]!.name), ['w']);
    assert.ok(v.edges.some((e) => v.nodes[e.s]!.name === 'x' && e.badges?.length === 1));
    assert.equal(v.nodes.at(-1)!.kind, 'output');
    const raw = buildViewGraph(d, { ref: { path: [{ node: 0, attr: 'then_branch' }] }, mode: 'raw' });
    assert.deepEqual(opNames(raw), ['then/Q', 'then/DQ', 'then/MatMul']);
  });

  test('nested subgraphs and GRAPHS-typed attributes', () => {
    const v = buildViewGraph(d, { ref: { path: [{ node: 0, attr: 'else_branch' }, { node: 0, attr: 'then_branch' }] } });
    assert.deepEqual(opNames(v), ['inner/Neg']);
    assert.ok(v.nodes.some((n) => n.kind === 'input' && n.name === 'x' && n.outer), 'a tensor two graphs out');
    const b1 = buildViewGraph(d, { ref: { path: [{ node: 1, attr: 'branches', index: 1 }] } });
    assert.deepEqual(opNames(b1), ['b1/Relu']);
    assert.equal(b1.title, 'custom / branches[1]');
  });

  test('a model-local function', () => {
    const v = buildViewGraph(d, { ref: { function: { domain: 'local', name: 'Scale' }, path: [] } });
    assert.equal(v.title, 'Scale');
    assert.deepEqual(opNames(v), ['mul']);
    const mul = v.nodes.find((n) => n.name === 'mul')!;
    assert.deepEqual(mul.params!.map((p) => v.params[p]), [{ name: 'c', dtype: v.dtypes.indexOf('FLOAT'), shape: [], bytes: 4, constant: true }]);
    assert.deepEqual(v.nodes.filter((n) => n.kind).map((n) => `${n.kind}:${n.name}`), ['input:a', 'output:b']);
  });

  test('bad references are GraphRefErrors', () => {
    for (const ref of [
      { path: [{ node: 9, attr: 'then_branch' }] },
      { path: [{ node: 0, attr: 'body' }] },
      { path: [{ node: 1, attr: 'branches' }] },
      { path: [{ node: 1, attr: 'branches', index: 5 }] },
      { function: { domain: 'local', name: 'Nope' }, path: [] },
    ]) {
      assert.throws(() => buildViewGraph(d, { ref }), GraphRefError, JSON.stringify(ref));
    }
  });
});
