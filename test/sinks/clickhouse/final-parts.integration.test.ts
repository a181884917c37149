/**
 * Reading right after a load that left hundreds of active parts (silver_billing: one part per
 * month of signup dates per insert), on the shared server, whatever its profile says: a `FINAL`
 * read through the warehouse must fit the query memory limit and deduplicate exactly like a
 * merged table (the highest version per key wins). Without the warehouse's read settings this
 * read needs about 4.6 GiB on ClickHouse 18.16 (limit 3.73 GiB on the local stack).
 */
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { afterAll, describe, expect, it } from "vitest";
import {
  compileClickHouseWarehouseOptions,
  createClickHouseWarehouse,
} from "../../../sinks/clickhouse/index.js";
import { readSettings } from "../../../sinks/clickhouse/options.js";
import type { Row } from "../../../sinks/ports.js";
import { ident, sql } from "../../../sinks/sql.js";
import { SINK_MIGRATIONS } from "../../../sinks/tables/index.js";
import { nativeServiceAddresses } from "../../support/services.js";

const { clickhouseUrl } = nativeServiceAddresses();
const database = `churnstream_final_${randomBytes(4).toString("hex")}`;
const MONTHS = 67;
const BATCHES = 3;
const PLANS = ["BASIC", "PRO", "TEAM"];

interface Billing {
  event_id: string;
  customer_id: string;
  ts_ms: number;
  plan: string;
  source_offset: number;
}

function billingRow(e: Billing): Row {
  const time = new Date(e.ts_ms);
  return {
    ...e,
    event_time: time,
    event_date: time.toISOString().slice(0, 10),
    type: "SUBSCRIPTION_STARTED",
    previous_plan: null,
    amount_cents: 0,
    currency: "EUR",
    invoice_id: null,
    attempt: 1,
    reason: null,
    schema_id: 1,
    source_topic: "billing",
    source_partition: 0,
    ingested_at_ms: 0,
  };
}

/**
 * BATCHES inserts, each with one event in every month of MONTHS (a part per month per insert),
 * plus copies of the first batch's events: a higher offset with another plan (wins) and a lower
 * offset (loses).
 */
function batches(): Billing[][] {
  const out: Billing[][] = [];
  for (let b = 0; b < BATCHES; b++) {
    const batch: Billing[] = [];
    for (let m = 0; m < MONTHS; m++) {
      batch.push({
        event_id: `ev-${b}-${m}`,
        customer_id: `cu-${(m * BATCHES + b) % 40}`,
        ts_ms: Date.UTC(2019, m, 3 + b, 12),
        plan: PLANS[(m + b) % PLANS.length]!,
        source_offset: 10_000 + b * 1_000 + m,
      });
      const original = out[0]?.[m];
      if (original && b === 1 && m % 3 === 0) batch.push({ ...original, plan: "STALE", source_offset: m });
      if (original && b === 2 && m % 2 === 0)
        batch.push({ ...original, plan: "ENTERPRISE", source_offset: 20_000 + m });
    }
    out.push(batch);
  }
  return out;
}

/** The highest offset per (customer_id, event_id), sorted like the query. */
function deduplicated(events: readonly Billing[]): Billing[] {
  const latest = new Map<string, Billing>();
  for (const e of events) {
    const key = `${e.customer_id}\u0000${e.event_id}`;
    const seen = latest.get(key);
    if (seen === undefined || e.source_offset > seen.source_offset) latest.set(key, e);
  }
  return [...latest.values()].sort(
    (a, b) => a.customer_id.localeCompare(b.customer_id) || a.event_id.localeCompare(b.event_id),
  );
}

afterAll(async () => {
  const client = createClient({ url: clickhouseUrl, request_timeout: 30_000 });
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
  await client.close();
}, 60_000);

describe("FINAL reads over hundreds of unmerged parts", () => {
  it("fit in memory and keep the highest version per key, with no OPTIMIZE", async () => {
    const wh = createClickHouseWarehouse({ url: clickhouseUrl, database, requestTimeoutMs: 120_000 });
    try {
      await wh.ping().catch((error: unknown) => {
        throw new Error(
          `ClickHouse is not reachable at ${clickhouseUrl} (${String(error)}). Run \`churnstream stack up\``,
        );
      });
      await wh.migrate(SINK_MIGRATIONS);
      const all = batches();
      for (const batch of all) await wh.insert("silver_billing", batch.map(billingRow));
      // Clicks of a few customers: the silver_clickstream view reads silver_billing FINAL too.
      const clicks = ["cu-0", "cu-1", "cu-7"].flatMap((customer_id, i) =>
        [Date.UTC(2020, 0, 1), Date.UTC(2025, 0, 1)].map((ts_ms, j) => ({
          event_id: `click-${i}-${j}`,
          customer_id,
          ts_ms,
        })),
      );
      await wh.insert(
        "silver_clickstream_events",
        clicks.map((c) => {
          const time = new Date(c.ts_ms);
          return {
            ...c,
            event_time: time,
            event_date: time.toISOString().slice(0, 10),
            session_id: "s",
            type: "PAGE_VIEW",
            page: "/",
            feature: null,
            duration_ms: 1,
            device: "DESKTOP",
            country: "DE",
            schema_id: 1,
            source_topic: "clickstream",
            source_partition: 0,
            source_offset: 1,
            ingested_at_ms: 0,
          };
        }),
      );

      // The situation of the full-scale load: one part per month per insert, left unmerged.
      const [parts] = await wh.query<{ parts: number }>(
        sql`SELECT count() AS parts FROM system.parts
          WHERE database = currentDatabase() AND table = ${"silver_billing"} AND active`,
      );
      expect(parts?.parts).toBeGreaterThanOrEqual(150);

      const rows = await wh.query<Billing & Record<string, unknown>>(
        sql`SELECT * FROM ${wh.latest("silver_billing")} ORDER BY customer_id, event_id`,
      );
      const want = deduplicated(all.flat());
      expect(
        rows.map(({ event_id, customer_id, ts_ms, plan, source_offset }) => ({
          event_id,
          customer_id,
          ts_ms,
          plan,
          source_offset,
        })),
      ).toEqual(want);
      expect(rows.some((r) => r.plan === "STALE")).toBe(false);
      expect(rows.filter((r) => r.plan === "ENTERPRISE")).toHaveLength(Math.ceil(MONTHS / 2));

      // Every read of the warehouse carries the bounded read settings.
      const settings = await wh.query<{ name: string; value: string }>(
        sql`SELECT name, value FROM system.settings
          WHERE name IN ${["max_read_buffer_size", "max_block_size"]} ORDER BY name`,
      );
      const expected = readSettings(compileClickHouseWarehouseOptions());
      expect(settings).toEqual([
        { name: "max_block_size", value: expected.max_block_size },
        { name: "max_read_buffer_size", value: expected.max_read_buffer_size },
      ]);

      const viewed = await wh.query<{ event_id: string; plan: string }>(
        sql`SELECT event_id, plan FROM ${ident("silver_clickstream")} ORDER BY event_id`,
      );
      const planAt = (customer: string, ts: number) =>
        want
          .filter((e) => e.customer_id === customer && e.ts_ms <= ts)
          .sort((a, b) => a.ts_ms - b.ts_ms || a.event_id.localeCompare(b.event_id))
          .at(-1)?.plan ?? "UNKNOWN";
      expect(viewed).toEqual(
        clicks.map((c) => ({ event_id: c.event_id, plan: planAt(c.customer_id, c.ts_ms) })),
      );
    } finally {
      await wh.close();
    }
  }, 180_000);
});
