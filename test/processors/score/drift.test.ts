import { describe, expect, it } from "vitest";
import { binOf, DriftMonitor, psi, referenceDistribution } from "../../../processors/score/drift.js";

describe("population stability index", () => {
  it("bins x ≤ edge into the edge's bin", () => {
    expect([0, 1, 1.5, 2, 3].map((x) => binOf([1, 2], x))).toEqual([0, 0, 1, 1, 2]);
  });

  it("is 0 for equal distributions and matches the formula otherwise", () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.4 * Math.log(1.8) + -0.4 * Math.log(0.2), 12);
  });

  it("builds quantile reference bins, one cut for an indicator", () => {
    const n = 100;
    const vectors = new Float32Array(n * 2);
    for (let r = 0; r < n; r++) {
      vectors[r * 2] = r;
      vectors[r * 2 + 1] = r < 30 ? 1 : 0;
    }
    const ref = referenceDistribution(vectors, n, ["x", "flag"], 4);
    expect(ref.x).toEqual({ edges: [25, 50, 75], fractions: [0.26, 0.25, 0.25, 0.24] });
    expect(ref.flag).toEqual({ edges: [0], fractions: [0.7, 0.3] });
  });

  it("reports drift of a shifted live window against the card's reference", () => {
    const reference = { x: { edges: [10], fractions: [0.5, 0.5] } };
    const monitor = new DriftMonitor(["x"], 200, reference);
    expect(monitor.referenceSource).toBe("card");
    monitor.add(
      Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? 5 : 20)),
      200,
    );
    expect(monitor.compute().get("x")).toBeCloseTo(0, 12);
    monitor.add(new Float32Array(200).fill(20), 200);
    expect(monitor.compute().get("x")!).toBeGreaterThan(3);
  });

  it("without a reference, takes the first full window as it", () => {
    const monitor = new DriftMonitor(["x"], 100);
    monitor.add(
      Float32Array.from({ length: 50 }, (_, i) => i),
      50,
    );
    expect(monitor.compute(10).size).toBe(0);
    monitor.add(
      Float32Array.from({ length: 50 }, (_, i) => 50 + i),
      50,
    );
    expect(monitor.compute(10).get("x")).toBeCloseTo(0, 12);
    expect(monitor.referenceSource).toBe("live");
    monitor.add(new Float32Array(100).fill(99), 100);
    expect(monitor.compute(10).get("x")!).toBeGreaterThan(1);
  });
});
