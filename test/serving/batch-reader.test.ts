import { describe, expect, it } from "vitest";
import { ChurnError } from "../../core/errors.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { createBatchReader } from "../../serving/batch-reader.js";

function counting(store: FeatureStore) {
  const calls: string[][] = [];
  const wrapped: FeatureStore = Object.assign(Object.create(store) as FeatureStore, {
    readMany: (ids: readonly string[]) => {
      calls.push([...ids]);
      return store.readMany(ids);
    },
  });
  return { wrapped, calls };
}

describe("createBatchReader", () => {
  it("answers concurrent reads with one readMany, each with its own hash", async () => {
    const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
    await store.writeMany([
      { customerId: "a", fields: { x: "1" } },
      { customerId: "b", fields: { x: "2" } },
    ]);
    const { wrapped, calls } = counting(store);
    const read = createBatchReader(wrapped);
    const [a, b, missing] = await Promise.all([read("a"), read("b"), read("zz")]);
    expect([a?.x, b?.x, missing]).toEqual(["1", "2", undefined]);
    expect(calls).toEqual([["a", "b", "zz"]]);
    // Reads of a later turn form a new batch.
    await read("a");
    expect(calls.length).toBe(2);
    await store.close();
  });

  it("splits large bursts and rejects every read of a failed batch", async () => {
    const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
    const { wrapped, calls } = counting(store);
    const read = createBatchReader(wrapped);
    await Promise.all(Array.from({ length: 600 }, (_, i) => read(`c${i}`)));
    expect(calls.map((c) => c.length)).toEqual([256, 256, 88]);
    const failing = Object.assign(Object.create(store) as FeatureStore, {
      readMany: async () => {
        throw new ChurnError("CHURN_STORE_UNAVAILABLE", "down", { retryable: true });
      },
    });
    const readFailing = createBatchReader(failing);
    const results = await Promise.allSettled([readFailing("a"), readFailing("b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await store.close();
  });
});
