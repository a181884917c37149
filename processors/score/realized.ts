/**
 * Realized performance of past scores whose label horizon has passed: ROC-AUC, precision at
 * the action threshold, Brier score and calibration, and the automatic-rollback decision.
 * Pure: the monitor (performance.ts) fetches the rows and acts on the result.
 */
import { rocAuc as evaluationRocAuc } from "../../training/evaluate/ranking.js";

/** One matured score: the customer's latest score of a version in the window, and its outcome. */
export interface MaturedScore {
  customer_id: string;
  model_version: string;
  /** 1 when scored in shadow (challenger). */
  shadow: number;
  score: number;
  /** 1 when the customer cancelled within the horizon after the features' time. */
  label: number;
}

/** Realized metrics of one model version over a set of matured scores. */
export interface RealizedMetrics {
  scores: number;
  positives: number;
  rocAuc: number;
  /** Precision of score ≥ threshold (NaN when nothing reaches it). */
  precision: number;
  threshold: number;
  brier: number;
  meanScore: number;
  churnRate: number;
  /** meanScore / churnRate: 1 is calibrated, > 1 over-predicts. */
  calibrationRatio: number;
}

/**
 * ROC-AUC of `scores` against 0/1 `labels`: training/evaluate's (the Mann–Whitney statistic,
 * ties counting ½), with NaN rather than null when a class is missing, as a gauge takes it.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return evaluationRocAuc(scores, labels) ?? Number.NaN;
}

/** Metrics of a group of matured scores; undefined when it has fewer than `minScores` or one class only. */
export function realizedMetrics(
  rows: readonly MaturedScore[],
  threshold: number,
  minScores: number,
): RealizedMetrics | undefined {
  const n = rows.length;
  if (n < minScores) return undefined;
  const scores = rows.map((r) => r.score);
  const labels = rows.map((r) => (r.label > 0 ? 1 : 0));
  const positives = labels.reduce<number>((a, b) => a + b, 0);
  if (positives === 0 || positives === n) return undefined;
  let flagged = 0;
  let hits = 0;
  let brier = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s >= threshold) {
      flagged++;
      hits += labels[i]!;
    }
    brier += (s - labels[i]!) ** 2;
    sum += s;
  }
  const churnRate = positives / n;
  return {
    scores: n,
    positives,
    rocAuc: rocAuc(scores, labels),
    precision: flagged === 0 ? Number.NaN : hits / flagged,
    threshold,
    brier: brier / n,
    meanScore: sum / n,
    churnRate,
    calibrationRatio: sum / n / churnRate,
  };
}

/** Rows of `a` and `b` restricted to the customers both scored (for a paired comparison). */
export function pairOn(
  a: readonly MaturedScore[],
  b: readonly MaturedScore[],
): [MaturedScore[], MaturedScore[]] {
  const inB = new Set(b.map((r) => r.customer_id));
  const common = new Set(a.filter((r) => inB.has(r.customer_id)).map((r) => r.customer_id));
  return [a.filter((r) => common.has(r.customer_id)), b.filter((r) => common.has(r.customer_id))];
}

/** What the monitor should do about the champion. */
export type RollbackDecision =
  | { rollback: false; why: string }
  | { rollback: true; why: string; champion: number; previous: number };

/**
 * Roll back when the champion's realized AUC is below `floor` and the previous champion's, on the
 * same window, is higher. Never right after an automatic rollback (until the next promotion).
 */
export function decideRollback(input: {
  champion: RealizedMetrics | undefined;
  previous: RealizedMetrics | undefined;
  floor: number;
  lastAction: string | undefined;
}): RollbackDecision {
  const { champion, previous, floor } = input;
  if (champion === undefined) return { rollback: false, why: "champion has too few matured scores" };
  if (!(champion.rocAuc < floor))
    return { rollback: false, why: `champion AUC ${champion.rocAuc.toFixed(4)} ≥ floor ${floor}` };
  if (input.lastAction === "auto-rollback")
    return { rollback: false, why: "the champion was restored by an automatic rollback already" };
  if (previous === undefined) return { rollback: false, why: "previous champion has too few matured scores" };
  if (!(previous.rocAuc > champion.rocAuc))
    return { rollback: false, why: `previous champion did not do better (${previous.rocAuc.toFixed(4)})` };
  return {
    rollback: true,
    why:
      `realized ROC-AUC ${champion.rocAuc.toFixed(4)} is below the floor ${floor} while the previous champion ` +
      `reached ${previous.rocAuc.toFixed(4)} on the same window`,
    champion: champion.rocAuc,
    previous: previous.rocAuc,
  };
}
