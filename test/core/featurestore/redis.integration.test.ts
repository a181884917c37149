import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes, isChurnError } from "../../../core/errors.js";
import { createFeatureStore, createRedisFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore, HashWrite } from "../../../core/featurestore/ports.js";
import { describeFeatureStoreContract } from "../../contract/featurestore.contract.js";
import { nativeServiceAddresses } from "../../support/services.js";
import { metricValue } from "./support.js";

const { redisUrl } = nativeServiceAddresses();
// One prefix per run (and a counter per store) so reruns and parallel runs never collide.
const runPrefix = `churnstream-test:${randomUUID()}:`;
let storeCount = 0;
const nextPrefix = () => `${runPrefix}${++storeCount}:`;

let admin: Redis;
let unreachable: Error | undefined;

// Every test that needs Redis calls this first, so each of them FAILS (rather than being
// reported as skipped after a failed hook) when Redis is down.
function requireRedis(): void {
  if (unreachable !== undefined) throw unreachable;
}

beforeAll(async () => {
  admin = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1 });
  admin.on("error", () => {});
  try {
    await admin.connect();
    await admin.ping();
  } catch (error) {
    admin.disconnect();
    unreachable = new Error(
      `Redis is not reachable at ${redisUrl} (${String(error)}). Run \`churnstream stack up\` ` +
        "or set CHURNSTREAM_IT_REDIS_URL.",
    );
  }
});

afterAll(async () => {
  if (admin?.status !== "ready") return;
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${runPrefix}*`, "COUNT", 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  await admin.quit();
});

describeFeatureStoreContract("redis", async ({ ttlSeconds }) => {
  requireRedis();
  return {
    store: await createRedisFeatureStore({ url: redisUrl, keyPrefix: nextPrefix(), ttlSeconds }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
});

/** A TCP proxy to Redis that a test can cut and restore, to play a Redis outage. */
async function redisProxy() {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    server = createServer((client) => {
      const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise((resolve) => server?.close(resolve));
  };
  await start();
  return { url: () => `redis://127.0.0.1:${port}`, start, stop };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("redis feature store", () => {
  const stores: FeatureStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  const open = async (options: { ttlSeconds?: number; registry?: Registry } = {}) => {
    requireRedis();
    const keyPrefix = nextPrefix();
    const store = await createRedisFeatureStore(
      { url: redisUrl, keyPrefix, ttlSeconds: options.ttlSeconds ?? 3600 },
      { registry: options.registry },
    );
    stores.push(store);
    return { store, keyPrefix };
  };

  it("lays out keys as documented and sets the TTL on each write", async () => {
    const { store, keyPrefix } = await open({ ttlSeconds: 120 });
    await store.writeMany([{ customerId: "c1", fields: { a: "1" } }]);
    await store.zadd("at-risk", [{ member: "c1", score: 0.7 }]);
    await store.putBlob("ckpt", Buffer.from([0, 1]));
    expect(await admin.hgetall(`${keyPrefix}customer:c1`)).toEqual({ a: "1" });
    expect(Number(await admin.zscore(`${keyPrefix}zset:at-risk`, "c1"))).toBe(0.7);
    expect(await admin.getBuffer(`${keyPrefix}blob:ckpt`)).toEqual(Buffer.from([0, 1]));
    const ttl = await admin.pttl(`${keyPrefix}customer:c1`);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    expect(await admin.pttl(`${keyPrefix}zset:at-risk`)).toBe(-1);
    expect(await admin.pttl(`${keyPrefix}blob:ckpt`)).toBe(-1);
  });

  it("with ttlSeconds 0 never expires entries, even ones written with a TTL before", async () => {
    const { keyPrefix } = await open();
    await admin.hset(`${keyPrefix}customer:c1`, "a", "1");
    await admin.expire(`${keyPrefix}customer:c1`, 100);
    const store = await createRedisFeatureStore({ url: redisUrl, keyPrefix, ttlSeconds: 0 });
    stores.push(store);
    await store.writeMany([{ customerId: "c1", fields: { b: "2" } }]);
    expect(await admin.pttl(`${keyPrefix}customer:c1`)).toBe(-1);
  });

  it("runs a conditional write as one script: sets the TTL (PERSIST at 0), fails on WRONGTYPE", async () => {
    const { store, keyPrefix } = await open({ ttlSeconds: 120 });
    const key = `${keyPrefix}customer:c1`;
    await admin.hset(key, "customer_id", "c1");
    await admin.set(`${keyPrefix}customer:taken`, "not a hash");
    const scored = (id: string): HashWrite => ({
      customerId: id,
      fields: { score: "0.5" },
      when: { hasField: "customer_id", notNewerThan: { field: "as_of", value: 7 } },
      sets: { add: [{ set: "at-risk", score: 0.5 }] },
    });
    expect(await store.writeMany([scored("c1")])).toEqual(["applied"]);
    expect(await admin.hgetall(key)).toEqual({ customer_id: "c1", score: "0.5" });
    expect(await admin.zscore(`${keyPrefix}zset:at-risk`, "c1")).toBe("0.5");
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const error = await caught(store.writeMany([scored("c1"), scored("taken")]));
    expect(isChurnError(error, ErrorCodes.CHURN_STORE_COMMAND_FAILED)).toBe(true);
    expect((error as Error).message).toMatch(/WRONGTYPE.*keyPrefix/s);
    const persistent = await createRedisFeatureStore({ url: redisUrl, keyPrefix, ttlSeconds: 0 });
    stores.push(persistent);
    expect(await persistent.writeMany([scored("c1")])).toEqual(["applied"]);
    expect(await admin.pttl(key)).toBe(-1);
  });

  it("fails the whole writeMany when one pipelined command fails (WRONGTYPE), and counts the error", async () => {
    const registry = new Registry();
    const { store, keyPrefix } = await open({ registry });
    await admin.set(`${keyPrefix}customer:taken`, "not a hash");
    const error = await caught(
      store.writeMany([
        { customerId: "ok", fields: { a: "1" } },
        { customerId: "taken", fields: { a: "1" } },
      ]),
    );
    expect(isChurnError(error, ErrorCodes.CHURN_STORE_COMMAND_FAILED)).toBe(true);
    expect((error as Error).message).toMatch(/WRONGTYPE.*keyPrefix/s);
    expect(
      isChurnError(await caught(store.readMany(["ok", "taken"])), ErrorCodes.CHURN_STORE_COMMAND_FAILED),
    ).toBe(true);
    const failed = { op: "writeMany", code: ErrorCodes.CHURN_STORE_COMMAND_FAILED, backend: "redis" };
    expect(await metricValue(registry, "churnstream_featurestore_errors_total", failed)).toBe(1);
    expect(await metricValue(registry, "churnstream_featurestore_operations_total", { op: "readMany" })).toBe(
      1,
    );
  });

  it("counts ranges with one pipelined ZCOUNT each and fails on a key of another type", async () => {
    const registry = new Registry();
    const { store, keyPrefix } = await open({ registry });
    await store.zadd("hist", [
      { member: "a", score: 0.05 },
      { member: "b", score: Number.POSITIVE_INFINITY },
    ]);
    const ranges = [
      { min: 0.05, max: 1, minExclusive: true },
      { min: 0, max: Number.POSITIVE_INFINITY, maxExclusive: true },
    ];
    expect(await store.zcount("hist", ranges)).toEqual([0, 1]);
    // Same bounds as Redis spells them, straight to Redis.
    expect(await admin.zcount(`${keyPrefix}zset:hist`, "(0.05", "1")).toBe(0);
    expect(await admin.zcount(`${keyPrefix}zset:hist`, "0", "(+inf")).toBe(1);
    await admin.set(`${keyPrefix}zset:taken`, "not a sorted set");
    const error = await caught(store.zcount("taken", ranges));
    expect(isChurnError(error, ErrorCodes.CHURN_STORE_COMMAND_FAILED)).toBe(true);
    expect((error as Error).message).toMatch(/WRONGTYPE.*2 of 2 pipelined/s);
    const failed = { op: "zcount", code: ErrorCodes.CHURN_STORE_COMMAND_FAILED, backend: "redis" };
    expect(await metricValue(registry, "churnstream_featurestore_errors_total", failed)).toBe(1);
  });

  it("fails fast with CHURN_STORE_UNAVAILABLE when nothing listens on the port", async () => {
    const started = Date.now();
    const error = await caught(
      createRedisFeatureStore({
        url: "redis://127.0.0.1:1",
        connectTimeoutMs: 1_500,
        maxRetriesPerRequest: 1,
      }),
    );
    expect(Date.now() - started).toBeLessThan(1_500 + 500);
    expect(isChurnError(error, ErrorCodes.CHURN_STORE_UNAVAILABLE)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*churnstream stack up/s);
  });

  it("fails within connectTimeoutMs when the server accepts but never answers", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await caught(
        createFeatureStore({
          backend: "redis",
          redis: { url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 800 },
        }),
      );
      const elapsed = Date.now() - started;
      expect(isChurnError(error, ErrorCodes.CHURN_STORE_UNAVAILABLE)).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(elapsed).toBeLessThan(800 + 700);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("fails calls within bounded retries while Redis is down, and recovers when it is back", async () => {
    requireRedis();
    const proxy = await redisProxy();
    const store = await createRedisFeatureStore({
      url: proxy.url(),
      keyPrefix: nextPrefix(),
      maxRetriesPerRequest: 1,
      commandTimeoutMs: 2_000,
    });
    stores.push(store);
    try {
      await store.writeMany([{ customerId: "c", fields: { a: "1" } }]);
      await proxy.stop();
      const started = Date.now();
      const error = await caught(store.readMany(["c"]));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(isChurnError(error, ErrorCodes.CHURN_STORE_UNAVAILABLE)).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
      await proxy.start();
      // Reconnection backs off at most 2 s; poll until the store is back.
      const deadline = Date.now() + 10_000;
      let read: unknown;
      while (Date.now() < deadline) {
        read = await store.readMany(["c"]).catch(() => undefined);
        if (read !== undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(read).toEqual([{ a: "1" }]);
    } finally {
      await store.close();
      await proxy.stop();
    }
  });

  it("masks the password of the URL in error messages", async () => {
    const error = await caught(
      createRedisFeatureStore({ url: "redis://user:s3cret@127.0.0.1:1", connectTimeoutMs: 1_000 }),
    );
    expect((error as Error).message).not.toContain("s3cret");
    expect((error as Error).message).toContain("127.0.0.1:1");
  });
});
