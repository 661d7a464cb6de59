/**
 * Derived, read-only indexes over a graph: producer and consumers of each tensor name, topological
 * order, and the graph-level problems a model can open with (cycles, dangling references,
 * duplicate names). Subgraphs (If/Loop/Scan bodies) are indexed on request with their outer scope;
 * in the graph that holds them, the names a subgraph reads from outside it count as reads of the
 * node that owns the subgraph ("implicit inputs", as ONNX Runtime calls them): that node is one of
 * their consumers, comes after their producers in the topological order, and a name nothing
 * defines is a dangling read of that node.
 *
 * Inside, every tensor name a node reads or writes gets an integer id (NameIds, sized up front: one
 * hash lookup per name written, and per name read unless a small cache of the names met lately
 * has it), and producers, consumer lists (CSR: offsets + one flat list), dependents and in-degrees
 * are typed arrays. `producer` and `consumers` are read-only Map views over those arrays; a
 * consumer list is made when first asked for. A name nothing defines that the cache of recent
 * names (below) did not meet twice gets its id only when `consumers` needs it: asked about a name
 * without an id, counted or listed. The index reads the graph as it is when built: an edit (which
 * gives a node new lists) is followed by a new index.
 */
import type { Graph, Node, Tensor, ValueInfo } from '../onnx/index';
import { NameIds } from './nameIds';

export type GraphProblemKind =
  | 'cycle'
  | 'dangling-input'
  | 'duplicate-node-name'
  | 'duplicate-tensor-producer'
  | 'missing-graph-output'
  | 'duplicate-initializer';

export interface GraphProblem {
  kind: GraphProblemKind;
  message: string;
  /** Node indices involved. */
  nodes: number[];
  tensor?: string;
}

export interface GraphIndex {
  readonly graph: Graph;
  /** Tensor name -> index of the node that produces it. */
  readonly producer: ReadonlyMap<string, number>;
  /**
   * Tensor name -> indices of nodes that read it (a node reading it twice appears twice). A node
   * whose subgraph reads the name from this graph (not through `node.input`) is listed once.
   */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Node index -> names its subgraphs read from this graph or outer ones, for nodes with any. */
  readonly implicitInputs: ReadonlyMap<number, readonly string[]>;
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** graph.input names that are not initializers (the real inputs). */
  readonly inputs: readonly ValueInfo[];
  /** Every ValueInfo known by name (inputs, outputs, value_info). */
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
  /** Node indices in a topological order (stable: original order where free); nodes on cycles come last. */
  readonly topoOrder: readonly number[];
  readonly problems: readonly GraphProblem[];
}

/**
 * At most this many problems of one kind are listed; one more entry per kind then gives the count
 * of the rest. (A crafted 10 MB graph can have millions of dangling reads or duplicate names; one
 * object and message each cost ~1.5-3.5 s and ~80x the file size in memory.)
 */
export const MAX_LISTED_PROBLEMS = 10_000;

/** Problems listed per kind up to MAX_LISTED_PROBLEMS, the rest counted. */
class Problems {
  /** Keeps this class's shape alive between indexings (see WireReader.shapeAnchor in the ONNX layer). */
  static readonly shapeAnchor = new Problems();
  readonly list: GraphProblem[] = [];
  /** Counts by kind, in the order kinds were first seen. */
  private readonly counts = new Map<GraphProblemKind, number>();
  private lastKind: GraphProblemKind | undefined;
  private lastCount = 0;

  /** Count one problem of `kind`; true when it should be listed (then call `add`). */
  count(kind: GraphProblemKind): boolean {
    // Floods repeat one kind: keep its count in a field, not a Map entry per problem.
    if (kind !== this.lastKind) {
      if (this.lastKind !== undefined) this.counts.set(this.lastKind, this.lastCount);
      this.lastKind = kind;
      this.lastCount = this.counts.get(kind) ?? 0;
      if (this.lastCount === 0) this.counts.set(kind, 0);
    }
    return ++this.lastCount <= MAX_LISTED_PROBLEMS;
  }

  add(kind: GraphProblemKind, message: string, nodes: number[], tensor?: string): void {
    this.list.push(tensor === undefined ? { kind, message, nodes } : { kind, message, nodes, tensor });
  }

  finish(): GraphProblem[] {
    if (this.lastKind !== undefined) this.counts.set(this.lastKind, this.lastCount);
    for (const [kind, n] of this.counts) {
      if (n > MAX_LISTED_PROBLEMS) this.list.push({ kind, message: `${n - MAX_LISTED_PROBLEMS} more '${kind}' problems are not listed (${n} in all)`, nodes: [] });
    }
    return this.list;
  }
}

export function buildGraphIndex(graph: Graph, outerScope: ReadonlySet<string> = new Set()): GraphIndex {
  const problems = new Problems();
  const initializers = new Map<string, Tensor>();
  const valueInfo = new Map<string, ValueInfo>();

  for (const t of graph.initializer) {
    if (initializers.has(t.name) && problems.count('duplicate-initializer')) {
      problems.add('duplicate-initializer', `initializer '${t.name}' is defined more than once`, [], t.name);
    }
    initializers.set(t.name, t);
  }
  for (const s of graph.sparseInitializer) {
    const name = s.values?.name;
    if (name && s.values) initializers.set(name, s.values);
  }
  for (const list of [graph.input, graph.output, graph.valueInfo]) for (const v of list) if (!valueInfo.has(v.name)) valueInfo.set(v.name, v);
  const inputs = graph.input.filter((v) => !initializers.has(v.name));
  const graphInputs = new Set(graph.input.map((v) => v.name));

  const nodes = graph.node;
  const n = nodes.length;
  const implicitInputs = subgraphReads(nodes);
  const implicitOf = (i: number): readonly string[] | undefined => (implicitInputs.size === 0 ? undefined : implicitInputs.get(i));
  /** What each node reads: its inputs, then what its subgraphs read from outside (when any). */
  const reads = (i: number): readonly string[] => {
    const extra = implicitOf(i);
    return extra ? [...nodes[i]!.input, ...extra] : nodes[i]!.input;
  };
  let outputCount = 0;
  let inputCount = 0;
  for (let i = 0; i < n; i++) {
    outputCount += nodes[i]!.output.length;
    inputCount += nodes[i]!.input.length;
  }
  for (const extra of implicitInputs.values()) inputCount += extra.length;

  // Tensor ids: outputs first (in node order), then names only read: initializers, graph inputs,
  // outer-scope names (and dangling references, a listed problem, which may grow the table).
  const ids = new NameIds({
    expected: Math.min(outputCount + inputCount, outputCount + initializers.size + graph.input.length + outerScope.size),
    most: outputCount + inputCount,
  });
  /** The id of each output of each node, in node order (-1 for ''), for `recent` below. */
  const outIds = new Int32Array(outputCount);
  /** Per id of a name some node writes (the first ids), the first node that writes it. */
  const producer = new Int32Array(outputCount).fill(-1);
  const nodeNames = new NameIds({ expected: n });
  /** Per node-name id, the first node with that name. */
  const firstNamed = new Int32Array(n);
  let q = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    if (node.name) {
      const fresh = nodeNames.size;
      const nameId = nodeNames.add(node.name);
      if (nameId === fresh) firstNamed[nameId] = i;
      else if (problems.count('duplicate-node-name')) {
        const prev = firstNamed[nameId]!;
        problems.add('duplicate-node-name', `node name '${node.name}' is used by nodes ${prev} and ${i}`, [prev, i]);
      }
    }
    const outs = node.output;
    for (let o = 0; o < outs.length; o++) {
      const out = outs[o]!;
      if (out === '') {
        outIds[q++] = -1;
        continue;
      }
      const id = (outIds[q++] = ids.add(out));
      const prev = producer[id]!;
      if (prev < 0) producer[id] = i;
      else if (problems.count('duplicate-tensor-producer')) {
        problems.add('duplicate-tensor-producer', `tensor '${out}' is produced by more than one node (${label(graph, prev)} and ${label(graph, i)})`, [prev, i], out);
      }
    }
  }

  /** Ids below this are names some node writes: ids added later have no producer. */
  const written = ids.size;
  const producerOf = (id: number): number => (id < written ? producer[id]! : -1);

  // Reads: the id of every input occurrence (-1 for ''), dependents and in-degrees. A name no node
  // writes gets its id when first read if it is defined elsewhere (an initializer, a graph input, an
  // outer scope); a name nothing defines (a dangling read, a listed problem) gets one when the cache
  // of recent names finds it read again, else when the consumers view needs it (see `unresolved`
  // below).
  const readIds = new Int32Array(inputCount);
  /** Whether any name is defined other than by a node. */
  const elsewhere = initializers.size + graphInputs.size + outerScope.size > 0;
  const indegree = new Int32Array(n);
  /** Per node, the number of reads of what it writes; made into the offsets of `dependents` below. */
  const dependentStart = new Int32Array(n + 1);
  /**
   * Names met lately, by a key of a few of their characters (quickKey): in slot `key & mask`, the
   * key and id + 1 (0 for none), or, for a name nothing defines read once so far, -(its place in
   * `dangling` + 1), the name itself in `pendingNames`. Filled as the reads go through the nodes,
   * with what each node read and wrote: most reads are of a name written or read a few nodes
   * before, mostly the very same string, then not hashed again. A name nothing defines gets its
   * id when read again (then the cache has it, for a graph that reads it a million times); one
   * read once waits with the others (see `unresolved`; a crafted graph's million distinct ones,
   * given ids as they came, made the table grow step by step to megabytes while reading,
   * and every later lookup a cache miss in it). The key is compared first: another name in the
   * slot is then mostly told apart without reading it (a cache miss where millions of names are
   * read). Where it has fewer than one read in eight (a crafted graph's distinct names), reads
   * skip it for a while (`skip`), then try it again.
   */
  const recent = new Int32Array(2 * RECENT_SLOTS);
  const names = ids.names;
  let tried = 0;
  let found = 0;
  let skip = 0;
  /**
   * The hashes of the reads of names nothing defines, in read order (their place in `readIds`
   * holds DANGLING until they get their ids). Grown by copying, up to the reads there are.
   */
  let dangling = new Int32Array(0);
  /** Per slot of `recent`, the name of a read waiting in `dangling` (see `recent`). */
  const pendingNames = new Array<string>(RECENT_SLOTS).fill('');
  /** Per id, 1 for a name nothing defines that got its id while reading (read again). */
  const undefinedId = new Uint8Array(outputCount + inputCount);
  let danglingCount = 0;
  /** Names nothing defines that got their ids while reading (read again through the cache). */
  let readAgain = 0;
  let k = 0;
  q = 0;
  for (let i = 0; i < n; i++) {
    const ins = reads(i);
    const explicit = nodes[i]!.input.length;
    for (let j = 0; j < ins.length; j++) {
      const inp = ins[j]!;
      if (inp === '') {
        readIds[k++] = -1;
        continue;
      }
      let id = -1;
      let key = 0;
      let slot = 0;
      if (skip > 0) skip--;
      else {
        key = quickKey(inp);
        slot = (key & (RECENT_SLOTS - 1)) << 1;
        const e = recent[slot + 1]!;
        if (e > 0) {
          if (recent[slot] === key && names[e - 1] === inp) {
            id = e - 1;
            found++;
          }
        } else if (e < 0 && recent[slot] === key && pendingNames[slot >> 1] === inp) {
          // Read again: an id now (its first read gets it too, later), kept in the cache.
          id = ids.insert(inp, dangling[-e - 1]!);
          undefinedId[id] = 1;
          readAgain++;
          recent[slot + 1] = id + 1;
          found++;
        }
        if (++tried === RECENT_SLOTS) {
          if (found * 8 < tried) skip = RECENT_SKIP;
          tried = found = 0;
        }
      }
      if (id < 0) {
        const hash = ids.hash(inp);
        id = ids.find(inp, hash);
        if (id < 0) {
          if (elsewhere && (initializers.has(inp) || graphInputs.has(inp) || outerScope.has(inp))) id = ids.insert(inp, hash);
          else {
            if (key !== 0) {
              recent[slot] = key;
              recent[slot + 1] = -(danglingCount + 1);
              pendingNames[slot >> 1] = inp;
            }
            if (danglingCount === dangling.length) dangling = grown(dangling, danglingCount + inputCount - k);
            dangling[danglingCount++] = hash;
            readIds[k++] = DANGLING;
            if (problems.count('dangling-input')) listDangling(problems, graph, i, inp, j >= explicit);
            continue;
          }
        }
        if (key !== 0) {
          recent[slot] = key;
          recent[slot + 1] = id + 1;
        }
      }
      readIds[k++] = id;
      const p = producerOf(id);
      if (p >= 0) {
        indegree[i]!++;
        dependentStart[p]!++;
      } else if (undefinedId[id] === 1 && problems.count('dangling-input')) {
        listDangling(problems, graph, i, inp, j >= explicit);
      }
    }
    const outs = nodes[i]!.output;
    for (let o = 0; o < outs.length; o++) {
      const id = outIds[q++]!;
      if (id < 0) continue;
      const key = quickKey(outs[o]!);
      const slot = (key & (RECENT_SLOTS - 1)) << 1;
      recent[slot] = key;
      recent[slot + 1] = id + 1;
    }
  }

  /**
   * What each node read, while reads wait: the lists themselves, so that `settle` finds the same
   * names even if a node is given new lists after this (as edits do). Made once: `reads` joins a
   * node's inputs and its subgraphs' reads anew each time.
   */
  const readLists = danglingCount > 0 ? Array.from({ length: n }, (_, i) => reads(i)) : [];
  // Reads of names nothing defines still waiting (DANGLING): one of a name that got its id when
  // read again takes that id; the others keep waiting, their hashes moved to the first `unresolved`
  // places of `dangling` (still in read order). They get ids only when the consumers view is asked
  // about a name it does not know, or listed whole (ConsumerView.settle): nothing else reads them,
  // and a crafted graph's 1.6 million distinct ones cost a 16 MB table, 20 MB of lists and ~300 ms.
  let unresolved = danglingCount;
  if (danglingCount > 0 && readAgain > 0) {
    unresolved = 0;
    let d = 0;
    k = 0;
    for (let i = 0; d < danglingCount; i++) {
      const ins = readLists[i]!;
      for (let j = 0; j < ins.length; j++, k++) {
        if (readIds[k] !== DANGLING) continue;
        const hash = dangling[d++]!;
        const id = ids.find(ins[j]!, hash);
        if (id >= 0) readIds[k] = id;
        else dangling[unresolved++] = hash;
      }
    }
  }

  for (const o of graph.output) {
    const id = ids.get(o.name);
    const defined = (id >= 0 && producerOf(id) >= 0) || initializers.has(o.name) || graphInputs.has(o.name) || outerScope.has(o.name);
    if (!defined && problems.count('missing-graph-output')) problems.add('missing-graph-output', `graph output '${o.name}' is not produced by any node`, [], o.name);
  }

  /** How many names node `i` reads (its inputs, then what its subgraphs read from outside). */
  const readCount = (i: number): number => nodes[i]!.input.length + (implicitOf(i)?.length ?? 0);
  const consumerTables = consumerLists(ids.size, readIds, n, readCount);
  if (unresolved > 0 && unresolved * 2 < dangling.length) dangling = dangling.slice(0, unresolved);

  // Dependents as CSR (offsets into one flat list), in node order: the counts become running totals
  // (where each list ends), then the lists are filled from their ends with the nodes in reverse order,
  // leaving each offset at where its list starts.
  let total = 0;
  for (let i = 0; i < n; i++) dependentStart[i] = total += dependentStart[i]!;
  dependentStart[n] = total;
  const dependents = new Int32Array(total);
  k = inputCount;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = readCount(i); j > 0; j--) {
      const id = readIds[--k]!;
      if (id < 0) continue;
      const p = producerOf(id);
      if (p >= 0) dependents[--dependentStart[p]!] = i;
    }
  }

  /** Ids for the names of the reads still waiting, in read order, then the consumer lists again. */
  const settle = (): ConsumerTables => {
    // The table is sized for all of them at once: a crafted graph's 1.6 million distinct ones made
    // it grow step by step, placing every name again each time, and the list of names be copied as
    // often. Their slots are read ahead, PREFETCH at a time (NameIds.prefetch).
    ids.reserve(unresolved);
    let d = 0;
    let ahead = 0;
    let at = 0;
    for (let i = 0; d < unresolved; i++) {
      const ins = readLists[i]!;
      for (let j = 0; j < ins.length; j++, at++) {
        if (readIds[at] !== DANGLING) continue;
        if (d === ahead) ahead = ids.prefetch(dangling, d, Math.min(unresolved, d + PREFETCH));
        readIds[at] = ids.insert(ins[j]!, dangling[d++]!);
      }
    }
    ids.fit();
    return consumerLists(ids.size, readIds, n, (i) => readLists[i]!.length);
  };

  // Kahn's algorithm, always taking the smallest ready node, keeps the original order where the
  // graph allows it. Nodes ready from the start are already sorted: they are taken from a list, and
  // only nodes that become ready later go through the min-heap.
  // Exactly n entries in the end (nodes on cycles are appended): filled by index, never grown.
  const order = new Array<number>(n);
  let ordered = 0;
  const initial = new Int32Array(n);
  let initialCount = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) initial[initialCount++] = i;
  let next = 0;
  const heap = new MinHeap(n);
  while (next < initialCount || heap.size > 0) {
    const i = heap.size > 0 && (next === initialCount || heap.peek() < initial[next]!) ? heap.pop() : initial[next++]!;
    order[ordered++] = i;
    for (let d = dependentStart[i]!; d < dependentStart[i + 1]!; d++) {
      const j = dependents[d]!;
      if (--indegree[j]! === 0) heap.push(j);
    }
  }
  if (ordered < n) {
    const onCycle: number[] = [];
    for (let i = 0; i < n; i++) if (indegree[i]! > 0) onCycle.push(i);
    if (problems.count('cycle')) {
      problems.add('cycle', `the graph has a cycle through ${onCycle.length} node(s), e.g. ${onCycle.slice(0, 3).map((i) => label(graph, i)).join(', ')}`, onCycle);
    }
    for (const i of onCycle) order[ordered++] = i;
  }

  let producedCount = 0;
  for (let id = 0; id < written; id++) if (producer[id]! >= 0) producedCount++;
  const producedIds = new Int32Array(producedCount);
  producedCount = 0;
  for (let id = 0; id < written; id++) if (producer[id]! >= 0) producedIds[producedCount++] = id;
  /** An array cut to `length`: itself when that is its length (a crafted graph's lists can be millions long). */
  const cut = (a: Int32Array, length: number): Int32Array => (a.length === length ? a : a.slice(0, length));
  return {
    graph,
    producer: new ProducerView(ids, producedIds, cut(producer, written)),
    consumers: new ConsumerView(ids, consumerTables, unresolved > 0 ? settle : undefined),
    implicitInputs,
    initializers,
    inputs,
    valueInfo,
    topoOrder: order,
    problems: problems.finish(),
  };
}

/** Consumer lists as CSR (offsets into one flat list), and the ids read, in the order first read. */
interface ConsumerTables {
  /** Per id, where its list starts in `list` (and, at id + 1, where it ends). */
  start: Int32Array;
  list: Int32Array;
  /** The ids that have readers, in the order they were first read (the view's iteration order). */
  present: Int32Array;
}

/**
 * The consumer lists of `idCount` ids from the id of every read in read order (`readIds`, negative
 * for none: '' or a read still waiting for its id), node `i` making `readCount(i)` of them. The
 * counts become running totals (where each list ends), then the lists are filled from their ends
 * with the nodes in reverse order, leaving each offset at where its list starts.
 */
function consumerLists(idCount: number, readIds: Int32Array, n: number, readCount: (i: number) => number): ConsumerTables {
  const reads = readIds.length;
  const start = new Int32Array(idCount + 1);
  const order = new Int32Array(Math.min(reads, idCount));
  let named = 0;
  for (let k = 0; k < reads; k++) {
    const id = readIds[k]!;
    if (id >= 0 && start[id]!++ === 0) order[named++] = id;
  }
  let total = 0;
  for (let id = 0; id < idCount; id++) start[id] = total += start[id]!;
  start[idCount] = total;
  const list = new Int32Array(total);
  let k = reads;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = readCount(i); j > 0; j--) {
      const id = readIds[--k]!;
      if (id >= 0) list[--start[id]!] = i;
    }
  }
  return { start, list, present: named === order.length ? order : order.slice(0, named) };
}

/** List node `i`'s read of `name`, which nothing defines (through a subgraph of the node: `implicit`). */
function listDangling(problems: Problems, graph: Graph, i: number, name: string, implicit: boolean): void {
  const where = implicit ? ' in a subgraph' : '';
  problems.add('dangling-input', `${label(graph, i)} reads '${name}'${where}, which no node, initializer or graph input defines`, [i], name);
}

/** Names nothing defines whose table slots are read ahead at a time (NameIds.prefetch). */
const PREFETCH = 32;

/** In buildGraphIndex's `readIds`, a read of a name nothing defines, until it gets its id. */
const DANGLING = -2;

/** `a` (full) copied into one four times longer, or `most` long when that is less (`most` > `a.length`). */
function grown(a: Int32Array<ArrayBuffer>, most: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.min(Math.max(16, a.length * 4), most));
  b.set(a);
  return b;
}

/** Slots of buildGraphIndex's cache of recent names (a power of two). */
const RECENT_SLOTS = 1 << 12;
/** Reads that skip the cache after RECENT_SLOTS reads of which it had fewer than one in eight. */
const RECENT_SKIP = 1 << 16;

/**
 * A key of `name` (not empty) from its length and six of its characters: cheap next to hashing
 * every character. Names that share a cache slot only displace each other.
 */
function quickKey(name: string): number {
  const n = name.length;
  let h = Math.imul(n ^ name.charCodeAt(n - 1), 0x01000193);
  h = Math.imul(h ^ name.charCodeAt(n >> 1), 0x01000193);
  h = Math.imul(h ^ name.charCodeAt(n >> 2), 0x01000193);
  h = Math.imul(h ^ name.charCodeAt((n * 3) >> 2), 0x01000193);
  h = Math.imul(h ^ name.charCodeAt((n * 7) >> 3), 0x01000193);
  h = Math.imul(h ^ name.charCodeAt(n >> 3), 0x01000193);
  return h ^ (h >>> 16);
}

/**
 * For each node that owns subgraphs (graph attributes of If, Loop, Scan, ...): the names those
 * subgraphs read without defining them, each once, in first-read order, leaving out names the node
 * already reads through its inputs. Nodes without subgraphs are not in the map.
 */
function subgraphReads(nodes: readonly Node[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  /** Empty between walks: each walk removes the names it added. */
  const scopes = new Map<string, number>();
  /** One node's free names; emptied after each node that has any. */
  const free = new Set<string>();
  const walk = (g: Graph): void => freeNames(g, free, scopes);
  for (let i = 0; i < nodes.length; i++) {
    eachSubgraph(nodes[i]!, walk);
    if (free.size === 0) continue;
    for (const x of nodes[i]!.input) free.delete(x);
    if (free.size) out.set(i, [...free]);
    free.clear();
  }
  return out;
}

/**
 * Add to `out` the names `graph` (and the subgraphs inside it) reads but does not define.
 * `scopes` counts, per name, the enclosing subgraphs (entered so far) that define it; each level
 * adds its own names on the way in and removes them on the way out, so a deep nest is walked once.
 */
function freeNames(graph: Graph, out: Set<string>, scopes: Map<string, number>): void {
  const mine: string[] = [];
  const define = (x: string | undefined): void => {
    if (!x) return;
    mine.push(x);
    scopes.set(x, (scopes.get(x) ?? 0) + 1);
  };
  for (const v of graph.input) define(v.name);
  for (const t of graph.initializer) define(t.name);
  for (const sp of graph.sparseInitializer) define(sp.values?.name);
  for (const node of graph.node) for (const o of node.output) define(o);
  const read = (x: string): void => {
    if (x && !scopes.has(x)) out.add(x);
  };
  for (const node of graph.node) {
    for (const x of node.input) read(x);
    eachSubgraph(node, (g) => freeNames(g, out, scopes));
  }
  for (const v of graph.output) read(v.name);
  for (const x of mine) {
    const n = scopes.get(x)! - 1;
    if (n === 0) scopes.delete(x);
    else scopes.set(x, n);
  }
}

/** Call `f` on each graph attribute value of `node` (If branches, Loop/Scan bodies, GRAPHS lists). */
function eachSubgraph(node: Node, f: (g: Graph) => void): void {
  const attrs = node.attribute;
  for (let k = 0; k < attrs.length; k++) {
    const a = attrs[k]!;
    if (a.g) f(a.g);
    if (a.graphs.length) for (const g of a.graphs) f(g);
  }
}

function label(graph: Graph, i: number): string {
  const n = graph.node[i]!;
  return n.name ? `node '${n.name}'` : `node #${i} (${n.opType})`;
}

/** A read-only Map over tensor ids: `keys` are the ids present, in iteration order. */
abstract class IdMapView<V> implements ReadonlyMap<string, V> {
  constructor(
    protected readonly ids: NameIds,
    protected present: Int32Array,
  ) {}

  /** The value of tensor `id`, or undefined when the map has no entry for it. */
  protected abstract at(id: number): V | undefined;
  /** Whether the map has an entry for tensor `id`. */
  protected abstract exists(id: number): boolean;
  /**
   * Make the entries still left out (names given ids on demand); true when there were any. Called
   * before a name without an id is looked up, and before the map is counted or listed.
   */
  protected settle(): boolean {
    return false;
  }

  /** The id of `name`, after settling when it has none yet (-1 when it has none then either; '' never has one). */
  private idOf(name: string): number {
    const id = this.ids.get(name);
    return id < 0 && name !== '' && this.settle() ? this.ids.get(name) : id;
  }

  get size(): number {
    this.settle();
    return this.present.length;
  }

  get(name: string): V | undefined {
    const id = this.idOf(name);
    return id < 0 ? undefined : this.at(id);
  }

  has(name: string): boolean {
    const id = this.idOf(name);
    return id >= 0 && this.exists(id);
  }

  *entries(): MapIterator<[string, V]> {
    this.settle();
    const names = this.ids.names;
    for (const id of this.present) yield [names[id]!, this.at(id)!];
  }

  *keys(): MapIterator<string> {
    this.settle();
    const names = this.ids.names;
    for (const id of this.present) yield names[id]!;
  }

  *values(): MapIterator<V> {
    this.settle();
    for (const id of this.present) yield this.at(id)!;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    this.settle();
    const names = this.ids.names;
    for (const id of this.present) callback.call(thisArg, this.at(id)!, names[id]!, this);
  }
}

class ProducerView extends IdMapView<number> {
  constructor(ids: NameIds, present: Int32Array, private readonly producer: Int32Array) {
    super(ids, present);
  }

  /** Tensor ids past the end of `producer` (names only read) have no producer. */
  protected at(id: number): number | undefined {
    const p = id < this.producer.length ? this.producer[id]! : -1;
    return p >= 0 ? p : undefined;
  }

  protected exists(id: number): boolean {
    return id < this.producer.length && this.producer[id]! >= 0;
  }
}

class ConsumerView extends IdMapView<readonly number[]> {
  /** Lists already handed out (frozen), so repeated gets return the same array. */
  private made: (readonly number[] | undefined)[] | undefined;

  /**
   * `pending`, when some reads of names nothing defines are still waiting for their ids (see
   * buildGraphIndex), gives them their ids and returns the lists with them; called once, when needed.
   */
  constructor(
    ids: NameIds,
    private tables: ConsumerTables,
    private pending: (() => ConsumerTables) | undefined,
  ) {
    super(ids, tables.present);
  }

  protected override settle(): boolean {
    const pending = this.pending;
    if (!pending) return false;
    this.pending = undefined;
    // Lists already made stay right: the ids they belong to keep their readers.
    this.tables = pending();
    this.present = this.tables.present;
    return true;
  }

  protected at(id: number): readonly number[] | undefined {
    const start = this.tables.start;
    const from = start[id]!;
    const to = start[id + 1]!;
    if (from === to) return undefined;
    const made = (this.made ??= new Array<readonly number[] | undefined>(start.length - 1));
    return (made[id] ??= Object.freeze(Array.from(this.tables.list.subarray(from, to))));
  }

  protected exists(id: number): boolean {
    const start = this.tables.start;
    return start[id + 1]! > start[id]!;
  }
}

/** Binary min-heap of node indices, at most `capacity` at a time. */
class MinHeap {
  /** Keeps this class's shape alive between indexings (see WireReader.shapeAnchor in the ONNX layer). */
  static readonly shapeAnchor = new MinHeap(0);
  private readonly a: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.a = new Int32Array(Math.max(1, capacity));
  }
  /** The smallest element (size > 0). */
  peek(): number {
    return this.a[0]!;
  }
  push(x: number): void {
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a[--this.size]!;
    const size = this.size;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
