/**
 * Classification at a threshold (score >= threshold → predicted churner), the choice of the
 * action threshold (max F1 on the validation fold) and the risk bands derived from it.
 */
import type { RiskThresholds } from "../model.js";
import { countPositives, orderByScoreDesc } from "./ranking.js";

/** Precision, recall and F1 at a threshold. */
export interface ThresholdMetrics {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of rows flagged. */
  flagged_rate: number;
}

/** Metrics when rows with score >= `threshold` are flagged. */
export function atThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): ThresholdMetrics {
  let tp = 0;
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= threshold) {
      flagged++;
      if (labels[i] === 1) tp++;
    }
  }
  const positives = countPositives(labels);
  const precision = flagged === 0 ? 0 : tp / flagged;
  const recall = positives === 0 ? 0 : tp / positives;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    threshold,
    precision,
    recall,
    f1,
    flagged_rate: scores.length === 0 ? 0 : flagged / scores.length,
  };
}

/**
 * The threshold with the largest F1 over every distinct score (ties: the higher threshold, which
 * flags fewer customers). 0.5 when there is no positive.
 */
export function maxF1Threshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  order = orderByScoreDesc(scores),
): number {
  const positives = countPositives(labels);
  if (positives === 0 || scores.length === 0) return 0.5;
  let tp = 0;
  let flagged = 0;
  let best = { f1: -1, threshold: 0.5 };
  let k = 0;
  while (k < order.length) {
    const score = scores[order[k]!]!;
    while (k < order.length && scores[order[k]!] === score) {
      if (labels[order[k]!] === 1) tp++;
      flagged++;
      k++;
    }
    const f1 = (2 * tp) / (flagged + positives);
    if (f1 > best.f1) best = { f1, threshold: score };
  }
  return best.threshold;
}

/** The score at the top `fraction` of rows (the lowest score among them). */
export function topQuantile(
  scores: ArrayLike<number>,
  fraction: number,
  order = orderByScoreDesc(scores),
): number {
  if (scores.length === 0) return 1;
  const k = Math.min(order.length - 1, Math.max(0, Math.ceil(scores.length * fraction) - 1));
  return scores[order[k]!]!;
}

/**
 * Risk bands from the validation fold's score distribution: MEDIUM from the top 20% of scores,
 * HIGH from the top 10% (the top decile: the list the lift and capture metrics describe),
 * CRITICAL from the top 2%. The action threshold (max F1) is reported beside them.
 */
export function riskThresholds(scores: ArrayLike<number>, order = orderByScoreDesc(scores)): RiskThresholds {
  const medium = topQuantile(scores, 0.2, order);
  const high = Math.max(medium, topQuantile(scores, 0.1, order));
  return { medium, high, critical: Math.max(high, topQuantile(scores, 0.02, order)) };
}
