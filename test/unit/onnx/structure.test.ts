/**
 * Everything a ModelProto can hold decodes and round-trips: subgraphs in If/Loop attributes,
 * local functions, training info, sparse initializers, IR-3 style initializers listed as inputs,
 * and the graph index sees subgraph outer-scope names as defined.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeModel, encodeModelToBytes, markDirty, MemorySource, readTensorValues,
} from '../../../src/core/onnx/index';
import { buildGraphIndex, summarizeModel } from '../../../src/core/graph/index';
import { encodeModelProto, onnx, vi } from './protoHelpers';

const A = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

function kitchenSink(): Uint8Array {
  const branch = (name: string, op: string): onnx.IGraphProto => ({
    name,
    node: [{ name: `${name}/op`, opType: op, input: ['x'], output: [`${name}_out`] }], // reads outer-scope 'x'
    output: [vi(`${name}_out`, [2])],
  });
  return encodeModelProto({
    irVersion: 3,
    producerName: 'kitchen-sink',
    opsetImport: [{ domain: '', version: 11 }, { domain: 'local', version: 1 }],
    graph: {
      name: 'main',
      input: [vi('x', [2]), vi('cond', [], onnx.TensorProto.DataType.BOOL), vi('w', [2])], // IR 3: initializer listed as input
      output: [vi('y', [2]), vi('z', [2])],
      initializer: [{ name: 'w', dims: [2], dataType: FLOAT, floatData: [0.5, -0.5] }],
      sparseInitializer: [{
        values: { name: 'sp', dims: [2], dataType: FLOAT, floatData: [1, 2] },
        indices: { name: 'sp_idx', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0, 3] },
        dims: [4],
      }],
      node: [
        { name: 'if', opType: 'If', input: ['cond'], output: ['y'], attribute: [
          { name: 'then_branch', type: A.GRAPH, g: branch('then', 'Relu') },
          { name: 'else_branch', type: A.GRAPH, g: branch('else', 'Neg') },
        ] },
        { name: 'fn', opType: 'AddW', domain: 'local', input: ['x', 'w'], output: ['z'] },
      ],
      valueInfo: [vi('y', [2])],
      quantizationAnnotation: [{ tensorName: 'w', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 'w_scale' }] }],
    },
    functions: [{
      name: 'AddW', domain: 'local', input: ['a', 'b'], output: ['c'], opsetImport: [{ domain: '', version: 11 }],
      node: [{ name: 'add', opType: 'Add', input: ['a', 'b'], output: ['c'] }],
    }],
    trainingInfo: [{
      algorithm: { name: 'step', node: [{ opType: 'Identity', input: ['w'], output: ['w_new'] }], output: [vi('w_new', [2])] },
      updateBinding: [{ key: 'w', value: 'w_new' }],
    }],
  });
}

test('subgraphs, functions, training info, sparse initializers decode', () => {
  const bytes = kitchenSink();
  const d = decodeModel(new MemorySource(bytes, 'sink.onnx'));
  const g = d.model.graph!;
  const ifNode = g.node[0]!;
  assert.equal(ifNode.attribute[0]!.g!.name, 'then');
  assert.equal(ifNode.attribute[1]!.g!.node[0]!.opType, 'Neg');
  assert.equal(d.model.functions[0]!.name, 'AddW');
  assert.equal(d.model.functions[0]!.node[0]!.opType, 'Add');
  assert.equal(d.model.trainingInfo[0]!.algorithm!.name, 'step');
  assert.deepEqual(d.model.trainingInfo[0]!.updateBinding.map((b) => [b.key, b.value]), [['w', 'w_new']]);
  assert.deepEqual(nums(readTensorValues(d, g.sparseInitializer[0]!.indices!)), [0, 3]);
  assert.equal(g.quantizationAnnotation[0]!.quantParameterTensorNames[0]!.value, 'w_scale');
  assert.ok(Buffer.from(encodeModelToBytes(d)).equals(Buffer.from(bytes)));

  const s = summarizeModel(d);
  assert.equal(s.subgraphCount, 2);
  assert.equal(s.functionCount, 1);
  assert.deepEqual(s.inputs.map((i) => i.name), ['x', 'cond'], 'IR-3 initializer inputs are not model inputs');
  assert.deepEqual(s.opTypeCounts, { If: 1, 'local::AddW': 1 });
  assert.deepEqual(s.problems, []);
});

test('an edit inside a subgraph re-encodes only the path to it', () => {
  const bytes = kitchenSink();
  const d = decodeModel(new MemorySource(bytes, 'sink.onnx'));
  const thenOp = d.model.graph!.node[0]!.attribute[0]!.g!.node[0]!;
  thenOp.opType = 'Sigmoid';
  markDirty(thenOp);
  const out = encodeModelToBytes(d);
  const d2 = decodeModel(new MemorySource(out, 'edited.onnx'));
  assert.equal(d2.model.graph!.node[0]!.attribute[0]!.g!.node[0]!.opType, 'Sigmoid');
  assert.equal(d2.model.graph!.node[0]!.attribute[1]!.g!.node[0]!.opType, 'Neg');
  assert.equal(out.length, bytes.length + 'Sigmoid'.length - 'Relu'.length);
  // The reference decoder reads the edited file.
  assert.equal(onnx.ModelProto.decode(out).graph!.node![0]!.attribute![0]!.g!.node![0]!.opType, 'Sigmoid');
});

test('subgraph outer-scope references are not dangling; real dangling ones are', () => {
  const d = decodeModel(new MemorySource(kitchenSink(), 'sink.onnx'));
  const main = buildGraphIndex(d.model.graph!);
  const thenGraph = d.model.graph!.node[0]!.attribute[0]!.g!;
  assert.equal(buildGraphIndex(thenGraph, new Set(['x', 'cond', 'w'])).problems.length, 0);
  const alone = buildGraphIndex(thenGraph);
  assert.deepEqual(alone.problems.map((p) => [p.kind, p.tensor]), [['dangling-input', 'x']]);
  assert.deepEqual(main.problems, []);
});

test('decoded repeated fields: absent ones share a frozen empty array, present ones are exact arrays to assign or edit', () => {
  const d = decodeModel(new MemorySource(kitchenSink(), 'sink.onnx'));
  const n = d.model.graph!.node[0]!;
  assert.ok(Object.isFrozen(n.metadataProps) && n.metadataProps.length === 0, 'absent: the shared frozen empty array');
  assert.equal(n.metadataProps, d.model.graph!.metadataProps, 'one array for every absent field');
  assert.throws(() => (n.metadataProps as unknown[]).push({}), TypeError, 'pushing into it fails loudly');
  assert.ok(!Object.isFrozen(n.input) && n.input.length > 0, 'present: an ordinary array');
  // The documented way to change a repeated field: assign a new array, then markDirty.
  n.metadataProps = [{ key: 'pass', value: 'edited' }];
  markDirty(n);
  const again = decodeModel(new MemorySource(encodeModelToBytes(d), 'edited.onnx'));
  assert.deepEqual(again.model.graph!.node[0]!.metadataProps.map((p) => [p.key, p.value]), [['pass', 'edited']]);
  assert.equal(again.model.graph!.node[1]?.metadataProps.length ?? 0, 0);
});
