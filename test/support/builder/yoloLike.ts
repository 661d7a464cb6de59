/**
 * yoloLike(): a YOLOv9-shaped backbone + neck + head, sized by parameters.
 *
 *   model.0          stem Conv 3x3 s2 (3 -> w)
 *   per level L      a downsample (level 0: Conv 3x3 s2; later: ADown-like
 *                    Slice halves -> Conv 3x3 s2 | MaxPool 3x3 s2 -> Conv 1x1,
 *                    Concat), then `blocks` ELAN blocks (Conv 1x1, Split,
 *                    `depth` residual bottlenecks with Add, two 3x3 Convs,
 *                    Concat of four tensors, Conv 1x1)
 *   SPP              Conv 1x1, three chained MaxPool 5x5, Concat, Conv 1x1
 *   neck top-down    Resize x2 (nearest) + Concat with the level's feature, ELAN
 *   neck bottom-up   ADown-like downsample + Concat, ELAN
 *   head             detectHead() over every level
 *
 * Levels have 2w, 4w, 8w, ... channels; `imageSize` must be divisible by
 * 2^(levels+1). Modules are numbered in build order like yolov9's `model.N`.
 */
import type { DefectKind } from './manifest';
import type { DefectTargets, ModelBuilderOptions, QdqMode } from './modelBuilder';
import { ModelBuilder, scopeOf } from './modelBuilder';
import type { TensorRef } from './graph';

/** `true` puts the defect on its default conv (see YoloLayout.defectTargets); a list names conv module paths. */
export type YoloDefects = Partial<Record<DefectKind, boolean | readonly string[]>>;

export interface YoloLikeOptions extends Omit<ModelBuilderOptions, 'qdq' | 'defects'> {
  qdq?: QdqMode;
  defects?: YoloDefects;
  /** Resolution levels after the stem (default 3, like P3..P5). */
  levels?: number;
  /** ELAN blocks per backbone level (default 1). */
  blocks?: number;
  /** Residual bottlenecks per ELAN (default 1). */
  depth?: number;
  /** Base channel count (default 8); must be even. */
  width?: number;
  imageSize?: number;
  classes?: number;
  /**
   * good mode, as the real yolov9-qat exports (its `remove_redundant_qdq_model`): a bottom-up neck
   * Concat reads the DQ of the upsample's input quantizer (same tensor) instead of a Q/DQ of its
   * own, so that quantizer feeds both the Resize and that Concat (default false).
   */
  sharedUpsampleDq?: boolean;
}

/** Where things ended up; `yoloLike(...).layout`. */
export interface YoloLayout {
  readonly modules: readonly { readonly index: number; readonly kind: string; readonly module: string }[];
  /** Default conv module per defect kind (used when a defect is `true`). */
  readonly defectTargets: Readonly<Record<DefectKind, string>>;
  readonly headModule: string;
}

/** Named parameter sets: a checked-in-size fixture and two benchmark sizes. */
export const YOLO_PRESETS = {
  /** A few hundred nodes with Q/DQ, ~20 KB of weights. */
  tiny: { levels: 2, blocks: 1, depth: 1, width: 4, imageSize: 64, classes: 4 },
  /** ~6,000 nodes and ~250 MB of weights with `qdq: 'good'`. */
  bench6k: { levels: 3, blocks: 16, depth: 2, width: 50, imageSize: 640, classes: 80, weights: 'pooled' },
  /** ~50,000 nodes with `qdq: 'good'`, small tensors. */
  bench50k: { levels: 3, blocks: 75, depth: 6, width: 8, imageSize: 256, classes: 80, weights: 'pooled' },
} as const satisfies Record<string, YoloLikeOptions>;

const DEFECT_KINDS: readonly DefectKind[] = ['nonZeroZeroPoint', 'uint8Activation', 'missingWeightQdq', 'danglingQ', 'biasQdq'];

class Layout {
  private next = 0;
  readonly modules: { index: number; kind: string; module: string }[] = [];
  take(kind: string): string {
    const module = `model.${this.next}`;
    this.modules.push({ index: this.next++, kind, module });
    return module;
  }
}

/** The module paths the default defect targets resolve to (depends only on the layout). */
function defaultDefectTargets(firstElan: string, firstDown: string): Record<DefectKind, string> {
  return {
    nonZeroZeroPoint: 'model.0',
    uint8Activation: `${firstElan}.cv1`,
    missingWeightQdq: `${firstElan}.cv4`,
    danglingQ: `${firstDown}.cv1`,
    biasQdq: `${firstDown}.cv2`,
  };
}

export function yoloLike(opts: YoloLikeOptions = {}): ModelBuilder & { readonly layout: YoloLayout } {
  const levels = opts.levels ?? 3;
  const blocks = opts.blocks ?? 1;
  const depth = opts.depth ?? 1;
  const w = opts.width ?? 8;
  const size = opts.imageSize ?? 64;
  const classes = opts.classes ?? 4;
  if (levels < 1 || blocks < 1 || depth < 0) throw new Error('yoloLike: levels >= 1, blocks >= 1, depth >= 0');
  if (w % 2) throw new Error('yoloLike: width must be even');
  if (size % 2 ** (levels + 1)) throw new Error(`yoloLike: imageSize must be divisible by ${2 ** (levels + 1)}`);

  // Module numbering is fixed by the parameters, so the default defect targets
  // can be resolved before building: model.0 stem, model.1 level-0 conv,
  // model.2 first ELAN, model.(2+blocks) the first ADown-like block (levels > 1).
  const firstElan = 'model.2';
  const firstDown = levels > 1 ? `model.${2 + blocks}` : undefined;
  const defaults = defaultDefectTargets(firstElan, firstDown ?? 'model.1');
  if (!firstDown) defaults.danglingQ = 'model.1';
  if (!firstDown) defaults.biasQdq = 'model.1';
  const defects: DefectTargets = {};
  for (const k of DEFECT_KINDS) {
    const v = opts.defects?.[k];
    if (v === undefined || v === false) continue;
    defects[k] = v === true ? [defaults[k]] : v;
  }

  const { levels: _l, blocks: _b, depth: _d, width: _w, imageSize: _s, classes: _c, defects: _x, sharedUpsampleDq: _u, ...rest } = opts;
  const b = new ModelBuilder({ ...rest, defects, metadata: opts.metadata ?? { stride: String(2 ** (levels + 1)) } });
  const L = new Layout();
  const good = b.qdqMode === 'good';
  const chan = (lvl: number): number => 2 * w * 2 ** lvl;

  const bottleneck = (y: TensorRef, mod: string, group: string | undefined): TensorRef => {
    const c = y.shape[1]!;
    const g = good ? (group ?? b.hintOf(y) ?? b.newScaleGroup(`${scopeOf(mod)}/cv1/conv/_input_quantizer`)) : undefined;
    const h1 = b.convSilu(y, { module: `${mod}.cv1`, cout: c, k: 3, inputGroup: g });
    const h2 = b.convSilu(h1, { module: `${mod}.cv2`, cout: c, k: 3 });
    return b.add(y, h2, { scope: scopeOf(mod), group: g, role: 'add.residual' });
  };

  const elan = (x: TensorRef, cout: number): TensorRef => {
    const mod = L.take('elan');
    const scope = scopeOf(mod);
    const h = cout / 2;
    const t = b.convSilu(x, { module: `${mod}.cv1`, cout, k: 1 });
    const [a, bb] = b.split(t, { scope, sizes: [h, h] });
    // good: every conv reading a Concat input shares the Concat's scale (yolov9-qat rule).
    const G = good ? b.newScaleGroup(`${scope}/Concat`) : undefined;
    let y = bb!;
    for (let k = 0; k < depth; k++) y = bottleneck(y, `${mod}.m.${k}`, k === 0 ? G : undefined);
    const c1 = b.convSilu(y, { module: `${mod}.cv2`, cout: h, k: 3, inputGroup: depth === 0 ? G : undefined });
    const c2 = b.convSilu(c1, { module: `${mod}.cv3`, cout: h, k: 3, inputGroup: G });
    const cat = b.concat([a!, bb!, c1, c2], { scope, group: G, role: 'concat.elan' });
    return b.convSilu(cat, { module: `${mod}.cv4`, cout, k: 1 });
  };

  const adown = (x: TensorRef, cout: number): TensorRef => {
    const mod = L.take('adown');
    const scope = scopeOf(mod);
    const cin = x.shape[1]!;
    const x1 = b.slice(x, { scope, axis: 1, start: 0, end: cin / 2 });
    const x2 = b.slice(x, { scope, axis: 1, start: cin / 2, end: cin });
    const y1 = b.convSilu(x1, { module: `${mod}.cv1`, cout: cout / 2, k: 3, s: 2 });
    const m = b.maxPool(x2, { scope, k: 3, s: 2, p: 1 });
    const y2 = b.convSilu(m, { module: `${mod}.cv2`, cout: cout / 2, k: 1 });
    return b.concat([y1, y2], { scope, role: 'concat.down' });
  };

  const spp = (x: TensorRef): TensorRef => {
    const mod = L.take('spp');
    const scope = scopeOf(mod);
    const c = x.shape[1]!;
    const t = b.convSilu(x, { module: `${mod}.cv1`, cout: c / 2, k: 1 });
    const G = good ? b.newScaleGroup(`${scope}/Concat`) : undefined;
    const p1 = b.maxPool(t, { scope: `${scope}/cv2/m`, k: 5, group: G });
    const p2 = b.maxPool(p1, { scope: `${scope}/cv3/m`, k: 5, group: G });
    const p3 = b.maxPool(p2, { scope: `${scope}/cv4/m`, k: 5, group: G });
    const cat = b.concat([t, p1, p2, p3], { scope, group: G, role: 'concat.spp' });
    return b.convSilu(cat, { module: `${mod}.cv5`, cout: c, k: 1 });
  };

  let x = b.input('images', 'FLOAT', [1, 3, size, size]);
  x = b.convSilu(x, { module: L.take('conv'), cout: w, k: 3, s: 2 });
  const feats: TensorRef[] = [];
  for (let lvl = 0; lvl < levels; lvl++) {
    x = lvl === 0 ? b.convSilu(x, { module: L.take('conv'), cout: chan(0), k: 3, s: 2 }) : adown(x, chan(lvl));
    for (let k = 0; k < blocks; k++) x = elan(x, chan(lvl));
    feats.push(x);
  }
  feats[levels - 1] = spp(x);

  // Top-down: up[i] is the neck output at level i (the deepest is the SPP output).
  const up: TensorRef[] = new Array<TensorRef>(levels);
  up[levels - 1] = feats[levels - 1]!;
  const upsampleDq = new Map<number, TensorRef>();
  for (let lvl = levels - 2; lvl >= 0; lvl--) {
    const scope = scopeOf(L.take('upsample'));
    const r = b.resize(up[lvl + 1]!, { scope });
    const rec = b.quant.records.find((q) => q.input === up[lvl + 1]!.name && q.quantizeNode.startsWith(`${scope}/`));
    if (rec?.output) upsampleDq.set(lvl + 1, b.tensor(rec.output));
    const cat = b.concat([r, feats[lvl]!], { scope: scopeOf(L.take('concat')), role: 'concat.neck' });
    up[lvl] = elan(cat, chan(lvl));
  }
  // Bottom-up.
  const outs: TensorRef[] = [up[0]!];
  for (let lvl = 1; lvl < levels; lvl++) {
    const d = adown(outs[lvl - 1]!, chan(lvl - 1));
    const shared = good && opts.sharedUpsampleDq ? upsampleDq.get(lvl) : undefined;
    const cat = b.concat([d, up[lvl]!], { scope: scopeOf(L.take('concat')), role: 'concat.neck', quantized: [undefined, shared] });
    outs.push(elan(cat, chan(lvl)));
  }
  const headModule = L.take('detect');
  const y = b.detectHead(outs, { module: headModule, classes, hidden: chan(0) });
  b.output(y, 'output0');

  const layout: YoloLayout = { modules: L.modules, defectTargets: defaults, headModule };
  return Object.assign(b, { layout });
}
