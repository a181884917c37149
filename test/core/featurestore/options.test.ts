import { describe, expect, it } from "vitest";
import { ChurnError, ErrorCodes } from "../../../core/errors.js";
import {
  compileFeatureStoreOptions,
  compileMemoryFeatureStoreOptions,
  compileRedisFeatureStoreOptions,
  createFeatureStore,
  MEMORY_FEATURE_STORE_DEFAULTS,
  REDIS_FEATURE_STORE_DEFAULTS,
} from "../../../core/featurestore/index.js";

function configError(compile: () => unknown): ChurnError {
  try {
    compile();
  } catch (error) {
    if (error instanceof ChurnError && error.code === ErrorCodes.CHURN_CONFIG_INVALID) return error;
    throw error;
  }
  throw new Error("expected CHURN_CONFIG_INVALID, but the options were accepted");
}

describe("feature store options", () => {
  it("applies documented defaults and freezes the result", () => {
    const options = compileFeatureStoreOptions(undefined);
    expect(options).toEqual({
      backend: "memory",
      memory: { ttlSeconds: 2_592_000, sweepIntervalMs: 60_000 },
      redis: {
        url: "redis://127.0.0.1:6379",
        keyPrefix: "churnstream:",
        ttlSeconds: 2_592_000,
        connectTimeoutMs: 5_000,
        commandTimeoutMs: 10_000,
        maxRetriesPerRequest: 3,
      },
    });
    expect(options.redis).toEqual(REDIS_FEATURE_STORE_DEFAULTS);
    expect(options.memory).toEqual(MEMORY_FEATURE_STORE_DEFAULTS);
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.redis)).toBe(true);
  });

  it("keeps given values and fills the rest", () => {
    expect(compileRedisFeatureStoreOptions({ ttlSeconds: 0, keyPrefix: "" })).toMatchObject({
      ttlSeconds: 0,
      keyPrefix: "",
      url: "redis://127.0.0.1:6379",
    });
    expect(compileMemoryFeatureStoreOptions({ sweepIntervalMs: 0 }).sweepIntervalMs).toBe(0);
  });

  it("names the key, the value and what is accepted", () => {
    const ttl = configError(() => compileRedisFeatureStoreOptions({ ttlSeconds: -5 }));
    expect(ttl.message).toContain("featureStore.redis.ttlSeconds = -5");
    expect(ttl.message).toContain("0 = never expire");

    const url = configError(() => compileFeatureStoreOptions({ redis: { url: "http://localhost:6379" } }));
    expect(url.message).toContain('featureStore.redis.url = "http://localhost:6379"');
    expect(url.message).toContain("redis://");

    const backend = configError(() => compileFeatureStoreOptions({ backend: "postgres" }));
    expect(backend.message).toContain('featureStore.backend = "postgres"');
    expect(backend.message).toMatch(/"memory".*"redis"/);

    const unknown = configError(() => compileMemoryFeatureStoreOptions({ ttl: 5 }));
    expect(unknown.message).toContain('unknown key(s) "ttl"');
    expect(unknown.message).toContain("accepted keys: ttlSeconds, sweepIntervalMs");

    const nested = configError(() => compileFeatureStoreOptions({ redis: { timeoutMs: 1 } }));
    expect(nested.message).toContain("featureStore.redis: unknown key(s)");
    expect(nested.message).toContain("connectTimeoutMs");

    const fraction = configError(() => compileRedisFeatureStoreOptions({ connectTimeoutMs: 1.5 }));
    expect(fraction.message).toContain("connectTimeoutMs = 1.5: must be a whole number of milliseconds");
  });
});

describe("createFeatureStore", () => {
  it("builds the memory backend by default", async () => {
    const store = await createFeatureStore();
    expect(store.backend).toBe("memory");
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    expect(await store.readMany(["c"])).toEqual([{ a: "1" }]);
    await store.close();
  });

  it("passes memory options and the clock through", async () => {
    let now = 0;
    const store = await createFeatureStore({ memory: { ttlSeconds: 1 } }, { now: () => now });
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    now = 1_001;
    expect(await store.readMany(["c"])).toEqual([undefined]);
    await store.close();
  });

  it("rejects an unknown backend before connecting to anything", async () => {
    await expect(createFeatureStore({ backend: "cassandra" as "redis" })).rejects.toMatchObject({
      code: ErrorCodes.CHURN_CONFIG_INVALID,
    });
  });
});
