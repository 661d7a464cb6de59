/**
 * GraphCore: the bookkeeping half of the model builder. It owns nodes,
 * initializers, inputs and outputs, gives nodes PyTorch-export style names
 * (`/model.4/cv1/conv/Conv`, outputs `<node>_output_0`), tracks the dtype and
 * shape of every tensor it creates, and records node roles for the manifest.
 * It knows nothing about YOLO blocks or quantization policy.
 */
import type { DataTypeName } from './dataTypes';
import { dataTypeCode, defaultIrVersion } from './dataTypes';
import type { Payload } from './weights';
import { payloadBytes } from './weights';

/** A tensor in the graph under construction. */
export interface TensorRef {
  readonly name: string;
  readonly dtype: DataTypeName;
  readonly shape: readonly number[];
}

export interface TensorSpec {
  readonly dtype: DataTypeName;
  readonly shape: readonly number[];
}

/** Attribute values: integer → INT, string → STRING, number[] → INTS; wrappers for the rest. */
export type Attr =
  | number
  | string
  | readonly number[]
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly dtype: DataTypeName; readonly dims: readonly number[]; readonly payload: Payload };

export const attr = {
  float: (value: number): Attr => ({ kind: 'float', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  strings: (value: readonly string[]): Attr => ({ kind: 'strings', value }),
  tensor: (dtype: DataTypeName, dims: readonly number[], payload: Payload): Attr => ({ kind: 'tensor', dtype, dims, payload }),
};

/** Plain message shapes that onnx-proto's encoders accept. */
export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: { dims: number[]; dataType: number; rawData?: Uint8Array };
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeRecord {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeMsg[];
}

export interface InitializerRecord {
  readonly name: string;
  readonly dtype: DataTypeName;
  readonly dims: readonly number[];
  readonly payload: Payload;
}

export interface GraphOptions {
  /** ai.onnx opset (default 13, as yolov9's export uses). */
  opset?: number;
  /** Defaults to the IR version onnx.helper pairs with the opset. */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
  /** Extra opset imports, e.g. `{ domain: 'TRT', version: 1 }`. */
  extraOpsets?: readonly { domain: string; version: number }[];
  metadata?: Readonly<Record<string, string>>;
  /** Emit value_info for every intermediate tensor (real exports have none). */
  valueInfo?: boolean;
  docString?: string;
}

/** Everything the encoder needs, read-only. */
export interface GraphParts {
  readonly irVersion: number;
  readonly opsetImports: readonly { domain: string; version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graphName: string;
  readonly docString: string;
  readonly metadata: readonly { key: string; value: string }[];
  readonly nodes: readonly NodeRecord[];
  readonly initializers: readonly InitializerRecord[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
  readonly valueInfo: readonly TensorRef[];
}

const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const utf8 = new TextEncoder();

function toAttribute(name: string, v: Attr): AttributeMsg {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; use attr.float()`);
    return { name, type: AttrType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: utf8.encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: [...(v as number[])] };
  const w = v as Exclude<Attr, number | string | readonly number[]>;
  switch (w.kind) {
    case 'float': return { name, type: AttrType.FLOAT, f: w.value };
    case 'floats': return { name, type: AttrType.FLOATS, floats: [...w.value] };
    case 'strings': return { name, type: AttrType.STRINGS, strings: w.value.map((s) => utf8.encode(s)) };
    case 'tensor': {
      const t: AttributeMsg['t'] = { dims: [...w.dims], dataType: dataTypeCode(w.dtype) };
      if (w.payload.byteLength) t.rawData = payloadBytes(w.payload);
      return { name, type: AttrType.TENSOR, t };
    }
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class GraphCore {
  readonly opset: number;
  readonly irVersion: number;
  protected readonly gopts: GraphOptions;
  protected readonly nodes: NodeRecord[] = [];
  protected readonly inits: InitializerRecord[] = [];
  protected readonly graphInputs: TensorRef[] = [];
  protected readonly graphOutputs: TensorRef[] = [];
  protected readonly tensors = new Map<string, TensorRef>();
  protected readonly producers = new Map<string, NodeRecord>();
  protected readonly roles = new Map<string, string[]>();
  private readonly nameCounters = new Map<string, number>();
  private readonly nodeNames = new Set<string>();

  constructor(opts: GraphOptions = {}) {
    this.gopts = opts;
    this.opset = opts.opset ?? 13;
    this.irVersion = opts.irVersion ?? defaultIrVersion(this.opset);
  }

  /** Declare a graph input. */
  input(name: string, dtype: DataTypeName, shape: readonly number[]): TensorRef {
    const t = this.defineTensor(name, { dtype, shape });
    this.graphInputs.push(t);
    return t;
  }

  /**
   * Declare a graph output. With `name`, the producing node's output is renamed
   * (as torch.onnx names the last tensor `output0`); consumers are updated.
   */
  output(t: TensorRef, name?: string): TensorRef {
    let out = t;
    if (name !== undefined && name !== t.name) out = this.renameTensor(t, name);
    this.graphOutputs.push(out);
    return out;
  }

  /** Add an initializer. */
  initializer(name: string, dtype: DataTypeName, dims: readonly number[], payload: Payload): TensorRef {
    const t = this.defineTensor(name, { dtype, shape: dims });
    this.inits.push({ name, dtype, dims: [...dims], payload });
    return t;
  }

  /** A `Constant` node in `scope` (named `<scope>/Constant`, `<scope>/Constant_1`, ...). */
  constant(scope: string, dtype: DataTypeName, dims: readonly number[], payload: Payload, role?: string): TensorRef {
    const [out] = this.node('Constant', [], [{ dtype, shape: dims }], {
      scope,
      attrs: { value: attr.tensor(dtype, dims, payload) },
      role,
    });
    return out!;
  }

  /**
   * Low-level node. Output tensors are named `<node name>_output_<i>` and get
   * the given dtypes/shapes. `''` in inputs means an omitted optional input.
   */
  node(
    opType: string,
    inputs: readonly (TensorRef | string)[],
    outputs: readonly TensorSpec[],
    o: { scope: string; name?: string; attrs?: Readonly<Record<string, Attr | undefined>>; domain?: string; role?: string | readonly string[] },
  ): TensorRef[] {
    const name = this.uniqueNodeName(o.name ?? `${o.scope}/${opType}`);
    const inNames = inputs.map((i) => (typeof i === 'string' ? i : i.name));
    for (const n of inNames) {
      if (n !== '' && !this.tensors.has(n)) throw new Error(`node ${name}: unknown input tensor ${n}`);
    }
    const attributes: AttributeMsg[] = [];
    for (const [k, v] of Object.entries(o.attrs ?? {})) if (v !== undefined) attributes.push(toAttribute(k, v));
    attributes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rec: NodeRecord = { name, opType, domain: o.domain ?? '', inputs: inNames, outputs: [], attributes };
    const refs = outputs.map((spec, i) => this.defineTensor(`${name}_output_${i}`, spec));
    rec.outputs = refs.map((r) => r.name);
    for (const r of refs) this.producers.set(r.name, rec);
    this.nodes.push(rec);
    if (o.role !== undefined) for (const r of typeof o.role === 'string' ? [o.role] : o.role) this.tag(r, name);
    return refs;
  }

  /** Record that node `nodeName` plays `role` (for the manifest). */
  tag(role: string, nodeName: string): void {
    const list = this.roles.get(role);
    if (list) list.push(nodeName);
    else this.roles.set(role, [nodeName]);
  }

  tensor(name: string): TensorRef {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`unknown tensor ${name}`);
    return t;
  }

  producerOf(t: TensorRef | string): NodeRecord | undefined {
    return this.producers.get(typeof t === 'string' ? t : t.name);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Everything the encoder needs. */
  parts(): GraphParts {
    const opsetImports = [{ domain: '', version: this.opset }, ...(this.gopts.extraOpsets ?? [])];
    const isIo = new Set([...this.graphInputs, ...this.graphOutputs].map((t) => t.name));
    const initNames = new Set(this.inits.map((i) => i.name));
    const valueInfo: TensorRef[] = [];
    if (this.gopts.valueInfo) {
      for (const n of this.nodes) for (const o of n.outputs) if (!isIo.has(o) && !initNames.has(o)) valueInfo.push(this.tensor(o));
    }
    return {
      irVersion: this.irVersion,
      opsetImports,
      producerName: this.gopts.producerName ?? 'qdq-studio-test',
      producerVersion: this.gopts.producerVersion ?? '',
      graphName: this.gopts.graphName ?? 'main_graph',
      docString: this.gopts.docString ?? '',
      metadata: Object.entries(this.gopts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      nodes: this.nodes,
      initializers: this.inits,
      inputs: this.graphInputs,
      outputs: this.graphOutputs,
      valueInfo,
    };
  }

  protected defineTensor(name: string, spec: TensorSpec): TensorRef {
    if (this.tensors.has(name)) throw new Error(`tensor ${name} defined twice`);
    const t: TensorRef = { name, dtype: spec.dtype, shape: [...spec.shape] };
    this.tensors.set(name, t);
    return t;
  }

  /** torch.onnx style unique node names: `base`, `base_1`, `base_2`, ... */
  protected uniqueNodeName(base: string): string {
    let name = base;
    let k = this.nameCounters.get(base) ?? 0;
    while (this.nodeNames.has(name)) name = `${base}_${++k}`;
    this.nameCounters.set(base, k);
    this.nodeNames.add(name);
    return name;
  }

  private renameTensor(t: TensorRef, name: string): TensorRef {
    if (this.tensors.has(name)) throw new Error(`cannot rename ${t.name}: ${name} already exists`);
    const prod = this.producers.get(t.name);
    if (!prod) throw new Error(`cannot rename ${t.name}: not produced by a node`);
    const out: TensorRef = { ...t, name };
    prod.outputs = prod.outputs.map((o) => (o === t.name ? name : o));
    for (const n of this.nodes) if (n.inputs.includes(t.name)) n.inputs = n.inputs.map((i) => (i === t.name ? name : i));
    this.tensors.delete(t.name);
    this.tensors.set(name, out);
    this.producers.delete(t.name);
    this.producers.set(name, prod);
    return out;
  }
}
