/**
 * Gradient histograms of a node: per feature and bin, the sums of gradients and hessians and the
 * row count. A child's histogram is built only for the smaller child; the larger one is the
 * parent's minus it (the subtraction trick), which halves the work below the root.
 */

/** Histogram of one node: `gh` interleaves (gradient, hessian) per (feature, bin). */
export interface Histogram {
  readonly gh: Float64Array;
  readonly count: Uint32Array;
}

/** Bins per feature slot in a histogram (all features use the same stride). */
export const BIN_SLOTS = 256;

/** A zeroed histogram for `width` features. */
export function createHistogram(width: number): Histogram {
  return { gh: new Float64Array(width * BIN_SLOTS * 2), count: new Uint32Array(width * BIN_SLOTS) };
}

/** Accumulates the rows `rows[start..end)` into `hist` (which must be zeroed). */
export function buildHistogram(
  hist: Histogram,
  bins: Uint8Array,
  width: number,
  grad: Float64Array,
  hess: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
): void {
  const { gh, count } = hist;
  for (let k = start; k < end; k++) {
    const row = rows[k]!;
    const g = grad[row]!;
    const h = hess[row]!;
    const base = row * width;
    for (let f = 0; f < width; f++) {
      const slot = f * BIN_SLOTS + bins[base + f]!;
      const at = slot * 2;
      gh[at] = gh[at]! + g;
      gh[at + 1] = gh[at + 1]! + h;
      count[slot] = count[slot]! + 1;
    }
  }
}

/** `out = parent − child`, element-wise. */
export function subtractHistogram(out: Histogram, parent: Histogram, child: Histogram): void {
  for (let i = 0; i < out.gh.length; i++) out.gh[i] = parent.gh[i]! - child.gh[i]!;
  for (let i = 0; i < out.count.length; i++) out.count[i] = parent.count[i]! - child.count[i]!;
}

/** The best split found in a histogram. */
export interface SplitCandidate {
  feature: number;
  /** Rows with bin <= this go left. */
  bin: number;
  gain: number;
  leftGrad: number;
  leftHess: number;
  leftCount: number;
}

/** Constraints on a split. */
export interface SplitRules {
  lambda: number;
  minChildHessian: number;
  minChildSamples: number;
  minSplitGain: number;
}

/**
 * The split with the largest gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] over every feature
 * and bin boundary, or null when none satisfies the rules. Ties keep the lower feature and bin,
 * so training is deterministic.
 */
export function bestSplit(
  hist: Histogram,
  binsPerFeature: readonly number[],
  totalGrad: number,
  totalHess: number,
  totalCount: number,
  rules: SplitRules,
): SplitCandidate | null {
  const { gh, count } = hist;
  const parentScore = (totalGrad * totalGrad) / (totalHess + rules.lambda);
  let best: SplitCandidate | null = null;
  for (let f = 0; f < binsPerFeature.length; f++) {
    let gl = 0;
    let hl = 0;
    let cl = 0;
    const last = binsPerFeature[f]! - 1;
    for (let b = 0; b < last; b++) {
      const slot = f * BIN_SLOTS + b;
      gl += gh[slot * 2]!;
      hl += gh[slot * 2 + 1]!;
      cl += count[slot]!;
      if (cl < rules.minChildSamples || hl < rules.minChildHessian) continue;
      const cr = totalCount - cl;
      const hr = totalHess - hl;
      if (cr < rules.minChildSamples || hr < rules.minChildHessian) break;
      const gr = totalGrad - gl;
      const gain = 0.5 * ((gl * gl) / (hl + rules.lambda) + (gr * gr) / (hr + rules.lambda) - parentScore);
      if (gain > rules.minSplitGain && (best === null || gain > best.gain)) {
        best = { feature: f, bin: b, gain, leftGrad: gl, leftHess: hl, leftCount: cl };
      }
    }
  }
  return best;
}
