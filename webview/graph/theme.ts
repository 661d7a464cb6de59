/**
 * Theme colours for the canvas: cytoscape paints on a canvas and cannot read CSS variables, so each
 * VS Code theme colour is resolved to an `rgb()` string through a hidden probe element, again
 * whenever the theme changes (VS Code swaps the body class and the variables).
 */
import { overlayColorCss } from '../../src/protocol/overlay';

export { mixRgb, parseRgb } from './rgb';

let probe: HTMLElement | undefined;
const cache = new Map<string, string>();

/** A theme colour id (`charts.blue`), CSS variable (`--vscode-…`) or CSS colour, as `rgb(...)`. */
export function resolveColor(color: string, fallback = 'rgb(128, 128, 128)'): string {
  const cached = cache.get(color);
  if (cached) return cached;
  if (!probe) {
    probe = document.createElement('span');
    probe.className = 'color-probe';
    probe.setAttribute('aria-hidden', 'true');
    document.body.appendChild(probe);
  }
  const css = overlayColorCss(color);
  probe.style.color = fallback;
  probe.style.color = css.startsWith('var(') ? `${css.slice(0, -1)}, ${fallback})` : css;
  const value = getComputedStyle(probe).color || fallback;
  cache.set(color, value);
  return value;
}

export function clearColorCache(): void {
  cache.clear();
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

/** Calls `onChange` when VS Code switches the theme (body class or the root's variables change). */
export function watchTheme(onChange: () => void): void {
  let scheduled = false;
  const fire = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      clearColorCache();
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
