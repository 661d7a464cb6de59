/**
 * The edit history of one model (hex editor style): applied edits in order, a position (edits
 * before it are in effect), and the save point. Undo and redo replay the journals, so they are
 * exact. The backup log is the list of requests that turns the file on disk (the last save) into
 * the current state: the edits after the save point, or, when the user undid past it, the inverse
 * requests of the undone saved edits.
 *
 * An inverse restores the meaning, not the node order (re-enabling a layer inserts a new, named
 * Q/DQ pair where the file had its own unnamed ones, or a Q+DQ where it had a stored weight's DQ),
 * so a request of the log that follows one names unnamed nodes (`Conv#43`) by indices of a graph
 * the replay does not reach. The log is therefore written against the graph it replays onto: the
 * session reaches the saved state through its journals, applies the log there request by request
 * with each label moved to the same node in the graph the replay has reached, and undoes it all.
 * A label whose node the replay does not have (a Q/DQ an inverse re-created under a new name), or
 * a request refused there, makes the log unwritable (an `EditError`), never a request that edits
 * another node.
 */
import { labelRef, nodeLabel } from '../graph/index';
import type { Journal } from './journal';
import type { DecodedModel, Node } from '../onnx/index';
import { EditError } from './context';
import { applyEdit, type AppliedEdit, type EditRequest, type RemovedQuant } from './edits';
import { keptMaps } from './maps';
import { resolveTargetIn, TargetIndex, type TargetLookup } from './targets';

export class EditSession {
  private stack: AppliedEdit[] = [];
  private position = 0;
  /**
   * The saved file plus `base.requests` is the state after `stack[0..base.index)`. Each request with
   * the node list its labels refer to (the inverse of an undone saved edit: the list that edit left).
   */
  private base: { index: number; requests: LogItem[] } = { index: 0, requests: [] };
  /**
   * The undone saved edits whose journals, redone in order from the state after
   * `stack[0..base.index)`, give the saved state exactly (how `backupLog` reaches it).
   */
  private savedPath: AppliedEdit[] = [];
  /** Set when the saved state left the history through an edit with no inverse: no backup log then. */
  private unrepresentable = false;
  /** The last `backupLog` result, until the state changes. */
  private log: EditRequest[] | undefined;

  constructor(public decoded: DecodedModel) {}

  get isDirty(): boolean {
    return this.unrepresentable || this.base.requests.length > 0 || this.position !== this.base.index;
  }

  /** The edits in effect, oldest first. */
  get applied(): readonly AppliedEdit[] {
    return this.stack.slice(0, this.position);
  }

  get canUndo(): boolean {
    return this.position > 0;
  }

  get canRedo(): boolean {
    return this.position < this.stack.length;
  }

  /** Validate and apply; the redo tail is dropped. Throws `EditError` (nothing changed) when refused. */
  apply(request: EditRequest): AppliedEdit {
    const prepared = this.withMemory(request);
    const applied = applyEdit(this.decoded, prepared);
    this.log = undefined;
    if (this.base.index > this.position) {
      // The saved state is in the dropped tail: remember how to get from it to here.
      const dropped = this.stack.slice(this.position, this.base.index);
      const undone = dropped.slice().reverse();
      const inverses = undone.flatMap((e) => (e.inverse ? [{ request: e.inverse, from: e.graphNodes.after }] : []));
      if (inverses.length !== undone.length) this.unrepresentable = true;
      this.base = { index: this.position, requests: [...this.base.requests, ...inverses] };
      this.savedPath = [...dropped, ...this.savedPath];
    }
    this.stack = [...this.stack.slice(0, this.position), applied];
    this.position = this.stack.length;
    return applied;
  }

  /**
   * An enable without scales (alone or as a part of a batch) re-inserts what the latest disable of
   * those nodes removed. A record
   * names an unnamed layer by its label in the graph that disable left (`graphNodes.after`); it is
   * followed to the node and named by its label now, where the enable resolves its target.
   */
  private withMemory(request: EditRequest): EditRequest {
    let memory: ((target: string) => RemovedQuant[]) | undefined;
    const visit = (r: EditRequest): EditRequest => {
      if (r.kind === 'batch') {
        // A plan or the layer tree sends its enables as the parts of a batch: each gets the memory.
        const edits = r.edits.map(visit);
        return edits.some((e, i) => e !== r.edits[i]) ? { ...r, edits } : r;
      }
      if (r.kind !== 'enableQuantization' || r.remembered || r.activationScale !== undefined) return r;
      const remembered = (memory ??= this.memory())(r.target);
      return remembered.length ? { ...r, remembered } : r;
    };
    return visit(request);
  }

  /**
   * What the disables in effect removed, by layer target (one lookup per enable of a request): the
   * records and the graph's names and scopes are indexed once, so a batch of thousands of enables
   * costs their matches. Records come latest edit first, as an enable re-inserts them.
   */
  private memory(): (target: string) => RemovedQuant[] {
    const now = this.decoded.model.graph?.node ?? [];
    const records: { r: RemovedQuant; e: AppliedEdit }[] = [];
    for (const e of this.applied.slice().reverse()) for (const r of e.replaced.removed ?? []) records.push({ r, e });
    const byNode = new Map<string, number[]>();
    records.forEach(({ r }, i) => {
      const list = byNode.get(r.node);
      if (list) list.push(i);
      else byNode.set(r.node, [i]);
    });
    let byName: Map<string, Node[]> | undefined;
    let index: TargetIndex | undefined;
    let position: Map<Node, number> | undefined;
    // The name map the last edit kept, while names are unique (else every node of a name is wanted).
    const kept = this.decoded.model.graph ? keptMaps(this.decoded.model.graph) : undefined;
    const unique = kept && !kept.namesRepeat ? kept.byName : undefined;
    const lookup: TargetLookup = {
      named: (name) => {
        if (unique) {
          const n = unique.get(name);
          return n ? [n] : [];
        }
        if (!byName) {
          byName = new Map();
          for (const n of now) {
            const list = byName.get(n.name);
            if (list) list.push(n);
            else byName.set(n.name, [n]);
          }
        }
        return byName.get(name) ?? [];
      },
      has: () => true,
      compute: () => (index ??= new TargetIndex(now)),
    };
    return (target) => {
      let layers: Node[];
      try {
        layers = resolveTargetIn(lookup, target, now);
      } catch {
        return [];
      }
      const names = new Set(layers.map((n) => n.name).filter(Boolean));
      const unnamed = new Set(layers.filter((n) => !n.name));
      const hits: { at: number; node: string }[] = [];
      for (const name of names) for (const at of byNode.get(name) ?? []) hits.push({ at, node: name });
      if (unnamed.size) {
        position ??= new Map(now.map((n, i) => [n, i]));
        records.forEach(({ r, e }, at) => {
          if (names.has(r.node)) return;
          const layer = labelRef(e.graphNodes.after, r.node).node;
          if (layer && unnamed.has(layer)) hits.push({ at, node: nodeLabel(layer, position!.get(layer)!) });
        });
      }
      hits.sort((a, b) => a.at - b.at);
      const remembered: RemovedQuant[] = [];
      const seen = new Set<string>();
      for (const { at, node } of hits) {
        const r = records[at]!.r;
        const key = `${node}\n${r.input}`;
        if (seen.has(key)) continue;
        seen.add(key);
        remembered.push(node === r.node ? r : { ...r, node });
      }
      return remembered;
    };
  }

  /** Take back the last edit in effect; undefined when there is none. */
  undo(): AppliedEdit | undefined {
    if (this.position === 0) return undefined;
    const e = this.stack[--this.position]!;
    e.journal.undo();
    this.log = undefined;
    return e;
  }

  redo(): AppliedEdit | undefined {
    if (this.position >= this.stack.length) return undefined;
    const e = this.stack[this.position++]!;
    e.journal.redo();
    this.log = undefined;
    return e;
  }

  /** The current state was written to the file. */
  markSaved(): void {
    this.base = { index: this.position, requests: [] };
    this.savedPath = [];
    this.unrepresentable = false;
    this.log = undefined;
  }

  /** A fresh model from disk (revert, reload): the history starts again, clean. */
  reset(decoded: DecodedModel): void {
    this.decoded = decoded;
    this.stack = [];
    this.position = 0;
    this.base = { index: 0, requests: [] };
    this.savedPath = [];
    this.unrepresentable = false;
    this.log = undefined;
  }

  /**
   * Requests that, applied to the saved file, give the current state (what a backup stores). Throws
   * `EditError` when there are none (see the class comment).
   */
  backupLog(): EditRequest[] {
    if (this.unrepresentable) throw new EditError('the unsaved state cannot be written as an edit log (an undone edit has no inverse)');
    if (this.log) return [...this.log];
    const items: LogItem[] = [...this.base.requests];
    if (this.position >= this.base.index) {
      for (const e of this.stack.slice(this.base.index, this.position)) items.push({ request: e.request, from: e.graphNodes.before });
    } else {
      for (const e of this.stack.slice(this.position, this.base.index).reverse()) {
        if (!e.inverse) throw new EditError(`"${e.label}" was undone past the save point and has no inverse to store`);
        items.push({ request: e.inverse, from: e.graphNodes.after });
      }
    }
    // The edits after the save point, each applying to the graph the one before it left: as they are.
    const exact = this.base.requests.length === 0 && (this.position >= this.base.index || this.base.index - this.position === 1);
    this.log = exact ? items.map((i) => i.request) : this.rebase(items);
    return [...this.log];
  }

  /**
   * `items` as a log for the saved file: reach the saved state through the journals, apply each
   * request there with its labels moved from the list they name nodes in to the graph reached so
   * far, and put everything back (undo and redo are exact). Throws `EditError` when a label names a
   * node that graph does not have or a request is refused there.
   */
  private rebase(items: readonly LogItem[]): EditRequest[] {
    const undone: AppliedEdit[] = [];
    const redone: AppliedEdit[] = [];
    const scratch: Journal[] = [];
    const graph = this.decoded.model.graph;
    try {
      if (this.position >= this.base.index) {
        for (let k = this.position - 1; k >= this.base.index; k--) {
          this.stack[k]!.journal.undo();
          undone.push(this.stack[k]!);
        }
      } else {
        for (let k = this.position; k < this.base.index; k++) {
          this.stack[k]!.journal.redo();
          redone.push(this.stack[k]!);
        }
      }
      for (const e of this.savedPath) {
        e.journal.redo();
        redone.push(e);
      }
      // The saved state: apply the log on it.
      const out: EditRequest[] = [];
      for (const item of items) {
        const now = graph?.node ?? [];
        const request = item.from === now ? item.request : relabelled(item.request, item.from, now);
        scratch.push(applyEdit(this.decoded, request).journal);
        out.push(request);
      }
      return out;
    } catch (e) {
      if (!(e instanceof EditError)) throw e;
      throw new EditError(`the unsaved state cannot be written as an edit log: ${e.message}`);
    } finally {
      for (let k = scratch.length - 1; k >= 0; k--) scratch[k]!.undo();
      for (let k = redone.length - 1; k >= 0; k--) redone[k]!.journal.undo();
      for (let k = undone.length - 1; k >= 0; k--) undone[k]!.journal.redo();
    }
  }

  /** Apply a backup's edit log (each request one undoable edit). Returns the messages of requests that were refused. */
  replay(requests: readonly EditRequest[]): string[] {
    const problems: string[] = [];
    for (const r of requests) {
      try {
        this.apply(r);
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    return problems;
  }
}

/** A request of the backup log with the node list its labels refer to. */
interface LogItem {
  readonly request: EditRequest;
  readonly from: readonly Node[];
}

/** Request fields that name nodes (a name, or an unnamed node's label); `remembered[].node` included. */
const NODE_KEYS = new Set(['target', 'node', 'nodes', 'quantize', 'dequantize', 'consumers']);

/**
 * A copy of `request` in which every label of an unnamed node of `from` (`Conv#43`) names the same
 * node by its index in `to`. Names, and strings that are no label of an unnamed node of `from`, stay.
 * Throws `EditError` for a labelled node `to` does not have.
 */
function relabelled(request: EditRequest, from: readonly Node[], to: readonly Node[]): EditRequest {
  let position: Map<Node, number> | undefined;
  const ref = (s: string): string => {
    if (!/#\d+$/.test(s)) return s;
    const node = labelRef(from, s).node;
    if (!node) return s;
    if (!position) {
      position = new Map();
      to.forEach((n, i) => position!.set(n, i));
    }
    const i = position.get(node);
    if (i === undefined) throw new EditError(`${s} is not in the graph the log replays onto (an earlier request of the log re-created it under another name)`);
    return nodeLabel(node, i);
  };
  const walk = (v: unknown, nodeKey: boolean): unknown => {
    if (typeof v === 'string') return nodeKey ? ref(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, nodeKey));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, NODE_KEYS.has(k))]));
    return v;
  };
  return walk(request, false) as EditRequest;
}
