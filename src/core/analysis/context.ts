/**
 * The analysis context: one decoded model and its graph index, with the lookups every rule needs —
 * node labels, real consumers (shape readers left out), constants resolved from initializers and
 * from `Constant` nodes (through Identity/Cast, as torch.onnx exports them), constant-rooted
 * ("weight") and shape-only ("static") tensors. Values are read lazily through the ONNX layer's
 * tensor readers and cached; an unreadable payload is remembered, never thrown.
 */
import { nodeLabel, type GraphIndex } from '../graph/index';
import { type ByteSource, type DecodedModel, type Graph, type Node, type Tensor, type ValueInfo, AttributeType, DataType, readTensorValues, tensorElementCount } from '../onnx/index';
import { SHAPE_READERS } from './ops';
import type { Target } from './types';

/** A tensor whose value is known at build time. */
export interface ConstTensor {
  /** Where it comes from: an initializer, a `Constant` node's value, or a Constant through Cast/Identity. */
  source: 'initializer' | 'constant';
  dims: number[];
  dataType: number;
  /** The TensorProto when the value is one (initializer or Constant `value`). */
  tensor?: Tensor;
  /** Inline values of Constant `value_float(s)` / `value_int(s)`. */
  inline?: number[];
  /** Data type after a Cast on the way, if any. */
  castTo?: number;
}

export type NumberArray = ArrayLike<number>;

const PASS_THROUGH = new Set(['Identity', 'Cast']);
const NONE: readonly number[] = Object.freeze([]);

function numbers(dims: readonly (number | bigint)[]): number[] {
  const out = new Array<number>(dims.length);
  for (let i = 0; i < dims.length; i++) out[i] = Number(dims[i]);
  return out;
}

/** Bits of `nodeFlags`. */
export const STATIC = 1;
export const ROOTED = 2;

/**
 * What node `n`'s outputs are, from what its inputs are (`ctx`): static (`isStatic`: constants,
 * Shape/Size and what is computed only from those) and constant-rooted (`isConstantRooted`: a
 * weight), as bits. The analysis context asks it of every node in topological order; the editing
 * layer's local context (localAnalysis.ts) of the nodes it reaches, producers first.
 */
export function nodeFlags(n: Node, ctx: { isStatic(tensor: string): boolean; isConstantRooted(tensor: string): boolean }): number {
  if (n.opType === 'Constant') return STATIC | ROOTED;
  if (SHAPE_READERS.has(n.opType)) return STATIC;
  let all = n.input.length > 0;
  let rooted = n.input.length > 0 && WEIGHT_PATH.has(n.opType);
  for (let k = 0; k < n.input.length; k++) {
    const x = n.input[k]!;
    const st = ctx.isStatic(x);
    if (!st) all = false;
    if (rooted && (k === 0 ? !ctx.isConstantRooted(x) : !st)) rooted = false;
    if (!all && !rooted) break;
  }
  // QuantizeLinear of a weight is static too (build-time quantization). Control flow is not.
  if (all && n.attribute.some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS)) all = false;
  return (all ? STATIC : 0) | (rooted ? ROOTED : 0);
}

/**
 * Constants and their values, shapes and element types, given who produces a tensor and the graph's
 * initializers and value infos: shared by the analysis context and the editing layer's local one.
 */
export abstract class TensorLookups {
  abstract readonly nodes: readonly Node[];
  private readonly constCache = new Map<string, ConstTensor | null>();
  private readonly valueCache = new Map<string, NumberArray | null>();
  private readonly valueErrors = new Map<string, string>();
  /** The model with its source wrapped in a block cache: the many small constant reads share reads. */
  private readonly cachedDecoded: DecodedModel;

  constructor(readonly decoded: DecodedModel) {
    this.cachedDecoded = { ...decoded, source: new BlockCacheSource(decoded.source) };
  }

  /** The node producing `tensor` (the first one). */
  abstract producer(tensor: string): number | undefined;
  /** The initializer (or sparse initializer's values) named `tensor`, as the graph index maps it. */
  protected abstract initializerOf(tensor: string): Tensor | undefined;
  /** The value info named `tensor` (graph inputs, outputs, value_info; the first of a name). */
  protected abstract valueInfoOf(tensor: string): ValueInfo | undefined;

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
      const init = this.initializerOf(tensor);
      if (!init) return undefined;
      return { source: 'initializer', dims: numbers(init.dims), dataType: init.dataType, tensor: init };
    }
    const n = this.nodes[p]!;
    if (n.opType === 'Constant') {
      if (n.domain !== '' && n.domain !== 'ai.onnx') return undefined;
      const a = n.attribute[0];
      if (!a) return undefined;
      switch (a.name) {
        case 'value':
          return a.t ? { source: 'constant', dims: numbers(a.t.dims), dataType: a.t.dataType, tensor: a.t } : undefined;
        case 'value_float':
          return { source: 'constant', dims: [], dataType: DataType.FLOAT, inline: [a.f ?? 0] };
        case 'value_floats':
          return { source: 'constant', dims: [a.floats.length], dataType: DataType.FLOAT, inline: [...a.floats] };
        case 'value_int':
          return { source: 'constant', dims: [], dataType: DataType.INT64, inline: [Number(a.i ?? 0)] };
        case 'value_ints':
          return { source: 'constant', dims: [a.ints.length], dataType: DataType.INT64, inline: a.ints.map(Number) };
        default:
          return undefined;
      }
    }
    if (PASS_THROUGH.has(n.opType) && depth < 8 && n.input[0]) {
      const inner = this.resolveConstant(n.input[0], depth + 1);
      if (!inner || n.opType !== 'Cast') return inner;
      const to = n.attribute.find((x) => x.name === 'to');
      return to?.i === undefined ? inner : { ...inner, castTo: Number(to.i) };
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
        const raw = readTensorValues(this.cachedDecoded, c.tensor);
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

  /** Static shape of a tensor when known (initializer/Constant dims, value_info with all dims fixed). */
  shapeOf(tensor: string): number[] | undefined {
    const c = this.constant(tensor);
    if (c) return c.dims;
    const vi = this.valueInfoOf(tensor);
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
    return this.valueInfoOf(tensor)?.type?.tensorType?.elemType || undefined;
  }
}

export class AnalysisContext extends TensorLookups {
  readonly graph: Graph;
  readonly nodes: readonly Node[];
  /** ai.onnx opset version (0 when the model imports none). */
  readonly opset: number;
  readonly graphOutputs: ReadonlySet<string>;
  readonly graphInputs: ReadonlySet<string>;
  /** Position of each node in the topological order. */
  readonly topoPos: Int32Array;
  private readonly labels: string[];
  /** Tensor → Shape/Size nodes reading it. */
  private readonly shapeReaders = new Map<string, number[]>();
  /** Tensor → producing node (first producer), built in one pass. */
  private readonly producers = new Map<string, number>();
  /** Initializers that are not graph inputs (real constants). */
  private readonly constInits = new Set<string>();
  private readonly rootedOut: Uint8Array;
  /** Tensor → reading nodes (each once, graph order), without Shape/Size readers; built in one pass. */
  private readonly consumerLists = new Map<string, number[]>();
  private readonly staticOut: Uint8Array;

  constructor(
    decoded: DecodedModel,
    readonly index: GraphIndex,
    readonly target: Target,
  ) {
    super(decoded);
    this.graph = index.graph;
    this.nodes = this.graph.node;
    const op = decoded.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    this.opset = op ? Number(op.version) : 0;
    this.graphOutputs = new Set(this.graph.output.map((o) => o.name));
    this.graphInputs = new Set(index.inputs.map((i) => i.name));
    this.topoPos = new Int32Array(this.nodes.length);
    index.topoOrder.forEach((n, i) => (this.topoPos[n] = i));
    this.labels = this.nodes.map(nodeLabel);
    for (const [name] of index.initializers) if (!this.graphInputs.has(name)) this.constInits.add(name);
    this.nodes.forEach((n, i) => {
      for (const o of n.output) if (o && !this.producers.has(o)) this.producers.set(o, i);
      if (SHAPE_READERS.has(n.opType)) {
        for (const x of n.input) if (x) this.shapeReaders.set(x, [...(this.shapeReaders.get(x) ?? []), i]);
        return;
      }
      for (const x of n.input) this.addConsumer(x, i);
      // A node whose subgraph (If/Loop/Scan body) reads a tensor consumes it too.
      if (index.implicitInputs.size) index.implicitInputs.get(i)?.forEach((x) => this.addConsumer(x, i));
    });
    // Static (shape/constant) and constant-rooted (weight) nodes, in one topological pass.
    this.staticOut = new Uint8Array(this.nodes.length);
    this.rootedOut = new Uint8Array(this.nodes.length);
    for (const i of index.topoOrder) {
      const f = nodeFlags(this.nodes[i]!, this);
      if (f & STATIC) this.staticOut[i] = 1;
      if (f & ROOTED) this.rootedOut[i] = 1;
    }
  }

  /** Record node `i` as a reader of `x` (each node once: nodes are added in graph order). */
  private addConsumer(x: string, i: number): void {
    if (!x) return;
    const list = this.consumerLists.get(x);
    if (!list) this.consumerLists.set(x, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  }

  /** The node's name, or `<OpType>#<index>` for an unnamed node. */
  name(i: number): string {
    return this.labels[i]!;
  }

  producer(tensor: string): number | undefined {
    return this.producers.get(tensor);
  }

  protected initializerOf(tensor: string): Tensor | undefined {
    return this.index.initializers.get(tensor);
  }

  protected valueInfoOf(tensor: string): ValueInfo | undefined {
    return this.index.valueInfo.get(tensor);
  }

  /** Nodes reading `tensor`, each once, without Shape/Size (they read no values). */
  consumers(tensor: string): readonly number[] {
    return this.consumerLists.get(tensor) ?? NONE;
  }

  /** Every reader, shape readers included (each once). */
  allConsumers(tensor: string): readonly number[] {
    const shape = this.shapeReaders.get(tensor);
    if (!shape) return this.consumers(tensor);
    return [...this.consumers(tensor), ...shape].sort((a, b) => a - b);
  }

  /**
   * True when `tensor` is computed from constants only through ops that keep it a weight:
   * initializer/Constant, then Identity, Cast, QuantizeLinear/DequantizeLinear, Transpose,
   * Reshape, (Un)Squeeze, Flatten. This is what "rooted at a constant" means for weights (R6, R18).
   */
  isConstantRooted(tensor: string): boolean {
    if (!tensor) return false;
    const p = this.producers.get(tensor);
    return p === undefined ? this.constInits.has(tensor) : this.rootedOut[p] === 1;
  }

  /**
   * True for tensors TensorRT computes at build time or as shape tensors: constants, Shape/Size
   * outputs and anything computed only from those (the `chunk` arithmetic of yolov9 exports).
   * Nodes whose outputs are all static are not engine layers.
   */
  isStatic(tensor: string): boolean {
    if (!tensor) return true;
    const p = this.producers.get(tensor);
    return p === undefined ? this.constInits.has(tensor) : this.staticOut[p] === 1;
  }

  isStaticNode(i: number): boolean {
    return this.staticOut[i] === 1;
  }
}

const WEIGHT_PATH = new Set(['Identity', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten']);

/**
 * A read-through cache of 64 KiB blocks over a model's source (at most 64 blocks kept). Scales and
 * zero points are tiny tensors spread through the node list; reading them through the cache turns
 * thousands of positional reads into a few dozen. Large reads bypass it.
 */
export class BlockCacheSource implements ByteSource {
  static readonly BLOCK = 1 << 16;
  static readonly MAX_BLOCKS = 64;
  readonly size: number;
  readonly name: string;
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(private readonly inner: ByteSource) {
    this.size = inner.size;
    this.name = inner.name;
  }

  read(offset: number, length: number): Uint8Array {
    const B = BlockCacheSource.BLOCK;
    const end = Math.min(offset + length, this.size);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > B) return this.inner.read(offset, end - offset);
    const first = Math.floor(offset / B);
    const last = Math.floor((end - 1) / B);
    if (first === last) {
      const blk = this.block(first);
      return blk.subarray(offset - first * B, end - first * B);
    }
    const out = new Uint8Array(end - offset);
    for (let b = first; b <= last; b++) {
      const blk = this.block(b);
      const from = Math.max(offset, b * B);
      const to = Math.min(end, b * B + blk.length);
      out.set(blk.subarray(from - b * B, to - b * B), from - offset);
    }
    return out;
  }

  private block(b: number): Uint8Array {
    const hit = this.blocks.get(b);
    if (hit) return hit;
    if (this.blocks.size >= BlockCacheSource.MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    const B = BlockCacheSource.BLOCK;
    const bytes = this.inner.read(b * B, Math.min(B, this.size - b * B)).slice(); // copy: inner views may be reused
    this.blocks.set(b, bytes);
    return bytes;
  }
}
