/**
 * Quantile binning, computed once per training run. Each feature gets up to `maxBins` bins;
 * bin b holds the values in (edges[b-1], edges[b]]. Edges are values seen in the data (float32),
 * so a split "bin <= b" is exactly the ONNX rule "x <= edges[b]" on raw inputs.
 */
import type { FeatureMatrix } from "../types.js";

/** Bin upper edges per feature, ascending; the last edge is the largest value seen. */
export type BinEdges = Float32Array[];

/** The maximum number of bins: bins are stored as bytes. */
export const MAX_BINS = 255;

/**
 * Computes the bin edges of every feature from (a sample of) the rows.
 * @param sampleRows rows looked at per feature (evenly strided), bounding the sort cost
 */
export function computeBinEdges(matrix: FeatureMatrix, maxBins = MAX_BINS, sampleRows = 200_000): BinEdges {
  if (maxBins < 2 || maxBins > MAX_BINS) throw new RangeError(`maxBins must be in 2..${MAX_BINS}`);
  const { x, n, width } = matrix;
  const stride = Math.max(1, Math.floor(n / sampleRows));
  const count = Math.ceil(n / stride);
  const values = new Float32Array(count);
  const edges: BinEdges = [];
  for (let f = 0; f < width; f++) {
    let m = 0;
    for (let i = 0; i < n; i += stride) {
      const v = x[i * width + f]!;
      if (!Number.isNaN(v)) values[m++] = v;
    }
    const sorted = values.subarray(0, m).sort();
    edges.push(quantileEdges(sorted, maxBins));
  }
  return edges;
}

function quantileEdges(sorted: Float32Array, maxBins: number): Float32Array {
  if (sorted.length === 0) return new Float32Array([0]);
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  }
  if (distinct.length <= maxBins) return Float32Array.from(distinct);
  // Candidate edges at evenly spaced ranks; a heavy value (e.g. many zeros) keeps one bin.
  const out: number[] = [];
  for (let k = 1; k < maxBins; k++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / maxBins))]!;
    if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
  }
  const max = sorted[sorted.length - 1]!;
  if (out[out.length - 1]! < max) out.push(max);
  return Float32Array.from(out);
}

/** The bin of `value`: the first edge >= value (the last bin above every edge; NaN → last bin). */
export function binOf(edges: Float32Array, value: number): number {
  if (Number.isNaN(value)) return edges.length - 1;
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The row-major bin matrix (n × width bytes) of `matrix`. */
export function binMatrix(matrix: FeatureMatrix, edges: BinEdges): Uint8Array {
  const { x, n, width } = matrix;
  const out = new Uint8Array(n * width);
  for (let f = 0; f < width; f++) {
    const e = edges[f]!;
    for (let i = 0; i < n; i++) out[i * width + f] = binOf(e, x[i * width + f]!);
  }
  return out;
}
