import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createMemoryFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import {
  compileFeaturesProcessorOptions,
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
  type FeaturesRunner,
  type RunnerHooks,
} from "../../../processors/features/index.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import { metricValue } from "../../core/featurestore/support.js";
import { expectStoreEquals, readTopic, referenceHashes, waitForCommitted } from "./harness.js";
import { produceWithSimulator, simulate } from "./simulated.js";

const PARTITIONS = 3;
const TOPICS = { clickstream: "clicks", billing: "bills", features: "features", deadLetters: "dlq" };
const SIMULATION = { customers: 150, days: 8, seed: 11, partitions: PARTITIONS };
const RECORDS = simulate(SIMULATION);

interface Stack {
  log: EventLog;
  store: FeatureStore;
  registry: SchemaRegistry;
  codec: AvroCodec;
}

const open: Stack[] = [];
const runners: FeaturesRunner[] = [];

async function stack(): Promise<Stack> {
  const log = createMemoryEventLog();
  const registry = createMemorySchemaRegistry();
  const s = {
    log,
    store: createMemoryFeatureStore({ ttlSeconds: 0 }),
    registry,
    codec: new AvroCodec(registry),
  };
  await log.admin().createTopics(Object.values(TOPICS).map((name) => ({ name, partitions: PARTITIONS })));
  await produceWithSimulator(log, registry, TOPICS, SIMULATION);
  open.push(s);
  return s;
}

function options(extra: FeaturesProcessorOptionsInput = {}) {
  return compileFeaturesProcessorOptions({
    groupId: "features-test",
    topics: TOPICS,
    maxBatchRecords: 300,
    maxBufferedRecords: 3_000,
    idleTimeoutMs: 0,
    checkpointIntervalMs: 0,
    ...extra,
  });
}

function runner(
  s: Stack,
  extra: FeaturesProcessorOptionsInput = {},
  hooks: RunnerHooks = {},
  registry?: Registry,
): FeaturesRunner {
  const r = createFeaturesRunner(options(extra), {
    log: s.log,
    store: s.store,
    schemaRegistry: s.registry,
    hooks,
    ...(registry ? { metrics: { registry } } : {}),
  });
  runners.push(r);
  return r;
}

async function runToEnd(
  s: Stack,
  extra: FeaturesProcessorOptionsInput = {},
  registry?: Registry,
): Promise<void> {
  const r = runner(s, extra, {}, registry);
  await r.start();
  await waitForCommitted(s.log, options(extra).groupId, [TOPICS.clickstream, TOPICS.billing]);
  await r.stop();
}

afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
  await Promise.allSettled(
    open.splice(0).flatMap((s) => [s.log.close(), s.store.close(), s.registry.close()]),
  );
});

describe("features runner on the embedded backends", () => {
  it("writes exactly the offline replay's features and dead-letters rejected and late records", async () => {
    const s = await stack();
    const metrics = new Registry();
    await runToEnd(s, {}, metrics);
    const reference = await referenceHashes(s.log, s.registry, options());
    await expectStoreEquals(s.store, reference.hashes);
    const dlq = [...(await readTopic(s.log, TOPICS.deadLetters)).values()].flat();
    expect(reference.rejected).toBeGreaterThan(0);
    expect(reference.late).toBeGreaterThan(0);
    expect(dlq).toHaveLength(reference.rejected + reference.late);
    const letters = await Promise.all(
      dlq.map(async (r) => (await s.codec.decode("DeadLetter", r.value)).value),
    );
    const reasons = new Set(letters.map((l) => l.reason_code));
    for (const code of ["CHURN_PROC_LATE_EVENT", "CHURN_PROC_INVALID_EVENT", "CHURN_SCHEMA_NOT_FOUND"])
      expect(reasons).toContain(code);
    expect(letters.every((l) => l.stage === "features" && l.value !== null)).toBe(true);
    const features = [...(await readTopic(s.log, TOPICS.features)).values()].flat();
    const last = new Map<string, Record<string, unknown>>();
    for (const r of features)
      last.set(r.key!.toString(), { ...(await s.codec.decode("CustomerFeatures", r.value)).value });
    expect(last.size).toBe(reference.hashes.size);
    const metric = (name: string, labels: Record<string, string> = {}) =>
      metricValue(metrics, `churnstream_features_${name}`, labels);
    expect(await metric("late_events_total", { topic: TOPICS.clickstream })).toBeGreaterThan(0);
    expect(await metric("dlq_records_total", { reason: "CHURN_PROC_LATE_EVENT" })).toBe(reference.late);
    expect(await metric("records_consumed_total", { topic: TOPICS.billing })).toBeGreaterThan(0);
    expect(await metric("checkpoints_total")).toBeGreaterThan(0);
    expect(await metric("state_customers", { partition: "0", tier: "active" })).toBeGreaterThan(0);
    expect(await metric("consumer_lag_records", { partition: "1", topic: TOPICS.clickstream })).toBe(0);
  });

  it("pauses a topic whose buffer is full and still gives the same features", async () => {
    const s = await stack();
    await runToEnd(s, { maxBatchRecords: 40, maxBufferedRecords: 40 });
    await expectStoreEquals(
      s.store,
      (await referenceHashes(s.log, s.registry, options({ maxBatchRecords: 40 }))).hashes,
    );
  });

  it.each([
    ["after the effects, before the checkpoint", "afterEffects", 0],
    ["after the checkpoint, before the commit", "afterCheckpoint", 0],
    ["after the effects, with interval checkpoints", "afterEffects", 1_000_000],
  ] as const)("gives the same features after a crash %s", async (_, hook, checkpointIntervalMs) => {
    const s = await stack();
    let batches = 0;
    const crash = () => {
      if (++batches === 9) throw new Error("simulated crash");
    };
    const crashing = runner(s, { checkpointIntervalMs }, { [hook]: crash });
    await crashing.start();
    await expect(crashing.stopped()).rejects.toThrow("simulated crash");
    // The crashed process is gone: nothing it held in memory survives, its checkpoints do.
    await runToEnd(s, { checkpointIntervalMs: 0 });
    await expectStoreEquals(s.store, (await referenceHashes(s.log, s.registry, options())).hashes);
  });

  it("gives the same features when a second instance joins and then leaves", async () => {
    const s = await stack();
    const batches = [0, 0];
    const slow = (i: number): RunnerHooks => ({
      afterEffects: async () => {
        batches[i]!++;
        await sleep(3);
      },
    });
    const first = runner(s, {}, slow(0));
    await first.start();
    await sleep(60);
    const second = runner(s, {}, slow(1));
    await second.start();
    await sleep(60);
    expect(first.status().length + second.status().length).toBe(PARTITIONS);
    expect(second.status().length).toBeGreaterThan(0);
    await second.stop();
    const deadline = Date.now() + 5_000;
    while (first.status().length < PARTITIONS && Date.now() < deadline) await sleep(10);
    expect(first.status().map((p) => p.partition)).toEqual([0, 1, 2]);
    await waitForCommitted(s.log, "features-test", [TOPICS.clickstream, TOPICS.billing]);
    await first.stop();
    // Both instances did part of the work, and the first finished after the rebalance.
    expect(batches[1]).toBeGreaterThan(0);
    expect(batches[0]).toBeGreaterThan(batches[1]!);
    await expectStoreEquals(s.store, (await referenceHashes(s.log, s.registry, options())).hashes);
  });

  it("advances an idle partition's clock to the instance's newest event time", async () => {
    const s = await stack();
    const r = runner(s, { idleTimeoutMs: 50 });
    await r.start();
    await waitForCommitted(s.log, "features-test", [TOPICS.clickstream, TOPICS.billing]);
    const producer = s.log.producer();
    const clicks = [...RECORDS].reverse().find((x) => x.topic === "clickstream" && !x.malformed)!;
    const id = await s.codec.schemaIdFor(`${TOPICS.clickstream}-value`, "ClickEvent");
    const ts = Math.max(...r.status().map((p) => p.clockTs)) + 3 * 86_400_000;
    const event = { ...clicks.event, event_id: "late-riser", ts };
    await producer.send(TOPICS.clickstream, [
      { key: event.customer_id, value: s.codec.encode("ClickEvent", id, event as never), timestamp: ts },
    ]);
    await producer.close();
    const deadline = Date.now() + 5_000;
    while (r.status().some((p) => p.clockTs !== ts) && Date.now() < deadline) await sleep(20);
    expect(r.status().map((p) => p.clockTs)).toEqual([ts, ts, ts]);
    await r.stop();
    const ids = [...new Set(RECORDS.filter((x) => !x.malformed).map((x) => x.event.customer_id))];
    const stored = await s.store.readMany(ids);
    expect(stored.filter((h) => h?.as_of_ts === String(ts)).length).toBeGreaterThan(ids.length / 2);
  });

  it("measures freshness on the source's clock: a simulated clock ahead of the wall clock gives delays >= 0", async () => {
    // Events of a simulated week that starts tomorrow, and the simulator's clock a minute past
    // its last arrival: far ahead of the wall clock, as in the live demo at 60x after a while.
    const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const simulation = { ...SIMULATION, start };
    const arrivals = simulate(simulation).map((r) => r.arrivalTs);
    const simulatedNow = arrivals.reduce((a, b) => Math.max(a, b)) + 60_000;
    const registry = createMemorySchemaRegistry();
    const s: Stack = {
      log: createMemoryEventLog(),
      store: createMemoryFeatureStore({ ttlSeconds: 0 }),
      registry,
      codec: new AvroCodec(registry),
    };
    open.push(s);
    await s.log.admin().createTopics(Object.values(TOPICS).map((name) => ({ name, partitions: PARTITIONS })));
    await produceWithSimulator(s.log, s.registry, TOPICS, simulation);
    const metrics = new Registry();
    const r = createFeaturesRunner(options(), {
      log: s.log,
      store: s.store,
      schemaRegistry: s.registry,
      metrics: { registry: metrics },
      sourceNow: () => simulatedNow,
    });
    runners.push(r);
    await r.start();
    await waitForCommitted(s.log, "features-test", [TOPICS.clickstream, TOPICS.billing]);
    const watermarks = r.status().map((p) => p.watermarkTs);
    await r.stop();
    expect(Math.min(...watermarks)).toBeGreaterThan(Date.now());
    for (const [partition, watermarkTs] of watermarks.entries()) {
      const delay = await metricValue(metrics, "churnstream_features_watermark_lag_seconds", {
        partition: String(partition),
      });
      expect(delay).toBe((simulatedNow - watermarkTs) / 1000);
      expect(delay).toBeGreaterThanOrEqual(0);
    }
    // Event → store on that clock too: every record arrived at least the minute of lead before it.
    const latency = (await metrics.getSingleMetric("churnstream_features_event_to_store_seconds")!.get())
      .values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
    const count = latency.find((v) => v.metricName?.endsWith("_count"))!.value;
    const underHalfAMinute = latency.find((v) => v.metricName?.endsWith("_bucket") && v.labels.le === 30)!;
    expect(count).toBeGreaterThan(1000);
    expect(underHalfAMinute.value).toBe(0);
  });

  it("resumes from its checkpoints after a graceful stop without reprocessing", async () => {
    const s = await stack();
    await runToEnd(s);
    const again = runner(s);
    await again.start();
    const status = again.status();
    const committed = await s.log.admin().committedOffsets("features-test", TOPICS.clickstream);
    expect(status.map((p) => p.offsets.clickstream)).toEqual([...committed.values()]);
    expect(status.every((p) => p.counters.clickstream.folded > 0)).toBe(true);
    await again.stop();
  });
});
