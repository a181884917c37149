import { describe, expect, it } from "vitest";
import { compileExplainer, sigmoid } from "../../../processors/score/reasons.js";
import type { LinearModel, TreeEnsembleModel } from "../../../training/model.js";

const names = ["a", "b", "c", "d", "e"];

/** Two hand-built trees: A splits a then b; B is a stump on c. */
const trees: TreeEnsembleModel = {
  kind: "gbdt",
  features: names,
  baseLogOdds: -1,
  trees: [
    {
      feature: [0, 1, -1, -1, -1],
      threshold: [5, 2, 0, 0, 0],
      left: [1, 3, -1, -1, -1],
      right: [2, 4, -1, -1, -1],
      value: [0, -0.2, 0.4, -0.5, 0.3],
    },
    {
      feature: [2, -1, -1],
      threshold: [1, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0.1, -0.1, 0.6],
    },
  ],
};

const vec = (...xs: number[]) => Float32Array.from(xs);

describe("tree path attributions (Saabas)", () => {
  it("credits value[child] - value[parent] to the parent's split feature along the path", () => {
    const e = compileExplainer(trees);
    const out = new Float64Array(5);
    // a=3 → left (node 1), b=10 → right (leaf 4, 0.3); c=4 → right (leaf 0.6).
    const logit = e.contributions(vec(3, 10, 4, 0, 0), 0, out);
    expect(e.bias).toBeCloseTo(-0.9, 12);
    expect([...out].map((v) => Number(v.toFixed(12)))).toEqual([-0.2, 0.5, 0.5, 0, 0]);
    // Leaves: -1 + 0.3 + 0.6; bias + contributions add up to the same.
    expect(logit).toBeCloseTo(-0.1, 12);
  });

  it("returns only features that raised the risk, largest first, ties in feature order", () => {
    const e = compileExplainer(trees);
    const reasons = e.topReasons(vec(3, 10, 4, 7, 7), 0);
    expect(reasons.map((r) => r.feature)).toEqual(["b", "c"]);
    expect(reasons[0]).toMatchObject({ feature: "b", value: 10 });
    expect(reasons[0]!.contribution).toBeCloseTo(0.5, 12);
    // a=9 goes right (+0.4 on a), c=0 goes left (-0.2 on c): only a raised the risk.
    const other = e.topReasons(vec(9, 0, 0, 0, 0), 0);
    expect(other.map((r) => [r.feature, Number(r.contribution.toFixed(12))])).toEqual([["a", 0.4]]);
  });

  it("reads the vector at an offset in a batch", () => {
    const e = compileExplainer(trees);
    const batch = vec(9, 0, 0, 0, 0, 3, 10, 4, 0, 0);
    expect(e.logit(batch, 5)).toBeCloseTo(-0.1, 12);
    expect(e.logit(batch, 0)).toBeCloseTo(-1 + 0.4 - 0.1, 12);
  });

  it("compares in float32 like ONNX: a float32 input equal to the float32 threshold goes left", () => {
    const stump: TreeEnsembleModel = {
      kind: "gbdt",
      features: ["x"],
      baseLogOdds: 0,
      trees: [
        {
          feature: [0, -1, -1],
          threshold: [0.1, 0, 0],
          left: [1, -1, -1],
          right: [2, -1, -1],
          value: [0, -1, 1],
        },
      ],
    };
    // Math.fround(0.1) > 0.1 in float64: a float64 comparison would go right.
    expect(compileExplainer(stump).logit(vec(0.1), 0)).toBe(-1);
  });

  it("keeps at most k reasons", () => {
    const wide: LinearModel = {
      kind: "lr",
      features: names,
      mean: [0, 0, 0, 0, 0],
      scale: [1, 1, 1, 1, 1],
      weights: [1, 2, 3, 4, 5],
      intercept: 0,
    };
    const e = compileExplainer(wide);
    expect(e.topReasons(vec(1, 1, 1, 1, 1), 0).map((r) => r.feature)).toEqual(["e", "d", "c"]);
    expect(e.topReasons(vec(1, 1, 1, 1, 1), 0, 1).map((r) => r.feature)).toEqual(["e"]);
  });
});

describe("linear attributions", () => {
  const lr: LinearModel = {
    kind: "lr",
    features: ["a", "b", "c"],
    mean: [1, 1, 3],
    scale: [2, 0.5, 0],
    weights: [2, -1, 7],
    intercept: 0.5,
  };

  it("is weight × standardised deviation; a constant feature (scale 0) contributes nothing", () => {
    const e = compileExplainer(lr);
    const out = new Float64Array(3);
    const logit = e.contributions(vec(5, 0, 100), 0, out);
    expect([...out]).toEqual([4, 2, 0]);
    expect(logit).toBe(6.5);
    expect(sigmoid(logit)).toBeCloseTo(1 / (1 + Math.exp(-6.5)), 15);
    expect(e.topReasons(vec(5, 0, 100), 0)).toEqual([
      { feature: "a", value: 5, contribution: 4 },
      { feature: "b", value: 0, contribution: 2 },
    ]);
  });
});

describe("attributions explain the served (ONNX) score", () => {
  it("bias + contributions = the log-odds onnxruntime computes, batch and single alike", async () => {
    const { syntheticGbdt } = await import("../../../bench/cases/score.js");
    const { createScoringSession, exportOnnx } = await import("../../../training/onnx/index.js");
    const { MODEL_FEATURES } = await import("../../../training/model.js");
    const model = syntheticGbdt(40, 4, 5);
    const session = await createScoringSession(exportOnnx(model));
    const width = MODEL_FEATURES.length;
    const n = 64;
    const vectors = new Float32Array(n * width);
    for (let i = 0; i < vectors.length; i++) vectors[i] = (i * 7919) % 23;
    const served = await session.scoreBatch(vectors, n);
    await session.close();
    const e = compileExplainer(model);
    const batch = e.topReasonsBatch(vectors, n);
    for (let r = 0; r < n; r++) {
      expect(sigmoid(e.logit(vectors, r * width))).toBeCloseTo(served[r]!, 5);
      expect(batch[r]).toEqual(e.topReasons(vectors, r * width));
    }
  });
});
