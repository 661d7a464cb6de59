/**
 * One edit in progress on the main graph of a decoded model: the journal that records what it
 * replaces, producer/reader maps over the current arrays (kept between edits: maps.ts), constant
 * lookup (initializers and Constant nodes, as torch exports scales), unique names, and the
 * structural primitives every edit is made of (rewire an input, insert nodes, drop unread Q/DQ and
 * constants, add initializers). `commit()` validates: an edit that would leave the graph with a
 * problem it did not have (a tensor read before or without a producer, two producers of one name, a
 * graph output nobody produces) is undone and refused with an `EditError` naming the problem.
 */
import {
  AttributeType, DataLocation, DataType, dataTypeName, readTensorValues, type Attribute, type DecodedModel, type Graph,
  type MessageBase, type Node, type Tensor, type ValueInfo,
} from '../onnx/index';
import { Journal } from './journal';
import type { LocalGraph } from '../analysis/index';
import { findNodeRef, labelRef, nodeLabel } from '../graph/index';
import { InitializerList, NodeList, Positions } from './graphLists';
import { followJournal, GraphMaps, keepMaps, subgraphFreeReads, takeMaps } from './maps';

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

export class EditContext {
  /** Owned by the graph: kept maps of other graphs stay good (maps.ts). */
  readonly journal: Journal;
  readonly graph: Graph;
  /**
   * Producer and reader maps over the current node list, taken from those kept for the graph or
   * built on first use. The primitives below keep them up to date (a rewire moves one reader, a
   * removal drops the removed nodes' entries): an edit made of many small ones (a plan, Fix All:
   * hundreds of pairs removed from a 50,000-node graph) does not rebuild them after each part, and
   * a single edit does not build them at all when the last one kept them.
   */
  private maps: GraphMaps | undefined;
  /**
   * The state the maps described when this edit took or built them, before any change (maps.ts):
   * set while they have logged every change of the edit, so its journal can take them back.
   */
  private mapsFrom: object | undefined;
  /** Tensors an inserted, removed, replaced or rewired node reads or writes, and initializers added or dropped: what `commit()` checks. */
  private readonly touched = new Set<string>();
  /**
   * Changes made outside the primitives: `invalidate()` was called, or the journal holds more
   * (message, field) pairs than the primitives set (`primitiveFields`). Then `commit()` checks the
   * whole graph and the maps are not kept.
   */
  private outside = false;
  private primitiveFields = 0;
  private readonly primitiveSet = new Map<MessageBase, Set<string>>();
  /** Undone (refused or rolled back): nothing more to undo. */
  private closed = false;
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
  /**
   * Changes when a compute node is inserted, removed or replaced, or the maps are reset: indexes of
   * compute nodes built for this edit (targets.ts `resolveLayers`) are then stale. The primitives
   * below never do that in the edits this layer makes (they insert and remove Q/DQ and constants).
   */
  private computeGeneration = 0;
  /**
   * Names `fresh` handed out, and names that were in use at its first call and are not any more:
   * it never hands out a name in use when it was first called.
   */
  private reserved: Set<string> | undefined;
  /** Every name in use, when the maps cannot say it (a name or a tensor repeats): as at the first `fresh`. */
  private names: Set<string> | undefined;
  /** Names of the graph's inputs, outputs and sparse initializers (no edit changes those lists), built on first use. */
  private listed: Set<string> | undefined;
  private readonly constCache = new Map<string, ConstValue | null>();
  /** The node list when the edit began (edits replace the array, never mutate it): where labels are resolved. */
  readonly startNodes: readonly Node[];
  /** Positions in `startNodes`. */
  private readonly startPositions: Positions;

  constructor(readonly decoded: DecodedModel) {
    const g = decoded.model.graph;
    if (!g) throw new EditError(`${decoded.file}: the model has no graph to edit`);
    this.graph = g;
    this.journal = new Journal(g);
    this.startNodes = g.node;
    this.startPositions = new Positions(g.node);
    this.list = new NodeList(g.node, this.startPositions);
    this.inits = new InitializerList(g.initializer);
    const kept = takeMaps(g);
    if (kept) {
      this.maps = kept.maps;
      this.mapsFrom = kept.state;
      kept.maps.record();
    }
  }

  /** ai.onnx opset of the model (0 when none is imported). */
  get opset(): number {
    const op = this.decoded.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    return op ? Number(op.version) : 0;
  }

  // ---- maps -----------------------------------------------------------------------------------

  private get m(): GraphMaps {
    if (this.maps) return this.maps;
    const maps = GraphMaps.of(this.nodes);
    // Built before any change: the log then holds every change of the edit (the journal follows it).
    if (this.journal.size === 0) {
      this.mapsFrom = {};
      maps.record();
    }
    this.maps = maps;
    return maps;
  }

  /** `journal.set` for the primitives, remembering which fields they set (see `commit`). */
  private set<T extends MessageBase, K extends keyof T & string>(target: T, key: K, value: T[K]): void {
    let keys = this.primitiveSet.get(target);
    if (!keys) this.primitiveSet.set(target, (keys = new Set()));
    if (!keys.has(key)) {
      keys.add(key);
      this.primitiveFields++;
    }
    this.journal.set(target, key, value);
  }

  /** Everything `n` reads and writes is touched (and, once `fresh` was called, its names stay taken). */
  private touch(n: Node, leaving: boolean): void {
    const reserved = leaving ? this.reserved : undefined;
    if (reserved && n.name) reserved.add(n.name);
    for (const ts of [n.input, n.output, subgraphFreeReads(n)]) {
      for (const t of ts) {
        if (!t) continue;
        this.touched.add(t);
        reserved?.add(t);
      }
    }
  }

  /**
   * Writes the node, initializer and value-info lists the primitives changed to the graph (through
   * the journal), so that `graph.node` and the others are the current lists.
   */
  flush(): void {
    const g = this.graph;
    const nodes = this.list.materialize();
    if (nodes) this.set(g, 'node', nodes);
    const inits = this.inits.materialize();
    if (inits) this.set(g, 'initializer', inits);
    const gone = this.goneValueInfo;
    if (gone) {
      this.goneValueInfo = undefined;
      if (g.valueInfo.some((v) => gone.has(v.name))) this.set(g, 'valueInfo', g.valueInfo.filter((v) => !gone.has(v.name)));
    }
  }

  /** Call after changing node lists or inputs outside the primitives below. */
  invalidate(): void {
    this.outside = true;
    this.flush();
    this.reset();
  }

  /** Whether every change of this edit went through the primitives (see `outside`). */
  private get byPrimitives(): boolean {
    return !this.outside && this.journal.size === this.primitiveFields;
  }

  /** Forget every derived map (the graph's lists are the truth again). */
  private reset(): void {
    this.maps = undefined;
    this.mapsFrom = undefined;
    this.computeGeneration++;
    this.goneValueInfo = undefined;
    this.names = undefined;
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
    const maps = this.m;
    if (!maps.namesRepeat) {
      const n = maps.byName.get(name);
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

  /**
   * The graph as the analysis' local walks read it (analysis/localAnalysis.ts), over the maps: only
   * when they can give the whole-graph analysis' answers (the node list in topological order, one
   * producer per tensor, one initializer per name, no subgraphs; and nothing this edit changed so
   * far out of order), else undefined.
   */
  localGraph(): LocalGraph | undefined {
    const maps = this.m;
    if (this.outside || !maps.exact || !maps.sorted || maps.subgraphs || this.inits.repeats || this.problemOn(this.touched, maps)) return undefined;
    return {
      decoded: this.decoded,
      nodes: this.nodes,
      producer: (t) => maps.producer.get(t),
      readers: (t) => (maps.readers.get(t) ?? []).map((r) => r.node),
      indexOf: (n) => this.indexOf(n),
      initializer: (t) => this.inits.get(t),
    };
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
    const maps = this.m;
    const named = !maps.namesRepeat ? maps.byName.get(name) : this.nodes.find((n) => n.name === name);
    if (named) return named;
    // Not a name in the graph now: a label, resolved where the edit began (the map rules out a name
    // there that is still in the graph; a removed one is not found either way).
    const ref = (!maps.namesRepeat ? labelRef(this.startNodes, name) : findNodeRef(this.startNodes, name)).node;
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
    const i = this.startPositions.of(node);
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

  private get listedNames(): Set<string> {
    if (!this.listed) {
      const g = this.graph;
      const s = new Set<string>();
      for (const v of g.input) s.add(v.name);
      for (const v of g.output) s.add(v.name);
      for (const sp of g.sparseInitializer) if (sp.values) s.add(sp.values.name);
      this.listed = s;
    }
    return this.listed;
  }

  /**
   * A node or tensor name not used anywhere in the graph yet (`base`, else `base_1`, `base_2`, ...):
   * not the name of a node, a tensor a node reads or writes, an initializer, a graph input or output
   * or a value info, nor one handed out earlier in this edit or in use at the first call.
   */
  fresh(base: string): string {
    const reserved = (this.reserved ??= new Set());
    const maps = this.m;
    let inUse: (name: string) => boolean;
    if (maps.exact && !maps.namesRepeat) {
      const listed = this.listedNames;
      // Value infos of tensors this edit removed go at the next flush: their names are free.
      const described = valueInfoNames(this.graph.valueInfo);
      const gone = this.goneValueInfo;
      inUse = (name) =>
        reserved.has(name) || maps.byName.has(name) || maps.producer.has(name) || maps.readers.has(name) ||
        this.inits.get(name) !== undefined || listed.has(name) || (described.has(name) && !gone?.has(name));
    } else {
      // The maps miss a repeated name's other nodes: every name in use, as it is now.
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
      const names = this.names;
      inUse = (name) => reserved.has(name) || names.has(name);
    }
    let name = base;
    for (let k = 1; inUse(name); k++) name = `${base}_${k}`;
    reserved.add(name);
    return name;
  }

  // ---- primitives -----------------------------------------------------------------------------

  /** Point input `slot` of `node` at `tensor`. */
  rewire(node: Node, slot: number, tensor: string): void {
    const old = node.input[slot];
    if (old === tensor) return;
    const input = node.input.slice();
    input[slot] = tensor;
    this.m.moveReader(node, slot, old ?? '', tensor);
    for (const t of [old, tensor]) {
      if (!t) continue;
      this.touched.add(t);
      this.reserved?.add(t);
    }
    this.set(node, 'input', input);
  }

  /** Insert `nodes` (in order) just before `before`, a node of the graph. */
  insertNodes(nodes: Node[], before: Node): void {
    if (!this.list.has(before)) throw new EditError(`internal: node ${before.name} is not in the graph`);
    const maps = this.m;
    this.list.insertBefore(nodes, before);
    if (nodes.some((n) => COMPUTE_OPS.has(n.opType))) this.computeGeneration++;
    for (const n of nodes) {
      // A tensor produced twice is refused by commit(); until then the existing producer is kept.
      maps.addNode(n);
      this.touch(n, false);
    }
  }

  /** Replace `node` by `replacement` at the same position. */
  replaceNode(node: Node, replacement: Node): void {
    this.indexOf(node); // refuses a node that is not in the graph
    const maps = this.m;
    this.list.replace(node, replacement);
    if (COMPUTE_OPS.has(node.opType) || COMPUTE_OPS.has(replacement.opType)) this.computeGeneration++;
    maps.removeNode(node);
    maps.addNode(replacement);
    this.touch(node, true);
    this.touch(replacement, false);
  }

  /** Set the attributes of `node` (a graph attribute may change what its subgraphs read). */
  setAttributes(node: Node, attribute: Attribute[]): void {
    const maps = this.m;
    maps.removeNode(node);
    this.touch(node, false);
    this.set(node, 'attribute', attribute);
    maps.addNode(node);
    this.touch(node, false);
  }

  addInitializers(tensors: Tensor[]): void {
    if (tensors.length === 0) return;
    this.inits.add(tensors);
    for (const t of tensors) this.touched.add(t.name);
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
        maps.removeNode(n);
        this.touch(n, true);
      }
    }
    if (inits.length) {
      this.inits.drop(inits);
      for (const t of inits) {
        this.touched.add(t);
        this.reserved?.add(t);
      }
    }
    return { nodes: [...removed], initializers: inits };
  }

  /**
   * Validate; on a new problem undo everything and throw. When every change went through the
   * primitives and no tensor has two producers, only the tensors the edit touched are checked,
   * through the maps: a problem anywhere else is one the graph had before. The whole graph's
   * problems, before and after, are compared only when there is one (the journal takes the graph
   * back there and forth). Then the maps are kept for the next edit (maps.ts).
   */
  commit(): void {
    this.flush();
    const maps = this.byPrimitives ? this.m : undefined;
    if (!maps?.exact || this.problemOn(this.touched, maps)) {
      // A tensor it touched is out of order, or read with no producer: the order is not known any more.
      if (maps) maps.sorted = false;
      const keyOf = identityKeys();
      const after = graphProblems(this.graph, keyOf);
      if (after.size) {
        this.journal.undo();
        const before = graphProblems(this.graph, keyOf);
        this.journal.redo();
        const fresh = [...after].filter(([k]) => !before.has(k));
        if (fresh.length) {
          this.rollback();
          const shown = fresh.slice(0, 3).map(([, msg]) => msg).join('; ');
          throw new EditError(`refused: the edit would leave the graph invalid: ${shown}${fresh.length > 3 ? ` (and ${fresh.length - 3} more)` : ''}`);
        }
      }
    }
    this.maps = undefined;
    if (!maps) return;
    const to = {};
    keepMaps(this.graph, maps, to);
    const log = maps.takeLog();
    if (log && this.mapsFrom) followJournal(this.graph, this.journal, log, this.mapsFrom, to);
  }

  /**
   * Whether the graph has one of `graphProblems`' problems on one of `tensors`: a reader with no
   * graph input, initializer or earlier producer of it, a producer of an initializer's name, a graph
   * output nobody produces. Through the maps, whose producers are unique (`exact`).
   */
  private problemOn(tensors: Iterable<string>, maps: GraphMaps): boolean {
    const g = this.graph;
    const listed = new Set(g.input.map((i) => i.name));
    const stored = new Set<string>();
    for (const sp of g.sparseInitializer) if (sp.values) stored.add(sp.values.name);
    const outputs = new Set(g.output.map((o) => o.name));
    for (const t of tensors) {
      if (!t || listed.has(t)) continue;
      const p = maps.producer.get(t);
      if (this.inits.get(t) || stored.has(t)) {
        if (p) return true;
        continue;
      }
      const readers = maps.readers.get(t) ?? [];
      if (!p) {
        if (readers.length || outputs.has(t)) return true;
        continue;
      }
      const at = this.list.indexOf(p);
      if (at === undefined) return true;
      for (const r of readers) if (!((this.list.indexOf(r.node) ?? -1) > at)) return true;
    }
    return false;
  }

  /** Undo whatever was done so far (an edit that failed half way or was refused); changes not yet written are dropped. */
  rollback(): void {
    if (this.closed) return;
    this.closed = true;
    this.journal.undo();
    const maps = this.maps;
    const log = maps?.takeLog();
    if (maps && log && this.mapsFrom && this.byPrimitives) {
      // Back where they were taken: kept for the next edit.
      maps.replay(log, true);
      keepMaps(this.graph, maps, this.mapsFrom);
    }
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

/**
 * Structural problems of the main graph, keyed so that the same problem before and after an edit
 * compares equal. A node is keyed by its label, or by `nodeKey` (`identityKeys`: an unnamed node
 * keeps its key when an edit moves its index).
 */
export function graphProblems(g: Graph, nodeKey: (n: Node, label: string) => string = (_n, label) => label): Map<string, string> {
  const problems = new Map<string, string>();
  const defined = new Set<string>();
  for (const i of g.input) defined.add(i.name);
  for (const t of g.initializer) defined.add(t.name);
  for (const s of g.sparseInitializer) if (s.values) defined.add(s.values.name);
  g.node.forEach((n, idx) => {
    const check = (t: string): void => {
      if (t && !defined.has(t)) {
        const label = n.name || `${n.opType}#${idx}`;
        problems.set(`use:${t}:${nodeKey(n, label)}`, `${label} reads "${t}" before (or without) anything producing it`);
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

/** Keys for `graphProblems` that tell nodes apart by identity (one function per comparison). */
function identityKeys(): (n: Node) => string {
  const ids = new Map<Node, number>();
  return (n) => {
    let id = ids.get(n);
    if (id === undefined) ids.set(n, (id = ids.size));
    return `@${id}`;
  };
}

const valueInfoNameSets = new WeakMap<readonly ValueInfo[], Set<string>>();

/** The names of a value-info list, kept per list (lists are replaced, never changed). */
function valueInfoNames(list: readonly ValueInfo[]): Set<string> {
  let names = valueInfoNameSets.get(list);
  if (!names) valueInfoNameSets.set(list, (names = new Set(list.map((v) => v.name))));
  return names;
}
