/**
 * The overview (minimap): every node as a small box on a canvas, drawn once per graph and colouring,
 * and the viewport as a rectangle redrawn on pan/zoom. Click or drag to move the view. Our own
 * (cytoscape-navigator re-renders the whole graph to an image on every change and is unmaintained).
 */
import type { GraphLayoutDto } from '../../src/protocol/graphView';
import { overviewSize } from './overviewSize';

export interface OverviewHost {
  /** Current viewport in model coordinates. */
  extent(): { x1: number; y1: number; x2: number; y2: number };
  /** Centre the view on a model point. */
  centerOn(x: number, y: number): void;
}

export class Overview {
  readonly element: HTMLCanvasElement;
  private base: HTMLCanvasElement | undefined;
  private layout: GraphLayoutDto | undefined;
  private scale = 1;
  private ox = 0;
  private oy = 0;
  private scheduled = false;

  private width: number;
  private height: number;

  /** `maxWidth` × `maxHeight`: the box every graph's overview is fitted into (kept: each graph is fitted anew). */
  constructor(private readonly host: OverviewHost, private readonly maxWidth = 180, private readonly maxHeight = 180) {
    const width = maxWidth;
    const height = maxHeight;
    this.width = width;
    this.height = height;
    const c = document.createElement('canvas');
    c.className = 'graph-overview';
    c.width = width;
    c.height = height;
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', 'Overview of the graph; click to move the view');
    this.element = c;
    let dragging = false;
    const move = (ev: PointerEvent): void => {
      const r = c.getBoundingClientRect();
      const x = (ev.clientX - r.left) * (this.width / r.width);
      const y = (ev.clientY - r.top) * (this.height / r.height);
      this.host.centerOn((x - this.ox) / this.scale, (y - this.oy) / this.scale);
    };
    c.addEventListener('pointerdown', (ev) => {
      dragging = true;
      c.setPointerCapture(ev.pointerId);
      move(ev);
    });
    c.addEventListener('pointermove', (ev) => {
      if (dragging) move(ev);
    });
    c.addEventListener('pointerup', () => (dragging = false));
  }

  /** Draws the nodes (colours by node index) into the base image. */
  setGraph(layout: GraphLayoutDto, colors: (i: number) => string, edgeColor: string): void {
    this.layout = layout;
    const w = Math.max(1, layout.width);
    const hgt = Math.max(1, layout.height);
    const [cw, ch] = overviewSize(w, hgt, this.maxWidth, this.maxHeight);
    this.element.width = cw;
    this.element.height = ch;
    this.width = cw;
    this.height = ch;
    this.scale = Math.min(cw / w, ch / hgt);
    this.ox = (cw - w * this.scale) / 2;
    this.oy = (ch - hgt * this.scale) / 2;
    const base = document.createElement('canvas');
    base.width = cw;
    base.height = ch;
    const g = base.getContext('2d');
    if (g) {
      g.fillStyle = edgeColor;
      const n = layout.x.length;
      for (let i = 0; i < n; i++) {
        g.fillStyle = colors(i);
        const bw = Math.max(1, layout.w[i]! * this.scale);
        const bh = Math.max(1, layout.h[i]! * this.scale);
        g.fillRect(this.ox + layout.x[i]! * this.scale - bw / 2, this.oy + layout.y[i]! * this.scale - bh / 2, bw, bh);
      }
    }
    this.base = base;
    this.update();
  }

  /** Redraws the viewport rectangle (coalesced to one per frame). */
  update(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const g = this.element.getContext('2d');
    if (!g || !this.base || !this.layout) return;
    g.clearRect(0, 0, this.width, this.height);
    g.drawImage(this.base, 0, 0);
    const e = this.host.extent();
    g.strokeStyle = getComputedStyle(this.element).color || '#888';
    g.lineWidth = 1.5;
    const x = this.ox + e.x1 * this.scale;
    const y = this.oy + e.y1 * this.scale;
    g.strokeRect(x, y, Math.max(2, (e.x2 - e.x1) * this.scale), Math.max(2, (e.y2 - e.y1) * this.scale));
  }
}
