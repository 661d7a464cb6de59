/**
 * One edit in progress on the main graph of a decoded model: the journal that records what it
 * replaces, lazily built producer/reader maps over the current arrays, constant lookup (initializers
 * and Constant nodes, as torch exports scales), unique names, and the structural primitives every
 * edit is made of (rewire an input, insert nodes, drop unread Q/DQ and constants, add
 * initializers). `commit()` validates: an edit that would leave the graph with a problem it did not
 * have (a tensor read before or without a producer, two producers of one name, a graph output
 * nobody produces) is undone and refused with an `EditError` naming the problem.
 */
import {
  AttributeType, DataLocation, DataType, dataTypeName, readTensorValues, type Attribute, type DecodedModel, type Graph,
  type Node, type Tensor,
} from '../onnx/index';
import { Journal } from './journal';
import { findNodeRef, labelRef, nodeLabel } from '../graph/index';
import { InitializerList, NodeList } from './graphLists';

/**
 * Why an edit was refused, for callers that act on the reason rather than show the message:
 * `noActivationScale`: enabling quantization of a layer input that has no remembered quantizer and
 * no given activation scale.
 */
export type EditErrorCode = 'noActivationScale';

/** An edit that cannot be applied (bad target, would break the graph, unsupported form). The model is unchanged. */
export class EditError extends Error {
  /** Set for refusals a caller may act on (the message stays the words for the user). */
  readonly code?: EditErrorCode;
  /** The tensor whose values the edit needed and could not read (a caller can tell unreadable external data). */
  readonly tensor?: string;

  constructor(message: string, code?: EditErrorCode, tensor?: string) {
    super(message);
    this.name = 'EditError';
    if (code) this.code = code;
    if (tensor !== undefined) this.tensor = tensor;
  }
}

export const COMPUTE_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Float32 values of a small constant plus its element type and dims. */
export interface ConstValue {
  readonly values: Float64Array;
  readonly dataType: number;
  readonly dims: number[];
}

/**
 * A reader of a tensor: node and input slot (slot -1: read from inside one of its subgraphs), kept
 * by node (not index), so the maps survive nodes being inserted or removed around it.
 */
interface NodeReader {
  readonly node: Node;
  readonly slot: number;
}

/**
 * Producer and reader maps over the current node list. The primitives below keep them up to date
 * (a rewire moves one reader, a removal drops the removed nodes' entries): an edit made of many
 * small ones (a plan, Fix All: hundreds of pairs removed from a 50,000-node graph) does not rebuild
 * them over the whole graph after each part. Positions are a separate map, rebuilt on demand after
 * the node list changes (a cheap pass: no strings).
 */
interface Maps {
  readonly producer: Map<string, Node>;
  readonly readers: Map<string, NodeReader[]>;
  /** Named nodes by name; undefined when a name repeats (a graph problem: lookups then scan the list). */
  readonly byName: Map<string, Node> | undefined;
}

function addReader(readers: Map<string, NodeReader[]>, t: string, r: NodeReader): void {
  const list = readers.get(t);
  if (list) list.push(r);
  else readers.set(t, [r]);
}

/** Drops the readers of `t` that `gone` picks (the entry goes with its last reader). */
function dropReaders(readers: Map<string, NodeReader[]>, t: string, gone: (r: NodeReader) => boolean): void {
  const list = readers.get(t);
  if (!list) return;
  const kept = list.filter((r) => !gone(r));
  if (kept.length) readers.set(t, kept);
  else readers.delete(t);
}

export class EditContext {
  readonly journal = new Journal();
  readonly graph: Graph;
  private maps: Maps | undefined;
  /**
   * The node and initializer lists as the primitives change them (graphLists.ts), written to the
   * graph through the journal by `flush()`: when `nodes` is read, before validation, and before
   * anything that reads the graph's arrays. `graph.node` and `graph.initializer` may be behind
   * them in between; every read in this layer goes through the context.
   */
  private list: NodeList;
  private inits: InitializerList;
  /** Names of value infos whose tensors this edit removed (filtered out by `flush()`). */
  private goneValueInfo: Set<string> | undefined;
  /** A primitive gave a node a name another node has: name lookups scan the list. */
  private namesRepeat = false;
  /**
   * Changes when a compute node is inserted, removed or replaced, or the maps are reset: indexes of
   * compute nodes built for this edit (targets.ts `resolveLayers`) are then stale. The primitives
   * below never do that in the edits this layer makes (they insert and remove Q/DQ and constants).
   */
  private computeGeneration = 0;
  private names: Set<string> | undefined;
  private readonly constCache = new Map<string, ConstValue | null>();
  /** The node list when the edit began (edits replace the array, never mutate it): where labels are resolved. */
  readonly startNodes: readonly Node[];
  /** Positions in `startNodes`, built on first use. */
  private startPositions: Map<Node, number> | undefined;

  constructor(readonly decoded: DecodedModel) {
    const g = decoded.model.graph;
    if (!g) throw new EditError(`${decoded.file}: the model has no graph to edit`);
    this.graph = g;
    this.startNodes = g.node;
    this.list = new NodeList(g.node);
    this.inits = new InitializerList(g.initializer);
  }

  /** ai.onnx opset of the model (0 when none is imported). */
  get opset(): number {
    const op = this.decoded.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    return op ? Number(op.version) : 0;
  }

  // ---- maps -----------------------------------------------------------------------------------

  private get m(): Maps {
    if (this.maps) return this.maps;
    const producer = new Map<string, Node>();
    const readers = new Map<string, NodeReader[]>();
    let byName: Map<string, Node> | undefined = new Map<string, Node>();
    for (const n of this.nodes) {
      this.addReads(readers, n);
      for (const o of n.output) if (o && !producer.has(o)) producer.set(o, n);
      if (n.name && byName) {
        if (byName.has(n.name)) byName = undefined;
        else byName.set(n.name, n);
      }
    }
    this.maps = { producer, readers, byName };
    return this.maps;
  }

  private addReads(readers: Map<string, NodeReader[]>, n: Node): void {
    n.input.forEach((t, slot) => t && addReader(readers, t, { node: n, slot }));
    for (const t of subgraphFreeReads(n)) addReader(readers, t, { node: n, slot: -1 });
  }

  private dropReads(readers: Map<string, NodeReader[]>, n: Node): void {
    for (const t of new Set([...n.input, ...subgraphFreeReads(n)])) if (t) dropReaders(readers, t, (r) => r.node === n);
  }

  /**
   * Writes the node, initializer and value-info lists the primitives changed to the graph (through
   * the journal), so that `graph.node` and the others are the current lists.
   */
  flush(): void {
    const g = this.graph;
    const nodes = this.list.materialize();
    if (nodes) this.journal.set(g, 'node', nodes);
    const inits = this.inits.materialize();
    if (inits) this.journal.set(g, 'initializer', inits);
    const gone = this.goneValueInfo;
    if (gone) {
      this.goneValueInfo = undefined;
      if (g.valueInfo.some((v) => gone.has(v.name))) this.journal.set(g, 'valueInfo', g.valueInfo.filter((v) => !gone.has(v.name)));
    }
  }

  /** Call after changing node lists or inputs outside the primitives below. */
  invalidate(): void {
    this.flush();
    this.reset();
  }

  /** Forget every derived map (the graph's lists are the truth again). */
  private reset(): void {
    this.maps = undefined;
    this.computeGeneration++;
    this.namesRepeat = false;
    this.goneValueInfo = undefined;
    this.list = new NodeList(this.graph.node);
    this.inits = new InitializerList(this.graph.initializer);
  }

  /** The current node list (written to the graph first). */
  get nodes(): readonly Node[] {
    this.flush();
    return this.graph.node;
  }

  /** See `computeGeneration`. */
  get computeVersion(): number {
    return this.computeGeneration;
  }

  /** Every node of the current list named `name`, in node order (from the name map while names are unique). */
  nodesNamed(name: string): readonly Node[] {
    const byName = this.m.byName;
    if (byName && !this.namesRepeat) {
      const n = byName.get(name);
      return n ? [n] : [];
    }
    return this.nodes.filter((n) => n.name === name);
  }

  /** Whether `node` is in the current list. */
  has(node: Node): boolean {
    return this.list.has(node);
  }

  producerOf(tensor: string): Node | undefined {
    return this.m.producer.get(tensor);
  }

  /** The readers of `tensor`, in node order. */
  readersOf(tensor: string): { node: Node; slot: number }[] {
    const list = this.m.readers.get(tensor) ?? [];
    if (list.length < 2) return list.map((r) => ({ node: r.node, slot: r.slot }));
    const at = new Map<Node, number>();
    for (const r of list) if (!at.has(r.node)) at.set(r.node, this.list.indexOf(r.node)!);
    return list.map((r) => ({ node: r.node, slot: r.slot })).sort((a, b) => at.get(a.node)! - at.get(b.node)! || a.slot - b.slot);
  }

  indexOf(node: Node): number {
    const i = this.list.indexOf(node);
    if (i === undefined) throw new EditError(`internal: node ${node.name} is not in the graph`);
    return i;
  }

  isGraphOutput(tensor: string): boolean {
    return this.graph.output.some((o) => o.name === tensor);
  }

  /** The node of that name, or the unnamed node a label (`Concat#57`, graph/nodeRefs.ts) named when this edit began. */
  nodeByName(name: string): Node | undefined {
    if (!name) return undefined; // every unnamed node has the empty name
    const byName = this.m.byName;
    const named = byName && !this.namesRepeat ? byName.get(name) : this.nodes.find((n) => n.name === name);
    if (named) return named;
    // Not a name in the graph now: a label, resolved where the edit began (the map rules out a name
    // there that is still in the graph; a removed one is not found either way).
    const ref = (byName ? labelRef(this.startNodes, name) : findNodeRef(this.startNodes, name)).node;
    return ref && !ref.name && this.list.has(ref) ? ref : undefined;
  }

  requireNode(name: string, what = 'node'): Node {
    const n = this.nodeByName(name);
    if (n) return n;
    const ref = findNodeRef(this.startNodes, name);
    if (ref.why) throw new EditError(ref.why);
    if (ref.node) throw new EditError(`${name} is no longer in the graph (an earlier part of this edit removed it)`);
    throw new EditError(`no ${what} named "${name}" in the graph`);
  }

  /**
   * How results and inverses name `node`: its name, or its label in the graph as it is now; a node
   * no longer in it (this edit removed it) by its label when the edit began (`startLabel`).
   */
  label(node: Node): string {
    if (node.name) return node.name;
    const i = this.list.indexOf(node);
    return i === undefined ? this.startLabel(node) : nodeLabel(node, i);
  }

  /**
   * `node`'s name, or its label in the node list as the edit began: how the request names it, and
   * how results name a node the edit removes. A node this edit inserted: its label now (or its op
   * type once removed again).
   */
  startLabel(node: Node): string {
    if (node.name) return node.name;
    if (!this.startPositions) {
      this.startPositions = new Map();
      this.startNodes.forEach((n, i) => this.startPositions!.set(n, i));
    }
    const i = this.startPositions.get(node);
    if (i !== undefined) return nodeLabel(node, i);
    const now = this.list.indexOf(node);
    return now === undefined ? node.opType : nodeLabel(node, now);
  }

  /** The first initializer of that name (as a scan of the list finds it). */
  initializer(name: string): Tensor | undefined {
    return this.inits.get(name);
  }

  /** The tensor holding a constant: an initializer, or the `value` of the Constant node producing it. */
  constantTensor(name: string): Tensor | undefined {
    const init = this.initializer(name);
    if (init) return init;
    const p = this.producerOf(name);
    if (p?.opType === 'Constant') return p.attribute.find((a) => a.name === 'value')?.t;
    return undefined;
  }

  isConstant(name: string): boolean {
    if (this.initializer(name)) return true;
    const p = this.producerOf(name);
    return p?.opType === 'Constant';
  }

  /** Values of a constant (initializer, Constant `value` / `value_float(s)` / `value_int(s)`), cached; null when unreadable. */
  constValue(name: string): ConstValue | null {
    if (this.constCache.has(name)) return this.constCache.get(name)!;
    let out: ConstValue | null = null;
    try {
      const t = this.constantTensor(name);
      if (t) {
        const v = readTensorValues(this.decoded, t);
        const values = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) values[i] = Number(v[i]);
        out = { values, dataType: t.dataType, dims: t.dims.map(Number) };
      } else {
        const p = this.producerOf(name);
        if (p?.opType === 'Constant') {
          const a = p.attribute[0];
          if (a?.name === 'value_float' && a.f !== undefined) out = { values: Float64Array.of(a.f), dataType: DataType.FLOAT, dims: [] };
          else if (a?.name === 'value_floats') out = { values: Float64Array.from(a.floats), dataType: DataType.FLOAT, dims: [a.floats.length] };
          else if (a?.name === 'value_int' && a.i !== undefined) out = { values: Float64Array.of(Number(a.i)), dataType: DataType.INT64, dims: [] };
          else if (a?.name === 'value_ints') out = { values: Float64Array.from(a.ints, Number), dataType: DataType.INT64, dims: [a.ints.length] };
        }
      }
    } catch {
      out = null;
    }
    this.constCache.set(name, out);
    return out;
  }

  requireConst(name: string, what: string): ConstValue {
    const v = this.constValue(name);
    if (!v) throw new EditError(`cannot read the ${what} "${name}" (not a readable constant)`, undefined, name);
    return v;
  }

  // ---- names ----------------------------------------------------------------------------------

  /** A node or tensor name not used anywhere in the graph yet (`base`, else `base_1`, `base_2`, ...). */
  fresh(base: string): string {
    if (!this.names) {
      this.flush();
      const s = new Set<string>();
      const g = this.graph;
      for (const n of g.node) {
        if (n.name) s.add(n.name);
        for (const o of n.output) s.add(o);
        for (const i of n.input) s.add(i);
      }
      for (const t of g.initializer) s.add(t.name);
      for (const v of [...g.input, ...g.output, ...g.valueInfo]) s.add(v.name);
      for (const sp of g.sparseInitializer) if (sp.values) s.add(sp.values.name);
      this.names = s;
    }
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  // ---- primitives -----------------------------------------------------------------------------

  /** Point input `slot` of `node` at `tensor`. */
  rewire(node: Node, slot: number, tensor: string): void {
    const old = node.input[slot];
    if (old === tensor) return;
    const input = node.input.slice();
    input[slot] = tensor;
    const maps = this.maps;
    if (maps) {
      if (old) dropReaders(maps.readers, old, (r) => r.node === node && r.slot === slot);
      if (tensor) addReader(maps.readers, tensor, { node, slot });
    }
    this.journal.set(node, 'input', input);
  }

  /** Insert `nodes` (in order) just before `before`, a node of the graph. */
  insertNodes(nodes: Node[], before: Node): void {
    if (!this.list.has(before)) throw new EditError(`internal: node ${before.name} is not in the graph`);
    this.list.insertBefore(nodes, before);
    if (nodes.some((n) => COMPUTE_OPS.has(n.opType))) this.computeGeneration++;
    const maps = this.maps;
    if (!maps) return;
    for (const n of nodes) {
      this.addReads(maps.readers, n);
      if (n.name && maps.byName) {
        if (!maps.byName.has(n.name)) maps.byName.set(n.name, n);
        else this.namesRepeat = true;
      }
      // A name produced twice is refused by commit(); until then the existing producer is kept.
      for (const o of n.output) if (o && !maps.producer.has(o)) maps.producer.set(o, n);
    }
  }

  /** Replace `node` by `replacement` at the same position. */
  replaceNode(node: Node, replacement: Node): void {
    this.indexOf(node); // refuses a node that is not in the graph
    this.list.replace(node, replacement);
    if (COMPUTE_OPS.has(node.opType) || COMPUTE_OPS.has(replacement.opType)) this.computeGeneration++;
    const maps = this.maps;
    if (!maps) return;
    this.dropReads(maps.readers, node);
    for (const o of node.output) if (o && maps.producer.get(o) === node) maps.producer.delete(o);
    if (maps.byName?.get(node.name) === node) maps.byName.delete(node.name);
    if (replacement.name && maps.byName) {
      if (!maps.byName.has(replacement.name)) maps.byName.set(replacement.name, replacement);
      else this.namesRepeat = true;
    }
    this.addReads(maps.readers, replacement);
    for (const o of replacement.output) if (o && !maps.producer.has(o)) maps.producer.set(o, replacement);
  }

  addInitializers(tensors: Tensor[]): void {
    if (tensors.length === 0) return;
    this.inits.add(tensors);
  }

  /**
   * Remove the Q/DQ/Constant nodes among `candidates` (and, transitively, the Constant nodes and
   * initializers only they read) whose outputs nobody reads any more and that are not graph
   * outputs. Returns the names of removed nodes and initializers.
   */
  dropUnread(candidates: Iterable<Node>, initializerCandidates: Iterable<string> = []): { nodes: Node[]; initializers: string[] } {
    const g = this.graph;
    // How many reads each tensor has left: its readers, plus one per graph output entry naming it;
    // taken from the maps on first use and counted down as nodes go.
    const maps = this.m;
    const left = new Map<string, number>();
    const count = {
      get: (t: string): number => {
        let c = left.get(t);
        if (c === undefined) {
          c = maps.readers.get(t)?.length ?? 0;
          for (const o of g.output) if (o.name === t) c++;
          left.set(t, c);
        }
        return c;
      },
      set: (t: string, c: number): void => void left.set(t, c),
    };
    const removable = (n: Node): boolean => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear' || n.opType === 'Constant';
    const removed = new Set<Node>();
    const work = [...candidates];
    const touchedInits = new Set<string>(initializerCandidates);
    while (work.length) {
      const n = work.pop()!;
      if (removed.has(n) || !removable(n)) continue;
      if (n.output.some((o) => o && (count.get(o) ?? 0) > 0)) continue;
      removed.add(n);
      for (const t of n.input) {
        if (!t) continue;
        count.set(t, (count.get(t) ?? 0) - 1);
        if ((count.get(t) ?? 0) > 0) continue;
        const p = this.producerOf(t);
        if (p) work.push(p);
        else touchedInits.add(t);
      }
    }
    const inits = [...touchedInits].filter((t) => (count.get(t) ?? 0) <= 0 && this.initializer(t) && !g.input.some((i) => i.name === t));
    if (removed.size) {
      const gone = (this.goneValueInfo ??= new Set<string>());
      for (const n of removed) {
        this.list.remove(n);
        for (const o of n.output) gone.add(o);
      }
      for (const n of removed) {
        this.dropReads(maps.readers, n);
        for (const o of n.output) if (o && maps.producer.get(o) === n) maps.producer.delete(o);
        if (maps.byName?.get(n.name) === n) maps.byName.delete(n.name);
      }
    }
    if (inits.length) this.inits.drop(inits);
    return { nodes: [...removed], initializers: inits };
  }

  /**
   * Validate; on a new problem undo everything and throw. The problems the graph had before are
   * only looked for when it has some now (the journal takes the graph back there and forth), so a
   * valid model is checked once per edit.
   */
  commit(): void {
    this.flush();
    const after = graphProblems(this.graph);
    if (after.size === 0) return;
    this.journal.undo();
    const before = graphProblems(this.graph);
    this.journal.redo();
    const fresh = [...after].filter(([k]) => !before.has(k));
    if (fresh.length) {
      this.journal.undo();
      this.reset();
      const shown = fresh.slice(0, 3).map(([, msg]) => msg).join('; ');
      throw new EditError(`refused: the edit would leave the graph invalid: ${shown}${fresh.length > 3 ? ` (and ${fresh.length - 3} more)` : ''}`);
    }
  }

  /** Undo whatever was done so far (an edit that failed half way); changes not yet written are dropped. */
  rollback(): void {
    this.journal.undo();
    this.reset();
  }
}

// ---- new messages ---------------------------------------------------------------------------

export function newNode(opType: string, name: string, input: string[], output: string[], attribute: Attribute[] = []): Node {
  return { input, output, name, opType, domain: '', overload: '', attribute, docString: '', metadataProps: [] };
}

export function intAttribute(name: string, value: number): Attribute {
  return {
    name, refAttrName: '', docString: '', type: AttributeType.INT, i: value,
    floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [],
  };
}

/** A new initializer holding `values` as raw_data of `dataType` (FLOAT, INT8, UINT8, INT32, FLOAT8E4M3FN passes bytes as given). */
export function newTensor(name: string, dataType: number, dims: number[], values: ArrayLike<number>): Tensor {
  let bytes: Uint8Array;
  switch (dataType) {
    case DataType.FLOAT: {
      const f = Float32Array.from(values);
      bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
      break;
    }
    case DataType.INT8:
      bytes = new Uint8Array(Int8Array.from(values).buffer);
      break;
    case DataType.UINT8:
    case DataType.FLOAT8E4M3FN:
    case DataType.FLOAT8E4M3FNUZ:
    case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ:
      bytes = Uint8Array.from(values); // zero points are 0 (the all-zero bit pattern in every one of these)
      break;
    case DataType.INT32: {
      const a = Int32Array.from(values);
      bytes = new Uint8Array(a.buffer);
      break;
    }
    case DataType.INT16: {
      const a = Int16Array.from(values);
      bytes = new Uint8Array(a.buffer);
      break;
    }
    case DataType.UINT16: {
      const a = Uint16Array.from(values);
      bytes = new Uint8Array(a.buffer);
      break;
    }
    default:
      throw new EditError(`cannot create a ${dataTypeName(dataType)} tensor`);
  }
  return {
    dims, dataType, name, docString: '', externalData: [], dataLocation: DataLocation.DEFAULT, metadataProps: [],
    rawData: { kind: 'inline', bytes },
  };
}

// ---- validation -----------------------------------------------------------------------------

const EMPTY_READS: string[] = [];

/** Tensors a node's subgraphs read from the enclosing scope (not defined inside them). */
export function subgraphFreeReads(node: Node): string[] {
  let out: string[] | undefined;
  if (!node.attribute.some((a) => a.g !== undefined || a.graphs.length > 0)) return EMPTY_READS;
  for (const a of node.attribute) {
    const graphs = a.g ? [a.g, ...a.graphs] : a.graphs;
    for (const sg of graphs) {
      const defined = new Set<string>();
      for (const i of sg.input) defined.add(i.name);
      for (const t of sg.initializer) defined.add(t.name);
      const visit = (n: Node): void => {
        for (const t of n.input) if (t && !defined.has(t)) (out ??= []).push(t);
        for (const t of subgraphFreeReads(n)) if (!defined.has(t)) (out ??= []).push(t);
        for (const o of n.output) defined.add(o);
      };
      sg.node.forEach(visit);
    }
  }
  return out ?? [];
}

/** Structural problems of the main graph, keyed so that the same problem before and after an edit compares equal. */
export function graphProblems(g: Graph): Map<string, string> {
  const problems = new Map<string, string>();
  const defined = new Set<string>();
  for (const i of g.input) defined.add(i.name);
  for (const t of g.initializer) defined.add(t.name);
  for (const s of g.sparseInitializer) if (s.values) defined.add(s.values.name);
  g.node.forEach((n, idx) => {
    const check = (t: string): void => {
      if (t && !defined.has(t)) {
        const label = n.name || `${n.opType}#${idx}`;
        problems.set(`use:${t}:${label}`, `${label} reads "${t}" before (or without) anything producing it`);
      }
    };
    for (const t of n.input) check(t);
    if (n.attribute.length) for (const t of subgraphFreeReads(n)) check(t);
    for (const o of n.output) {
      if (!o) continue;
      if (defined.has(o) && !g.input.some((i) => i.name === o)) problems.set(`dup:${o}`, `"${o}" is produced twice`);
      defined.add(o);
    }
  });
  for (const o of g.output) if (!defined.has(o.name)) problems.set(`out:${o.name}`, `graph output "${o.name}" is produced by nothing`);
  return problems;
}
