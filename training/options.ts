/** Options of the retrain job (`training` in the config; `churnstream retrain`). */
import { z } from "zod";
import { compileOptions } from "../core/options.js";
import type { GbdtParams } from "./gbdt/train.js";
import type { LrParams } from "./lr/train.js";

/** Compiled options of the retrain job. */
export interface TrainingOptions {
  /**
   * Share of the labelled days, newest first, that form the validation fold (train on the older
   * days). Ignored when `validationDays` > 0. @default 0.2
   */
  readonly validationFraction: number;
  /** Fixed number of newest labelled days in the validation fold (0 = use the fraction). @default 0 */
  readonly validationDays: number;
  /**
   * Oldest days of the feature history left out of both folds: their windows (30-day counts,
   * days since the last payment) cover only the days since the pipeline started, unlike any
   * vector the scorer sees later (and the first monthly billing cycle is still under way).
   * Applied only when more than twice as many days are labelled. @default 45
   */
  readonly warmupDays: number;
  /**
   * Days left out between the train and validation folds (an embargo against train labels that
   * look into the validation period). @default 0
   */
  readonly gapDays: number;
  /** Fewest labelled rows (train + validation) to train on. @default 2000 */
  readonly minRows: number;
  /** Fewest rows of each class in each fold. @default 20 */
  readonly minClassRows: number;
  /**
   * Training rows above this are subsampled (whole customer-days, seeded): consecutive days of a
   * customer are near-duplicates, so a sample loses little. @default 600000
   */
  readonly maxTrainRows: number;
  /**
   * A candidate is promoted only when its validation ROC-AUC ≥ the champion's on the same rows
   * plus this margin; otherwise it becomes the challenger. @default 0.005
   */
  readonly promotionMarginAuc: number;
  /** Seed of subsampling and the GBDT's row sampling. @default 1 */
  readonly seed: number;
  /** GBDT hyper-parameters. */
  readonly gbdt: Readonly<Omit<GbdtParams, "seed">>;
  /** Logistic-regression baseline hyper-parameters. */
  readonly lr: Readonly<LrParams>;
}

/** Defaults of {@link TrainingOptions}. */
export const TRAINING_DEFAULTS = {
  validationFraction: 0.2,
  validationDays: 0,
  warmupDays: 45,
  gapDays: 0,
  minRows: 2_000,
  minClassRows: 20,
  maxTrainRows: 600_000,
  promotionMarginAuc: 0.005,
  seed: 1,
  gbdt: {
    maxRounds: 400,
    learningRate: 0.08,
    maxDepth: 6,
    lambda: 1,
    minChildHessian: 1,
    minChildSamples: 100,
    minSplitGain: 0,
    maxBins: 255,
    subsample: 0.8,
    earlyStoppingRounds: 30,
  },
  lr: { l2: 1, maxIterations: 50, tolerance: 1e-7 },
} as const satisfies TrainingOptions;

const D = TRAINING_DEFAULTS;
const fraction = (what: string) => z.number({ error: `must be a number (${what})` });

/** The accepted input: every key optional. Composed under `training` in the config. */
export const trainingOptionsSchema = z.strictObject({
  validationFraction: fraction("share of days")
    .gt(0, { error: "must be > 0" })
    .lt(1, { error: "must be < 1" })
    .default(D.validationFraction),
  validationDays: z.int().min(0).max(3650).default(D.validationDays),
  warmupDays: z.int().min(0).max(3650).default(D.warmupDays),
  gapDays: z.int().min(0).max(3650).default(D.gapDays),
  minRows: z.int().min(10, { error: "must be ≥ 10" }).default(D.minRows),
  minClassRows: z.int().min(1).default(D.minClassRows),
  maxTrainRows: z.int().min(1_000, { error: "must be ≥ 1000" }).default(D.maxTrainRows),
  promotionMarginAuc: fraction("ROC-AUC margin").min(-1).max(1).default(D.promotionMarginAuc),
  seed: z.int().min(0).max(0xffffffff).default(D.seed),
  gbdt: z
    .strictObject({
      maxRounds: z.int().min(1).max(10_000).default(D.gbdt.maxRounds),
      learningRate: fraction("shrinkage").gt(0).max(1).default(D.gbdt.learningRate),
      maxDepth: z.int().min(1).max(12).default(D.gbdt.maxDepth),
      lambda: z.number().min(0).default(D.gbdt.lambda),
      minChildHessian: z.number().min(0).default(D.gbdt.minChildHessian),
      minChildSamples: z.int().min(1).default(D.gbdt.minChildSamples),
      minSplitGain: z.number().min(0).default(D.gbdt.minSplitGain),
      maxBins: z.int().min(2).max(255, { error: "must be ≤ 255 (bins are bytes)" }).default(D.gbdt.maxBins),
      subsample: fraction("row fraction per round").gt(0).max(1).default(D.gbdt.subsample),
      earlyStoppingRounds: z.int().min(0).default(D.gbdt.earlyStoppingRounds),
    })
    .prefault({}),
  lr: z
    .strictObject({
      l2: z.number().min(0).default(D.lr.l2),
      maxIterations: z.int().min(1).max(1_000).default(D.lr.maxIterations),
      tolerance: z.number().gt(0).default(D.lr.tolerance),
    })
    .prefault({}),
});

export type TrainingOptionsInput = z.input<typeof trainingOptionsSchema>;

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileTrainingOptions(
  raw: TrainingOptionsInput = {},
  root = "training",
): Readonly<TrainingOptions> {
  return compileOptions(trainingOptionsSchema, raw, root);
}
