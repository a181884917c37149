import { describe, expect, it } from "vitest";
import { evaluateScores, rocAuc } from "../../../training/evaluate/index.js";
import { binMatrix, binOf, computeBinEdges } from "../../../training/gbdt/binning.js";
import { type GbdtParams, trainGbdt } from "../../../training/gbdt/index.js";
import { predictProba, sigmoid } from "../../../training/predict.js";
import { seededRandom } from "../../../training/random.js";
import type { LabeledMatrix } from "../../../training/types.js";

const W = 4;
const features = ["a", "b", "c", "noise"];
const params: GbdtParams = {
  maxRounds: 60,
  learningRate: 0.2,
  maxDepth: 4,
  lambda: 1,
  minChildHessian: 0.5,
  minChildSamples: 10,
  minSplitGain: 0,
  maxBins: 64,
  subsample: 1,
  earlyStoppingRounds: 10,
  seed: 1,
};

/** y ~ Bernoulli(σ(2·[a > 5] + 0.3·b − 2·[c ≤ 2] − 2)): an interaction a tree finds, a line does not. */
function dataset(n: number, seed: number, signal = true): LabeledMatrix & { p: Float64Array } {
  const random = seededRandom(seed);
  const x = new Float32Array(n * W);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < W; j++)
      x[i * W + j] = Math.fround(j === 2 ? Math.floor(random() * 6) : random() * 10);
    const s = 2 * (x[i * W]! > 5 ? 1 : 0) + 0.3 * x[i * W + 1]! - 2 * (x[i * W + 2]! <= 2 ? 1 : 0) - 2;
    p[i] = signal ? sigmoid(s) : 0.3;
    y[i] = random() < p[i]! ? 1 : 0;
  }
  return { x, y, n, width: W, p };
}

describe("binning", () => {
  it("keeps every distinct value as an edge when there are few", () => {
    const m = { x: Float32Array.from([3, 1, 2, 2, 1, 3]), n: 6, width: 1 };
    const [edges] = computeBinEdges(m, 255);
    expect(Array.from(edges!)).toEqual([1, 2, 3]);
    expect(Array.from(binMatrix(m, [edges!]))).toEqual([2, 0, 1, 1, 0, 2]);
    expect([binOf(edges!, 0.5), binOf(edges!, 2.5), binOf(edges!, 99), binOf(edges!, Number.NaN)]).toEqual([
      0, 2, 2, 2,
    ]);
  });

  it("caps the bins at maxBins, edges being data values and the last the maximum", () => {
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.fround(Math.sqrt(i)));
    const [edges] = computeBinEdges({ x, n: 5000, width: 1 }, 16);
    expect(edges!.length).toBeLessThanOrEqual(16);
    expect(edges![edges!.length - 1]).toBe(x[4999]);
    for (const e of edges!) expect(x.includes(e)).toBe(true);
  });
});

describe("trainGbdt", () => {
  const train = dataset(8000, 1);
  const valid = dataset(4000, 2);

  it("learns the signal: validation ROC-AUC close to the true probabilities'", () => {
    const result = trainGbdt(train, valid, features, params);
    const scores = predictProba(result.model, valid.x, valid.n);
    const auc = rocAuc(scores, valid.y)!;
    const oracle = rocAuc(valid.p, valid.y)!;
    expect(auc).toBeGreaterThan(oracle - 0.03);
    expect(result.model.trees.length).toBe(result.bestRounds);
    // The noise feature carries little of the gain.
    expect(result.gainImportance[3]!).toBeLessThan(0.1);
    expect(result.gainImportance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(evaluateScores({ scores, labels: valid.y }).brier).toBeLessThan(0.2);
  });

  it("is deterministic for a seed, row subsampling included", () => {
    const sub = { ...params, subsample: 0.7, maxRounds: 10 };
    const a = trainGbdt(train, valid, features, sub);
    const b = trainGbdt(train, valid, features, sub);
    expect(JSON.stringify(a.model)).toBe(JSON.stringify(b.model));
    const c = trainGbdt(train, valid, features, { ...sub, seed: 2 });
    expect(JSON.stringify(c.model)).not.toBe(JSON.stringify(a.model));
  });

  it("stops early on noise and keeps the best round", () => {
    const noise = trainGbdt(dataset(3000, 3, false), dataset(2000, 4, false), features, {
      ...params,
      maxRounds: 200,
    });
    expect(noise.stoppedEarly).toBe(true);
    expect(noise.roundsRun).toBe(noise.bestRounds + params.earlyStoppingRounds);
    const best = Math.min(...noise.history.map((h) => h.valid!));
    expect(noise.history[noise.bestRounds - 1]!.valid).toBe(best);
  });

  it("stores float32 thresholds and internal-node values −G/(H+λ)·η", () => {
    const one = trainGbdt(train, null, features, { ...params, maxRounds: 1 });
    const [tree] = one.model.trees;
    expect(tree!.left[0]).toBeGreaterThan(0);
    for (const t of tree!.threshold) expect(Math.fround(t)).toBe(t);
    // Round 1: every row has p = σ(base); the root's value is the whole-set Newton step.
    const p = sigmoid(one.model.baseLogOdds);
    let g = 0;
    for (let i = 0; i < train.n; i++) g += p - train.y[i]!;
    const h = train.n * p * (1 - p);
    expect(tree!.value[0]).toBeCloseTo(Math.fround((-g / (h + params.lambda)) * params.learningRate), 6);
    // Raw-value traversal (ONNX rule) agrees with the binned training traversal on training rows.
    const f = predictProba(one.model, train.x, train.n);
    expect(f.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it("rejects empty data and mismatched feature names", () => {
    expect(() =>
      trainGbdt({ x: new Float32Array(0), y: new Uint8Array(0), n: 0, width: W }, null, features, params),
    ).toThrow(RangeError);
    expect(() => trainGbdt(train, null, ["a"], params)).toThrow(RangeError);
  });
});
