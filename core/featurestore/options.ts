import { z } from "zod";
import { compileOptions } from "../options.js";
import { type MemoryFeatureStoreOptions, memoryFeatureStoreOptionsSchema } from "./memory/options.js";
import type { FeatureStoreBackend } from "./ports.js";
import { type RedisFeatureStoreOptions, redisFeatureStoreOptionsSchema } from "./redis/options.js";

/** Which backend to run and the options of each (only the chosen one is used). */
export interface FeatureStoreOptions {
  /**
   * `memory` (embedded, nothing to run) or `redis`.
   * @default "memory"
   */
  backend: FeatureStoreBackend;
  /** Options of the memory backend. @default all defaults */
  memory: MemoryFeatureStoreOptions;
  /** Options of the Redis backend. @default all defaults */
  redis: RedisFeatureStoreOptions;
}

/** The accepted input: every key optional. */
export const featureStoreOptionsSchema = z.strictObject({
  backend: z.enum(["memory", "redis"], { error: 'must be "memory" (embedded) or "redis"' }).default("memory"),
  // prefault, not default: the empty object goes through the schema so nested defaults apply.
  memory: memoryFeatureStoreOptionsSchema.prefault({}),
  redis: redisFeatureStoreOptionsSchema.prefault({}),
});

export type FeatureStoreInput = z.input<typeof featureStoreOptionsSchema>;

/**
 * Validates feature store options and applies defaults.
 * @param root the config path of these options, used in messages
 * @throws ChurnError CHURN_CONFIG_INVALID naming the bad key, its value and what is accepted.
 */
export function compileFeatureStoreOptions(
  raw: unknown,
  root = "featureStore",
): Readonly<FeatureStoreOptions> {
  return compileOptions(featureStoreOptionsSchema, raw, root);
}
