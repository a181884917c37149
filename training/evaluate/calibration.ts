/** Calibration of probabilities: Brier score and reliability bins. */

/** Mean squared error of probabilities against 0/1 labels. */
export function brierScore(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const d = scores[i]! - labels[i]!;
    sum += d * d;
  }
  return scores.length === 0 ? 0 : sum / scores.length;
}

/** One reliability bin: scores in [lower, upper). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  mean_score: number | null;
  observed_rate: number | null;
}

/** `bins` equal-width bins over [0, 1] (1.0 falls in the last bin). */
export function reliabilityBins(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const sumScore = new Array<number>(bins).fill(0);
  const sumLabel = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(scores[i]! * bins)));
    count[b]!++;
    sumScore[b]! += scores[i]!;
    sumLabel[b]! += labels[i]!;
  }
  return count.map((c, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: c,
    mean_score: c === 0 ? null : sumScore[b]! / c,
    observed_rate: c === 0 ? null : sumLabel[b]! / c,
  }));
}
