/**
 * Error bodies: every validation 400 names the field and what it accepts; a feature store that
 * hangs or fails gives a prompt 503 with Retry-After and a generic message (the detail goes to the
 * log under the request id); backend messages naming hosts and paths never reach a client.
 */
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChurnError } from "../../core/errors.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { capturingLogger, createTestApi, type SeedCustomer, type TestApi } from "./support.js";

const KEY = "s3cret-admin-key";
const CUSTOMERS: SeedCustomer[] = [{ id: "c-01", plan: "PRO", country: "DE", score: 0.9, band: "CRITICAL" }];
const READS = ["readMany", "zcard", "zrevrange", "ping"];

/** What the Redis store throws when Redis is down: host, port, ioredis internals, a CLI hint. */
const REDIS_DOWN =
  "Redis feature store at redis://10.1.2.3:6379/ is unavailable during readMany: connect ECONNREFUSED " +
  "10.1.2.3:6379 (last connection error: Reached the max retries per request limit). Start Redis " +
  "(`churnstream stack up`) or fix featureStore.redis.url.";

/** The store with its reads replaced by `read`. */
function withReads(read: () => Promise<never>): (store: FeatureStore) => FeatureStore {
  return (store) =>
    new Proxy(store, {
      get(target, prop, receiver) {
        return READS.includes(String(prop)) ? read : Reflect.get(target, prop, receiver);
      },
    });
}

describe("validation messages", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ options: { apiKey: KEY }, customers: CUSTOMERS });
  });
  afterAll(async () => {
    await api?.close();
  });

  const message = async (request: InjectOptions | string) => {
    const res = await api.app.inject(request);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("CHURN_SERVE_BAD_REQUEST");
    return res.json().message as string;
  };

  it.each([
    [
      "/v1/customers/at-risk?foo=1",
      "querystring/foo is not accepted; accepted: limit, offset, plan, country, min_score",
    ],
    ["/v1/customers/at-risk?plan=pro", "querystring/plan must be one of FREE, BASIC, PRO, BUSINESS"],
    ["/v1/customers/at-risk?limit=abc", "querystring/limit must be an integer"],
    ["/v1/customers/at-risk?limit=0", "querystring/limit must be >= 1"],
    ["/v1/customers/at-risk?country=de", "querystring/country must match the pattern ^[A-Z]{2}$"],
    ["/v1/segments/churn/region", "params/dimension must be one of plan, country"],
    ["/v1/segments/churn/plan?plan=pro", "querystring/plan must be one of FREE, BASIC, PRO, BUSINESS"],
    ["/v1/segments/at-risk-revenue?bands=HIGH&x=1", "querystring/x is not accepted; accepted: bands"],
    [`/v1/customers/${"x".repeat(200)}`, "params/id must be at most 128 characters long"],
  ])("GET %s: %s", async (url, expected) => {
    expect(await message(url)).toBe(expected);
  });

  it.each([
    [{}, "body/features is required"],
    [{ features: {}, extra: 1 }, "body/extra is not accepted; accepted: features"],
    [{ features: {} }, "body/features must have at least 1 properties"],
    [{ features: "all" }, "body/features must be an object"],
  ])("POST /v1/score %j: %s", async (payload, expected) => {
    expect(await message({ method: "POST", url: "/v1/score", payload })).toBe(expected);
  });

  it("names the field of a batch body and of an admin body", async () => {
    expect(await message({ method: "POST", url: "/v1/score/batch", payload: { items: [] } })).toBe(
      "body/items must have at least 1 items",
    );
    expect(
      await message({
        method: "POST",
        url: "/v1/models/rollback",
        headers: { "x-api-key": KEY },
        payload: { reason: 5 },
      }),
    ).toBe("body/reason must be a string");
  });
});

describe("backend failures", () => {
  it("answers 503 with Retry-After within serving.featureStoreTimeoutMs when the feature store hangs", async () => {
    const { logger, lines } = capturingLogger();
    const api = await createTestApi({
      options: { featureStoreTimeoutMs: 100 },
      customers: CUSTOMERS,
      wrapStore: withReads(() => new Promise<never>(() => {})),
      logger,
    });
    try {
      for (const url of [
        "/v1/customers/c-01",
        "/v1/customers/at-risk",
        "/v1/customers/at-risk?plan=PRO&country=DE",
      ]) {
        const started = performance.now();
        const res = await api.app.inject({ url, headers: { "x-request-id": `hang-${url.length}` } });
        const elapsed = performance.now() - started;
        expect(res.statusCode).toBe(503);
        expect(elapsed).toBeLessThan(1000);
        expect(res.headers["retry-after"]).toBe("5");
        expect(res.json()).toMatchObject({
          code: "CHURN_STORE_UNAVAILABLE",
          message: "feature store unavailable; retry in 5 s",
          requestId: `hang-${url.length}`,
        });
        const logged = lines.find((l) => l.reqId === `hang-${url.length}` && l.msg === "request failed");
        expect(JSON.stringify(logged)).toContain("did not answer within 100 ms");
      }
    } finally {
      await api.close();
    }
  });

  it("gives clients a generic message when the feature store fails, and logs the detail with the request id", async () => {
    const { logger, lines } = capturingLogger();
    const api = await createTestApi({
      customers: CUSTOMERS,
      wrapStore: withReads(async () => {
        throw new ChurnError("CHURN_STORE_UNAVAILABLE", REDIS_DOWN, { retryable: true });
      }),
      logger,
    });
    try {
      for (const url of ["/v1/customers/c-01", "/v1/customers/at-risk", "/readyz"]) {
        const res = await api.app.inject(url);
        expect(res.statusCode).toBe(503);
        expect(res.headers["retry-after"]).toBe("5");
        for (const leak of ["10.1.2.3", "6379", "ECONNREFUSED", "max retries", "stack up", "redis://"]) {
          expect(res.body).not.toContain(leak);
        }
      }
      const res = await api.app.inject("/v1/customers/c-01");
      expect(res.json().message).toBe("feature store unavailable; retry in 5 s");
      const logged = lines.find((l) => l.reqId === res.json().requestId && l.msg === "request failed");
      expect(JSON.stringify(logged)).toContain("ECONNREFUSED 10.1.2.3:6379");
    } finally {
      await api.close();
    }
  });

  it("does not show the model directory in admin 404s and 409s", async () => {
    const { logger, lines } = capturingLogger();
    const api = await createTestApi({ options: { apiKey: KEY }, logger });
    try {
      const dir = api.models.dir;
      const admin = { "x-api-key": KEY };
      for (const request of [
        { url: "/v1/models/v9999", headers: admin },
        { method: "POST" as const, url: "/v1/models/v9999/promote", headers: admin },
      ]) {
        const unknown = await api.app.inject(request);
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json()).toMatchObject({
          code: "CHURN_MODEL_NOT_FOUND",
          message: "model version v9999 is not registered; GET /v1/models lists the versions",
        });
      }
      const get = await api.app.inject({ url: "/v1/models/v9999", headers: admin });
      expect(get.body).not.toContain(dir);
      // The registry's own message, with the directory, is in the log line of the request.
      const logged = lines.find((l) => l.reqId === get.json().requestId && l.msg === "request refused");
      expect(JSON.stringify(logged)).toContain(`is not in the registry at ${dir}`);
      const noPrevious = await api.app.inject({ method: "POST", url: "/v1/models/rollback", headers: admin });
      expect(noPrevious.statusCode).toBe(409);
      expect(noPrevious.json().message).toContain("no previous champion");
      expect(noPrevious.body).not.toContain("churnstream models");
    } finally {
      await api.close();
    }
  });
});
