import { describe, expect, it } from "vitest";
import type { BillingEvent, ClickEvent } from "../../../../schemas/types.js";
import { createDuckDbWarehouse } from "../../../../sinks/duckdb/index.js";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../../../sinks/gold/daily/features.js";
import { chunks, DailyMaterializer, firstDayToWrite } from "../../../../sinks/gold/daily/index.js";
import type { Warehouse } from "../../../../sinks/ports.js";
import { compileSinksOptions, createSinkMetrics } from "../../../../sinks/runner/index.js";
import { silverBillingRow, silverClickRow } from "../../../../sinks/silver/index.js";
import { ident, sql } from "../../../../sinks/sql.js";
import { SINK_MIGRATIONS } from "../../../../sinks/tables/index.js";
import { billing, click, FlakyWarehouse } from "../../runner/fixtures.js";

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 4, 1);
const options = compileSinksOptions({ retry: { initialBackoffMs: 1, maxBackoffMs: 5, jitter: 0 } });

function record(offset: number) {
  return { topic: "t", partition: 0, offset, key: null, value: null, timestamp: 0, headers: {} };
}

async function silver(wh: Warehouse, events: (ClickEvent | BillingEvent)[]) {
  let offset = 0;
  const clicks = events.filter((e): e is ClickEvent => "session_id" in e);
  const bills = events.filter((e): e is BillingEvent => !("session_id" in e));
  if (clicks.length > 0)
    await wh.insert(
      "silver_clickstream_events",
      clicks.map((e) => silverClickRow(e, record(offset++), 1, 0)),
    );
  if (bills.length > 0)
    await wh.insert(
      "silver_billing",
      bills.map((e) => silverBillingRow(e, record(offset++), 2, 0)),
    );
}

async function open() {
  const wh = createDuckDbWarehouse({ path: ":memory:" });
  await wh.migrate(SINK_MIGRATIONS);
  return wh;
}

function materializer(wh: Warehouse) {
  return new DailyMaterializer(
    { warehouse: wh, metrics: createSinkMetrics("gold") },
    { logic: FEATURES_PROCESSOR_DEFAULTS, gold: options.gold, retry: options.retry },
  );
}

const daily = (wh: Warehouse) =>
  wh.query(sql`SELECT * FROM ${ident("gold_customer_daily")} ORDER BY day, customer_id`);

/** Two customers over days 0..4, then a day-6 event so days 0..5 close. */
function history(): (ClickEvent | BillingEvent)[] {
  const events: (ClickEvent | BillingEvent)[] = [
    billing("u1", D0 - DAY, "SUBSCRIPTION_STARTED"),
    billing("u2", D0 - DAY, "SUBSCRIPTION_STARTED"),
  ];
  for (let d = 0; d < 5; d++) for (const u of ["u1", "u2"]) events.push(click(u, D0 + d * DAY + 3_600_000));
  events.push(click("u1", D0 + 6 * DAY + 3_600_000));
  return events;
}

describe("DailyMaterializer", () => {
  it("writes closed days once, continues incrementally, and rewrites (with retractions) after late data", async () => {
    const wh = await open();
    const events = history();
    await silver(wh, events);
    const m = materializer(wh);
    const first = await m.runOnce();
    expect(first).toEqual({ written: { from: "2025-04-30", to: "2025-05-06", rows: 12 }, refolded: false });
    expect((await daily(wh)).map((r) => `${r.day} ${r.customer_id}`)).toHaveLength(12);
    expect(await m.runOnce()).toEqual({ written: null, refolded: false });

    // Late: u2 had cancelled on day 2 (beyond the allowed lateness); plus a new day closes.
    const late = billing("u2", D0 + 2 * DAY + 5, "SUBSCRIPTION_CANCELLED");
    const next = click("u1", D0 + 8 * DAY);
    await silver(wh, [late, next]);
    const second = await m.runOnce();
    expect(second.refolded).toBe(true);
    expect(second.written?.from).toBe("2025-05-03");
    const rows = await daily(wh);
    expect(rows.filter((r) => r.customer_id === "u2").map((r) => r.day)).toEqual([
      "2025-05-01",
      "2025-05-02",
    ]);
    const [retracted] = await wh.query(
      sql`SELECT count() AS n FROM ${wh.latest("gold_customer_daily_rows")} WHERE is_active = 0`,
    );
    // u2's rows of days 2..5 (05-03..05-06), written before the cancellation was known.
    expect(retracted?.n).toBe(4);

    // The same final silver, materialized from scratch elsewhere: the same gold_customer_daily.
    const fresh = await open();
    await silver(fresh, [...events, late, next]);
    await materializer(fresh).runOnce();
    expect(await daily(fresh)).toEqual(rows);
    await Promise.all([wh.close(), fresh.close()]);
  });

  it("a new instance (a restart) reads what was written and writes only what is new", async () => {
    const wh = new FlakyWarehouse(await open());
    await silver(wh, history());
    await materializer(wh).runOnce();
    const inserts = wh.inserts;
    expect(await materializer(wh).runOnce()).toEqual({ written: null, refolded: false });
    expect(wh.inserts).toBe(inserts);
    await silver(wh, [click("u2", D0 + 9 * DAY)]);
    const result = await materializer(wh).runOnce();
    expect(result.written).toMatchObject({ from: "2025-05-07", to: "2025-05-08" });
    await wh.close();
  });

  it("retries while the warehouse fails, then writes", async () => {
    const wh = new FlakyWarehouse(await open());
    await silver(wh, history());
    wh.failInserts(3);
    const result = await materializer(wh).runOnce();
    expect(wh.failed).toBe(3);
    expect(result.written?.rows).toBe(12);
    expect(await daily(wh)).toHaveLength(12);
    await wh.close();
  });

  it("finds the first day to rewrite and splits day ranges by event counts", () => {
    const counts = new Map([
      [10, { clickstream: 5, billing: 0 }],
      [11, { clickstream: 5, billing: 1 }],
      [12, { clickstream: 5, billing: 0 }],
    ]);
    expect(firstDayToWrite(counts, new Map(), 10)).toBe(10);
    expect(firstDayToWrite(counts, new Map([...counts]), 10)).toBe(13);
    expect(firstDayToWrite(counts, new Map([...counts, [11, { clickstream: 5, billing: 0 }]]), 10)).toBe(11);
    expect(firstDayToWrite(counts, new Map([[11, { clickstream: 5, billing: 1 }]]), 10)).toBe(10);
    expect(chunks(10, 14, counts, 10)).toEqual([
      [10, 10],
      [11, 11],
      [12, 14],
    ]);
    expect(chunks(10, 14, counts, 11)).toEqual([
      [10, 11],
      [12, 14],
    ]);
    expect(chunks(10, 14, counts, 100)).toEqual([[10, 14]]);
  });
});
