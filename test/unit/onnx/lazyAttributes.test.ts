/**
 * Lazy node attributes (decode.ts `lazyAttributes`, on by default): attributes are decoded at open
 * (so malformed bytes fail the open), dropped, and decoded again from the source when first read.
 * They must read exactly as eager ones, survive edits, undo and saves, and a clean save must not
 * decode them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraphIndex, summarizeModel } from '../../../src/core/graph/index';
import {
  type Attribute, type DataRef, type DecodedModel, type Graph, type Node, type Tensor, attributesPending, decodeModel,
  encodeModelToBytes, markDirty, MemorySource, ModelFileError, OnnxFormatError, openModelFile,
} from '../../../src/core/onnx/index';
import { Journal } from '../../../src/core/editing/journal';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { checkedInModels, sharedModels } from './corpus';
import { concat, lenField, modelWith, strField, tag, varintField } from './hostile/wire';

function ref(d: DataRef | undefined): unknown {
  if (!d) return undefined;
  return d.kind === 'source' ? { byteLength: d.byteLength, packed: d.packed, spans: d.fieldSpans } : { bytes: Array.from(d.bytes) };
}

function tensor(t: Tensor | undefined): unknown {
  if (!t) return undefined;
  return {
    span: t.$span, packed: t.$packed, dims: t.dims.map(String), dataType: t.dataType, name: t.name, docString: t.docString,
    segment: t.segment && [t.segment.begin, t.segment.end].map(String), rawData: ref(t.rawData), floatData: ref(t.floatData),
    int32Data: ref(t.int32Data), stringData: ref(t.stringData), int64Data: ref(t.int64Data), doubleData: ref(t.doubleData),
    uint64Data: ref(t.uint64Data), externalData: t.externalData.map((e) => [e.key, e.value]), dataLocation: t.dataLocation,
    metadataProps: t.metadataProps.map((e) => [e.key, e.value]),
  };
}

/** Every field of an attribute, through the interface (own and prototype fields alike). */
function attribute(a: Attribute): unknown {
  return {
    span: a.$span, packed: a.$packed, name: a.name, refAttrName: a.refAttrName, docString: a.docString, type: a.type,
    f: a.f, i: a.i === undefined ? undefined : String(a.i), s: a.s && Array.from(a.s), t: tensor(a.t), g: a.g?.$span,
    sparseTensor: a.sparseTensor?.$span, tp: a.tp?.$span, floats: a.floats, ints: a.ints.map(String),
    strings: a.strings.map((s) => Array.from(s)), tensors: a.tensors.map(tensor), graphs: a.graphs.map((g) => g.$span),
    sparseTensors: a.sparseTensors.map((s) => s.$span), typeProtos: a.typeProtos.map((x) => x.$span),
  };
}

function nodesOf(g: Graph | undefined, out: Node[] = []): Node[] {
  for (const n of g?.node ?? []) {
    out.push(n);
    for (const a of n.attribute) {
      if (a.g) nodesOf(a.g, out);
      for (const sg of a.graphs) nodesOf(sg, out);
    }
  }
  return out;
}

function allNodes(d: DecodedModel): Node[] {
  const out = nodesOf(d.model.graph);
  for (const f of d.model.functions) for (const n of f.node) out.push(n);
  return out;
}

const builderModels = (): { name: string; bytes: Uint8Array }[] => [
  { name: 'tiny good', bytes: yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes() },
  { name: 'tiny naive', bytes: yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'naive' }).toBytes() },
  { name: 'tiny good, scales as initializers', bytes: yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good', scalesAs: 'initializer' }).toBytes() },
  { name: 'tiny fp32', bytes: yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'none' }).toBytes() },
];

function assertSameAttributes(lazy: DecodedModel, eager: DecodedModel, name: string): void {
  let pending = 0;
  for (const n of lazy.model.graph?.node ?? []) if (attributesPending(n)) pending++;
  const ln = allNodes(lazy);
  const en = allNodes(eager);
  assert.equal(ln.length, en.length, name);
  for (let i = 0; i < ln.length; i++) {
    assert.deepEqual(ln[i]!.attribute.map(attribute), en[i]!.attribute.map(attribute), `${name}: node ${i} (${en[i]!.name})`);
    assert.equal(attributesPending(ln[i]!), false);
    assert.equal(attributesPending(en[i]!), false, 'eager decode leaves nothing pending');
  }
  if (en.some((n) => n.attribute.length > 0 && !n.attribute.some((a) => a.g || a.graphs.length))) assert.ok(pending > 0, `${name}: some attributes were lazy`);
}

test('lazy attributes read exactly as eager ones: builder models, checked-in fixtures and the shared corpus', () => {
  for (const { name, bytes } of builderModels()) {
    const lazy = decodeModel(new MemorySource(bytes, name));
    const eager = decodeModel(new MemorySource(bytes, name), { lazyAttributes: false });
    assertSameAttributes(lazy, eager, name);
  }
  for (const file of [...checkedInModels(), ...sharedModels()]) {
    const lazy = openModelFile(file);
    const eager = openModelFile(file, { lazyAttributes: false });
    try {
      assertSameAttributes(lazy, eager, file);
    } finally {
      lazy.source.close?.();
      eager.source.close?.();
    }
  }
});

test('decode, index and summary leave attributes pending; a clean save copies them undecoded', () => {
  const bytes = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();
  const d = decodeModel(new MemorySource(bytes, 'tiny.onnx'));
  const g = d.model.graph!;
  const withAttrs = g.node.filter((n) => attributesPending(n));
  assert.ok(withAttrs.length > 10);
  buildGraphIndex(g);
  summarizeModel(d);
  assert.deepEqual(encodeModelToBytes(d), bytes);
  assert.ok(withAttrs.every((n) => attributesPending(n)), 'nothing decoded them');
});

test('edits round-trip: a dirty node with pending attributes, an attribute edited after a lazy read, undo', () => {
  const bytes = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();
  const d = decodeModel(new MemorySource(bytes, 'tiny.onnx'));
  const g = d.model.graph!;
  const convs = g.node.filter((n) => n.opType === 'Conv');
  const [renamed, edited, undone] = [convs[0]!, convs[1]!, convs[2]!];
  assert.ok([renamed, edited, undone].every((n) => attributesPending(n)));

  // Renamed: dirty, attributes never read here; the encoder decodes them to re-encode the node.
  renamed.name = 'renamed';
  markDirty(renamed);

  // Edited after a lazy read: a new attribute list, through the journal.
  const before = edited.attribute;
  const group = before.find((a) => a.name === 'group')!;
  new Journal().set(edited, 'attribute', [...before.filter((a) => a !== group), { ...copyAttr(group), i: 1, name: 'group' }]);

  // Set then undone: the very same attribute array is back, and the node is clean again.
  const j = new Journal();
  j.set(undone, 'attribute', []);
  assert.equal(undone.attribute.length, 0);
  j.undo();
  assert.ok(undone.attribute.length > 0, 'undo restored the attributes');
  assert.equal(undone.$dirty, undefined);

  const saved = encodeModelToBytes(d);
  const again = decodeModel(new MemorySource(saved, 'saved.onnx'), { lazyAttributes: false });
  const eager = decodeModel(new MemorySource(bytes, 'tiny.onnx'), { lazyAttributes: false });
  const g2 = again.model.graph!;
  const ge = eager.model.graph!;
  const at = (n: Node): number => g.node.indexOf(n);
  assert.equal(g2.node[at(renamed)]!.name, 'renamed');
  const values = (n: Node) => n.attribute.map((a) => [a.name, a.type, String(a.i), a.ints.map(String), a.f, a.t?.dataType]);
  assert.deepEqual(values(g2.node[at(renamed)]!), values(ge.node[at(renamed)]!), 'renamed node keeps its attributes');
  assert.deepEqual(values(g2.node[at(undone)]!), values(ge.node[at(undone)]!), 'undone node keeps its attributes');
  const editedGroup = g2.node[at(edited)]!.attribute.find((a) => a.name === 'group');
  assert.equal(Number(editedGroup?.i), 1);
  assert.equal(g2.node[at(edited)]!.attribute.length, before.length);
});

function copyAttr(a: Attribute): Attribute {
  return {
    name: a.name, refAttrName: a.refAttrName, docString: a.docString, type: a.type, floats: a.floats, ints: a.ints, strings: a.strings,
    tensors: a.tensors, graphs: a.graphs, sparseTensors: a.sparseTensors, typeProtos: a.typeProtos,
  };
}

test('a corrupted attribute fails at open with an OnnxFormatError naming the field path, lazily or not', () => {
  // graph (7) > node (1) > attribute (5) > ...: a Constant's value tensor (t, 5) whose dims (1) is a
  // fixed32, and an attribute whose f (2) is a varint.
  const node = (attribute: Uint8Array) => modelWith(lenField(7, lenField(1, concat([strField(4, 'Constant'), strField(2, 'y'), lenField(5, attribute)]))));
  const cases: [Uint8Array, Uint8Array, RegExp][] = [
    [
      concat([strField(1, 'value'), lenField(5, concat([tag(1, 5), [1, 0, 0, 0]]))]),
      concat([strField(1, 'value'), lenField(5, varintField(1, 1))]),
      /node\[0\]\.attribute\[0\]\.t\.dims$/,
    ],
    [concat([strField(1, 'alpha'), varintField(2, 1)]), concat([strField(1, 'alpha'), tag(2, 5), [0, 0, 0, 63]]), /node\[0\]\.attribute\[0\]\.f$/],
  ];
  for (const [bad, good, path] of cases) {
    for (const lazyAttributes of [true, false]) {
      assert.throws(
        () => decodeModel(new MemorySource(node(bad), 'bad.onnx'), { lazyAttributes }),
        (e: unknown) => e instanceof OnnxFormatError && /wire type/.test(e.problem) && path.test(e.fieldPath),
      );
      const d = decodeModel(new MemorySource(node(good), 'good.onnx'), { lazyAttributes });
      assert.equal(attributesPending(d.model.graph!.node[0]!), lazyAttributes);
      assert.equal(d.model.graph!.node[0]!.attribute.length, 1);
    }
  }
});

test('nodes with graph attributes keep them decoded; a read after the source is closed is a ModelFileError', () => {
  // The source an open file model reads from, closed: the lazy read names the file.
  const file = openModelFile(checkedInModels()[0]!);
  const node = file.model.graph!.node.find((n) => attributesPending(n))!;
  file.source.close?.();
  assert.throws(() => node.attribute, (e: unknown) => e instanceof ModelFileError && e.file === file.file);

  // An If node (graph attributes) is decoded at open; a node beside it stays pending.
  const branch = (name: string) => lenField(5, concat([strField(1, name), varintField(20, 5), lenField(6, concat([strField(2, name), lenField(1, concat([strField(4, 'Relu'), strField(1, 'x'), strField(2, `${name}_y`)]))]))]));
  const ifNode = lenField(1, concat([strField(4, 'If'), strField(1, 'c'), strField(2, 'y'), branch('then_branch'), branch('else_branch')]));
  const relu = lenField(1, concat([strField(4, 'LeakyRelu'), strField(1, 'y'), strField(2, 'z'), lenField(5, concat([strField(1, 'alpha'), tag(2, 5), [0, 0, 0, 63]]))]));
  const m = decodeModel(new MemorySource(modelWith(lenField(7, concat([ifNode, relu]))), 'if.onnx'));
  const [ifN, reluN] = m.model.graph!.node;
  assert.equal(attributesPending(ifN!), false);
  assert.equal(ifN!.attribute.length, 2);
  assert.equal(ifN!.attribute[0]!.g!.node[0]!.opType, 'Relu');
  assert.equal(attributesPending(reluN!), true);
  assert.equal(reluN!.attribute[0]!.f, 0.5);
});
