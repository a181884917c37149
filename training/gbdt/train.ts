/**
 * Gradient-boosted decision trees for binary classification (logistic loss), histogram-based:
 * features are binned once into ≤255 quantile bins, each round grows a depth-limited tree on the
 * gradients/hessians of the current predictions, leaf value −G/(H+λ)·η, and training stops when
 * the validation fold's log loss has not improved for `earlyStoppingRounds` rounds (the model
 * keeps the best round's trees). Deterministic for a given seed.
 */
import type { TreeEnsembleModel } from "../model.js";
import { seededRandom } from "../random.js";
import type { LabeledMatrix, LossPoint, TrainProgress } from "../types.js";
import { binMatrix, computeBinEdges } from "./binning.js";
import type { Histogram } from "./histogram.js";
import { binnedValue, type GrowContext, type GrownTree, growTree } from "./tree.js";

/** Hyper-parameters of the GBDT trainer (defaults and docs in training/options.ts). */
export interface GbdtParams {
  maxRounds: number;
  learningRate: number;
  maxDepth: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  minChildHessian: number;
  minChildSamples: number;
  minSplitGain: number;
  maxBins: number;
  /** Fraction of training rows each round sees (1 = all). */
  subsample: number;
  /** Stop after this many rounds without a better validation log loss (0 = never stop early). */
  earlyStoppingRounds: number;
  seed: number;
}

/** A trained ensemble and how training went. */
export interface GbdtResult {
  model: TreeEnsembleModel;
  /** Trees kept: the round with the best validation log loss (all rounds without validation). */
  bestRounds: number;
  roundsRun: number;
  stoppedEarly: boolean;
  history: LossPoint[];
  /** Total split gain per feature over the kept trees (normalised to sum 1). */
  gainImportance: number[];
}

const EPS = 1e-15;

/** Mean log loss of log-odds `f` against labels `y`. */
export function logLoss(f: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < f.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, 1 / (1 + Math.exp(-f[i]!))));
    sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return f.length === 0 ? 0 : sum / f.length;
}

/**
 * Trains a GBDT on `train`, early-stopping on `valid` when given.
 * @throws RangeError when `train` is empty or has rows of another width than `features`
 */
export function trainGbdt(
  train: LabeledMatrix,
  valid: LabeledMatrix | null,
  features: readonly string[],
  params: GbdtParams,
  onProgress?: TrainProgress,
): GbdtResult {
  const { n, width } = train;
  if (n === 0) throw new RangeError("trainGbdt: no training rows");
  if (width !== features.length)
    throw new RangeError(`trainGbdt: ${width} inputs but ${features.length} feature names`);
  const edges = computeBinEdges(train, params.maxBins);
  const bins = binMatrix(train, edges);
  const validBins = valid === null ? null : binMatrix(valid, edges);

  let positives = 0;
  for (let i = 0; i < n; i++) positives += train.y[i]!;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  const baseLogOdds = Math.fround(Math.log(rate / (1 - rate)));

  const f = new Float64Array(n).fill(baseLogOdds);
  const fValid = new Float64Array(valid?.n ?? 0).fill(baseLogOdds);
  const gainPerRound: Float64Array[] = [];
  const ctx: GrowContext = {
    bins,
    width,
    edges,
    binsPerFeature: edges.map((e) => e.length),
    grad: new Float64Array(n),
    hess: new Float64Array(n),
    rows: new Uint32Array(n),
    rowCount: 0,
    scratch: new Uint32Array(n),
    maxDepth: params.maxDepth,
    learningRate: params.learningRate,
    rules: {
      lambda: params.lambda,
      minChildHessian: params.minChildHessian,
      minChildSamples: params.minChildSamples,
      minSplitGain: params.minSplitGain,
    },
    pool: [] as Histogram[],
    gain: new Float64Array(width),
  };
  const random = seededRandom(params.seed);
  const trees: GrownTree[] = [];
  const history: LossPoint[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, rounds: 0 };
  let stoppedEarly = false;

  for (let round = 1; round <= params.maxRounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-f[i]!));
      ctx.grad[i] = p - train.y[i]!;
      ctx.hess[i] = Math.max(p * (1 - p), 1e-16);
    }
    ctx.rowCount = 0;
    for (let i = 0; i < n; i++) {
      if (params.subsample >= 1 || random() < params.subsample) ctx.rows[ctx.rowCount++] = i;
    }
    ctx.gain = new Float64Array(width);
    const grown = growTree(ctx);
    trees.push(grown);
    gainPerRound.push(ctx.gain);
    for (let i = 0; i < n; i++) f[i] = f[i]! + binnedValue(grown, bins, width, i);
    let validLoss: number | null = null;
    if (valid !== null && validBins !== null) {
      for (let i = 0; i < valid.n; i++) fValid[i] = fValid[i]! + binnedValue(grown, validBins, width, i);
      validLoss = logLoss(fValid, valid.y);
    }
    const trainLoss = logLoss(f, train.y);
    history.push({ round, train: trainLoss, valid: validLoss });
    onProgress?.(round, params.maxRounds, { train: trainLoss, valid: validLoss ?? Number.NaN });
    const monitored = validLoss ?? trainLoss;
    if (monitored < best.loss - 1e-12) best = { loss: monitored, rounds: round };
    if (
      valid !== null &&
      params.earlyStoppingRounds > 0 &&
      round - best.rounds >= params.earlyStoppingRounds
    ) {
      stoppedEarly = true;
      break;
    }
  }
  const kept = valid === null ? trees.length : best.rounds;
  const gain = new Float64Array(width);
  for (let r = 0; r < kept; r++) for (let j = 0; j < width; j++) gain[j] = gain[j]! + gainPerRound[r]![j]!;
  const totalGain = gain.reduce((a, b) => a + b, 0);
  return {
    model: {
      kind: "gbdt",
      features: [...features],
      baseLogOdds,
      trees: trees.slice(0, kept).map((t) => t.tree),
    },
    bestRounds: kept,
    roundsRun: trees.length,
    stoppedEarly,
    history,
    gainImportance: Array.from(gain, (g) => (totalGain > 0 ? g / totalGain : 0)),
  };
}
