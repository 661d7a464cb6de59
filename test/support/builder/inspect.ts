/**
 * A read-only view over a model decoded with onnx-proto, for asserting on
 * builder output (and on anything else written by an outside encoder) without
 * the project's own codec.
 */
import { onnx } from 'onnx-proto';

export type Long = { toNumber(): number };

/** int64 fields decode as Long objects (or numbers); make them numbers. */
export function num(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export interface AttrView {
  readonly i?: number;
  readonly f?: number;
  readonly s?: string;
  readonly ints?: number[];
  readonly floats?: number[];
  readonly t?: onnx.ITensorProto;
}

export class GraphView {
  readonly model: onnx.ModelProto;
  readonly graph: onnx.IGraphProto;
  readonly nodes: onnx.INodeProto[];
  readonly byName = new Map<string, onnx.INodeProto>();
  readonly producer = new Map<string, onnx.INodeProto>();
  readonly consumers = new Map<string, onnx.INodeProto[]>();
  readonly initializers = new Map<string, onnx.ITensorProto>();

  constructor(bytes: Uint8Array) {
    this.model = onnx.ModelProto.decode(bytes);
    this.graph = this.model.graph!;
    this.nodes = this.graph.node ?? [];
    for (const n of this.nodes) {
      this.byName.set(n.name!, n);
      for (const o of n.output ?? []) this.producer.set(o, n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const l = this.consumers.get(i);
        if (l) l.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    for (const t of this.graph.initializer ?? []) this.initializers.set(t.name!, t);
  }

  node(name: string): onnx.INodeProto {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  ofType(op: string): onnx.INodeProto[] {
    return this.nodes.filter((n) => n.opType === op);
  }

  opCounts(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const n of this.nodes) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
    return c;
  }

  consumersOf(tensor: string): onnx.INodeProto[] {
    return this.consumers.get(tensor) ?? [];
  }

  attr(n: onnx.INodeProto, name: string): AttrView | undefined {
    const a = (n.attribute ?? []).find((x) => x.name === name);
    if (!a) return undefined;
    const dec = new TextDecoder();
    return {
      ...(a.type === 2 ? { i: num(a.i as number | Long) } : {}),
      ...(a.type === 1 ? { f: a.f ?? 0 } : {}),
      ...(a.type === 3 ? { s: dec.decode(a.s ?? new Uint8Array()) } : {}),
      ...(a.type === 7 ? { ints: (a.ints ?? []).map((v) => num(v as number | Long)) } : {}),
      ...(a.type === 6 ? { floats: a.floats ?? [] } : {}),
      ...(a.type === 4 && a.t ? { t: a.t } : {}),
    };
  }

  /** The tensor behind a name: an initializer, or the value of the Constant producing it. */
  tensorProto(name: string): onnx.ITensorProto | undefined {
    const init = this.initializers.get(name);
    if (init) return init;
    const p = this.producer.get(name);
    if (p?.opType === 'Constant') return this.attr(p, 'value')?.t;
    return undefined;
  }

  /** Values of a constant tensor (initializer or Constant), decoded from raw_data. */
  values(name: string): number[] {
    const t = this.tensorProto(name);
    if (!t) throw new Error(`${name} is not a constant`);
    return tensorValues(t);
  }

  dims(name: string): number[] {
    const t = this.tensorProto(name);
    if (!t) throw new Error(`${name} is not a constant`);
    return (t.dims ?? []).map((d) => num(d as number | Long));
  }

  /** Follow DequantizeLinear → QuantizeLinear upstream of `tensor`, if that is what produces it. */
  qdqOf(tensor: string): { q: onnx.INodeProto; dq: onnx.INodeProto } | undefined {
    const dq = this.producer.get(tensor);
    if (dq?.opType !== 'DequantizeLinear') return undefined;
    const q = this.producer.get(dq.input![0]!);
    if (q?.opType !== 'QuantizeLinear') return undefined;
    return { q, dq };
  }
}

export function tensorValues(t: onnx.ITensorProto): number[] {
  const raw = t.rawData ?? new Uint8Array();
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  switch (t.dataType) {
    case 1: for (let i = 0; i < raw.byteLength; i += 4) out.push(dv.getFloat32(i, true)); break;
    case 2: case 17: case 18: case 19: case 20: for (let i = 0; i < raw.byteLength; i++) out.push(dv.getUint8(i)); break;
    case 3: for (let i = 0; i < raw.byteLength; i++) out.push(dv.getInt8(i)); break;
    case 6: for (let i = 0; i < raw.byteLength; i += 4) out.push(dv.getInt32(i, true)); break;
    case 7: for (let i = 0; i < raw.byteLength; i += 8) out.push(Number(dv.getBigInt64(i, true))); break;
    case 21: case 22: {
      const n = (t.dims ?? []).reduce<number>((a, d) => a * num(d as number | Long), 1);
      for (let i = 0; i < n; i++) {
        const b = raw[i >> 1]!;
        let v = i & 1 ? b >> 4 : b & 15;
        if (t.dataType === 22 && v >= 8) v -= 16;
        out.push(v);
      }
      break;
    }
    default: throw new Error(`tensorValues: data type ${t.dataType} not supported`);
  }
  return out;
}
