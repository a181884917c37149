import { describe, expect, it } from "vitest";
import { Rng } from "../../../producers/simulator/rng.js";
import { survivalTable } from "../../../producers/simulator/survival.js";

/** Monte Carlo of E[exp(−Σ exp(x − b·d_k))] over OU paths of d. */
function monteCarlo(x: number, d0: number, rho: number, s: number, b: number, days: number): number {
  const rng = new Rng(123);
  const paths = 40_000;
  let total = 0;
  for (let p = 0; p < paths; p++) {
    let d = d0;
    let hazard = 0;
    for (let k = 0; k < days; k++) {
      d = rho * d + s * rng.normal();
      hazard += Math.exp(x - b * d);
    }
    total += Math.exp(-hazard);
  }
  return total / paths;
}

describe("survivalTable", () => {
  const rho = 0.95;
  const s = 0.15;
  const b = 3.8;
  const table = survivalTable(rho, s, b, 30);

  it("matches a Monte Carlo of the health walk", () => {
    for (const [x, d] of [
      [-8, 0],
      [-8, -1.2],
      [-6.5, 0.4],
      [-11, -2],
    ] as const) {
      const expected = monteCarlo(x, d, rho, s, b, 30);
      expect(Math.abs(table.survival(x, d) - expected), `x=${x} d=${d}`).toBeLessThan(
        0.004 + 0.02 * (1 - expected),
      );
    }
  });

  it("falls as the hazard rises and as health falls", () => {
    expect(table.survival(-9, 0)).toBeGreaterThan(table.survival(-7, 0));
    expect(table.survival(-8, 0.5)).toBeGreaterThan(table.survival(-8, -0.5));
    expect(table.survival(-30, 0)).toBeCloseTo(1, 4);
    expect(table.survival(5, -3)).toBeLessThan(1e-6);
  });

  it("is built once per parameter set", () => {
    expect(survivalTable(rho, s, b, 30)).toBe(table);
  });
});
