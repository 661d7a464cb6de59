/**
 * The graph tab's background drawing work after the first paint (see docs/ARCHITECTURE.md, "First
 * paint: the first view only, the rest streamed"): which view nodes and edges are in cytoscape, the
 * nodes still to add (nearest first, each edge with the later of its ends), and the elements whose
 * colour or mark data went stale (visible first). The work runs in ~20 ms slices whose chunk size
 * follows the measured cost per element, each chunk's style and geometry computed in the slice
 * (cyRender.ts); slices that change nothing on screen request no frame. One instance per panel: the
 * per-drawing state is reset by begin(), the measured costs are kept across drawings.
 */
import type cytoscape from 'cytoscape';
import type { GraphViewDto } from '../../src/protocol/graphView';
import type { Coloring } from './coloring';
import { flushElementCalcs, sortForNextFrame, withoutFrame } from './cyRender';
import { applyMark, markStale, type MarkPalette, type Marks } from './marks';
import { edgeId, nodeId, type splitForFirstPaint } from './viewModel';

/**
 * Main-thread time per background slice after the first paint (adding the rest, recolouring), the
 * style and geometry of what it touched included (flushElementCalcs): well under a 50 ms long task.
 */
const STREAM_SLICE_MS = 20;
/** Nodes (or restyled elements) in a slice's first chunk, before their cost is measured; the most in one chunk. */
const FIRST_CHUNK = 8;
const MAX_CHUNK = 512;

/** What the stream reads from the panel that owns it. */
export interface StreamHost {
  /** The current drawing's cytoscape instance and view graph (undefined before the first drawing). */
  cy(): cytoscape.Core | undefined;
  view(): GraphViewDto | undefined;
  /** The cytoscape definition of view node `i` / edge `e`, with its current colour and finding mark. */
  nodeDef(i: number): cytoscape.ElementDefinition;
  edgeDef(e: number): cytoscape.ElementDefinition;
  /** The colouring, marks and halo palette as they are now. */
  styling(): { coloring: Coloring; marks: Marks; palette: MarkPalette };
  /** Every node is in: `t0` is when the drawing's message arrived, undefined when ensureAll() finished it at once. */
  completed(t0: number | undefined): void;
}

export class GraphStream {
  /** Which view nodes / edges are in cytoscape already. */
  private nodeIn = new Uint8Array(0);
  private edgeIn = new Uint8Array(0);
  /** Nodes still to stream in, nearest first, and how far streaming got. */
  private rest: number[] = [];
  private restCursor = 0;
  /** Per node, its edges not yet in cytoscape (built on the first streamed slice). */
  private incident: number[][] | undefined;
  /** While streaming: when the drawing's graph message arrived (for data-qdq-complete-ms). */
  private streamT0: number | undefined;
  /** While the view stays inside this model rectangle, streamed elements are off screen (see slice()). */
  private quietRect: { x1: number; y1: number; x2: number; y2: number } | undefined;
  /** Elements in cytoscape whose colour or mark data is stale (node i, edge e as ~e), visible first. */
  private restyle: number[] = [];
  private restyleCursor = 0;
  /** Measured ms per streamed node (its edges included) and per restyled element. */
  private addCost: number | undefined;
  private restyleCost: number | undefined;
  /** The size of the last chunk of each kind. */
  private addChunk = FIRST_CHUNK;
  private restyleChunk = FIRST_CHUNK;
  private slicePending = false;

  constructor(private readonly host: StreamHost) {}

  /**
   * A new drawing of `nodeCount` nodes and `edgeCount` edges: the element definitions for its first
   * paint (everything, without `split`; else what the split puts in the first view). `quietRect`: the
   * model rectangle within which what streams in later is off screen.
   */
  begin(nodeCount: number, edgeCount: number, split: ReturnType<typeof splitForFirstPaint> | undefined, quietRect: { x1: number; y1: number; x2: number; y2: number } | undefined): cytoscape.ElementDefinition[] {
    this.touched = undefined; // elements of the drawing being replaced
    this.quietRect = quietRect;
    this.nodeIn = new Uint8Array(nodeCount);
    this.edgeIn = new Uint8Array(edgeCount);
    const defs: cytoscape.ElementDefinition[] = [];
    for (let i = 0; i < nodeCount; i++) {
      if (split && split.firstNodes[i] !== 1) continue;
      this.nodeIn[i] = 1;
      defs.push(this.host.nodeDef(i));
    }
    for (let e = 0; e < edgeCount; e++) {
      if (split && split.firstEdges[e] !== 1) continue;
      this.edgeIn[e] = 1;
      defs.push(this.host.edgeDef(e));
    }
    this.rest = split?.rest ?? [];
    this.restCursor = 0;
    this.incident = undefined;
    this.restyle = [];
    this.restyleCursor = 0;
    this.streamT0 = undefined;
    return defs;
  }

  /** The first paint is out: stream the rest in (`t0`: when the drawing's message arrived), or say it is complete. */
  firstPainted(t0: number): void {
    if (this.restCursor < this.rest.length) {
      this.streamT0 = t0;
      this.scheduleSlice();
    } else this.finish(t0);
  }

  /** Whether some nodes of the drawing are not in cytoscape yet. */
  get incomplete(): boolean {
    return this.restCursor < this.rest.length;
  }

  /** Streaming is over: drop what only it needed, then tell the panel. */
  private finish(t0: number | undefined): void {
    if (t0 === undefined) this.streamT0 = undefined;
    this.rest = [];
    this.restCursor = 0;
    this.incident = undefined;
    this.host.completed(t0);
  }

  /**
   * Background work after the first paint, in slices of about 20 ms (pan and zoom stay live):
   * first the elements whose colour or mark changed (visible ones first), then the nodes not drawn
   * for the first paint, nearest first (an edge goes in with the later of its ends). Each chunk's style and geometry are computed in the slice (flushElementCalcs), not
   * left to cytoscape's next frame, and the chunk size follows the measured cost per element.
   * After a slice that changed what is on screen, the next one waits for a frame; after one that
   * did not (`quiet`), it is a plain task (input and any frame due run in between).
   */
  private scheduleSlice(quiet = false): void {
    if (this.slicePending) return;
    this.slicePending = true;
    const run = (): void => {
      this.slicePending = false;
      this.slice();
    };
    if (quiet) this.nextTask(run);
    else requestAnimationFrame(() => setTimeout(run, 0));
  }

  /** A new task soon (a MessageChannel message: chained timeouts are clamped to 4 ms). */
  private nextTask(run: () => void): void {
    if (!this.taskChannel) {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => this.taskQueue.shift()?.();
      this.taskChannel = channel;
    }
    this.taskQueue.push(run);
    this.taskChannel.port2.postMessage(undefined);
  }

  private taskChannel: MessageChannel | undefined;
  private readonly taskQueue: (() => void)[] = [];

  /** One slice of the current drawing's background work (what it works on is reset with each drawing). */
  private slice(): void {
    const cy = this.host.cy();
    if (!cy) return;
    // The rest is added only once the first paint is out (streamT0 set).
    const adding = (): boolean => this.streamT0 !== undefined && this.restCursor < this.rest.length;
    const start = performance.now();
    // At most twice the last chunk of its kind: the cost per element varies several times over.
    const chunk = (cost: number | undefined, last: number): number => {
      if (cost === undefined) return FIRST_CHUNK;
      return Math.min(MAX_CHUNK, 2 * last, Math.floor((STREAM_SLICE_MS - (performance.now() - start)) / cost));
    };
    // Rises at once, falls slowly: one cheap chunk must not make the next one too big.
    const measure = (cost: number | undefined, ms: number, count: number): number => {
      const sample = ms / Math.max(1, count);
      return cost === undefined || sample > cost ? sample : 0.7 * cost + 0.3 * sample;
    };
    let quiet = true;
    for (let first = true; ; first = false) {
      const restyling = this.restyleCursor < this.restyle.length;
      if (!restyling && !adding()) break;
      const count = Math.max(first ? 1 : 0, restyling ? chunk(this.restyleCost, this.restyleChunk) : chunk(this.addCost, this.addChunk));
      if (count < 1) break;
      const t = performance.now();
      let done = 0;
      if (restyling) {
        done = this.restyleSome(count);
        this.settleTouched(cy);
        quiet = false;
      } else {
        // Off screen while the view stays where the first paint put it: no frame for it (a frame
        // re-sorts and re-culls every element, 10–40 ms at 4,000 elements; one per slice doubled
        // the time to complete). A pan or zoom requests its own frame, which draws them all.
        const add = (): void => {
          done = this.addRest(count);
          this.settleTouched(cy);
        };
        if (this.offScreen(cy)) withoutFrame(cy, add);
        else {
          add();
          quiet = false;
        }
      }
      const ms = performance.now() - t;
      if (restyling) {
        this.restyleCost = measure(this.restyleCost, ms, done);
        this.restyleChunk = Math.max(FIRST_CHUNK, done);
      } else {
        this.addCost = measure(this.addCost, ms, done);
        this.addChunk = Math.max(FIRST_CHUNK, done);
      }
      if (performance.now() - start >= STREAM_SLICE_MS) break;
    }
    if (this.streamT0 !== undefined && this.restCursor >= this.rest.length) {
      const t0 = this.streamT0;
      this.streamT0 = undefined;
      this.finish(t0);
      // Streamed without frames: the z-order sort the next frame needs, in a task of its own.
      if (quiet) this.nextTask(() => this.host.cy() === cy && sortForNextFrame(cy));
    }
    if (this.restyleCursor < this.restyle.length || adding()) this.scheduleSlice(quiet);
  }

  /** Whether elements outside the first paint are outside the view (it is still inside quietRect). */
  private offScreen(cy: cytoscape.Core): boolean {
    const r = this.quietRect;
    if (!r) return false;
    const e = cy.extent();
    return e.x1 >= r.x1 && e.x2 <= r.x2 && e.y1 >= r.y1 && e.y2 <= r.y2;
  }

  /** Adds up to `count` of the remaining nodes (all when Infinity) and the edges they complete; returns how many nodes. */
  private addRest(count: number): number {
    const cy = this.host.cy();
    const view = this.host.view();
    if (!cy || !view) return 0;
    if (!this.incident) {
      const incident: number[][] = Array.from({ length: view.nodes.length }, () => []);
      view.edges.forEach((edge, e) => {
        if (this.edgeIn[e] === 1) return;
        incident[edge.s]!.push(e);
        if (edge.t !== edge.s) incident[edge.t]!.push(e);
      });
      this.incident = incident;
    }
    const end = Math.min(this.rest.length, this.restCursor + count);
    const defs: cytoscape.ElementDefinition[] = [];
    for (let k = this.restCursor; k < end; k++) {
      const i = this.rest[k]!;
      this.nodeIn[i] = 1;
      defs.push(this.host.nodeDef(i));
    }
    for (let k = this.restCursor; k < end; k++) {
      for (const e of this.incident[this.rest[k]!]!) {
        const edge = view.edges[e]!;
        if (this.edgeIn[e] === 1 || this.nodeIn[edge.s] !== 1 || this.nodeIn[edge.t] !== 1) continue;
        this.edgeIn[e] = 1;
        defs.push(this.host.edgeDef(e));
      }
    }
    const added = end - this.restCursor;
    this.restCursor = end;
    if (defs.length) this.touched = cy.add(defs);
    return added;
  }

  /** What the last addRest / restyleSome put into or changed in cytoscape. */
  private touched: cytoscape.CollectionReturnValue | undefined;

  /**
   * Computes now what cytoscape would compute for the last touched elements in its next frame:
   * their style and geometry (flushElementCalcs) and their bounding boxes (every frame culls every
   * element by its cached box; ~3,000 cold boxes made the first frame after streaming 60 ms).
   */
  private settleTouched(cy: cytoscape.Core): void {
    flushElementCalcs(cy);
    this.touched?.forEach((ele) => {
      ele.boundingBox();
    });
    this.touched = undefined;
  }

  /** Adds whatever has not streamed in yet and brings stale colours up to date, now (before anything that needs every element). */
  ensureAll(): void {
    if (this.restyleCursor < this.restyle.length) this.restyleSome(Infinity);
    if (this.restCursor < this.rest.length) {
      this.addRest(Infinity);
      this.finish(undefined);
    }
    this.touched = undefined; // the next frame computes them; nothing to keep a reference for
  }

  /**
   * Sets the colour and mark data of up to `count` queued elements (all when Infinity) from
   * the colouring and marks as they are now (host.styling()); returns how many were taken from the queue.
   */
  private restyleSome(count: number): number {
    const cy = this.host.cy();
    if (!cy) return 0;
    const end = Math.min(this.restyle.length, this.restyleCursor + count);
    const { coloring: { colors, fills }, marks, palette } = this.host.styling();
    const touched = cy.collection();
    cy.batch(() => {
      for (let k = this.restyleCursor; k < end; k++) {
        const x = this.restyle[k]!;
        const i = x >= 0 ? x : ~x;
        const ele = cy.getElementById(x >= 0 ? nodeId(i) : edgeId(i));
        if (ele.empty()) continue;
        touched.merge(ele);
        const mark = (x >= 0 ? marks.nodes : marks.edges).get(i);
        if (x >= 0 && (ele.data('bg') !== colors[i] || ele.data('fill') !== fills[i])) ele.data({ bg: colors[i], fill: fills[i] });
        // data({...}) restyles the element; removeData would not (a removed finding kept its halo).
        if (markStale(ele, mark, palette)) applyMark(ele, mark, palette);
      }
    });
    this.touched = touched;
    const done = end - this.restyleCursor;
    this.restyleCursor = end;
    if (end >= this.restyle.length) {
      this.restyle = [];
      this.restyleCursor = 0;
    }
    return done;
  }

  /** Queues the elements in cytoscape whose colour or mark data differs from the current values, visible ones first. */
  queueRestyle(cy: cytoscape.Core): void {
    const { coloring: { colors, fills }, marks, palette } = this.host.styling();
    const e = cy.extent();
    const seen = new Set(this.restyle.slice(this.restyleCursor));
    const visible: number[] = [];
    const hidden: number[] = [];
    const put = (x: number, pos: cytoscape.Position): void => {
      if (seen.has(x)) return;
      (pos.x >= e.x1 && pos.x <= e.x2 && pos.y >= e.y1 && pos.y <= e.y2 ? visible : hidden).push(x);
    };
    cy.nodes().forEach((node) => {
      const i = node.data('i') as number;
      if (node.data('bg') !== colors[i] || node.data('fill') !== fills[i] || markStale(node, marks.nodes.get(i), palette)) put(i, node.position());
    });
    cy.edges().forEach((edge) => {
      const i = edge.data('i') as number;
      if (markStale(edge, marks.edges.get(i), palette)) put(~i, edge.source().position());
    });
    if (visible.length === 0 && hidden.length === 0) return;
    this.restyle = [...visible, ...this.restyle.slice(this.restyleCursor), ...hidden];
    this.restyleCursor = 0;
    this.scheduleSlice();
  }
}
