/**
 * Assertions on the product tables shared by the embedded and the real-backend tests: counts
 * against the fixture, and a deterministic snapshot of what queries return (ingest times aside)
 * to compare runs with and without crashes.
 */
import { createClient } from "@clickhouse/client";
import { expect } from "vitest";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../../sinks/gold/daily/features.js";
import { compareFoldEvents, DailyFold, type FoldEvent } from "../../../sinks/gold/daily/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { ident, join, sql } from "../../../sinks/sql.js";
import { type Expected, T0 } from "./fixtures.js";

export async function count(
  wh: Warehouse,
  from: "latest" | "view",
  name: string,
  where = sql``,
): Promise<number> {
  const source = from === "latest" ? wh.latest(name) : ident(name);
  const [row] = await wh.query<{ n: number }>(sql`SELECT count() AS n FROM ${source} ${where}`);
  return Number(row?.n ?? -1);
}

/** Checks every table against the fixture's expectations. */
export async function expectFixtureTables(wh: Warehouse, expected: Expected): Promise<void> {
  expect(await count(wh, "latest", "bronze_clickstream")).toBe(expected.bronzeClickstream);
  expect(await count(wh, "latest", "bronze_billing")).toBe(expected.bronzeBilling);
  expect(await count(wh, "view", "bronze_rejects")).toBe(expected.rejects);
  expect(await count(wh, "latest", "silver_clickstream_events")).toBe(expected.silverClickstream);
  expect(await count(wh, "view", "silver_clickstream")).toBe(expected.silverClickstream);
  expect(await count(wh, "latest", "silver_billing")).toBe(expected.silverBilling);
  expect(await count(wh, "latest", "gold_churn_labels")).toBe(expected.labels);
  const rejects = await wh.query<{ code: string; n: number }>(
    sql`SELECT parse_error_code AS code, count() AS n FROM ${ident("bronze_rejects")} GROUP BY parse_error_code ORDER BY code`,
  );
  expect(rejects).toEqual([
    { code: "CHURN_PROC_INVALID_EVENT", n: 1 },
    { code: "CHURN_PROC_KEY_MISMATCH", n: 1 },
    { code: "CHURN_SCHEMA_NOT_FOUND", n: 1 },
    { code: "CHURN_WIRE_BAD_MAGIC", n: 1 },
    { code: "CHURN_WIRE_DECODE_FAILED", n: 1 },
    { code: "CHURN_WIRE_TRUNCATED", n: 1 },
  ]);
  // The plan at the event time: cu-a upgraded to PRO on day 1 at noon.
  const plans = await wh.query<{ plan: string; n: number }>(
    sql`SELECT plan, count() AS n FROM ${ident("silver_clickstream")} WHERE customer_id = ${"cu-a"}
      GROUP BY plan ORDER BY plan`,
  );
  expect(plans).toEqual([
    { plan: "BASIC", n: 6 },
    { plan: "PRO", n: 6 },
  ]);
  const label = await wh.query(
    sql`SELECT customer_id, effective_ts_ms, reason, plan FROM ${wh.latest("gold_churn_labels")}`,
  );
  expect(label).toEqual([
    {
      customer_id: "cu-b",
      effective_ts_ms: T0 + 2 * 86_400_000 + 50_000_000,
      reason: "price",
      plan: "BASIC",
    },
  ]);
}

/** gold_customer_daily as the feature module applied offline to the fixture's valid events. */
export function offlineDaily(expected: Expected, lastDay: number): Record<string, unknown>[] {
  const events: FoldEvent[] = [
    ...expected.clicks.map((event) => ({ kind: "clickstream" as const, event })),
    ...expected.bills.map((event) => ({ kind: "billing" as const, event })),
  ].sort(compareFoldEvents);
  const fold = new DailyFold(FEATURES_PROCESSOR_DEFAULTS, Math.floor(T0 / 86_400_000));
  const closed: Parameters<DailyFold["push"]>[1] = [];
  for (const event of events)
    if (Math.floor(event.event.ts / 86_400_000) <= lastDay) fold.push(event, closed);
  fold.closeThrough(lastDay, closed);
  return closed
    .flatMap((d) => d.rows)
    .map(({ is_active: _active, ...row }) => row)
    .sort((a, b) => `${a.day}${a.customer_id}`.localeCompare(`${b.day}${b.customer_id}`));
}

/** gold_customer_daily as stored, in the same order and form as offlineDaily. */
export async function storedDaily(wh: Warehouse): Promise<Record<string, unknown>[]> {
  return wh.query(sql`SELECT * FROM ${ident("gold_customer_daily")} ORDER BY day, customer_id`);
}

/**
 * What the documented queries and every table return, without the columns a replay may change
 * (ingest and materialization times): equal snapshots mean identical query results.
 */
export async function snapshot(wh: Warehouse): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const tables: [string, "latest" | "view", string[]][] = [
    ["bronze_clickstream", "latest", ["topic", "kafka_partition", "kafka_offset"]],
    ["bronze_billing", "latest", ["topic", "kafka_partition", "kafka_offset"]],
    ["bronze_rejects", "view", ["topic", "kafka_partition", "kafka_offset"]],
    ["silver_clickstream", "view", ["customer_id", "event_id"]],
    ["silver_billing", "latest", ["customer_id", "event_id"]],
    ["gold_churn_labels", "latest", ["customer_id", "event_id"]],
    ["gold_churn_scores", "latest", ["customer_id", "model_version", "scored_at_ts_ms"]],
    ["gold_customer_daily", "view", ["day", "customer_id"]],
    ["gold_training_set", "view", ["day", "customer_id"]],
    ["gold_customer_360", "view", ["customer_id"]],
  ];
  for (const [name, from, order] of tables) {
    const source = from === "latest" ? wh.latest(name) : ident(name);
    const rows = await wh.query(sql`SELECT * FROM ${source} ORDER BY ${join(order.map(ident))}`);
    out[name] = rows.map((row) => {
      const { ingested_at_ms: _ingested, ...rest } = row;
      return rest;
    });
  }
  return out;
}

/**
 * Equal rows, where non-integer numbers may differ by a relative 1e-12: ClickHouse 18.16's text
 * input parser rounds some doubles to a neighbouring one (DuckDB and current servers are exact).
 * Whatever the backend, the same input always gives the same stored value.
 */
export function expectSameRows(
  actual: readonly Record<string, unknown>[],
  expected: readonly Record<string, unknown>[],
  what: string,
): void {
  expect(actual.length, `${what}: rows`).toBe(expected.length);
  const close = (a: unknown, b: unknown) =>
    a === b ||
    (typeof a === "number" &&
      typeof b === "number" &&
      Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));
  const differing = actual.flatMap((row, i) =>
    [...new Set([...Object.keys(row), ...Object.keys(expected[i] ?? {})])]
      .filter((k) => !close(row[k], expected[i]?.[k]))
      .map((k) => `${what} row ${i} ${k}: ${String(row[k])} != ${String(expected[i]?.[k])}`),
  );
  expect(differing.slice(0, 10), `${differing.length} differing values`).toEqual([]);
}

/** Columns a replay may rewrite (wall-clock times); left out of digests and snapshots. */
const REPLAY_COLUMNS = new Set(["ingested_at_ms", "materialized_at_ms"]);

/**
 * ClickHouse only: per table and view of `snapshot`, the row count and a hash of every row
 * (ingest times aside), computed on the server. Equal digests mean identical query results,
 * without pulling a full-scale run's hundreds of thousands of rows into the test.
 */
export async function tableDigests(wh: Warehouse): Promise<Record<string, { n: number; h: string }>> {
  // Straight after the load, with whatever parts the sinks left unmerged: the `FINAL` reads are
  // the product's own (bounded per-part buffers, sinks/clickhouse/options.ts).
  const out: Record<string, { n: number; h: string }> = {};
  // Views over big tables are hashed on their key and derived columns only (the rest is the
  // underlying table's, hashed in full): hashing every column of silver_clickstream's plan join
  // would need gigabytes on the server.
  const sources: [string, "latest" | "view", string[]?][] = [
    ["bronze_clickstream", "latest"],
    ["bronze_billing", "latest"],
    ["bronze_rejects", "view", ["topic", "kafka_partition", "kafka_offset", "parse_error_code"]],
    ["silver_clickstream_events", "latest"],
    ["silver_clickstream", "view", ["customer_id", "event_id", "plan"]],
    ["silver_billing", "latest"],
    ["gold_churn_labels", "latest"],
    ["gold_churn_scores", "latest"],
    ["gold_customer_daily", "view"],
    ["gold_training_set", "view", ["day", "customer_id", "horizon_days", "label", "label_complete"]],
    ["gold_customer_360", "view"],
  ];
  for (const [name, from, only] of sources) {
    const columns =
      only ??
      (
        await wh.query<{ name: string }>(
          sql`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ${name} ORDER BY name`,
        )
      ).map((c) => c.name);
    const hashed = columns
      .filter((c) => !REPLAY_COLUMNS.has(c))
      .map((c) => sql`ifNull(toString(${ident(c)}), ${"NULL"})`);
    const source = from === "latest" ? wh.latest(name) : ident(name);
    const [row] = await wh.query<{ n: number; h: string }>(
      sql`SELECT count() AS n, toString(sum(cityHash64(${join(hashed)}))) AS h FROM ${source}`,
    );
    out[name] = { n: Number(row?.n), h: String(row?.h) };
  }
  return out;
}

/**
 * The largest peak memory of the SELECTs a server ran since `sinceMs` (system.query_log, which
 * the local stack's servers keep), and the parts of the database's largest table by part count.
 */
export async function queryMemory(
  clickhouse: { url: string; database: string },
  sinceMs: number,
): Promise<{ peakBytes: number; failed: number; query: string; parts: number; table: string }> {
  const client = createClient({
    url: clickhouse.url,
    database: clickhouse.database,
    request_timeout: 60_000,
  });
  const rows = async <T>(query: string) =>
    (await (await client.query({ query, format: "JSONEachRow" })).json()) as T[];
  try {
    await client.command({ query: "SYSTEM FLUSH LOGS" });
    const since = Math.floor(sinceMs / 1000);
    // Aliases are query-wide on ClickHouse: none may shadow a column the WHERE reads.
    const [peak] = await rows<{ peak: string; failed: string; top: string }>(
      `SELECT max(memory_usage) AS peak, countIf(type != 2) AS failed,
         substring(argMax(query, memory_usage), 1, 120) AS top
       FROM system.query_log
       WHERE type != 1 AND event_time >= toDateTime(${since}) AND query LIKE 'SELECT%'`,
    );
    const [parts] = await rows<{ table: string; parts: string }>(
      `SELECT table, count() AS parts FROM system.parts WHERE database = currentDatabase() AND active
       GROUP BY table ORDER BY parts DESC LIMIT 1`,
    );
    return {
      peakBytes: Number(peak?.peak ?? 0),
      failed: Number(peak?.failed ?? 0),
      query: String(peak?.top ?? ""),
      parts: Number(parts?.parts ?? 0),
      table: String(parts?.table ?? ""),
    };
  } finally {
    await client.close();
  }
}
