import { afterEach, describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { compileSinksOptions, type RunningSinks, startSinks } from "../../../sinks/runner/index.js";
import { ident, sql } from "../../../sinks/sql.js";
import { waitDrained } from "./drain.js";
import { DAY_MS, produceFixture, produceScores, score, T0, uniqueTopics } from "./fixtures.js";
import { expectFixtureTables, offlineDaily, snapshot, storedDaily } from "./tables.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup() {
  const log = createMemoryEventLog();
  const registry = createMemorySchemaRegistry();
  const wh = createDuckDbWarehouse({ path: ":memory:" });
  cleanup.push(
    () => wh.close(),
    () => log.close(),
  );
  const topics = uniqueTopics();
  const expected = await produceFixture(log, registry, topics);
  await produceScores(
    log,
    registry,
    topics.scores,
    [
      score("cu-a", T0 + 4 * DAY_MS, { score: 0.9, risk_band: "CRITICAL" }),
      score("cu-a", T0 + 3 * DAY_MS, { score: 0.2, risk_band: "LOW" }),
      score("cu-c", T0 + 4 * DAY_MS, { score: 0.6, risk_band: "HIGH", model_version: "m2", shadow: true }),
    ],
    [Buffer.from("junk")],
  );
  return { log, registry, wh, topics, expected };
}

async function run(
  log: EventLog,
  wh: Warehouse,
  registry: ReturnType<typeof createMemorySchemaRegistry>,
  topics: ReturnType<typeof uniqueTopics>,
  prefix: string,
): Promise<RunningSinks> {
  const options = compileSinksOptions({
    topics,
    groupIdPrefix: prefix,
    batchMaxWaitMs: 20,
    gold: { materializeIntervalMs: 60_000 },
  });
  const sinks = await startSinks(
    ["bronze", "silver", "gold"],
    { log, warehouse: wh, schemaRegistry: registry },
    options,
  );
  await waitDrained(log, {
    [`${prefix}-bronze`]: [topics.clickstream, topics.billing],
    [`${prefix}-silver`]: [topics.clickstream, topics.billing],
    [`${prefix}-gold`]: [topics.billing, topics.scores],
  });
  await sinks.flush();
  return sinks;
}

describe("sinks on the embedded backends (memory log, DuckDB)", () => {
  it("fills bronze, silver and gold, with rejects and dead letters, exactly once", async () => {
    const { log, registry, wh, topics, expected } = await setup();
    const sinks = await run(log, wh, registry, topics, "g1");
    await expectFixtureTables(wh, expected);

    // Dead letters: the silver sink's six rejects and the gold sink's junk score.
    const codec = new AvroCodec(registry);
    const ends = await log.admin().endOffsets(topics.deadLetters);
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(expected.deadLetters + 1);
    const seen: string[] = [];
    const reader = log.consumer({ groupId: "dlq-reader" });
    await reader.subscribe([topics.deadLetters]);
    await reader.run({
      eachBatch: async (batch) => {
        for (const r of batch.records) {
          const { value } = await codec.decode("DeadLetter", r.value);
          seen.push(`${value.stage}:${value.reason_code}`);
        }
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await reader.close();
    expect(seen.sort()).toEqual([
      "sink-gold:CHURN_WIRE_TRUNCATED",
      "sink-silver:CHURN_PROC_INVALID_EVENT",
      "sink-silver:CHURN_PROC_KEY_MISMATCH",
      "sink-silver:CHURN_SCHEMA_NOT_FOUND",
      "sink-silver:CHURN_WIRE_BAD_MAGIC",
      "sink-silver:CHURN_WIRE_DECODE_FAILED",
      "sink-silver:CHURN_WIRE_TRUNCATED",
    ]);

    // gold_customer_daily: days 0..3 closed (day 4 ends after the watermark), the feature
    // module applied offline to the same valid events gives the same rows.
    const stored = await storedDaily(wh);
    expect(stored.map((r) => `${r.day} ${r.customer_id}`)).toEqual([
      "2025-03-01 cu-a",
      "2025-03-01 cu-b",
      "2025-03-01 cu-c",
      "2025-03-02 cu-a",
      "2025-03-02 cu-b",
      "2025-03-02 cu-c",
      "2025-03-03 cu-a",
      "2025-03-03 cu-c",
      "2025-03-04 cu-a",
      "2025-03-04 cu-c",
    ]);
    expect(stored).toEqual(offlineDaily(expected, Math.floor(T0 / DAY_MS) + 3));
    expect(stored.find((r) => r.customer_id === "cu-a" && r.day === "2025-03-02")).toMatchObject({
      plan: "PRO",
      page_views_7d: 2,
      active_days_30d: 2,
      clicks_day: 3,
    });

    // Scores and the marketing view.
    const scores = await wh.query(
      sql`SELECT customer_id, score, shadow, top_reasons FROM ${wh.latest("gold_churn_scores")} ORDER BY customer_id, scored_at_ts_ms`,
    );
    expect(scores).toEqual([
      { customer_id: "cu-a", score: 0.2, shadow: 0, top_reasons: "errors_7d" },
      { customer_id: "cu-a", score: 0.9, shadow: 0, top_reasons: "errors_7d" },
      { customer_id: "cu-c", score: 0.6, shadow: 1, top_reasons: "errors_7d" },
    ]);
    const c360 = await wh.query(
      sql`SELECT customer_id, plan, score, risk_band, has_score, churned FROM ${ident("gold_customer_360")} ORDER BY customer_id`,
    );
    expect(c360).toEqual([
      { customer_id: "cu-a", plan: "PRO", score: 0.9, risk_band: "CRITICAL", has_score: 1, churned: 0 },
      { customer_id: "cu-b", plan: "BASIC", score: 0, risk_band: "", has_score: 0, churned: 1 },
      { customer_id: "cu-c", plan: "BASIC", score: 0, risk_band: "", has_score: 0, churned: 0 },
    ]);
    const training = await wh.query(
      sql`SELECT day, customer_id, label, label_complete, horizon_days FROM ${ident("gold_training_set")} WHERE customer_id = ${"cu-b"} ORDER BY day`,
    );
    expect(training).toEqual([
      { day: "2025-03-01", customer_id: "cu-b", label: 1, label_complete: 0, horizon_days: 30 },
      { day: "2025-03-02", customer_id: "cu-b", label: 1, label_complete: 0, horizon_days: 30 },
    ]);

    // A replay of every record by new groups (as after losing every commit) changes nothing.
    const before = await snapshot(wh);
    await sinks.stop();
    const again = await run(log, wh, registry, topics, "g2");
    await again.stop();
    expect(await snapshot(wh)).toEqual(before);
  });
});

describe("startSinks while the warehouse cannot be migrated", () => {
  it("retries a retryable failure until the caller stops, then throws the last error", async () => {
    const log = createMemoryEventLog();
    const wh = createDuckDbWarehouse({ path: ":memory:" });
    cleanup.push(
      () => wh.close(),
      () => log.close(),
    );
    let attempts = 0;
    const unreachable = Object.create(wh) as Warehouse;
    unreachable.migrate = async () => {
      attempts++;
      throw new ChurnError("CHURN_SINK_UNAVAILABLE", "the warehouse is down", { retryable: true });
    };
    const options = compileSinksOptions({
      topics: uniqueTopics(),
      retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    const started = startSinks(
      ["bronze"],
      {
        log,
        warehouse: unreachable,
        schemaRegistry: createMemorySchemaRegistry(),
        stopped: () => attempts >= 3,
      },
      options,
    );
    await expect(started).rejects.toMatchObject({ code: "CHURN_SINK_UNAVAILABLE" });
    expect(attempts).toBe(3);
  });
});
