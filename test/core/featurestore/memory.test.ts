import { spawnSync } from "node:child_process";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryFeatureStore } from "../../../core/featurestore/memory/index.js";
import { describeFeatureStoreContract } from "../../contract/featurestore.contract.js";
import { metricValue } from "./support.js";

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describeFeatureStoreContract("memory", async ({ ttlSeconds }) => {
  const clock = fakeClock();
  const store = createMemoryFeatureStore({ ttlSeconds }, { now: clock.now });
  return {
    store,
    elapse: async (ms) => clock.advance(ms),
  };
});

describe("memory feature store", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires an entry exactly when more than ttlSeconds passed since its last write", async () => {
    const clock = fakeClock();
    const store = createMemoryFeatureStore({ ttlSeconds: 10 }, { now: clock.now });
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    clock.advance(10_000);
    expect(await store.readMany(["c"])).toEqual([{ a: "1" }]);
    clock.advance(1);
    expect(await store.readMany(["c"])).toEqual([undefined]);
    // An expired entry starts from scratch: old fields do not come back.
    await store.writeMany([{ customerId: "c", fields: { b: "2" } }]);
    expect(await store.readMany(["c"])).toEqual([{ b: "2" }]);
    await store.close();
  });

  it("never expires entries when ttlSeconds is 0", async () => {
    const clock = fakeClock();
    const store = createMemoryFeatureStore({ ttlSeconds: 0 }, { now: clock.now });
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    expect(store.sweepExpired()).toBe(0);
    expect(await store.readMany(["c"])).toEqual([{ a: "1" }]);
    await store.close();
  });

  it("sweeps expired entries periodically, without waiting for a read", async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const store = createMemoryFeatureStore({ ttlSeconds: 1, sweepIntervalMs: 5_000 }, { now: clock.now });
    await store.writeMany([
      { customerId: "a", fields: { x: "1" } },
      { customerId: "b", fields: { x: "1" } },
    ]);
    clock.advance(2_000);
    await store.writeMany([{ customerId: "c", fields: { x: "1" } }]);
    vi.advanceTimersByTime(5_000); // the sweep runs and drops a and b
    expect(store.sweepExpired()).toBe(0);
    expect(await store.readMany(["a", "b", "c"])).toEqual([undefined, undefined, { x: "1" }]);
    clock.advance(2_000);
    expect(store.sweepExpired()).toBe(1);
    await store.close();
  });

  it("does not keep the process alive with its sweep timer", () => {
    const script = [
      'import { createMemoryFeatureStore } from "./core/featurestore/memory/index.ts";',
      "createMemoryFeatureStore({ sweepIntervalMs: 50 });",
      'console.log("created");',
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: process.cwd(),
      encoding: "utf8",
      timeout: 8_000,
    });
    expect(child.error, "the child did not exit: the sweep timer keeps the process alive").toBeUndefined();
    expect(child.stdout).toContain("created");
    expect(child.status).toBe(0);
  });

  it("returns copies: mutating a read result does not change the store", async () => {
    const store = createMemoryFeatureStore();
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    const [first] = await store.readMany(["c"]);
    (first as Record<string, string>).a = "changed";
    const [top] = await store.zrevrange("none", 0, 1);
    expect(top).toBeUndefined();
    expect(await store.readMany(["c"])).toEqual([{ a: "1" }]);
    const blob = Buffer.from("abc");
    await store.putBlob("k", blob);
    (await store.getBlob("k"))!.fill(0);
    expect((await store.getBlob("k"))?.toString()).toBe("abc");
    await store.close();
  });

  it("counts operations and errors in the given registry", async () => {
    const registry = new Registry();
    const store = createMemoryFeatureStore({}, { registry, labels: { instance: "t1" } });
    await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
    await store.readMany(["c"]);
    await store.zadd("s", [{ member: "m", score: Number.NaN }]).catch(() => undefined);
    expect(
      await metricValue(registry, "churnstream_featurestore_operations_total", { op: "writeMany" }),
    ).toBe(1);
    expect(
      await metricValue(registry, "churnstream_featurestore_operation_duration_seconds", { op: "readMany" }),
    ).toBe(1);
    const errors = { op: "zadd", code: "CHURN_STORE_INVALID_ARGUMENT", backend: "memory", instance: "t1" };
    expect(await metricValue(registry, "churnstream_featurestore_errors_total", errors)).toBe(1);
    await store.close();
  });
});
