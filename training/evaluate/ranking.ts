/**
 * Ranking metrics of binary scores: ROC-AUC (ties count ½), average precision (PR-AUC, ties
 * grouped), and the top-decile lift and capture.
 */

/** Row indices ordered by score descending; equal scores by index (deterministic). */
export function orderByScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Positives among `labels`. */
export function countPositives(labels: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++;
  return p;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting ½ (the Mann–Whitney statistic). Null when a class is missing.
 */
export function rocAuc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  order = orderByScoreDesc(scores),
): number | null {
  const positives = countPositives(labels);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  // Walk from the highest score down; each negative is beaten by the positives seen above it.
  let posAbove = 0;
  let pairs = 0;
  let k = 0;
  while (k < order.length) {
    const score = scores[order[k]!]!;
    let tiePos = 0;
    let tieNeg = 0;
    while (k < order.length && scores[order[k]!] === score) {
      if (labels[order[k]!] === 1) tiePos++;
      else tieNeg++;
      k++;
    }
    pairs += tieNeg * posAbove + 0.5 * tieNeg * tiePos;
    posAbove += tiePos;
  }
  return pairs / (positives * negatives);
}

/**
 * Average precision: Σ (R_k − R_{k−1}) · P_k over the distinct score thresholds, highest first
 * (scikit-learn's definition). Null when there is no positive.
 */
export function averagePrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  order = orderByScoreDesc(scores),
): number | null {
  const positives = countPositives(labels);
  if (positives === 0) return null;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let k = 0;
  while (k < order.length) {
    const score = scores[order[k]!]!;
    let tpGroup = 0;
    while (k < order.length && scores[order[k]!] === score) {
      if (labels[order[k]!] === 1) tpGroup++;
      seen++;
      k++;
    }
    tp += tpGroup;
    ap += (tpGroup / positives) * (tp / seen);
  }
  return ap;
}

/** Lift and capture of the top `fraction` of rows by score. */
export interface TopFractionMetrics {
  fraction: number;
  rows: number;
  positives: number;
  /** Positive rate in the top rows ÷ overall positive rate. */
  lift: number | null;
  /** Share of all positives found in the top rows. */
  capture: number | null;
}

/** Lift and capture in the top `fraction` (default: the top decile) of rows by score. */
export function topFraction(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  fraction = 0.1,
  order = orderByScoreDesc(scores),
): TopFractionMetrics {
  const rows = Math.ceil(labels.length * fraction);
  let positives = 0;
  for (let k = 0; k < rows; k++) if (labels[order[k]!] === 1) positives++;
  const total = countPositives(labels);
  const baseRate = labels.length === 0 ? 0 : total / labels.length;
  return {
    fraction,
    rows,
    positives,
    lift: rows === 0 || baseRate === 0 ? null : positives / rows / baseRate,
    capture: total === 0 ? null : positives / total,
  };
}
