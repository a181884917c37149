import { describe, expect, it } from "vitest";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../../../sinks/gold/daily/features.js";
import {
  type ClosedDay,
  compareFoldEvents,
  DailyFold,
  type FoldEvent,
} from "../../../../sinks/gold/daily/index.js";
import { billing, click } from "../../runner/fixtures.js";

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 4, 1);
const dayIndex = D0 / DAY;

function fold(events: FoldEvent[], lastDay: number, fromDay = dayIndex): ClosedDay[] {
  const f = new DailyFold(FEATURES_PROCESSOR_DEFAULTS, fromDay);
  const closed: ClosedDay[] = [];
  for (const e of [...events].sort(compareFoldEvents)) f.push(e, closed);
  f.closeThrough(lastDay, closed);
  return closed;
}

const c = (e: ReturnType<typeof click>): FoldEvent => ({ kind: "clickstream", event: e });
const b = (e: ReturnType<typeof billing>): FoldEvent => ({ kind: "billing", event: e });

describe("DailyFold", () => {
  it("gives each active customer's features as of each day's last millisecond", () => {
    const events = [
      b(billing("u1", D0 - 3 * DAY, "SUBSCRIPTION_STARTED", { plan: "PRO" })),
      b(billing("u1", D0 - 3 * DAY + 60_000, "INVOICE_ISSUED", { plan: "PRO", amount_cents: 4_900 })),
      c(click("u1", D0 + 9 * 3_600_000, { type: "LOGIN" })),
      c(click("u1", D0 + 9 * 3_600_000 + 60_000)),
      c(click("u1", D0 + 9 * 3_600_000 + 120_000, { type: "FEATURE_USE", feature: "reports" })),
      c(click("u1", D0 + DAY + 10 * 3_600_000)),
      // The last millisecond of day 1 belongs to day 1; the first of day 2 does not.
      c(click("u1", D0 + 2 * DAY - 1, { type: "ERROR" })),
      c(click("u1", D0 + 2 * DAY, { type: "ERROR" })),
    ];
    const days = fold(events, dayIndex + 1);
    // Days before fromDay are folded (tenure, price) but have no rows.
    expect(days.map((d) => [d.day - dayIndex, d.rows.length])).toEqual([
      [-3, 0],
      [-2, 0],
      [-1, 0],
      [0, 1],
      [1, 1],
    ]);
    const [day0, day1] = [days[3]!.rows[0]!, days[4]!.rows[0]!];
    expect(day0).toMatchObject({
      day: "2025-05-01",
      customer_id: "u1",
      is_active: 1,
      as_of_ts_ms: D0 + DAY - 1,
      plan: "PRO",
      monthly_price_cents: 4_900,
      page_views_7d: 1,
      sessions_7d: 1,
      distinct_features_7d: 1,
      active_days_30d: 1,
      errors_7d: 0,
      clicks_day: 3,
      page_views_day: 1,
      feature_uses_day: 1,
      billing_events_day: 0,
      last_event_ts_ms: D0 + 9 * 3_600_000 + 120_000,
    });
    expect(day0.tenure_days).toBeCloseTo(4 - 1 / DAY, 9);
    expect(day0.days_since_last_login).toBeCloseTo((DAY - 1 - 9 * 3_600_000) / DAY, 9);
    expect(day0.days_since_last_payment).toBeNull();
    expect(day1).toMatchObject({ page_views_7d: 2, errors_7d: 1, active_days_30d: 2, clicks_day: 2 });
    expect(days[4]!.clickstreamEvents).toBe(2);
  });

  it("leaves out customers cancelled by the day's end, counts duplicates as read but folds them once", () => {
    const started = billing("u2", D0, "SUBSCRIPTION_STARTED");
    const view = click("u2", D0 + 1_000);
    const events = [
      b(started),
      c(view),
      c(view),
      b(billing("u3", D0, "SUBSCRIPTION_STARTED")),
      b(billing("u3", D0 + DAY + 5, "SUBSCRIPTION_CANCELLED", { reason: "price" })),
    ];
    const days = fold(events, dayIndex + 2);
    expect(days.map((d) => d.rows.map((r) => r.customer_id))).toEqual([["u2", "u3"], ["u2"], ["u2"]]);
    expect(days[0]!.clickstreamEvents).toBe(2);
    expect(days[0]!.rows[0]).toMatchObject({ page_views_7d: 1, clicks_day: 1 });
  });

  it("closes days without events, and refuses events out of time order", () => {
    const f = new DailyFold(FEATURES_PROCESSOR_DEFAULTS, dayIndex);
    const closed: ClosedDay[] = [];
    f.push(c(click("u4", D0 + 10)), closed);
    f.push(c(click("u4", D0 + 3 * DAY)), closed);
    expect(closed.map((d) => [d.day - dayIndex, d.rows[0]?.page_views_7d])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(() => f.push(c(click("u4", D0)), closed)).toThrow(/out of order/);
  });

  it("orders events by time, then billing before clicks, then event id", () => {
    const x = c(click("u", 5, { event_id: "b" }));
    const y = c(click("u", 5, { event_id: "a" }));
    const z = b(billing("u", 5, "PAYMENT_SUCCEEDED", { event_id: "z" }));
    expect([x, y, z].sort(compareFoldEvents).map((e) => e.event.event_id)).toEqual(["z", "a", "b"]);
  });
});
