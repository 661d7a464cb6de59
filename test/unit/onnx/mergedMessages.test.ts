/**
 * A singular message field that occurs more than once (ModelProto.graph twice, an attribute's `t`
 * split in two, a value info's `type` split, a TypeProto's `tensor_type` split) is one message to
 * protobuf: the occurrences are merged. We must read what onnx reads (checked against
 * /usr/bin/python3's onnx), save such a file unedited byte for byte, and keep the merged content
 * through an unrelated edit, an edit inside the merged message, and a full re-serialisation.
 *
 * Needs /usr/bin/python3 with onnx (python3-onnx); without it the tests are skipped and say so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGraphIndex, summarizeModel } from '../../../src/core/graph/index';
import { type Attribute, type DecodedModel, type Tensor, decodeModel, encodeModelToBytes, markDirty, MemorySource, readTensorValues } from '../../../src/core/onnx/index';
import { makeTempDir } from '../../support/tempDir';
import { bytesField, concatBytes, markAllDirty, onnx, varintField } from './protoHelpers';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `${PYTHON} cannot import onnx and numpy (python3-onnx): the merged-message tests are skipped`;
if (skip) console.log(`[mergedMessages] ${skip}`);

const te = new TextEncoder();
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const enc = {
  graph: (g: onnx.IGraphProto) => onnx.GraphProto.encode(onnx.GraphProto.create(g)).finish(),
  node: (n: onnx.INodeProto) => onnx.NodeProto.encode(onnx.NodeProto.create(n)).finish(),
  attr: (a: onnx.IAttributeProto) => onnx.AttributeProto.encode(onnx.AttributeProto.create(a)).finish(),
  tensor: (t: onnx.ITensorProto) => onnx.TensorProto.encode(onnx.TensorProto.create(t)).finish(),
  type: (t: onnx.ITypeProto) => onnx.TypeProto.encode(onnx.TypeProto.create(t)).finish(),
  opset: () => onnx.OperatorSetIdProto.encode(onnx.OperatorSetIdProto.create({ domain: '', version: 13 })).finish(),
};

/** A ModelProto: ir_version 8, opset 13, then the given graph occurrences (each one GraphProto.graph field). */
function model(...graphs: Uint8Array[]): Uint8Array {
  return concatBytes(varintField(1, 8), bytesField(2, te.encode('merge-test')), bytesField(8, enc.opset()), ...graphs.map((g) => bytesField(7, g)));
}

const vi = (name: string, dims: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/**
 * The graph split in two ModelProto.graph occurrences: x -> Relu r1 -> y in the first (with the
 * input x and the graph's name), y -> Relu r2 -> z in the second (with the output z).
 */
function splitGraph(): Uint8Array {
  const first = enc.graph({ node: [{ name: 'r1', opType: 'Relu', input: ['x'], output: ['y'] }], name: 'g', input: [vi('x', [1, 4])] });
  const second = enc.graph({ node: [{ name: 'r2', opType: 'Relu', input: ['y'], output: ['z'] }], output: [vi('z', [1, 4])] });
  return model(first, second);
}

/**
 * A Constant whose `value` tensor (AttributeProto.t) is split in three occurrences: name and type
 * and dims in the first with float_data [1, 2], float_data [3] in the second (repeated fields
 * concatenate), a new name in the third (a later scalar wins). Then Identity i reads it.
 */
function splitAttributeTensor(): Uint8Array {
  const attr = concatBytes(
    enc.attr({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR }),
    bytesField(5, enc.tensor({ name: 'first', dataType: FLOAT, dims: [3], floatData: [1, 2] })),
    bytesField(5, enc.tensor({ floatData: [3] })),
    bytesField(5, enc.tensor({ name: 'c' })),
  );
  const constant = concatBytes(enc.node({ name: 'k', opType: 'Constant', output: ['c'] }), bytesField(5, attr));
  const graph = concatBytes(
    bytesField(1, constant),
    bytesField(1, enc.node({ name: 'i', opType: 'Identity', input: ['c'], output: ['out'] })),
    bytesField(2, te.encode('g')),
    bytesField(12, onnx.ValueInfoProto.encode(onnx.ValueInfoProto.create(vi('out', [3]))).finish()),
  );
  return model(graph);
}

/**
 * Graph input x whose ValueInfoProto.type is split: the first occurrence says FLOAT and holds the
 * first dimension, the second holds a TypeProto whose tensor_type is itself split in two (the
 * second dimension N, then elem_type INT8 overriding FLOAT). Output s's type first says sequence,
 * then tensor: members of TypeProto's oneof, so the tensor type replaces the sequence type; its third
 * dimension has dim_value, then dim_param (a oneof too).
 */
function splitTypeProto(): Uint8Array {
  const xType = concatBytes(
    bytesField(2, enc.type({ tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 2 }] } } })),
    bytesField(
      2,
      concatBytes(
        bytesField(1, onnx.TypeProto.Tensor.encode({ shape: { dim: [{ dimParam: 'N' }] } }).finish()),
        bytesField(1, onnx.TypeProto.Tensor.encode({ elemType: onnx.TensorProto.DataType.INT8 }).finish()),
      ),
    ),
  );
  const x = concatBytes(bytesField(1, te.encode('x')), xType);
  const sType = concatBytes(
    bytesField(4, onnx.TypeProto.Sequence.encode({ elemType: { tensorType: { elemType: FLOAT } } }).finish()),
    bytesField(
      1,
      concatBytes(
        varintField(1, onnx.TensorProto.DataType.INT8),
        // The third dimension has dim_value 3, then dim_param M: a oneof, so it is M.
        bytesField(2, concatBytes(bytesField(1, varintField(1, 2)), bytesField(1, bytesField(2, te.encode('N'))), bytesField(1, concatBytes(varintField(1, 3), bytesField(2, te.encode('M')))))),
      ),
    ),
  );
  const s = concatBytes(bytesField(1, te.encode('s')), bytesField(2, sType));
  const graph = concatBytes(
    bytesField(1, enc.node({ name: 'n', opType: 'Identity', input: ['x'], output: ['s'] })),
    bytesField(2, te.encode('g')),
    bytesField(11, x),
    bytesField(12, s),
  );
  return model(graph);
}

/** What onnx reads in a model file: the whole message as JSON, and the values of each Constant. */
interface PyRead {
  model: Record<string, unknown>;
  constants: { name: string; dataType: number; values: number[] }[];
}

const PY = `
import json, sys, onnx
from onnx import numpy_helper
from google.protobuf.json_format import MessageToDict
out = []
for f in sys.argv[1:]:
    m = onnx.load(f)
    consts = []
    for n in m.graph.node:
        for a in n.attribute:
            if a.HasField('t'):
                consts.append({'name': a.t.name, 'dataType': a.t.data_type, 'values': [float(v) for v in numpy_helper.to_array(a.t).ravel()]})
    out.append({'model': MessageToDict(m), 'constants': consts})
print(json.dumps(out))
`;

function pythonReads(dir: string, files: Record<string, Uint8Array>): Record<string, PyRead> {
  const names = Object.keys(files);
  const paths = names.map((n) => {
    const p = path.join(dir, `${n}.onnx`);
    fs.writeFileSync(p, files[n]!);
    return p;
  });
  const run = spawnSync(PYTHON, ['-c', PY, ...paths], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout) as PyRead[];
  return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
}

const decode = (bytes: Uint8Array, name = 'merge.onnx'): DecodedModel => decodeModel(new MemorySource(bytes, name));

/** Encode after `edit`, from a fresh decode of `bytes`. */
function edited(bytes: Uint8Array, edit: (d: DecodedModel) => void): Uint8Array {
  const d = decode(bytes);
  edit(d);
  return encodeModelToBytes(d);
}

describe('singular message fields that occur more than once are merged, as protobuf reads them', { skip }, () => {
  const dir = makeTempDir('qdq-merged-');

  test('a graph split in two ModelProto.graph fields: every node, input and output, as onnx reads them', () => {
    const bytes = splitGraph();
    const py = pythonReads(dir, { split: bytes }).split!;
    const pyGraph = py.model.graph as { node: { name: string }[]; input: { name: string }[]; output: { name: string }[]; name: string };
    const d = decode(bytes);
    const g = d.model.graph!;
    assert.deepEqual(g.node.map((n) => n.name), pyGraph.node.map((n) => n.name));
    assert.deepEqual(g.node.map((n) => n.name), ['r1', 'r2']);
    assert.deepEqual(g.input.map((v) => v.name), pyGraph.input.map((v) => v.name));
    assert.deepEqual(g.output.map((v) => v.name), pyGraph.output.map((v) => v.name));
    assert.equal(g.name, pyGraph.name);
    assert.deepEqual(d.mergedFields, { count: 1, byMessage: { 'graph (GraphProto)': 1 } });
    // Nothing false in the index or the summary: r2's input y is produced by r1.
    const index = buildGraphIndex(g);
    assert.deepEqual(index.problems, []);
    const summary = summarizeModel(d, index, null);
    assert.equal(summary.nodeCount, 2);
    assert.deepEqual(summary.outputs.map((o) => o.name), ['z']);
  });

  test('a Constant whose value tensor is split: type, dims, concatenated data and the last name, as onnx reads them', () => {
    const bytes = splitAttributeTensor();
    const py = pythonReads(dir, { split: bytes }).split!;
    const t = decode(bytes).model.graph!.node[0]!.attribute[0]!.t!;
    const ours = { name: t.name, dataType: t.dataType, values: Array.from(readTensorValues(decode(bytes), t), Number) };
    assert.deepEqual([ours], py.constants);
    assert.deepEqual(ours, { name: 'c', dataType: FLOAT, values: [1, 2, 3] });
    assert.deepEqual(t.dims, [3]);
  });

  test('a split TypeProto (value info type and tensor_type split, a oneof member replaced): types and shapes as onnx reads them', () => {
    const bytes = splitTypeProto();
    const py = pythonReads(dir, { split: bytes }).split!;
    const pyGraph = py.model.graph as { input: unknown[]; output: unknown[] };
    const d = decode(bytes);
    const summary = summarizeModel(d, buildGraphIndex(d.model.graph!), null);
    assert.deepEqual(summary.inputs, [{ name: 'x', dtype: 'INT8', shape: [2, 'N'] }]);
    assert.deepEqual(summary.outputs, [{ name: 's', dtype: 'INT8', shape: [2, 'N', 'M'] }]);
    // onnx's reading of the same two value infos, in its JSON form.
    const typeOf = (...dim: object[]) => ({ tensorType: { elemType: onnx.TensorProto.DataType.INT8, shape: { dim } } });
    assert.deepEqual(pyGraph.input, [{ name: 'x', type: typeOf({ dimValue: '2' }, { dimParam: 'N' }) }]);
    assert.deepEqual(pyGraph.output, [{ name: 's', type: typeOf({ dimValue: '2' }, { dimParam: 'N' }, { dimParam: 'M' }) }]);
    assert.equal(d.model.graph!.output[0]!.type!.tensorType!.shape!.dim[2]!.dimValue, undefined);
    const s = d.model.graph!.output[0]!.type!;
    assert.equal(s.sequenceType, undefined);
  });

  test('saved unedited, each file is byte-identical', () => {
    for (const bytes of [splitGraph(), splitAttributeTensor(), splitTypeProto()]) {
      assert.deepEqual(encodeModelToBytes(decode(bytes)), bytes);
    }
  });

  test('after an unrelated edit, a fully dirty re-encode, or an edit inside the merged message, onnx reads the merged content (nothing lost)', () => {
    const graph = splitGraph();
    const tensor = splitAttributeTensor();
    const type = splitTypeProto();
    const out: Record<string, Uint8Array> = {
      graph, tensor, type,
      // The model edited, its merged graph clean: written as its two occurrences, verbatim.
      graphModelEdit: edited(graph, (d) => {
        d.model.producerName = 'edited';
        markDirty(d.model);
      }),
      // A node inside the merged graph edited: the graph is written once, from its fields.
      graphNodeEdit: edited(graph, (d) => {
        const r2 = d.model.graph!.node[1]!;
        r2.name = 'renamed';
        markDirty(r2);
      }),
      graphAllDirty: edited(graph, (d) => markAllDirty(d.model)),
      // An unrelated node (Identity i) edited: the Constant and its split tensor are clean.
      tensorOtherNode: edited(tensor, (d) => {
        const i = d.model.graph!.node[1]!;
        i.name = 'renamed';
        markDirty(i);
      }),
      // The split tensor itself edited (so written once from its fields).
      // The attribute is a small one, shared and frozen (attributeTable.ts): edited as an edit would,
      // through copies of its own of the attribute and its tensor.
      tensorEdit: edited(tensor, (d) => {
        const n = d.model.graph!.node[0]!;
        const a = n.attribute[0]!;
        assert.ok(Object.isFrozen(a));
        const t = Object.assign(Object.create(Object.getPrototypeOf(a.t) as object) as Tensor, a.t);
        n.attribute = [Object.assign(Object.create(Object.getPrototypeOf(a) as object) as Attribute, a, { t }), ...n.attribute.slice(1)];
        t.docString = 'edited';
        markDirty(t);
        markDirty(n);
      }),
      tensorAllDirty: edited(tensor, (d) => markAllDirty(d.model)),
      typeNodeEdit: edited(type, (d) => {
        const n = d.model.graph!.node[0]!;
        n.name = 'renamed';
        markDirty(n);
      }),
      typeAllDirty: edited(type, (d) => markAllDirty(d.model)),
    };
    const py = pythonReads(dir, out);
    const withChange = (base: PyRead, change: (m: Record<string, unknown>) => void): Record<string, unknown> => {
      const copy = structuredClone(base.model);
      change(copy);
      return copy;
    };
    type G = { node: { name: string; attribute: { t: Record<string, unknown> }[] }[] };
    assert.deepEqual(py.graphModelEdit!.model, withChange(py.graph!, (m) => (m.producerName = 'edited')));
    assert.deepEqual(py.graphNodeEdit!.model, withChange(py.graph!, (m) => ((m.graph as G).node[1]!.name = 'renamed')));
    assert.deepEqual(py.graphAllDirty!.model, py.graph!.model);
    assert.deepEqual(py.tensorOtherNode!.model, withChange(py.tensor!, (m) => ((m.graph as G).node[1]!.name = 'renamed')));
    assert.deepEqual(py.tensorEdit!.model, withChange(py.tensor!, (m) => ((m.graph as G).node[0]!.attribute[0]!.t.docString = 'edited')));
    assert.deepEqual(py.tensorEdit!.constants, [{ name: 'c', dataType: FLOAT, values: [1, 2, 3] }]);
    assert.deepEqual(py.tensorAllDirty!.model, py.tensor!.model);
    assert.deepEqual(py.typeNodeEdit!.model, withChange(py.type!, (m) => ((m.graph as G).node[0]!.name = 'renamed')));
    assert.deepEqual(py.typeAllDirty!.model, py.type!.model);
    // And we read back what we wrote, as we read the original.
    assert.deepEqual(decode(out.graphModelEdit!).model.graph!.node.map((n) => n.name), ['r1', 'r2']);
  });

  test('a clean merged message under an edited parent keeps its occurrences byte for byte', () => {
    const bytes = splitGraph();
    const out = edited(bytes, (d) => {
      d.model.producerName = 'edited';
      markDirty(d.model);
    });
    // Everything from the first graph field on (both occurrences) is the original's tail.
    const tail = bytes.subarray(indexOfGraph(bytes));
    assert.deepEqual(out.subarray(out.length - tail.length), tail);
  });

  test('a field split into 100,000 occurrences decodes in linear time (a hang guard, not a timing)', { timeout: 60_000 }, () => {
    const n = 100_000;
    const repeat = (occ: Uint8Array): Uint8Array => {
      const out = new Uint8Array(occ.length * n);
      for (let i = 0; i < n; i++) out.set(occ, i * occ.length);
      return out;
    };
    // ModelProto.graph 100,000 times, one node in each.
    const graphs = concatBytes(varintField(1, 8), repeat(bytesField(7, bytesField(1, enc.node({ opType: 'Relu' })))));
    assert.equal(decode(graphs).model.graph!.node.length, n);
    // One attribute whose TensorProto `t` occurs 100,000 times, one metadata_props entry in each.
    // (A shape split so would pass MAX_RANK dimensions: a DecoderLimitError, see rankLimit.test.ts.)
    const entry = bytesField(16, concatBytes(bytesField(1, te.encode('k')), bytesField(2, te.encode('v'))));
    const attr = concatBytes(bytesField(1, te.encode('value')), varintField(20, 4), repeat(bytesField(5, entry)));
    const d = decode(concatBytes(varintField(1, 8), bytesField(7, bytesField(1, concatBytes(bytesField(4, te.encode('Constant')), bytesField(5, attr))))));
    assert.equal(d.model.graph!.node[0]!.attribute[0]!.t!.metadataProps.length, n);
    assert.equal(d.mergedFields!.count, n - 1);
  });
});

/** Offset of the first ModelProto.graph field in `model(...)`'s output (tag 0x3a after the fixed prefix). */
function indexOfGraph(bytes: Uint8Array): number {
  const prefix = concatBytes(varintField(1, 8), bytesField(2, te.encode('merge-test')), bytesField(8, enc.opset()));
  assert.equal(bytes[prefix.length], 0x3a);
  return prefix.length;
}
