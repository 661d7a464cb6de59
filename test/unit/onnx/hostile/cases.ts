/**
 * Hand-built hostile inputs for the targeted cases: deep nesting, huge repeated fields, floods of
 * tiny messages, and random-message generators for the property tests.
 */
import fc from 'fast-check';
import { concat, lenField, modelWith, strField, tag, varint, varintField } from './wire';

/** `n` copies of `unit`, back to back, in one buffer. */
export function repeat(unit: Uint8Array | readonly number[], n: number): Uint8Array {
  const out = new Uint8Array(unit.length * n);
  for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
  return out;
}

/** A length-delimited field built from a bulk payload without extra copies of the payload. */
function bigLen(field: number, payload: Uint8Array): Uint8Array {
  return concat([tag(field, 2), varint(payload.length), payload]);
}

/** A model whose only graph initializer carries `tensorFields` (name `w` first). */
export function modelWithTensor(tensorFields: Uint8Array): Uint8Array {
  return modelWith(bigLen(7, bigLen(5, concat([strField(8, 'w'), tensorFields]))));
}

/** A model whose graph has one node with the given extra fields (op_type `Op`). */
export function modelWithNode(nodeFields: Uint8Array): Uint8Array {
  return modelWith(bigLen(7, bigLen(1, concat([strField(4, 'Op'), nodeFields]))));
}

/** About `bytes` of unpacked TensorProto.dims entries (2 bytes each: tag 0x08, value 1). */
export function unpackedDims(bytes: number): Uint8Array {
  return modelWithTensor(repeat([0x08, 0x01], Math.floor(bytes / 2)));
}

/** About `bytes` of one packed TensorProto.dims field of one-byte varints. */
export function packedDims(bytes: number): Uint8Array {
  return modelWithTensor(bigLen(1, new Uint8Array(bytes).fill(1)));
}

/** About `bytes` of unpacked float_data (5 bytes per entry). */
export function unpackedFloats(bytes: number): Uint8Array {
  return modelWithTensor(concat([varintField(2, 1), repeat([0x25, 0, 0, 0x80, 0x3f], Math.floor(bytes / 5))]));
}

/** About `bytes` of a packed AttributeProto.ints field of one-byte varints. */
export function packedAttributeInts(bytes: number): Uint8Array {
  return modelWithNode(bigLen(5, concat([strField(1, 'a'), varintField(20, 7), bigLen(8, new Uint8Array(bytes).fill(3))])));
}

/** About `bytes` of two-character NodeProto.input strings (4 bytes each). */
export function manyInputs(bytes: number): Uint8Array {
  return modelWithNode(repeat([0x0a, 0x02, 0x61, 0x62], Math.floor(bytes / 4)));
}

/** About `bytes` of empty NodeProto messages (2 bytes each). */
export function emptyNodes(bytes: number): Uint8Array {
  return modelWith(bigLen(7, repeat([0x0a, 0x00], Math.floor(bytes / 2))));
}

/** About `bytes` of AttributeProto.strings entries in one STRINGS attribute, each `entry` (its tag, length and bytes). */
export function attributeStrings(bytes: number, entry: readonly number[]): Uint8Array {
  return modelWithNode(bigLen(5, concat([strField(1, 'a'), varintField(20, 8), repeat(entry, Math.floor(bytes / entry.length))])));
}

/**
 * About `bytes` of empty TensorProto.string_data entries, each followed by a dims entry: every
 * string_data entry is a separate span of the payload (4 bytes each).
 */
export function interleavedStringData(bytes: number): Uint8Array {
  return modelWithTensor(concat([varintField(2, 8), repeat([0x32, 0x00, 0x08, 0x01], Math.floor(bytes / 4))]));
}

/**
 * About `bytes` of empty TensorProto.string_data entries, each followed by a data_type entry (which
 * protobuf allows to repeat: the last one counts): as interleavedStringData, with no dims, which
 * MAX_RANK stops early.
 */
export function stringDataBetweenDataTypes(bytes: number): Uint8Array {
  return modelWithTensor(repeat([0x32, 0x00, 0x10, 0x08], Math.floor(bytes / 4)));
}

/**
 * About `bytes` of graph.value_info entries, each `x` of rank 4 (dim_value 1): shapes as real models
 * declare them, by the hundred thousand (29 bytes each).
 */
export function rankFourValueInfos(bytes: number): Uint8Array {
  const shape = lenField(2, repeat([0x0a, 0x02, 0x08, 0x01], 4));
  const entry = lenField(13, concat([strField(1, 'x'), lenField(2, lenField(1, concat([varintField(1, 1), shape])))]));
  return modelWith(bigLen(7, repeat(entry, Math.floor(bytes / entry.length))));
}

/** About `bytes` of empty AttributeProto messages in one node (2 bytes each). */
export function emptyAttributes(bytes: number): Uint8Array {
  return modelWithNode(repeat([0x2a, 0x00], Math.floor(bytes / 2)));
}

/** About `bytes` of empty TensorShapeProto.Dimension messages in one graph input. */
export function emptyDims(bytes: number): Uint8Array {
  return dims(bytes, [0x0a, 0x00]);
}

/** About `bytes` of TensorShapeProto.Dimension entries `entry` (tag, length and content) in one graph input. */
function dims(bytes: number, entry: readonly number[]): Uint8Array {
  const shape = bigLen(2, repeat(entry, Math.floor(bytes / entry.length)));
  return modelWith(bigLen(7, bigLen(11, concat([strField(1, 'x'), bigLen(2, bigLen(1, concat([varintField(1, 1), shape])))]))));
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function randomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Nest `inner` `depth` times with `wrap`, building from the inside out in one buffer sized up
 * front (plain recursive concatenation would be quadratic for 10,000 levels).
 */
export function nest(depth: number, inner: Uint8Array, wrap: (payloadLength: number) => { before: number[]; after?: number[] }): Uint8Array {
  const layers: { before: number[]; after: number[] }[] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const w = wrap(len);
    const layer = { before: w.before, after: w.after ?? [] };
    layers.push(layer);
    len += layer.before.length + layer.after.length;
  }
  const out = new Uint8Array(len);
  let head = 0;
  let tail = len;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    out.set(l.before, head);
    head += l.before.length;
    tail -= l.after.length;
    out.set(l.after, tail);
  }
  out.set(inner, head);
  return out;
}

/** TypeProto nested `depth` times through sequence_type.elem_type (field 4 -> field 1). */
export function deepSequenceType(depth: number): Uint8Array {
  const leaf = lenField(1, varintField(1, 1)); // tensor_type { elem_type: FLOAT }
  // One level = TypeProto.sequence_type (4) { elem_type (1) { <TypeProto> } }.
  const type = nest(depth, leaf, (n) => {
    const innerHead = [...tag(1, 2), ...varint(n)];
    return { before: [...tag(4, 2), ...varint(n + innerHead.length), ...innerHead] };
  });
  return modelWith(lenField(7, lenField(11, concat([strField(1, 'x'), lenField(2, type)]))));
}

/** TypeProto nested through map_type.value_type (field 5 -> field 2). */
export function deepMapType(depth: number): Uint8Array {
  const leaf = lenField(1, varintField(1, 1));
  const type = nest(depth, leaf, (n) => {
    const inner = [...varintField(1, 7), ...tag(2, 2), ...varint(n)];
    return { before: [...tag(5, 2), ...varint(n + inner.length), ...inner] };
  });
  return modelWith(lenField(7, lenField(11, concat([strField(1, 'x'), lenField(2, type)]))));
}

/** Graphs in attributes in nodes in graphs ... `depth` times (node.attribute.g.node...). */
export function deepSubgraphs(depth: number): Uint8Array {
  const leaf = strField(2, 'leaf');
  const graph = nest(depth, leaf, (n) => {
    // node (1) { op_type: "If", attribute (5) { name: "g", g (6) { <graph> } } }
    const attrHead = [...strField(1, 'g'), ...tag(6, 2), ...varint(n)];
    const nodeHead = [...strField(4, 'If'), ...tag(5, 2), ...varint(n + attrHead.length)];
    return { before: [...tag(1, 2), ...varint(n + attrHead.length + nodeHead.length), ...nodeHead, ...attrHead] };
  });
  return modelWith(lenField(7, graph));
}

/** An unknown field holding `depth` nested proto2 groups. */
export function deepGroups(depth: number): Uint8Array {
  const open = tag(99, 3);
  const close = tag(99, 4);
  return modelWith(lenField(7, strField(2, 'g')), nest(depth, new Uint8Array(0), () => ({ before: open, after: close })));
}

// ---- fast-check generators -------------------------------------------------------------------

const fieldNumber = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 25 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 26, 99, 1000, 536870911, 536870912) },
);

const scalarEntry: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fieldNumber, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([f, v]) => concat([tag(f, 0), varint(v)])),
  fc.tuple(fieldNumber, fc.integer({ min: 0, max: 300 })).map(([f, v]) => varintField(f, v)),
  fc.tuple(fieldNumber, fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([f, b]) => concat([tag(f, 5), b])),
  fc.tuple(fieldNumber, fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([f, b]) => concat([tag(f, 1), b])),
  fc.tuple(fieldNumber, fc.string({ maxLength: 12 })).map(([f, s]) => strField(f, s)),
  fc.tuple(fieldNumber, fc.uint8Array({ maxLength: 24 })).map(([f, b]) => lenField(f, b)),
  fc.tuple(fieldNumber, fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 6 })).map(([f, wt, b]) => concat([tag(f, wt), b])),
);

/** Random protobuf messages over ONNX's field numbers, nested a few levels. */
export const randomMessage: fc.Arbitrary<Uint8Array> = fc.letrec<{ msg: Uint8Array }>((tie) => ({
  msg: fc
    .array(
      fc.oneof(
        { maxDepth: 5, depthIdentifier: 'msg' },
        scalarEntry,
        fc.tuple(fieldNumber, tie('msg')).map(([f, m]) => lenField(f, m)),
      ),
      { maxLength: 6, depthIdentifier: 'msg' },
    )
    .map((parts) => concat(parts)),
})).msg;

/** A ModelProto with ir_version and a random graph (and sometimes other random top-level fields). */
export const randomModel: fc.Arbitrary<Uint8Array> = fc
  .tuple(randomMessage, fc.option(randomMessage, { nil: undefined }), fc.boolean())
  .map(([graph, extra, graphFirst]) => {
    const g = lenField(7, graph);
    return graphFirst ? modelWith(g, extra ?? new Uint8Array(0)) : modelWith(extra ?? new Uint8Array(0), g);
  });

/** The size of the "10 MB input" the issue bounds (decimal megabytes). */
export const TEN_MB = 10 * 1000 * 1000;

/** A 10 MB worst case, shared by the hostile-input tests and the bench (`scripts/bench/hostile.ts`). */
export interface TenMbCase {
  name: string;
  make: () => Uint8Array;
  /** For graph-problem floods: the model must open, and its first problem is of this kind. */
  problem?: string;
}

/** One huge repeated field: a typed error or a model, in bounded time and memory. */
export const repeatedFieldCases: TenMbCase[] = [
  { name: '5 M unpacked dims entries', make: () => unpackedDims(TEN_MB) },
  { name: '10 M packed dims entries', make: () => packedDims(TEN_MB) },
  { name: '2 M unpacked float_data entries', make: () => unpackedFloats(TEN_MB) },
  { name: '10 M packed attribute ints', make: () => packedAttributeInts(TEN_MB) },
  { name: '2.5 M node inputs', make: () => manyInputs(TEN_MB) },
  { name: '5 M empty attribute strings', make: () => attributeStrings(TEN_MB, [0x4a, 0x00]) },
  { name: '3.3 M one-byte attribute strings', make: () => attributeStrings(TEN_MB, [0x4a, 0x01, 0x61]) },
  { name: '2.5 M string_data entries between dims entries', make: () => interleavedStringData(TEN_MB) },
  { name: '2.5 M string_data entries between data_type entries', make: () => stringDataBetweenDataTypes(TEN_MB) },
  { name: '1.6 M reads of distinct undefined names', make: () => distinctReads(1_600_000) },
];

/**
 * Millions of tiny messages: past the object budget, a ModelTooLargeError; messages just large
 * enough to hold a value (4-byte dimensions, as real shapes have) may open instead.
 */
export const messageFloodCases: TenMbCase[] = [
  { name: '5 M empty nodes', make: () => emptyNodes(TEN_MB) },
  { name: '5 M empty attributes', make: () => emptyAttributes(TEN_MB) },
  { name: '5 M empty shape dimensions', make: () => emptyDims(TEN_MB) },
  { name: '1 M nodes with one name and one output', make: () => sameNameNodes(1_000_000) },
  { name: '1.7 M nodes of 6 bytes, one input each', make: () => modelWith(bigLen(7, repeat([0x0a, 0x04, 0x0a, 0x02, 0x61, 0x62], Math.floor(TEN_MB / 6)))) },
  { name: '2.5 M attributes of 4 bytes (i = 1)', make: () => modelWithNode(repeat([0x2a, 0x02, 0x18, 0x01], Math.floor(TEN_MB / 4))) },
  { name: '2.5 M shape dimensions of 4 bytes (dim_value 1)', make: () => dims(TEN_MB, [0x0a, 0x02, 0x08, 0x01]) },
  { name: '345 k value_info entries of rank 4', make: () => rankFourValueInfos(TEN_MB) },
];

/**
 * Graph-level problems by the hundred thousand, inside the decoder's budget: the model opens, and
 * the listing is capped (MAX_LISTED_PROBLEMS).
 */
export const graphProblemCases: TenMbCase[] = [
  { name: '300 k reads of one undefined name', make: () => manyInputs(1_200_000), problem: 'dangling-input' },
  { name: '300 k reads of distinct undefined names', make: () => distinctReads(300_000), problem: 'dangling-input' },
  { name: '200 k nodes with one name and one output', make: () => sameNameNodes(200_000), problem: 'duplicate-node-name' },
];

/** One node reading `n` distinct names that nothing defines (6 bytes each). */
function distinctReads(n: number): Uint8Array {
  return modelWithNode(concat(Array.from({ length: n }, (_, i) => strField(1, (i + 0x100000).toString(36).slice(-4)))));
}

/** `n` nodes all named `n` with output `o` (8 bytes each). */
function sameNameNodes(n: number): Uint8Array {
  return modelWith(lenField(7, repeat([0x0a, 0x06, 0x12, 0x01, 0x6f, 0x1a, 0x01, 0x6e], n)));
}
