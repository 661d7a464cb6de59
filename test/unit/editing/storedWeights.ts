/**
 * Test helper: rewrite a builder model so that its conv weights are stored quantized (INT8
 * initializers read by a DequantizeLinear, as some exporters write them) instead of float weight →
 * Q → DQ. Uses only the ONNX layer's typed messages.
 */
import { DataType, markDirty, readTensorValues, type DecodedModel, type Tensor } from '../../../src/core/onnx/index';

export interface StoredWeight {
  dq: string;
  original: Float32Array;
  scales: number[];
  channelOf(i: number): number;
}

export function storeWeightsQuantized(d: DecodedModel): StoredWeight[] {
  const g = d.model.graph!;
  const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const constValues = (name: string): Float32Array | Int8Array => {
    const init = g.initializer.find((t) => t.name === name);
    const t = init ?? producer.get(name)?.attribute.find((a) => a.name === 'value')?.t;
    return readTensorValues(d, t!) as Float32Array | Int8Array;
  };
  const out: StoredWeight[] = [];
  const newInits: Tensor[] = [];
  const dropNodes = new Set<unknown>();
  for (const q of g.node) {
    if (q.opType !== 'QuantizeLinear') continue;
    const w = g.initializer.find((t) => t.name === q.input[0]);
    if (!w || w.dims.length !== 4) continue;
    const dq = g.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === q.output[0])!;
    const values = readTensorValues(d, w) as Float32Array;
    const scales = Array.from(constValues(q.input[1]!));
    const cout = Number(w.dims[0]);
    const inner = values.length / cout;
    const channelOf = (i: number): number => (scales.length === 1 ? 0 : Math.floor(i / inner));
    const qv = new Int8Array(values.length);
    for (let i = 0; i < values.length; i++) qv[i] = Math.max(-128, Math.min(127, Math.round(values[i]! / scales[channelOf(i)]!)));
    const name = `${w.name}_int8`;
    newInits.push({
      dims: w.dims, dataType: DataType.INT8, name, docString: '', externalData: [], dataLocation: 0, metadataProps: [],
      rawData: { kind: 'inline', bytes: new Uint8Array(qv.buffer) },
    });
    dq.input = [name, ...dq.input.slice(1)];
    markDirty(dq);
    dropNodes.add(q);
    out.push({ dq: dq.name, original: values.slice(), scales, channelOf });
  }
  g.node = g.node.filter((n) => !dropNodes.has(n));
  const used = new Set(g.node.flatMap((n) => n.input));
  g.initializer = [...g.initializer.filter((t) => used.has(t.name)), ...newInits];
  markDirty(g);
  return out;
}
