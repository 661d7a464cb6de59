/**
 * Serialises GraphParts with onnx-proto (independent of the project's own
 * codec). Small messages go through onnx-proto's encoders; tensor payloads are
 * framed by hand so their bytes stay as views: the output is a list of chunks
 * that can be concatenated (toBytes) or streamed to a file without ever
 * holding the whole model in one buffer. Field order is canonical (ascending
 * field numbers), as onnx's own serialiser writes it.
 *
 * External data follows onnx's `save_as_external_data`: tensors of at least
 * `threshold` bytes move to one side file, with `external_data` entries
 * `location`, `offset`, `length` and `data_location = EXTERNAL`. Constant-node
 * tensors stay inline (onnx's default `convert_attribute=False`).
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { dataTypeCode } from './dataTypes';
import type { GraphParts, InitializerRecord, TensorRef } from './graph';
import type { Payload } from './weights';
import { payloadBytes } from './weights';

export interface ExternalDataOptions {
  /** File name written into `location` (relative to the model). */
  location: string;
  /** Tensors with at least this many bytes go external (onnx default 1024). */
  threshold?: number;
  /**
   * Offset alignment like onnx >= 1.17: tensors larger than `alignThreshold`
   * start at a multiple of `granularity`. Omit for plain sequential offsets.
   */
  align?: { granularity: number; alignThreshold?: number };
}

export interface ExternalEntry {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

export interface EncodedModel {
  readonly model: Payload;
  /** Side-file contents when external data was requested. */
  readonly data?: Payload;
  readonly location?: string;
  readonly external: readonly ExternalEntry[];
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Tag + length prefix of a length-delimited field. */
function lenPrefix(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varintBytes((field << 3) | 2), ...varintBytes(length)]);
}

class ChunkList {
  readonly chunks: Uint8Array[] = [];
  byteLength = 0;
  push(c: Uint8Array): void {
    if (c.byteLength === 0) return;
    this.chunks.push(c);
    this.byteLength += c.byteLength;
  }
  pushAll(p: Payload): void {
    for (const c of p.chunks) this.push(c);
  }
  payload(): Payload {
    return { byteLength: this.byteLength, chunks: this.chunks };
  }
}

function valueInfo(t: TensorRef): onnx.IValueInfoProto {
  return {
    name: t.name,
    type: { tensorType: { elemType: dataTypeCode(t.dtype), shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } },
  };
}

function encodeTensor(init: InitializerRecord, ext: ExternalEntry | undefined, location: string | undefined): Payload {
  const out = new ChunkList();
  out.push(onnx.TensorProto.encode({ dims: [...init.dims], dataType: dataTypeCode(init.dtype), name: init.name }).finish());
  if (ext) {
    out.push(
      onnx.TensorProto.encode({
        externalData: [
          { key: 'location', value: location ?? '' },
          { key: 'offset', value: String(ext.offset) },
          { key: 'length', value: String(ext.length) },
        ],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      }).finish(),
    );
  } else if (init.payload.byteLength > 0) {
    out.push(lenPrefix(9, init.payload.byteLength)); // raw_data = 9
    out.pushAll(init.payload);
  }
  return out.payload();
}

/** Plan side-file offsets; returns entries and the data file chunks. */
function planExternal(inits: readonly InitializerRecord[], o: ExternalDataOptions): { entries: Map<string, ExternalEntry>; data: Payload } {
  const threshold = o.threshold ?? 1024;
  const entries = new Map<string, ExternalEntry>();
  const data = new ChunkList();
  for (const init of inits) {
    const length = init.payload.byteLength;
    if (length < threshold) continue;
    let offset = data.byteLength;
    if (o.align && length > (o.align.alignThreshold ?? 0)) {
      const g = o.align.granularity;
      const aligned = Math.ceil(offset / g) * g;
      if (aligned > offset) data.push(new Uint8Array(aligned - offset));
      offset = aligned;
    }
    data.pushAll(init.payload);
    entries.set(init.name, { name: init.name, offset, length });
  }
  return { entries, data: data.payload() };
}

export function encodeModel(parts: GraphParts, external?: ExternalDataOptions): EncodedModel {
  const plan = external ? planExternal(parts.initializers, external) : undefined;

  const graph = new ChunkList();
  graph.push(
    onnx.GraphProto.encode({
      node: parts.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        opType: n.opType,
        domain: n.domain || undefined,
        attribute: n.attributes as onnx.IAttributeProto[],
      })),
      name: parts.graphName,
    }).finish(),
  );
  for (const init of parts.initializers) {
    const t = encodeTensor(init, plan?.entries.get(init.name), external?.location);
    graph.push(lenPrefix(5, t.byteLength)); // initializer = 5
    graph.pushAll(t);
  }
  graph.push(
    onnx.GraphProto.encode({
      docString: parts.docString || undefined,
      input: parts.inputs.map(valueInfo),
      output: parts.outputs.map(valueInfo),
      valueInfo: parts.valueInfo.map(valueInfo),
    }).finish(),
  );

  const model = new ChunkList();
  model.push(
    onnx.ModelProto.encode({
      irVersion: parts.irVersion,
      producerName: parts.producerName,
      producerVersion: parts.producerVersion || undefined,
    }).finish(),
  );
  model.push(lenPrefix(7, graph.byteLength)); // graph = 7
  model.pushAll(graph.payload());
  model.push(
    onnx.ModelProto.encode({
      opsetImport: parts.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
      metadataProps: parts.metadata.map((m) => ({ key: m.key, value: m.value })),
    }).finish(),
  );

  const result: EncodedModel = { model: model.payload(), external: plan ? [...plan.entries.values()] : [] };
  if (plan && external) return { ...result, data: plan.data, location: external.location };
  return result;
}

/** Stream a payload to a file, chunk by chunk. */
export function writePayload(path: string, p: Payload): void {
  const fd = fs.openSync(path, 'w');
  try {
    for (const c of p.chunks) {
      let off = 0;
      while (off < c.byteLength) off += fs.writeSync(fd, c, off, c.byteLength - off);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export { payloadBytes };
