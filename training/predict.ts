/**
 * The trainer's own predictions of a ChurnModel, in float32 semantics identical to the exported
 * ONNX graph (onnxruntime): inputs are float32, split thresholds are compared as float32
 * (`x <= threshold` goes left, ONNX BRANCH_LEQ), NaN goes right.
 */
import type { ChurnModel, LinearModel, Tree, TreeEnsembleModel } from "./model.js";

/** The logistic function. */
export function sigmoid(logOdds: number): number {
  return 1 / (1 + Math.exp(-logOdds));
}

/** The leaf a vector (at `offset` in `vectors`) reaches in `tree`. */
export function leafOf(tree: Tree, vectors: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (tree.left[node]! >= 0) {
    const x = vectors[offset + tree.feature[node]!]!;
    node = x <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** Log-odds of one vector under a tree ensemble. */
export function treeLogOdds(model: TreeEnsembleModel, vectors: ArrayLike<number>, offset = 0): number {
  let sum = model.baseLogOdds;
  for (const tree of model.trees) sum += tree.value[leafOf(tree, vectors, offset)]!;
  return sum;
}

/** Log-odds of one vector under a standardised logistic regression. */
export function linearLogOdds(model: LinearModel, vectors: ArrayLike<number>, offset = 0): number {
  let sum = model.intercept;
  for (let j = 0; j < model.weights.length; j++) {
    sum += (model.weights[j]! * (vectors[offset + j]! - model.mean[j]!)) / model.scale[j]!;
  }
  return sum;
}

/** Log-odds of the `n` row-major vectors of `vectors` (each `model.features.length` long). */
export function predictLogOdds(model: ChurnModel, vectors: Float32Array, n: number): Float64Array {
  const width = model.features.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      model.kind === "gbdt"
        ? treeLogOdds(model, vectors, i * width)
        : linearLogOdds(model, vectors, i * width);
  }
  return out;
}

/** Probability of churn (class 1) of the `n` row-major vectors of `vectors`. */
export function predictProba(model: ChurnModel, vectors: Float32Array, n: number): Float64Array {
  const out = predictLogOdds(model, vectors, n);
  for (let i = 0; i < n; i++) out[i] = sigmoid(out[i]!);
  return out;
}
