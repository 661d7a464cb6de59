/**
 * bytes -> ModelProto. Hand-written field decoders over the wire reader (the ONNX schema lives in
 * these switch statements; see docs/ARCHITECTURE.md, "Codec"). This module:
 * ModelProto, FunctionProto, TrainingInfoProto and the entry, decodeModel; the other messages are in
 * decodeGraph.ts (graph, node, attribute) and decodeTensors.ts (tensors, types), the fields in
 * decodeFields.ts, the state and limits in decodeContext.ts.
 *
 * - Every message records the span of its content, so an unedited message is re-written verbatim.
 * - Unknown fields are skipped (and counted); they stay in the span and survive saves.
 * - Payload fields (raw_data, float_data, ...) are recorded as DataRefs and never read here.
 * - Every length is checked against the enclosing message before use; nothing is allocated from a
 *   length or count read from the file.
 */
import { getHeapStatistics } from 'node:v8';
import type { ByteSource } from './byteSource';
import { OnnxFormatError } from './errors';
import { notOnnx } from './fileKinds';
import { DFunctionProto, DModelProto, DTrainingInfo } from './decodedMessages';
import type { Attribute, FunctionProto, ModelProto, Node, OperatorSetId, StringStringEntry, TrainingInfo, UnknownFieldStats, ValueInfo } from './model';
import { ATTRIBUTE_WEIGHT, Ctx, defaultObjectBudget, NODE_WEIGHT } from './decodeContext';
import { i64, operatorSetId, str, stringEntry } from './decodeFields';
import { attribute, graph, node } from './decodeGraph';
import { valueInfo } from './decodeTensors';
import { WireReader } from './wire/reader';

export interface DecodeOptions {
  /** Name used in messages (defaults to the source's name). */
  file?: string;
  /** Maximum nesting of messages (subgraphs, types). Default 100, protobuf's default recursion limit (MAX_DEPTH). */
  maxDepth?: number;
  /**
   * The object budget: the most decoded objects, weighted, that a file may hold (see Ctx.charge):
   * a node 8, an attribute 6, another message (dimension, value info, tensor, ...) 4, a non-empty
   * AttributeProto.strings entry 8; a non-empty string, a non-empty repeated field or a payload span
   * 1. Default: one per byte of the file, and at least 2^22. Every object takes at least 2 bytes on
   * the wire, but a message takes 40 to 150 bytes of heap and a few hundred nanoseconds to decode, so
   * 10 MB of empty messages would take seconds and half a gigabyte. Real models weigh at most about
   * half a unit per byte: 0.38-0.43 for 60,000 Convs with four attributes and short names (external
   * weights or none), 0.51 for a chain of 300,000 minimal Relu nodes, 0.82 for such a chain with a
   * rank-4 value info on every tensor (the densest model we could make), far less for the exports in
   * the shared corpus (decodeLimits.test.ts).
   * Over the budget, the decode stops with a ModelTooLargeError saying so: a limit of this decoder,
   * not proof of a bad file.
   */
  maxObjectWeight?: number;
  /**
   * Most JavaScript heap in use (the whole process's, as V8 reports it) while decoding; beyond it,
   * once the decode itself has added 64 MiB or more, the decode stops with a ModelTooLargeError
   * ("too large to open here") instead of running the process out of memory. Checked every 65,536
   * objects or repeated-field entries. Default: 85% of V8's heap limit. (The object budget bounds
   * memory by the file's size; this bounds it by the process, for files of hundreds of megabytes.)
   */
  maxHeapBytes?: number;
}

export interface DecodedModel {
  model: ModelProto;
  /** The bytes the model was decoded from; spans and DataRefs point into it. */
  source: ByteSource;
  /** File name for messages and for resolving external data. */
  file: string;
  unknownFields: UnknownFieldStats;
  /**
   * Singular message fields that occurred more than once in their message and were merged, as
   * protobuf reads them (count of later occurrences, by "field (message kind)"); see addOccurrence
   * in decodedMessages.ts. Absent for a model not decoded by decodeModel.
   */
  mergedFields?: UnknownFieldStats;
}

function trainingInfo(c: Ctx, end: number): TrainingInfo {
  const r = c.r;
  const m: TrainingInfo = new DTrainingInfo(r.pos, end);
  const initializationBinding = c.list<StringStringEntry>();
  const updateBinding = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.initialization = graph(c, c.sub(key, end, 'initialization'), m.initialization); break;
      case 2: m.algorithm = graph(c, c.sub(key, end, 'algorithm'), m.algorithm); break;
      case 3: initializationBinding.add(stringEntry(c, c.sub(key, end, 'initialization_binding'))); break;
      case 4: updateBinding.add(stringEntry(c, c.sub(key, end, 'update_binding'))); break;
      default: c.unknownField(r, 'TrainingInfoProto', key, end);
    }
  }
  m.initializationBinding = initializationBinding.take();
  m.updateBinding = updateBinding.take();
  c.release(2);
  c.leave();
  return m;
}

function functionProto(c: Ctx, end: number): FunctionProto {
  const r = c.r;
  const m: FunctionProto = new DFunctionProto(r.pos, end);
  const input = c.list<string>();
  const output = c.list<string>();
  const attributeNames = c.list<string>();
  const attributeProto = c.list<Attribute>();
  const nodes = c.list<Node>();
  const opsetImport = c.list<OperatorSetId>();
  const valueInfos = c.list<ValueInfo>();
  const metadataProps = c.list<StringStringEntry>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.name = str(c, key, end, 'name'); break;
      case 4: input.add(str(c, key, end, 'input')); break;
      case 5: output.add(str(c, key, end, 'output')); break;
      case 6: attributeNames.add(str(c, key, end, 'attribute')); break;
      case 7: nodes.add(node(c, c.sub(key, end, 'node', nodes.n, NODE_WEIGHT))); break;
      case 8: m.docString = str(c, key, end, 'doc_string'); break;
      case 9: opsetImport.add(operatorSetId(c, c.sub(key, end, 'opset_import'))); break;
      case 10: m.domain = str(c, key, end, 'domain'); break;
      case 11: attributeProto.add(attribute(c, c.sub(key, end, 'attribute_proto', attributeProto.n, ATTRIBUTE_WEIGHT))); break;
      case 12: valueInfos.add(valueInfo(c, c.sub(key, end, 'value_info', valueInfos.n))); break;
      case 13: m.overload = str(c, key, end, 'overload'); break;
      case 14: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      default: c.unknownField(r, 'FunctionProto', key, end);
    }
  }
  m.input = input.take();
  m.output = output.take();
  m.attribute = attributeNames.take();
  m.attributeProto = attributeProto.take();
  m.node = nodes.take();
  m.opsetImport = opsetImport.take();
  m.valueInfo = valueInfos.take();
  m.metadataProps = metadataProps.take();
  c.release(8);
  c.leave();
  return m;
}

function modelProto(c: Ctx, end: number): { model: ModelProto; sawIrVersion: boolean } {
  const r = c.r;
  let sawIrVersion = false;
  const m: ModelProto = new DModelProto(r.pos, end);
  const opsetImport = c.list<OperatorSetId>();
  const metadataProps = c.list<StringStringEntry>();
  const trainingInfos = c.list<TrainingInfo>();
  const functions = c.list<FunctionProto>();
  while (r.pos < end) {
    const key = r.tag(end);
    switch (key >>> 3) {
      case 1: m.irVersion = i64(c, key, end, 'ir_version'); sawIrVersion = c.sawIrVersion = true; break;
      case 2: m.producerName = str(c, key, end, 'producer_name'); break;
      case 3: m.producerVersion = str(c, key, end, 'producer_version'); break;
      case 4: m.domain = str(c, key, end, 'domain'); break;
      case 5: m.modelVersion = i64(c, key, end, 'model_version'); break;
      case 6: m.docString = str(c, key, end, 'doc_string'); break;
      case 7: m.graph = graph(c, c.sub(key, end, 'graph'), m.graph); break;
      case 8: opsetImport.add(operatorSetId(c, c.sub(key, end, 'opset_import', opsetImport.n))); break;
      case 14: metadataProps.add(stringEntry(c, c.sub(key, end, 'metadata_props'))); break;
      case 20: trainingInfos.add(trainingInfo(c, c.sub(key, end, 'training_info', trainingInfos.n))); break;
      case 25: functions.add(functionProto(c, c.sub(key, end, 'functions', functions.n))); break;
      default: c.unknownField(r, 'ModelProto', key, end);
    }
  }
  m.opsetImport = opsetImport.take();
  m.metadataProps = metadataProps.take();
  m.trainingInfo = trainingInfos.take();
  m.functions = functions.take();
  c.release(4);
  return { model: m, sawIrVersion };
}

/**
 * Decode a whole ONNX model. Throws OnnxFormatError (file, offset, field path, problem) for bytes
 * that are not a well-formed ModelProto. Graph-level problems (cycles, dangling names) are not
 * errors here: the graph index lists them.
 */
export function decodeModel(source: ByteSource, options: DecodeOptions = {}): DecodedModel {
  const checked = source as Partial<CheckedAround>;
  return checked.checkedAround ? checked.checkedAround(() => decodeChecked(source, options)) : decodeChecked(source, options);
}

/**
 * A source that checks whether its bytes changed once around a whole decode rather than on every
 * read (FileSource: see FileSource.checkedAround).
 */
export interface CheckedAround {
  checkedAround<T>(run: () => T): T;
}

function decodeChecked(source: ByteSource, options: DecodeOptions): DecodedModel {
  const file = options.file ?? source.name;
  if (source.size === 0) throw new OnnxFormatError(file, 0, '', 'the file is empty');
  const other = notOnnx(source.read(0, Math.min(source.size, 512)));
  if (other) throw new OnnxFormatError(file, 0, '', other);
  const r = new WireReader(source, file, options.maxDepth);
  r.wholeFile = true;
  const c = new Ctx(r, options.maxObjectWeight ?? defaultObjectBudget(source.size), options.maxHeapBytes ?? 0.85 * getHeapStatistics().heap_size_limit);
  let result: { model: ModelProto; sawIrVersion: boolean };
  try {
    result = modelProto(c, source.size);
  } catch (e) {
    c.drop();
    if (e instanceof OnnxFormatError) {
      if (c.sawIrVersion || e.problem.includes('ONNX')) throw e;
      // Exporters write ir_version first: failing before it means this is not an ONNX file.
      throw new OnnxFormatError(e.file, e.offset, e.fieldPath, `probably not an ONNX file at all (${e.problem})`);
    }
    if (e instanceof RangeError) throw r.error(`decoder limit reached (${e.message})`, '');
    throw e;
  }
  if (!result.sawIrVersion) {
    throw new OnnxFormatError(file, 0, 'ModelProto', 'no ir_version field: this does not look like an ONNX model');
  }
  if (!result.model.graph && result.model.functions.length === 0) {
    throw new OnnxFormatError(file, 0, 'ModelProto', 'the model has neither a graph nor functions');
  }
  return { model: result.model, source, file, unknownFields: c.unknown, mergedFields: c.merged };
}
