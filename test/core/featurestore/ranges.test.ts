import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../core/errors.js";
import { equalWidthBins } from "../../../core/featurestore/ranges.js";
import { expectChurnError } from "../../support/errors.js";

describe("equalWidthBins", () => {
  it("splits [0, 1] into half-open bins on the edges as written, the last one closed", () => {
    const bins = equalWidthBins(0, 1, 20);
    expect(bins).toHaveLength(20);
    expect(bins[0]).toEqual({ min: 0, max: 0.05, maxExclusive: true });
    expect(bins[2]).toEqual({ min: 0.1, max: 0.15, maxExclusive: true });
    expect(bins[19]).toEqual({ min: 0.95, max: 1, maxExclusive: false });
    expect(bins.map((b) => b.min)).toEqual(Array.from({ length: 20 }, (_, i) => i / 20));
  });

  it("shares each edge between neighbours and keeps the outer edges exact", () => {
    for (const [min, max, count] of [
      [0.1, 0.3, 7],
      [-3, 1e9, 1_000],
      [0, 1, 1],
    ] as const) {
      const bins = equalWidthBins(min, max, count);
      expect(bins[0]!.min).toBe(min);
      expect(bins.at(-1)!.max).toBe(max);
      for (let i = 1; i < bins.length; i++) {
        expect(bins[i]!.min).toBe(bins[i - 1]!.max);
        expect(bins[i]!.min).toBeGreaterThan(bins[i - 1]!.min);
      }
    }
  });

  it("rejects empty or unbounded intervals and bad counts with CHURN_STORE_INVALID_ARGUMENT", async () => {
    const bad = ErrorCodes.CHURN_STORE_INVALID_ARGUMENT;
    const call = (min: number, max: number, count: number) => async () => equalWidthBins(min, max, count);
    for (const [min, max, count] of [
      [1, 1, 10],
      [1, 0, 10],
      [0, Number.POSITIVE_INFINITY, 10],
      [Number.NaN, 1, 10],
      [-Number.MAX_VALUE, Number.MAX_VALUE, 10],
      [0, 1, 0],
      [0, 1, 2.5],
    ]) {
      await expectChurnError(call(min!, max!, count!)(), bad);
    }
  });
});
