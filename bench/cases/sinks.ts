/**
 * Warehouse sink throughput: rows/s inserted per product table on DuckDB and ClickHouse, with
 * rows shaped as the sinks build them (batches of `sinks.batchMaxRecords`), and the bronze +
 * silver sinks end to end on the embedded backends (memory log → DuckDB).
 */
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { createMemoryEventLog } from "../../core/eventlog/index.js";
import type { LogRecord } from "../../core/eventlog/ports.js";
import { valueSubject } from "../../schemas/catalog.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { ClickEvent } from "../../schemas/types.js";
import { bronzeRow } from "../../sinks/bronze/index.js";
import { createClickHouseWarehouse } from "../../sinks/clickhouse/index.js";
import { createDuckDbWarehouse } from "../../sinks/duckdb/index.js";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../sinks/gold/daily/features.js";
import { churnScoreRow, DailyFold } from "../../sinks/gold/index.js";
import type { Row, Warehouse } from "../../sinks/ports.js";
import { compileSinksOptions, startSinks } from "../../sinks/runner/index.js";
import { silverClickRow } from "../../sinks/silver/index.js";
import { SINK_MIGRATIONS } from "../../sinks/tables/index.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";

const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

function clickAt(i: number): ClickEvent {
  return {
    event_id: `ev-${i.toString(36)}-${(i * 7919).toString(36)}`,
    customer_id: `cu-${(i % 5_000).toString().padStart(6, "0")}`,
    ts: T0 + i * 500,
    session_id: `ss-${Math.floor(i / 20)}`,
    type: i % 5 === 0 ? "FEATURE_USE" : "PAGE_VIEW",
    page: "/app/reports/weekly",
    feature: i % 5 === 0 ? "reports" : null,
    duration_ms: 1_000 + (i % 3_000),
    device: "DESKTOP",
    country: "DE",
  };
}

/** Rows per table as the sinks build them. */
export async function tableRows(n: number): Promise<Map<string, Row[]>> {
  const codec = new AvroCodec(createMemorySchemaRegistry());
  const id = await codec.schemaIdFor(valueSubject("clickstream.v1"), "ClickEvent");
  const bronze: Row[] = [];
  const silver: Row[] = [];
  const scores: Row[] = [];
  for (let i = 0; i < n; i++) {
    const event = clickAt(i);
    const value = codec.encode("ClickEvent", id, event);
    const record: LogRecord = {
      topic: "clickstream.v1",
      partition: i % 6,
      offset: Math.floor(i / 6),
      key: Buffer.from(event.customer_id),
      value,
      timestamp: event.ts,
      headers: {},
    };
    bronze.push(bronzeRow(record, { schemaId: id, decoded: event, rejection: null }, Date.now()));
    silver.push(silverClickRow(event, record, id, Date.now()));
    scores.push(
      churnScoreRow(
        {
          customer_id: event.customer_id,
          score: (i % 1000) / 1000,
          risk_band: "MEDIUM",
          model_version: "m1",
          shadow: false,
          features_as_of_ts: event.ts,
          scored_at_ts: event.ts + 10,
          reasons: [
            { feature: "errors_7d", value: 3, contribution: 0.4 },
            { feature: "sessions_7d", value: 1, contribution: 0.2 },
          ],
        },
        record,
        Date.now(),
      ),
    );
  }
  // gold_customer_daily_rows: n / 5000 days of 5000 customers, from the feature module.
  const fold = new DailyFold(FEATURES_PROCESSOR_DEFAULTS, Math.floor(T0 / DAY));
  const closed: Parameters<DailyFold["push"]>[1] = [];
  const customers = 5_000;
  const days = Math.max(1, Math.floor(n / customers));
  for (let d = 0; d < days; d++) {
    for (let c = 0; c < customers; c++) {
      fold.push(
        { kind: "clickstream", event: { ...clickAt(c), ts: T0 + d * DAY + c * 10, event_id: `d${d}-${c}` } },
        closed,
      );
    }
  }
  fold.closeThrough(Math.floor(T0 / DAY) + days - 1, closed);
  return new Map([
    ["bronze_clickstream", bronze],
    ["silver_clickstream_events", silver],
    ["gold_churn_scores", scores],
    ["gold_customer_daily_rows", closed.flatMap((day) => day.rows)],
  ]);
}

async function measureInserts(wh: Warehouse, n: number, batch: number): Promise<CaseMeasurement> {
  await wh.migrate(SINK_MIGRATIONS);
  const perTable: Record<string, number> = {};
  let rowsTotal = 0;
  let secondsTotal = 0;
  const data = await tableRows(n);
  // Warm-up (JIT, connections) on one batch per table, untimed: the first table measured would
  // otherwise pay for it. The timed inserts then replace these rows (same keys).
  for (const [table, rows] of data) await wh.insert(table, rows.slice(0, Math.min(batch, 2_000)));
  for (const [table, rows] of data) {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) await wh.insert(table, rows.slice(i, i + batch));
    const seconds = (performance.now() - started) / 1000;
    perTable[`${table}_rows_per_s`] = Math.round(rows.length / seconds);
    rowsTotal += rows.length;
    secondsTotal += seconds;
  }
  return { events: rowsTotal, seconds: secondsTotal, extra: perTable };
}

const params = (quick: boolean) => ({ rows: quick ? 20_000 : 200_000, batch: 20_000 });

export const sinksCases: readonly BenchCase[] = [
  {
    id: "sinks.insert.duckdb",
    backend: "duckdb",
    description: "rows/s per table into an in-memory DuckDB (rows as the sinks build them)",
    params,
    async run(p) {
      const wh = createDuckDbWarehouse({ path: ":memory:" });
      try {
        return await measureInserts(wh, Number(p.rows), Number(p.batch));
      } finally {
        await wh.close();
      }
    },
  },
  {
    id: "sinks.insert.clickhouse",
    backend: "clickhouse",
    description:
      "rows/s per table into ClickHouse (CHURNSTREAM_BENCH_CLICKHOUSE_URL, default 127.0.0.1:8123)",
    params,
    async run(p) {
      const url = process.env.CHURNSTREAM_BENCH_CLICKHOUSE_URL ?? "http://127.0.0.1:8123";
      const database = `churnstream_bench_${randomBytes(4).toString("hex")}`;
      const wh = createClickHouseWarehouse({ url, database, requestTimeoutMs: 120_000 });
      try {
        return await measureInserts(wh, Number(p.rows), Number(p.batch));
      } finally {
        await wh.close();
        const client = createClient({ url });
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
        await client.close();
      }
    },
  },
  {
    id: "sinks.pipeline.embedded",
    backend: "embedded",
    description: "bronze + silver sinks end to end: memory log → DuckDB, records/s",
    params: (quick) => ({ records: quick ? 20_000 : 200_000 }),
    async run(p) {
      const n = Number(p.records);
      const log = createMemoryEventLog();
      const registry = createMemorySchemaRegistry();
      const wh = createDuckDbWarehouse({ path: ":memory:" });
      const codec = new AvroCodec(registry);
      const topics = {
        clickstream: "bench-clickstream",
        billing: "bench-billing",
        scores: "bench-scores",
        deadLetters: "bench-dlq",
      };
      await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 6 })));
      const id = await codec.schemaIdFor(valueSubject(topics.clickstream), "ClickEvent");
      const producer = log.producer();
      for (let i = 0; i < n; i += 10_000) {
        const events = Array.from({ length: Math.min(10_000, n - i) }, (_, k) => clickAt(i + k));
        await producer.send(
          topics.clickstream,
          events.map((e) => ({
            key: e.customer_id,
            value: codec.encode("ClickEvent", id, e),
            timestamp: e.ts,
          })),
        );
      }
      await producer.close();
      const options = compileSinksOptions({ topics, batchMaxWaitMs: 100 });
      const started = performance.now();
      const sinks = await startSinks(
        ["bronze", "silver"],
        { log, warehouse: wh, schemaRegistry: registry },
        options,
      );
      const admin = log.admin();
      for (;;) {
        const done = await Promise.all(
          ["bronze", "silver"].map(async (s) => {
            const committed = await admin.committedOffsets(`churnstream-sink-${s}`, topics.clickstream);
            return [...committed.values()].reduce((a, b) => a + b, 0) === n;
          }),
        );
        if (done.every(Boolean)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      await sinks.stop();
      await Promise.all([wh.close(), log.close()]);
      return { events: n, seconds, extra: { rows_written: 2 * n } };
    },
  },
];
