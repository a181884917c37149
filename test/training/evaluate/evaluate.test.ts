import { describe, expect, it } from "vitest";
import {
  atThreshold,
  averagePrecision,
  brierScore,
  evaluateScores,
  maxF1Threshold,
  oracleAuc,
  reliabilityBins,
  riskThresholds,
  rocAuc,
  subgroupAuc,
  topFraction,
} from "../../../training/evaluate/index.js";

// Hand-worked example: positives score {0.9, 0.8, 0.4}, negatives {0.8, 0.3, 0.1}.
const scores = [0.9, 0.8, 0.8, 0.4, 0.3, 0.1];
const labels = Uint8Array.from([1, 0, 1, 1, 0, 0]);

describe("ranking metrics", () => {
  it("ROC-AUC counts a tied positive/negative pair as ½", () => {
    // 0.9 beats 3 negatives; 0.8 ties one (½) and beats 2; 0.4 beats 2 → 7.5 of 9 pairs.
    expect(rocAuc(scores, labels)).toBeCloseTo(7.5 / 9, 12);
    expect(rocAuc([0.1, 0.2], Uint8Array.from([0, 1]))).toBe(1);
    expect(rocAuc([0.5, 0.5, 0.5], Uint8Array.from([0, 1, 0]))).toBe(0.5);
    expect(rocAuc([0.2, 0.3], Uint8Array.from([1, 1]))).toBeNull();
  });

  it("average precision groups tied scores", () => {
    // 1/3·1 + 1/3·(2/3) + 1/3·(3/4) = 29/36
    expect(averagePrecision(scores, labels)).toBeCloseTo(29 / 36, 12);
    expect(averagePrecision(scores, new Uint8Array(6))).toBeNull();
  });

  it("lift and capture of the top rows", () => {
    const top = topFraction(scores, labels, 0.5);
    expect(top).toMatchObject({ rows: 3, positives: 2 });
    expect(top.lift).toBeCloseTo(2 / 3 / 0.5, 12);
    expect(top.capture).toBeCloseTo(2 / 3, 12);
  });
});

describe("threshold metrics", () => {
  it("chooses the max-F1 threshold and measures precision/recall there", () => {
    expect(maxF1Threshold(scores, labels)).toBe(0.4);
    const m = atThreshold(scores, labels, 0.4);
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBe(1);
    expect(m.f1).toBeCloseTo(6 / 7, 12);
    expect(m.flagged_rate).toBeCloseTo(4 / 6, 12);
  });

  it("risk bands from the top 20% / 10% / 2% of scores, ordered", () => {
    expect(riskThresholds(scores)).toEqual({ medium: 0.8, high: 0.9, critical: 0.9 });
    const many = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(riskThresholds(many)).toEqual({ medium: 0.8, high: 0.9, critical: 0.98 });
  });
});

describe("calibration", () => {
  it("Brier score and reliability bins", () => {
    expect(brierScore(scores, labels)).toBeCloseTo(1.15 / 6, 12);
    const bins = reliabilityBins(scores, labels);
    expect(bins).toHaveLength(10);
    expect(bins[8]).toMatchObject({ count: 2, observed_rate: 0.5 });
    expect(bins[8]!.mean_score).toBeCloseTo(0.8, 12);
    expect(bins[9]).toMatchObject({ count: 1, observed_rate: 1 });
    expect(bins[0]).toMatchObject({ count: 0, mean_score: null, observed_rate: null });
    expect(reliabilityBins([1], Uint8Array.from([1]))[9]!.count).toBe(1);
  });
});

describe("subgroups and oracle", () => {
  it("ROC-AUC per group, null for a group with one class", () => {
    const out = subgroupAuc(scores, labels, { country: ["X", "X", "X", "X", "Y", "Y"] });
    expect(out.country!.X).toEqual({ rows: 4, positives: 3, roc_auc: 0.5 });
    expect(out.country!.Y).toEqual({ rows: 2, positives: 0, roc_auc: null });
  });

  it("oracle AUC over the rows with a known probability", () => {
    const oracle = Float64Array.from([0.5, Number.NaN, 0.4, 0.1, 0.2, 0.3]);
    expect(oracleAuc(oracle, labels)).toEqual({ auc: 4 / 6, rows: 5 });
    expect(oracleAuc(new Float64Array(6).fill(Number.NaN), labels)).toEqual({ auc: null, rows: 0 });
  });

  it("evaluateScores puts it together", () => {
    const e = evaluateScores({ scores, labels, groups: { plan: ["A", "A", "B", "B", "A", "B"] } });
    expect(e).toMatchObject({ rows: 6, positives: 3, positive_rate: 0.5, oracle_auc: null, oracle_rows: 0 });
    expect(e.roc_auc).toBeCloseTo(7.5 / 9, 12);
    expect(e.at_threshold.threshold).toBe(0.4);
    expect(e.subgroups.plan!.A!.roc_auc).toBe(1);
    // A fixed threshold (chosen on another fold) is used as given.
    expect(evaluateScores({ scores, labels, threshold: 0.85 }).at_threshold.recall).toBeCloseTo(1 / 3, 12);
  });
});
