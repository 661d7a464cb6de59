/** The overview's canvas size per graph (pure: no DOM, unit-tested). */

/**
 * The overview canvas for a graph of `w` × `h`: its aspect kept, the longer side fitted into the
 * `maxWidth` × `maxHeight` box, the shorter at least 40 px. From the box every time: fitted from the
 * previous graph's canvas, a wide graph after a tall one came out 40 px wide.
 */
export function overviewSize(w: number, h: number, maxWidth: number, maxHeight: number): [number, number] {
  const gw = Math.max(1, w);
  const gh = Math.max(1, h);
  const scale = Math.min(maxWidth / gw, maxHeight / gh);
  return [Math.max(40, Math.round(gw * scale)), Math.max(40, Math.round(gh * scale))];
}
