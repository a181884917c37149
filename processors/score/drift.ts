/**
 * Drift of the live feature stream from the champion's training data: the population stability
 * index (PSI) per model input, over a rolling window of the latest scored vectors. Pure.
 *
 * PSI = Σ_bins (live_i − ref_i) · ln(live_i / ref_i), fractions floored at 1e-4. Rules of thumb:
 * < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 */

/** One feature's reference distribution (ModelCard.reference_distribution[feature]). */
export interface FeatureBins {
  /** Ascending cut points; bin 0 is x ≤ edges[0], bin i is edges[i-1] < x ≤ edges[i]. */
  edges: number[];
  /** Share of rows per bin, length edges.length + 1. */
  fractions: number[];
}

const FLOOR = 1e-4;

/** The bin of `x` for `edges` (binary search). */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** PSI between two distributions over the same bins. */
export function psi(reference: readonly number[], live: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const e = Math.max(reference[i]!, FLOOR);
    const a = Math.max(live[i] ?? 0, FLOOR);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * Reference bins per feature from row-major vectors (the training matrix, or a live window):
 * cut points at the quantiles, merged where equal (a 0/1 indicator gets one cut, at 0).
 * @param bins the number of quantile bins wanted. @default 10
 */
export function referenceDistribution(
  vectors: Float32Array,
  n: number,
  features: readonly string[],
  bins = 10,
): Record<string, FeatureBins> {
  const width = features.length;
  const out: Record<string, FeatureBins> = {};
  const column = new Float64Array(n);
  for (let f = 0; f < width; f++) {
    for (let r = 0; r < n; r++) column[r] = vectors[r * width + f]!;
    column.sort();
    const edges: number[] = [];
    for (let q = 1; q < bins; q++) {
      const edge = column[Math.min(n - 1, Math.floor((q * n) / bins))]!;
      if (n > 0 && edge !== edges.at(-1) && edge < column[n - 1]!) edges.push(edge);
    }
    if (edges.length === 0 && n > 0 && column[0]! < column[n - 1]!) edges.push(column[0]!);
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (let r = 0; r < n; r++) counts[binOf(edges, column[r]!)]!++;
    out[features[f]!] = { edges, fractions: counts.map((c) => (n === 0 ? 0 : c / n)) };
  }
  return out;
}

/**
 * A rolling window of the latest live vectors and the PSI of each feature against a reference.
 * Without a reference, the first full window becomes it (drift since the model was loaded).
 */
export class DriftMonitor {
  readonly features: readonly string[];
  readonly capacity: number;
  #reference: Record<string, FeatureBins> | undefined;
  readonly #window: Float32Array;
  #next = 0;
  #size = 0;
  /** Where the reference came from: the model card, or the first live window. */
  referenceSource: "card" | "live" | "none";

  constructor(features: readonly string[], capacity: number, reference?: Record<string, FeatureBins>) {
    this.features = features;
    this.capacity = capacity;
    this.#window = new Float32Array(capacity * features.length);
    const usable = reference !== undefined && features.every((f) => reference[f] !== undefined);
    this.#reference = usable ? reference : undefined;
    this.referenceSource = usable ? "card" : "none";
  }

  /** Vectors held (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Adds the first `n` row-major vectors of a batch (the oldest fall out of the window). */
  add(vectors: Float32Array, n: number): void {
    const width = this.features.length;
    // Only the newest `capacity` rows of a huge batch can stay in the window.
    const first = Math.max(0, n - this.capacity);
    for (let r = first; r < n; r++) {
      this.#window.set(vectors.subarray(r * width, (r + 1) * width), this.#next * width);
      this.#next = (this.#next + 1) % this.capacity;
      if (this.#size < this.capacity) this.#size++;
    }
  }

  /**
   * PSI per feature over the window; empty until the window has `minRows` vectors (and, without
   * a card reference, until it is full once, which then becomes the reference).
   */
  compute(minRows = 100): Map<string, number> {
    const out = new Map<string, number>();
    if (this.#size < minRows) return out;
    const width = this.features.length;
    const rows = this.#window.subarray(0, this.#size * width);
    if (this.#reference === undefined) {
      if (this.#size < this.capacity) return out;
      this.#reference = referenceDistribution(rows, this.#size, this.features);
      this.referenceSource = "live";
    }
    for (let f = 0; f < width; f++) {
      const bins = this.#reference[this.features[f]!]!;
      const counts = new Array<number>(bins.fractions.length).fill(0);
      for (let r = 0; r < this.#size; r++) counts[binOf(bins.edges, rows[r * width + f]!)]!++;
      out.set(
        this.features[f]!,
        psi(
          bins.fractions,
          counts.map((c) => c / this.#size),
        ),
      );
    }
    return out;
  }
}
