/**
 * Error metrics between a reference tensor (FP32 model) and a test tensor (Q/DQ model), accumulated
 * over every element of every sample input, so a layer's figures cover all inputs at once:
 *
 * - SQNR (dB) = 10·log10(Σ ref² / Σ (ref − test)²), capped at `SQNR_CAP_DB` (identical tensors;
 *   float32 rounding alone never reaches it);
 * - cosine similarity of the flattened tensors (1 when both are all zeros);
 * - max |ref − test|.
 *
 * Non-finite pairs (NaN/Inf in either tensor) are left out of the sums and counted.
 */
export const SQNR_CAP_DB = 200;

export interface ErrorFigures {
  sqnrDb: number;
  cosine: number;
  maxAbs: number;
  /** Σ (ref − test)² / Σ ref²: the noise-to-signal ratio behind sqnrDb (0 = identical; Infinity when the reference is all zero). */
  nsr: number;
  /** Elements compared (all samples). */
  elements: number;
  /** Element pairs skipped because one side was NaN or infinite. */
  nonFinite: number;
}

export class ErrorAccumulator {
  private signal = 0;
  private noise = 0;
  private dot = 0;
  private refNorm = 0;
  private testNorm = 0;
  private maxAbs = 0;
  private elements = 0;
  private nonFinite = 0;

  add(ref: ArrayLike<number>, test: ArrayLike<number>): void {
    const n = ref.length;
    let signal = 0;
    let noise = 0;
    let dot = 0;
    let tn = 0;
    let maxAbs = this.maxAbs;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const r = ref[i]!;
      const t = test[i]!;
      const d = r - t;
      if (!Number.isFinite(d)) {
        bad++;
        continue;
      }
      signal += r * r;
      noise += d * d;
      dot += r * t;
      tn += t * t;
      const a = d < 0 ? -d : d;
      if (a > maxAbs) maxAbs = a;
    }
    this.signal += signal;
    this.noise += noise;
    this.dot += dot;
    this.refNorm += signal;
    this.testNorm += tn;
    this.maxAbs = maxAbs;
    this.elements += n - bad;
    this.nonFinite += bad;
  }

  result(): ErrorFigures {
    return {
      sqnrDb: sqnrFromNsr(this.noise === 0 ? 0 : this.signal === 0 ? Infinity : this.noise / this.signal),
      cosine: cosine(this.dot, this.refNorm, this.testNorm),
      maxAbs: this.maxAbs,
      nsr: this.noise === 0 ? 0 : this.signal === 0 ? Infinity : this.noise / this.signal,
      elements: this.elements,
      nonFinite: this.nonFinite,
    };
  }
}

/** 10·log10(1 / nsr), within [−SQNR_CAP_DB, SQNR_CAP_DB]. */
export function sqnrFromNsr(nsr: number): number {
  if (!(nsr > 0)) return SQNR_CAP_DB;
  if (nsr === Infinity) return -SQNR_CAP_DB;
  return Math.max(-SQNR_CAP_DB, Math.min(SQNR_CAP_DB, -10 * Math.log10(nsr)));
}

function cosine(dot: number, a: number, b: number): number {
  if (a === 0 && b === 0) return 1;
  if (a === 0 || b === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(a * b)));
}

/**
 * SQNR of the error a layer adds itself: the output's noise-to-signal ratio minus the one its
 * float input already had (noise powers add through a linear layer, relative to the signal). A
 * layer after a coarse one inherits its error but adds little, so this ranks the culprit first,
 * where the plain (cumulative) SQNR would rank every layer downstream of it about as badly.
 */
export function localSqnrDb(outNsr: number, inNsr: number | undefined): number {
  if (inNsr === undefined || !Number.isFinite(inNsr)) return sqnrFromNsr(outNsr);
  return sqnrFromNsr(outNsr - inNsr);
}
