/**
 * The time split: train on the older labelled days, validate on the newer ones — never a random
 * split across time, so validation measures what a model trained on the past does on the future.
 */
import { ChurnError } from "../core/errors.js";
import { dayText, type TrainingTable } from "./dataset.js";
import { seededRandom } from "./random.js";
import type { LabeledMatrix } from "./types.js";

/** Options of the split (see TrainingOptions). */
export interface SplitOptions {
  validationFraction: number;
  validationDays: number;
  warmupDays: number;
  gapDays: number;
  minRows: number;
  minClassRows: number;
  maxTrainRows: number;
  seed: number;
}

/** Row indices of the two folds and their day windows. */
export interface TimeSplit {
  train: Uint32Array;
  valid: Uint32Array;
  /** Train rows before subsampling. */
  trainRowsAvailable: number;
  window: { train_from: string; train_to: string; valid_from: string; valid_to: string };
}

function countClasses(table: TrainingTable, rows: Uint32Array): { positives: number; negatives: number } {
  let positives = 0;
  for (const r of rows) positives += table.y[r]!;
  return { positives, negatives: rows.length - positives };
}

/**
 * Splits `table` by day.
 * @throws ChurnError CHURN_TRAIN_EMPTY when there is no labelled row; CHURN_TRAIN_TOO_SMALL when
 * there are fewer than `minRows` rows or fewer than two distinct days; CHURN_TRAIN_ONE_CLASS when
 * a fold has fewer than `minClassRows` rows of a class.
 */
export function splitByDay(table: TrainingTable, options: SplitOptions): TimeSplit {
  if (table.n === 0) {
    throw new ChurnError(
      "CHURN_TRAIN_EMPTY",
      "gold_training_set has no labelled rows (label_complete = 1): run the pipeline for longer than the label " +
        "horizon (the gold sink's horizonDays) so labels mature, then retrain.",
    );
  }
  if (table.n < options.minRows) {
    throw new ChurnError(
      "CHURN_TRAIN_TOO_SMALL",
      `only ${table.n} labelled rows, fewer than training.minRows = ${options.minRows}: simulate more customers or ` +
        "days, or lower training.minRows.",
      { details: { rows: table.n, minRows: options.minRows } },
    );
  }
  const allDays = [...new Set(table.day)].sort((a, b) => a - b);
  // The first days of a feature history have truncated windows (a 30-day count over 3 days):
  // rows unlike any the scorer will see later. Skip them while enough days remain.
  const warmup = allDays.length > 2 * options.warmupDays ? options.warmupDays : 0;
  const days = allDays.filter((d) => d >= allDays[0]! + warmup);
  if (days.length < 2 + options.gapDays) {
    throw new ChurnError(
      "CHURN_TRAIN_TOO_SMALL",
      `labelled rows span ${days.length} day(s): the time split needs at least ${2 + options.gapDays} ` +
        "(one to train, one to validate, plus training.gapDays). Let more days mature.",
      { details: { days: days.length } },
    );
  }
  const wanted =
    options.validationDays > 0
      ? options.validationDays
      : Math.round(days.length * options.validationFraction);
  const validCount = Math.min(days.length - 1 - options.gapDays, Math.max(1, wanted));
  const validFrom = days[days.length - validCount]!;
  const trainTo = days[days.length - validCount - 1 - options.gapDays]!;

  const trainAll: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < table.n; i++) {
    const day = table.day[i]!;
    if (day < days[0]!) continue;
    if (day >= validFrom) valid.push(i);
    else if (day <= trainTo) trainAll.push(i);
  }
  let train = Uint32Array.from(trainAll);
  if (train.length > options.maxTrainRows) {
    // Bernoulli sample in row order: deterministic for a seed, spread over every day.
    const random = seededRandom(options.seed ^ 0x5eed);
    const keep = options.maxTrainRows / train.length;
    train = train.filter(() => random() < keep);
  }
  const folds = { train, valid: Uint32Array.from(valid) };
  for (const [name, rows] of Object.entries(folds)) {
    const { positives, negatives } = countClasses(table, rows);
    if (positives < options.minClassRows || negatives < options.minClassRows) {
      throw new ChurnError(
        "CHURN_TRAIN_ONE_CLASS",
        `the ${name} fold has ${positives} churner and ${negatives} non-churner rows; each class needs at least ` +
          `training.minClassRows = ${options.minClassRows}. Let more days mature or lower training.minClassRows.`,
        { details: { fold: name, positives, negatives } },
      );
    }
  }
  return {
    ...folds,
    trainRowsAvailable: trainAll.length,
    window: {
      train_from: dayText(days[0]!),
      train_to: dayText(trainTo),
      valid_from: dayText(validFrom),
      valid_to: dayText(days[days.length - 1]!),
    },
  };
}

/** The feature matrix and labels of `rows`. */
export function matrixOf(table: TrainingTable, rows: Uint32Array): LabeledMatrix {
  const width = table.features.length;
  const x = new Float32Array(rows.length * width);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(table.x.subarray(r * width, (r + 1) * width), i * width);
    y[i] = table.y[r]!;
  });
  return { x, y, n: rows.length, width };
}

/** Values of a per-row column at `rows`. */
export function pick<T>(column: readonly T[], rows: Uint32Array): T[] {
  return Array.from(rows, (r) => column[r]!);
}
