/**
 * Rate limits: refused admin keys count against a client's limit, and behind a proxy each
 * forwarded client has its own bucket when serving.trustProxy is set.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ServingInput } from "../../serving/options.js";
import { createTestApi, type TestApi } from "./support.js";

const KEY = "s3cret-admin-key";

describe("rate limits", () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const start = async (options: ServingInput) => {
    api = await createTestApi({
      options,
      customers: [{ id: "c-01", plan: "PRO", country: "DE", score: 0.9 }],
    });
    return api.app;
  };

  it("counts requests with a wrong API key against the route's limit until 429", async () => {
    const app = await start({ apiKey: KEY, rateLimit: { max: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (await app.inject({ url: "/v1/models", headers: { "x-api-key": `guess-${i}` } })).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });

  it("refuses a client past serving.rateLimit.authFailures wrong keys on every admin route, even with the right key", async () => {
    const app = await start({ apiKey: KEY, rateLimit: { max: 1000, windowMs: 60_000, authFailures: 2 } });
    // Requests without a key are not guesses: they do not count.
    for (let i = 0; i < 3; i++) expect((await app.inject("/v1/models")).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/models", headers: { "x-api-key": KEY } })).statusCode).toBe(200);
    // Two guesses through two routes: the counter is the client's, not the route's.
    const first = await app.inject({ url: "/v1/models", headers: { "x-api-key": "guess-1" } });
    const second = await app.inject({
      method: "POST",
      url: "/v1/models/v0002/promote",
      headers: { authorization: "Bearer guess-2" },
      payload: { reason: "x" },
    });
    expect([first.statusCode, second.statusCode]).toEqual([401, 401]);
    for (const url of ["/v1/models", "/v1/models/v0001"]) {
      const refused = await app.inject({ url, headers: { "x-api-key": KEY } });
      expect(refused.statusCode).toBe(429);
      expect(refused.json().code).toBe("CHURN_SERVE_RATE_LIMITED");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    }
    // Another client is not affected.
    const other = await app.inject({
      url: "/v1/models",
      headers: { "x-api-key": KEY },
      remoteAddress: "10.9.9.9",
    });
    expect(other.statusCode).toBe(200);
    expect((await api!.models.state()).champion).toBe("v0001");
  });

  it("checks the key before reading the body", async () => {
    const app = await start({ apiKey: KEY });
    const bad = await app.inject({
      method: "POST",
      url: "/v1/models/rollback",
      headers: { "x-api-key": "wrong", "content-type": "application/json" },
      payload: "{not json",
    });
    // 401, not 400: the key is checked before the body is parsed.
    expect(bad.statusCode).toBe(401);
    expect(bad.headers["x-ratelimit-remaining"]).toBeDefined();
  });

  const fromProxy = (app: TestApi["app"], client: string) =>
    app.inject({
      url: "/v1/customers/c-01",
      remoteAddress: "10.0.0.1",
      headers: { "x-forwarded-for": client },
    });

  it("puts every client behind a proxy in the proxy's bucket by default", async () => {
    const app = await start({ rateLimit: { max: 2, windowMs: 60_000 } });
    const codes = [];
    for (const client of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
      codes.push((await fromProxy(app, client)).statusCode);
    }
    expect(codes).toEqual([200, 200, 429]);
  });

  it("with serving.trustProxy, limits each forwarded client on its own", async () => {
    const app = await start({ trustProxy: true, rateLimit: { max: 2, windowMs: 60_000 } });
    const codes = [];
    for (const client of ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.1"]) {
      codes.push((await fromProxy(app, client)).statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
  });
});
