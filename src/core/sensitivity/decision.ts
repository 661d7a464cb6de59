/**
 * "Keep the k most sensitive layers in higher precision", as plain data:
 * - per layer, its compute nodes (Conv/ConvTranspose/Gemm/MatMul): what the editing layer turns
 *   into "disable quantization" edits (remove the Q/DQ on their activation input and weight);
 * - `nodesToExclude`: those node names, exact (onnxruntime's `nodes_to_exclude` takes names);
 * - `modelOptPatterns`: the same as anchored, escaped regular expressions, because ModelOpt's
 *   `nodes_to_exclude` entries are patterns applied with Python's `re.match` (a bare name would
 *   also match `…/Conv_1`, and its dots match any character);
 * - `yoloModules`: the module names for the PyTorch side (`model.22`, as yolov9-qat names layers),
 *   including module names this ONNX export does not have.
 */
import type { ModuleIndex } from './nameMapping';
import type { Ranking } from './ranking';

export interface KeptLayer {
  readonly name: string;
  readonly rank: number;
  readonly value: number;
  readonly delta: number | null;
  /** Module path (node entries: the node's module), or null. */
  readonly module: string | null;
  /** `model.N`, or null. */
  readonly layer: string | null;
  readonly computeNodes: readonly string[];
}

export interface KeepDecision {
  readonly metric: string;
  /** The k asked for, and how many layers that gave (fewer when the ranking is shorter). */
  readonly k: number;
  readonly layers: readonly KeptLayer[];
  /** Names among the top k that match no ONNX node: kept in the list, nothing to edit. */
  readonly unmapped: readonly string[];
  /** Layers just past the cut with the same value as the last one kept (the choice among them is by file order). */
  readonly tiedAtCut: readonly string[];
  readonly nodesToExclude: readonly string[];
  readonly modelOptPatterns: readonly string[];
  readonly yoloModules: readonly string[];
}

/** Python `re` pattern matching exactly `name` (with `re.match`, which anchors only the start). */
export function exactPattern(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

export function keepMostSensitive(ranking: Ranking, index: ModuleIndex, k: number): KeepDecision {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a whole number >= 0, got ${k}`);
  const top = ranking.entries.slice(0, k);
  const layers: KeptLayer[] = [];
  const unmapped: string[] = [];
  const nodes = new Set<string>();
  const modules = new Set<string>();
  for (const e of top) {
    const m = index.resolve(e.name, e.kind);
    if (!m) unmapped.push(e.name);
    for (const n of m?.computeNodes ?? []) nodes.add(n);
    const module = m?.module ?? null;
    // The PyTorch side does not depend on this export: an unmapped module name is still kept.
    if (m?.kind === 'module' || (!m && e.kind !== 'node' && !e.name.startsWith('/'))) modules.add(e.name);
    else if (module) modules.add(module);
    layers.push({ name: e.name, rank: e.rank, value: e.value, delta: e.delta, module, layer: m?.layer ?? null, computeNodes: m?.computeNodes ?? [] });
  }
  const last = top[top.length - 1];
  const tiedAtCut = last ? ranking.entries.slice(k).filter((e) => e.value === last.value).map((e) => e.name) : [];
  // Graph order for the node lists, so the output is stable whatever the ranking order.
  const order = (n: string): number => index.node(n)?.order ?? Number.MAX_SAFE_INTEGER;
  const nodesToExclude = [...nodes].sort((a, b) => order(a) - order(b));
  return {
    metric: ranking.metric.name,
    k,
    layers,
    unmapped,
    tiedAtCut,
    nodesToExclude,
    modelOptPatterns: nodesToExclude.map(exactPattern),
    yoloModules: [...modules],
  };
}
