/**
 * Logistic regression baseline: features standardised (mean 0, unit variance on the training
 * fold; constant features get scale 1), L2 penalty on the weights (not the intercept), fitted by
 * Newton's method (IRLS) with step halving. Deterministic: no randomness at all.
 */
import type { LinearModel } from "../model.js";
import type { LabeledMatrix, TrainProgress } from "../types.js";

/** Hyper-parameters of the LR baseline (defaults and docs in training/options.ts). */
export interface LrParams {
  /** L2 penalty λ in Σ logloss + λ/2·‖w‖². */
  l2: number;
  maxIterations: number;
  /** Stop when the largest Newton step is below this. */
  tolerance: number;
}

export interface LrResult {
  model: LinearModel;
  iterations: number;
  converged: boolean;
  /** Mean training log loss (without the penalty). */
  trainLogLoss: number;
}

/** Solves the symmetric positive definite system A·x = b (Cholesky), A is d×d row-major. */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) l[i * d + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * d + j] = sum / l[j * d + j]!;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * y[k]!;
    y[i] = sum / l[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * x[k]!;
    x[i] = sum / l[i * d + i]!;
  }
  return x;
}

/** Column means and standard deviations (scale 1 for constant columns). */
export function standardisation(train: LabeledMatrix): { mean: number[]; scale: number[] } {
  const { x, n, width } = train;
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j]! += x[i * width + j]!;
  for (let j = 0; j < width; j++) mean[j] = mean[j]! / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) {
      const d = x[i * width + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  }
  const scale = sq.map((s) => {
    const sd = Math.sqrt(s / Math.max(1, n));
    return sd > 1e-9 ? sd : 1;
  });
  return { mean, scale };
}

/**
 * Fits the baseline on `train`.
 * @throws RangeError when `train` is empty or its width differs from `features`
 */
export function trainLr(
  train: LabeledMatrix,
  features: readonly string[],
  params: LrParams,
  onProgress?: TrainProgress,
): LrResult {
  const { x, y, n, width } = train;
  if (n === 0) throw new RangeError("trainLr: no training rows");
  if (width !== features.length)
    throw new RangeError(`trainLr: ${width} inputs but ${features.length} feature names`);
  const { mean, scale } = standardisation(train);
  const d = width + 1; // intercept last
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) z[i * d + j] = (x[i * width + j]! - mean[j]!) / scale[j]!;
    z[i * d + width] = 1;
  }
  const beta = new Float64Array(d);
  const objective = (b: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += z[i * d + j]! * b[j]!;
      // log(1 + e^s) − y·s, computed stably
      loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[i]! * s;
    }
    let penalty = 0;
    for (let j = 0; j < width; j++) penalty += b[j]! * b[j]!;
    return loss + (params.l2 / 2) * penalty;
  };
  let current = objective(beta);
  let iterations = 0;
  let converged = false;
  while (iterations < params.maxIterations) {
    iterations++;
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += z[i * d + j]! * beta[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = p - y[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j < d; j++) {
        const zj = z[i * d + j]!;
        grad[j]! += r * zj;
        const wz = w * zj;
        for (let k = 0; k <= j; k++) hess[j * d + k]! += wz * z[i * d + k]!;
      }
    }
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) hess[k * d + j] = hess[j * d + k]!;
    for (let j = 0; j < width; j++) {
      grad[j]! += params.l2 * beta[j]!;
      hess[j * d + j]! += params.l2;
    }
    const step = solveSpd(hess, grad, d);
    let t = 1;
    let next = beta.map((b, j) => b - t * step[j]!);
    let value = objective(next);
    while (value > current && t > 1e-6) {
      t /= 2;
      next = beta.map((b, j) => b - t * step[j]!);
      value = objective(next);
    }
    const largest = step.reduce((m, s) => Math.max(m, Math.abs(s * t)), 0);
    beta.set(next);
    current = value;
    onProgress?.(iterations, params.maxIterations, { objective: value / n, step: largest });
    if (largest < params.tolerance) {
      converged = true;
      break;
    }
  }
  let penalty = 0;
  for (let j = 0; j < width; j++) penalty += beta[j]! * beta[j]!;
  return {
    model: {
      kind: "lr",
      features: [...features],
      mean,
      scale,
      weights: Array.from(beta.subarray(0, width)),
      intercept: beta[width]!,
    },
    iterations,
    converged,
    trainLogLoss: (current - (params.l2 / 2) * penalty) / n,
  };
}
