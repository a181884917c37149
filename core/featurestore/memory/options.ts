import { z } from "zod";
import { compileOptions } from "../../options.js";
import { DEFAULT_TTL_SECONDS, ttlSecondsSchema } from "../ttl.js";

/** Options of the embedded, in-memory feature store. */
export interface MemoryFeatureStoreOptions {
  /**
   * Seconds after its last write at which a customer entry expires; 0 = never (as in Redis).
   * @default 2592000 (30 days)
   */
  ttlSeconds: number;
  /**
   * How often expired entries are swept from memory, in ms; 0 = only on read. Expired entries
   * are never returned either way; the sweep only bounds memory.
   * @default 60000
   */
  sweepIntervalMs: number;
}

/** The defaults of {@link MemoryFeatureStoreOptions}. */
export const MEMORY_FEATURE_STORE_DEFAULTS = {
  ttlSeconds: DEFAULT_TTL_SECONDS,
  sweepIntervalMs: 60_000,
} as const satisfies MemoryFeatureStoreOptions;

/** The accepted input: every key optional. */
export const memoryFeatureStoreOptionsSchema = z.strictObject({
  ttlSeconds: ttlSecondsSchema,
  sweepIntervalMs: z
    .int({ error: "must be a whole number of milliseconds (0 = no periodic sweep)" })
    .min(0, { error: "must be ≥ 0 (0 = no periodic sweep)" })
    .max(2_147_483_647, { error: "must be ≤ 2147483647 (the largest timer delay)" })
    .default(MEMORY_FEATURE_STORE_DEFAULTS.sweepIntervalMs),
});

export type MemoryFeatureStoreInput = z.input<typeof memoryFeatureStoreOptionsSchema>;

/**
 * Validates memory store options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the bad key, its value and what is accepted.
 */
export function compileMemoryFeatureStoreOptions(
  raw: unknown,
  root = "featureStore.memory",
): Readonly<MemoryFeatureStoreOptions> {
  return compileOptions(memoryFeatureStoreOptionsSchema, raw, root);
}
