/**
 * What the daily materializer reads from silver and its own progress table: bounds, per-day
 * counts and the events of a day range, as plain events for the fold.
 */
import type { BillingEvent, ClickEvent } from "../../../schemas/types.js";
import type { Warehouse } from "../../ports.js";
import { sql } from "../../sql.js";
import { goldCustomerDailyProgress, silverBilling, silverClickstreamEvents } from "../../tables/index.js";
import { DAY_MS, dayText, type FoldEvent } from "./fold.js";

/** Silver click and billing counts of one day. */
export interface DayCounts {
  clickstream: number;
  billing: number;
}

const dayIndex = (text: unknown) => Math.floor(Date.parse(`${String(text)}T00:00:00Z`) / DAY_MS);
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

/** Newest event time in silver (both tables), the first event day and the first click day; null when empty. */
export async function silverBounds(
  wh: Warehouse,
): Promise<{ maxTs: number; firstDay: number; firstClickDay: number | null } | null> {
  const bounds = async (table: string) => {
    const [row] = await wh.query(
      sql`SELECT count() AS n, min(ts_ms) AS min_ts, max(ts_ms) AS max_ts FROM ${wh.latest(table)}`,
    );
    return num(row?.n) === 0 ? null : { min: num(row?.min_ts), max: num(row?.max_ts) };
  };
  const clicks = await bounds(silverClickstreamEvents.name);
  const billing = await bounds(silverBilling.name);
  if (clicks === null && billing === null) return null;
  const all = [clicks, billing].filter((b) => b !== null);
  return {
    maxTs: Math.max(...all.map((b) => b.max)),
    firstDay: Math.floor(Math.min(...all.map((b) => b.min)) / DAY_MS),
    firstClickDay: clicks === null ? null : Math.floor(clicks.min / DAY_MS),
  };
}

/** Per-day silver counts for days up to `lastDay`. */
export async function silverDayCounts(wh: Warehouse, lastDay: number): Promise<Map<number, DayCounts>> {
  const counts = new Map<number, DayCounts>();
  for (const [table, field] of [
    [silverClickstreamEvents.name, "clickstream"],
    [silverBilling.name, "billing"],
  ] as const) {
    const rows = await wh.query(
      sql`SELECT event_date AS day, count() AS n FROM ${wh.latest(table)}
        WHERE event_date <= ${dayText(lastDay)} GROUP BY event_date`,
    );
    for (const row of rows) {
      const day = dayIndex(row.day);
      const entry = counts.get(day) ?? { clickstream: 0, billing: 0 };
      entry[field] = num(row.n);
      counts.set(day, entry);
    }
  }
  return counts;
}

/** The counts each materialized day was written with. */
export async function writtenDays(wh: Warehouse): Promise<Map<number, DayCounts>> {
  const rows = await wh.query(
    sql`SELECT day, clickstream_events, billing_events FROM ${wh.latest(goldCustomerDailyProgress.name)}`,
  );
  return new Map(
    rows.map((r) => [
      dayIndex(r.day),
      { clickstream: num(r.clickstream_events), billing: num(r.billing_events) },
    ]),
  );
}

/** Every silver event of days [fromDay, toDay], unsorted. */
export async function silverEvents(wh: Warehouse, fromDay: number, toDay: number): Promise<FoldEvent[]> {
  const from = dayText(fromDay);
  const to = dayText(toDay);
  const clicks = await wh.query(
    sql`SELECT event_id, customer_id, ts_ms, session_id, type, page, feature, duration_ms, device, country
      FROM ${wh.latest(silverClickstreamEvents.name)} WHERE event_date >= ${from} AND event_date <= ${to}`,
  );
  const billing = await wh.query(
    sql`SELECT event_id, customer_id, ts_ms, type, plan, previous_plan, amount_cents, currency, invoice_id,
      attempt, reason FROM ${wh.latest(silverBilling.name)} WHERE event_date >= ${from} AND event_date <= ${to}`,
  );
  const events: FoldEvent[] = [];
  for (const r of clicks) {
    const event = { ...r, ts: num(r.ts_ms), duration_ms: num(r.duration_ms) } as unknown as ClickEvent;
    events.push({ kind: "clickstream", event });
  }
  for (const r of billing) {
    const event = {
      ...r,
      ts: num(r.ts_ms),
      amount_cents: num(r.amount_cents),
      attempt: num(r.attempt),
    } as unknown as BillingEvent;
    events.push({ kind: "billing", event });
  }
  return events;
}
