/**
 * The evaluation of a model on the held-out fold, as it goes into the model card: ranking,
 * classification at the action threshold, top-decile lift/capture, calibration, subgroup
 * ROC-AUC and — when the simulator's ground truth is known — the oracle AUC of the true churn
 * probabilities on the same rows.
 */
import type { RiskThresholds } from "../model.js";
import { brierScore, type ReliabilityBin, reliabilityBins } from "./calibration.js";
import {
  averagePrecision,
  countPositives,
  orderByScoreDesc,
  rocAuc,
  type TopFractionMetrics,
  topFraction,
} from "./ranking.js";
import { atThreshold, maxF1Threshold, riskThresholds, type ThresholdMetrics } from "./threshold.js";

/** ROC-AUC of one subgroup (null when the group lacks a class). */
export interface SubgroupMetric {
  rows: number;
  positives: number;
  roc_auc: number | null;
}

/** Everything measured on one fold. */
export interface Evaluation {
  rows: number;
  positives: number;
  positive_rate: number;
  roc_auc: number | null;
  pr_auc: number | null;
  /** ROC-AUC of the simulator's true probabilities on the same rows; null without ground truth. */
  oracle_auc: number | null;
  /** Rows of the fold that had a ground-truth probability (the oracle AUC is over these). */
  oracle_rows: number;
  brier: number;
  log_loss: number;
  at_threshold: ThresholdMetrics;
  top_decile: TopFractionMetrics;
  reliability: ReliabilityBin[];
  subgroups: Record<string, Record<string, SubgroupMetric>>;
  thresholds: RiskThresholds;
}

/** Inputs of an evaluation. */
export interface EvaluationInput {
  scores: ArrayLike<number>;
  labels: Uint8Array;
  /** Group value per row, per grouping (e.g. plan, country). */
  groups?: Record<string, readonly string[]>;
  /** The true churn probability per row; NaN where unknown. */
  oracle?: Float64Array | null;
  /**
   * The action threshold. When omitted it is chosen on these rows (max F1): pass the validation
   * fold's own choice when evaluating another fold.
   */
  threshold?: number;
}

function logLossOf(scores: ArrayLike<number>, labels: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, scores[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return labels.length === 0 ? 0 : sum / labels.length;
}

/** ROC-AUC per value of each grouping. */
export function subgroupAuc(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  groups: Record<string, readonly string[]>,
): Record<string, Record<string, SubgroupMetric>> {
  const out: Record<string, Record<string, SubgroupMetric>> = {};
  for (const [grouping, values] of Object.entries(groups)) {
    const members = new Map<string, number[]>();
    values.forEach((value, i) => {
      let list = members.get(value);
      if (list === undefined) {
        list = [];
        members.set(value, list);
      }
      list.push(i);
    });
    out[grouping] = {};
    for (const value of [...members.keys()].sort()) {
      const rows = members.get(value)!;
      const s = Float64Array.from(rows, (i) => scores[i]!);
      const y = Uint8Array.from(rows, (i) => labels[i]!);
      out[grouping]![value] = { rows: rows.length, positives: countPositives(y), roc_auc: rocAuc(s, y) };
    }
  }
  return out;
}

/** The oracle AUC over the rows with a known true probability. */
export function oracleAuc(oracle: Float64Array, labels: Uint8Array): { auc: number | null; rows: number } {
  const known: number[] = [];
  for (let i = 0; i < oracle.length; i++) if (!Number.isNaN(oracle[i]!)) known.push(i);
  if (known.length === 0) return { auc: null, rows: 0 };
  const s = Float64Array.from(known, (i) => oracle[i]!);
  const y = Uint8Array.from(known, (i) => labels[i]!);
  return { auc: rocAuc(s, y), rows: known.length };
}

/** Evaluates scores against labels. */
export function evaluateScores(input: EvaluationInput): Evaluation {
  const { scores, labels } = input;
  const order = orderByScoreDesc(scores);
  const positives = countPositives(labels);
  const threshold = input.threshold ?? maxF1Threshold(scores, labels, order);
  const oracle = input.oracle == null ? { auc: null, rows: 0 } : oracleAuc(input.oracle, labels);
  return {
    rows: labels.length,
    positives,
    positive_rate: labels.length === 0 ? 0 : positives / labels.length,
    roc_auc: rocAuc(scores, labels, order),
    pr_auc: averagePrecision(scores, labels, order),
    oracle_auc: oracle.auc,
    oracle_rows: oracle.rows,
    brier: brierScore(scores, labels),
    log_loss: logLossOf(scores, labels),
    at_threshold: atThreshold(scores, labels, threshold),
    top_decile: topFraction(scores, labels, 0.1, order),
    reliability: reliabilityBins(scores, labels),
    subgroups: subgroupAuc(scores, labels, input.groups ?? {}),
    thresholds: riskThresholds(scores, order),
  };
}
