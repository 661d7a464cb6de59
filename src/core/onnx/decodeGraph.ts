/**
 * GraphProto, NodeProto, AttributeProto (whose subgraphs recurse into GraphProto) and
 * TensorAnnotation. A singular message field that occurs again (a graph, an attribute's t, g, tp or
 * sparse_tensor) is merged into the message of its first occurrence, as protobuf reads it (see
 * addOccurrence in decodedMessages.ts).
 */
import { DAttribute, DGraph, DNode, DTensorAnnotation } from './decodedMessages';
import type { Attribute, Graph, Int64, Node, SparseTensor, StringStringEntry, Tensor, TensorAnnotation, TypeProto, ValueInfo } from './model';
import { appended, ATTRIBUTE_WEIGHT, BYTES_WEIGHT, type Collector, type Ctx, NODE_WEIGHT } from './decodeContext';
import { expectWire, i32, i64, repeatedFloat, repeatedInt64, str, strFrom, stringEntry } from './decodeFields';
import { decodeTensor, sparseTensor, typeProto, valueInfo } from './decodeTensors';
import { WireType } from './wire/reader';
import { AttributeTable, LIST_SEED, mix, plainAttribute, SHARED_ATTRIBUTE_BYTES } from './attributeTable';

/**
 * The collectors of a message's repeated fields that usually stay empty are taken from the context
 * when their field first occurs (`?? c.list()`), not for every message: an attribute holds one value
 * field of its nine, and a file can hold millions of attributes. Collectors are a stack; one taken in
 * the middle of a message sits above those the nested messages before it took and gave back.
 */
export function attribute(c: Ctx, end: number): Attribute {
  const r = c.r;
  const m: Attribute = new DAttribute(r.pos, end);
  const depth = c.depth;
  let floats: Collector<number> | undefined;
  let ints: Collector<Int64> | undefined;
  let strings: Collector<Uint8Array> | undefined;
  let tensors: Collector<Tensor> | undefined;
  let graphs: Collector<Graph> | undefined;
  let sparseTensors: Collector<SparseTensor> | undefined;
  let typeProtos: Collector<TypeProto> | undefined;
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 2: c.field = 'f'; expectWire(r, key, WireType.I32, 'f'); m.f = r.float32(end); break;
      case 3: m.i = i64(c, key, end, 'i'); break;
      case 4: c.field = 's'; expectWire(r, key, WireType.LEN, 's'); m.s = r.bytes(end); break;
      case 5: m.t = decodeTensor(c, c.sub(key, end, 't'), m.t); break;
      case 6: m.g = graph(c, c.sub(key, end, 'g'), m.g); break;
      case 7:
        repeatedFloat(c, key, end, 'floats', (floats ??= c.list<number>()), m);
        break;
      case 8:
        repeatedInt64(c, key, end, 'ints', (ints ??= c.list<Int64>()), m);
        break;
      case 9: {
        c.field = 'strings';
        expectWire(r, key, WireType.LEN, 'strings');
        const b = r.bytes(end);
        c.charge(b.length ? BYTES_WEIGHT : 1);
        (strings ??= c.list<Uint8Array>()).add(b);
        break;
      }
      case 10:
        (tensors ??= c.list<Tensor>()).add(decodeTensor(c, c.sub(key, end, 'tensors', tensors.n)));
        break;
      case 11:
        (graphs ??= c.list<Graph>()).add(graph(c, c.sub(key, end, 'graphs', graphs.n)));
        break;
      case 13: m.docString = str(c, key, end, 'doc_string'); break;
      case 14: m.tp = typeProto(c, c.sub(key, end, 'tp'), m.tp); break;
      case 15:
        (typeProtos ??= c.list<TypeProto>()).add(typeProto(c, c.sub(key, end, 'type_protos')));
        break;
      case 20: m.type = i32(c, key, end, 'type'); break;
      case 21: m.refAttrName = str(c, key, end, 'ref_attr_name'); break;
      case 22: m.sparseTensor = sparseTensor(c, c.sub(key, end, 'sparse_tensor'), m.sparseTensor); break;
      case 23:
        (sparseTensors ??= c.list<SparseTensor>()).add(sparseTensor(c, c.sub(key, end, 'sparse_tensors')));
        break;
      default: c.unknownField(r, 'AttributeProto', key, end);
    }
  }
  if (c.depth > depth) {
    if (floats?.n) m.floats = floats.take();
    if (ints?.n) m.ints = c.takeInts(ints);
    if (strings?.n) m.strings = strings.take();
    if (tensors?.n) m.tensors = tensors.take();
    if (graphs?.n) m.graphs = graphs.take();
    if (sparseTensors?.n) m.sparseTensors = sparseTensors.take();
    if (typeProtos?.n) m.typeProtos = typeProtos.take();
    c.releaseTo(depth);
  }
  c.leave();
  return m;
}

/**
 * A node's attribute (content [r.pos, end)): the decode's shared attribute with the same bytes when
 * there is one, else decoded, and made a shared one when it may be (attributeTable.ts). Sets
 * `c.sharedAttributes.last` to the shared attribute's id, or -1.
 */
function nodeAttribute(c: Ctx, end: number): Attribute {
  const r = c.r;
  const start = r.pos;
  const table = (c.sharedAttributes ??= new AttributeTable());
  if (end - start > SHARED_ATTRIBUTE_BYTES) {
    const m = attribute(c, end);
    table.last = -1; // after the decode: the nodes of a nested graph set it too
    return m;
  }
  const id = table.find(r, end);
  if (id >= 0) {
    // The same bytes decode to the same value: not read again, but charged again.
    const m = table.take(c, id);
    r.pos = end;
    c.leave();
    return m;
  }
  const unknown = c.unknown.count;
  const weight = c.charged;
  const m = attribute(c, end);
  if (plainAttribute(m) && c.unknown.count === unknown) table.add(r, m, c.charged - weight);
  else table.last = -1;
  return m;
}

export function node(c: Ctx, end: number): Node {
  const r = c.r;
  const m: Node = new DNode(r.pos, end);
  const depth = c.depth;
  let input: Collector<string> | undefined;
  let output: Collector<string> | undefined;
  let attributes: Collector<Attribute> | undefined;
  let metadataProps: Collector<StringStringEntry> | undefined;
  // The hash of the attributes' shared ids (attributeTable.ts), while every attribute is a shared one.
  let shared = true;
  let listHash = LIST_SEED;
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: (input ??= c.list<string>()).add(str(c, key, end, 'input')); break;
      case 2: (output ??= c.list<string>()).add(str(c, key, end, 'output')); break;
      // A node's name is mostly the start of its first output's (torch.onnx): then a slice of it.
      case 3: m.name = output ? strFrom(c, key, end, 'name', output.items[0]!) : str(c, key, end, 'name'); break;
      case 4: m.opType = str(c, key, end, 'op_type'); break;
      case 5: {
        (attributes ??= c.list<Attribute>()).add(nodeAttribute(c, c.sub(key, end, 'attribute', attributes.n, ATTRIBUTE_WEIGHT)));
        const id = c.sharedAttributes!.last;
        if (id < 0) shared = false;
        else listHash = mix(listHash, id);
        break;
      }
      case 6: m.docString = str(c, key, end, 'doc_string'); break;
      case 7: m.domain = str(c, key, end, 'domain'); break;
      case 8: m.overload = str(c, key, end, 'overload'); break;
      case 9:
        (metadataProps ??= c.list<StringStringEntry>()).add(stringEntry(c, c.sub(key, end, 'metadata_props')));
        break;
      default: c.unknownField(r, 'NodeProto', key, end);
    }
  }
  if (c.depth > depth) {
    if (input) m.input = input.take();
    if (output) m.output = output.take();
    if (attributes) m.attribute = shared ? c.sharedAttributes!.list(c, attributes, listHash) : attributes.take();
    if (metadataProps?.n) m.metadataProps = metadataProps.take();
    c.releaseTo(depth);
  }
  c.leave();
  return m;
}

function tensorAnnotation(c: Ctx, end: number): TensorAnnotation {
  const r = c.r;
  const m = new DTensorAnnotation(r.pos, end);
  const names = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.tensorName = str(c, key, end, 'tensor_name'); break;
      case 2: names.add(stringEntry(c, c.sub(key, end, 'quant_parameter_tensor_names'))); break;
      default: c.unknownField(r, 'TensorAnnotation', key, end);
    }
  }
  m.quantParameterTensorNames = names.take();
  c.release(1);
  c.leave();
  return m;
}

export function graph(c: Ctx, end: number, into?: Graph): Graph {
  const r = c.r;
  const m: Graph = into ? c.merging(into, 'GraphProto', end) : new DGraph(r.pos, end);
  const nodes = c.list<Node>();
  const initializer = c.list<Tensor>();
  const sparseInitializer = c.list<SparseTensor>();
  const input = c.list<ValueInfo>();
  const output = c.list<ValueInfo>();
  const valueInfos = c.list<ValueInfo>();
  const annotations = c.list<TensorAnnotation>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: nodes.add(node(c, c.sub(key, end, 'node', nodes.n, NODE_WEIGHT))); break;
      case 2: m.name = str(c, key, end, 'name'); break;
      case 5: initializer.add(decodeTensor(c, c.sub(key, end, 'initializer', initializer.n))); break;
      case 10: m.docString = str(c, key, end, 'doc_string'); break;
      case 11: input.add(valueInfo(c, c.sub(key, end, 'input', input.n))); break;
      case 12: output.add(valueInfo(c, c.sub(key, end, 'output', output.n))); break;
      case 13: valueInfos.add(valueInfo(c, c.sub(key, end, 'value_info', valueInfos.n))); break;
      case 14: annotations.add(tensorAnnotation(c, c.sub(key, end, 'quantization_annotation'))); break;
      case 15: sparseInitializer.add(sparseTensor(c, c.sub(key, end, 'sparse_initializer', sparseInitializer.n))); break;
      case 16: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'GraphProto', key, end);
    }
  }
  m.node = appended(m.node, nodes.take());
  m.initializer = appended(m.initializer, initializer.take());
  m.sparseInitializer = appended(m.sparseInitializer, sparseInitializer.take());
  m.input = appended(m.input, input.take());
  m.output = appended(m.output, output.take());
  m.valueInfo = appended(m.valueInfo, valueInfos.take());
  m.quantizationAnnotation = appended(m.quantizationAnnotation, annotations.take());
  m.metadataProps = appended(m.metadataProps, metadataProps.take());
  c.release(8);
  c.leave();
  return m;
}
