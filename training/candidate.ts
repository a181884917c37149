/**
 * Trains a candidate on a TrainingTable: time split, GBDT (early-stopped on the validation
 * fold), the LR baseline, and the evaluation of both on the validation fold. Pure computation:
 * no registry, no I/O.
 */
import { referenceDistribution } from "../processors/score/drift.js";
import type { TrainingTable } from "./dataset.js";
import { type Evaluation, evaluateScores } from "./evaluate/index.js";
import { type GbdtResult, trainGbdt } from "./gbdt/index.js";
import { type LrResult, trainLr } from "./lr/index.js";
import type { TreeEnsembleModel } from "./model.js";
import type { TrainingOptions } from "./options.js";
import { predictProba } from "./predict.js";
import { matrixOf, pick, splitByDay, type TimeSplit } from "./split.js";
import type { LabeledMatrix, TrainProgress } from "./types.js";

/** Progress of the phases of a candidate's training. */
export interface CandidateProgress {
  gbdt?: TrainProgress;
  lr?: TrainProgress;
}

/** A trained and evaluated candidate. */
export interface Candidate {
  model: TreeEnsembleModel;
  split: TimeSplit;
  valid: LabeledMatrix;
  /** Validation scores of the GBDT (TS predictions). */
  validScores: Float64Array;
  evaluation: Evaluation;
  baseline: { result: LrResult; evaluation: Evaluation };
  gbdt: GbdtResult;
  /** Row counts and class balance. */
  data: {
    rows: number;
    train_rows: number;
    train_rows_available: number;
    valid_rows: number;
    train_positives: number;
  };
  seconds: { gbdt: number; lr: number };
  /** Distribution of each input on the training fold (drift reference for the scorer). */
  referenceDistribution: ReturnType<typeof referenceDistribution>;
}

/** Subgroups for the card: plan and country of each validation row. */
function groupsOf(table: TrainingTable, rows: Uint32Array): Record<string, string[]> {
  return { plan: pick(table.plan, rows), country: pick(table.country, rows) };
}

/**
 * Trains and evaluates a candidate.
 * @throws ChurnError CHURN_TRAIN_EMPTY / CHURN_TRAIN_TOO_SMALL / CHURN_TRAIN_ONE_CLASS from the split
 */
export function trainCandidate(
  table: TrainingTable,
  options: TrainingOptions,
  progress: CandidateProgress = {},
): Candidate {
  const split = splitByDay(table, options);
  const train = matrixOf(table, split.train);
  const valid = matrixOf(table, split.valid);
  const features = [...table.features];

  let started = performance.now();
  const gbdt = trainGbdt(train, valid, features, { ...options.gbdt, seed: options.seed }, progress.gbdt);
  const gbdtSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const lr = trainLr(train, features, options.lr, progress.lr);
  const lrSeconds = (performance.now() - started) / 1000;

  const groups = groupsOf(table, split.valid);
  const oracle = table.oracle === null ? null : Float64Array.from(split.valid, (r) => table.oracle![r]!);
  const validScores = predictProba(gbdt.model, valid.x, valid.n);
  const evaluation = evaluateScores({ scores: validScores, labels: valid.y, groups, oracle });
  const lrScores = predictProba(lr.model, valid.x, valid.n);
  const lrEvaluation = evaluateScores({ scores: lrScores, labels: valid.y, groups, oracle });
  let trainPositives = 0;
  for (const v of train.y) trainPositives += v;
  return {
    model: gbdt.model,
    split,
    valid,
    validScores,
    evaluation,
    baseline: { result: lr, evaluation: lrEvaluation },
    gbdt,
    data: {
      rows: table.n,
      train_rows: train.n,
      train_rows_available: split.trainRowsAvailable,
      valid_rows: valid.n,
      train_positives: trainPositives,
    },
    seconds: { gbdt: gbdtSeconds, lr: lrSeconds },
    referenceDistribution: referenceDistribution(train.x, train.n, features),
  };
}
