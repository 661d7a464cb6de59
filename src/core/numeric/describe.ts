/**
 * What a numeric check ran on, in a few words, for messages and the saved result: the samples
 * (from their labels, `NumericResult.inputs`) and the reference. Small and dependency-free, so the
 * extension host can word its messages without loading the rest of the numeric core.
 */
import * as path from 'node:path';
import type { NumericResult } from './numericCheck';

/**
 * What the samples were, in a few words, from their labels (`NumericResult.inputs`): `4 random
 * inputs (seed 1)`, `2 images from /data/val`, `3 .npy files from /data/npy`, `3 sample files (2
 * images, 1 .npy) from /data`.
 */
export function describeSamples(labels: readonly string[]): string {
  const random = labels.map((l) => /^random #\d+ \(seed (-?\d+)\)$/.exec(l));
  if (labels.length && random.every((m) => m)) {
    const seeds = [...new Set(random.map((m) => m![1]))];
    return `${labels.length} random input${labels.length === 1 ? '' : 's'} (seed ${seeds.join(', ')})`;
  }
  const dirs = [...new Set(labels.map((l) => path.dirname(l)))];
  const from = dirs.length === 1 ? ` from ${dirs[0]}` : '';
  const npy = labels.filter((l) => path.extname(l).toLowerCase() === '.npy').length;
  const images = labels.length - npy;
  const n = labels.length;
  if (!npy) return `${n} image${n === 1 ? '' : 's'}${from}`;
  if (!images) return `${n} .npy file${n === 1 ? '' : 's'}${from}`;
  return `${n} sample files (${images} image${images === 1 ? '' : 's'}, ${npy} .npy)${from}`;
}

/** `the derived reference (Q/DQ pairs removed)` or `the reference /m/yolov9t-fp32.onnx`. */
export function describeReference(r: Pick<NumericResult, 'reference' | 'referenceKind'>): string {
  return r.referenceKind === 'derived' ? 'the derived reference (Q/DQ pairs removed)' : `the reference ${r.reference}`;
}
