import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { Consumer, EventLog } from "../../../core/eventlog/ports.js";
import { valueSubject } from "../../../schemas/catalog.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { compileSinksOptions, startSinks } from "../../../sinks/runner/index.js";
import { waitDrained } from "./drain.js";
import {
  click,
  FlakyWarehouse,
  produceClicks,
  produceFixture,
  T0,
  uniqueTopics,
  waitFor,
} from "./fixtures.js";
import { count, snapshot } from "./tables.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return Number.NaN;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe("sink runner", () => {
  it("pauses, retries with backoff and catches up when the warehouse is down; memory stays bounded", async () => {
    const log = createMemoryEventLog();
    const schemaRegistry = createMemorySchemaRegistry();
    const wh = new FlakyWarehouse(createDuckDbWarehouse({ path: ":memory:" }));
    cleanup.push(
      () => wh.close(),
      () => log.close(),
    );
    const topics = uniqueTopics();
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 3 })));
    const registry = new Registry();
    const options = compileSinksOptions({
      topics,
      groupIdPrefix: "flaky",
      batchMaxRecords: 200,
      fetchMaxRecords: 100,
      batchMaxWaitMs: 10,
      lagIntervalMs: 100,
      retry: { initialBackoffMs: 10, maxBackoffMs: 80, jitter: 0 },
    });
    const sinks = await startSinks(
      ["bronze"],
      { log, warehouse: wh, schemaRegistry, metrics: { registry } },
      options,
    );
    cleanup.push(() => sinks.stop());
    const runner = sinks.runners.get("bronze")!;

    wh.down = true;
    await produceClicks(log, schemaRegistry, topics.clickstream, 3_000);
    await waitFor("the runner to pause", () => runner.paused);
    await waitFor("a few retries", () => wh.failed >= 4);
    // One batch plus at most one fetch per partition is held; the rest waits on the log.
    let maxBuffered = 0;
    for (let i = 0; i < 20; i++) {
      maxBuffered = Math.max(maxBuffered, runner.bufferedRecords);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(200 + 3 * 100);
    expect(await metricValue(registry, "churnstream_sink_paused", { sink: "bronze" })).toBe(1);
    await waitFor(
      "the lag metric",
      async () => (await metricValue(registry, "churnstream_sink_lag_records")) === 3_000,
    );
    expect(
      await metricValue(registry, "churnstream_sink_retries_total", { code: "CHURN_SINK_UNAVAILABLE" }),
    ).toBeGreaterThanOrEqual(4);
    expect(await count(wh.inner, "latest", "bronze_clickstream")).toBe(0);

    wh.down = false;
    await waitDrained(log, { "flaky-bronze": [topics.clickstream] });
    expect(runner.paused).toBe(false);
    expect(await count(wh.inner, "latest", "bronze_clickstream")).toBe(3_000);
    await waitFor(
      "the lag metric to fall",
      async () => (await metricValue(registry, "churnstream_sink_lag_records")) === 0,
    );
    expect(await metricValue(registry, "churnstream_sink_paused", { sink: "bronze" })).toBe(0);
    expect(await metricValue(registry, "churnstream_sink_records_total", { topic: topics.clickstream })).toBe(
      3_000,
    );
  });

  it("on stop, writes and commits what it holds before leaving the group", async () => {
    const log = createMemoryEventLog();
    const schemaRegistry = createMemorySchemaRegistry();
    const wh = createDuckDbWarehouse({ path: ":memory:" });
    cleanup.push(
      () => wh.close(),
      () => log.close(),
    );
    const topics = uniqueTopics();
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 2 })));
    const options = compileSinksOptions({ topics, batchMaxWaitMs: 600_000 });
    const sinks = await startSinks(["bronze"], { log, warehouse: wh, schemaRegistry }, options);
    await produceClicks(log, schemaRegistry, topics.clickstream, 25);
    const runner = sinks.runners.get("bronze")!;
    await waitFor("the records to be buffered", () => runner.bufferedRecords === 25);
    expect(await count(wh, "latest", "bronze_clickstream")).toBe(0);
    await sinks.stop();
    await expect(sinks.done).resolves.toBeUndefined();
    expect(await count(wh, "latest", "bronze_clickstream")).toBe(25);
    const committed = await log.admin().committedOffsets("churnstream-sink-bronze", topics.clickstream);
    expect([...committed.values()].reduce((a, b) => a + b, 0)).toBe(25);
  });

  it("backs off exponentially between attempts, up to the bound", async () => {
    const log = createMemoryEventLog();
    const schemaRegistry = createMemorySchemaRegistry();
    const wh = new FlakyWarehouse(createDuckDbWarehouse({ path: ":memory:" }));
    cleanup.push(
      () => wh.close(),
      () => log.close(),
    );
    const topics = uniqueTopics();
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const options = compileSinksOptions({
      topics,
      batchMaxWaitMs: 5,
      retry: { initialBackoffMs: 20, maxBackoffMs: 160, multiplier: 2, jitter: 0 },
    });
    const sinks = await startSinks(["bronze"], { log, warehouse: wh, schemaRegistry }, options);
    cleanup.push(() => sinks.stop());
    const attempts: number[] = [];
    const insert = wh.insert.bind(wh);
    wh.insert = async (table, rows) => {
      attempts.push(performance.now());
      return insert(table, rows);
    };
    wh.failInserts(6);
    await produceClicks(log, schemaRegistry, topics.clickstream, 10);
    await waitDrained(log, { "churnstream-sink-bronze": [topics.clickstream] });
    expect(attempts).toHaveLength(7);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // 20, 40, 80, 160, 160, 160 ms (timers may fire late, never early).
    const planned = [20, 40, 80, 160, 160, 160];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(planned[i]! - 2);
      expect(gap).toBeLessThan(planned[i]! + 150);
    });
    expect(await count(wh.inner, "latest", "bronze_clickstream")).toBe(10);
  });

  it("dead-letters a valid event the warehouse cannot store and writes the rest of the batch", async () => {
    const log = createMemoryEventLog();
    const schemaRegistry = createMemorySchemaRegistry();
    const wh = new FlakyWarehouse(createDuckDbWarehouse({ path: ":memory:" }));
    cleanup.push(
      () => wh.close(),
      () => log.close(),
    );
    const topics = uniqueTopics();
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const codec = new AvroCodec(schemaRegistry);
    const id = await codec.schemaIdFor(valueSubject(topics.clickstream), "ClickEvent");
    // Valid (after 2000, not after its log time) but in 2150: beyond the Date range of both backends.
    const far = click("cu-1", Date.UTC(2150, 0, 1));
    const near = click("cu-1", T0);
    const producer = log.producer();
    await producer.send(topics.clickstream, [
      { key: "cu-1", value: codec.encode("ClickEvent", id, near), timestamp: T0 },
      { key: "cu-1", value: codec.encode("ClickEvent", id, far), timestamp: far.ts },
    ]);
    await producer.close();
    const sinks = await startSinks(
      ["silver"],
      { log, warehouse: wh, schemaRegistry },
      compileSinksOptions({ topics, batchMaxWaitMs: 5 }),
    );
    cleanup.push(() => sinks.stop());
    await waitDrained(log, { "churnstream-sink-silver": [topics.clickstream] });
    expect(await count(wh.inner, "latest", "silver_clickstream_events")).toBe(1);
    const [letter] = (await log.admin().endOffsets(topics.deadLetters)).values();
    expect(letter).toBe(1);
    const reader = log.consumer({ groupId: "dlq" });
    const codes: string[] = [];
    await reader.subscribe([topics.deadLetters]);
    await reader.run({
      eachBatch: async (batch) => {
        for (const r of batch.records)
          codes.push((await codec.decode("DeadLetter", r.value)).value.reason_code);
      },
    });
    await waitFor("the dead letter", () => codes.length === 1);
    await reader.close();
    expect(codes).toEqual(["CHURN_SINK_BAD_VALUE"]);
  });

  it.each(["commit", "insert"] as const)(
    "a crash at the %s of a batch replays it without duplicates or losses in query results",
    async (killAt) => {
      const schemaRegistry = createMemorySchemaRegistry();
      const log = createMemoryEventLog();
      const topics = uniqueTopics();
      const expected = await produceFixture(log, schemaRegistry, topics);
      cleanup.push(() => log.close());
      const options = compileSinksOptions({
        topics,
        batchMaxRecords: 10,
        fetchMaxRecords: 5,
        batchMaxWaitMs: 5,
      });

      // Reference: a run without a crash, into its own warehouse.
      const reference = createDuckDbWarehouse({ path: ":memory:" });
      cleanup.push(() => reference.close());
      const clean = await startSinks(
        ["bronze", "silver", "gold"],
        { log, warehouse: reference, schemaRegistry },
        {
          ...options,
          groupIdPrefix: "clean",
        },
      );
      await waitDrained(log, {
        "clean-bronze": [topics.clickstream, topics.billing],
        "clean-silver": [topics.clickstream, topics.billing],
        "clean-gold": [topics.billing, topics.scores],
      });
      await clean.flush();
      await clean.stop();

      // The crashing run dies for good at its fourth commit, or at its fourth insert.
      const wh = new FlakyWarehouse(createDuckDbWarehouse({ path: ":memory:" }));
      cleanup.push(() => wh.close());
      let commits = 0;
      const crashing = killAt === "commit" ? crashAfterCommits(log, 3, () => commits++) : log;
      if (killAt === "insert") {
        const insert = wh.insert.bind(wh);
        let inserts = 0;
        wh.insert = async (table, rows) => {
          if (++inserts > 3) throw new Error("killed during the insert");
          return insert(table, rows);
        };
      }
      const first = await startSinks(
        ["bronze", "silver"],
        { log: crashing, warehouse: wh, schemaRegistry },
        options,
      );
      await expect(first.done).rejects.toThrow(/killed/);
      await first.stop();
      expect(await count(wh.inner, "latest", "bronze_clickstream")).toBeLessThan(expected.bronzeClickstream);

      const second = await startSinks(
        ["bronze", "silver", "gold"],
        { log, warehouse: wh.inner, schemaRegistry },
        options,
      );
      await waitDrained(log, {
        "churnstream-sink-bronze": [topics.clickstream, topics.billing],
        "churnstream-sink-silver": [topics.clickstream, topics.billing],
        "churnstream-sink-gold": [topics.billing, topics.scores],
      });
      await second.flush();
      await second.stop();
      expect(await count(wh.inner, "latest", "bronze_clickstream")).toBe(expected.bronzeClickstream);
      expect(await snapshot(wh.inner)).toEqual(await snapshot(reference));
    },
  );
});

/** An event log whose consumers' commits throw (non-retryable) after `allowed` of them. */
function crashAfterCommits(log: EventLog, allowed: number, onCommit: () => number): EventLog {
  return {
    backend: log.backend,
    admin: () => log.admin(),
    producer: () => log.producer(),
    close: () => log.close(),
    consumer(options) {
      const inner = log.consumer(options);
      const wrapped: Consumer = Object.create(inner);
      wrapped.commit = async (offsets) => {
        if (onCommit() >= allowed) throw new Error("killed between insert and commit");
        return inner.commit(offsets);
      };
      for (const name of [
        "subscribe",
        "run",
        "seek",
        "assignment",
        "pause",
        "resume",
        "stopped",
        "close",
      ] as const) {
        (wrapped as unknown as Record<string, unknown>)[name] = (
          inner[name] as (...a: unknown[]) => unknown
        ).bind(inner);
      }
      return wrapped;
    },
  };
}
