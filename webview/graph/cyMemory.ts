/**
 * Memory of large drawings: cytoscape 3.x keeps, on every element, `_private.styleKeys`: one
 * two-number hash array per style property group (~27 groups), rebuilt from scratch by
 * `Style#updateStyleHints` each time the element's style is applied and read nowhere else (the
 * element's own `styleKey`, `labelKey`, `nodeKey`… are what the renderer's caches use). On the raw
 * 50k-node drawing (68k elements) those arrays and their dictionaries are ~90 MB of the heap.
 * `shareStyleKeyScratch` makes every element use one shared scratch object instead, so the arrays
 * of one element are garbage once its hints are computed. Private API: applied only when the
 * prototype looks as expected (see test/unit/webview/cyMemory.test.ts), otherwise a no-op.
 */
import cytoscape from 'cytoscape';

interface StylePrivate {
  styleKeys: Record<string, unknown>;
}
type UpdateStyleHints = (this: unknown, ele: { _private: StylePrivate }) => boolean;
interface StyleProto {
  updateStyleHints?: UpdateStyleHints & { qdqShared?: true };
}

let applied: boolean | undefined;

/** Patches cytoscape's Style prototype once (idempotent); returns whether the patch is in place. */
export function shareStyleKeyScratch(): boolean {
  if (applied !== undefined) return applied;
  applied = false;
  const probe = cytoscape({ headless: true, styleEnabled: true });
  try {
    const proto = Object.getPrototypeOf(probe.style()) as StyleProto;
    const original = proto.updateStyleHints;
    if (typeof original !== 'function' || !/styleKeys/.test(String(original))) return false;
    if (original.qdqShared) return (applied = true);
    const scratch: Record<string, unknown> = {};
    const patched: UpdateStyleHints & { qdqShared?: true } = function (this: unknown, ele) {
      const p = ele._private;
      if (p) p.styleKeys = scratch;
      return original.call(this, ele);
    };
    patched.qdqShared = true;
    proto.updateStyleHints = patched;
    applied = true;
  } finally {
    probe.destroy();
  }
  return applied;
}
