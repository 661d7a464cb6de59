/**
 * cytoscape applies the style of added or changed elements lazily: `cy.add` and `ele.data(…)` only
 * mark them dirty, and the renderer's next frame (`beforeRender` → `updateEleCalcs`) applies the
 * style and computes label sizes, edge geometry and bounding boxes of everything marked since the
 * last frame, in one task. Adding elements in 20 ms slices therefore left frames of 150–570 ms.
 * `flushElementCalcs` runs that queued work now, so a slice's measured time is its real cost.
 * Private API (the canvas renderer's `flushRenderedStyleQueue`, the same call cytoscape makes
 * itself when it dequeues textures without drawing): used only when present, else a no-op (the
 * work then stays in the next frame). test/unit/webview/cyRender.test.ts checks it is there.
 */
import type cytoscape from 'cytoscape';

interface RendererPrivate {
  flushRenderedStyleQueue?: () => void;
}

/** Applies now the style and geometry cytoscape queued for the next frame; false when it cannot. */
export function flushElementCalcs(cy: cytoscape.Core): boolean {
  const renderer = (cy as unknown as { renderer?: () => RendererPrivate | undefined }).renderer?.();
  if (typeof renderer?.flushRenderedStyleQueue !== 'function') return false;
  renderer.flushRenderedStyleQueue();
  return true;
}

interface FramePrivate {
  requestedFrame?: boolean;
}

/**
 * Runs `change` and, when no frame was requested before it, drops the frame request it made: for
 * changes that alter nothing on screen (elements added outside the view). The renderer's hints stay
 * dirty, so the next frame anyone else requests (a pan, a restyle) draws everything. Without the
 * private flag (`requestedFrame`), just runs `change`.
 */
export function withoutFrame(cy: cytoscape.Core, change: () => void): void {
  const renderer = (cy as unknown as { renderer?: () => FramePrivate | undefined }).renderer?.();
  const before = renderer?.requestedFrame;
  change();
  if (before === false && typeof renderer?.requestedFrame === 'boolean') renderer.requestedFrame = false;
}

/**
 * Sorts the elements by z-order now, as the next frame would (every add drops cytoscape's sorted
 * list; after streaming without frames the first frame re-sorted ~4,000 elements). Private API
 * (`getCachedZSortedEles`): skipped when absent.
 */
export function sortForNextFrame(cy: cytoscape.Core): void {
  const renderer = (cy as unknown as { renderer?: () => { getCachedZSortedEles?: () => unknown } | undefined }).renderer?.();
  if (typeof renderer?.getCachedZSortedEles === 'function') renderer.getCachedZSortedEles();
}
