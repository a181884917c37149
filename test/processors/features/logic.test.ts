import { describe, expect, it } from "vitest";
import { createPartitionState, step } from "../../../processors/features/logic.js";
import { batch, billing, click, DAY, featuresAfter, HOUR, LOGIC, MIN, T0, vectors } from "./support.js";

describe("features logic: windows at the partition clock", () => {
  it("counts sessions and page views in 1h/24h/7d buckets ending with the current one", () => {
    const f = featuresAfter([
      click("C1", T0 - 8 * DAY, "LOGIN"),
      click("C1", T0 - 2 * HOUR),
      click("C1", T0 - 30 * MIN),
      click("C1", T0),
    ]);
    expect(f.as_of_ts).toBe(T0);
    expect(f.watermark_ts).toBe(T0 - 10 * MIN);
    // Sessions: A (8 d ago), B (2 h ago, one event), C (30 min ago → now: exactly one gap apart).
    expect([f.sessions_1h, f.sessions_24h, f.sessions_7d]).toEqual([1, 2, 2]);
    expect([f.page_views_1h, f.page_views_24h, f.page_views_7d]).toEqual([2, 3, 3]);
    expect(f.active_days_30d).toBe(2);
    expect(f.avg_session_minutes_7d).toBe(15); // (0 + 30) / 2
    expect(f.days_since_last_login).toBe(8);
    expect(f.tenure_days).toBe(8);
    expect(f.events_total).toBe(4);
    expect(f.plan).toBe("UNKNOWN");
    expect(f.days_since_last_payment).toBeNull();
  });

  it("aligns window edges to bucket boundaries", () => {
    const asOf = T0 + 30 * 1000; // 12:00:30, inside minute 12:00
    const f = featuresAfter([
      click("C1", T0 - 24 * HOUR + 1), // hour 12:00 yesterday → outside 24 h (13:00 .. 12:00)
      click("C1", T0 - 23 * HOUR), // hour 13:00 yesterday → inside
      click("C1", T0 - 60 * MIN + 1), // minute 11:00 → outside the 60 minutes 11:01..12:00
      click("C1", T0 - 59 * MIN), // minute 11:01 → inside
      click("C1", asOf),
    ]);
    expect(f.page_views_1h).toBe(2);
    expect(f.page_views_24h).toBe(4);
    // 7 d = 7 UTC days including today: Jan 4 .. Jan 10.
    const g = featuresAfter([
      click("C1", Date.UTC(2025, 0, 3, 23, 59, 59, 999)),
      click("C1", Date.UTC(2025, 0, 4, 0, 0, 0)),
      click("C1", T0),
    ]);
    expect(g.page_views_7d).toBe(2);
    expect(g.active_days_30d).toBe(3);
  });

  it("absorbs out-of-order events within the allowed lateness", () => {
    const state = createPartitionState(LOGIC);
    const f = vectors(
      batch(state, [click("C1", T0), click("C1", T0 - 5 * MIN), click("C1", T0 - 10 * MIN)]),
    ).get("C1")!;
    expect(f.page_views_1h).toBe(3);
    expect(f.late_events_absorbed).toBe(2);
    expect(state.counters.clickstream).toEqual({ folded: 3, absorbed: 2, late: 0, duplicates: 0 });
  });

  it("counts and emits events behind the watermark without folding them", () => {
    const state = createPartitionState(LOGIC);
    const late = click("C1", T0 - 10 * MIN - 1);
    const emits = batch(state, [click("C1", T0), late, billing("C1", T0 - HOUR, "PAYMENT_FAILED")]);
    const f = vectors(emits).get("C1")!;
    expect(f.page_views_1h).toBe(1);
    expect(f.failed_payments_30d).toBe(0);
    expect(f.events_total).toBe(1);
    expect(emits.filter((e) => e.kind === "late")).toEqual([
      expect.objectContaining({ kind: "late", topic: "clickstream", offset: 1, eventId: late.event_id }),
      expect.objectContaining({ kind: "late", topic: "billing", offset: 2, watermarkTs: T0 - 10 * MIN }),
    ]);
    expect(state.counters.clickstream.late).toBe(1);
    expect(state.counters.billing.late).toBe(1);
  });

  it("counts a repeated event id once", () => {
    const state = createPartitionState(LOGIC);
    const e = click("C1", T0);
    const f = vectors(batch(state, [e, { ...e }, click("C1", T0 + 1)])).get("C1")!;
    expect(f.page_views_1h).toBe(2);
    expect(f.events_total).toBe(2);
    expect(state.counters.clickstream.duplicates).toBe(1);
    // Across micro-batches too, within the horizon.
    batch(state, [{ ...e }]);
    expect(state.counters.clickstream.duplicates).toBe(2);
  });
});

describe("features logic: dedup horizon", () => {
  it("catches every non-late exact copy even with no extra horizon, and calls older copies late", () => {
    const state = createPartitionState({ ...LOGIC, dedupHorizonMs: 0 });
    const e = click("C1", T0);
    batch(state, [e]);
    batch(state, [click("C2", T0 + 9 * MIN)]); // watermark T0 - 1 min: e is still kept
    batch(state, [{ ...e }]);
    expect(state.counters.clickstream).toMatchObject({ folded: 2, duplicates: 1, late: 0 });
    batch(state, [click("C2", T0 + 11 * MIN)]); // watermark T0 + 1 min: e's minute is evicted
    expect(state.dedup.has(e.event_id)).toBe(false);
    const emits = batch(state, [{ ...e }]);
    expect(emits.filter((x) => x.kind === "late")).toHaveLength(1);
    expect(state.counters.clickstream).toMatchObject({ folded: 3, duplicates: 1, late: 1 });
  });
});

describe("features logic: sessions", () => {
  it("starts a new session after a gap longer than sessionGapMs", () => {
    const f = featuresAfter([click("C1", T0), click("C1", T0 + 30 * MIN), click("C1", T0 + 60 * MIN + 1)]);
    expect(f.sessions_24h).toBe(2);
    expect(f.avg_session_minutes_7d).toBe(15); // (30 + 0) / 2
  });

  it("merges two sessions that a late event bridges", () => {
    const options = { ...LOGIC, allowedLatenessMs: 30 * MIN };
    const state = createPartitionState(options);
    batch(state, [click("C1", T0), click("C1", T0 + 40 * MIN)]);
    const before = featuresAfter([click("C1", T0), click("C1", T0 + 40 * MIN)], "C1", options);
    expect(before.sessions_24h).toBe(2);
    const f = vectors(batch(state, [click("C1", T0 + 20 * MIN)])).get("C1")!;
    expect(f.sessions_24h).toBe(1);
    expect(f.sessions_1h).toBe(1);
    expect(f.avg_session_minutes_7d).toBe(40);
    expect(f.late_events_absorbed).toBe(1);
  });

  it("extends a session backwards with an out-of-order first event", () => {
    const f = featuresAfter([click("C1", T0 + 5 * MIN), click("C1", T0 + 8 * MIN), click("C1", T0)]);
    expect(f.sessions_1h).toBe(1);
    expect(f.avg_session_minutes_7d).toBe(8);
  });

  it("gives the same sessions once they are closed into the rings", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [click("C1", T0), click("C1", T0 + 10 * MIN), click("C1", T0 + 50 * MIN)]);
    // C2 moves the clock far enough that C1's sessions close (end + gap < watermark).
    batch(state, [click("C2", T0 + 3 * HOUR)]);
    const c1 = state.customers.get("C1")!;
    batch(state, [click("C1", T0 + 3 * HOUR + 1)]);
    expect(c1.sessions).toEqual([T0 + 3 * HOUR + 1, T0 + 3 * HOUR + 1]);
    const f = vectors(batch(state, [click("C1", T0 + 3 * HOUR + 2)])).get("C1")!;
    expect(f.sessions_24h).toBe(3);
    expect(f.sessions_1h).toBe(1);
    expect(f.avg_session_minutes_7d).toBe((10 * MIN + 1) / 3 / MIN);
  });
});

describe("features logic: emission, re-emission and compaction", () => {
  it("emits each changed customer once per micro-batch", () => {
    const state = createPartitionState(LOGIC);
    const emits = batch(state, [click("C1", T0), click("C2", T0 + 1), click("C1", T0 + 2)]);
    expect(emits.map((e) => (e.kind === "features" ? e.features.customer_id : e.kind))).toEqual(["C1", "C2"]);
    expect(vectors(emits).get("C1")!.as_of_ts).toBe(T0 + 2);
  });

  it("re-emits every resident customer when the clock enters a new day, then only changed ones", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [click("C1", T0, "LOGIN"), click("C2", T0 + 1, "LOGIN")]);
    const nextDay = T0 + 13 * HOUR; // 01:00 the next day
    const emits = batch(state, [click("C1", nextDay)]);
    const v = vectors(emits);
    expect([...v.keys()]).toEqual(["C1", "C2"]);
    expect(v.get("C2")!.as_of_ts).toBe(nextDay);
    expect(v.get("C2")!.days_since_last_login).toBe((nextDay - T0 - 1) / DAY);
    expect([...vectors(batch(state, [click("C1", nextDay + 1)])).keys()]).toEqual(["C1"]);
  });

  it("emits a removal right after the last vector of a cancelled customer it drops", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [billing("C1", T0, "SUBSCRIPTION_STARTED"), billing("C2", T0, "SUBSCRIPTION_STARTED")]);
    batch(state, [billing("C2", T0 + HOUR, "SUBSCRIPTION_CANCELLED")]);
    const later = T0 + 90 * DAY;
    const kinds = (emits: ReturnType<typeof batch>) =>
      emits.map((e) =>
        e.kind === "features" ? `features ${e.features.customer_id}` : `${e.kind} ${e.customerId}`,
      );
    // C1 is compacted (not cancelled): no removal. C2 is dropped: final vector, then removal.
    expect(kinds(batch(state, [click("C3", later)]))).toEqual([
      "features C3",
      "features C1",
      "features C2",
      "removed C2",
    ]);
    expect(kinds(batch(state, [click("C3", later + DAY)]))).toEqual(["features C3"]);
    // Dropped and seen again in the same micro-batch: the removal comes before the new vector.
    const cancelAt = later + DAY + 1;
    batch(state, [billing("C4", cancelAt, "SUBSCRIPTION_CANCELLED")]);
    const back = batch(state, [click("C3", cancelAt + 91 * DAY), click("C4", cancelAt + 91 * DAY + 1)]);
    expect(kinds(back).filter((k) => k.endsWith("C4"))).toEqual(["features C4", "removed C4", "features C4"]);
    expect(state.customers.has("C4")).toBe(true);
  });

  it("compacts customers with empty windows after a final emission, and revives them with their history", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [
      billing("C1", T0, "SUBSCRIPTION_STARTED", { plan: "BASIC" }),
      billing("C2", T0, "SUBSCRIPTION_STARTED"),
    ]);
    batch(state, [billing("C2", T0 + HOUR, "SUBSCRIPTION_CANCELLED")]);
    const later = T0 + 90 * DAY;
    const emits = batch(state, [click("C3", later)]);
    const v = vectors(emits);
    expect(v.get("C1")).toMatchObject({ as_of_ts: later, tenure_days: 90, plan: "BASIC", events_total: 1 });
    expect(v.has("C2")).toBe(true);
    expect(state.customers.has("C1")).toBe(false);
    expect(state.dormant.has("C1")).toBe(true);
    expect(state.dormant.has("C2")).toBe(false); // cancelled and silent: dropped
    expect(state.counters).toMatchObject({ compacted: 1, dropped: 1 });
    // Compacted customers are not re-emitted at the next day...
    expect(vectors(batch(state, [click("C3", later + DAY)])).has("C1")).toBe(false);
    // ...and come back with tenure and plan when they act again.
    const back = vectors(batch(state, [click("C1", later + DAY + 1)])).get("C1")!;
    expect(back).toMatchObject({ tenure_days: (91 * DAY + 1) / DAY, plan: "BASIC", events_total: 2 });
  });

  it("advances an idle partition's clock and re-emits at the new day", () => {
    const state = createPartitionState(LOGIC);
    batch(state, [click("C1", T0, "LOGIN")]);
    step(state, { kind: "idle", advanceToTs: T0 - DAY }); // never backwards
    expect(state.clockTs).toBe(T0);
    step(state, { kind: "idle", advanceToTs: T0 + DAY });
    const v = vectors(step(state, { kind: "batchEnd" }).emits);
    expect(v.get("C1")).toMatchObject({
      as_of_ts: T0 + DAY,
      watermark_ts: T0 + DAY - 10 * MIN,
      days_since_last_login: 1,
    });
    expect(v.get("C1")!.page_views_1h).toBe(0);
  });
});

describe("features logic: country of the latest session", () => {
  const countryOf = (events: Parameters<typeof batch>[1]) => {
    const emits = batch(createPartitionState(LOGIC), events);
    const last = emits.filter((e) => e.kind === "features").at(-1);
    return last?.kind === "features" ? last.country : undefined;
  };

  it("follows event time, not arrival order, so a replay in another order agrees", () => {
    const events = [
      click("C1", T0 - 2 * HOUR, "PAGE_VIEW", { country: "DE" }),
      click("C1", T0, "PAGE_VIEW", { country: "FR" }),
      click("C1", T0 - HOUR, "PAGE_VIEW", { country: "GB" }), // out of order: older than FR
    ];
    expect(countryOf(events)).toBe("FR");
    expect(countryOf([...events].reverse())).toBe("FR");
  });

  it("is empty for a customer with billing events only", () => {
    expect(countryOf([billing("C1", T0, "SUBSCRIPTION_STARTED")])).toBe("");
  });
});
