/**
 * The edit history of one model (hex editor style): applied edits in order, a position (edits
 * before it are in effect), and the save point. Undo and redo replay the journals, so they are
 * exact. The backup log is the list of requests that turns the file on disk (the last save) into
 * the current state: the edits after the save point, or, when the user undid past it, the inverse
 * requests of the undone saved edits.
 */
import { labelRef, nodeLabel } from '../graph/index';
import type { DecodedModel, Node } from '../onnx/index';
import { EditError } from './context';
import { applyEdit, type AppliedEdit, type EditRequest, type RemovedQuant } from './edits';
import { resolveTarget } from './targets';

export class EditSession {
  private stack: AppliedEdit[] = [];
  private position = 0;
  /** The saved file plus `base.requests` is the state after `stack[0..base.index)`. */
  private base: { index: number; requests: EditRequest[] } = { index: 0, requests: [] };
  /** Set when the saved state left the history through an edit with no inverse: no backup log then. */
  private unrepresentable = false;

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
    if (this.base.index > this.position) {
      // The saved state is in the dropped tail: remember how to get from it to here.
      const undone = this.stack.slice(this.position, this.base.index).reverse();
      const inverses = undone.map((e) => e.inverse).filter((x): x is EditRequest => x !== undefined);
      if (inverses.length !== undone.length) this.unrepresentable = true;
      this.base = { index: this.position, requests: [...this.base.requests, ...inverses] };
    }
    this.stack = [...this.stack.slice(0, this.position), applied];
    this.position = this.stack.length;
    return applied;
  }

  /**
   * An enable without scales re-inserts what the latest disable of those nodes removed. A record
   * names an unnamed layer by its label in the graph that disable left (`graphNodes.after`); it is
   * followed to the node and named by its label now, where the enable resolves its target.
   */
  private withMemory(request: EditRequest): EditRequest {
    if (request.kind !== 'enableQuantization' || request.remembered || request.activationScale !== undefined) return request;
    const now = this.decoded.model.graph?.node ?? [];
    let layers: Node[];
    try {
      layers = resolveTarget(now, request.target);
    } catch {
      return request;
    }
    const names = new Set(layers.map((n) => n.name).filter(Boolean));
    const unnamed = new Set(layers.filter((n) => !n.name));
    const remembered: RemovedQuant[] = [];
    const seen = new Set<string>();
    for (const e of this.applied.slice().reverse()) {
      for (const r of e.replaced.removed ?? []) {
        let node = r.node;
        if (!names.has(node)) {
          const layer = unnamed.size ? labelRef(e.graphNodes.after, node).node : undefined;
          if (!layer || !unnamed.has(layer)) continue;
          node = nodeLabel(layer, now.indexOf(layer));
        }
        const key = `${node}\n${r.input}`;
        if (!seen.has(key)) {
          seen.add(key);
          remembered.push(node === r.node ? r : { ...r, node });
        }
      }
    }
    return remembered.length ? { ...request, remembered } : request;
  }

  /** Take back the last edit in effect; undefined when there is none. */
  undo(): AppliedEdit | undefined {
    if (this.position === 0) return undefined;
    const e = this.stack[--this.position]!;
    e.journal.undo();
    return e;
  }

  redo(): AppliedEdit | undefined {
    if (this.position >= this.stack.length) return undefined;
    const e = this.stack[this.position++]!;
    e.journal.redo();
    return e;
  }

  /** The current state was written to the file. */
  markSaved(): void {
    this.base = { index: this.position, requests: [] };
    this.unrepresentable = false;
  }

  /** A fresh model from disk (revert, reload): the history starts again, clean. */
  reset(decoded: DecodedModel): void {
    this.decoded = decoded;
    this.stack = [];
    this.position = 0;
    this.base = { index: 0, requests: [] };
    this.unrepresentable = false;
  }

  /** Requests that, applied to the saved file, give the current state (what a backup stores). */
  backupLog(): EditRequest[] {
    if (this.unrepresentable) throw new EditError('the unsaved state cannot be written as an edit log (an undone edit has no inverse)');
    const out = [...this.base.requests];
    if (this.position >= this.base.index) {
      for (const e of this.stack.slice(this.base.index, this.position)) out.push(e.request);
    } else {
      for (const e of this.stack.slice(this.position, this.base.index).reverse()) {
        if (!e.inverse) throw new EditError(`"${e.label}" was undone past the save point and has no inverse to store`);
        out.push(e.inverse);
      }
    }
    return out;
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
