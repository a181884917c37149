/**
 * Reasons of a score: the features that raised one customer's risk most. Pure; runs for every
 * score, so models are compiled once into flat typed arrays and a record allocates only its
 * (at most 3) reasons.
 *
 * Tree ensembles: path attribution (Saabas). Along the decision path of each tree, the change
 * of the node value from parent to child, value[child] − value[parent], is credited to the
 * parent's split feature. Per record, bias + Σ contributions = the model's log-odds exactly
 * (bias = baseLogOdds + Σ root values), so the attributions explain the score that was served.
 *
 * Linear models: contribution_i = weight_i · (x_i − mean_i) / scale_i (log-odds above the
 * average customer's).
 */
import type { ChurnModel, LinearModel, TreeEnsembleModel } from "../../training/model.js";

/** One reason: a feature, the customer's (encoded) value of it and how much it raised the log-odds. */
export interface Reason {
  feature: string;
  value: number | null;
  contribution: number;
}

/** A model compiled for attributions. */
export interface Explainer {
  readonly kind: ChurnModel["kind"];
  /** Model inputs in vector order. */
  readonly features: readonly string[];
  /** Log-odds at the average / root (what the contributions are relative to). */
  readonly bias: number;
  /**
   * Writes each feature's contribution for the vector at `vectors[offset..]` into `out`
   * (length ≥ features.length; overwritten) and returns the log-odds.
   */
  contributions(vectors: Float32Array, offset: number, out: Float64Array): number;
  /** The model's log-odds of the vector at `offset`, computed in JavaScript. */
  logit(vectors: Float32Array, offset: number): number;
  /** The `k` largest positive contributions, largest first (ties: feature order). */
  topReasons(vectors: Float32Array, offset: number, k?: number): Reason[];
  /** `topReasons` of the first `n` row-major vectors (faster than one by one). */
  topReasonsBatch(vectors: Float32Array, n: number, k?: number): Reason[][];
}

/** Default number of reasons per score. */
export const TOP_REASONS = 3;

/** The k largest strictly positive entries of `contrib`, as reasons. */
function pickTop(
  contrib: Float64Array,
  base: number,
  n: number,
  features: readonly string[],
  vectors: Float32Array,
  offset: number,
  k: number,
): Reason[] {
  // Insertion into a tiny sorted list (k is 3, n about 25); ties keep feature order.
  const idx: number[] = [];
  for (let f = 0; f < n; f++) {
    const c = contrib[base + f]!;
    if (!(c > 0)) continue;
    let at = idx.length;
    while (at > 0 && contrib[base + idx[at - 1]!]! < c) at--;
    if (at >= k) continue;
    idx.splice(at, 0, f);
    if (idx.length > k) idx.pop();
  }
  const out: Reason[] = new Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const f = idx[i]!;
    out[i] = { feature: features[f]!, value: vectors[offset + f]!, contribution: contrib[base + f]! };
  }
  return out;
}

class TreeExplainer implements Explainer {
  readonly kind = "gbdt" as const;
  readonly features: readonly string[];
  readonly bias: number;
  readonly #roots: Int32Array;
  /** Per node: split feature (-1 for leaves). */
  readonly #feature: Int32Array;
  /** Per node: threshold, float32 as ONNX compares (x ≤ threshold goes left). */
  readonly #threshold: Float32Array;
  /** Per node: its left child; the right child is the next node (siblings are adjacent). */
  readonly #left: Int32Array;
  /** Per node: value[node] − value[parent] (0 at roots): what reaching it credits the parent's feature. */
  readonly #delta: Float64Array;
  readonly #scratch: Float64Array;
  #matrix = new Float64Array(0);

  constructor(model: TreeEnsembleModel) {
    this.features = model.features;
    let nodes = 0;
    for (const t of model.trees) nodes += t.feature.length;
    this.#roots = new Int32Array(model.trees.length);
    this.#feature = new Int32Array(nodes);
    this.#threshold = new Float32Array(nodes);
    this.#left = new Int32Array(nodes);
    this.#delta = new Float64Array(nodes);
    let next = 0;
    let bias = model.baseLogOdds;
    for (const [i, t] of model.trees.entries()) {
      // Renumber breadth-first with siblings side by side: the child is left + (x > threshold).
      const root = next++;
      this.#roots[i] = root;
      const queue: [number, number][] = [[0, root]];
      while (queue.length > 0) {
        const [old, id] = queue.shift()!;
        const f = t.feature[old]!;
        this.#feature[id] = f < 0 ? -1 : f;
        if (f < 0) continue;
        this.#threshold[id] = t.threshold[old]!;
        const l = next;
        next += 2;
        this.#left[id] = l;
        this.#delta[l] = t.value[t.left[old]!]! - t.value[old]!;
        this.#delta[l + 1] = t.value[t.right[old]!]! - t.value[old]!;
        queue.push([t.left[old]!, l], [t.right[old]!, l + 1]);
      }
      bias += t.value[0]!;
    }
    this.bias = bias;
    this.#scratch = new Float64Array(this.features.length);
  }

  contributions(vectors: Float32Array, offset: number, out: Float64Array): number {
    out.fill(0, 0, this.features.length);
    const roots = this.#roots;
    for (let t = 0; t < roots.length; t++) this.#walk(roots[t]!, vectors, offset, out, 0);
    let logit = this.bias;
    for (let f = 0; f < this.features.length; f++) logit += out[f]!;
    return logit;
  }

  /** Adds one tree's path deltas of the vector at `offset` into `out` at `base`. */
  #walk(root: number, vectors: Float32Array, offset: number, out: Float64Array, base: number): void {
    const feature = this.#feature;
    const threshold = this.#threshold;
    const left = this.#left;
    const delta = this.#delta;
    let node = root;
    let f = feature[node]!;
    while (f >= 0) {
      // NaN goes right (not <=), like ONNX BRANCH_LEQ; encodeFeatures never produces NaN.
      node = left[node]! + (vectors[offset + f]! <= threshold[node]! ? 0 : 1);
      out[base + f]! += delta[node]!;
      f = feature[node]!;
    }
  }

  logit(vectors: Float32Array, offset: number): number {
    return this.contributions(vectors, offset, this.#scratch);
  }

  topReasons(vectors: Float32Array, offset: number, k = TOP_REASONS): Reason[] {
    this.contributions(vectors, offset, this.#scratch);
    return pickTop(this.#scratch, 0, this.features.length, this.features, vectors, offset, k);
  }

  topReasonsBatch(vectors: Float32Array, n: number, k = TOP_REASONS): Reason[][] {
    const width = this.features.length;
    if (this.#matrix.length < n * width) this.#matrix = new Float64Array(n * width);
    const m = this.#matrix;
    m.fill(0, 0, n * width);
    // Tree-major: one tree's nodes stay in cache while every row walks it.
    const roots = this.#roots;
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t]!;
      for (let r = 0; r < n; r++) this.#walk(root, vectors, r * width, m, r * width);
    }
    const out: Reason[][] = new Array(n);
    for (let r = 0; r < n; r++) out[r] = pickTop(m, r * width, width, this.features, vectors, r * width, k);
    return out;
  }
}

class LinearExplainer implements Explainer {
  readonly kind = "lr" as const;
  readonly features: readonly string[];
  readonly bias: number;
  readonly #slope: Float64Array;
  readonly #shift: Float64Array;
  readonly #scratch: Float64Array;

  constructor(model: LinearModel) {
    this.features = model.features;
    const n = model.features.length;
    this.#slope = new Float64Array(n);
    this.#shift = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // A constant feature (scale 0) standardises to 0 in training: it contributes nothing.
      const scale = model.scale[i]!;
      this.#slope[i] = scale === 0 ? 0 : model.weights[i]! / scale;
      this.#shift[i] = model.mean[i]!;
    }
    this.bias = model.intercept;
    this.#scratch = new Float64Array(n);
  }

  contributions(vectors: Float32Array, offset: number, out: Float64Array): number {
    let logit = this.bias;
    for (let i = 0; i < this.features.length; i++) {
      const c = this.#slope[i]! * (vectors[offset + i]! - this.#shift[i]!);
      out[i] = c;
      logit += c;
    }
    return logit;
  }

  logit(vectors: Float32Array, offset: number): number {
    return this.contributions(vectors, offset, this.#scratch);
  }

  topReasons(vectors: Float32Array, offset: number, k = TOP_REASONS): Reason[] {
    this.contributions(vectors, offset, this.#scratch);
    return pickTop(this.#scratch, 0, this.features.length, this.features, vectors, offset, k);
  }

  topReasonsBatch(vectors: Float32Array, n: number, k = TOP_REASONS): Reason[][] {
    const out: Reason[][] = new Array(n);
    for (let r = 0; r < n; r++) out[r] = this.topReasons(vectors, r * this.features.length, k);
    return out;
  }
}

/** Compiles a model for attributions (once per loaded model version). */
export function compileExplainer(model: ChurnModel): Explainer {
  return model.kind === "gbdt" ? new TreeExplainer(model) : new LinearExplainer(model);
}

/** The logistic function. */
export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}
