import { describe, expect, it } from "vitest";
import { createPartitionState } from "../../../processors/features/logic.js";
import { featuresAsOf, featuresToHash, hashToFeatures } from "../../../processors/features/vector.js";
import { batch, billing, click, DAY, featuresAfter, LOGIC, MIN, T0 } from "./support.js";

describe("features vector: billing and product features", () => {
  it("derives plan, price, payments, refunds and downgrades with day-aligned windows", () => {
    const f = featuresAfter([
      billing("C1", T0 - 100 * DAY, "SUBSCRIPTION_STARTED", { plan: "BASIC" }),
      billing("C1", T0 - 95 * DAY, "PLAN_DOWNGRADED", { plan: "FREE", previous_plan: "BASIC" }),
      billing("C1", T0 - 89 * DAY, "PLAN_UPGRADED", { plan: "PRO", previous_plan: "FREE" }),
      billing("C1", T0 - 60 * DAY, "PLAN_DOWNGRADED", { plan: "BASIC", previous_plan: "PRO" }),
      billing("C1", T0 - 31 * DAY, "PAYMENT_FAILED", { plan: "BASIC" }),
      billing("C1", T0 - 29 * DAY, "PAYMENT_FAILED", { plan: "BASIC" }),
      billing("C1", T0 - 20 * DAY, "INVOICE_ISSUED", { plan: "BASIC", amount_cents: 1900 }),
      billing("C1", T0 - 20 * DAY + 3 * MIN, "PAYMENT_SUCCEEDED", { plan: "BASIC", amount_cents: 1900 }),
      billing("C1", T0 - 5 * DAY, "REFUND", { plan: "BASIC", amount_cents: 500 }),
      billing("C1", T0 - 2 * DAY, "DISCOUNT_APPLIED", { plan: "BASIC", amount_cents: 190 }),
      click("C1", T0),
    ]);
    expect(f).toMatchObject({
      plan: "BASIC",
      monthly_price_cents: 1900,
      downgrades_90d: 1,
      failed_payments_30d: 1,
      refunds_30d: 1,
      days_since_last_payment: (20 * DAY - 3 * MIN) / DAY,
      tenure_days: 100,
      events_total: 11,
    });
  });

  it("sets the price to 0 on cancellation and on a downgrade to FREE", () => {
    const f = featuresAfter([
      billing("C1", T0 - DAY, "INVOICE_ISSUED", { amount_cents: 4900 }),
      billing("C1", T0, "SUBSCRIPTION_CANCELLED"),
    ]);
    expect(f.monthly_price_cents).toBe(0);
    const g = featuresAfter([
      billing("C1", T0 - DAY, "INVOICE_ISSUED", { amount_cents: 4900 }),
      billing("C1", T0, "PLAN_DOWNGRADED", { plan: "FREE", previous_plan: "PRO" }),
    ]);
    expect(g).toMatchObject({ monthly_price_cents: 0, plan: "FREE", downgrades_90d: 1 });
  });

  it("counts distinct features in the last 7 days and the 7 before", () => {
    const use = (ts: number, feature: string) => click("C1", ts, "FEATURE_USE", { feature });
    const f = featuresAfter([
      use(T0 - 13 * DAY, "reports"),
      use(T0 - 8 * DAY, "exports"),
      use(T0 - 7 * DAY, "alerts"),
      use(T0 - 6 * DAY, "reports"),
      use(T0 - DAY, "reports"),
      use(T0, "api"),
    ]);
    expect(f.distinct_features_7d).toBe(2); // reports, api
    expect(f.distinct_features_prev_7d).toBe(3); // reports, exports, alerts
  });

  it("counts support, errors, pricing and cancel-page views over 7 days", () => {
    const f = featuresAfter([
      click("C1", T0 - 7 * DAY, "ERROR"),
      click("C1", T0 - 2 * DAY, "ERROR"),
      click("C1", T0 - DAY, "HELP_VIEW"),
      click("C1", T0 - DAY + 1, "SUPPORT_TICKET"),
      click("C1", T0 - 1000, "PRICING_VIEW"),
      click("C1", T0, "CANCEL_PAGE_VIEW"),
    ]);
    expect(f).toMatchObject({
      errors_7d: 1,
      support_views_7d: 2,
      pricing_views_7d: 1,
      cancel_page_views_7d: 1,
    });
    expect(f.page_views_7d).toBe(0);
  });

  it("computes the vector at any later reference time (the trainer's day ends)", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [click("C1", T0, "LOGIN"), click("C1", T0 + MIN)]);
    const c = state.customers.get("C1")!;
    const dayEnd = Date.UTC(2025, 0, 10, 23, 59, 59, 999);
    expect(featuresAsOf(c, dayEnd)).toMatchObject({ as_of_ts: dayEnd, page_views_1h: 0, page_views_24h: 1 });
    expect(featuresAsOf(c, T0 + 8 * DAY)).toMatchObject({
      page_views_7d: 0,
      active_days_30d: 1,
      sessions_7d: 0,
    });
    expect(featuresAsOf(c, T0 + 8 * DAY).days_since_last_login).toBe(8);
  });

  it("round-trips through the FeatureStore hash", () => {
    const f = featuresAfter([click("C1", T0, "LOGIN"), billing("C1", T0 + 1, "PAYMENT_SUCCEEDED")]);
    const hash = featuresToHash({ ...f, days_since_last_login: null, avg_session_minutes_7d: 1 / 3 });
    expect(hash.days_since_last_login).toBe("");
    expect(hashToFeatures(hash)).toEqual({
      ...f,
      days_since_last_login: null,
      avg_session_minutes_7d: 1 / 3,
    });
    expect(hashToFeatures({ ...hash, sessions_1h: "x" })).toBeUndefined();
  });
});
