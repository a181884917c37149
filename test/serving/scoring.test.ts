/**
 * Ad-hoc scoring refuses what a feature cannot be: bodies are not type-coerced, counts and
 * durations are never negative, counts are integers, values fit float32 — each 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isChurnError } from "../../core/errors.js";
import { encodeInput, FEATURE_DOMAINS, FLOAT32_MAX } from "../../serving/scoring.js";
import { MODEL_FEATURES, NUMERIC_FEATURES } from "../../training/model.js";
import { createTestApi, features, type TestApi } from "./support.js";

/** A scoring request's features (every MODEL_FEATURES input by name, plan as a string). */
function requestFeatures(overrides: Record<string, unknown> = {}) {
  const { customer_id, as_of_ts, watermark_ts, late_events_absorbed, events_total, ...rest } = features("x");
  return { ...rest, ...overrides };
}

describe("feature domains", () => {
  it("cover every numeric model feature, from the features record's types", () => {
    expect([...FEATURE_DOMAINS.keys()].sort()).toEqual([...NUMERIC_FEATURES].sort());
    expect(FEATURE_DOMAINS.get("errors_7d")).toMatchObject({ integer: true, nullable: false, minimum: 0 });
    expect(FEATURE_DOMAINS.get("monthly_price_cents")).toMatchObject({ integer: true, minimum: 0 });
    expect(FEATURE_DOMAINS.get("avg_session_minutes_7d")).toMatchObject({ integer: false, nullable: false });
    expect(FEATURE_DOMAINS.get("days_since_last_login")).toMatchObject({ integer: false, nullable: true });
    expect(FEATURE_DOMAINS.get("days_since_last_payment")?.nullable).toBe(true);
    for (const d of FEATURE_DOMAINS.values()) expect(d.maximum).toBeLessThanOrEqual(FLOAT32_MAX);
  });

  it.each([
    ["errors_7d", -1, "must be >= 0"],
    ["avg_session_minutes_7d", -0.5, "must be >= 0"],
    ["days_since_last_login", -3, "must be >= 0"],
    ["tenure_days", 1e308, "float32"],
    ["tenure_days", -1e39, "float32"],
    ["sessions_7d", 2.5, "integer"],
    ["sessions_7d", Number.NaN, "finite"],
    ["plan_PRO", 2, "0 or 1"],
  ])("encodeInput refuses %s = %s, naming it", (name, value, problem) => {
    const input = { ...requestFeatures(), [name]: value } as Record<string, number | string | null>;
    const out = new Float32Array(MODEL_FEATURES.length);
    try {
      encodeInput(input, MODEL_FEATURES, out, 0, "body/features");
      expect.unreachable();
    } catch (error) {
      expect(isChurnError(error, "CHURN_SERVE_BAD_REQUEST")).toBe(true);
      expect((error as Error).message).toContain(`body/features/${name}`);
      expect((error as Error).message).toContain(problem);
    }
  });

  it("encodeInput keeps valid values (nulls as the days-since cap)", () => {
    const out = new Float32Array(MODEL_FEATURES.length);
    encodeInput(requestFeatures({ errors_7d: 0 }), MODEL_FEATURES, out, 0, "body/features");
    expect(out[MODEL_FEATURES.indexOf("errors_7d")]).toBe(0);
    expect(out[MODEL_FEATURES.indexOf("days_since_last_payment")]).toBe(365);
    expect(out[MODEL_FEATURES.indexOf("plan_PRO")]).toBe(1);
  });
});

describe("POST /v1/score and /v1/score/batch input checks", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const score = (features: unknown) =>
    api.app.inject({ method: "POST", url: "/v1/score", payload: { features } });

  it("scores a valid record", async () => {
    const res = await score(requestFeatures());
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ["a boolean", { errors_7d: true }, "body/features/errors_7d", "must be an integer"],
    ["a numeric string", { errors_7d: "5" }, "body/features/errors_7d", "must be"],
    ["an array", { sessions_7d: [3] }, "body/features/sessions_7d", "must be"],
    ["a negative count", { sessions_7d: -1 }, "body/features/sessions_7d", ">= 0"],
    ["a negative duration", { avg_session_minutes_7d: -2.5 }, "body/features/avg_session_minutes_7d", ">= 0"],
    ["a negative time since", { days_since_last_login: -1 }, "body/features/days_since_last_login", ">= 0"],
    ["a negative price", { monthly_price_cents: -4900 }, "body/features/monthly_price_cents", ">= 0"],
    ["a fractional count", { errors_7d: 2.5 }, "body/features/errors_7d", "integer"],
    [
      "a value beyond float32",
      { tenure_days: 1e308 },
      "body/features/tenure_days",
      "<= 3.4028234663852886e+38",
    ],
    ["a plan indicator other than 0/1", { plan_PRO: 2 }, "body/features/plan_PRO", "must be one of 0, 1"],
    ["a lower-case plan", { plan: "pro" }, "body/features/plan", "must be one of FREE, BASIC, PRO, BUSINESS"],
  ])("400s %s, naming the field", async (_what, overrides, field, problem) => {
    const res = await score(requestFeatures(overrides));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("CHURN_SERVE_BAD_REQUEST");
    expect(res.json().message).toContain(field);
    expect(res.json().message).toContain(problem);
  });

  it("does not coerce the batch body: one object is not a one-item array", async () => {
    const res = await api.app.inject({
      method: "POST",
      url: "/v1/score/batch",
      payload: { items: { features: requestFeatures() } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe("body/items must be an array");
    const id = await api.app.inject({
      method: "POST",
      url: "/v1/score/batch",
      payload: { items: [{ id: 7, features: requestFeatures() }] },
    });
    expect(id.statusCode).toBe(400);
    expect(id.json().message).toContain("body/items/0/id must be a string");
  });

  it("names the batch item of a negative or out-of-range value", async () => {
    const res = await api.app.inject({
      method: "POST",
      url: "/v1/score/batch",
      payload: {
        items: [{ features: requestFeatures() }, { features: requestFeatures({ refunds_30d: -1 }) }],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain("body/items/1/features/refunds_30d");
  });

  it("still coerces querystrings, which arrive as text", async () => {
    const res = await api.app.inject("/v1/customers/at-risk?limit=5&min_score=0.5");
    expect(res.statusCode).toBe(200);
  });
});
