import { z } from "zod";
import { compileOptions } from "../../options.js";
import { DEFAULT_TTL_SECONDS, ttlSecondsSchema } from "../ttl.js";

/** Options of the Redis feature store. */
export interface RedisFeatureStoreOptions {
  /**
   * Redis URL: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
   * @default "redis://127.0.0.1:6379"
   */
  url: string;
  /**
   * Prepended to every key (`<prefix>customer:<id>`, `<prefix>zset:<name>`, `<prefix>blob:<key>`),
   * so several deployments or test runs can share one Redis.
   * @default "churnstream:"
   */
  keyPrefix: string;
  /**
   * Seconds after its last write at which a customer entry expires; 0 = never.
   * @default 2592000 (30 days)
   */
  ttlSeconds: number;
  /**
   * How long connecting (TCP connect plus Redis's ready check) may take before the store gives
   * up with CHURN_STORE_UNAVAILABLE, in ms.
   * @default 5000
   */
  connectTimeoutMs: number;
  /**
   * How long one command or pipeline may wait for its reply, in ms, before failing with
   * CHURN_STORE_UNAVAILABLE. Large batches need it larger than their round trip.
   * @default 10000
   */
  commandTimeoutMs: number;
  /**
   * How many reconnection attempts a command waits through while the connection is down
   * before failing with CHURN_STORE_UNAVAILABLE (ioredis `maxRetriesPerRequest`).
   * @default 3
   */
  maxRetriesPerRequest: number;
}

/** The defaults of {@link RedisFeatureStoreOptions}. */
export const REDIS_FEATURE_STORE_DEFAULTS = {
  url: "redis://127.0.0.1:6379",
  keyPrefix: "churnstream:",
  ttlSeconds: DEFAULT_TTL_SECONDS,
  connectTimeoutMs: 5_000,
  commandTimeoutMs: 10_000,
  maxRetriesPerRequest: 3,
} as const satisfies RedisFeatureStoreOptions;

const milliseconds = (what: string, fallback: number) =>
  z
    .int({ error: `must be a whole number of milliseconds (${what})` })
    .min(1, { error: `must be ≥ 1 ms (${what})` })
    .max(2_147_483_647, { error: "must be ≤ 2147483647 (the largest timer delay)" })
    .default(fallback);

/** The accepted input: every key optional. */
export const redisFeatureStoreOptionsSchema = z.strictObject({
  url: z
    .string({ error: 'must be a string like "redis://127.0.0.1:6379"' })
    .regex(/^rediss?:\/\/[^/?#]+/, {
      error: 'must be a redis:// or rediss:// URL with a host, like "redis://127.0.0.1:6379"',
    })
    .default(REDIS_FEATURE_STORE_DEFAULTS.url),
  keyPrefix: z
    .string({ error: 'must be a string like "churnstream:"' })
    .default(REDIS_FEATURE_STORE_DEFAULTS.keyPrefix),
  ttlSeconds: ttlSecondsSchema,
  connectTimeoutMs: milliseconds("time allowed to connect", REDIS_FEATURE_STORE_DEFAULTS.connectTimeoutMs),
  commandTimeoutMs: milliseconds("time allowed per command", REDIS_FEATURE_STORE_DEFAULTS.commandTimeoutMs),
  maxRetriesPerRequest: z
    .int({ error: "must be a whole number of reconnection attempts" })
    .min(0, { error: "must be ≥ 0 (0 = fail as soon as the connection drops)" })
    .default(REDIS_FEATURE_STORE_DEFAULTS.maxRetriesPerRequest),
});

export type RedisFeatureStoreInput = z.input<typeof redisFeatureStoreOptionsSchema>;

/**
 * Validates Redis store options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the bad key, its value and what is accepted.
 */
export function compileRedisFeatureStoreOptions(
  raw: unknown,
  root = "featureStore.redis",
): Readonly<RedisFeatureStoreOptions> {
  return compileOptions(redisFeatureStoreOptionsSchema, raw, root);
}
