import type { ScoreRange } from "./ports.js";
import { invalid } from "./validate.js";

/**
 * `count` equal-width histogram bins over [min, max] for {@link FeatureStore.zcount}:
 * [min, e1), [e1, e2), …, [e(count-1), max], the last one closed. Neighbouring bins share the
 * very same edge number, so every score in [min, max] is counted exactly once. Inner edges are
 * `min + (max - min) * i / count`, outer ones `min` and `max` themselves: over [0, 1] the edges
 * are `i / count`, i.e. 0.05, 0.1, … 0.95 exactly as written for 20 bins.
 * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT unless min < max are finite and count is an
 *   integer ≥ 1.
 */
export function equalWidthBins(min: number, max: number, count: number): ScoreRange[] {
  if (!(min < max) || !Number.isFinite(max - min)) {
    throw invalid(
      `Histogram bounds must be finite numbers with min < max (e.g. 0 and 1), got min ${min} and max ${max}`,
      { min, max },
    );
  }
  if (!Number.isSafeInteger(count) || count < 1) {
    throw invalid(`The number of histogram bins must be an integer ≥ 1, got ${count}`, { count });
  }
  const edge = (i: number) => (i === 0 ? min : i === count ? max : min + ((max - min) * i) / count);
  return Array.from({ length: count }, (_, i) => ({
    min: edge(i),
    max: edge(i + 1),
    maxExclusive: i < count - 1,
  }));
}
