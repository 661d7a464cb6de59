/** `rgb()` colour arithmetic, apart from theme.ts (which needs the DOM) so Node unit tests can use it. */

/** Parses `rgb(r, g, b)` / `rgba(r, g, b, a)`. */
export function parseRgb(color: string): [number, number, number] {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

/** Linear mix of two `rgb()` colours, t in 0..1. */
export function mixRgb(a: string, b: string, t: number): string {
  const [ar, ag, ab] = parseRgb(a);
  const [br, bg, bb] = parseRgb(b);
  const k = Math.min(1, Math.max(0, t));
  return `rgb(${Math.round(ar + (br - ar) * k)}, ${Math.round(ag + (bg - ag) * k)}, ${Math.round(ab + (bb - ab) * k)})`;
}
