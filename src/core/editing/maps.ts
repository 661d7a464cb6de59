/**
 * The producer, reader and name maps of a main graph, built once and kept between edits. An edit
 * takes them (`takeMaps`), its primitives change them as they change the graph, logging each
 * change, and at commit they are kept again (`keepMaps`) with the edit's journal following them
 * (`followJournal`): its undo replays the log backwards, its redo forwards. Kept maps are used only
 * while neither a journal of the graph's edits nor one with no owner changed anything since they
 * were last brought up to date (`journalChanges`), and the graph still has the node list they were
 * kept with. An undo or redo out of step with them, or any other change through a journal, drops
 * them, and the next edit builds them again. (Changes to a graph go through journals: the codec's
 * rule of replacing arrays, never mutating them, and the editing layer's journal for every field
 * it sets.)
 */
import type { Graph, Node } from '../onnx/index';
import { journalChanges, type Journal } from './journal';

/**
 * A reader of a tensor: node and input slot (slot -1: read from inside one of its subgraphs), kept
 * by node (not index), so the maps survive nodes being inserted or removed around it.
 */
export interface NodeReader {
  readonly node: Node;
  readonly slot: number;
}

/** One change of the maps, as logged for undo and redo (`added` false: the entry was removed). */
type Change =
  | { readonly map: 'readers'; readonly added: boolean; readonly key: string; readonly reader: NodeReader }
  | { readonly map: 'producer' | 'byName'; readonly added: boolean; readonly key: string; readonly node: Node };

export class GraphMaps {
  readonly producer = new Map<string, Node>();
  /** Readers of each tensor, in no particular order (`EditContext.readersOf` sorts them). */
  readonly readers = new Map<string, NodeReader[]>();
  /** Named nodes by name: the first node of each name; not to be trusted once `namesRepeat`. */
  readonly byName = new Map<string, Node>();
  /** Two nodes had one name (not a graph problem): name lookups scan the list. Stays set. */
  namesRepeat = false;
  /**
   * False once two producers of one tensor were seen (a graph problem): `producer` then holds the
   * first, edits validate the whole graph and the maps are not kept. Stays set.
   */
  exact = true;
  /**
   * True while the node list is known to be in topological order: every node after the producers of
   * what it reads (so no cycle either). Found when the maps are built; an edit keeps it (its commit
   * checks the order of every tensor it touched), one whose commit found a problem on a tensor it
   * touched clears it. What the editing layer's local analysis needs (analysis/localAnalysis.ts). Once
   * cleared, stays cleared.
   */
  sorted = true;
  /** A node with a graph attribute (If/Loop/Scan body) was seen: the local analysis is not used. Stays set. */
  subgraphs = false;
  /** The changes since `record()`. */
  private log: Change[] | undefined;

  static of(nodes: readonly Node[]): GraphMaps {
    const maps = new GraphMaps();
    /** Tensors read before any node produced them (initializers, graph inputs, or out of order). */
    const readFirst = new Set<string>();
    for (const n of nodes) {
      if (maps.sorted) for (const t of n.input) if (t && !maps.producer.has(t)) readFirst.add(t);
      maps.addNode(n);
      if (maps.sorted) for (const o of n.output) if (o && readFirst.has(o)) maps.sorted = false;
    }
    return maps;
  }

  /** Log every change from now on (`takeLog`). */
  record(): void {
    this.log = [];
  }

  takeLog(): readonly Change[] | undefined {
    const log = this.log;
    this.log = undefined;
    return log;
  }

  addNode(n: Node): void {
    if (!this.subgraphs && n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0)) this.subgraphs = true;
    for (let slot = 0; slot < n.input.length; slot++) {
      const t = n.input[slot]!;
      if (t) this.addReader(t, { node: n, slot });
    }
    for (const t of subgraphFreeReads(n)) this.addReader(t, { node: n, slot: -1 });
    for (const o of n.output) {
      if (!o) continue;
      if (this.producer.has(o)) this.exact = false; // produced twice: the first producer is kept
      else this.set('producer', o, n);
    }
    if (n.name) {
      if (this.byName.has(n.name)) this.namesRepeat = true;
      else this.set('byName', n.name, n);
    }
  }

  removeNode(n: Node): void {
    for (let slot = 0; slot < n.input.length; slot++) {
      const t = n.input[slot]!;
      if (t) this.dropReader(t, n, slot);
    }
    for (const t of subgraphFreeReads(n)) this.dropReader(t, n, -1);
    for (const o of n.output) if (o && this.producer.get(o) === n) this.delete('producer', o, n);
    if (n.name && this.byName.get(n.name) === n) this.delete('byName', n.name, n);
  }

  /** Input `slot` of `node` reads `to` instead of `from` (either may be empty: no tensor). */
  moveReader(node: Node, slot: number, from: string, to: string): void {
    if (from) this.dropReader(from, node, slot);
    if (to) this.addReader(to, { node, slot });
  }

  /** Take the maps back through `log` (`backwards`: to the state before it), or forward again. */
  replay(log: readonly Change[], backwards: boolean): void {
    const saved = this.log;
    this.log = undefined;
    for (let k = 0; k < log.length; k++) {
      const c = log[backwards ? log.length - 1 - k : k]!;
      const add = c.added !== backwards;
      if (c.map === 'readers') {
        if (add) this.addReader(c.key, c.reader);
        else this.dropReader(c.key, c.reader.node, c.reader.slot);
      } else if (add) this.set(c.map, c.key, c.node);
      else this.delete(c.map, c.key, c.node);
    }
    this.log = saved;
  }

  private addReader(t: string, reader: NodeReader): void {
    const list = this.readers.get(t);
    if (list) list.push(reader);
    else this.readers.set(t, [reader]);
    this.log?.push({ map: 'readers', added: true, key: t, reader });
  }

  /** Drops one reader entry of `node` at `slot` from `t`'s list (the entry goes with its last reader). */
  private dropReader(t: string, node: Node, slot: number): void {
    const list = this.readers.get(t);
    const at = list ? list.findIndex((r) => r.node === node && r.slot === slot) : -1;
    if (at < 0) return;
    const [reader] = list!.splice(at, 1);
    if (list!.length === 0) this.readers.delete(t);
    this.log?.push({ map: 'readers', added: false, key: t, reader: reader! });
  }

  private set(map: 'producer' | 'byName', key: string, node: Node): void {
    this[map].set(key, node);
    this.log?.push({ map, added: true, key, node });
  }

  private delete(map: 'producer' | 'byName', key: string, node: Node): void {
    this[map].delete(key);
    this.log?.push({ map, added: false, key, node });
  }
}

/** Maps kept for a graph, the state they describe (a token) and `journalChanges()` when they last did. */
interface Kept {
  readonly maps: GraphMaps;
  state: object;
  changes: number;
  nodes: readonly Node[];
}

const kept = new WeakMap<Graph, Kept>();

/**
 * The maps kept for `g`, if they still describe it, with the token of that state; the caller owns
 * them until it keeps them again. Undefined when there are none (build them).
 */
export function takeMaps(g: Graph): { maps: GraphMaps; state: object } | undefined {
  const k = current(g);
  kept.delete(g);
  return k && { maps: k.maps, state: k.state };
}

/** The maps kept for `g` if they still describe it, to read (not to change: they stay kept). */
export function keptMaps(g: Graph): GraphMaps | undefined {
  return current(g)?.maps;
}

/** What is kept for `g`, if nothing changed it since. */
function current(g: Graph): Kept | undefined {
  const k = kept.get(g);
  return k && k.changes === journalChanges(g) && k.nodes === g.node ? k : undefined;
}

/** Keep `maps` as describing `g` as it is now, the state named by `state`. */
export function keepMaps(g: Graph, maps: GraphMaps, state: object): void {
  if (maps.exact) kept.set(g, { maps, state, changes: journalChanges(g), nodes: g.node });
}

/**
 * Keep the maps of `g` in step with `journal`, whose edit took them from the state `from` to `to`
 * through the changes in `log`: its undo replays the log backwards when the kept maps describe `to`,
 * its redo forwards when they describe `from`; else the kept maps are dropped.
 */
export function followJournal(g: Graph, journal: Journal, log: readonly Change[], from: object, to: object): void {
  journal.follow({
    replayed(undone, changesBefore) {
      const k = kept.get(g);
      if (!k) return;
      if (k.changes !== changesBefore || k.state !== (undone ? to : from)) {
        kept.delete(g);
        return;
      }
      k.maps.replay(log, undone);
      k.state = undone ? from : to;
      k.changes = journalChanges(g);
      k.nodes = g.node;
    },
  });
}

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
