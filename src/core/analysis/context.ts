/**
 * The analysis context: one decoded model and its graph index, with the lookups every rule needs —
 * node labels, real consumers (shape readers left out), constants resolved from initializers and
 * from `Constant` nodes (through Identity/Cast, as torch.onnx exports them), constant-rooted
 * ("weight") and shape-only ("static") tensors. Values are read lazily through the ONNX layer's
 * tensor readers and cached; an unreadable payload is remembered, never thrown.
 */
import type { GraphIndex } from '../graph/index';
import { type DecodedModel, type Graph, type Node, type Tensor, AttributeType, DataType, readTensorValues, tensorElementCount } from '../onnx/index';
import { SHAPE_READERS } from './ops';
import type { Target } from './types';

/** A tensor whose value is known at build time. */
export interface ConstTensor {
  /** Where it comes from: an initializer, a `Constant` node's value, or a Constant through Cast/Identity. */
  source: 'initializer' | 'constant';
  dims: number[];
  dataType: number;
  /** Node names between the constant and the reader (Constant, Cast, Identity). */
  via: string[];
  /** The TensorProto when the value is one (initializer or Constant `value`). */
  tensor?: Tensor;
  /** Inline values of Constant `value_float(s)` / `value_int(s)`. */
  inline?: number[];
  /** Data type after a Cast on the way, if any. */
  castTo?: number;
}

export type NumberArray = ArrayLike<number>;

const PASS_THROUGH = new Set(['Identity', 'Cast']);

export class AnalysisContext {
  readonly graph: Graph;
  readonly nodes: readonly Node[];
  /** ai.onnx opset version (0 when the model imports none). */
  readonly opset: number;
  readonly graphOutputs: ReadonlySet<string>;
  readonly graphInputs: ReadonlySet<string>;
  /** Position of each node in the topological order. */
  readonly topoPos: Int32Array;
  private readonly labels: string[];
  private readonly constCache = new Map<string, ConstTensor | null>();
  private readonly valueCache = new Map<string, NumberArray | null>();
  private readonly valueErrors = new Map<string, string>();
  private readonly rootedCache = new Map<string, boolean>();
  private staticOut?: Uint8Array;

  constructor(
    readonly decoded: DecodedModel,
    readonly index: GraphIndex,
    readonly target: Target,
  ) {
    this.graph = index.graph;
    this.nodes = this.graph.node;
    const op = decoded.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    this.opset = op ? Number(op.version) : 0;
    this.graphOutputs = new Set(this.graph.output.map((o) => o.name));
    this.graphInputs = new Set(index.inputs.map((i) => i.name));
    this.topoPos = new Int32Array(this.nodes.length);
    index.topoOrder.forEach((n, i) => (this.topoPos[n] = i));
    this.labels = this.nodes.map((n, i) => n.name || `${n.opType}#${i}`);
  }

  /** The node's name, or `<OpType>#<index>` for an unnamed node. */
  name(i: number): string {
    return this.labels[i]!;
  }

  producer(tensor: string): number | undefined {
    return this.index.producer.get(tensor);
  }

  /** Nodes reading `tensor`, each once, without Shape/Size (they read no values). */
  consumers(tensor: string): number[] {
    const list = this.index.consumers.get(tensor);
    if (!list || list.length === 0) return [];
    const out: number[] = [];
    for (const c of list) if (!SHAPE_READERS.has(this.nodes[c]!.opType) && !out.includes(c)) out.push(c);
    return out;
  }

  /** Every reader, shape readers included. */
  allConsumers(tensor: string): readonly number[] {
    return this.index.consumers.get(tensor) ?? [];
  }

  /** Resolve a build-time constant: initializer, `Constant` output, or either through Identity/Cast. */
  constant(tensor: string): ConstTensor | undefined {
    if (!tensor) return undefined;
    const hit = this.constCache.get(tensor);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.resolveConstant(tensor, 0);
    this.constCache.set(tensor, r ?? null);
    return r;
  }

  private resolveConstant(tensor: string, depth: number): ConstTensor | undefined {
    const p = this.producer(tensor);
    if (p === undefined) {
      const init = this.index.initializers.get(tensor);
      if (!init) return undefined;
      return { source: 'initializer', dims: init.dims.map(Number), dataType: init.dataType, via: [], tensor: init };
    }
    const n = this.nodes[p]!;
    if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
      const a = n.attribute[0];
      if (!a) return undefined;
      const base = { source: 'constant' as const, via: [this.name(p)] };
      switch (a.name) {
        case 'value':
          if (!a.t) return undefined;
          return { ...base, dims: a.t.dims.map(Number), dataType: a.t.dataType, tensor: a.t };
        case 'value_float':
          return { ...base, dims: [], dataType: DataType.FLOAT, inline: [a.f ?? 0] };
        case 'value_floats':
          return { ...base, dims: [a.floats.length], dataType: DataType.FLOAT, inline: [...a.floats] };
        case 'value_int':
          return { ...base, dims: [], dataType: DataType.INT64, inline: [Number(a.i ?? 0)] };
        case 'value_ints':
          return { ...base, dims: [a.ints.length], dataType: DataType.INT64, inline: a.ints.map(Number) };
        default:
          return undefined;
      }
    }
    if (PASS_THROUGH.has(n.opType) && depth < 8 && n.input[0]) {
      const inner = this.resolveConstant(n.input[0], depth + 1);
      if (!inner) return undefined;
      const out: ConstTensor = { ...inner, via: [...inner.via, this.name(p)] };
      if (n.opType === 'Cast') {
        const to = n.attribute.find((x) => x.name === 'to');
        if (to?.i !== undefined) out.castTo = Number(to.i);
      }
      return out;
    }
    return undefined;
  }

  /** Values of a constant tensor as numbers (int64 converted), cached; undefined when unreadable. */
  values(tensor: string): NumberArray | undefined {
    const hit = this.valueCache.get(tensor);
    if (hit !== undefined) return hit ?? undefined;
    const c = this.constant(tensor);
    let v: NumberArray | undefined;
    if (c?.inline) v = c.inline;
    else if (c?.tensor) {
      try {
        const raw = readTensorValues(this.decoded, c.tensor);
        v = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Array.from(raw, Number) : raw;
      } catch (e) {
        this.valueErrors.set(tensor, (e as Error).message);
      }
    }
    this.valueCache.set(tensor, v ?? null);
    return v;
  }

  /** Why `values(tensor)` failed, when it did. */
  valueError(tensor: string): string | undefined {
    return this.valueErrors.get(tensor);
  }

  /** Element count of a constant from its dims. */
  constCount(c: ConstTensor): number | undefined {
    if (c.inline) return c.inline.length;
    return c.tensor ? tensorElementCount(c.tensor) : undefined;
  }

  /**
   * True when `tensor` is computed from constants only through ops that keep it a weight:
   * initializer/Constant, then Identity, Cast, QuantizeLinear/DequantizeLinear, Transpose,
   * Reshape, (Un)Squeeze, Flatten. This is what "rooted at a constant" means for weights (R6, R18).
   */
  isConstantRooted(tensor: string): boolean {
    if (!tensor) return false;
    const hit = this.rootedCache.get(tensor);
    if (hit !== undefined) return hit;
    this.rootedCache.set(tensor, false); // cycle guard
    let r = false;
    const p = this.producer(tensor);
    if (p === undefined) r = this.index.initializers.has(tensor) && !this.graphInputs.has(tensor);
    else {
      const n = this.nodes[p]!;
      if (n.opType === 'Constant') r = true;
      else if (WEIGHT_PATH.has(n.opType)) r = n.input.length > 0 && n.input.every((x, k) => (k === 0 ? this.isConstantRooted(x) : !x || this.isStatic(x)));
    }
    this.rootedCache.set(tensor, r);
    return r;
  }

  /**
   * True for tensors TensorRT computes at build time or as shape tensors: constants, Shape/Size
   * outputs and anything computed only from those (the `chunk` arithmetic of yolov9 exports).
   * Nodes whose outputs are all static are not engine layers.
   */
  isStatic(tensor: string): boolean {
    if (!tensor) return true;
    const p = this.producer(tensor);
    if (p === undefined) return this.index.initializers.has(tensor) && !this.graphInputs.has(tensor);
    return this.isStaticNode(p);
  }

  isStaticNode(i: number): boolean {
    if (!this.staticOut) this.computeStatic();
    return this.staticOut![i] === 1;
  }

  private computeStatic(): void {
    const s = new Uint8Array(this.nodes.length);
    for (const i of this.index.topoOrder) {
      const n = this.nodes[i]!;
      if (n.opType === 'Constant' || SHAPE_READERS.has(n.opType)) {
        s[i] = 1;
        continue;
      }
      // QuantizeLinear of a weight is static too (build-time quantization), so the rule holds for it.
      let all = n.input.length > 0;
      for (const x of n.input) {
        if (!x) continue;
        const p = this.index.producer.get(x);
        if (p === undefined) {
          if (!(this.index.initializers.has(x) && !this.graphInputs.has(x))) {
            all = false;
            break;
          }
        } else if (s[p] !== 1) {
          all = false;
          break;
        }
      }
      if (all && n.attribute.some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS)) all = false;
      s[i] = all ? 1 : 0;
    }
    this.staticOut = s;
  }

  /** Static shape of a tensor when known (initializer/Constant dims, value_info with all dims fixed). */
  shapeOf(tensor: string): number[] | undefined {
    const c = this.constant(tensor);
    if (c) return c.dims;
    const vi = this.index.valueInfo.get(tensor);
    const dims = vi?.type?.tensorType?.shape?.dim;
    if (!dims) return undefined;
    const out: number[] = [];
    for (const d of dims) {
      if (d.dimValue === undefined) return undefined;
      out.push(Number(d.dimValue));
    }
    return out;
  }

  /** Shape of the data behind a Q/DQ input: the weight's dims through Q/DQ/Identity/Cast, else shapeOf. */
  dataShape(tensor: string): number[] | undefined {
    for (let t = tensor, k = 0; t && k < 8; k++) {
      const s = this.shapeOf(t);
      if (s) return s;
      const p = this.producer(t);
      if (p === undefined) return undefined;
      const op = this.nodes[p]!.opType;
      if (op !== 'QuantizeLinear' && op !== 'DequantizeLinear' && op !== 'Identity' && op !== 'Cast') return undefined;
      t = this.nodes[p]!.input[0] ?? '';
    }
    return undefined;
  }

  /** Element type of a tensor when known (constants, value_info). */
  elemTypeOf(tensor: string): number | undefined {
    const c = this.constant(tensor);
    if (c) return c.castTo ?? c.dataType;
    return this.index.valueInfo.get(tensor)?.type?.tensorType?.elemType || undefined;
  }
}

const WEIGHT_PATH = new Set(['Identity', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten']);
