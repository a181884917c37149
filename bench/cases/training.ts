/**
 * Training benchmarks: the GBDT and the LR baseline on an offline simulated training set (the
 * same rows `churnstream retrain --simulate` builds). Throughput counts training rows × rounds
 * (GBDT) or rows × Newton iterations (LR); the validation ROC-AUC and the oracle's are kept.
 */
import { rocAuc } from "../../training/evaluate/index.js";
import { simulateTrainingTable } from "../../training/experiment.js";
import { trainGbdt } from "../../training/gbdt/index.js";
import { trainLr } from "../../training/lr/index.js";
import { TRAINING_DEFAULTS } from "../../training/options.js";
import { predictProba } from "../../training/predict.js";
import { matrixOf, splitByDay } from "../../training/split.js";
import type { BenchCase } from "../harness.js";

type Params = { customers: number; days: number; seed: number };

function folds(p: Params) {
  const { table } = simulateTrainingTable(p);
  const split = splitByDay(table, TRAINING_DEFAULTS);
  const valid = matrixOf(table, split.valid);
  const oracle = Float64Array.from(split.valid, (r) => table.oracle![r]!);
  return { table, train: matrixOf(table, split.train), valid, oracle };
}

const params = (quick: boolean): Params =>
  quick ? { customers: 1_000, days: 75, seed: 1 } : { customers: 5_000, days: 150, seed: 1 };

const gbdt: BenchCase = {
  id: "training.gbdt",
  backend: "none",
  description: "GBDT training (histogram, depth 6, early stopping) on simulated customer-days: row-rounds/s",
  params,
  async run(raw) {
    const { table, train, valid, oracle } = folds(raw as unknown as Params);
    const started = performance.now();
    const result = trainGbdt(train, valid, [...table.features], { ...TRAINING_DEFAULTS.gbdt, seed: 1 });
    const seconds = (performance.now() - started) / 1000;
    return {
      events: train.n * result.roundsRun,
      seconds,
      extra: {
        train_rows: train.n,
        rounds: result.roundsRun,
        trees: result.bestRounds,
        roc_auc: rocAuc(predictProba(result.model, valid.x, valid.n), valid.y),
        oracle_auc: rocAuc(oracle, valid.y),
      },
    };
  },
};

const lr: BenchCase = {
  id: "training.lr",
  backend: "none",
  description: "logistic-regression baseline (Newton/IRLS) on the same rows: row-iterations/s",
  params,
  async run(raw) {
    const { table, train, valid } = folds(raw as unknown as Params);
    const started = performance.now();
    const result = trainLr(train, [...table.features], TRAINING_DEFAULTS.lr);
    const seconds = (performance.now() - started) / 1000;
    return {
      events: train.n * result.iterations,
      seconds,
      extra: {
        train_rows: train.n,
        iterations: result.iterations,
        roc_auc: rocAuc(predictProba(result.model, valid.x, valid.n), valid.y),
      },
    };
  },
};

export const trainingCases: readonly BenchCase[] = [gbdt, lr];
