/**
 * The graph search's current hit across a redraw (pure, unit-tested in
 * test/unit/webview/searchState.test.ts).
 *
 * Hits are indices into one drawing, so every new drawing (an edit such as "keep the k most
 * sensitive layers in higher precision" re-lays the graph out, a mode switch, the end of streaming)
 * runs the search again. It used to forget which hit was current: the counter read "– of 3" after
 * Keep-k although the user had stepped to a hit. Hits are now followed by key (`n:<node key>`,
 * `e:<tensor>`, as the selection is): the same hit stays current, else the selected element when it
 * is a hit; when the current hit is gone, the counter says the results changed.
 */

export interface CarriedHit {
  /** Index into the new hits; -1: none is current. */
  readonly cursor: number;
  /** The hit that was current is not among the new hits. */
  readonly changed: boolean;
}

/**
 * The current hit among `keys` (the new hits, in order) after a redraw: `previous` (the key of the
 * hit that was current) when it is still a hit, else `selected` when it is one, else none.
 */
export function carryHit(previous: string | undefined, keys: readonly string[], selected: string | undefined): CarriedHit {
  if (previous !== undefined) {
    const k = keys.indexOf(previous);
    if (k >= 0) return { cursor: k, changed: false };
  }
  if (selected !== undefined) {
    const k = keys.indexOf(selected);
    if (k >= 0) return { cursor: k, changed: false };
  }
  return { cursor: -1, changed: previous !== undefined };
}

/** The search counter: `2 of 5`; `5 results` before any is current (or `5 results (changed)` after a redraw lost it). */
export function searchCountText(query: string, hits: number, cursor: number, changed = false): string {
  if (query.trim() === '') return '';
  if (hits === 0) return 'No results';
  if (cursor >= 0 && cursor < hits) return `${cursor + 1} of ${hits}`;
  const results = `${hits} result${hits === 1 ? '' : 's'}`;
  return changed ? `${results} (changed)` : results;
}
