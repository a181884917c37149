/**
 * Every route through fastify's inject(), with its error and auth cases, on the memory
 * FeatureStore, a DuckDB warehouse, a directory registry with real ONNX models and the ONNX
 * VectorScorer the API uses in production.
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChurnError } from "../../core/errors.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { createOnnxVectorScorer } from "../../serving/scorer.js";
import { createServer } from "../../serving/server.js";
import { createDuckDbWarehouse } from "../../sinks/duckdb/index.js";
import type { Warehouse } from "../../sinks/ports.js";
import { MODEL_FEATURES } from "../../training/model.js";
import { predictProba } from "../../training/predict.js";
import type { DirModelRegistry } from "../../training/registry/dir.js";
import { features, type SeedCustomer, seedCustomers, seedSegments, tempRegistry } from "./support.js";

const KEY = "s3cret-admin-key";
const NOW = Date.UTC(2025, 0, 10, 0, 5);

const CUSTOMERS: SeedCustomer[] = [
  { id: "c-01", plan: "PRO", country: "DE", score: 0.91, band: "CRITICAL" },
  { id: "c-02", plan: "PRO", country: "FR", score: 0.75, band: "HIGH" },
  { id: "c-03", plan: "BASIC", country: "DE", score: 0.66, band: "HIGH" },
  { id: "c-04", plan: "PRO", country: "DE", score: 0.4, band: "MEDIUM" },
  { id: "c-05", plan: "BUSINESS", country: "DE", score: 0.1, band: "LOW" },
  { id: "c-06", plan: "PRO", country: "DE", score: 0.05, band: "LOW" },
  { id: "c-07", plan: "FREE", country: "US" },
];

/** A scoring request's features (every MODEL_FEATURES input by name, plan as a string). */
function requestFeatures(overrides: Record<string, number | string | null> = {}) {
  const { customer_id, as_of_ts, watermark_ts, late_events_absorbed, events_total, ...rest } = features("x");
  return { ...rest, ...overrides };
}

describe("serving API", () => {
  let app: FastifyInstance;
  let store: FeatureStore;
  let warehouse: Warehouse;
  let models: DirModelRegistry;
  let cleanup: () => Promise<void>;
  const registry = new Registry();
  let scorer: ReturnType<typeof createOnnxVectorScorer>;

  beforeAll(async () => {
    store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
    await seedCustomers(store, CUSTOMERS);
    warehouse = createDuckDbWarehouse({ path: ":memory:" });
    await seedSegments(warehouse);
    ({ registry: models, cleanup } = await tempRegistry());
    scorer = createOnnxVectorScorer({ registry: models });
    app = await createServer(
      { featureStore: store, warehouse, modelRegistry: models, scorer, registry, now: () => NOW },
      // The auth cases below send many wrong keys; the wrong-key limit has its own test (rate-limit.test.ts).
      { apiKey: KEY, rateLimit: { max: 1000, windowMs: 60_000, authFailures: 1000 } },
    );
  });
  afterAll(async () => {
    await app?.close();
    await scorer?.close();
    await store?.close();
    await warehouse?.close();
    await cleanup?.();
  });

  const admin = { "x-api-key": KEY };

  describe("GET /v1/customers/:id", () => {
    it("returns features, freshness and the latest score with reasons", async () => {
      const res = await app.inject({ method: "GET", url: "/v1/customers/c-01" });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-request-id"]).toBeTruthy();
      const body = res.json();
      const f = features("c-01");
      expect(body.customer_id).toBe("c-01");
      expect(body.country).toBe("DE");
      expect(body.features.sessions_7d).toBe(f.sessions_7d);
      expect(body.features.plan).toBe("PRO");
      expect(body.features.days_since_last_payment).toBeNull();
      expect(body.freshness).toEqual({
        as_of_ts: f.as_of_ts,
        watermark_ts: f.watermark_ts,
        late_events_absorbed: f.late_events_absorbed,
        age_seconds: (NOW - f.as_of_ts) / 1000,
      });
      expect(body.score).toMatchObject({
        score: 0.91,
        risk_band: "CRITICAL",
        model_version: "v0001",
        shadow: null,
      });
      expect(body.score.reasons.map((r: { feature: string }) => r.feature)).toEqual([
        "errors_7d",
        "days_since_last_login",
      ]);
    });

    it("returns score null for a customer not scored yet", async () => {
      const res = await app.inject("/v1/customers/c-07");
      expect(res.statusCode).toBe(200);
      expect(res.json().score).toBeNull();
    });

    it("404s an unknown customer with the error body", async () => {
      const res = await app.inject({ url: "/v1/customers/nobody", headers: { "x-request-id": "req-42" } });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        statusCode: 404,
        code: "CHURN_SERVE_NOT_FOUND",
        requestId: "req-42",
      });
      expect(res.json().message).toContain("nobody");
    });

    it("400s an id that is too long, naming the field", async () => {
      const res = await app.inject(`/v1/customers/${"x".repeat(200)}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("CHURN_SERVE_BAD_REQUEST");
      expect(res.json().message).toContain("params/id");
    });
  });

  describe("GET /v1/customers/at-risk", () => {
    const scored = CUSTOMERS.filter((c) => c.score !== undefined).sort((a, b) => b.score! - a.score!);

    it("lists the highest scores first and pages with next_offset", async () => {
      const first = (await app.inject("/v1/customers/at-risk?limit=2")).json();
      expect(first.items.map((i: { customer_id: string }) => i.customer_id)).toEqual(
        scored.slice(0, 2).map((c) => c.id),
      );
      expect(first.items[0]).toMatchObject({
        score: 0.91,
        risk_band: "CRITICAL",
        plan: "PRO",
        country: "DE",
        monthly_price_cents: 4900,
      });
      expect(first.items[0].top_reasons).toEqual(["errors_7d", "days_since_last_login"]);
      expect(first.next_offset).toBe(2);
      expect(first.scanned_set_size).toBe(scored.length);
      const all: string[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page: { items: { customer_id: string }[]; next_offset: number | null } = (
          await app.inject(`/v1/customers/at-risk?limit=2&offset=${offset}`)
        ).json();
        all.push(...page.items.map((i: { customer_id: string }) => i.customer_id));
        offset = page.next_offset;
      }
      expect(all).toEqual(scored.map((c) => c.id));
    });

    it("filters by plan, by country, by both and by min_score", async () => {
      const ids = async (q: string) =>
        (await app.inject(`/v1/customers/at-risk?${q}`))
          .json()
          .items.map((i: { customer_id: string }) => i.customer_id);
      expect(await ids("plan=PRO")).toEqual(scored.filter((c) => c.plan === "PRO").map((c) => c.id));
      expect(await ids("country=DE")).toEqual(scored.filter((c) => c.country === "DE").map((c) => c.id));
      const both = scored.filter((c) => c.plan === "PRO" && c.country === "DE").map((c) => c.id);
      expect(await ids("plan=PRO&country=DE")).toEqual(both);
      expect(await ids("min_score=0.5")).toEqual(scored.filter((c) => c.score! >= 0.5).map((c) => c.id));
      // Both filters, paged one at a time: next_offset is a position in the scanned set.
      const paged: string[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page: { items: { customer_id: string }[]; next_offset: number | null } = (
          await app.inject(`/v1/customers/at-risk?plan=PRO&country=DE&limit=1&offset=${offset}`)
        ).json();
        paged.push(...page.items.map((i: { customer_id: string }) => i.customer_id));
        offset = page.next_offset;
      }
      expect(paged).toEqual(both);
    });

    it.each([
      ["limit=0", "querystring/limit"],
      ["limit=abc", "querystring/limit"],
      ["limit=5000", "querystring/limit"],
      ["offset=-1", "querystring/offset"],
      ["plan=GOLD", "querystring/plan"],
      ["country=germany", "querystring/country"],
      ["min_score=2", "querystring/min_score"],
      ["sort=asc", "querystring"],
    ])("400s %s naming %s", async (query, field) => {
      const res = await app.inject(`/v1/customers/at-risk?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain(field);
    });
  });

  describe("POST /v1/score", () => {
    it("scores with the champion: same probability as the model, band and reasons", async () => {
      const input = requestFeatures({ errors_7d: 6 });
      const res = await app.inject({ method: "POST", url: "/v1/score", payload: { features: input } });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      const champion = await models.get("v0001");
      const vector = new Float32Array(MODEL_FEATURES.length);
      MODEL_FEATURES.forEach((name, j) => {
        vector[j] = name.startsWith("plan_")
          ? Number(name === `plan_${input.plan}`)
          : name === "days_since_last_payment"
            ? 365
            : Number(input[name as keyof typeof input]);
      });
      expect(body.score).toBeCloseTo(predictProba(champion.model, vector, 1)[0]!, 5);
      expect(body.model_version).toBe("v0001");
      expect(body.risk_band).toBe(
        body.score >= 0.8 ? "CRITICAL" : body.score >= 0.5 ? "HIGH" : body.score >= 0.3 ? "MEDIUM" : "LOW",
      );
      expect(body.reasons[0].feature).toBe("errors_7d");
    });

    it.each([
      [{}, "body/features is required"],
      [{ features: {} }, "body/features"],
      [{ features: requestFeatures({ sessions_7d: "many" }) }, "body/features/sessions_7d"],
      [{ features: requestFeatures({ errors_7d: null }) }, "body/features/errors_7d"],
      [{ features: requestFeatures({ colour: 3 }) }, "body/features/colour"],
      [{ features: requestFeatures({ plan: "GOLD" }) }, "body/features/plan"],
      [{ features: { ...requestFeatures(), tenure_days: undefined } }, "body/features/tenure_days"],
      [{ features: requestFeatures(), extra: 1 }, "body"],
    ])("400s %j", async (payload, field) => {
      const res = await app.inject({ method: "POST", url: "/v1/score", payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("CHURN_SERVE_BAD_REQUEST");
      expect(res.json().message).toContain(field);
    });

    it("400s a body that is not JSON", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/score",
        payload: "{nope",
        headers: { "content-type": "application/json" },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("CHURN_SERVE_BAD_REQUEST");
    });
  });

  describe("POST /v1/score/batch", () => {
    it("scores many records in order, keeping their ids", async () => {
      const items = [0, 3, 8].map((errors) => ({
        id: `r${errors}`,
        features: requestFeatures({ errors_7d: errors }),
      }));
      const res = await app.inject({ method: "POST", url: "/v1/score/batch", payload: { items } });
      expect(res.statusCode).toBe(200);
      const { results, model_version } = res.json();
      expect(model_version).toBe("v0001");
      expect(results.map((r: { id: string }) => r.id)).toEqual(["r0", "r3", "r8"]);
      const single = await app.inject({
        method: "POST",
        url: "/v1/score",
        payload: { features: items[1]!.features },
      });
      expect(results[1].score).toBeCloseTo(single.json().score, 6);
      // More errors, higher risk (the model's errors_7d weight is positive).
      expect(results[0].score).toBeLessThan(results[1].score);
      expect(results[1].score).toBeLessThan(results[2].score);
    });

    it("400s a bad item naming its index, and an empty or oversized batch", async () => {
      const bad = await app.inject({
        method: "POST",
        url: "/v1/score/batch",
        payload: {
          items: [{ features: requestFeatures() }, { features: requestFeatures({ refunds_30d: "x" }) }],
        },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain("body/items/1/features/refunds_30d");
      const empty = await app.inject({ method: "POST", url: "/v1/score/batch", payload: { items: [] } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().message).toContain("body/items");
      const big = await app.inject({
        method: "POST",
        url: "/v1/score/batch",
        payload: { items: Array.from({ length: 1001 }, () => ({ features: { sessions_7d: 1 } })) },
      });
      expect(big.statusCode).toBe(400);
      expect(big.json().message).toContain("body/items");
    });
  });

  describe("model admin routes", () => {
    it.each([
      ["GET", "/v1/models"],
      ["GET", "/v1/models/v0001"],
      ["POST", "/v1/models/v0002/promote"],
      ["POST", "/v1/models/rollback"],
    ])("%s %s is 401 without a key, with a wrong key and with a wrong bearer", async (method, url) => {
      for (const headers of [
        {},
        { "x-api-key": "wrong" },
        { authorization: `Bearer ${KEY}x` },
        { "x-api-key": KEY.slice(0, -1) },
      ]) {
        const res = await app.inject({ method: method as "GET", url, headers });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe("CHURN_SERVE_UNAUTHORIZED");
        expect(res.body).not.toContain("at ");
      }
      expect((await models.state()).champion).toBe("v0001");
    });

    it("lists versions with roles and metrics", async () => {
      const res = await app.inject({ url: "/v1/models", headers: admin });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.state.champion).toBe("v0001");
      expect(body.models.map((m: { version: string; role: string | null }) => [m.version, m.role])).toEqual([
        ["v0001", "champion"],
        ["v0002", null],
      ]);
      expect(body.models[0].metrics.roc_auc).toBe(0.8);
      expect(body.models[0].features).toEqual([...MODEL_FEATURES]);
      const one = await app.inject({ url: "/v1/models/v0002", headers: { authorization: `Bearer ${KEY}` } });
      expect(one.statusCode).toBe(200);
      expect(one.json().card.version).toBe("v0002");
    });

    it("promotes, scores with the new champion, rolls back, and 409s a rollback with no previous", async () => {
      const before = (
        await app.inject({ method: "POST", url: "/v1/score", payload: { features: requestFeatures() } })
      ).json();
      const promoted = await app.inject({
        method: "POST",
        url: "/v1/models/v0002/promote",
        headers: admin,
        payload: { reason: "better" },
      });
      expect(promoted.statusCode).toBe(200);
      expect(promoted.json().champion).toBe("v0002");
      const after = (
        await app.inject({ method: "POST", url: "/v1/score", payload: { features: requestFeatures() } })
      ).json();
      expect(after.model_version).toBe("v0002");
      expect(after.score).toBeGreaterThan(before.score); // v0002 has the higher intercept
      const back = await app.inject({ method: "POST", url: "/v1/models/rollback", headers: admin });
      expect(back.statusCode).toBe(200);
      expect(back.json().champion).toBe("v0001");
      const again = await app.inject({
        method: "POST",
        url: "/v1/models/rollback",
        headers: admin,
        payload: {},
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe("CHURN_MODEL_NO_PREVIOUS");
    });

    it("404s an unknown version and 400s a malformed one", async () => {
      const unknown = await app.inject({ method: "POST", url: "/v1/models/v9999/promote", headers: admin });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe("CHURN_MODEL_NOT_FOUND");
      const bad = await app.inject({ url: "/v1/models/v%20x", headers: admin });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain("params/version");
      const reason = await app.inject({
        method: "POST",
        url: "/v1/models/rollback",
        headers: admin,
        payload: { reason: { text: "why" } },
      });
      expect(reason.statusCode).toBe(400);
      expect(reason.json().message).toContain("body/reason");
    });
  });

  describe("GET /v1/segments", () => {
    it("answers churn by plan and by country and the at-risk revenue", async () => {
      const plan = await app.inject("/v1/segments/churn/plan");
      expect(plan.statusCode).toBe(200);
      expect(plan.json().segments.find((s: { segment: string }) => s.segment === "PRO")).toMatchObject({
        customers: 2,
        churned: 1,
        churn_rate: 0.5,
      });
      const country = await app.inject("/v1/segments/churn/country?country=FR");
      expect(country.json().segments.map((s: { segment: string }) => s.segment)).toEqual(["FR"]);
      const revenue = await app.inject("/v1/segments/at-risk-revenue?bands=CRITICAL");
      expect(revenue.statusCode).toBe(200);
      expect(revenue.json()).toMatchObject({
        bands: ["CRITICAL"],
        customers: 1,
        monthly_revenue_cents: 19900,
      });
    });

    it.each([
      ["/v1/segments/churn/region", "params/dimension"],
      ["/v1/segments/churn/plan?plan=GOLD", "querystring/plan"],
      ["/v1/segments/churn/plan?country=DE", "querystring/country"],
      ["/v1/segments/at-risk-revenue?bands=HIGH,PURPLE", "querystring/bands"],
    ])("400s %s naming %s", async (url, field) => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain(field);
    });
  });

  describe("operations", () => {
    it("GET /healthz", async () => {
      const res = await app.inject("/healthz");
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe("ok");
    });

    it("GET /readyz reports each backend", async () => {
      const res = await app.inject("/readyz");
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        status: "ready",
        checks: { featureStore: { ok: true }, warehouse: { ok: true }, modelRegistry: { ok: true } },
      });
    });

    it("GET /metrics serves the registry with the API's request metrics", async () => {
      const res = await app.inject("/metrics");
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toContain("text/plain");
      expect(res.body).toMatch(
        /churnstream_serving_requests_total\{route="\/v1\/customers\/:id",method="GET",status="404"\} \d+/,
      );
    });

    it("serves the OpenAPI document at /docs with every /v1 route", async () => {
      const res = await app.inject("/docs/json");
      expect(res.statusCode).toBe(200);
      const paths = Object.keys(res.json().paths);
      for (const path of [
        "/v1/customers/{id}",
        "/v1/customers/at-risk",
        "/v1/score",
        "/v1/score/batch",
        "/v1/models",
        "/v1/models/{version}/promote",
        "/v1/models/rollback",
        "/v1/segments/churn/{dimension}",
        "/v1/segments/at-risk-revenue",
        "/healthz",
        "/readyz",
        "/metrics",
      ]) {
        expect(paths).toContain(path);
      }
      expect((await app.inject("/docs")).statusCode).toBeLessThan(400);
    });

    it("404s an unknown route with the error body", async () => {
      const res = await app.inject("/v2/nothing");
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toContain("/docs");
    });
  });

  describe("backends down", () => {
    it("503s with Retry-After when the feature store is unavailable, and /readyz says which", async () => {
      const down = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
      const failing: FeatureStore = new Proxy(down, {
        get(target, prop, receiver) {
          if (["readMany", "zcard", "zrevrange", "ping"].includes(String(prop))) {
            return async () => {
              throw new ChurnError("CHURN_STORE_UNAVAILABLE", "redis is down", { retryable: true });
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      });
      const broken = await createServer({ featureStore: failing, registry: new Registry() });
      try {
        for (const url of ["/v1/customers/c-01", "/v1/customers/at-risk"]) {
          const res = await broken.inject(url);
          expect(res.statusCode).toBe(503);
          expect(res.headers["retry-after"]).toBe("5");
          expect(res.json().code).toBe("CHURN_STORE_UNAVAILABLE");
          expect(res.json().message).toBe("feature store unavailable; retry in 5 s");
        }
        const ready = await broken.inject("/readyz");
        expect(ready.statusCode).toBe(503);
        expect(ready.headers["retry-after"]).toBe("5");
        // Which backend failed, not how: its message may name hosts and ports (the log has it).
        expect(ready.json().checks.featureStore).toEqual({
          ok: false,
          error: "unavailable; the server log has the error",
        });
        // No registry, scorer or warehouse in this process: 503 naming what is missing.
        const score = await broken.inject({
          method: "POST",
          url: "/v1/score",
          payload: { features: requestFeatures() },
        });
        expect(score.statusCode).toBe(503);
        expect((await broken.inject("/v1/segments/churn/plan")).statusCode).toBe(503);
        // No key configured: admin routes are refused, saying how to enable them.
        const models401 = await broken.inject({ url: "/v1/models", headers: admin });
        expect(models401.statusCode).toBe(401);
        expect(models401.json().message).toContain("serving.apiKey");
      } finally {
        await broken.close();
        await down.close();
      }
    });

    it("500s an unexpected error without leaking its stack", async () => {
      const odd: FeatureStore = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === "readMany")
            return async () => {
              throw new TypeError("boom at line 3");
            };
          return Reflect.get(target, prop, receiver);
        },
      });
      const broken = await createServer({ featureStore: odd, registry: new Registry() });
      try {
        const res = await broken.inject("/v1/customers/c-01");
        expect(res.statusCode).toBe(500);
        expect(res.json().message).not.toContain("boom");
        expect(res.json().message).toContain(res.json().requestId);
      } finally {
        await broken.close();
      }
    });
  });

  it("rate-limits the public routes with 429", async () => {
    const limited = await createServer(
      { featureStore: store, registry: new Registry() },
      { rateLimit: { max: 2, windowMs: 60_000 } },
    );
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.inject("/v1/customers/c-01")).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      const last = await limited.inject("/v1/customers/c-01");
      expect(last.json().code).toBe("CHURN_SERVE_RATE_LIMITED");
      expect(last.headers["retry-after"]).toBeDefined();
      // Operations routes are not limited.
      expect((await limited.inject("/healthz")).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
