import { afterAll, describe, expect, it } from "vitest";
import type { LinearModel, Tree, TreeEnsembleModel } from "../../../training/model.js";
import { exportOnnx } from "../../../training/onnx/export.js";
import { onnxType } from "../../../training/onnx/proto.js";
import { createScoringSession, type ScoringSession } from "../../../training/onnx/session.js";
import { predictProba } from "../../../training/predict.js";

/** A small deterministic PRNG so the models and inputs are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomTree(rand: () => number, width: number, depth: number, positive = false): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const grow = (level: number): number => {
    const id = tree.feature.length;
    const value = Math.fround(positive ? rand() : rand() - 0.5);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(value);
    if (level < depth && rand() < 0.85) {
      tree.feature[id] = Math.floor(rand() * width);
      // Thresholds on the input grid (multiples of 0.25) make exact ties x == threshold frequent.
      tree.threshold[id] = Math.fround(Math.round(rand() * 40) / 4);
      tree.left[id] = grow(level + 1);
      tree.right[id] = grow(level + 1);
    }
    return id;
  };
  grow(0);
  return tree;
}

function randomInputs(rand: () => number, n: number, width: number): Float32Array {
  const out = new Float32Array(n * width);
  for (let i = 0; i < out.length; i++) out[i] = rand() < 0.5 ? Math.round(rand() * 40) / 4 : rand() * 10;
  return out;
}

const features = Array.from({ length: 25 }, (_, i) => `f${i}`);
const sessions: ScoringSession[] = [];
async function onnxScores(model: TreeEnsembleModel | LinearModel, x: Float32Array, n: number) {
  const session = await createScoringSession(exportOnnx(model), { intraOpNumThreads: 1 });
  sessions.push(session);
  return session.scoreBatch(x, n);
}
afterAll(async () => {
  for (const s of sessions) await s.close();
});

describe("exportOnnx", () => {
  it("onnxruntime reproduces a tree ensemble's predictions to 1e-5, ties included", async () => {
    const rand = lcg(11);
    const trees = Array.from({ length: 60 }, () => randomTree(rand, features.length, 6));
    trees.push({ feature: [-1], threshold: [0], left: [-1], right: [-1], value: [Math.fround(0.25)] });
    const model: TreeEnsembleModel = { kind: "gbdt", features, baseLogOdds: Math.fround(-1.7), trees };
    const n = 3000;
    const x = randomInputs(rand, n, features.length);
    const expected = predictProba(model, x, n);
    const actual = await onnxScores(model, x, n);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    // The scores spread out: a constant output would pass the tolerance for the wrong reason.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.3);
  });

  it("applies the logistic transform when every leaf is positive", async () => {
    const rand = lcg(5);
    const trees = Array.from({ length: 5 }, () => randomTree(rand, features.length, 3, true));
    const model: TreeEnsembleModel = { kind: "gbdt", features, baseLogOdds: Math.fround(-2), trees };
    const x = randomInputs(rand, 200, features.length);
    const expected = predictProba(model, x, 200);
    const actual = await onnxScores(model, x, 200);
    for (let i = 0; i < 200; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 5);
  });

  it("onnxruntime reproduces a standardised logistic regression to 1e-5", async () => {
    const rand = lcg(3);
    const model: LinearModel = {
      kind: "lr",
      features,
      mean: features.map(() => rand() * 5),
      scale: features.map(() => 0.5 + rand() * 3),
      weights: features.map(() => rand() - 0.5),
      intercept: -1.2,
    };
    const n = 2000;
    const x = randomInputs(rand, n, features.length);
    const expected = predictProba(model, x, n);
    const actual = await onnxScores(model, x, n);
    for (let i = 0; i < n; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-5);
  });

  it("writes a standard ModelProto: ai.onnx.ml opset, named I/O and the feature list", () => {
    const model: LinearModel = {
      kind: "lr",
      features: ["a", "b"],
      mean: [0, 0],
      scale: [1, 1],
      weights: [1, 2],
      intercept: 0,
    };
    const decoded = onnxType("ModelProto").toObject(
      onnxType("ModelProto").decode(exportOnnx(model, { version: "v0007" })),
      {
        longs: Number,
      },
    ) as {
      ir_version: number;
      opset_import: { domain?: string; version: number }[];
      graph: {
        input: { name: string }[];
        output: { name: string }[];
        node: { op_type: string; domain: string }[];
      };
      metadata_props: { key: string; value: string }[];
    };
    expect(decoded.ir_version).toBe(8);
    expect(decoded.opset_import).toContainEqual({ domain: "ai.onnx.ml", version: 3 });
    expect(decoded.graph.input.map((i) => i.name)).toEqual(["features"]);
    expect(decoded.graph.output.map((o) => o.name)).toEqual(["label", "probabilities"]);
    expect(decoded.graph.node.map((n) => `${n.domain}:${n.op_type}`)).toEqual([
      "ai.onnx.ml:Scaler",
      "ai.onnx.ml:LinearClassifier",
    ]);
    const props = Object.fromEntries(decoded.metadata_props.map((p) => [p.key, p.value]));
    expect(props).toEqual({ kind: "lr", features: '["a","b"]', version: "v0007" });
  });

  it("scoreBatch reads the feature count from the model and rejects short input", async () => {
    const model: LinearModel = {
      kind: "lr",
      features: ["a", "b", "c"],
      mean: [0, 0, 0],
      scale: [1, 1, 1],
      weights: [1, 0, 0],
      intercept: 0,
    };
    const session = await createScoringSession(exportOnnx(model));
    sessions.push(session);
    expect(session.featureCount).toBe(3);
    expect(await session.scoreBatch(new Float32Array(0), 0)).toHaveLength(0);
    await expect(session.scoreBatch(new Float32Array(5), 2)).rejects.toThrow(RangeError);
    const [p] = await session.scoreBatch(new Float32Array([0, 9, 9]), 1);
    expect(p).toBeCloseTo(0.5, 6);
  });
});
