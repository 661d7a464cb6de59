/**
 * The main graph's node and initializer lists while one edit is in progress, changed in place of the
 * graph's arrays and written back once (`materialize`), so an edit of thousands of parts (a plan, the
 * layer tree's "quantize every layer of a module", Fix All) does not copy a 50,000-entry list per
 * inserted pair nor rebuild the position of every node after each insertion.
 *
 * `NodeList`: the list as it was last written (`base`), the nodes inserted before each of its
 * entries, the entries removed or replaced. A Fenwick tree over the base slots (weight: the entry,
 * if still there, plus the nodes inserted before it) gives a node's index in the current list in
 * O(log n), so labels (`Conv#12`), reader order and insertion points are those of the list the
 * edit would have written after each part.
 *
 * `InitializerList`: appended tensors and dropped names, with a by-name lookup (the first tensor of
 * that name, as `Array.find` over the current list gives).
 */
import type { Node, Tensor } from '../onnx/index';

/**
 * Where each node of a list that is never changed stands. The first few lookups scan the list (a
 * single edit asks for a handful of positions in a 50,000-node list); later ones use a map built then.
 */
export class Positions {
  private map: Map<Node, number> | undefined;
  private scans = 0;

  constructor(private readonly list: readonly Node[]) {}

  of(node: Node): number | undefined {
    if (!this.map) {
      if (this.scans++ < Positions.SCANS) {
        const i = this.list.indexOf(node);
        return i < 0 ? undefined : i;
      }
      const map = new Map<Node, number>();
      this.list.forEach((n, i) => map.has(n) || map.set(n, i));
      this.map = map;
    }
    return this.map.get(node);
  }

  /** Lookups by scan before the map is built (a scan of 50,000 nodes takes ~12 µs, the map ~10 ms). */
  static readonly SCANS = 64;
}

export class NodeList {
  private base: readonly Node[];
  /** Base slot of each node of `base` (which never changes). */
  private positions: Positions;
  /** Slot of each replacement standing at a base slot. */
  private readonly moved = new Map<Node, number>();
  /** Nodes inserted before the node of each base slot, in order. */
  private readonly groups = new Map<number, Node[]>();
  /** The base slot whose group holds each inserted node. */
  private readonly groupOf = new Map<Node, number>();
  /** Base slots whose node was removed. */
  private gone: Uint8Array | undefined;
  /** Base slots whose node was replaced, with the node standing there now. */
  private readonly replaced = new Map<number, Node>();
  /** Fenwick tree over the slots' weights (present or not, plus inserted before); absent while nothing changed. */
  private tree: Int32Array | undefined;

  constructor(base: readonly Node[], positions = new Positions(base)) {
    this.base = base;
    this.positions = positions;
  }

  /** Whether the list differs from the one last written. */
  get changed(): boolean {
    return this.tree !== undefined || this.replaced.size > 0;
  }

  /** The base slot `node` stands at now (undefined: removed, replaced, inserted, or never there). */
  private slotOf(node: Node): number | undefined {
    const slot = this.moved.get(node) ?? this.positions.of(node);
    if (slot === undefined || this.gone?.[slot]) return undefined;
    return (this.replaced.get(slot) ?? this.base[slot]) === node ? slot : undefined;
  }

  /** Sum of the weights of the slots before `slot`: the index of the first node of that slot's group. */
  private before(slot: number): number {
    const t = this.tree;
    if (!t) return slot;
    let s = 0;
    for (let i = slot; i > 0; i -= i & -i) s += t[i]!;
    return s;
  }

  private weigh(slot: number, delta: number): void {
    let t = this.tree;
    if (!t) {
      // Every slot weighs 1 (its node): node i of the tree covers (i - lowbit(i), i].
      const n = this.base.length;
      t = new Int32Array(n + 1);
      for (let i = 1; i <= n; i++) t[i] = i & -i;
      this.tree = t;
    }
    for (let i = slot + 1; i < t.length; i += i & -i) t[i]! += delta;
  }

  has(node: Node): boolean {
    return this.groupOf.has(node) || this.slotOf(node) !== undefined;
  }

  /** Index of `node` in the current list, or undefined when it is not in it. */
  indexOf(node: Node): number | undefined {
    const g = this.groupOf.get(node);
    if (g === undefined) {
      const slot = this.slotOf(node);
      return slot === undefined ? undefined : this.before(slot) + (this.groups.get(slot)?.length ?? 0);
    }
    return this.before(g) + this.groups.get(g)!.indexOf(node);
  }

  /** Insert `nodes` (in order) just before `anchor`, a node of the current list. */
  insertBefore(nodes: readonly Node[], anchor: Node): void {
    if (nodes.length === 0) return;
    let slot = this.groupOf.has(anchor) ? undefined : this.slotOf(anchor);
    if (slot !== undefined) {
      const group = this.groups.get(slot);
      if (group) group.push(...nodes);
      else this.groups.set(slot, [...nodes]);
    } else {
      slot = this.groupOf.get(anchor);
      if (slot === undefined) throw new Error(`internal: node ${anchor.name || anchor.opType} is not in the graph`);
      const group = this.groups.get(slot)!;
      group.splice(group.indexOf(anchor), 0, ...nodes);
    }
    for (const n of nodes) this.groupOf.set(n, slot);
    this.weigh(slot, nodes.length);
  }

  /** Remove `node` from the current list (nothing when it is not in it). */
  remove(node: Node): void {
    const slot = this.groupOf.has(node) ? undefined : this.slotOf(node);
    if (slot !== undefined) {
      (this.gone ??= new Uint8Array(this.base.length))[slot] = 1;
      this.weigh(slot, -1);
      return;
    }
    const g = this.groupOf.get(node);
    if (g === undefined) return;
    const group = this.groups.get(g)!;
    group.splice(group.indexOf(node), 1);
    this.groupOf.delete(node);
    this.weigh(g, -1);
  }

  /** Put `replacement` where `node` is. */
  replace(node: Node, replacement: Node): void {
    const slot = this.groupOf.has(node) ? undefined : this.slotOf(node);
    if (slot !== undefined) {
      this.moved.set(replacement, slot);
      this.replaced.set(slot, replacement);
      return;
    }
    const g = this.groupOf.get(node);
    if (g === undefined) throw new Error(`internal: node ${node.name || node.opType} is not in the graph`);
    const group = this.groups.get(g)!;
    group[group.indexOf(node)] = replacement;
    this.groupOf.delete(node);
    this.groupOf.set(replacement, g);
  }

  /** The current list as a new array when it changed (then the new base), else undefined. */
  materialize(): Node[] | undefined {
    if (!this.changed) return undefined;
    const out: Node[] = [];
    const gone = this.gone;
    for (let i = 0; i < this.base.length; i++) {
      const group = this.groups.get(i);
      if (group) for (const n of group) out.push(n);
      if (!gone?.[i]) out.push(this.replaced.get(i) ?? this.base[i]!);
    }
    this.base = out;
    this.positions = new Positions(out);
    this.moved.clear();
    this.groups.clear();
    this.groupOf.clear();
    this.gone = undefined;
    this.replaced.clear();
    this.tree = undefined;
    return out;
  }
}

export class InitializerList {
  private base: readonly Tensor[];
  /** The first tensor of each name in the current list. */
  private index: Map<string, Tensor> | undefined;
  /** Names whose base tensors are dropped. */
  private readonly droppedNames = new Set<string>();
  /** Tensors appended, in order, and those of them dropped again. */
  private added: Tensor[] = [];
  private readonly addedByName = new Map<string, Tensor[]>();
  private readonly droppedAdded = new Set<Tensor>();
  /** Two tensors had one name (in the list when its lookup was built, or added since). Stays set. */
  private repeated = false;

  constructor(base: readonly Tensor[]) {
    this.base = base;
  }

  get changed(): boolean {
    return this.added.length > 0 || this.droppedNames.size > 0;
  }

  private get byName(): Map<string, Tensor> {
    return this.index ?? this.buildIndex();
  }

  private buildIndex(): Map<string, Tensor> {
    const index = new Map<string, Tensor>();
    for (const t of this.base) {
      if (!index.has(t.name)) index.set(t.name, t);
      else this.repeated = true;
    }
    this.index = index;
    return index;
  }

  /** Whether two tensors of the list have had one name (then `get` gives the first of them). */
  get repeats(): boolean {
    if (!this.index) this.buildIndex();
    return this.repeated;
  }

  /** The first tensor named `name` in the current list. */
  get(name: string): Tensor | undefined {
    return this.byName.get(name);
  }

  add(tensors: readonly Tensor[]): void {
    const index = this.byName;
    for (const t of tensors) {
      this.added.push(t);
      const same = this.addedByName.get(t.name);
      if (same) same.push(t);
      else this.addedByName.set(t.name, [t]);
      if (!index.has(t.name)) index.set(t.name, t);
      else this.repeated = true;
    }
  }

  /** Drop every tensor of these names (as filtering the current list by name does). */
  drop(names: Iterable<string>): void {
    const drop = new Set(names);
    if (drop.size === 0) return;
    const index = this.byName;
    for (const name of drop) {
      index.delete(name);
      this.droppedNames.add(name);
      for (const t of this.addedByName.get(name) ?? []) this.droppedAdded.add(t);
      this.addedByName.delete(name);
    }
  }

  /** The current list as a new array when it changed (then the new base), else undefined. */
  materialize(): Tensor[] | undefined {
    if (!this.changed) return undefined;
    const names = this.droppedNames;
    const out = names.size ? this.base.filter((t) => !names.has(t.name)) : this.base.slice();
    for (const t of this.added) if (!this.droppedAdded.has(t)) out.push(t);
    this.base = out;
    this.added = [];
    this.addedByName.clear();
    this.droppedNames.clear();
    this.droppedAdded.clear();
    return out;
  }
}
