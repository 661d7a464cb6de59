/**
 * How deep a model may nest: up to 100 messages, protobuf's default recursion limit (onnx and
 * onnxruntime read If nested 30 deep), decoded and re-encoded without coming near the JS stack's
 * limit; one message more is a typed error that names this decoder's limit, not an invalid model.
 * Models are built by hand (hostile/wire.ts), independent of the codec under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DecoderLimitError, decodeModel, encodeModelToBytes, MemorySource, OnnxFormatError } from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { markAllDirty } from './protoHelpers';
import { concat, lenField, modelWith, strField, tag, varintField } from './hostile/wire';

/**
 * GraphProto whose node 0 is an If whose then_branch is a graph ... `levels` times; the innermost
 * graph holds `leaf`. ModelProto.graph is at depth 1, so the innermost graph is at depth 1 + 3 * levels.
 */
function nestedIf(levels: number, leaf: Uint8Array): Uint8Array {
  let g = concat([leaf, strField(2, `g${levels}`)]);
  for (let i = levels - 1; i >= 0; i--) {
    // AttributeProto: name 1, g 6, type 20 (GRAPH = 5). NodeProto: input 1, output 2, op_type 4, attribute 5.
    const attr = concat([strField(1, 'then_branch'), lenField(6, g), varintField(20, 5)]);
    const node = concat([strField(1, 'c'), strField(2, `y${i}`), strField(4, 'If'), lenField(5, attr)]);
    g = concat([lenField(1, node), strField(2, `g${i}`)]);
  }
  return modelWith(lenField(7, g), lenField(8, concat([lenField(1, []), varintField(2, 17)])));
}

/** Exactly 100 nested messages: 33 levels of If, the innermost graph at depth 100. */
const deep100 = () => nestedIf(33, new Uint8Array(0));
/** 101: that innermost graph holds a node. */
const deep101 = () => nestedIf(33, lenField(1, strField(4, 'Identity')));

test('a model nested exactly 100 messages deep decodes, and re-encodes from its fields byte for byte', () => {
  const bytes = deep100();
  const d = decodeModel(new MemorySource(bytes, 'deep100.onnx'));
  let g = d.model.graph!;
  let levels = 0;
  while (g.node.length > 0) {
    g = g.node[0]!.attribute[0]!.g!;
    levels++;
  }
  assert.equal(levels, 33);
  assert.equal(g.name, 'g33');
  markAllDirty(d.model);
  assert.deepEqual(Buffer.from(encodeModelToBytes(d)), Buffer.from(bytes));
});

test('101 messages deep: a typed error that names the decoder limit, the offset and the field path', () => {
  const bytes = deep101();
  assert.throws(() => decodeModel(new MemorySource(bytes, 'deep101.onnx')), (e: unknown) => {
    assert.ok(e instanceof DecoderLimitError, String(e));
    assert.ok(e instanceof OnnxFormatError, 'still an OnnxFormatError (file, offset, field path)');
    assert.equal(e.problem, "nested deeper than 100 messages, the limit of this decoder (protobuf's default)");
    assert.doesNotMatch(e.message, /not a valid ONNX model/);
    assert.match(e.message, /^deep101\.onnx: cannot be read: nested deeper than 100 messages, the limit of this decoder \(protobuf's default\) \(at byte \d+, in ModelProto\.graph/);
    assert.equal(e.fieldPath, `ModelProto.graph${'.node[0].attribute[0].g'.repeat(33)}`);
    assert.equal(e.offset, Buffer.from(bytes).indexOf(strField(4, 'Identity'))); // where the innermost node's payload starts
    return true;
  });
});

test('proto2 groups in an unknown field count towards the same limit', () => {
  const groups = (n: number) => concat([...Array.from({ length: n }, () => tag(99, 3)), ...Array.from({ length: n }, () => tag(99, 4))]);
  // Inside ModelProto.graph (depth 1): 99 groups reach depth 100, 100 groups go past it.
  const within = modelWith(lenField(7, concat([strField(2, 'g'), groups(99)])));
  assert.equal(decodeModel(new MemorySource(within, 'g99.onnx')).unknownFields.count, 1);
  assert.throws(() => decodeModel(new MemorySource(modelWith(lenField(7, concat([strField(2, 'g'), groups(100)]))), 'g100.onnx')), (e: unknown) => {
    assert.ok(e instanceof DecoderLimitError, String(e));
    assert.match(e.problem, /^nested deeper than 100 messages/);
    return true;
  });
});

test('decoding and re-encoding 100 deep needs far less than the JS stack: it runs with a fifth of the default stack', () => {
  const file = path.join(makeTempDir('qdq-deep-'), 'deep100.onnx');
  fs.writeFileSync(file, deep100());
  // A child with --stack-size=196 (KB; Node's default is 984): recursion that fits in it has five times that margin here (98 was too little for the encoder).
  const script = `
    const load = async (f) => { const m = await import(f); return m.default ?? m; };
    const onnx = await load(${JSON.stringify(path.join(repoRoot, 'src', 'core', 'onnx', 'index.ts'))});
    const { markAllDirty } = await load(${JSON.stringify(path.join(repoRoot, 'test', 'unit', 'onnx', 'protoHelpers.ts'))});
    const fs = await import('node:fs');
    const bytes = fs.readFileSync(${JSON.stringify(file)});
    const d = onnx.decodeModel(new onnx.MemorySource(bytes, 'deep100.onnx'));
    markAllDirty(d.model);
    const same = Buffer.from(onnx.encodeModelToBytes(d)).equals(bytes);
    let tooDeep = '';
    try { onnx.openModelFile(${JSON.stringify(file)}, { maxDepth: 99 }); } catch (e) { tooDeep = e.name; }
    console.log(JSON.stringify({ same, tooDeep }));`;
  const run = spawnSync(process.execPath, ['--stack-size=196', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { same: true, tooDeep: 'DecoderLimitError' });
});
