import { createMemoryFeatureStore, type MemoryFeatureStoreDeps } from "./memory/index.js";
import { compileFeatureStoreOptions, type FeatureStoreInput } from "./options.js";
import type { FeatureStore } from "./ports.js";
import { createRedisFeatureStore } from "./redis/index.js";

export * from "./memory/index.js";
export type { FeatureStoreMetricsDeps, FeatureStoreOp } from "./metrics.js";
export {
  compileFeatureStoreOptions,
  type FeatureStoreInput,
  type FeatureStoreOptions,
  featureStoreOptionsSchema,
} from "./options.js";
export type {
  FeatureHash,
  FeatureStore,
  FeatureStoreBackend,
  HashWrite,
  ScoredMember,
  ScoreRange,
  SetChanges,
  WriteCondition,
  WriteOutcome,
} from "./ports.js";
export { equalWidthBins } from "./ranges.js";
export * from "./redis/index.js";

/** Dependencies of {@link createFeatureStore}; `now` only applies to the memory backend. */
export type FeatureStoreDeps = MemoryFeatureStoreDeps;

/**
 * Creates the configured feature store (connected, for Redis).
 * @throws ChurnError CHURN_CONFIG_INVALID when `config` is invalid.
 * @throws ChurnError CHURN_STORE_UNAVAILABLE (retryable) when Redis cannot be reached in time.
 */
export async function createFeatureStore(
  config: FeatureStoreInput = {},
  deps: FeatureStoreDeps = {},
): Promise<FeatureStore> {
  const options = compileFeatureStoreOptions(config);
  if (options.backend === "redis") {
    return createRedisFeatureStore(options.redis, { registry: deps.registry, labels: deps.labels });
  }
  return createMemoryFeatureStore(options.memory, deps);
}
