/**
 * Test helpers: build ONNX bytes with the reference `onnx-proto` codec (protobufjs, ONNX 1.10
 * schema), independent of our own codec, and splice raw protobuf fields in with protobufjs' Writer.
 */
import { onnx } from 'onnx-proto';
import * as protobuf from 'protobufjs/minimal';
import { type MessageBase, markDirty } from '../../../src/core/onnx/index';
import { SourceData } from '../../../src/core/onnx/decodedMessages';

export { onnx };

export function encodeModelProto(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Mark `m` and every message below it dirty (graphs, nodes, attributes, tensors, value infos and
 * their types and shapes, opset ids, functions, training info, string entries...), so the encoder
 * re-serialises all of them from their typed fields. Payload references are not messages and stay
 * as they are.
 */
export function markAllDirty(m: MessageBase): void {
  markDirty(m);
  for (const [key, value] of Object.entries(m)) {
    if (key.startsWith('$') || value === null || typeof value !== 'object') continue;
    let list: unknown[] = Array.isArray(value) ? value : [value];
    // A shared, frozen list (a node's attributes): replaced by a copy of its own, as an edit would.
    if (Array.isArray(value) && Object.isFrozen(value) && value.length > 0) {
      list = [...(value as unknown[])];
      (m as unknown as Record<string, unknown>)[key] = list;
    }
    for (let i = 0; i < list.length; i++) {
      let v = list[i];
      // Decoded messages keep their span as `$start`/`$end` (decodedMessages.ts); so does a payload reference, which is no message.
      if (v === null || typeof v !== 'object' || !('$start' in v) || v instanceof SourceData) continue;
      // A shared, frozen message (a dimension, an attribute): edited as an edit would, through a copy of its own.
      if (Object.isFrozen(v)) {
        v = Object.assign(Object.create(Object.getPrototypeOf(v) as object) as object, v);
        if (Array.isArray(value)) list[i] = v;
        else (m as unknown as Record<string, unknown>)[key] = v;
      }
      markAllDirty(v as MessageBase);
    }
  }
}

/**
 * A tensor stored in an external data file, as onnx writes one: `entries` are its external_data
 * key/value pairs in order (location, offset, length, ...; a key may repeat). FLOAT unless told.
 */
export function externalTensor(name: string, dims: number[], entries: readonly (readonly [string, string])[], dataType: number = onnx.TensorProto.DataType.FLOAT): onnx.ITensorProto {
  return { name, dims, dataType, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: entries.map(([key, value]) => ({ key, value })) };
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One raw field: varint value. */
export function varintField(no: number, value: number): Uint8Array {
  return protobuf.Writer.create().uint32((no << 3) | 0).uint64(value).finish();
}

/** One raw field: length-delimited payload. */
export function bytesField(no: number, payload: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32((no << 3) | 2).bytes(payload).finish();
}

/** One raw field: fixed32. */
export function fixed32Field(no: number, value: number): Uint8Array {
  return protobuf.Writer.create().uint32((no << 3) | 5).fixed32(value).finish();
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

/** A small, valid Conv + Q/DQ model built with onnx-proto (opset 13). */
export function smallQdqModel(): onnx.IModelProto {
  const weight = f32(Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i) * 0.5));
  return {
    irVersion: 7,
    producerName: 'qdq-studio-test',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: [{ key: 'stride', value: '32' }],
    graph: {
      name: 'g',
      input: [vi('images', [1, 3, 8, 8])],
      output: [vi('out', [1, 4, 8, 8])],
      initializer: [
        { name: 'w', dims: [4, 3, 3, 3], dataType: onnx.TensorProto.DataType.FLOAT, rawData: weight },
        { name: 'x_scale', dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0.02] },
        { name: 'x_zp', dims: [], dataType: onnx.TensorProto.DataType.INT8, int32Data: [0] },
        { name: 'w_scale', dims: [4], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0.01, 0.02, 0.03, 0.04] },
        { name: 'w_zp', dims: [4], dataType: onnx.TensorProto.DataType.INT8, int32Data: [0, 0, 0, 0] },
      ],
      node: [
        { name: 'q_x', opType: 'QuantizeLinear', input: ['images', 'x_scale', 'x_zp'], output: ['images_q'] },
        { name: 'dq_x', opType: 'DequantizeLinear', input: ['images_q', 'x_scale', 'x_zp'], output: ['images_dq'] },
        { name: 'q_w', opType: 'QuantizeLinear', input: ['w', 'w_scale', 'w_zp'], output: ['w_q'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
        { name: 'dq_w', opType: 'DequantizeLinear', input: ['w_q', 'w_scale', 'w_zp'], output: ['w_dq'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
        {
          name: '/model.0/conv/Conv', opType: 'Conv', input: ['images_dq', 'w_dq'], output: ['conv'],
          attribute: [
            { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [3, 3] },
            { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] },
            { name: 'auto_pad', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('NOTSET') },
          ],
        },
        { name: '/model.0/act/Sigmoid', opType: 'Sigmoid', input: ['conv'], output: ['sig'] },
        { name: '/model.0/act/Mul', opType: 'Mul', input: ['conv', 'sig'], output: ['out'] },
      ],
    },
  };
}

export function vi(name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}
