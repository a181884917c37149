import { describe, expect, it } from "vitest";
import { solveSpd, trainLr } from "../../../training/lr/index.js";
import { predictProba, sigmoid } from "../../../training/predict.js";
import { seededRandom } from "../../../training/random.js";

describe("solveSpd", () => {
  it("solves a symmetric positive definite system", () => {
    const a = Float64Array.from([4, 2, 0, 2, 5, 1, 0, 1, 3]);
    const x = solveSpd(a, Float64Array.from([2, 4, 5]), 3);
    // Check A·x = b.
    const b = [0, 1, 2].map((i) => a[i * 3]! * x[0]! + a[i * 3 + 1]! * x[1]! + a[i * 3 + 2]! * x[2]!);
    for (const [i, v] of b.entries()) expect(v).toBeCloseTo([2, 4, 5][i]!, 10);
  });
});

describe("trainLr", () => {
  it("recovers the coefficients of a logistic model on standardised inputs", () => {
    const random = seededRandom(9);
    const n = 30_000;
    const width = 3;
    const x = new Float32Array(n * width);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 3] = random() * 10; // mean 5
      x[i * 3 + 1] = 100 + random() * 50;
      x[i * 3 + 2] = 7; // constant: scale 1, weight 0
      const s = 0.5 * (x[i * 3]! - 5) - 0.04 * (x[i * 3 + 1]! - 125) - 1;
      y[i] = random() < sigmoid(s) ? 1 : 0;
    }
    const result = trainLr({ x, y, n, width }, ["a", "b", "c"], {
      l2: 1e-6,
      maxIterations: 50,
      tolerance: 1e-9,
    });
    expect(result.converged).toBe(true);
    const { model } = result;
    expect(model.scale[2]).toBe(1);
    expect(model.weights[2]).toBeCloseTo(0, 6);
    // Raw-scale slopes: weight / scale.
    expect(model.weights[0]! / model.scale[0]!).toBeCloseTo(0.5, 1);
    expect(model.weights[1]! / model.scale[1]!).toBeCloseTo(-0.04, 2);
    const p = predictProba(model, Float32Array.from([5, 125, 7]), 1)[0]!;
    expect(p).toBeCloseTo(sigmoid(-1), 1);
    // Deterministic.
    const again = trainLr({ x, y, n, width }, ["a", "b", "c"], {
      l2: 1e-6,
      maxIterations: 50,
      tolerance: 1e-9,
    });
    expect(again.model).toEqual(model);
  });
});
