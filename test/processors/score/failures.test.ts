/** The scorer under FeatureStore and producer failures: no record lost, no commit ahead of work. */
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { EventLog, LogRecord } from "../../../core/eventlog/ports.js";
import { createMemoryFeatureStore } from "../../../core/featurestore/index.js";
import { AtRiskSets, ScoreFields } from "../../../core/featurestore/keys.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { createScoreRunner, type ScoreRunner } from "../../../processors/score/index.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import type { DirModelRegistry } from "../../../training/registry/index.js";
import { readTopic } from "../features/harness.js";
import { features, produceFeatures, registerModel, seedEntries, stump, tempRegistry } from "./support.js";

const TOPICS = { features: "features", scores: "scores", deadLetters: "dlq" };
const GROUP = "score-failures";
const IDS = Array.from({ length: 60 }, (_, i) => `c${i}`);

interface Stack {
  log: EventLog;
  store: FeatureStore;
  schemas: SchemaRegistry;
  models: DirModelRegistry;
}

const runners: ScoreRunner[] = [];
const stacks: Stack[] = [];

afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
  await Promise.allSettled(
    stacks.splice(0).flatMap((s) => [s.log.close(), s.store.close(), s.models.close()]),
  );
});

async function stack(partitions = 3, ids: readonly string[] = IDS): Promise<Stack> {
  const log = createMemoryEventLog();
  const schemas = createMemorySchemaRegistry();
  await log.admin().createTopics(Object.values(TOPICS).map((name) => ({ name, partitions })));
  const s = { log, store: createMemoryFeatureStore({ ttlSeconds: 0 }), schemas, models: tempRegistry() };
  stacks.push(s);
  await s.models.promote(await registerModel(s.models, stump("errors_7d", -1, 1)), "test");
  await seedEntries(s.store, IDS, () => "DE");
  await produce(s, ids);
  return s;
}

function produce(s: Stack, ids: readonly string[]): Promise<void> {
  const records = ids.map((id) => features(id, 1_000 + IDS.indexOf(id), { errors_7d: IDS.indexOf(id) % 2 }));
  return produceFeatures(s.log, new AvroCodec(s.schemas), TOPICS.features, records);
}

function runner(
  s: Stack,
  store: FeatureStore,
  log: EventLog = s.log,
  maxRetries = 3,
  extra: { metrics?: { registry: Registry }; maxBatchDelayMs?: number } = {},
): ScoreRunner {
  const r = createScoreRunner(
    {
      groupId: GROUP,
      topics: TOPICS,
      maxBatchRecords: 10,
      maxBatchDelayMs: extra.maxBatchDelayMs ?? 0,
      maxRetries,
    },
    {
      log,
      store,
      schemaRegistry: s.schemas,
      registry: s.models,
      ...(extra.metrics ? { metrics: extra.metrics } : {}),
    },
  );
  runners.push(r);
  return r;
}

/** `store` whose `method` fails on its calls number `failing` (1-based). */
function failingStore(
  store: FeatureStore,
  method: "writeMany" | "zadd",
  failing: ReadonlySet<number>,
  retryable: boolean,
): FeatureStore & { calls: number } {
  const wrapper = Object.create(store) as FeatureStore & { calls: number };
  wrapper.calls = 0;
  const original = store[method].bind(store) as (...args: unknown[]) => Promise<void>;
  (wrapper as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    wrapper.calls++;
    if (failing.has(wrapper.calls))
      return Promise.reject(new ChurnError("CHURN_STORE_UNAVAILABLE", "store down (test)", { retryable }));
    return original(...args);
  };
  return wrapper;
}

async function drained(s: Stack, r: ScoreRunner): Promise<void> {
  const ends = await s.log.admin().endOffsets(TOPICS.features);
  await expect
    .poll(() => [...ends].every(([p, end]) => (r.status().offsets.get(p) ?? 0) >= end), { timeout: 10_000 })
    .toBe(true);
}

/** Every customer is scored in the store and ranked in the at-risk set. */
async function expectAllScored(s: Stack): Promise<void> {
  const entries = await s.store.readMany(IDS);
  expect(entries.filter((e) => e?.[ScoreFields.score] === undefined)).toEqual([]);
  expect(await s.store.zcard(AtRiskSets.all)).toBe(IDS.length);
}

describe("scorer under failures", () => {
  it("re-issues every FeatureStore write when a retryable write fails once", async () => {
    const s = await stack();
    const store = failingStore(s.store, "zadd", new Set([1]), true);
    const r = runner(s, store);
    await r.start();
    await drained(s, r);
    expect(store.calls).toBeGreaterThan(1);
    await expectAllScored(s);
  });

  it("re-issues the writes when writeMany fails once", async () => {
    const s = await stack();
    const store = failingStore(s.store, "writeMany", new Set([2]), true);
    const r = runner(s, store);
    await r.start();
    await drained(s, r);
    await expectAllScored(s);
  });

  it("stops on a failed batch without committing past it, and a restart scores every record", async () => {
    const s = await stack();
    // The third batch's write fails for good: the runner must stop, not skip that batch.
    const store = failingStore(s.store, "writeMany", new Set([3]), false);
    const r = runner(s, store);
    await r.start();
    await expect(r.stopped()).rejects.toMatchObject({ code: "CHURN_STORE_UNAVAILABLE" });
    const committed = await s.log.admin().committedOffsets(GROUP, TOPICS.features);
    const records = [...(await readTopic(s.log, TOPICS.features)).values()].flat() as LogRecord[];
    const covered = records.filter((x) => x.offset < (committed.get(x.partition) ?? 0));
    const unscored = records.filter((x) => !covered.includes(x));
    expect(covered.length).toBeGreaterThan(0);
    expect(unscored.length).toBeGreaterThan(0);
    // Every committed record is scored: no commit is ahead of an unprocessed record.
    const entries = await s.store.readMany(covered.map((x) => x.key!.toString()));
    expect(entries.filter((e) => e?.[ScoreFields.score] === undefined)).toEqual([]);
    await r.stop();

    const again = runner(s, s.store);
    await again.start();
    await drained(s, again);
    await expectAllScored(s);
  });

  it("keeps the rest of a multi-batch buffer uncommitted when its first batch fails, even at shutdown", async () => {
    // One partition; 9 records buffered (below maxBatchRecords), then 10 more: the buffer holds
    // two batches when it is flushed, and the first fails for good.
    const s = await stack(1, IDS.slice(0, 9));
    const metrics = new Registry();
    const store = failingStore(s.store, "writeMany", new Set([1]), false);
    const r = runner(s, store, s.log, 0, { metrics: { registry: metrics }, maxBatchDelayMs: 10_000 });
    await r.start();
    await expect
      .poll(async () =>
        (await metrics.getSingleMetricAsString("churnstream_scorer_consumer_lag_records")).includes(
          'partition="0"',
        ),
      )
      .toBe(true);
    await produce(s, IDS.slice(9, 19));
    await expect(r.stopped()).rejects.toMatchObject({ code: "CHURN_STORE_UNAVAILABLE" });
    await r.stop();
    // Nothing after the failed batch was processed or committed (its partial writes may stay:
    // they are idempotent and redone after the restart).
    expect((await s.log.admin().committedOffsets(GROUP, TOPICS.features)).get(0) ?? 0).toBe(0);
    expect(r.status()).toMatchObject({ batches: 0, records: 0 });

    const again = runner(s, s.store);
    await again.start();
    await drained(s, again);
    const entries = await s.store.readMany(IDS.slice(0, 19));
    expect(entries.filter((e) => e?.[ScoreFields.score] === undefined)).toEqual([]);
    expect(await s.store.zcard(AtRiskSets.all)).toBe(19);
  });

  it("stops when publishing scores fails for good, and a restart scores every record", async () => {
    const s = await stack();
    let sends = 0;
    const log = Object.create(s.log) as EventLog;
    log.producer = () => {
      const producer = s.log.producer();
      const send = producer.send.bind(producer);
      producer.send = (topic, records) => {
        if (topic === TOPICS.scores && ++sends === 2)
          return Promise.reject(
            new ChurnError("CHURN_LOG_UNAVAILABLE", "broker down (test)", { retryable: true }),
          );
        return send(topic, records);
      };
      return producer;
    };
    const r = runner(s, s.store, log, 0);
    await r.start();
    await expect(r.stopped()).rejects.toMatchObject({ code: "CHURN_LOG_UNAVAILABLE" });
    await r.stop();
    const again = runner(s, s.store);
    await again.start();
    await drained(s, again);
    await expectAllScored(s);
  });
});
