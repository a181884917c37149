import { describe, expect, it } from "vitest";
import {
  BIN_SLOTS,
  bestSplit,
  buildHistogram,
  createHistogram,
  subtractHistogram,
} from "../../../training/gbdt/histogram.js";

const rules = { lambda: 0, minChildHessian: 0, minChildSamples: 1, minSplitGain: 0 };

describe("histograms", () => {
  it("accumulates gradient, hessian and count per feature and bin", () => {
    const bins = Uint8Array.from([0, 2, 1, 2, 0, 0]); // 3 rows × 2 features
    const grad = Float64Array.from([1, -2, 4]);
    const hess = Float64Array.from([0.5, 0.25, 1]);
    const hist = createHistogram(2);
    buildHistogram(hist, bins, 2, grad, hess, Uint32Array.from([0, 1, 2]), 0, 3);
    expect([hist.gh[0], hist.gh[1], hist.count[0]]).toEqual([5, 1.5, 2]); // feature 0, bin 0: rows 0, 2
    expect([hist.gh[2], hist.count[1]]).toEqual([-2, 1]); // feature 0, bin 1: row 1
    const f1bin2 = BIN_SLOTS + 2;
    expect([hist.gh[f1bin2 * 2], hist.count[f1bin2]]).toEqual([-1, 2]); // feature 1, bin 2: rows 0, 1
    const part = createHistogram(2);
    buildHistogram(part, bins, 2, grad, hess, Uint32Array.from([2]), 0, 1);
    const rest = createHistogram(2);
    subtractHistogram(rest, hist, part);
    expect([rest.gh[0], rest.count[0]]).toEqual([1, 1]);
  });

  it("finds the best split by gain, earliest on ties, within the rules", () => {
    // One feature, three bins: g = -2, 0, 2; h = 1 each; 2 rows each.
    const hist = createHistogram(1);
    [
      [-2, 1],
      [0, 1],
      [2, 1],
    ].forEach(([g, h], b) => {
      hist.gh[b * 2] = g!;
      hist.gh[b * 2 + 1] = h!;
      hist.count[b] = 2;
    });
    // Cut after bin 0: ½(4/1 + 4/2 − 0) = 3; after bin 1: ½(4/2 + 4/1) = 3 → the first wins.
    const split = bestSplit(hist, [3], 0, 3, 6, rules);
    expect(split).toMatchObject({ feature: 0, bin: 0, gain: 3, leftGrad: -2, leftHess: 1, leftCount: 2 });
    expect(bestSplit(hist, [3], 0, 3, 6, { ...rules, lambda: 1 })!.gain).toBeCloseTo(
      0.5 * (4 / 2 + 4 / 3),
      12,
    );
    expect(bestSplit(hist, [3], 0, 3, 6, { ...rules, minChildSamples: 3 })).toBeNull();
    expect(bestSplit(hist, [3], 0, 3, 6, { ...rules, minSplitGain: 3 })).toBeNull();
  });
});
