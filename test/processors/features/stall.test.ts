/**
 * The merge's stall escape: it goes on without records a probe announced only once the stall
 * timeout has passed (time spent on batches excluded) AND the consumer completed
 * `STALL_FETCH_CYCLES` fetch cycles since the probe without delivering them.
 *
 * - Busy runner: billing batches reach the runner behind six other batches (as kafkajs hands out
 *   a fetch's batches one partition at a time) and every micro-batch takes 200 ms on the
 *   runner's clock: 1.2 s of busy time against a 100 ms timeout.
 * - Slow fetches (a CPU-starved consumer): every batch takes 150 ms of wall time to be fetched,
 *   longer than the 100 ms timeout, and the runner is idle meanwhile.
 * Neither may force a merge: the store and the dead letters must equal the offline replay's. A
 * partition whose announced records never come while the consumer keeps fetching must still
 * escape, counted in `churnstream_features_merge_stall_escapes_total`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { afterEach, expect, it } from "vitest";
import type { Batch, Consumer, ConsumerHandlers, EventLog } from "../../../core/eventlog/ports.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import {
  compileFeaturesProcessorOptions,
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
} from "../../../processors/features/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import {
  embeddedBackends,
  expectStoreEquals,
  readTopic,
  referenceHashes,
  waitForCommitted,
} from "./harness.js";
import { produceSimulated, simulate } from "./simulated.js";

const PARTITIONS = 3;
const TOPICS = { clickstream: "clicks", billing: "bills", features: "features", deadLetters: "dlq" };
const ESCAPES = "churnstream_features_merge_stall_escapes_total";
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close().catch(() => {});
});

/** A memory log, store and registry holding a simulation of `customers` × `days`. */
async function simulated(customers: number, days: number) {
  const { log, store, registry, codec } = await embeddedBackends(TOPICS, PARTITIONS, cleanup);
  await produceSimulated(log, codec, TOPICS, simulate({ customers, days, seed: 9, partitions: PARTITIONS }));
  return { log, registry, store };
}

/** `log` whose consumers run through `run(inner, handlers)`; everything else is the memory consumer's. */
function withRun(
  log: EventLog,
  run: (inner: Consumer, handlers: ConsumerHandlers) => Promise<void>,
): EventLog {
  const consumer = (options: Parameters<EventLog["consumer"]>[0]): Consumer => {
    const inner = log.consumer(options);
    // The memory consumer's methods use private fields: bind them to it.
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === "run") return (handlers: ConsumerHandlers) => run(inner, handlers);
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  return {
    backend: log.backend,
    admin: () => log.admin(),
    producer: () => log.producer(),
    consumer,
    close: () => log.close(),
  };
}

/**
 * `log` whose consumers hand out each billing batch late: held (in order per partition) until
 * six other batches were delivered, or 10 ms passed without a delivery.
 */
function billingBehindOtherBatches(log: EventLog): EventLog {
  return withRun(log, (inner, handlers) => {
    const held = new Map<number, { batch: Batch; after: number }[]>();
    let delivered = 0;
    let timer: NodeJS.Timeout | undefined;
    let releasing = Promise.resolve();
    const release = (all: boolean) => {
      releasing = releasing.then(async () => {
        for (const [partition, queue] of held) {
          while (queue.length > 0 && (all || queue[0]!.after <= delivered)) {
            delivered++;
            await handlers.eachBatch(queue.shift()!.batch);
          }
          if (queue.length === 0) held.delete(partition);
        }
      });
      return releasing;
    };
    return inner.run({
      ...handlers,
      eachBatch: async (batch) => {
        clearTimeout(timer);
        await release(false);
        if (batch.topic === TOPICS.billing) {
          const queue = held.get(batch.partition) ?? [];
          queue.push({ batch, after: delivered + 6 });
          held.set(batch.partition, queue);
        } else {
          delivered++;
          await handlers.eachBatch(batch);
        }
        timer = setTimeout(() => void release(true).catch(() => {}), 10);
      },
    });
  });
}

/** `log` whose consumers take `delayMs` of wall time to fetch each batch (a starved consumer). */
function slowFetches(log: EventLog, delayMs: number): EventLog {
  return withRun(log, (inner, handlers) =>
    inner.run({
      ...handlers,
      eachBatch: async (batch) => {
        await sleep(delayMs);
        await handlers.eachBatch(batch);
      },
    }),
  );
}

/** `log` whose consumers never deliver records of `topic`[`partition`] from offset `from` on. */
function recordsNeverCome(log: EventLog, topic: string, partition: number, from: number): EventLog {
  return withRun(log, (inner, handlers) =>
    inner.run({
      ...handlers,
      eachBatch: async (batch) => {
        if (batch.topic !== topic || batch.partition !== partition) return handlers.eachBatch(batch);
        const records = batch.records.filter((r) => r.offset < from);
        if (records.length > 0) await handlers.eachBatch({ ...batch, records });
      },
    }),
  );
}

/** Runs the features processor on `log` until its group committed every record. */
async function runToTheEnd(
  log: EventLog,
  store: FeatureStore,
  registry: SchemaRegistry,
  input: FeaturesProcessorOptionsInput,
  now?: () => number,
) {
  const options = compileFeaturesProcessorOptions({ topics: TOPICS, idleTimeoutMs: 0, ...input });
  const metrics = new Registry();
  const runner = createFeaturesRunner(options, {
    log,
    store,
    schemaRegistry: registry,
    metrics: { registry: metrics },
    ...(now ? { now } : {}),
  });
  cleanup.push(() => runner.stop());
  await runner.start();
  await waitForCommitted(log, options.groupId, [TOPICS.clickstream, TOPICS.billing], 120_000);
  await runner.stop();
  return { options, escapes: await escapesByTopic(metrics) };
}

async function escapesByTopic(metrics: Registry): Promise<Record<string, number>> {
  const metric = await metrics.getSingleMetric(ESCAPES)?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.topic), v.value]));
}

/** The store and the dead letters equal the offline replay of the logs. */
async function expectReplayResults(
  log: EventLog,
  store: FeatureStore,
  registry: SchemaRegistry,
  options: Parameters<typeof referenceHashes>[2],
) {
  const reference = await referenceHashes(log, registry, options);
  await expectStoreEquals(store, reference.hashes);
  const dlq = [...(await readTopic(log, TOPICS.deadLetters)).values()].flat();
  expect(dlq).toHaveLength(reference.rejected + reference.late);
}

it("does not count time spent on batches as a stall: slow batches force no merge", async () => {
  const { log, registry, store } = await simulated(60, 4);
  // The runner's clock: every store write (one per micro-batch) takes 200 ms on it.
  let elapsed = 0;
  const slowStore: FeatureStore = new Proxy(store, {
    get: (target, property) => {
      const value = Reflect.get(target, property, target);
      if (property !== "writeMany" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        elapsed += 200;
        await sleep(5);
        return value.apply(target, args);
      };
    },
  });
  const { options, escapes } = await runToTheEnd(
    billingBehindOtherBatches(log),
    slowStore,
    registry,
    { groupId: "stall", maxBatchRecords: 50, checkpointIntervalMs: 0, stallTimeoutMs: 100 },
    () => Date.now() + elapsed,
  );
  await expectReplayResults(log, store, registry, options);
  expect(escapes).toEqual({});
}, 180_000);

it("does not escape while fetches are slow: each takes longer than the stall timeout, records still come", async () => {
  const { log, registry, store } = await simulated(40, 3);
  const { options, escapes } = await runToTheEnd(slowFetches(log, 150), store, registry, {
    groupId: "slow-fetch",
    maxBatchRecords: 50,
    checkpointIntervalMs: 0,
    stallTimeoutMs: 100,
  });
  await expectReplayResults(log, store, registry, options);
  expect(escapes).toEqual({});
}, 180_000);

it("escapes when announced records never come while the consumer keeps fetching, and counts it", async () => {
  const { log, registry, store } = await simulated(40, 3);
  const billingEnds = await log.admin().endOffsets(TOPICS.billing);
  const from = Math.floor(billingEnds.get(0)! / 2);
  const options = compileFeaturesProcessorOptions({
    groupId: "stuck",
    topics: TOPICS,
    idleTimeoutMs: 0,
    maxBatchRecords: 50,
    checkpointIntervalMs: 0,
    stallTimeoutMs: 200,
  });
  const metrics = new Registry();
  const runner = createFeaturesRunner(options, {
    log: recordsNeverCome(log, TOPICS.billing, 0, from),
    store,
    schemaRegistry: registry,
    metrics: { registry: metrics },
  });
  cleanup.push(() => runner.stop());
  const started = Date.now();
  await runner.start();
  // Every click is merged (past the missing billing records of partition 0) and committed.
  await waitForCommitted(log, "stuck", [TOPICS.clickstream], 60_000);
  const tookMs = Date.now() - started;
  const status = runner.status();
  await runner.stop();
  const escapes = await escapesByTopic(metrics);
  expect(escapes[TOPICS.billing]).toBeGreaterThanOrEqual(1);
  expect(escapes[TOPICS.clickstream]).toBeUndefined();
  expect(status.find((s) => s.partition === 0)!.offsets.billing).toBe(from);
  expect(tookMs).toBeLessThan(30_000);
}, 90_000);
