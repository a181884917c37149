import { describe, expect, it } from "vitest";
import { hashSeed, Rng } from "../../../producers/simulator/rng.js";

describe("Rng", () => {
  it("repeats its stream for the same seed parts and differs for others", () => {
    const draw = (...seed: number[]) => {
      const rng = new Rng(...seed);
      return Array.from({ length: 50 }, () => rng.float());
    };
    expect(draw(1, 2, 3)).toEqual(draw(1, 2, 3));
    expect(draw(1, 2, 3)).not.toEqual(draw(1, 2, 4));
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
  });

  it("samples its distributions with the right moments", () => {
    const rng = new Rng(42);
    const n = 100_000;
    let uniform = 0;
    let normal = 0;
    let normalSq = 0;
    let poisson = 0;
    let exponential = 0;
    const ints = new Array<number>(5).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.float();
      min = Math.min(min, u);
      max = Math.max(max, u);
      uniform += u;
      const z = rng.normal();
      normal += z;
      normalSq += z * z;
      poisson += rng.poisson(3);
      exponential += rng.exponential(2);
      ints[rng.int(5)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(uniform / n).toBeCloseTo(0.5, 2);
    expect(normal / n).toBeCloseTo(0, 1);
    expect(normalSq / n).toBeCloseTo(1, 1);
    expect(poisson / n).toBeCloseTo(3, 1);
    expect(exponential / n).toBeCloseTo(2, 1);
    for (const count of ints) expect(count / n).toBeCloseTo(0.2, 1);
    expect(rng.poisson(50)).toBeGreaterThan(0);
  });

  it("picks by weight", () => {
    const rng = new Rng(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.weighted([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeCloseTo(3, 0);
  });
});
